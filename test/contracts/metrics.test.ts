import { createBlueskyAdapter } from '../../platforms/bluesky/adapter';
import { BlueskyFake } from '../../platforms/bluesky/fake';
import { createGoogleAdapter } from '../../platforms/google/business/adapter';
import type { AccountContext, PlatformAdapter } from '../../platforms/kit/adapter';
import { PublishError } from '../../platforms/kit/adapter';
import { type FakePlatform, REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { createMastodonAdapter } from '../../platforms/mastodon/adapter';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { simulatedMetrics } from '../../platforms/sandbox/metrics';
import { createTwitterAdapter } from '../../platforms/twitter/adapter';
import { TwitterFake } from '../../platforms/twitter/fake';
import type { PostContent } from '../../api/types';
import { createRedditAdapter } from '../../platforms/reddit/adapter';
import { RedditFake } from '../../platforms/reddit/fake';
import { createVkAdapter } from '../../platforms/vk/adapter';
import { VkFake } from '../../platforms/vk/fake';
import { createLemmyAdapter } from '../../platforms/lemmy/adapter';
import { LemmyFake } from '../../platforms/lemmy/fake';
import { createDevtoAdapter } from '../../platforms/devto/adapter';
import { DevtoFake } from '../../platforms/devto/fake';
import { createHashnodeAdapter } from '../../platforms/hashnode/adapter';
import { HashnodeFake } from '../../platforms/hashnode/fake';
import { createTumblrAdapter } from '../../platforms/tumblr/adapter';
import { TumblrFake } from '../../platforms/tumblr/fake';
import { createFarcasterAdapter } from '../../platforms/farcaster/adapter';
import { FarcasterFake } from '../../platforms/farcaster/fake';
import { createWordpressAdapter } from '../../platforms/wordpress/adapter';
import { WordpressFake } from '../../platforms/wordpress/fake';
import { createDiscordAdapter } from '../../platforms/discord/adapter';
import { DiscordFake } from '../../platforms/discord/fake';
import { createSlackAdapter } from '../../platforms/slack/adapter';
import { SlackFake } from '../../platforms/slack/fake';
import { createMatrixAdapter } from '../../platforms/matrix/adapter';
import { MatrixFake } from '../../platforms/matrix/fake';
import { createNostrAdapter } from '../../platforms/nostr/adapter';
import type { NostrEvent } from '../../platforms/nostr/event';
import { NostrRelayFake } from '../../platforms/nostr/fake';
import { publishRequest, runDelivery } from './run-delivery';

/**
 * Each adapter's `fetchMetrics` against its fake: the documented endpoint and payload mapped to
 * the contract's `{likes, comments, shares, saves, extra}`, a post deleted on the platform read
 * as `null` (its collection ends), a rate limit classified with its wait. `F` is the platform's
 * fake, or a relay's (Nostr), as far as the tests drive it.
 */
interface Case<F extends Pick<FakePlatform, 'inject' | 'stop'>> {
  platform: string;
  start: () => Promise<F>;
  adapter: (fake: F) => PlatformAdapter;
  /** Sets the platform's counts for the post `id` (the fake's own field names). */
  engage: (fake: F, id: string) => void;
  /** What `engage` makes the adapter report. */
  expected: { likes: number; comments: number; shares: number; saves: number; extra: Record<string, number> };
  /** Deletes the post on the platform, as another app would. */
  remove: (fake: F, id: string) => void;
  metricsPath: string | RegExp;
  /** The metrics call's method, where it is not GET (a GraphQL or API-method POST, a relay's `REQ`). */
  metricsMethod?: string;
  /** The account's credentials, where the fake's `credentials()` is not what an account holds. */
  credentials?: (fake: F) => Record<string, string>;
  /** What the post needs to publish on the platform (a title, a subreddit), beyond the text. */
  post?: { content?: Partial<PostContent>; options?: Record<string, unknown> };
  rateLimit: { status: number; body: unknown; headers: Record<string, string> };
}

const inSeconds = (s: number) => String(Math.floor(Date.now() / 1000) + s);

const cases = [
  {
    platform: 'mastodon',
    start: () => new MastodonFake().start(),
    adapter: () => createMastodonAdapter({ outbound: REACH_LOOPBACK_FAKES }),
    engage: (fake: MastodonFake, id: string) =>
      fake.engagement.set(id, { favourites_count: 12, replies_count: 3, reblogs_count: 5 }),
    expected: { likes: 12, comments: 3, shares: 5, saves: 0, extra: {} },
    remove: (fake: MastodonFake, id: string) =>
      fake.statuses.splice(
        fake.statuses.findIndex((s) => s.id === id),
        1,
      ),
    metricsPath: /^\/api\/v1\/statuses\/\d+$/,
    rateLimit: {
      status: 429,
      body: { error: 'Too many requests' },
      headers: { 'x-ratelimit-reset': new Date(Date.now() + 30_000).toISOString() },
    },
  } satisfies Case<MastodonFake>,
  {
    platform: 'twitter',
    start: () => new TwitterFake().start(),
    adapter: (fake: TwitterFake) => createTwitterAdapter({ baseUrl: fake.url }),
    engage: (fake: TwitterFake, id: string) =>
      fake.engagement.set(id, {
        like_count: 40,
        reply_count: 4,
        retweet_count: 7,
        quote_count: 2,
        bookmark_count: 6,
        impression_count: 900,
      }),
    expected: { likes: 40, comments: 4, shares: 7, saves: 6, extra: { quotes: 2, impressions: 900 } },
    remove: (fake: TwitterFake, id: string) =>
      fake.posts.splice(
        fake.posts.findIndex((p) => p.id === id),
        1,
      ),
    metricsPath: /^\/2\/tweets\/\d+$/,
    rateLimit: {
      status: 429,
      body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
      headers: {
        'x-rate-limit-limit': '900',
        'x-rate-limit-remaining': '0',
        'x-rate-limit-reset': inSeconds(30),
      },
    },
  } satisfies Case<TwitterFake>,
  {
    platform: 'bluesky',
    start: () => new BlueskyFake().start(),
    adapter: () => createBlueskyAdapter({ outbound: REACH_LOOPBACK_FAKES }),
    engage: (fake: BlueskyFake, uri: string) =>
      fake.engagement.set(uri, {
        likeCount: 21,
        replyCount: 2,
        repostCount: 3,
        quoteCount: 1,
        bookmarkCount: 4,
      }),
    expected: { likes: 21, comments: 2, shares: 3, saves: 4, extra: { quotes: 1 } },
    remove: (fake: BlueskyFake, uri: string) =>
      fake.posts.splice(
        fake.posts.findIndex((p) => p.uri === uri),
        1,
      ),
    metricsPath: '/xrpc/app.bsky.feed.getPosts',
    rateLimit: {
      status: 429,
      body: { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' },
      headers: { 'ratelimit-limit': '3000', 'ratelimit-remaining': '0', 'ratelimit-reset': inSeconds(30) },
    },
  } satisfies Case<BlueskyFake>,
  {
    platform: 'reddit',
    start: () => new RedditFake().start(),
    adapter: (fake: RedditFake) => createRedditAdapter({ baseUrl: fake.url }),
    post: { content: { title: 'Metrics' }, options: { sr: 'postflow' } },
    engage: (fake: RedditFake, id: string) =>
      fake.engagement.set(id.replace(/^t3_/, ''), {
        ups: 57,
        score: 52,
        upvote_ratio: 0.91,
        num_comments: 8,
        num_crossposts: 2,
      }),
    expected: { likes: 57, comments: 8, shares: 2, saves: 0, extra: { score: 52, upvote_ratio: 0.91 } },
    // Deleted by its author on reddit.com: still listed by id, marked deleted.
    remove: (fake: RedditFake, id: string) =>
      fake.deleted.push(
        ...fake.submissions.splice(
          fake.submissions.findIndex((p) => `t3_${p.id}` === id),
          1,
        ),
      ),
    metricsPath: '/api/info',
    rateLimit: {
      status: 429,
      body: { message: 'Too Many Requests', error: 429 },
      headers: { 'x-ratelimit-used': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '42' },
    },
  } satisfies Case<RedditFake>,
  {
    platform: 'vk',
    start: () => new VkFake().start(),
    adapter: (fake: VkFake) => createVkAdapter({ baseUrl: fake.url }),
    engage: (fake: VkFake, id: string) =>
      fake.engagement.set(id, { likes: 30, comments: 6, reposts: 4, views: 1_200 }),
    expected: { likes: 30, comments: 6, shares: 4, saves: 0, extra: { views: 1_200 } },
    remove: (fake: VkFake, id: string) =>
      fake.posts.splice(
        fake.posts.findIndex((p) => `${p.ownerId}_${p.id}` === id),
        1,
      ),
    metricsPath: '/method/wall.getById',
    metricsMethod: 'POST',
    // VK's per-second limit: error 6 inside an HTTP 200 (dev.vk.com/reference/errors).
    rateLimit: {
      status: 200,
      body: { error: { error_code: 6, error_msg: 'Too many requests per second', request_params: [] } },
      headers: {},
    },
  } satisfies Case<VkFake>,
  {
    platform: 'lemmy',
    start: () => new LemmyFake().start(),
    adapter: () => createLemmyAdapter({ outbound: REACH_LOOPBACK_FAKES }),
    // An account holds its session once connected.
    credentials: (fake: LemmyFake) => fake.loggedIn(),
    post: { content: { title: 'Metrics' }, options: { community_id: 2 } },
    engage: (fake: LemmyFake, id: string) =>
      fake.engagement.set(Number(id), { upvotes: 15, downvotes: 2, score: 13 }),
    // The fake counts the post's comments itself: none here.
    expected: { likes: 15, comments: 0, shares: 0, saves: 0, extra: { score: 13, downvotes: 2 } },
    remove: (fake: LemmyFake, id: string) => {
      fake.posts.find((p) => p.id === Number(id))!.deleted = true;
    },
    metricsPath: '/api/v3/post',
    rateLimit: { status: 429, body: { error: 'rate_limit_error' }, headers: {} },
  } satisfies Case<LemmyFake>,
  {
    platform: 'devto',
    start: () => new DevtoFake().start(),
    adapter: (fake: DevtoFake) => createDevtoAdapter({ baseUrl: fake.url }),
    post: { content: { title: 'Metrics' } },
    engage: (fake: DevtoFake, id: string) =>
      fake.engagement.set(Number(id), {
        public_reactions_count: 9,
        comments_count: 3,
        page_views_count: 480,
      }),
    expected: { likes: 9, comments: 3, shares: 0, saves: 0, extra: { page_views: 480 } },
    remove: (fake: DevtoFake, id: string) => {
      fake.articles.find((a) => a.id === Number(id))!.published = false;
    },
    metricsPath: /^\/api\/articles\/\d+$/,
    rateLimit: {
      status: 429,
      body: { error: 'Rate limit reached, try again in 30 seconds', status: 429 },
      headers: { 'retry-after': '30' },
    },
  } satisfies Case<DevtoFake>,
  {
    platform: 'hashnode',
    start: () => new HashnodeFake().start(),
    adapter: (fake: HashnodeFake) => createHashnodeAdapter({ baseUrl: fake.url }),
    post: { content: { title: 'Metrics' } },
    engage: (fake: HashnodeFake, id: string) =>
      fake.engagement.set(id, { reactionCount: 11, responseCount: 4, replyCount: 2, views: 310 }),
    expected: { likes: 11, comments: 4, shares: 0, saves: 0, extra: { replies: 2, views: 310 } },
    remove: (fake: HashnodeFake, id: string) => {
      fake.posts.find((p) => p.id === id)!.active = false;
    },
    metricsPath: '/',
    metricsMethod: 'POST',
    rateLimit: { status: 429, body: { message: 'Too many requests' }, headers: { 'retry-after': '20' } },
  } satisfies Case<HashnodeFake>,
  {
    platform: 'tumblr',
    start: () => new TumblrFake().start(),
    adapter: (fake: TumblrFake) => createTumblrAdapter({ baseUrl: fake.url }),
    // 45 replies: three pages of conversation notes.
    engage: (fake: TumblrFake, id: string) =>
      fake.engagement.set(id, { likes: 70, reblogs: 12, replies: 45 }),
    expected: { likes: 70, comments: 45, shares: 12, saves: 0, extra: {} },
    remove: (fake: TumblrFake, id: string) =>
      fake.posts.splice(
        fake.posts.findIndex((p) => p.id === id),
        1,
      ),
    metricsPath: /^\/v2\/blog\/[^/]+\/notes$/,
    rateLimit: {
      status: 429,
      body: { meta: { status: 429, msg: 'Limit Exceeded' }, errors: [{ title: 'Limit Exceeded', code: 0 }] },
      headers: { 'x-ratelimit-perhour-remaining': '0', 'x-ratelimit-perhour-reset': '42' },
    },
  } satisfies Case<TumblrFake>,
  {
    platform: 'farcaster',
    start: () => new FarcasterFake().start(),
    adapter: (fake: FarcasterFake) => createFarcasterAdapter({ baseUrl: fake.url }),
    engage: (fake: FarcasterFake, hash: string) => {
      fake.engagement.set(hash, { likes_count: 25, recasts_count: 6 });
      // Replies are casts of their own: two under the post.
      for (const n of [1, 2]) {
        fake.casts.push({
          hash: `0x${'ab'.repeat(19)}0${n}`,
          fid: 999,
          text: `reply ${n}`,
          embeds: [],
          channelId: null,
          parentHash: hash,
          timestamp: new Date().toISOString(),
        });
      }
    },
    expected: { likes: 25, comments: 2, shares: 6, saves: 0, extra: {} },
    remove: (fake: FarcasterFake, hash: string) =>
      fake.casts.splice(
        fake.casts.findIndex((c) => c.hash === hash),
        1,
      ),
    metricsPath: '/v2/farcaster/cast',
    // Neynar's 429 carries no Retry-After: its limits are per minute.
    rateLimit: {
      status: 429,
      body: { message: 'Rate limit exceeded', code: 'RateLimitExceeded' },
      headers: {},
    },
  } satisfies Case<FarcasterFake>,
  {
    platform: 'wordpress',
    start: () => new WordpressFake().start(),
    adapter: () => createWordpressAdapter({ outbound: REACH_LOOPBACK_FAKES }),
    post: { content: { title: 'Metrics' } },
    // Readers' comments on the post: three.
    engage: (fake: WordpressFake, id: string) => {
      for (const n of [1, 2, 3]) {
        fake.comments.push({
          id: 9_000 + fake.comments.length,
          post: Number(id),
          author: 0,
          content: `<p>comment ${n}</p>`,
          dateGmt: new Date().toISOString().slice(0, 19),
        });
      }
    },
    expected: { likes: 0, comments: 3, shares: 0, saves: 0, extra: {} },
    remove: (fake: WordpressFake, id: string) =>
      fake.posts.splice(
        fake.posts.findIndex((p) => p.id === Number(id)),
        1,
      ),
    metricsPath: /^\/wp-json\/wp\/v2\/posts\/\d+$/,
    rateLimit: {
      status: 429,
      body: { code: 'too_many_requests', message: 'Too many requests.', data: { status: 429 } },
      headers: { 'retry-after': '60' },
    },
  } satisfies Case<WordpressFake>,
  {
    platform: 'discord',
    start: () => new DiscordFake().start(),
    adapter: (fake: DiscordFake) => createDiscordAdapter({ baseUrl: fake.url }),
    // A bot account: it reads its message back with Get Channel Message.
    credentials: (fake: DiscordFake) => fake.botCredentials(),
    engage: (fake: DiscordFake, id: string) => {
      fake.reactions.set(id, { '👍': 7, '🎉': 3 });
      fake.threadMessages.set(id, 5);
    },
    expected: { likes: 10, comments: 5, shares: 0, saves: 0, extra: {} },
    remove: (fake: DiscordFake, id: string) =>
      fake.messages.splice(
        fake.messages.findIndex((m) => m.id === id),
        1,
      ),
    metricsPath: /^\/api\/v10\/channels\/\d+\/messages\/\d+$/,
    rateLimit: {
      status: 429,
      body: { message: 'You are being rate limited.', retry_after: 12.5, global: false },
      headers: { 'retry-after': '13', 'x-ratelimit-reset-after': '12.5', 'x-ratelimit-scope': 'user' },
    },
  } satisfies Case<DiscordFake>,
  {
    platform: 'slack',
    start: () => new SlackFake().start(),
    adapter: (fake: SlackFake) => createSlackAdapter({ baseUrl: fake.url }),
    engage: (fake: SlackFake, ts: string) => {
      fake.reactions.set(ts, { thumbsup: 6, tada: 2 });
      fake.chatter('a reply', ts);
      fake.chatter('another', ts);
    },
    expected: { likes: 8, comments: 2, shares: 0, saves: 0, extra: {} },
    remove: (fake: SlackFake, ts: string) => fake.deleteInSlack(ts),
    metricsPath: '/api/conversations.replies',
    metricsMethod: 'POST',
    rateLimit: { status: 429, body: { ok: false, error: 'ratelimited' }, headers: { 'retry-after': '30' } },
  } satisfies Case<SlackFake>,
  {
    platform: 'matrix',
    start: () => new MatrixFake().start(),
    adapter: () => createMatrixAdapter({ outbound: REACH_LOOPBACK_FAKES }),
    // 130 reactions: two pages of relations. Three messages in the thread on the post.
    engage: (fake: MatrixFake, id: string) => {
      for (let i = 0; i < 130; i++) fake.react(id, i % 2 ? '👍' : '🎉');
      for (const n of [1, 2, 3]) fake.replyInThread(id, `reply ${n}`);
    },
    expected: { likes: 130, comments: 3, shares: 0, saves: 0, extra: {} },
    remove: (fake: MatrixFake, id: string) => {
      const event = fake.events.find((e) => e.eventId === id)!;
      Object.assign(event, { redacted: true, content: {} });
    },
    metricsPath: /\/event\/[^/]+$/,
    rateLimit: {
      status: 429,
      body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 2_000 },
      headers: {},
    },
  } satisfies Case<MatrixFake>,
  {
    platform: 'nostr',
    start: () => new NostrRelayFake().start(),
    adapter: () => createNostrAdapter({ outbound: REACH_LOOPBACK_FAKES }),
    credentials: (fake: NostrRelayFake) => fake.credentials('1f'.repeat(32)),
    // Others' events referring to the note, as relays hold them (signatures are not checked on reads).
    engage: (fake: NostrRelayFake, id: string) => {
      const other = (kind: number, tags: string[][], content = '') =>
        fake.events.push({
          id: `${kind}${String(fake.events.length).padStart(4, '0')}`.padEnd(64, 'a'),
          pubkey: 'b'.repeat(64),
          created_at: Math.floor(Date.now() / 1000),
          kind,
          tags,
          content,
          sig: 'c'.repeat(128),
        } satisfies NostrEvent);
      for (const content of ['+', '🤙', '+', '-'])
        other(
          7,
          [
            ['e', id],
            ['p', 'd'.repeat(64)],
          ],
          content,
        );
      other(6, [['e', id, '', 'root']]);
      other(16, [
        ['e', id],
        ['k', '1'],
      ]);
      other(1, [['e', id, '', 'root']], 'a reply');
      other(1, [['e', id]], 'an older-style reply');
      other(1, [['e', id, '', 'mention']], 'a mention, no reply');
      other(9735, [
        ['e', id],
        ['p', 'd'.repeat(64)],
      ]);
    },
    expected: { likes: 3, comments: 2, shares: 2, saves: 0, extra: { dislikes: 1, zaps: 1 } },
    remove: (fake: NostrRelayFake, id: string) =>
      fake.events.splice(
        fake.events.findIndex((e) => e.id === id),
        1,
      ),
    metricsPath: '/',
    metricsMethod: 'REQ',
    // A relay's refusal of a query (NIP-01 `CLOSED`), its reason machine-readable.
    rateLimit: { status: 200, body: 'rate-limited: slow down', headers: {} },
  } satisfies Case<NostrRelayFake>,
];

describe.each(cases as unknown as Array<Case<FakePlatform>>)('$platform: fetchMetrics', (c) => {
  let fake: FakePlatform;
  let adapter: PlatformAdapter;
  let account: AccountContext;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    fake = await c.start();
    adapter = c.adapter(fake);
    const credentials =
      c.credentials?.(fake) ?? (fake as unknown as { credentials(): Record<string, string> }).credentials();
    account = { id: `acc_${c.platform}`, platform: c.platform, name: c.platform, credentials };
  });
  afterAll(() => fake.stop());

  let posted = 0;
  const publish = () =>
    runDelivery(
      adapter,
      publishRequest(
        account,
        // A text of its own: some platforms refuse the same text twice (DEV).
        { text: `metrics please ${++posted}`, media: [], ...c.post?.content },
        c.post?.options ?? {},
        [],
      ),
    );

  test('reads the documented counts into the contract shape', async () => {
    const post = await publish();
    c.engage(fake, post.platformPostId);
    expect(await adapter.fetchMetrics!({ account, post, signal })).toEqual(c.expected);
  });

  test('a post deleted on the platform reads as null', async () => {
    const post = await publish();
    c.remove(fake, post.platformPostId);
    expect(await adapter.fetchMetrics!({ account, post, signal })).toBeNull();
  });

  test('a rate limit is a retryable rate_limit failure with its wait', async () => {
    const post = await publish();
    fake.inject({ method: c.metricsMethod ?? 'GET', path: c.metricsPath }, c.rateLimit);
    const err = await adapter.fetchMetrics!({ account, post, signal }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    const { failure } = err as PublishError;
    expect(failure).toMatchObject({ category: 'rate_limit', retryable: true });
    expect(failure.retryAfterMs).toBeGreaterThan(0);
  });
});

describe('sandbox: simulated growth', () => {
  test('is deterministic per post and grows with the post age', () => {
    expect(simulatedMetrics('sbx_A', 24)).toEqual(simulatedMetrics('sbx_A', 24));
    expect(simulatedMetrics('sbx_A', 0)).toEqual({
      likes: 0,
      comments: 0,
      shares: 0,
      saves: 0,
      extra: { impressions: 0 },
    });
    const [hour, day, week] = [1, 24, 168].map((h) => simulatedMetrics('sbx_A', h));
    expect(hour!.likes).toBeLessThan(day!.likes);
    expect(day!.likes).toBeLessThanOrEqual(week!.likes);
    expect(simulatedMetrics('sbx_B', 24)).not.toEqual(day);
  });
});

describe('google: metrics always 0 (the contract)', () => {
  test('reports zeros without a call', async () => {
    const adapter = createGoogleAdapter({ baseUrl: 'http://127.0.0.1:9' });
    const account = { id: 'acc_g', platform: 'google', name: 'g', credentials: {} };
    const post = { platformPostId: 'accounts/1/locations/2/localPosts/3', permalink: '', publishedAt: '' };
    expect(await adapter.fetchMetrics!({ account, post, signal: new AbortController().signal })).toEqual({
      likes: 0,
      comments: 0,
      shares: 0,
      saves: 0,
      extra: {},
    });
  });
});

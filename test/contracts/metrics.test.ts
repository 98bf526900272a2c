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
import { publishRequest, runDelivery } from './run-delivery';

/**
 * Each adapter's `fetchMetrics` against its fake: the documented endpoint and payload mapped to
 * the contract's `{likes, comments, shares, saves, extra}`, a post deleted on the platform read
 * as `null` (its collection ends), a rate limit classified with its wait.
 */
interface Case<F extends FakePlatform> {
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
];

describe.each(cases as unknown as Array<Case<FakePlatform>>)('$platform: fetchMetrics', (c) => {
  let fake: FakePlatform;
  let adapter: PlatformAdapter;
  let account: AccountContext;
  const signal = new AbortController().signal;

  beforeAll(async () => {
    fake = await c.start();
    adapter = c.adapter(fake);
    const credentials = (fake as unknown as { credentials(): Record<string, string> }).credentials();
    account = { id: `acc_${c.platform}`, platform: c.platform, name: c.platform, credentials };
  });
  afterAll(() => fake.stop());

  const publish = () =>
    runDelivery(adapter, publishRequest(account, { text: 'metrics please', media: [] }, {}, []));

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
    fake.inject({ method: 'GET', path: c.metricsPath }, c.rateLimit);
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

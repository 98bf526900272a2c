import { createBlueskyAdapter } from '../../platforms/bluesky/adapter';
import { BlueskyFake } from '../../platforms/bluesky/fake';
import { createGoogleAdapter } from '../../platforms/google/business/adapter';
import { googleError } from '../../platforms/google/fake-api';
import { createYoutubeAdapter } from '../../platforms/google/youtube/adapter';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import type { AccountContext, PlatformAdapter } from '../../platforms/kit/adapter';
import { PublishError } from '../../platforms/kit/adapter';
import { type FakePlatform, REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { createFacebookAdapter } from '../../platforms/meta/facebook/adapter';
import { FacebookFake } from '../../platforms/meta/facebook/fake';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { createInstagramAdapter } from '../../platforms/meta/instagram/adapter';
import { InstagramFake } from '../../platforms/meta/instagram/fake';
import { createInstagramBusinessAdapter } from '../../platforms/meta/instagram_business/adapter';
import { InstagramBusinessFake } from '../../platforms/meta/instagram_business/fake';
import { createThreadsAdapter } from '../../platforms/meta/threads/adapter';
import { ThreadsFake } from '../../platforms/meta/threads/fake';
import { createLinkedInAdapter, createLinkedInPageAdapter } from '../../platforms/linkedin/adapter';
import { LinkedInFake, liError } from '../../platforms/linkedin/fake';
import { createMastodonAdapter } from '../../platforms/mastodon/adapter';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { createPinterestAdapter } from '../../platforms/pinterest/adapter';
import { PinterestFake } from '../../platforms/pinterest/fake';
import { simulatedMetrics } from '../../platforms/sandbox/metrics';
import { createTikTokAdapter } from '../../platforms/tiktok/adapter';
import { TikTokFake } from '../../platforms/tiktok/fake';
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
import { FAKE_MP4, MediaHost, PNG_1X1, publishRequest, runDelivery, type TestMedia } from './run-delivery';

/**
 * Each adapter's `fetchMetrics` against its fake: the documented endpoint and payload mapped to
 * the contract's `{likes, comments, shares, saves, extra}`, a post deleted on the platform read
 * as `null` (its collection ends), a rate limit classified with its wait.
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
  /** The metrics call's method, where it is not GET (TikTok's video query, a GraphQL or API-method POST, a relay's `REQ`). */
  metricsMethod?: string;
  rateLimit: { status: number; body: unknown; headers: Record<string, string> };
  /** The account's credentials, where the fake's default `credentials()` are not this platform's. */
  credentials?: (fake: F) => Record<string, string>;
  /** What the post needs beyond its text: a title or subreddit, options, media (Instagram, video platforms). */
  post?: { content?: Partial<PostContent>; options?: Record<string, unknown>; media?: TestMedia[] };
}

const inSeconds = (s: number) => String(Math.floor(Date.now() / 1000) + s);

/** LinkedIn's daily throttle (learn.microsoft.com/linkedin/shared/api-guide/concepts/rate-limits). */
const LINKEDIN_DAY_LIMIT = liError(
  429,
  'TOO_MANY_REQUESTS',
  'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.',
  101,
);

/** YouTube's daily quota error (developers.google.com/youtube/v3/docs/errors: 403 quotaExceeded). */
const YOUTUBE_QUOTA = googleError(
  403,
  undefined,
  'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
  { reason: 'quotaExceeded', domain: 'youtube.quota' },
);

/**
 * A Graph throttling error (codes 4, 17, 32, 80001–80014) with the X-Business-Use-Case-Usage
 * header Meta sends, whose `estimated_time_to_regain_access` (minutes) is the wait.
 */
const metaRateLimit = (code: number, message: string, objectId: string, type: string) => {
  const { status, body, headers } = MetaGraphFake.error(400, code, message, {
    headers: {
      'x-business-use-case-usage': JSON.stringify({
        [objectId]: [
          { type, call_count: 100, total_cputime: 10, total_time: 12, estimated_time_to_regain_access: 4 },
        ],
      }),
    },
  });
  return { status, body, headers: headers! };
};

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
    platform: 'facebook',
    start: () => new FacebookFake().start(),
    adapter: (fake: FacebookFake) => createFacebookAdapter({ baseUrl: fake.url }),
    engage: (fake: FacebookFake, id: string) =>
      fake.engagement.set(id, { reactions: 31, comments: 5, shares: 2 }),
    expected: { likes: 31, comments: 5, shares: 2, saves: 0, extra: {} },
    remove: (fake: FacebookFake, id: string) =>
      fake.published.splice(
        fake.published.findIndex((p) => p.id === id),
        1,
      ),
    metricsPath: /^\/v25\.0\/[\d_]+$/,
    rateLimit: metaRateLimit(32, 'Page request limit reached', '104857600123456', 'pages'),
  } satisfies Case<FacebookFake>,
  ...(['instagram', 'instagram_business'] as const).map(
    (platform) =>
      ({
        platform,
        start: () => (platform === 'instagram' ? new InstagramFake() : new InstagramBusinessFake()).start(),
        adapter: (fake: InstagramFake) =>
          (platform === 'instagram' ? createInstagramAdapter : createInstagramBusinessAdapter)({
            baseUrl: fake.url,
          }),
        post: { options: { content_type: 'feed' }, media: [{ contentType: 'image/png', bytes: PNG_1X1 }] },
        engage: (fake: InstagramFake, id: string) =>
          fake.engagement.set(id, { likes: 25, comments: 4, shares: 3, saved: 9, views: 800, reach: 610 }),
        expected: { likes: 25, comments: 4, shares: 3, saves: 9, extra: { views: 800, reach: 610 } },
        remove: (fake: InstagramFake, id: string) =>
          fake.published.splice(
            fake.published.findIndex((m) => m.id === id),
            1,
          ),
        metricsPath: /^\/v25\.0\/\d+\/insights$/,
        rateLimit: metaRateLimit(
          80002,
          'There have been too many calls to this Instagram account. Wait a bit and try again.',
          '17841400000000001',
          'instagram',
        ),
      }) satisfies Case<InstagramFake>,
  ),
  {
    platform: 'threads',
    start: () => new ThreadsFake().start(),
    adapter: (fake: ThreadsFake) => createThreadsAdapter({ baseUrl: fake.url }),
    engage: (fake: ThreadsFake, id: string) =>
      fake.engagement.set(id, { views: 1200, likes: 50, replies: 6, reposts: 8, quotes: 3 }),
    expected: { likes: 50, comments: 6, shares: 8, saves: 0, extra: { quotes: 3, views: 1200 } },
    remove: (fake: ThreadsFake, id: string) =>
      fake.published.splice(
        fake.published.findIndex((p) => p.id === id),
        1,
      ),
    metricsPath: /^\/v1\.0\/\d+\/insights$/,
    rateLimit: metaRateLimit(17, 'User request limit reached', '25012345678901234', 'threads'),
  } satisfies Case<ThreadsFake>,
  {
    platform: 'youtube',
    start: () => new YoutubeFake().start(),
    adapter: (fake: YoutubeFake) => createYoutubeAdapter({ baseUrl: fake.url }),
    post: { options: { title: 'Metrics' }, media: [{ contentType: 'video/mp4', bytes: FAKE_MP4 }] },
    engage: (fake: YoutubeFake, id: string) =>
      fake.engagement.set(id, { viewCount: 4321, likeCount: 210, commentCount: 17 }),
    expected: { likes: 210, comments: 17, shares: 0, saves: 0, extra: { views: 4321 } },
    remove: (fake: YoutubeFake, id: string) =>
      fake.videos.splice(
        fake.videos.findIndex((v) => v.id === id),
        1,
      ),
    metricsPath: '/youtube/v3/videos',
    // The daily quota: no header says when it returns; it resets at midnight Pacific Time.
    rateLimit: { status: 403, body: YOUTUBE_QUOTA.body, headers: {} },
  } satisfies Case<YoutubeFake>,
  ...(['linkedin', 'linkedin_page'] as const).map(
    (platform) =>
      ({
        platform,
        start: () => new LinkedInFake().start(),
        adapter: (fake: LinkedInFake) =>
          (platform === 'linkedin' ? createLinkedInAdapter : createLinkedInPageAdapter)({
            baseUrl: fake.url,
          }),
        credentials: (fake: LinkedInFake) =>
          fake.credentials(platform === 'linkedin' ? 'person' : 'organization'),
        engage: (fake: LinkedInFake, urn: string) =>
          fake.engagement.set(urn, { reactions: { LIKE: 11, PRAISE: 3, EMPATHY: 2 }, comments: 4 }),
        expected: { likes: 16, comments: 4, shares: 0, saves: 0, extra: {} },
        remove: (fake: LinkedInFake, urn: string) =>
          fake.posts.splice(
            fake.posts.findIndex((p) => p.id === urn),
            1,
          ),
        metricsPath: /^\/rest\/socialMetadata\//,
        // LinkedIn's 429s carry no Retry-After: a DAY limit lasts until midnight UTC.
        rateLimit: { status: 429, body: LINKEDIN_DAY_LIMIT.body, headers: {} },
      }) satisfies Case<LinkedInFake>,
  ),
  {
    platform: 'pinterest',
    start: () => new PinterestFake().start(),
    adapter: (fake: PinterestFake) => createPinterestAdapter({ baseUrl: fake.url }),
    post: {
      options: { board_id: '1022106146619113835' },
      media: [{ contentType: 'image/png', bytes: PNG_1X1 }],
    },
    engage: (fake: PinterestFake, id: string) =>
      fake.engagement.set(id, { IMPRESSION: 2400, SAVE: 37, PIN_CLICK: 120, OUTBOUND_CLICK: 45 }),
    expected: {
      likes: 0,
      comments: 0,
      shares: 0,
      saves: 37,
      extra: { impressions: 2400, pin_clicks: 120, outbound_clicks: 45 },
    },
    remove: (fake: PinterestFake, id: string) =>
      fake.pins.splice(
        fake.pins.findIndex((p) => p.id === id),
        1,
      ),
    metricsPath: /^\/v5\/pins\/\d+\/analytics$/,
    rateLimit: {
      status: 429,
      body: { code: 8, message: 'You have exceeded your rate limit. Try again later.' },
      headers: { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '42' },
    },
  } satisfies Case<PinterestFake>,
  {
    platform: 'tiktok',
    start: () => new TikTokFake().start(),
    adapter: (fake: TikTokFake) => createTikTokAdapter({ baseUrl: fake.url }),
    post: {
      options: { privacy_level: 'PUBLIC_TO_EVERYONE' },
      media: [{ contentType: 'video/mp4', bytes: FAKE_MP4 }],
    },
    engage: (fake: TikTokFake, id: string) =>
      fake.engagement.set(id, { like_count: 640, comment_count: 22, share_count: 15, view_count: 9100 }),
    expected: { likes: 640, comments: 22, shares: 15, saves: 0, extra: { views: 9100 } },
    remove: (fake: TikTokFake, id: string) =>
      fake.posts.splice(
        fake.posts.findIndex((p) => p.id === id),
        1,
      ),
    metricsPath: '/v2/video/query/',
    metricsMethod: 'POST',
    // TikTok's limits are per one-minute window and it sends no Retry-After: the adapter waits one.
    rateLimit: {
      status: 429,
      body: { data: {}, error: { code: 'rate_limit_exceeded', message: 'Too many requests.', log_id: 'l1' } },
      headers: {},
    },
  } satisfies Case<TikTokFake>,
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
  const host = new MediaHost();
  let published = 0;

  beforeAll(async () => {
    await host.start();
    fake = await c.start();
    adapter = c.adapter(fake);
    const credentials =
      c.credentials?.(fake) ?? (fake as unknown as { credentials(): Record<string, string> }).credentials();
    account = { id: `acc_${c.platform}`, platform: c.platform, name: c.platform, credentials };
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  const publish = () => {
    const media = c.post?.media ? host.serve(c.post.media) : [];
    // A text of its own each time: LinkedIn and DEV refuse the same text twice.
    const content = {
      text: `metrics please ${++published}`,
      media: media.map((file) => file.ref),
      ...c.post?.content,
    };
    return runDelivery(adapter, publishRequest(account, content, c.post?.options ?? {}, media));
  };

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

describe('tiktok: a private post has no public video id', () => {
  test('is refused for good, without a call', async () => {
    const adapter = createTikTokAdapter({ baseUrl: 'http://127.0.0.1:9' });
    const expires = new Date(Date.now() + 3_600_000).toISOString();
    const account = {
      id: 'acc_t',
      platform: 'tiktok',
      name: 't',
      credentials: { access_token: 'at', expires_at: expires },
    };
    const post = { platformPostId: 'v_pub_url~v2-1.123', permalink: '', publishedAt: '' };
    const err = await adapter.fetchMetrics!({ account, post, signal: new AbortController().signal }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).failure).toMatchObject({
      category: 'validation',
      code: 'platform.tiktok.metrics_unavailable',
      retryable: false,
    });
  });
});

describe('instagram: a story has its own insights', () => {
  test('views, reach, shares and replies (as comments); no likes or saves', async () => {
    const [fake, host] = await Promise.all([new InstagramFake().start(), new MediaHost().start()]);
    try {
      const adapter = createInstagramAdapter({ baseUrl: fake.url });
      const account = { id: 'acc_ig', platform: 'instagram', name: 'ig', credentials: fake.credentials() };
      const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
      const content = { text: '', media: media.map((file) => file.ref) };
      const req = publishRequest(account, content, { content_type: 'stories' }, media);
      const post = await runDelivery(adapter, req);
      fake.engagement.set(post.platformPostId, { views: 300, reach: 250, shares: 2, replies: 5 });
      const signal = new AbortController().signal;
      expect(await adapter.fetchMetrics!({ account, post, signal })).toEqual({
        likes: 0,
        comments: 5,
        shares: 2,
        saves: 0,
        extra: { views: 300, reach: 250 },
      });
    } finally {
      await Promise.all([fake.stop(), host.stop()]);
    }
  });
});

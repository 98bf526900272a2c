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
import { FAKE_MP4, MediaHost, PNG_1X1, publishRequest, runDelivery, type TestMedia } from './run-delivery';

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
  /** The metrics call's method, where it is not GET (TikTok's video query is a POST). */
  metricsMethod?: string;
  rateLimit: { status: number; body: unknown; headers: Record<string, string> };
  /** The account's credentials, where the fake's default `credentials()` are not this platform's. */
  credentials?: (fake: F) => Record<string, string>;
  /** What the post carries where text alone cannot be published (Instagram, video platforms). */
  post?: { options: Record<string, unknown>; media: TestMedia[] };
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
    const media = c.post ? host.serve(c.post.media) : [];
    // A text of its own each time: LinkedIn refuses the same commentary twice.
    const content = { text: `metrics please ${++published}`, media: media.map((file) => file.ref) };
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

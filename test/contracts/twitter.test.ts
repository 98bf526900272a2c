import { isProcessing } from '../../platforms/kit/adapter';
import { createTwitterAdapter } from '../../platforms/twitter/adapter';
import { checkPlatformRules } from '../../api/platform-rules';
import { xLength } from '../../platforms/twitter/descriptor';
import { TwitterFake } from '../../platforms/twitter/fake';
import { adapterContract } from './adapter-contract';
import { createHash, randomBytes } from 'node:crypto';
import {
  commentRequest,
  FAKE_MP4,
  MediaHost,
  PNG_1X1,
  publishRequest,
  runDelivery,
  testMediaFile,
  UploadSessions,
} from './run-delivery';

const text = (t: string) => ({ text: t, media: [] });
const withMedia = (n: number) => ({
  text: 'hi',
  media: Array(n).fill({ source_type: 'url', source: 'https://e.x/a' }),
});
const image = { kind: 'image' as const, contentType: 'image/png' };
const gif = { kind: 'image' as const, contentType: 'image/gif' };
const video = { kind: 'video' as const, contentType: 'video/mp4' };
const inSeconds = (s: number) => String(Math.ceil((Date.now() + s * 1000) / 1000));

adapterContract({
  platform: 'twitter',
  startFake: () => new TwitterFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createTwitterAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({ id: 'acc_x', platform: 'twitter', name: 'X', credentials: fake.credentials() }),
  post: {
    content: { text: 'Hello from Postflow & friends <3 https://postflow.dev/launch', media: [] },
    options: { alt_texts: ['A single pixel', 'Another pixel'], reply_settings: 'following' },
    media: [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'image/png', bytes: PNG_1X1 },
    ],
  },
  invalid: [
    { name: 'text over 280 weighted characters', content: text('字'.repeat(141)), fields: ['text'] },
    // Each code point of a Devanagari syllable counts (twitter-text); graphemes would count 141.
    { name: 'Devanagari over 280 as X counts it', content: text('कि'.repeat(141)), fields: ['text'] },
    { name: 'neither text nor media', content: text(' '), fields: ['text'] },
    { name: 'five images', content: withMedia(5), fields: ['media_ids'] },
    { name: 'a video with an image', content: withMedia(2), media: [video, image], fields: ['media'] },
    { name: 'a GIF with an image', content: withMedia(2), media: [gif, image], fields: ['media'] },
    {
      name: 'an image over 5 MB',
      content: withMedia(1),
      media: [{ ...image, sizeBytes: 6 * 1024 * 1024 }],
      fields: ['media[0]'],
    },
    {
      name: 'an unknown reply_settings',
      content: text('hi'),
      options: { reply_settings: 'everyone' },
      fields: ['platform_data.reply_settings'],
    },
    {
      name: 'a reply target that is no id',
      content: text('hi'),
      options: { in_reply_to_tweet_id: 'abc' },
      fields: ['platform_data.in_reply_to_tweet_id'],
    },
    {
      name: 'excluded users without a reply',
      content: text('hi'),
      options: { exclude_reply_user_ids: ['12'] },
      fields: ['platform_data.exclude_reply_user_ids'],
    },
    {
      name: 'a quote with media',
      content: withMedia(1),
      options: { quote_tweet_id: '1346889436626259968' },
      fields: ['platform_data.quote_tweet_id'],
    },
    {
      name: 'a flag that is not boolean',
      content: text('hi'),
      options: { made_with_ai: 'yes' },
      fields: ['platform_data.made_with_ai'],
    },
    {
      name: 'a thread with an empty and an overlong segment',
      content: text('hi'),
      options: { thread: ['ok', '', 'x'.repeat(281)] },
      fields: ['platform_data.thread[1]', 'platform_data.thread[2]'],
    },
  ],
  publishCall: { method: 'POST', path: '/2/tweets' },
  // The suite's posts are no replies: the replies are their first comments.
  published: (fake) =>
    fake.posts.filter((p) => !p.replyTo).map((p) => ({ id: p.id, text: p.text, media: p.mediaIds.length })),
  errors: {
    validation: {
      status: 400,
      body: {
        title: 'Invalid Request',
        detail: 'One or more parameters to your request was invalid.',
        type: 'https://api.twitter.com/2/problems/invalid-request',
        errors: [{ message: 'Your media IDs are invalid.' }],
      },
    },
    auth: {
      status: 401,
      body: { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' },
    },
    // A getter: the reset instant is computed when the fault is injected, not when the file loads.
    get rateLimit() {
      return {
        status: 429,
        body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
        headers: {
          'x-rate-limit-limit': '100',
          'x-rate-limit-remaining': '0',
          'x-rate-limit-reset': inSeconds(30),
        },
        expectedRetryAfterMs: 30_000,
      };
    },
    server: {
      status: 500,
      body: {
        title: 'Internal Server Error',
        detail: 'Internal Server Error',
        type: 'about:blank',
        status: 500,
      },
    },
  },
  thread: {
    call: { method: 'POST', path: '/2/tweets' },
    posts: (fake) => fake.posts.map((p) => ({ id: p.id, text: p.text, replyTo: p.replyTo })),
  },
  comments: {
    call: { method: 'POST', path: '/2/tweets' },
    under: (fake, id) => fake.posts.filter((p) => p.replyTo === id).map((p) => ({ id: p.id, text: p.text })),
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('twitter specifics', () => {
  let fake: TwitterFake;
  const host = new MediaHost();
  const adapter = () => createTwitterAdapter({ baseUrl: fake.url });
  const account = () => ({ id: 'acc_x', platform: 'twitter', name: 'X', credentials: fake.credentials() });
  let n = 0;
  const request = (options: Record<string, unknown> = {}, media = [] as Parameters<MediaHost['serve']>[0]) =>
    publishRequest(account(), text(`Specific post ${++n}`), options, host.serve(media));

  beforeAll(async () => {
    await host.start();
    fake = await new TwitterFake().start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  test('a video is uploaded in chunks, polled with X’s check_after_secs, then posted', async () => {
    const req = request({}, [{ contentType: 'video/mp4', bytes: FAKE_MP4 }]);
    const prepared = await adapter().prepare!(req);
    expect(prepared).toMatchObject({ processing: { waiting: [expect.any(String)] }, pollAfterMs: 3_000 });
    const receipt = await runDelivery(adapter(), req);
    const post = fake.posts.at(-1)!;
    expect(post).toMatchObject({ id: receipt.platformPostId, mediaIds: [expect.any(String)] });
    expect(fake.media.get(post.mediaIds[0]!)).toMatchObject({
      category: 'tweet_video',
      finalized: true,
      pollsLeft: 0,
    });
    expect(fake.requests.some((r) => /^\/2\/media\/upload\/\d+\/append$/.test(r.path))).toBe(true);
  });

  test('a video larger than a segment is read and appended 4 MiB at a time, each byte once, never loaded', async () => {
    const SEGMENT = 4 * 1024 * 1024;
    const movie = randomBytes(2 * SEGMENT + 123_456);
    const file = testMediaFile({ contentType: 'video/mp4', bytes: movie });
    const calls = fake.requests.length;
    const receipt = await runDelivery(
      adapter(),
      publishRequest(account(), text(`Long video ${++n}`), {}, [file]),
    );
    expect(file.usage).toEqual({ loads: 0, opens: 1, reads: 3, bytesRead: movie.length });
    const appends = fake.requests.slice(calls).filter((r) => r.path.endsWith('/append'));
    expect(appends).toHaveLength(3);
    const post = fake.posts.at(-1)!;
    expect(post.id).toBe(receipt.platformPostId);
    expect(fake.media.get(post.mediaIds[0]!)).toMatchObject({
      totalBytes: movie.length,
      bytesIn: movie.length,
      sha256: createHash('sha256').update(movie).digest('hex'),
      finalized: true,
    });
  });

  describe('a prepare retried after its attempt died mid-upload', () => {
    const SEGMENT = 4 * 1024 * 1024;
    const appendsSince = (calls: number) =>
      fake.requests.slice(calls).filter((r) => r.path.endsWith('/append'));

    test('appends from the segment its kept upload stands at, to the same media id, and forgets it once finalized', async () => {
      const movie = randomBytes(3 * SEGMENT + 1_000);
      const uploads = new UploadSessions();
      const ledger = uploads.ledger('upl_x');
      const req = publishRequest(account(), text(`Resumed video ${++n}`), {}, [
        testMediaFile({ contentType: 'video/mp4', bytes: movie }),
      ]);
      // The first attempt: its third segment's connection drops, as when the worker dies.
      fake.inject({ method: 'POST', path: /\/append$/, after: 2 }, { kind: 'reset' });
      const calls = fake.requests.length;
      await expect(adapter().prepare!(req, ledger)).rejects.toThrow();
      const kept = JSON.parse((await ledger.session())!) as { media_id: string; appended: number };
      expect(kept).toMatchObject({ file: 0, size: movie.length, appended: 2 });
      expect(uploads.progress.map((p) => p.offset)).toEqual([SEGMENT, 2 * SEGMENT]);

      // The retry: the same media id, from segment 2; no second initialize.
      const retried = fake.requests.length;
      const prepared = await adapter().prepare!(req, ledger);
      expect(fake.requests.slice(calls).filter((r) => r.path.endsWith('/initialize'))).toHaveLength(1);
      expect(appendsSince(retried).map((r) => r.path)).toEqual([
        `/2/media/upload/${kept.media_id}/append`,
        `/2/media/upload/${kept.media_id}/append`,
      ]);
      expect(prepared).toMatchObject({ processing: { media_ids: [kept.media_id] } });
      expect(fake.media.get(kept.media_id)).toMatchObject({
        totalBytes: movie.length,
        // Two segments the first attempt sent, two the retry sent: each byte once.
        bytesIn: movie.length,
        sha256: createHash('sha256').update(movie).digest('hex'),
        finalized: true,
      });
      expect(await ledger.session()).toBeUndefined();
    });

    test('a kept upload X no longer knows is forgotten and the file sent again in a new one', async () => {
      const movie = randomBytes(SEGMENT + 10);
      const uploads = new UploadSessions();
      const ledger = uploads.ledger('upl_x_gone');
      await ledger.keep(JSON.stringify({ file: 0, size: movie.length, media_id: '999', appended: 1 }));
      const calls = fake.requests.length;
      const prepared = await adapter().prepare!(
        publishRequest(account(), text(`Expired upload ${++n}`), {}, [
          testMediaFile({ contentType: 'video/mp4', bytes: movie }),
        ]),
        ledger,
      );
      const paths = fake.requests.slice(calls).map((r) => r.path);
      expect(paths.filter((p) => p.endsWith('/initialize'))).toHaveLength(1);
      expect(paths.filter((p) => p.startsWith('/2/media/upload/999/'))).toEqual([
        '/2/media/upload/999/append',
      ]);
      const id = (prepared as unknown as { processing: { media_ids: string[] } }).processing.media_ids[0]!;
      expect(fake.media.get(id)).toMatchObject({ bytesIn: movie.length, finalized: true });
    });

    test('a kept upload of another file or size is not used', async () => {
      const movie = randomBytes(100);
      const uploads = new UploadSessions();
      const ledger = uploads.ledger('upl_x_other');
      await ledger.keep(JSON.stringify({ file: 0, size: 99, media_id: '999', appended: 1 }));
      const calls = fake.requests.length;
      await adapter().prepare!(
        publishRequest(account(), text(`Other file ${++n}`), {}, [
          testMediaFile({ contentType: 'video/mp4', bytes: movie }),
        ]),
        ledger,
      );
      expect(fake.requests.slice(calls).some((r) => r.path.includes('/999/'))).toBe(false);
    });
  });

  test('a GIF goes chunked as tweet_gif and keeps its alt text; image alt texts go in media metadata', async () => {
    await runDelivery(
      adapter(),
      request({ alt_text: 'A looping pixel' }, [{ contentType: 'image/gif', bytes: PNG_1X1 }]),
    );
    expect(fake.media.get(fake.posts.at(-1)!.mediaIds[0]!)).toMatchObject({
      category: 'tweet_gif',
      altText: 'A looping pixel',
    });
    await runDelivery(
      adapter(),
      request(
        { alt_texts: ['first', 'second'] },
        Array(2).fill({ contentType: 'image/png', bytes: PNG_1X1 }),
      ),
    );
    const ids = fake.posts.at(-1)!.mediaIds;
    expect(ids.map((id) => fake.media.get(id)?.altText)).toEqual(['first', 'second']);
  });

  test('text is counted the way twitter-text counts it', () => {
    expect(xLength('👨‍👩‍👧‍👦 字 a https://example.com/a/very/long/path')).toBe(2 + 1 + 2 + 1 + 1 + 1 + 23);
    expect(xLength('क्षि')).toBe(4); // four code points, each weighing 1
    expect(xLength('cafe\u0301')).toBe(4); // counted after NFC normalisation
  });

  test('options map onto the POST /2/tweets body', async () => {
    const options = {
      reply_settings: 'mentionedUsers',
      in_reply_to_tweet_id: '1346889436626259968',
      exclude_reply_user_ids: ['2244994945'],
      made_with_ai: true,
      geo_place_id: 'f7eb2fa2fea288b1',
    };
    expect(checkPlatformRules('twitter', text('hi'), options, 'platform_data')).toEqual([]);
    await runDelivery(adapter(), request(options));
    expect(fake.posts.at(-1)!.body).toEqual({
      text: `Specific post ${n}`,
      reply_settings: 'mentionedUsers',
      reply: { in_reply_to_tweet_id: '1346889436626259968', exclude_reply_user_ids: ['2244994945'] },
      made_with_ai: true,
      geo: { place_id: 'f7eb2fa2fea288b1' },
    });
  });

  test('a thread posts each segment as a reply to the one before, once even when a step is retried', async () => {
    const req = request({ thread: ['second', 'third'] });
    let step = await adapter().publish(req, {});
    const root = fake.posts.at(-1)!;
    expect(isProcessing(step)).toBe(true);
    // The answer to the first reply is lost: the step is tried again, and finds the reply.
    fake.inject({ method: 'POST', path: '/2/tweets' }, { kind: 'lose-answer' });
    const state = isProcessing(step) ? step.processing : {};
    step = await adapter().checkPublished!(req, state);
    expect(step).toMatchObject({ processing: { reply_tries: 1 } });
    while (isProcessing(step)) step = await adapter().checkPublished!(req, step.processing);
    expect(step.platformPostId).toBe(root.id);
    const thread = fake.posts.slice(-3);
    expect(thread.map((p) => [p.text, p.replyTo])).toEqual([
      [root.text, undefined],
      ['second', root.id],
      ['third', thread[1]!.id],
    ]);
  });

  test('a duplicate refusal of this delivery’s own post resumes from it instead of failing', async () => {
    const req = request({ thread: ['follow-up'] });
    fake.inject({ method: 'POST', path: '/2/tweets' }, { kind: 'lose-answer' });
    await expect(adapter().publish(req, {})).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
    const root = fake.posts.at(-1)!;
    // Say reconcile has not seen it yet: publishing again meets X's duplicate check.
    const receipt = await runDelivery(adapter(), req);
    expect(receipt.platformPostId).toBe(root.id);
    expect(fake.posts.filter((p) => p.text === root.text)).toHaveLength(1);
    expect(fake.posts.at(-1)).toMatchObject({ text: 'follow-up', replyTo: root.id });
  });

  test('a duplicate X cannot show among this delivery’s posts stays an unknown outcome, for reconcile', async () => {
    const first = request();
    await runDelivery(adapter(), first);
    const again = { ...first, since: new Date(Date.now() + 10 * 60_000).toISOString() };
    await expect(adapter().publish(again, {})).rejects.toMatchObject({
      failure: { category: 'validation', code: 'platform.twitter.duplicate', outcomeUnknown: true },
    });
  });

  test('a spent 24-hour post allowance waits for its own reset, and a usage cap is final', async () => {
    fake.inject(
      { path: '/2/tweets' },
      {
        status: 429,
        body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
        headers: {
          'x-rate-limit-remaining': '90',
          'x-rate-limit-reset': inSeconds(60),
          'x-user-limit-24hour-remaining': '0',
          'x-user-limit-24hour-reset': inSeconds(3600),
        },
      },
    );
    const limited = await adapter()
      .publish(request(), {})
      .catch((e) => e.failure);
    expect(limited.retryAfterMs).toBeGreaterThan(3_590_000);
    fake.inject(
      { path: '/2/tweets' },
      {
        status: 429,
        body: {
          title: 'UsageCapExceeded',
          detail: 'Usage cap exceeded: Monthly product cap',
          type: 'https://api.twitter.com/2/problems/usage-capped',
          period: 'Monthly',
          scope: 'Product',
        },
      },
    );
    const capped = await adapter()
      .publish(request(), {})
      .catch((e) => e.failure);
    expect(capped).toMatchObject({
      category: 'rate_limit',
      code: 'platform.twitter.usage_capped',
      retryable: false,
    });
  });

  test("each post call's answer reports the 24-hour post allowances, and so does the refusal once one is spent", async () => {
    fake.dailyCaps = { user: 100, app: 1667 };
    Object.assign(fake.day, { used: 0, resetsAt: 0 });
    const reported: Array<Record<string, number>> = [];
    const reporting = () => ({
      ...request(),
      reportLimits: async (limits: Record<string, number>) => void reported.push(limits),
    });
    await adapter().publish(reporting(), {});
    const reset = Math.floor(fake.day.resetsAt / 1000);
    expect(reported).toEqual([
      {
        posts_24h_limit: 100,
        posts_24h_remaining: 99,
        posts_24h_reset: reset,
        app_posts_24h_limit: 1667,
        app_posts_24h_remaining: 1666,
        app_posts_24h_reset: reset,
      },
    ]);

    fake.dailyCaps.user = 1;
    try {
      const limited = await adapter()
        .publish(reporting(), {})
        .catch((e) => e.failure);
      expect(limited).toMatchObject({ category: 'rate_limit', retryable: true });
      // The window opened with the first post: its reset is nearly a day away.
      expect(limited.retryAfterMs).toBeGreaterThan(86_000_000);
      expect(reported[1]).toMatchObject({ posts_24h_remaining: 0, posts_24h_reset: reset });
    } finally {
      fake.dailyCaps = undefined;
    }
  });

  test('a first comment spends the same 24-hour allowance as a post, and reports it', async () => {
    const req = request();
    const receipt = await runDelivery(adapter(), req);
    fake.dailyCaps = { user: 100, app: 1667 };
    Object.assign(fake.day, { used: 0, resetsAt: 0 });
    try {
      const reported: Array<Record<string, number>> = [];
      await adapter().comment!({
        ...commentRequest(req, receipt, 'Counted as a post'),
        reportLimits: async (limits) => void reported.push(limits),
      });
      expect(reported).toEqual([
        expect.objectContaining({
          posts_24h_limit: 100,
          posts_24h_remaining: 99,
          app_posts_24h_remaining: 1666,
        }),
      ]);
    } finally {
      fake.dailyCaps = undefined;
    }
  });

  test("a first comment is a reply with the post's reply settings; X's count applies before any call", async () => {
    const req = request({ reply_settings: 'mentionedUsers' });
    const receipt = await runDelivery(adapter(), req);
    const made = await adapter().comment!(commentRequest(req, receipt, 'More below'));
    expect(fake.posts.at(-1)).toMatchObject({
      id: made.commentId,
      replyTo: receipt.platformPostId,
      body: { reply_settings: 'mentionedUsers' },
    });
    const calls = fake.requests.length;
    const long = await adapter().comment!(commentRequest(req, receipt, '字'.repeat(141))).catch(
      (e) => e.failure,
    );
    expect(long).toMatchObject({
      category: 'validation',
      code: 'platform.twitter.too_long',
      retryable: false,
    });
    expect(fake.requests.length).toBe(calls);
  });

  test("a duplicate refusal of a comment is an unknown outcome; the lookup finds the account's reply", async () => {
    const req = request();
    const receipt = await runDelivery(adapter(), req);
    const first = commentRequest(req, receipt, `Said once ${n}`);
    const made = await adapter().comment!(first);
    const again = await adapter().comment!(first).catch((e) => e.failure);
    expect(again).toMatchObject({ code: 'platform.twitter.duplicate', outcomeUnknown: true });
    expect((await adapter().findComment!(first))?.commentId).toBe(made.commentId);
    expect(made.permalink).toMatch(/^https:\/\/x\.com\/\S+\/status\/\d+$/);
  });

  test('a confidential client refreshes with HTTP Basic, a public client with client_id', async () => {
    fake.clients.set('public-1', undefined);
    await createTwitterAdapter({ baseUrl: fake.url }).refresh!(account());
    const publicAccount = { ...account(), credentials: fake.credentials('public-1') };
    const fresh = await createTwitterAdapter({ baseUrl: fake.url }).refresh!(publicAccount);
    expect(fresh).toMatchObject({
      access_token: expect.any(String),
      refresh_token: expect.any(String),
      expires_at: expect.any(String),
    });
    expect(fake.refreshes.slice(-2)).toEqual([
      { clientAuth: 'basic', clientId: 'client-1' },
      { clientAuth: 'body', clientId: 'public-1' },
    ]);
  });

  test('the operator’s OAuth client is used when the account brings none', async () => {
    const { client_id: _id, client_secret: _secret, ...credentials } = fake.credentials();
    const env = { POSTFLOW_TWITTER_CLIENT_ID: 'client-1', POSTFLOW_TWITTER_CLIENT_SECRET: 'secret-1' };
    const fresh = await createTwitterAdapter({ baseUrl: fake.url, env }).refresh!({
      ...account(),
      credentials,
    });
    expect(fresh.access_token).toBeTruthy();
  });
});

describe('twitter lookups on a busy account', () => {
  let fake: TwitterFake;
  const adapter = () => createTwitterAdapter({ baseUrl: fake.url });
  const account = () => ({ id: 'acc_x', platform: 'twitter', name: 'X', credentials: fake.credentials() });
  beforeAll(async () => {
    fake = await new TwitterFake().start();
  });
  afterAll(() => fake.stop());

  test('a post and its first comment behind full pages of other posts are found; past 1,000 posts unsearchable, never absent', async () => {
    const req = publishRequest(account(), text('Behind the chatter'), {}, []);
    fake.inject({ method: 'POST', path: '/2/tweets' }, { kind: 'lose-answer' });
    await expect(adapter().publish(req, {})).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
    const post = fake.posts.at(-1)!;
    for (let i = 0; i < 250; i++) fake.chatter(`chatter ${i}`);
    const receipt = (await adapter().findExisting!(req))!;
    expect(receipt.platformPostId).toBe(post.id);

    const first = commentRequest(req, receipt, 'The first comment');
    const made = await adapter().comment!(first);
    for (let i = 0; i < 150; i++) fake.chatter(`reply ${i}`, i % 2 ? post.id : undefined);
    expect((await adapter().findComment!(first))?.commentId).toBe(made.commentId);

    for (let i = 0; i < 700; i++) fake.chatter(`more chatter ${i}`);
    await expect(adapter().findExisting!(req)).rejects.toMatchObject({
      failure: { code: 'platform.twitter.unsearchable', retryable: false },
    });
  });
});

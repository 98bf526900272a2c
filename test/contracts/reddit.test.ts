import { createHash, randomBytes } from 'node:crypto';
import { PIECE_BYTES } from '../../platforms/kit/media-reader';
import { PublishError } from '../../platforms/kit/adapter';
import { createRedditAdapter } from '../../platforms/reddit/adapter';
import { RedditFake } from '../../platforms/reddit/fake';
import { adapterContract } from './adapter-contract';
import { commentRequest, MediaHost, publishRequest, runDelivery, testMediaFile } from './run-delivery';

const env = { POSTFLOW_REDDIT_CLIENT_ID: 'client-1', POSTFLOW_REDDIT_CLIENT_SECRET: 'secret-1' };
const post = (text: string, title = 'Postflow on Reddit') => ({ text, title, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/a.png' };

adapterContract({
  platform: 'reddit',
  startFake: () => new RedditFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createRedditAdapter({ baseUrl, timeoutMs, env }),
  account: (fake) => ({
    id: 'acc_reddit',
    platform: 'reddit',
    name: 'Reddit',
    credentials: fake.credentials(),
  }),
  post: {
    content: post('Hello from Postflow: *markdown* & <friends>.'),
    options: { sr: 'postflow', flair_id: 'b7a4c3e2-1111-2222-3333-444455556666', sendreplies: false },
    media: [],
  },
  invalid: [
    { name: 'no title', content: { text: 'Body', media: [] }, fields: ['title'] },
    { name: 'a title over 300', content: post('Body', 't'.repeat(301)), fields: ['title'] },
    { name: 'text over 40,000', content: post('x'.repeat(40_001)), fields: ['text'] },
    { name: 'an image with text', content: { ...post('Body'), media: [url] }, fields: ['text'] },
    {
      name: 'a link post with an image',
      content: { ...post(''), media: [url] },
      options: { sr: 'postflow', url: 'https://e.x/article' },
      fields: ['media_ids'],
    },
    {
      name: 'two videos, and a video in a gallery',
      content: { ...post(''), media: [url, url] },
      media: [
        { kind: 'video', contentType: 'video/mp4', sizeBytes: 1000 },
        { kind: 'video', contentType: 'video/mp4', sizeBytes: 1000 },
      ],
      fields: ['media[1]'],
    },
    {
      name: 'a WebP image, an image over 20 MB',
      content: { ...post(''), media: [url, url] },
      media: [
        { kind: 'image', contentType: 'image/webp', sizeBytes: 1000 },
        { kind: 'image', contentType: 'image/png', sizeBytes: 21 * 1024 * 1024 },
      ],
      fields: ['media[0]', 'media[1]'],
    },
    {
      name: 'a gallery of 21 images',
      content: { ...post(''), media: Array.from({ length: 21 }, () => url) },
      media: Array.from({ length: 21 }, () => ({ kind: 'image' as const, contentType: 'image/png' })),
      fields: ['media_ids'],
    },
    {
      name: 'kind image without media',
      content: post(''),
      options: { sr: 'postflow', kind: 'image' },
      fields: ['media_ids'],
    },
    {
      name: 'kind link without url',
      content: post(''),
      options: { sr: 'postflow', kind: 'link' },
      fields: ['platform_data.url'],
    },
    {
      name: 'kind self with url',
      content: post(''),
      options: { sr: 'postflow', kind: 'self', url: 'https://e.x/article' },
      fields: ['platform_data.kind'],
    },
    { name: 'no subreddit', content: post('Body'), options: {}, fields: ['platform_data.sr'] },
    {
      name: 'a subreddit with r/, flair text without a flair, a bad nsfw',
      content: post('Body'),
      options: { sr: 'r/postflow', flair_text: 'News', nsfw: 'yes' },
      fields: ['platform_data.sr', 'platform_data.flair_text', 'platform_data.nsfw'],
    },
    {
      name: 'a link post with text',
      content: post('Body'),
      options: { sr: 'postflow', url: 'https://e.x/article' },
      fields: ['text'],
    },
  ],
  publishCall: { method: 'POST', path: '/api/submit' },
  published: (fake) => fake.live().map((p) => ({ id: `t3_${p.id}`, text: p.selftext, media: 0 })),
  errors: {
    // Reddit refuses a submission inside a 200.
    validation: {
      status: 200,
      body: { json: { errors: [['NO_SELFS', "this subreddit doesn't allow text posts", 'sr']] } },
    },
    auth: { status: 401, body: { message: 'Unauthorized', error: 401 } },
    rateLimit: {
      status: 429,
      body: { message: 'Too Many Requests', error: 429 },
      // Seconds left in the window, not an epoch.
      headers: { 'x-ratelimit-used': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '42' },
      expectedRetryAfterMs: 42_000,
    },
    server: { status: 500, body: { message: 'Internal Server Error', error: 500 } },
  },
  comments: {
    call: { method: 'POST', path: '/api/comment' },
    under: (fake, id) =>
      fake.comments.filter((c) => c.linkId === id).map((c) => ({ id: `t1_${c.id}`, text: c.body })),
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('reddit specifics', () => {
  let fake: RedditFake;
  beforeAll(async () => {
    fake = await new RedditFake().start();
  });
  afterAll(() => fake.stop());

  const adapter = (extra: Record<string, string> = {}) =>
    createRedditAdapter({ baseUrl: fake.url, env: { ...env, ...extra } });
  const account = () => ({ id: 'acc_r', platform: 'reddit', name: 'R', credentials: fake.credentials() });
  const failureOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    return (err as PublishError).failure;
  };

  test('a link post carries its URL and flags; every call names Postflow in its User-Agent', async () => {
    const options = {
      sr: 'test',
      url: 'https://e.x/article',
      nsfw: true,
      spoiler: true,
      flair_id: 'f1',
      flair_text: 'News',
    };
    const receipt = await runDelivery(
      adapter({ POSTFLOW_REDDIT_USER_AGENT: 'server:acme-postflow:1.0 (by /u/acme)' }),
      publishRequest(account(), post(''), options, []),
    );
    expect(fake.submissions.at(-1)).toMatchObject({
      kind: 'link',
      subreddit: 'test',
      url: 'https://e.x/article',
      nsfw: true,
      spoiler: true,
      flairId: 'f1',
      flairText: 'News',
    });
    expect(receipt.platformPostId).toBe(`t3_${fake.submissions.at(-1)!.id}`);
    expect(receipt.permalink).toMatch(/^https:\/\/www\.reddit\.com\/r\/test\/comments\//);
    expect(fake.userAgents.at(-1)).toBe('server:acme-postflow:1.0 (by /u/acme)');
  });

  test("Reddit's RATELIMIT inside a 200 is a rate limit with the wait it names", async () => {
    fake.inject(
      { method: 'POST', path: '/api/submit' },
      {
        status: 200,
        body: {
          json: {
            ratelimit: 297.4,
            errors: [['RATELIMIT', 'Take a break for 5 minutes before trying again.', 'ratelimit']],
          },
        },
      },
    );
    const failure = await failureOf(
      runDelivery(adapter(), publishRequest(account(), post('Soon'), { sr: 'test' }, [])),
    );
    expect(failure).toMatchObject({ category: 'rate_limit', retryable: true, retryAfterMs: 297_400 });
  });

  test('a subreddit that does not exist fails for good, naming it', async () => {
    const failure = await failureOf(
      runDelivery(adapter(), publishRequest(account(), post('Hi'), { sr: 'nowhere' }, [])),
    );
    expect(failure).toMatchObject({
      category: 'validation',
      code: 'platform.reddit.subreddit_not_found',
      retryable: false,
    });
  });

  test('without a username in the credentials, lookups ask Reddit who the account is', async () => {
    const acc = account();
    const req = publishRequest(acc, post('Found by me'), { sr: 'test' }, []);
    const receipt = await runDelivery(adapter(), req);
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);
    const made = await adapter().comment!(commentRequest(req, receipt, 'A comment'));
    expect((await adapter().findComment!(commentRequest(req, receipt, 'A comment')))?.commentId).toBe(
      made.commentId,
    );
    expect(fake.requests.filter((r) => r.path === '/api/v1/me').length).toBeGreaterThan(0);
  });
});

describe('reddit lookups on a busy account', () => {
  test('a post behind full pages of submissions is found; past 1,000 unsearchable, and a comment past the listed ones too', async () => {
    const fake = await new RedditFake().start();
    try {
      const adapter = createRedditAdapter({ baseUrl: fake.url, env });
      const acc = { id: 'acc_r', platform: 'reddit', name: 'R', credentials: fake.credentials('busy_bot') };
      const req = publishRequest(acc, post('Behind the chatter'), { sr: 'test' }, []);
      fake.inject({ method: 'POST', path: '/api/submit' }, { kind: 'lose-answer' });
      await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      for (let i = 0; i < 250; i++) fake.postFromApp('busy_bot', 'test', `From the app ${i}`);
      const receipt = (await adapter.findExisting!(req))!;
      expect(receipt.platformPostId).toBe(
        `t3_${fake.submissions.find((p) => p.selftext === 'Behind the chatter')!.id}`,
      );

      const first = commentRequest(req, receipt, 'The first comment');
      const made = await adapter.comment!(first);
      for (let i = 0; i < 50; i++) fake.commentFromApp(receipt.platformPostId, `Nice ${i}`);
      expect((await adapter.findComment!(first))?.commentId).toBe(made.commentId);
      // Newest first, the comment is past the 100 Reddit lists: unknown, never absent.
      for (let i = 0; i < 100; i++) fake.commentFromApp(receipt.platformPostId, `More ${i}`);
      await expect(adapter.findComment!(first)).rejects.toMatchObject({
        failure: { code: 'platform.reddit.unsearchable', retryable: false },
      });

      for (let i = 0; i < 800; i++) fake.postFromApp('busy_bot', 'test', `More from the app ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.reddit.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

describe('reddit media posts', () => {
  let fake: RedditFake;
  const host = new MediaHost();
  beforeAll(async () => {
    fake = await new RedditFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });
  afterEach(() => {
    fake.mediaDelayReads = 0;
  });

  const adapter = () => createRedditAdapter({ baseUrl: fake.url, env });
  const account = () => ({
    id: 'acc_rm',
    platform: 'reddit',
    name: 'R',
    credentials: { ...fake.credentials(), username: 'postflow_bot' },
  });
  const png = { contentType: 'image/png', bytes: Buffer.from('png-bytes') };
  const jpeg = { contentType: 'image/jpeg', bytes: Buffer.from('jpeg-bytes') };
  const mp4 = { contentType: 'video/mp4', bytes: Buffer.from('mp4-bytes') };
  const media = (
    title: string,
    items: Array<typeof png>,
    options: Record<string, unknown> = { sr: 'test' },
  ) => {
    const files = host.serve(items);
    return publishRequest(account(), { text: '', title, media: files.map((f) => f.ref) }, options, files);
  };
  const failureOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    return (err as PublishError).failure;
  };
  const submits = () => fake.requests.filter((r) => r.path === '/api/submit').length;

  test('an image post: leased, sent to the bucket, submitted as kind=image, found in the listing', async () => {
    fake.mediaDelayReads = 2; // Reddit lists it only once the image is processed
    const receipt = await runDelivery(
      adapter(),
      media('A picture', [png], { sr: 'test', flair_id: 'f1', nsfw: true }),
    );
    const made = fake.submissions.at(-1)!;
    expect(made).toMatchObject({ kind: 'image', title: 'A picture', flairId: 'f1', nsfw: true });
    expect(made.media.map((m) => [m.mimetype, m.uploaded, m.bytes])).toEqual([['image/png', true, 9]]);
    expect(receipt.platformPostId).toBe(`t3_${made.id}`);
    expect(receipt.permalink).toMatch(/^https:\/\/www\.reddit\.com\/r\/test\/comments\//);
    // The bucket is not Reddit's API: the fake's refuses a request carrying a token.
  });

  test('a video post names its poster: the image after it, else a default one', async () => {
    const withPoster = await runDelivery(adapter(), media('A clip', [mp4, jpeg]));
    const made = fake.submissions.at(-1)!;
    expect(withPoster.platformPostId).toBe(`t3_${made.id}`);
    expect(made.kind).toBe('video');
    expect(made.media.map((m) => m.mimetype)).toEqual(['video/mp4', 'image/jpeg']);
    // media[1] is the asset the submit's video_poster_url named.

    await runDelivery(adapter(), media('Another clip', [mp4]));
    expect(fake.submissions.at(-1)!.media.map((m) => m.mimetype)).toEqual(['video/mp4', 'image/png']);

    // URL media: its type is learnt when opened, and a video makes a video post.
    const req = media('A clip by URL', [mp4]);
    req.media = req.media.map((f) => ({ ...f, contentType: null, sizeBytes: null }));
    await runDelivery(adapter(), req);
    expect(fake.submissions.at(-1)!.kind).toBe('video');
  });

  test('a video of several MB goes to the bucket in one streamed form POST, never loaded', async () => {
    const movie = randomBytes(2 * PIECE_BYTES + 99);
    const file = testMediaFile({ contentType: 'video/mp4', bytes: movie });
    const req = publishRequest(
      account(),
      { text: '', title: 'A long clip', media: [file.ref] },
      { sr: 'test' },
      [file],
    );
    await runDelivery(adapter(), req);
    expect(file.usage).toEqual({ loads: 0, opens: 1, reads: 3, bytesRead: movie.length });
    const [video] = fake.submissions.at(-1)!.media;
    expect(video).toMatchObject({
      mimetype: 'video/mp4',
      posts: 1,
      bytes: movie.length,
      sha256: createHash('sha256').update(movie).digest('hex'),
    });
  });

  test('several images make a gallery, which answers with the post', async () => {
    const receipt = await runDelivery(adapter(), media('Three pictures', [png, jpeg, png]));
    const made = fake.submissions.at(-1)!;
    expect(made).toMatchObject({ kind: 'gallery', title: 'Three pictures' });
    expect(made.media).toHaveLength(3);
    expect(receipt.platformPostId).toBe(`t3_${made.id}`);
  });

  test('a failed lease is retried, and nothing is submitted', async () => {
    const before = submits();
    fake.inject(
      { method: 'POST', path: '/api/media/asset.json' },
      { status: 500, body: { message: 'x', error: 500 } },
    );
    const failure = await failureOf(runDelivery(adapter(), media('No lease', [png])));
    expect(failure).toMatchObject({ category: 'platform', retryable: true, outcomeUnknown: false });
    expect(submits()).toBe(before);
  });

  test("the bucket's XML refusals: a refused form is retried, a file too large is not", async () => {
    const s3 = (status: number, code: string) => ({
      status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>No.</Message></Error>`,
    });
    fake.inject({ method: 'POST', path: '/media-upload' }, s3(403, 'AccessDenied'));
    expect(await failureOf(runDelivery(adapter(), media('Denied', [png])))).toMatchObject({
      category: 'platform',
      code: 'platform.reddit.upload_failed',
      retryable: true,
    });
    fake.inject({ method: 'POST', path: '/media-upload' }, s3(400, 'EntityTooLarge'));
    expect(await failureOf(runDelivery(adapter(), media('Too big', [png])))).toMatchObject({
      category: 'validation',
      code: 'platform.reddit.media_too_large',
      retryable: false,
    });
  });

  test('a subreddit without image posts, or closed to the account, refuses for good', async () => {
    const before = fake.submissions.length;
    expect(await failureOf(runDelivery(adapter(), media('Pic', [png], { sr: 'textonly' })))).toMatchObject({
      category: 'validation',
      code: 'platform.reddit.no_image_posts',
      retryable: false,
    });
    expect(await failureOf(runDelivery(adapter(), media('Pic', [png], { sr: 'mods' })))).toMatchObject({
      category: 'validation',
      code: 'platform.reddit.not_allowed',
    });
    expect(fake.submissions).toHaveLength(before);
  });

  test('"you are doing that too much" waits the minutes it names', async () => {
    fake.inject(
      { method: 'POST', path: '/api/submit' },
      {
        status: 200,
        body: {
          json: {
            errors: [['RATELIMIT', 'you are doing that too much. try again in 3 minutes.', 'ratelimit']],
          },
        },
      },
    );
    expect(await failureOf(runDelivery(adapter(), media('Slow down', [png])))).toMatchObject({
      category: 'rate_limit',
      retryable: true,
      retryAfterMs: 180_000,
    });
  });

  test('a lost submit answer is settled by the lookup, never by a second submit', async () => {
    const req = media('Lost answer', [png]);
    const prepared = await adapter().prepare!(req);
    if (!('ready' in prepared)) throw new Error('prepare should be ready');
    const before = submits();
    fake.inject({ method: 'POST', path: '/api/submit' }, { kind: 'lose-answer' });
    const failure = await failureOf(adapter().publish(req, prepared.ready));
    expect(failure.outcomeUnknown).toBe(true);
    expect(submits()).toBe(before + 1);
    const id = `t3_${fake.submissions.at(-1)!.id}`;
    expect((await adapter().findExisting!(req, prepared.ready))?.platformPostId).toBe(id);
    // After an older run (what prepare made unknown), any media post of the title is this one.
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(id);
    // A self post of the same title is not this image post.
    expect(await adapter().findExisting!(media('Lost answer', []))).toBeNull();
  });

  test('a lost media submit is not believed absent before Reddit can have listed it', async () => {
    const req = media('Lost while processing', [png]);
    const prepared = await adapter().prepare!(req);
    if (!('ready' in prepared)) throw new Error('prepare should be ready');
    fake.mediaDelayReads = 1; // still processing at the first lookup
    fake.inject({ method: 'POST', path: '/api/submit' }, { kind: 'lose-answer' });
    expect((await failureOf(adapter().publish(req, prepared.ready))).outcomeUnknown).toBe(true);
    const id = `t3_${fake.submissions.at(-1)!.id}`;
    // Not listed yet: a transient failure (the engine's lookup retries it), never "absent".
    const early = await failureOf(adapter().findExisting!(req, prepared.ready));
    expect(early).toMatchObject({ code: 'platform.reddit.media_not_listed_yet', retryable: true });
    expect(early.retryAfterMs).toBeGreaterThan(15 * 60_000);
    expect(early.retryAfterMs).toBeLessThanOrEqual(16 * 60_000);
    // Retried after the wait it named: listed by then, and found.
    const later = Date.now() + early.retryAfterMs!;
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => later);
    try {
      expect((await adapter().findExisting!(req, prepared.ready))?.platformPostId).toBe(id);
      // Past the bound, a post Reddit never listed is absent.
      expect(await adapter().findExisting!(media('Never made', [png]), prepared.ready)).toBeNull();
    } finally {
      clock.mockRestore();
    }
  });

  test('a submit made long after prepare (a worker outage between) waits from when it could land', async () => {
    const req = media('Prepared before an outage', [png]);
    const prepared = await adapter().prepare!(req);
    if (!('ready' in prepared)) throw new Error('prepare should be ready');
    // The engine says the lost submit could land until 20 minutes after prepare: the 10-minute
    // listing allowance counts from there, not from prepare.
    const landsBy = Date.now() + 20 * 60_000;
    const lookup = { ...req, landsBy: new Date(landsBy).toISOString() };
    const clock = jest.spyOn(Date, 'now').mockImplementation(() => landsBy + 5 * 60_000);
    try {
      const early = await failureOf(adapter().findExisting!(lookup, prepared.ready));
      expect(early).toMatchObject({ code: 'platform.reddit.media_not_listed_yet', retryable: true });
      expect(early.retryAfterMs).toBe(5 * 60_000);
      clock.mockImplementation(() => landsBy + 10 * 60_000);
      expect(await adapter().findExisting!(lookup, prepared.ready)).toBeNull();
    } finally {
      clock.mockRestore();
    }
  });

  test('a post Reddit never lists ends the wait with a failure that says to look', async () => {
    const req = media('Never listed', []);
    const failure = await failureOf(adapter().checkPublished!(req, { kind: 'image', polls: 119 }));
    expect(failure).toMatchObject({ code: 'platform.reddit.media_not_listed', retryable: false });
    await expect(adapter().checkPublished!(req, { kind: 'image', polls: 3 })).resolves.toEqual({
      processing: { kind: 'image', polls: 4 },
      pollAfterMs: 5_000,
    });
  });
});

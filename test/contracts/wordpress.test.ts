import { PublishError } from '../../platforms/kit/adapter';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { createWordpressAdapter } from '../../platforms/wordpress/adapter';
import { WordpressFake } from '../../platforms/wordpress/fake';
import { adapterContract } from './adapter-contract';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const post = (text: string, title = 'Postflow on WordPress') => ({ text, title, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/cover.png' };

adapterContract({
  platform: 'wordpress',
  startFake: () => new WordpressFake().start(),
  adapter: ({ timeoutMs }) => createWordpressAdapter({ timeoutMs, outbound: REACH_LOOPBACK_FAKES }),
  account: (fake) => ({
    id: 'acc_wordpress',
    platform: 'wordpress',
    name: 'WordPress',
    credentials: fake.credentials(),
  }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: (credentials) => ({ ...credentials, application_password: 'wxyz wxyz wxyz wxyz' }),
    profile: () => ({
      username: expect.stringMatching(/^author\d+$/),
      name: expect.stringMatching(/^Author \d+$/),
    }),
  },
  post: {
    content: {
      title: 'Shipping posts everywhere',
      text: '<p>Hello from <strong>Postflow</strong> &amp; friends.</p>',
      media: [],
    },
    options: { categories: [3], tags: [7, 8], excerpt: 'How Postflow ships', alt_text: 'A pixel' },
    media: [{ contentType: 'image/png', bytes: PNG_1X1 }],
  },
  invalid: [
    { name: 'no title', content: { text: 'Body', media: [] }, fields: ['title'] },
    { name: 'content over 2 MB', content: post('é'.repeat(1024 * 1024 + 1)), fields: ['text'] },
    { name: 'two images', content: { ...post('Body'), media: [url, url] }, fields: ['media_ids'] },
    {
      name: 'a video as the featured image',
      content: { ...post('Body'), media: [url] },
      media: [{ kind: 'video', contentType: 'video/mp4' }],
      fields: ['media[0]'],
    },
    {
      name: 'a scheduled status, category names, a slug with spaces',
      content: post('Body'),
      options: { status: 'future', categories: ['News'], slug: 'my post' },
      fields: ['platform_data.status', 'platform_data.categories[0]', 'platform_data.slug'],
    },
  ],
  publishCall: { method: 'POST', path: '/wp-json/wp/v2/posts' },
  published: (fake) =>
    fake.live().map((p) => ({ id: String(p.id), text: p.content, media: p.featuredMedia ? 1 : 0 })),
  errors: {
    validation: {
      status: 400,
      body: {
        code: 'rest_invalid_param',
        message: 'Invalid parameter(s): categories',
        data: { status: 400, params: { categories: 'categories[0] is not of type integer.' } },
      },
    },
    auth: {
      status: 401,
      body: {
        code: 'incorrect_password',
        message: 'The provided password is an invalid application password.',
        data: { status: 401 },
      },
    },
    rateLimit: {
      status: 429,
      body: { code: 'too_many_requests', message: 'Too many requests.', data: { status: 429 } },
      headers: { 'retry-after': '60' },
      expectedRetryAfterMs: 60_000,
    },
    server: {
      status: 500,
      body: {
        code: 'internal_server_error',
        message: 'There has been a critical error on this website.',
        data: { status: 500 },
      },
    },
  },
  comments: {
    call: { method: 'POST', path: '/wp-json/wp/v2/comments' },
    under: (fake, id) =>
      fake.comments.filter((c) => String(c.post) === id).map((c) => ({ id: String(c.id), text: c.content })),
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('wordpress specifics', () => {
  let fake: WordpressFake;
  const host = new MediaHost();
  beforeAll(async () => {
    fake = await new WordpressFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  const adapter = () => createWordpressAdapter({ outbound: REACH_LOOPBACK_FAKES });
  const account = (credentials = fake.credentials()) => ({
    id: 'acc_wp',
    platform: 'wordpress',
    name: 'WordPress',
    credentials,
  });
  const failureOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    return (err as PublishError).failure;
  };

  test('the post carries the title, the content, the options and the uploaded featured image', async () => {
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const options = {
      categories: [4, 5],
      tags: [9],
      excerpt: 'Short',
      slug: 'shipping-it',
      alt_text: 'A dot',
    };
    const receipt = await runDelivery(
      adapter(),
      publishRequest(account(), post('Body text', 'Shipping'), options, media),
    );
    const made = fake.posts.at(-1)!;
    expect(made).toMatchObject({
      id: Number(receipt.platformPostId),
      title: 'Shipping',
      content: 'Body text',
      status: 'publish',
      categories: [4, 5],
      tags: [9],
      excerpt: 'Short',
      slug: 'shipping-it',
    });
    expect(fake.media.get(made.featuredMedia)).toMatchObject({
      filename: 'featured-image.png',
      altText: 'A dot',
    });
    expect(receipt.permalink).toBe(`${fake.url}/shipping-it/`);
  });

  test('an unknown category or tag id is refused by name before the post is made (WordPress drops it)', async () => {
    const before = fake.posts.length;
    const req = publishRequest(account(), post('Unknown terms'), { categories: [2, 999], tags: [6] }, []);
    expect(await failureOf(runDelivery(adapter(), req))).toMatchObject({
      category: 'validation',
      code: 'platform.wordpress.unknown_term',
      message: expect.stringContaining('category 999 (platform_data.categories)'),
    });
    expect(fake.posts.length).toBe(before);
  });

  test('an upload WordPress will not take (not the image its name says) fails for good', async () => {
    const media = host.serve([{ contentType: 'image/png', bytes: Buffer.from('not a png') }]);
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account(), post('Bad image'), {}, media))),
    ).toMatchObject({
      category: 'validation',
      code: 'platform.wordpress.media_rejected',
      retryable: false,
      message: expect.stringContaining('rest_upload_unknown_error'),
    });
  });

  test('status draft saves a draft, which reconcile finds; another account does not find it', async () => {
    const acc = account();
    const req = publishRequest(acc, post('A draft body', 'A draft'), { status: 'draft' }, []);
    fake.inject({ method: 'POST', path: '/wp-json/wp/v2/posts' }, { kind: 'lose-answer' });
    expect((await failureOf(runDelivery(adapter(), req))).outcomeUnknown).toBe(true);
    const draft = fake.posts.at(-1)!;
    expect(draft).toMatchObject({ title: 'A draft', status: 'draft' });
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(String(draft.id));
    expect(await adapter().findExisting!({ ...req, account: account() })).toBeNull();
  });

  test('content WordPress filtered (kses) is still recognised by its text', async () => {
    const acc = account();
    const req = publishRequest(acc, post('<p onclick="x()">Filtered <b>text</b></p>', 'Filtered'), {}, []);
    fake.inject({ method: 'POST', path: '/wp-json/wp/v2/posts' }, { kind: 'lose-answer' });
    await failureOf(runDelivery(adapter(), req));
    fake.posts.at(-1)!.content = '<p>Filtered <b>text</b></p>';
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(String(fake.posts.at(-1)!.id));
  });

  test("a second identical comment is WordPress's duplicate refusal, a validation failure", async () => {
    const req = publishRequest(account(), post('Comment twice'), {}, []);
    const receipt = await runDelivery(adapter(), req);
    const first = commentRequest(req, receipt, 'Same words');
    const made = await adapter().comment!(first);
    expect(made.permalink).toBe(`${receipt.permalink}#comment-${made.commentId}`);
    expect(await failureOf(adapter().comment!(first))).toMatchObject({
      category: 'validation',
      code: 'platform.wordpress.comment_duplicate',
      outcomeUnknown: false,
    });
  });

  test('a comment is found by its words, as WordPress renders it (curly quotes), without the edit context', async () => {
    const req = publishRequest(account(), post('Comment rendered'), {}, []);
    const receipt = await runDelivery(adapter(), req);
    const first = commentRequest(req, receipt, "It's live: read it!");
    const made = await adapter().comment!(first);
    expect((await adapter().findComment!(first))?.commentId).toBe(made.commentId);
  });

  test('a post deleted for good is gone, not in the trash', async () => {
    const acc = account();
    const receipt = await runDelivery(adapter(), publishRequest(acc, post('Soon gone'), {}, []));
    const signal = new AbortController().signal;
    expect(await adapter().unpublish!({ account: acc, platformPostId: receipt.platformPostId, signal })).toBe(
      'deleted',
    );
    expect(fake.posts.some((p) => String(p.id) === receipt.platformPostId)).toBe(false);
  });

  test('a wrong password asks for a reconnect; missing credentials are refused without a call', async () => {
    const creds = fake.credentials();
    expect(
      await failureOf(
        runDelivery(
          adapter(),
          publishRequest(account({ ...creds, application_password: 'nope' }), post('x'), {}, []),
        ),
      ),
    ).toMatchObject({ category: 'auth', code: 'platform.wordpress.auth', reconnect: true });
    const calls = fake.requests.length;
    expect(
      await failureOf(
        runDelivery(adapter(), publishRequest(account({ site_url: fake.url }), post('x'), {}, [])),
      ),
    ).toMatchObject({ category: 'auth', code: 'platform.wordpress.application_password', reconnect: true });
    expect(fake.requests.length).toBe(calls);
  });

  test('a role that may not publish is a forbidden auth failure, not a retry', async () => {
    fake.inject(
      { method: 'POST', path: '/wp-json/wp/v2/posts' },
      {
        status: 403,
        body: {
          code: 'rest_cannot_create',
          message: 'Sorry, you are not allowed to create posts as this user.',
          data: { status: 403 },
        },
      },
    );
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account(), post('x'), {}, []))),
    ).toMatchObject({
      category: 'auth',
      code: 'platform.wordpress.forbidden',
      retryable: false,
      message: expect.stringContaining('rest_cannot_create'),
    });
  });

  test('the site is SSRF-guarded: a loopback site_url is refused by default', async () => {
    const guarded = createWordpressAdapter();
    expect(await failureOf(runDelivery(guarded, publishRequest(account(), post('x'), {}, [])))).toMatchObject(
      { category: 'validation', code: 'platform.wordpress.address_refused' },
    );
  });
});

describe('wordpress lookups on a busy site', () => {
  test('a post and a comment behind full pages are found; past 1,000 matching posts unsearchable, never absent', async () => {
    const fake = await new WordpressFake().start();
    try {
      const adapter = createWordpressAdapter({ outbound: REACH_LOOPBACK_FAKES });
      const account = { id: 'acc_wp', platform: 'wordpress', name: 'WP', credentials: fake.credentials() };
      const req = publishRequest(
        account,
        post('Behind the chatter', 'Weekly update'),
        { status: 'publish' },
        [],
      );
      fake.inject({ method: 'POST', path: '/wp-json/wp/v2/posts' }, { kind: 'lose-answer' });
      await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      const made = fake.posts.at(-1)!;
      for (let i = 0; i < 150; i++) fake.postFromApp(made.author, 'Weekly update', `Update ${i}`);
      const receipt = (await adapter.findExisting!(req))!;
      expect(receipt.platformPostId).toBe(String(made.id));

      const first = commentRequest(req, receipt, 'The first comment');
      const comment = await adapter.comment!(first);
      for (let i = 0; i < 150; i++) fake.commentFromApp(made.id, made.author, `Reply ${i}`);
      expect((await adapter.findComment!(first))?.commentId).toBe(comment.commentId);

      for (let i = 0; i < 900; i++) fake.postFromApp(made.author, 'Weekly update', `More ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.wordpress.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

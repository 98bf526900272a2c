import { createGhostAdapter, tokenOf } from '../../platforms/ghost/adapter';
import { GhostFake } from '../../platforms/ghost/fake';
import { PublishError } from '../../platforms/kit/adapter';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { adapterContract } from './adapter-contract';
import { MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const post = (text: string, title = 'Postflow on Ghost') => ({ text, title, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/cover.png' };

adapterContract({
  platform: 'ghost',
  startFake: () => new GhostFake().start(),
  adapter: ({ timeoutMs }) => createGhostAdapter({ timeoutMs, outbound: REACH_LOOPBACK_FAKES }),
  account: (fake) => ({ id: 'acc_ghost', platform: 'ghost', name: 'Ghost', credentials: fake.credentials() }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: (credentials) => ({ ...credentials, admin_api_key: `${'f'.repeat(24)}:${'0'.repeat(64)}` }),
    profile: (fake) => ({ id: `${fake.url}/`, username: new URL(fake.url).host, name: 'Postflow Fake Site' }),
  },
  post: {
    // Plain text: Ghost gives it back as a paragraph, which reconcile must still recognise.
    content: { title: 'Shipping posts everywhere', text: 'Hello from Postflow & friends.', media: [] },
    options: {
      tags: ['Postflow', 'Shipping'],
      custom_excerpt: 'How Postflow ships',
      feature_image_alt: 'A pixel',
    },
    media: [{ contentType: 'image/png', bytes: PNG_1X1 }],
  },
  invalid: [
    { name: 'no title', content: { text: 'Body', media: [] }, fields: ['title'] },
    { name: 'a title over 255 characters', content: post('Body', 'x'.repeat(256)), fields: ['title'] },
    { name: 'two images', content: { ...post('Body'), media: [url, url] }, fields: ['media_ids'] },
    {
      name: 'a video as the feature image',
      content: { ...post('Body'), media: [url] },
      media: [{ kind: 'video', contentType: 'video/mp4' }],
      fields: ['media[0]'],
    },
    {
      name: 'a scheduled status, an unknown visibility, an excerpt over 300',
      content: post('Body'),
      options: { status: 'scheduled', visibility: 'friends', custom_excerpt: 'x'.repeat(301) },
      fields: ['platform_data.status', 'platform_data.visibility', 'platform_data.custom_excerpt'],
    },
  ],
  publishCall: { method: 'POST', path: '/ghost/api/admin/posts/' },
  published: (fake) => fake.live().map((p) => ({ id: p.id, text: p.html, media: p.featureImage ? 1 : 0 })),
  errors: {
    validation: {
      status: 422,
      body: {
        errors: [
          {
            type: 'ValidationError',
            message: 'Validation error, cannot save post.',
            context: 'Title is required.',
          },
        ],
      },
    },
    auth: {
      status: 401,
      body: { errors: [{ type: 'UnauthorizedError', message: 'Unknown Admin API Key', context: null }] },
    },
    rateLimit: {
      status: 429,
      body: { errors: [{ type: 'TooManyRequestsError', message: 'Too many requests.', context: null }] },
      headers: { 'retry-after': '60' },
      expectedRetryAfterMs: 60_000,
    },
    server: {
      status: 500,
      body: {
        errors: [{ type: 'InternalServerError', message: 'An unexpected error occurred.', context: null }],
      },
    },
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('ghost specifics', () => {
  let fake: GhostFake;
  const host = new MediaHost();
  beforeAll(async () => {
    fake = await new GhostFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  const adapter = () => createGhostAdapter({ outbound: REACH_LOOPBACK_FAKES });
  const account = (credentials = fake.credentials()) => ({
    id: 'acc_g',
    platform: 'ghost',
    name: 'Ghost',
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

  test('the post carries the title, the HTML, the options and the uploaded feature image', async () => {
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const options = {
      tags: ['News'],
      custom_excerpt: 'Short',
      slug: 'shipping-it',
      featured: true,
      visibility: 'members',
      feature_image_alt: 'A dot',
    };
    const receipt = await runDelivery(
      adapter(),
      publishRequest(account(), post('<p>Body</p>', 'Shipping'), options, media),
    );
    expect(fake.posts.at(-1)).toMatchObject({
      id: receipt.platformPostId,
      title: 'Shipping',
      html: '<p>Body</p>',
      status: 'published',
      tags: ['News'],
      customExcerpt: 'Short',
      slug: 'shipping-it',
      featured: true,
      visibility: 'members',
      featureImage: fake.images.at(-1)!.url,
      featureImageAlt: 'A dot',
    });
    expect(receipt.permalink).toBe(`${fake.url}/shipping-it/`);
  });

  test('status draft saves a draft, which reconcile finds', async () => {
    const req = publishRequest(account(), post('A draft body', 'A draft'), { status: 'draft' }, []);
    fake.inject({ method: 'POST', path: '/ghost/api/admin/posts/' }, { kind: 'lose-answer' });
    expect((await failureOf(runDelivery(adapter(), req))).outcomeUnknown).toBe(true);
    const draft = fake.posts.at(-1)!;
    expect(draft).toMatchObject({ title: 'A draft', status: 'draft', publishedAt: null });
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(draft.id);
  });

  test('each call signs a token of at most 5 minutes for the /admin/ audience, kid the key id', () => {
    const creds = fake.credentials();
    const [head, body] = tokenOf(account(creds), 1_700_000_000_000).split('.');
    expect(JSON.parse(Buffer.from(head!, 'base64url').toString())).toEqual({
      alg: 'HS256',
      typ: 'JWT',
      kid: creds.admin_api_key!.split(':')[0],
    });
    expect(JSON.parse(Buffer.from(body!, 'base64url').toString())).toEqual({
      iat: 1_700_000_000,
      exp: 1_700_000_300,
      aud: '/admin/',
    });
  });

  test('a key of another site asks for a reconnect; a malformed key is refused without a call', async () => {
    const other = `${'f'.repeat(24)}:${'0'.repeat(64)}`;
    expect(
      await failureOf(
        runDelivery(
          adapter(),
          publishRequest(account({ admin_url: fake.url, admin_api_key: other }), post('x'), {}, []),
        ),
      ),
    ).toMatchObject({ category: 'auth', code: 'platform.ghost.auth', reconnect: true });
    const calls = fake.requests.length;
    expect(
      await failureOf(
        runDelivery(
          adapter(),
          publishRequest(account({ admin_url: fake.url, admin_api_key: 'nope' }), post('x'), {}, []),
        ),
      ),
    ).toMatchObject({ category: 'auth', code: 'platform.ghost.admin_api_key', reconnect: true });
    expect(fake.requests.length).toBe(calls);
  });

  test("a staff role that may not publish is Ghost's NoPermissionError, a forbidden auth failure", async () => {
    fake.inject(
      { method: 'POST', path: '/ghost/api/admin/posts/' },
      {
        status: 403,
        body: {
          errors: [
            { type: 'NoPermissionError', message: 'You do not have permission to add posts', context: null },
          ],
        },
      },
    );
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account(), post('x'), {}, []))),
    ).toMatchObject({
      category: 'auth',
      code: 'platform.ghost.forbidden',
      retryable: false,
      message: expect.stringContaining('NoPermissionError'),
    });
  });

  test('the site is SSRF-guarded: a loopback admin_url is refused by default', async () => {
    expect(
      await failureOf(runDelivery(createGhostAdapter(), publishRequest(account(), post('x'), {}, []))),
    ).toMatchObject({ category: 'validation', code: 'platform.ghost.address_refused' });
  });
});

describe('ghost lookups on a busy site', () => {
  test('a post behind full pages is found; past 1,000 posts since the delivery unsearchable, never absent', async () => {
    const fake = await new GhostFake().start();
    try {
      const adapter = createGhostAdapter({ outbound: REACH_LOOPBACK_FAKES });
      const account = { id: 'acc_g', platform: 'ghost', name: 'G', credentials: fake.credentials() };
      const req = publishRequest(account, post('<p>Behind the chatter</p>'), { status: 'published' }, []);
      fake.inject({ method: 'POST', path: /\/posts\/$/ }, { kind: 'lose-answer' });
      await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      const made = fake.posts.at(-1)!;
      for (let i = 0; i < 250; i++) fake.postFromApp(`From the admin ${i}`, '<p>Hello</p>');
      expect((await adapter.findExisting!(req))?.platformPostId).toBe(made.id);
      for (let i = 0; i < 800; i++) fake.postFromApp(`More from the admin ${i}`, '<p>Hello</p>');
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.ghost.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

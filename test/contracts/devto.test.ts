import { createDevtoAdapter } from '../../platforms/devto/adapter';
import { DevtoFake } from '../../platforms/devto/fake';
import { devtoRules } from '../../platforms/devto/descriptor';
import { PublishError } from '../../platforms/kit/adapter';
import { adapterContract } from './adapter-contract';
import { MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const article = (text: string, title = 'Postflow on DEV') => ({ text, title, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/cover.png' };

adapterContract({
  platform: 'devto',
  startFake: () => new DevtoFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createDevtoAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({ id: 'acc_devto', platform: 'devto', name: 'DEV', credentials: fake.credentials() }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: () => ({ api_key: 'devkey-revoked' }),
    profile: () => ({
      username: expect.stringMatching(/^user\d+$/),
      name: expect.stringMatching(/^Postflow user\d+$/),
    }),
  },
  post: {
    content: {
      title: 'Shipping posts everywhere',
      text: '## Hello from Postflow\n\nMarkdown *as written* & <friends>.',
      media: [],
    },
    options: { tags: ['postflow', 'showdev'], series: 'Postflow notes', canonical_url: 'https://e.x/post' },
    media: [{ contentType: 'image/png', bytes: PNG_1X1 }],
  },
  invalid: [
    { name: 'no title', content: { text: 'Body', media: [] }, fields: ['title'] },
    {
      name: 'front matter with the title, or a setting an option also gives',
      content: article('---\ntitle: Other\ntags: webdev\n---\nBody'),
      options: { tags: ['api'] },
      fields: ['text', 'text'],
    },
    { name: 'a title over 128 characters', content: article('Body', 'x'.repeat(129)), fields: ['title'] },
    { name: 'a body over 800 KB', content: article('é'.repeat(410 * 1024)), fields: ['text'] },
    { name: 'two images', content: { ...article('Body'), media: [url, url] }, fields: ['media_ids'] },
    {
      name: 'a video as the cover',
      content: { ...article('Body'), media: [url] },
      media: [{ kind: 'video', contentType: 'video/mp4' }],
      fields: ['media[0]'],
    },
    {
      name: 'five tags',
      content: article('Body'),
      options: { tags: ['a', 'b', 'c', 'd', 'e'] },
      fields: ['platform_data.tags'],
    },
    {
      name: 'a tag with a dash',
      content: article('Body'),
      options: { tags: ['web-dev'] },
      fields: ['platform_data.tags[0]'],
    },
    {
      name: 'an option DEV does not take, a bad canonical URL and organization',
      content: article('Body'),
      options: { visibility: 'public', canonical_url: 'ftp://e.x', organization_id: '12', published: 'no' },
      fields: [
        'platform_data.visibility',
        'platform_data.canonical_url',
        'platform_data.organization_id',
        'platform_data.published',
      ],
    },
  ],
  publishCall: { method: 'POST', path: '/api/articles' },
  published: (fake) =>
    fake.live().map((a) => ({ id: String(a.id), text: a.bodyMarkdown, media: a.mainImage ? 1 : 0 })),
  errors: {
    validation: { status: 422, body: { error: 'Tag list exceed the maximum of 4 tags', status: 422 } },
    auth: { status: 401, body: { error: 'unauthorized', status: 401 } },
    rateLimit: {
      status: 429,
      body: { error: 'Rate limit reached, try again in 30 seconds', status: 429 },
      headers: { 'retry-after': '30' },
      expectedRetryAfterMs: 30_000,
    },
    server: { status: 500, body: { error: 'Internal Server Error', status: 500 } },
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('devto specifics', () => {
  let fake: DevtoFake;
  const host = new MediaHost();
  beforeAll(async () => {
    fake = await new DevtoFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  const adapter = () => createDevtoAdapter({ baseUrl: fake.url });
  const account = (credentials = fake.credentials()) => ({
    id: 'acc_d',
    platform: 'devto',
    name: 'DEV',
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

  test('the article carries the title, the body as markdown, the options and the cover by URL', async () => {
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const options = {
      tags: ['typescript', 'temporal'],
      canonical_url: 'https://blog.e.x/shipping',
      series: 'Shipping',
      description: 'How Postflow ships',
      organization_id: 7,
    };
    const receipt = await runDelivery(
      adapter(),
      publishRequest(account(), article('# Hi\n\nThere', 'Shipping'), options, media),
    );
    expect(fake.articles.at(-1)).toMatchObject({
      id: Number(receipt.platformPostId),
      title: 'Shipping',
      bodyMarkdown: '# Hi\n\nThere',
      published: true,
      tags: ['typescript', 'temporal'],
      canonicalUrl: 'https://blog.e.x/shipping',
      series: 'Shipping',
      description: 'How Postflow ships',
      organizationId: 7,
      mainImage: media[0]!.ref.source,
    });
    expect(receipt.permalink).toBe(
      `${fake.url}/${fake.articles.at(-1)!.userId}/${fake.articles.at(-1)!.slug}`,
    );
  });

  test('front matter in the body sets what it may (tags, cover, series…); the article is found again', async () => {
    const body = '---\ntags: typescript, temporal\ncover_image: https://cdn.e.x/cover.png\n---\n# Hi';
    const req = publishRequest(account(), article(body, 'Front matter'), {}, []);
    expect(devtoRules.check!({ content: req.content, options: {}, media: [] })).toEqual([]);
    fake.inject({ method: 'POST', path: '/api/articles' }, { kind: 'lose-answer' });
    expect((await failureOf(runDelivery(adapter(), req))).outcomeUnknown).toBe(true);
    expect(fake.articles.at(-1)).toMatchObject({
      title: 'Front matter',
      bodyMarkdown: body,
      tags: ['typescript', 'temporal'],
      mainImage: 'https://cdn.e.x/cover.png',
    });
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(String(fake.articles.at(-1)!.id));
    // What would hide the article from that lookup, or say one thing twice, is refused.
    const refused = devtoRules.check!({
      content: article('---\npublished: false\ncover_image: https://cdn.e.x/c.png\n---\nBody', 'T'),
      options: {},
      media: [{ kind: 'image' }],
    });
    expect(refused.map((i) => i.message)).toEqual([
      expect.stringContaining('platform_options.devto.published'),
      expect.stringContaining('a media item (the cover)'),
    ]);
  });

  test('published: false saves a draft, which reconcile finds among the drafts', async () => {
    const acc = account();
    const req = publishRequest(acc, article('A draft body', 'A draft'), { published: false }, []);
    fake.inject({ method: 'POST', path: '/api/articles' }, { kind: 'lose-answer' });
    const failure = await failureOf(runDelivery(adapter(), req));
    expect(failure.outcomeUnknown).toBe(true);
    const draft = fake.articles.at(-1)!;
    expect(draft).toMatchObject({ title: 'A draft', published: false, publishedAt: null });
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(String(draft.id));
    // Published articles are not drafts: the same lookup for a published post finds nothing.
    const published = { ...req, target: { ...req.target, options: {} } };
    expect(await adapter().findExisting!(published)).toBeNull();
  });

  test("the same title and body again is Forem's uniqueness refusal, a validation failure", async () => {
    const acc = account();
    await runDelivery(adapter(), publishRequest(acc, article('Twice'), {}, []));
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(acc, article('Twice'), {}, []))),
    ).toMatchObject({
      category: 'validation',
      code: 'platform.devto.rejected',
      message: expect.stringContaining('Body markdown has already been taken'),
      outcomeUnknown: false,
    });
  });

  test('unpublishing leaves a draft; an article of another account is "deleted" (not found)', async () => {
    const acc = account();
    const a = adapter();
    const receipt = await runDelivery(a, publishRequest(acc, article('Soon a draft'), {}, []));
    const signal = new AbortController().signal;
    expect(await a.unpublish!({ account: acc, platformPostId: receipt.platformPostId, signal })).toBe(
      'deleted',
    );
    expect(fake.articles.find((x) => String(x.id) === receipt.platformPostId)).toMatchObject({
      published: false,
    });
    const other = account();
    expect(await a.unpublish!({ account: other, platformPostId: receipt.platformPostId, signal })).toBe(
      'deleted',
    );
  });

  test('a revoked key asks for a reconnect; an account without a key is refused without a call', async () => {
    expect(
      await failureOf(
        runDelivery(adapter(), publishRequest(account({ api_key: 'revoked' }), article('x'), {}, [])),
      ),
    ).toMatchObject({ category: 'auth', code: 'platform.devto.auth', reconnect: true });
    const calls = fake.requests.length;
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account({}), article('x'), {}, []))),
    ).toMatchObject({ category: 'auth', code: 'platform.devto.api_key', reconnect: true });
    expect(fake.requests.length).toBe(calls);
  });
});

describe('devto lookups on a busy account', () => {
  test('an article and a draft behind full pages are found; past 1,000 articles unsearchable, never absent', async () => {
    const fake = await new DevtoFake().start();
    try {
      const adapter = createDevtoAdapter({ baseUrl: fake.url });
      const account = { id: 'acc_d', platform: 'devto', name: 'D', credentials: fake.credentials() };
      for (const published of [true, false]) {
        const req = publishRequest(account, article(`Behind the chatter (${published})`), { published }, []);
        fake.inject({ method: 'POST', path: '/api/articles' }, { kind: 'lose-answer' });
        await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
        const made = fake.articles.at(-1)!;
        for (let i = 0; i < 150; i++) fake.articleFromApp(made.userId, `From the editor ${i}`, published);
        expect((await adapter.findExisting!(req))?.platformPostId).toBe(String(made.id));
      }
      const req = publishRequest(account, article('Never made'), {}, []);
      const user = fake.articles[0]!.userId;
      for (let i = 0; i < 900; i++) fake.articleFromApp(user, `More from the editor ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.devto.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

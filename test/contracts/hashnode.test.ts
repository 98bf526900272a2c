import { createHashnodeAdapter } from '../../platforms/hashnode/adapter';
import { hashnodeDescriptor } from '../../platforms/hashnode/descriptor';
import { HashnodeFake, hashnodeError } from '../../platforms/hashnode/fake';
import { PublishError } from '../../platforms/kit/adapter';
import { adapterContract } from './adapter-contract';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const post = (text: string, title = 'Postflow on Hashnode') => ({ text, title, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/cover.png' };

adapterContract({
  platform: 'hashnode',
  startFake: () => new HashnodeFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createHashnodeAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({
    id: 'acc_hashnode',
    platform: 'hashnode',
    name: 'Hashnode',
    credentials: fake.credentials(),
  }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: (credentials) => ({ ...credentials, personal_access_token: 'pat-revoked' }),
    profile: () => ({
      username: expect.stringMatching(/^writer/),
      name: expect.stringMatching(/^Blog blog\d+\.hashnode\.dev$/),
    }),
  },
  post: {
    content: {
      title: 'Shipping posts everywhere',
      text: '## Hello from Postflow\n\nMarkdown *as written* & <friends>.',
      media: [],
    },
    options: { tags: ['postflow', 'web-dev'], subtitle: 'One post, every platform' },
    media: [{ contentType: 'image/png', bytes: PNG_1X1 }],
  },
  invalid: [
    { name: 'no title', content: { text: 'Body', media: [] }, fields: ['title'] },
    { name: 'no body', content: post('  '), fields: ['text'] },
    { name: 'a body over 90 KiB', content: post('x'.repeat(90 * 1024 + 1)), fields: ['text'] },
    { name: 'two images', content: { ...post('Body'), media: [url, url] }, fields: ['media_ids'] },
    {
      name: 'a video as the cover',
      content: { ...post('Body'), media: [url] },
      media: [{ kind: 'video', contentType: 'video/mp4' }],
      fields: ['media[0]'],
    },
    {
      name: 'sixteen tags',
      content: post('Body'),
      options: { tags: Array(16).fill('dev') },
      fields: ['platform_data.tags'],
    },
    {
      name: 'a tag that is not a slug',
      content: post('Body'),
      options: { tags: ['dev', 'Web Dev'] },
      fields: ['platform_data.tags[1]'],
    },
    {
      name: 'an option Hashnode does not take, a bad series id, slug and canonical URL',
      content: post('Body'),
      options: { visibility: 'public', series_id: 'launch', slug: 'Hello World', canonical_url: 'nope' },
      fields: [
        'platform_data.visibility',
        'platform_data.series_id',
        'platform_data.slug',
        'platform_data.canonical_url',
      ],
    },
  ],
  publishCall: { method: 'POST', path: '/' },
  published: (fake) =>
    fake.live().map((p) => ({ id: p.id, text: p.markdown, media: p.coverImageURL ? 1 : 0 })),
  errors: {
    validation: hashnodeError('BAD_USER_INPUT', 'Title is required.'),
    auth: hashnodeError('UNAUTHENTICATED', 'User is not authenticated.'),
    rateLimit: {
      status: 429,
      body: { message: 'Too many requests' },
      headers: { 'retry-after': '20' },
      expectedRetryAfterMs: 20_000,
    },
    server: hashnodeError('INTERNAL_SERVER_ERROR', 'Internal server error'),
  },
  comments: {
    call: { method: 'POST', path: '/' },
    under: (fake, id) =>
      fake.comments.filter((c) => c.postId === id).map((c) => ({ id: c.id, text: c.markdown })),
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('hashnode specifics', () => {
  let fake: HashnodeFake;
  const host = new MediaHost();
  beforeAll(async () => {
    fake = await new HashnodeFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  const adapter = () => createHashnodeAdapter({ baseUrl: fake.url });
  const account = (credentials = fake.credentials()) => ({
    id: 'acc_h',
    platform: 'hashnode',
    name: 'Hashnode',
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

  test("the first comment is the user's comment, linked at its stamp; found again behind a busy thread", async () => {
    const acc = account();
    const req = publishRequest(acc, { title: 'Comments', text: 'Body', media: [] }, {}, []);
    const post = await runDelivery(adapter(), req);
    const first = commentRequest(req, post, 'Questions welcome below.');
    const made = await adapter().comment!(first);
    const stored = fake.comments.find((c) => c.id === made.commentId)!;
    expect(stored).toMatchObject({ postId: post.platformPostId, markdown: 'Questions welcome below.' });
    expect(made.permalink).toBe(`${post.permalink}#${stored.stamp}`);
    // 120 newer comments by readers: the lookup pages back to it. A reader's comment with the same
    // text is not the account's.
    fake.chatter(post.platformPostId, 120);
    expect((await adapter().findComment!(first))?.commentId).toBe(made.commentId);
    const other = commentRequest(req, post, 'reader comment 3');
    expect(await adapter().findComment!(other)).toBeNull();
  });

  test('a post with comments disabled refuses the first comment for good (and at creation)', async () => {
    const content = { title: 'Closed', text: 'Body', media: [], firstComment: 'Hello' };
    expect(
      hashnodeDescriptor.rules.check!({ content, options: { disable_comments: true }, media: [] }),
    ).toEqual([expect.objectContaining({ field: 'first_comment', code: 'validation.field_invalid' })]);
    const req = publishRequest(
      account(),
      { title: 'Closed', text: 'Body', media: [] },
      { disable_comments: true },
      [],
    );
    const post = await runDelivery(adapter(), req);
    const refused = await failureOf(adapter().comment!(commentRequest(req, post, 'Hello')));
    expect(refused).toMatchObject({
      category: 'validation',
      code: 'platform.hashnode.bad_user_input',
      retryable: false,
    });
    expect(fake.comments.some((c) => c.postId === post.platformPostId)).toBe(false);
  });

  test('the post carries the title, the markdown, the options and the cover by URL', async () => {
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const options = {
      subtitle: 'How it ships',
      slug: 'shipping-everywhere',
      tags: ['typescript', 'temporal'],
      canonical_url: 'https://blog.e.x/shipping',
      disable_comments: true,
      series_id: '65a1b2c3d4e5f60718293a4b',
    };
    const acc = account();
    const receipt = await runDelivery(
      adapter(),
      publishRequest(acc, post('# Hi\n\nThere', 'Shipping'), options, media),
    );
    expect(fake.posts.at(-1)).toMatchObject({
      id: receipt.platformPostId,
      publicationId: acc.credentials.publication_id,
      title: 'Shipping',
      markdown: '# Hi\n\nThere',
      slug: 'shipping-everywhere',
      subtitle: 'How it ships',
      tags: ['typescript', 'temporal'],
      originalArticleURL: 'https://blog.e.x/shipping',
      disableComments: true,
      seriesId: '65a1b2c3d4e5f60718293a4b',
      coverImageURL: media[0]!.ref.source,
    });
    expect(receipt.permalink).toMatch(/\/shipping-everywhere$/);
  });

  test('a publication without Pro is its own auth failure, before anything is published', async () => {
    const before = fake.posts.length;
    expect(
      await failureOf(
        runDelivery(adapter(), publishRequest(account(fake.credentials({ pro: false })), post('x'), {}, [])),
      ),
    ).toMatchObject({
      category: 'auth',
      code: 'platform.hashnode.pro_plan_required',
      retryable: false,
      message: expect.stringContaining('Pro plan'),
    });
    expect(fake.posts.length).toBe(before);
  });

  test('a revoked token asks for a reconnect; a publication of someone else is not found', async () => {
    const revoked = { ...fake.credentials(), personal_access_token: 'revoked' };
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account(revoked), post('x'), {}, []))),
    ).toMatchObject({
      category: 'auth',
      code: 'platform.hashnode.unauthenticated',
      reconnect: true,
    });
    const elsewhere = { ...fake.credentials(), publication_id: fake.credentials().publication_id! };
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account(elsewhere), post('x'), {}, []))),
    ).toMatchObject({
      category: 'validation',
      code: 'platform.hashnode.not_found',
    });
  });

  test('a body over 100 KB is refused before the call; a query Hashnode cannot run is not retried', async () => {
    const calls = fake.requests.length;
    const big = post('"'.repeat(60 * 1024)); // 60 KiB of text, 120 KiB once JSON-escaped
    expect(await failureOf(runDelivery(adapter(), publishRequest(account(), big, {}, [])))).toMatchObject({
      category: 'validation',
      code: 'platform.hashnode.too_large',
    });
    expect(fake.requests.length).toBe(calls);
    fake.inject(
      { method: 'POST', path: '/' },
      {
        status: 400,
        body: { errors: [{ message: 'Unknown field', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }] },
      },
    );
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account(), post('x'), {}, []))),
    ).toMatchObject({
      category: 'system',
      code: 'platform.hashnode.query_refused',
      retryable: false,
      outcomeUnknown: false,
    });
  });

  test('the publication id is checked when the account is connected', () => {
    const check = hashnodeDescriptor.checkCredentials!;
    expect(check({ publication_id: '65a1b2c3d4e5f60718293a4b' })).toEqual([]);
    expect(check({ publication_id: 'myblog.hashnode.dev' }).map((i) => i.field)).toEqual([
      'credentials.publication_id',
    ]);
  });
});

describe('hashnode lookups on a busy publication', () => {
  test('a post behind full pages is found; past 200 posts unsearchable, never absent', async () => {
    const fake = await new HashnodeFake().start();
    try {
      const adapter = createHashnodeAdapter({ baseUrl: fake.url });
      const account = { id: 'acc_h', platform: 'hashnode', name: 'H', credentials: fake.credentials() };
      const req = publishRequest(account, post('Behind the chatter'), {}, []);
      fake.inject({ method: 'POST', path: '/' }, { kind: 'lose-answer' });
      await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      const made = fake.posts.at(-1)!;
      for (let i = 0; i < 70; i++) fake.postFromApp(made.publicationId, `From the editor ${i}`);
      expect((await adapter.findExisting!(req))?.platformPostId).toBe(made.id);
      for (let i = 0; i < 150; i++) fake.postFromApp(made.publicationId, `More from the editor ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.hashnode.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

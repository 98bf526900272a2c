import type { MediaRef } from '../../api/types';
import { PublishError } from '../../platforms/kit/adapter';
import { createTumblrAdapter } from '../../platforms/tumblr/adapter';
import { TumblrFake } from '../../platforms/tumblr/fake';
import { adapterContract } from './adapter-contract';
import { MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const env = {
  POSTFLOW_TUMBLR_CLIENT_ID: 'consumer-key-1',
  POSTFLOW_TUMBLR_CLIENT_SECRET: 'consumer-secret-1',
};
const url: MediaRef = { source_type: 'url', source: 'https://e.x/a.png' };
const post = (text: string, extra: object = {}) => ({ text, media: [], ...extra });
const blocks = (fake: TumblrFake, id: string) => fake.posts.find((p) => p.id === id)!.content;
const textOf = (content: Array<Record<string, any>>) =>
  content
    .filter((b) => b.type === 'text')
    .map((b) => b.text)
    .join('\n');

adapterContract({
  platform: 'tumblr',
  startFake: () => new TumblrFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createTumblrAdapter({ baseUrl, timeoutMs, env }),
  account: (fake) => ({
    id: 'acc_tumblr',
    platform: 'tumblr',
    name: 'Tumblr',
    credentials: fake.credentials(),
  }),
  post: {
    content: { text: 'Autumn soup, five ingredients', title: 'Autumn soup', media: [url] },
    options: { tags: ['soup', 'autumn recipes'], source_url: 'https://e.x/soup', alt_text: 'A bowl of soup' },
    media: [{ contentType: 'image/png', bytes: PNG_1X1 }],
  },
  invalid: [
    { name: 'a line over 4,096 characters', content: post('x'.repeat(4_097)), fields: ['text'] },
    {
      name: 'a video',
      content: post('hi', { media: [url] }),
      media: [{ kind: 'video', contentType: 'video/mp4' }],
      fields: ['media[0]'],
    },
    {
      name: 'a state Postflow does not send, a tag with a comma, a bad source URL',
      content: post('hi'),
      options: { state: 'queue', tags: ['a,b'], source_url: 'ftp://e.x' },
      fields: ['platform_data.state', 'platform_data.tags[0]', 'platform_data.source_url'],
    },
    {
      name: 'an option Tumblr does not take',
      content: post('hi'),
      options: { slug: 'my-post' },
      fields: ['platform_data.slug'],
    },
  ],
  publishCall: { method: 'POST', path: /^\/v2\/blog\/[^/]+\/posts$/ },
  published: (fake) =>
    fake.live().map((p) => ({
      id: p.id,
      text: textOf(p.content),
      media: p.content.filter((b) => b.type === 'image').length,
    })),
  errors: {
    validation: {
      status: 400,
      body: {
        meta: { status: 400, msg: 'Bad Request' },
        errors: [{ title: "'content' must be an array'", code: 8001 }],
      },
    },
    auth: {
      status: 401,
      body: { meta: { status: 401, msg: 'Unauthorized' }, errors: [{ title: 'Unauthorized', code: 0 }] },
    },
    rateLimit: {
      status: 429,
      body: { meta: { status: 429, msg: 'Limit Exceeded' }, errors: [{ title: 'Limit Exceeded', code: 0 }] },
      headers: { 'x-ratelimit-perhour-remaining': '0', 'x-ratelimit-perhour-reset': '42' },
      expectedRetryAfterMs: 42_000,
    },
    server: {
      status: 500,
      body: { meta: { status: 500, msg: 'Server Error' }, errors: [{ title: 'Oops', code: 0 }] },
    },
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('tumblr specifics', () => {
  let fake: TumblrFake;
  let host: MediaHost;
  const adapter = () => createTumblrAdapter({ baseUrl: fake.url, timeoutMs: 1_000, env });
  const account = () => ({ id: 'acc_t', platform: 'tumblr', name: 'T', credentials: fake.credentials() });

  beforeEach(async () => {
    fake = await new TumblrFake().start();
    host = await new MediaHost().start();
  });
  afterEach(async () => {
    await fake.stop();
    await host.stop();
  });

  test('the title is a heading, each line a text block, images uploaded by identifier; options mapped', async () => {
    const req = publishRequest(
      account(),
      { title: 'A title', text: 'First line\n\nSecond line', media: [url, url] },
      { tags: ['one', 'two words'], source_url: 'https://e.x/src', alt_texts: ['first', 'second'] },
      host.serve([
        { contentType: 'image/png', bytes: PNG_1X1 },
        { contentType: 'image/png', bytes: PNG_1X1 },
      ]),
    );
    const receipt = await runDelivery(adapter(), req);
    const created = fake.posts.at(-1)!;
    expect(created.content).toEqual([
      { type: 'text', subtype: 'heading1', text: 'A title' },
      { type: 'text', text: 'First line' },
      { type: 'text', text: 'Second line' },
      { type: 'image', media: [{ type: 'image/png', bytes: PNG_1X1.length }], alt_text: 'first' },
      { type: 'image', media: [{ type: 'image/png', bytes: PNG_1X1.length }], alt_text: 'second' },
    ]);
    expect(created).toMatchObject({
      state: 'published',
      tags: ['one', 'two words'],
      sourceUrl: 'https://e.x/src',
    });
    expect(receipt.permalink).toBe(`https://www.tumblr.com/postflow-test/${created.id}`);
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);
  });

  test('a draft is saved as one and found among the drafts', async () => {
    const req = publishRequest(account(), post('A draft'), { state: 'draft' }, host.serve([]));
    const receipt = await runDelivery(adapter(), req);
    expect(fake.posts.at(-1)).toMatchObject({ id: receipt.platformPostId, state: 'draft' });
    expect(blocks(fake, receipt.platformPostId)).toEqual([{ type: 'text', text: 'A draft' }]);
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);
  });

  test('reconcile ignores an older post with the same text', async () => {
    const req = publishRequest(account(), post('Same text'), {}, host.serve([]));
    await runDelivery(adapter(), req);
    fake.posts.at(-1)!.timestamp -= 3_600;
    expect(await adapter().findExisting!(req)).toBeNull();
  });

  test("the blog's daily post limit (403, code 8023) is a rate limit, not a permission", async () => {
    fake.inject(
      { path: /\/posts$/ },
      {
        status: 403,
        body: { meta: { status: 403, msg: 'Forbidden' }, errors: [{ title: 'Daily limit', code: 8023 }] },
      },
    );
    const err = (await runDelivery(
      adapter(),
      publishRequest(account(), post('hi'), {}, host.serve([])),
    ).catch((e: unknown) => e)) as PublishError;
    expect(err).toBeInstanceOf(PublishError);
    expect(err.failure).toMatchObject({
      category: 'rate_limit',
      code: 'platform.tumblr.daily_post_limit',
      retryable: true,
      retryAfterMs: 3_600_000,
    });
  });

  test('an unknown blog fails for good before anything is posted', async () => {
    const acc = { ...account(), credentials: { ...account().credentials, blog_identifier: 'nobody' } };
    const err = (await runDelivery(adapter(), publishRequest(acc, post('hi'), {}, host.serve([]))).catch(
      (e: unknown) => e,
    )) as PublishError;
    expect(err.failure).toMatchObject({ category: 'validation', retryable: false, outcomeUnknown: false });
    expect(fake.posts).toHaveLength(0);
  });

  test('the refresh grant sends the client in the form; a wrong secret means reconnecting', async () => {
    const acc = account();
    const fresh = await adapter().refresh!(acc);
    expect(fresh).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) });
    const wrong = createTumblrAdapter({
      baseUrl: fake.url,
      env: { ...env, POSTFLOW_TUMBLR_CLIENT_SECRET: 'x' },
    });
    const err = (await wrong.refresh!({ ...acc, credentials: { ...acc.credentials, ...fresh } }).catch(
      (e: unknown) => e,
    )) as PublishError;
    expect(err.failure).toMatchObject({ category: 'auth', code: 'account.reconnection_required' });
  });
});

describe('tumblr lookups on a busy blog', () => {
  test('a post and a draft behind full pages are found; past 200 posts unsearchable, never absent', async () => {
    const fake = await new TumblrFake().start();
    try {
      const adapter = createTumblrAdapter({ baseUrl: fake.url });
      const account = { id: 'acc_t', platform: 'tumblr', name: 'T', credentials: fake.credentials() };
      for (const state of ['published', 'draft'] as const) {
        const req = publishRequest(
          account,
          { text: `Behind the chatter (${state})`, media: [] },
          { state },
          [],
        );
        fake.inject({ method: 'POST', path: /\/posts$/ }, { kind: 'lose-answer' });
        await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
        const post = fake.posts.at(-1)!;
        for (let i = 0; i < 70; i++) fake.postFromApp(post.blog, `From the app ${i}`, state);
        expect((await adapter.findExisting!(req))?.platformPostId).toBe(post.id);
      }
      const req = publishRequest(account, { text: 'Never made', media: [] }, {}, []);
      for (let i = 0; i < 150; i++) fake.postFromApp(fake.posts[0]!.blog, `More from the app ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.tumblr.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

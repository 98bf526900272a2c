import { isProcessing, type Prepared } from '../../platforms/kit/adapter';
import { createThreadsAdapter } from '../../platforms/meta/threads/adapter';
import { threadsTextLength } from '../../platforms/meta/threads/descriptor';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { ThreadsFake } from '../../platforms/meta/threads/fake';
import { adapterContract } from './adapter-contract';
import { containerReconcileSuite } from './container-reconcile';
import {
  commentRequest,
  FAKE_MP4,
  MediaHost,
  PNG_1X1,
  publishRequest,
  runDelivery,
  type TestMedia,
} from './run-delivery';

const urls = (n: number) => Array(n).fill({ source_type: 'url', source: 'https://e.x/a.png' });
const text = (t: string) => ({ text: t, media: [] });
/** The state of a prepare that is still processing. */
const processingOf = (p: Prepared) => {
  if (!isProcessing(p)) throw new Error('expected the container to be processing');
  return p.processing;
};
const png: TestMedia = { contentType: 'image/png', bytes: PNG_1X1 };
const mp4: TestMedia = { contentType: 'video/mp4', bytes: FAKE_MP4 };

adapterContract({
  platform: 'threads',
  startFake: () => new ThreadsFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createThreadsAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({
    id: 'acc_th',
    platform: 'threads',
    name: 'Threads',
    credentials: fake.credentials(),
  }),
  post: {
    content: { text: 'Hello from Postflow, with a picture and a clip', media: urls(2) },
    options: { reply_control: 'accounts_you_follow', alt_texts: ['A pixel', 'A clip'] },
    media: [png, mp4],
  },
  invalid: [
    { name: 'text over 500 characters', content: text('x'.repeat(501)), fields: ['text'] },
    { name: 'emoji counted as bytes', content: text('😀'.repeat(126)), fields: ['text'] },
    { name: 'nothing to post', content: text(' '), fields: ['text'] },
    { name: 'twenty-one items', content: { text: 'hi', media: urls(21) }, fields: ['media_ids'] },
    {
      name: 'an unknown reply_control',
      content: text('hi'),
      options: { reply_control: 'nobody' },
      fields: ['platform_data.reply_control'],
    },
    {
      name: 'a link attachment with media',
      content: { text: 'hi', media: urls(1) },
      options: { link_attachment: 'https://postflow.dev' },
      fields: ['platform_data.link_attachment'],
    },
  ],
  publishCall: { method: 'POST', path: /\/threads_publish$/ },
  published: (fake) => fake.published.map((p) => ({ id: p.id, text: p.text, media: p.items })),
  errors: {
    validation: MetaGraphFake.error(400, 100, 'Invalid parameter', { type: 'THApiException' }),
    auth: MetaGraphFake.error(400, 190, 'Invalid OAuth access token - Cannot parse access token'),
    rateLimit: {
      ...MetaGraphFake.error(400, 17, 'User request limit reached', {
        transient: true,
        headers: {
          'x-business-use-case-usage': JSON.stringify({
            '25012345678901234': [{ type: 'threads', call_count: 100, estimated_time_to_regain_access: 3 }],
          }),
        },
      }),
      expectedRetryAfterMs: 3 * 60_000,
    },
    server: MetaGraphFake.error(500, 1, 'An unknown error occurred', { transient: true }),
  },
  thread: {
    call: { method: 'POST', path: /\/threads_publish$/ },
    posts: (fake) =>
      [...fake.published, ...fake.replies].map((p) => ({ id: p.id, text: p.text, replyTo: p.replyTo })),
  },
  comments: {
    call: { method: 'POST', path: /\/threads_publish$/ },
    under: (fake, id) => fake.repliesUnder(id),
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

containerReconcileSuite({
  platform: 'threads',
  startFake: () => new ThreadsFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createThreadsAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({ id: 'acc_th', platform: 'threads', name: 'T', credentials: fake.credentials() }),
  post: {
    content: { text: 'A picture and a clip from Postflow', media: urls(2) },
    options: {},
    media: [png, mp4],
  },
  publishCall: { method: 'POST', path: /\/threads_publish$/ },
  listCall: /\/threads$/,
  statusField: 'status',
  published: (fake) => fake.published.map((p) => ({ id: p.id, text: p.text })),
  postFromApp: (fake, text) => fake.postFromApp(text),
});

describe('threads specifics', () => {
  let fake: ThreadsFake;
  const host = new MediaHost();
  const adapter = () => createThreadsAdapter({ baseUrl: fake.url });
  const account = () => ({ id: 'acc_th', platform: 'threads', name: 'T', credentials: fake.credentials() });
  beforeAll(async () => {
    await host.start();
    fake = await new ThreadsFake().start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  test('a first comment behind full pages of replies is found; past 500 replies unsearchable, never absent', async () => {
    const req = publishRequest(account(), text('A busy thread'), {}, []);
    const receipt = await runDelivery(adapter(), req);
    const first = commentRequest(req, receipt, 'The first comment');
    const made = await adapter().comment!(first);
    for (let i = 0; i < 120; i++) fake.replyFromApp(receipt.platformPostId, `Reply ${i}`);
    expect((await adapter().findComment!(first))?.commentId).toBe(made.commentId);
    for (let i = 0; i < 400; i++) fake.replyFromApp(receipt.platformPostId, `More ${i}`);
    await expect(adapter().findComment!(first)).rejects.toMatchObject({
      failure: { code: 'platform.threads.unsearchable', retryable: false },
    });
  });

  test('a text post is one TEXT container, with its link preview and reply control', async () => {
    const options = { link_attachment: 'https://postflow.dev', reply_control: 'mentioned_only' };
    const receipt = await runDelivery(adapter(), publishRequest(account(), text('Read this'), options, []));
    expect(fake.published.at(-1)).toMatchObject({
      id: receipt.platformPostId,
      mediaType: 'TEXT_POST',
      items: 0,
    });
    expect(fake.published.at(-1)!.params).toMatchObject({
      media_type: 'TEXT',
      text: 'Read this',
      link_attachment: 'https://postflow.dev',
      reply_control: 'mentioned_only',
    });
  });

  test('a single video is polled while Threads processes it, then published', async () => {
    const req = publishRequest(account(), text('A clip'), {}, host.serve([mp4]));
    const prepared = await adapter().prepare!(req);
    expect(prepared).toMatchObject({ processing: { pending: [expect.any(String)] }, pollAfterMs: 30_000 });
    const receipt = await runDelivery(adapter(), req);
    expect(fake.published.at(-1)).toMatchObject({ id: receipt.platformPostId, mediaType: 'VIDEO', items: 1 });
  });

  test('a carousel: items flagged is_carousel_item, the post text only on the CAROUSEL container', async () => {
    const req = publishRequest(account(), { text: 'Three', media: [] }, {}, host.serve([png, png, mp4]));
    await runDelivery(adapter(), req);
    const items = [...fake.containers.values()].filter((c) => c.carouselItem).slice(-3);
    expect(items.map((c) => c.params.text)).toEqual([undefined, undefined, undefined]);
    expect(fake.published.at(-1)).toMatchObject({ mediaType: 'CAROUSEL_ALBUM', items: 3, text: 'Three' });
  });

  test('an expired container is retried (a new attempt prepares again)', async () => {
    const req = publishRequest(account(), text('Late'), {}, host.serve([mp4]));
    const prepared = await adapter().prepare!(req);
    const id = (processingOf(prepared).pending as string[])[0]!;
    fake.inject(
      { method: 'GET', path: new RegExp(`/${id}$`) },
      { status: 200, body: { id, status: 'EXPIRED' } },
    );
    const failure = await adapter().checkPrepared!(req, processingOf(prepared)).catch((e) => e.failure);
    expect(failure).toMatchObject({ code: 'platform.threads.container_expired', retryable: true });
  });

  test('a container in ERROR fails for good with what Threads said', async () => {
    const req = publishRequest(account(), text('Broken'), {}, host.serve([mp4]));
    const prepared = await adapter().prepare!(req);
    const id = (processingOf(prepared).pending as string[])[0]!;
    fake.inject(
      { method: 'GET', path: new RegExp(`/${id}$`) },
      { status: 200, body: { id, status: 'ERROR', error_message: 'FAILED_PROCESSING_VIDEO' } },
    );
    const failure = await adapter().checkPrepared!(req, processingOf(prepared)).catch((e) => e.failure);
    expect(failure).toMatchObject({
      category: 'validation',
      code: 'platform.threads.container_failed',
      retryable: false,
    });
    expect(failure.message).toContain('FAILED_PROCESSING_VIDEO');
  });

  test('the permalink lookup failing after publishing moves on to checkPublished, never a second publish', async () => {
    const req = publishRequest(account(), text('Once only'), {}, []);
    const prepared = await adapter().prepare!(req);
    fake.inject(
      { method: 'GET', path: /\/\d+$/ },
      MetaGraphFake.error(500, 2, 'Service temporarily unavailable'),
    );
    const published = await adapter().publish(req, (prepared as { ready: Record<string, string> }).ready);
    const id = fake.published.at(-1)!.id;
    expect(published).toMatchObject({ processing: { published_id: id } });
    const receipt = await adapter().checkPublished!(
      req,
      (published as { processing: Record<string, string> }).processing,
    );
    expect(receipt).toMatchObject({
      platformPostId: id,
      permalink: expect.stringMatching(/^https:\/\/www\.threads\.net\//),
    });
    expect(fake.published.filter((p) => p.text === 'Once only')).toHaveLength(1);
  });

  test('refresh: th_refresh_token with the long-lived token', async () => {
    const acc = account();
    const fresh = await adapter().refresh!(acc);
    expect(fresh).toMatchObject({ access_token: expect.any(String), refresh_token: fresh.access_token });
    expect(fake.accessTokens.has(fresh.access_token!)).toBe(true);
  });

  test("Threads' own count: emoji weigh their UTF-8 bytes", () => {
    expect(threadsTextLength('héllo')).toBe(5);
    expect(threadsTextLength('hi 😀')).toBe(7);
  });
});

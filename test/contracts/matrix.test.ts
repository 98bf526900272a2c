import { randomBytes } from 'node:crypto';
import { PIECE_BYTES } from '../../platforms/kit/media-reader';
import { createMatrixAdapter } from '../../platforms/matrix/adapter';
import { MatrixFake } from '../../platforms/matrix/fake';
import { PublishError } from '../../platforms/kit/adapter';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { adapterContract } from './adapter-contract';
import {
  commentRequest,
  MediaHost,
  PNG_1X1,
  publishRequest,
  runDelivery,
  testMediaFile,
} from './run-delivery';

const text = (t: string) => ({ text: t, media: [] });
const urls = (n: number) => Array(n).fill({ source_type: 'url', source: 'https://e.x/a.png' });
/** The send of a post's text event: the last of its events, the one that completes it. */
const TEXT_SEND = /\/send\/m\.room\.message\/pf-[0-9a-f]+-text$/;

adapterContract({
  platform: 'matrix',
  startFake: () => new MatrixFake().start(),
  adapter: ({ timeoutMs }) => createMatrixAdapter({ timeoutMs, outbound: REACH_LOOPBACK_FAKES }),
  account: (fake) => ({
    id: 'acc_matrix',
    platform: 'matrix',
    name: 'Matrix',
    credentials: fake.credentials(),
  }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: (credentials) => ({ ...credentials, access_token: 'syt_revoked_token' }),
    profile: () => ({ username: expect.stringMatching(/^@.+:.+$/) }),
  },
  post: {
    content: { text: 'Hello from Postflow & friends <3', media: [] },
    options: { formatted_body: '<p>Hello from <b>Postflow</b></p>' },
    media: [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'image/png', bytes: PNG_1X1 },
    ],
  },
  invalid: [
    { name: 'text over 30,000 bytes', content: text('é'.repeat(15_001)), fields: ['text'] },
    { name: 'eleven media', content: { text: 'hi', media: urls(11) }, fields: ['media_ids'] },
    {
      name: 'an unknown msgtype',
      content: text('hi'),
      options: { msgtype: 'm.emote' },
      fields: ['platform_data.msgtype'],
    },
    {
      name: 'HTML without the plain text',
      content: { text: '', media: urls(1) },
      options: { formatted_body: '<b>hi</b>' },
      fields: ['platform_data.formatted_body'],
    },
    { name: 'neither text nor media', content: text(' '), options: {}, fields: ['text'] },
  ],
  publishCall: { method: 'PUT', path: TEXT_SEND },
  published: (fake) => fake.posts().map(({ id, text: t, media }) => ({ id, text: t, media })),
  errors: {
    validation: { status: 413, body: { errcode: 'M_TOO_LARGE', error: 'event too large' } },
    auth: {
      status: 401,
      body: { errcode: 'M_UNKNOWN_TOKEN', error: 'Access token has expired', soft_logout: true },
    },
    rateLimit: {
      status: 429,
      body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 30_000 },
      expectedRetryAfterMs: 30_000,
    },
    server: { status: 500, body: { errcode: 'M_UNKNOWN', error: 'Internal server error' } },
  },
  comments: {
    call: { method: 'PUT', path: /\/send\/m\.room\.message\/pf-[0-9a-f]+-comment$/ },
    under: (fake, id) =>
      fake.repliesTo(id.split(',').at(-1)!).map((e) => ({ id: e.eventId, text: String(e.content.body) })),
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('matrix', () => {
  let fake: MatrixFake;
  const host = new MediaHost();
  const adapter = createMatrixAdapter({ outbound: REACH_LOOPBACK_FAKES });
  beforeAll(async () => {
    fake = await new MatrixFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });
  const account = (credentials = fake.credentials()) => ({
    id: 'acc_x',
    platform: 'matrix',
    name: 'X',
    credentials,
  });
  let n = 0;
  const request = (acc = account(), media = 1, options: Record<string, unknown> = {}) =>
    publishRequest(
      acc,
      { text: `A picture ${++n}`, media: [] },
      options,
      host.serve(Array(media).fill({ contentType: 'image/png', bytes: PNG_1X1 })),
    );
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (err: PublishError) => err.failure,
    );

  test('a post is its media events, then its text event; publishing it again sends nothing new', async () => {
    const req = request(account(), 2, { formatted_body: '<i>A picture</i>', msgtype: 'm.notice' });
    const receipt = await runDelivery(adapter, req);
    const [post] = fake.posts().filter((p) => p.id === receipt.platformPostId);
    expect(post!.events.map((e) => e.content.msgtype)).toEqual(['m.image', 'm.image', 'm.notice']);
    expect(post!.events[2]!.content).toMatchObject({
      format: 'org.matrix.custom.html',
      formatted_body: '<i>A picture</i>',
    });
    expect(post!.events[0]!.content).toMatchObject({
      url: expect.stringMatching(/^mxc:\/\//),
      info: { mimetype: 'image/png' },
    });
    const ids = receipt.platformPostId.split(',');
    expect(receipt.metadata).toEqual({
      room_id: fake.roomId,
      event_ids: ids,
      text_event_id: ids[2],
      media_event_ids: ids.slice(0, 2),
    });
    expect(receipt.permalink).toBe(
      `https://matrix.to/#/${encodeURIComponent(fake.roomId)}/${encodeURIComponent(ids[2]!)}?via=fake.matrix`,
    );
    const count = fake.messages().length;
    expect((await runDelivery(adapter, req)).platformPostId).toBe(receipt.platformPostId);
    expect(fake.messages()).toHaveLength(count);
  });

  test('a video of several MB is uploaded as read from the file, never loaded', async () => {
    const movie = randomBytes(2 * PIECE_BYTES + 11);
    const file = testMediaFile({ contentType: 'video/mp4', bytes: movie });
    const receipt = await runDelivery(
      adapter,
      publishRequest(account(), { text: `A film ${++n}`, media: [file.ref] }, {}, [file]),
    );
    expect(file.usage).toEqual({ loads: 0, opens: 1, reads: 3, bytesRead: movie.length });
    const [post] = fake.posts().filter((p) => p.id === receipt.platformPostId);
    const mxc = String(post!.events[0]!.content.url);
    expect(fake.uploads.get(mxc)).toEqual({ contentType: 'video/mp4', size: movie.length });
    expect(post!.events[0]!.content).toMatchObject({ msgtype: 'm.video', info: { size: movie.length } });
  });

  test('an alias is resolved to its room', async () => {
    const receipt = await runDelivery(adapter, request(account(fake.credentials('alias'))));
    expect(receipt.metadata?.room_id).toBe(fake.roomId);
  });

  test('an answer lost on a media event: absent, and publishing again completes the same post', async () => {
    const req = request(account(), 2);
    fake.inject({ method: 'PUT', path: /-media1$/ }, { kind: 'lose-answer' });
    expect(await failureOf(runDelivery(adapter, req))).toMatchObject({ outcomeUnknown: true });
    expect(await adapter.findExisting!(req)).toBeNull();
    const receipt = await runDelivery(adapter, req);
    const post = fake.posts().find((p) => p.id === receipt.platformPostId)!;
    expect(post.media).toBe(2);
    expect(fake.posts().filter((p) => p.text === req.content.text)).toHaveLength(1);
  });

  test('the text refused for good withdraws the media events already sent', async () => {
    const before = fake.messages().length;
    fake.inject(
      { method: 'PUT', path: TEXT_SEND },
      { status: 403, body: { errcode: 'M_FORBIDDEN', error: 'no power' } },
    );
    expect(await failureOf(runDelivery(adapter, request(account(), 2)))).toMatchObject({
      category: 'auth',
      code: 'platform.matrix.forbidden',
      retryable: false,
    });
    expect(fake.messages()).toHaveLength(before);
  });

  test('reconcile from another device (a new token) finds the post by its text', async () => {
    const credentials = fake.credentials();
    const req = request(account(credentials), 1);
    const receipt = await runDelivery(adapter, req);
    const elsewhere = { ...req, account: account(fake.otherDevice(credentials)) };
    expect((await adapter.findExisting!(elsewhere))?.platformPostId).toBe(receipt.platformPostId);
  });

  test("reconcile pages back through the account's busy room; past 500 messages it is unsearchable, never absent", async () => {
    const credentials = fake.credentials();
    const req = request(account(credentials), 1);
    const receipt = await runDelivery(adapter, req);
    for (let i = 0; i < 120; i++) fake.chatter(`chatter ${i}`);
    expect((await adapter.findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);
    const elsewhere = { ...req, account: account(fake.otherDevice(credentials)) };
    expect((await adapter.findExisting!(elsewhere))?.platformPostId).toBe(receipt.platformPostId);
    const first = commentRequest(req, receipt, 'Behind the chatter');
    const made = await adapter.comment!(first);
    for (let i = 0; i < 60; i++) fake.chatter(`more chatter ${i}`);
    expect((await adapter.findComment!(first))?.commentId).toBe(made.commentId);
    for (let i = 0; i < 400; i++) fake.chatter(`yet more chatter ${i}`);
    expect(await failureOf(adapter.findExisting!(req))).toMatchObject({
      code: 'platform.matrix.unsearchable',
    });
  });

  test('a dead session needs reconnecting; an expired one a refresh', async () => {
    const credentials = fake.credentials();
    expect(
      await failureOf(runDelivery(adapter, request(account({ ...credentials, access_token: 'syt_gone' })))),
    ).toMatchObject({ category: 'auth', reconnect: true });
    fake.expire(credentials.access_token!);
    expect(await failureOf(runDelivery(adapter, request(account(credentials))))).toMatchObject({
      refreshable: true,
    });
    const { refresh_token: _none, ...withoutRefresh } = credentials;
    expect(await failureOf(adapter.refresh!(account(withoutRefresh)))).toMatchObject({
      category: 'auth',
      reconnect: true,
    });
  });

  test('the first comment can open a thread on the post', async () => {
    const req = request(account(), 0, { comment_in_thread: true });
    const receipt = await runDelivery(adapter, req);
    const made = await adapter.comment!(commentRequest(req, receipt, 'In a thread'));
    const [reply] = fake.repliesTo(receipt.platformPostId);
    expect(reply).toMatchObject({
      eventId: made.commentId,
      content: {
        'm.relates_to': { rel_type: 'm.thread', event_id: receipt.platformPostId, is_falling_back: true },
      },
    });
  });
});

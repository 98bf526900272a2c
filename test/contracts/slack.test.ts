import { createHash, randomBytes } from 'node:crypto';
import { PIECE_BYTES } from '../../platforms/kit/media-reader';
import { PublishError, type StepState } from '../../platforms/kit/adapter';
import { createSlackAdapter } from '../../platforms/slack/adapter';
import { SlackFake, slackError } from '../../platforms/slack/fake';
import { adapterContract } from './adapter-contract';
import {
  commentRequest,
  FAKE_MP4,
  MediaHost,
  PNG_1X1,
  publishRequest,
  runDelivery,
  testMediaFile,
  type TestMedia,
} from './run-delivery';

const text = (t: string) => ({ text: t, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/a.png' };
const PUBLISH = /^\/api\/(chat\.postMessage|files\.completeUploadExternal)$/;

adapterContract({
  platform: 'slack',
  startFake: () => new SlackFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createSlackAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({ id: 'acc_slack', platform: 'slack', name: 'Slack', credentials: fake.credentials() }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: (credentials) => ({ ...credentials, bot_token: 'xoxb-revoked-token' }),
    profile: () => ({ id: 'C0POSTFLOW1', username: 'postflow', name: '#postflow (Postflow Test)' }),
  },
  post: {
    content: { text: 'Hello from Postflow & friends <3', media: [] },
    options: {},
    media: [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'video/mp4', bytes: FAKE_MP4 },
    ],
  },
  invalid: [
    { name: 'text over 40,000 UTF-16 units', content: text('😀'.repeat(20_001)), fields: ['text'] },
    { name: 'text over 40,000 once escaped', content: text('&'.repeat(10_000)), fields: ['text'] },
    { name: 'eleven media', content: { text: 'hi', media: Array(11).fill(url) }, fields: ['media_ids'] },
    { name: 'neither text nor media', content: text(' '), fields: ['text'] },
    {
      name: 'a file over 1 GB',
      content: { text: 'hi', media: [url] },
      media: [{ kind: 'video', contentType: 'video/mp4', sizeBytes: 1024 ** 3 + 1 }],
      fields: ['media[0]'],
    },
    {
      name: 'options that are not booleans, a thread_ts that is no ts',
      content: text('hi'),
      options: { unfurl_links: 'yes', unfurl_media: 1, thread_ts: '12345' },
      fields: ['platform_data.unfurl_links', 'platform_data.unfurl_media', 'platform_data.thread_ts'],
    },
    {
      name: 'blocks that are not an array of 1–50 blocks',
      content: text('hi'),
      options: { blocks: Array(51).fill({ type: 'divider' }) },
      fields: ['platform_data.blocks'],
    },
    {
      name: 'a block without a type, a block_id over 255 characters',
      content: text('hi'),
      options: { blocks: [{ text: 'x' }, { type: 'divider', block_id: 'b'.repeat(256) }] },
      fields: ['platform_data.blocks[0].type', 'platform_data.blocks[1].block_id'],
    },
    {
      name: 'blocks on a post with media',
      content: { text: 'hi', media: [url] },
      options: { blocks: [{ type: 'divider' }] },
      fields: ['platform_data.blocks'],
    },
    {
      name: 'unfurl settings on a post with media',
      content: { text: 'hi', media: [url] },
      options: { unfurl_links: false },
      fields: ['platform_data.unfurl_links'],
    },
  ],
  publishCall: { method: 'POST', path: PUBLISH },
  // The suite's posts are no thread replies: the ones in a thread are its first comments.
  published: (fake) =>
    fake.posts.filter((p) => !p.threadTs).map((p) => ({ id: p.id, text: p.text, media: p.files.length })),
  errors: {
    validation: slackError('msg_too_long'),
    auth: slackError('invalid_auth'),
    rateLimit: { ...slackError('ratelimited', 429, { 'retry-after': '30' }), expectedRetryAfterMs: 30_000 },
    server: slackError('internal_error', 500),
  },
  comments: {
    call: { method: 'POST', path: '/api/chat.postMessage' },
    under: (fake, id) =>
      fake.posts.filter((p) => p.threadTs === id.split('/')[0]).map((p) => ({ id: p.id, text: p.text })),
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('slack specifics', () => {
  let fake: SlackFake;
  const host = new MediaHost();
  const adapter = () => createSlackAdapter({ baseUrl: fake.url });
  const account = () => ({ id: 'acc_s', platform: 'slack', name: 'S', credentials: fake.credentials() });
  const request = (
    content: { text: string },
    options: Record<string, unknown> = {},
    media: TestMedia[] = [],
    acc = account(),
  ) => publishRequest(acc, { ...content, media: [] }, options, host.serve(media));
  const deliver = (...args: Parameters<typeof request>) => runDelivery(adapter(), request(...args));
  const signal = new AbortController().signal;
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (err: unknown) => {
        expect(err).toBeInstanceOf(PublishError);
        return (err as PublishError).failure;
      },
    );

  beforeAll(async () => {
    fake = await new SlackFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  test('a file of several MB is sent to its upload URL as read from the file, never loaded', async () => {
    const movie = randomBytes(2 * PIECE_BYTES + 7);
    const file = testMediaFile({ contentType: 'video/mp4', bytes: movie });
    const req = publishRequest(account(), { text: 'A long clip', media: [file.ref] }, {}, [file]);
    await runDelivery(adapter(), req);
    expect(file.usage).toEqual({ loads: 0, opens: 1, reads: 3, bytesRead: movie.length });
    expect(fake.posts.at(-1)!.files).toEqual([
      expect.objectContaining({
        bytes: movie.length,
        posts: 1,
        sha256: createHash('sha256').update(movie).digest('hex'),
      }),
    ]);
  });
  test("metrics of a post made as a thread reply are the reply's own, though its thread's parent comes first", async () => {
    const parent = await deliver(text('The parent'));
    fake.reactions.set(parent.platformPostId, { eyes: 9 });
    const reply = await deliver(text('A reply'), { thread_ts: parent.platformPostId });
    fake.reactions.set(reply.platformPostId, { thumbsup: 2 });
    expect(await adapter().fetchMetrics!({ account: account(), post: reply, signal })).toEqual({
      likes: 2,
      comments: 0,
      shares: 0,
      saves: 0,
      extra: {},
    });
    expect(await adapter().fetchMetrics!({ account: account(), post: parent, signal })).toMatchObject({
      likes: 9,
      comments: 1,
    });
  });

  test('a text post is one chat.postMessage, escaped, with its options; its link is chat.getPermalink', async () => {
    const receipt = await deliver(text('<!channel> Tom & Jerry'), {
      unfurl_links: false,
      unfurl_media: true,
      thread_ts: '1712345678.000100',
    });
    const post = fake.posts.at(-1)!;
    expect(post).toMatchObject({
      text: '<!channel> Tom & Jerry',
      threadTs: '1712345678.000100',
      unfurlLinks: false,
      unfurlMedia: true,
      files: [],
    });
    expect(receipt).toMatchObject({
      platformPostId: post.ts,
      permalink: `https://postflow-test.slack.com/archives/C0POSTFLOW1/p${post.ts.replace('.', '')}`,
      metadata: { channel_id: 'C0POSTFLOW1', ts: post.ts },
    });
    expect(receipt.publishedAt).toBe(new Date(Number(post.ts) * 1000).toISOString());
  });

  test('media are uploaded in prepare, unshared, and shared in one message by the publish call', async () => {
    const acc = account();
    const req = request(
      text('Two files'),
      {},
      [
        { contentType: 'image/png', bytes: PNG_1X1 },
        { contentType: 'video/mp4', bytes: FAKE_MP4 },
      ],
      acc,
    );
    const slack = adapter();
    const prepared = await slack.prepare!(req);
    expect(prepared).toEqual({
      ready: { file_ids: [expect.stringMatching(/^F/), expect.stringMatching(/^F/)] },
    });
    const before = fake.posts.length;
    expect(fake.posts).toHaveLength(before); // nothing visible yet
    // Slack shares asynchronously: files.info lists no share at first; checkPublished asks again.
    fake.shareDelayReads = 1;
    const published = await slack.publish(req, (prepared as { ready: Record<string, string[]> }).ready);
    expect(published).toMatchObject({ processing: { channel: 'C0POSTFLOW1', polls: 0 } });
    const state = (published as { processing: StepState }).processing;
    const again = await slack.checkPublished!(req, state);
    expect(again).toMatchObject({ processing: { polls: 1 }, pollAfterMs: 1000 });
    const receipt = await slack.checkPublished!(req, (again as { processing: StepState }).processing);
    const post = fake.posts.at(-1)!;
    expect(post.files.map((f) => f.bytes)).toEqual([PNG_1X1.length, FAKE_MP4.length]);
    expect(post.files.map((f) => f.name)).toEqual(['media-1.png', 'media-2.mp4']);
    expect(receipt).toMatchObject({
      platformPostId: `${post.ts}/${post.files.map((f) => f.id).join(',')}`,
      metadata: { ts: post.ts, file_ids: post.files.map((f) => f.id) },
    });

    // Reconcile with what prepare made asks about those very files.
    const calls = fake.requests.length;
    expect((await slack.findExisting!(req, { file_ids: state.file_ids }))?.platformPostId).toBe(post.id);
    expect(fake.requests.slice(calls).map((r) => r.path)).toEqual([
      '/api/files.info',
      '/api/chat.getPermalink',
    ]);

    // Delete removes the message and the files.
    expect(await slack.unpublish!({ account: acc, platformPostId: post.id, signal })).toBe('deleted');
    const deletes = fake.requests.slice(calls + 2).map((r) => r.path);
    expect(deletes).toEqual(['/api/chat.delete', '/api/files.delete', '/api/files.delete']);
    expect(fake.posts.some((p) => p.id === post.id)).toBe(false);
  });

  test('files shared without text are one message with the files alone', async () => {
    await deliver(text(''), {}, [{ contentType: 'image/png', bytes: PNG_1X1 }]);
    expect(fake.posts.at(-1)).toMatchObject({ text: '', files: [{ name: 'media-1.png' }] });
  });

  test('reconcile finds a thread reply in its thread, and never another bot’s message', async () => {
    const thread = { thread_ts: '1712345678.000200' };
    const req = request(text('In the thread'), thread);
    fake.inject({ path: /chat\.postMessage$/ }, { kind: 'lose-answer' });
    expect((await failureOf(runDelivery(adapter(), req))).outcomeUnknown).toBe(true);
    const post = fake.posts.at(-1)!;
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(post.ts);
    // The same text outside the thread is another post.
    expect(await adapter().findExisting!(request(text('In the thread')))).toBeNull();
  });

  test('reconcile pages through a busy channel; past 1,000 messages it is unsearchable, never absent', async () => {
    const req = request(text('Behind the chatter'));
    fake.inject({ path: /chat\.postMessage$/ }, { kind: 'lose-answer' });
    expect((await failureOf(runDelivery(adapter(), req))).outcomeUnknown).toBe(true);
    const post = fake.posts.at(-1)!;
    for (let i = 0; i < 250; i++) fake.chatter(`chatter ${i}`);
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(post.ts);
    for (let i = 0; i < 800; i++) fake.chatter(`more chatter ${i}`);
    expect((await failureOf(adapter().findExisting!(req))).code).toBe('platform.slack.unsearchable');
  });

  test('a first comment behind a full page of replies in its thread is found', async () => {
    const req = request(text('A busy thread'));
    const receipt = await runDelivery(adapter(), req);
    const first = commentRequest(req, receipt, 'The first comment');
    const made = await adapter().comment!(first);
    for (let i = 0; i < 150; i++) fake.chatter(`reply ${i}`, receipt.platformPostId);
    expect((await adapter().findComment!(first))?.commentId).toBe(made.commentId);
  });

  test('a permalink Slack will not give leaves the message published, with a warning', async () => {
    fake.inject({ path: /chat\.getPermalink$/ }, slackError('internal_error', 500));
    const receipt = await deliver(text('Linkless'));
    expect(receipt).toMatchObject({ platformPostId: fake.posts.at(-1)!.ts, permalink: '' });
    expect(receipt.warnings).toEqual([
      expect.objectContaining({ code: 'platform.slack.permalink_unavailable' }),
    ]);
  });

  test("a first comment on a thread reply goes into that thread (Slack's threads are one level deep)", async () => {
    const thread = { thread_ts: '1712345678.000300' };
    const req = request(text('A reply'), thread);
    const receipt = await runDelivery(adapter(), req);
    const first = commentRequest(req, receipt, 'Its first comment');
    const made = await adapter().comment!(first);
    expect(fake.posts.at(-1)).toMatchObject({ ts: made.commentId, threadTs: '1712345678.000300' });
    expect(made.permalink).toContain(made.commentId.replace('.', ''));
    expect((await adapter().findComment!(first))?.commentId).toBe(made.commentId);
    // The post itself is in the thread too; only a reply with the comment's text is the comment.
    expect(await adapter().findComment!(commentRequest(req, receipt, 'A reply'))).toBeNull();
  });

  test('a revoked token means reconnecting; a bot not in the channel is told how to fix it', async () => {
    fake.inject({ path: PUBLISH }, slackError('token_revoked'));
    const revoked = await failureOf(deliver(text('Hi')));
    expect(revoked).toMatchObject({ category: 'auth', code: 'platform.slack.auth', reconnect: true });
    expect(revoked.refreshable).toBeUndefined();

    fake.removedFromChannel = true;
    try {
      const outside = await failureOf(deliver(text('Hi')));
      expect(outside).toMatchObject({
        category: 'auth',
        code: 'platform.slack.not_in_channel',
        retryable: false,
      });
      expect(outside.reconnect).toBeUndefined();
      expect(outside.message).toMatch(/not_in_channel.*\/invite/);
    } finally {
      fake.removedFromChannel = false;
    }
  });

  test('blocks go with the message as given, the text beside them; Slack’s refusal is quoted', async () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'Launch day' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*We shipped.* Read more below.' } },
    ];
    const receipt = await deliver(text('Launch day: we shipped.'), { blocks });
    const post = fake.posts.at(-1)!;
    expect(post).toMatchObject({ text: 'Launch day: we shipped.', blocks });
    expect(receipt.platformPostId).toBe(post.ts);
    // Found again by its text after a lost answer, blocks or not.
    fake.inject({ path: PUBLISH }, { kind: 'lose-answer' });
    const lost = request(text('Blocks, answer lost'), { blocks });
    expect((await failureOf(runDelivery(adapter(), lost))).outcomeUnknown).toBe(true);
    expect((await adapter().findExisting!(lost))?.platformPostId).toBe(fake.posts.at(-1)!.ts);

    const tooLong = [{ type: 'section', text: { type: 'mrkdwn', text: 'x'.repeat(3001) } }];
    const refused = await failureOf(deliver(text('Too long'), { blocks: tooLong }));
    expect(refused).toMatchObject({ category: 'validation', code: 'platform.slack.invalid_blocks' });
    expect(refused.message).toContain('/blocks/0/text/text');
    expect(fake.posts.at(-1)!.text).not.toBe('Too long');
  });

  test('the errors of the table: channel not found, archived, no text, a missing scope', async () => {
    const acc = account();
    const wrong = await failureOf(
      deliver(text('Hi'), {}, [], { ...acc, credentials: { ...acc.credentials, channel_id: 'C0NOWHERE99' } }),
    );
    expect(wrong).toMatchObject({ category: 'validation', code: 'platform.slack.channel_not_found' });
    expect(wrong.message).toContain('channel_id');

    fake.inject({ path: PUBLISH }, slackError('is_archived'));
    expect(await failureOf(deliver(text('Hi')))).toMatchObject({ code: 'platform.slack.is_archived' });
    fake.inject({ path: PUBLISH }, slackError('no_text'));
    expect(await failureOf(deliver(text('Hi')))).toMatchObject({ code: 'platform.slack.no_text' });
    fake.inject(
      { path: PUBLISH },
      { status: 200, body: { ok: false, error: 'missing_scope', needed: 'chat:write' } },
    );
    const scope = await failureOf(deliver(text('Hi')));
    expect(scope).toMatchObject({ category: 'auth', code: 'platform.slack.missing_scope' });
    expect(scope.message).toContain('needs chat:write');
  });

  test('a message the bot may not delete stays live: not_supported', async () => {
    const acc = account();
    const receipt = await deliver(text('Keep me'), {}, [], acc);
    fake.inject({ path: /chat\.delete$/ }, slackError('cant_delete_message'));
    expect(await adapter().unpublish!({ account: acc, platformPostId: receipt.platformPostId, signal })).toBe(
      'not_supported',
    );
  });

  test('an account without a usable bot token or channel fails before any call, never quoting the token', async () => {
    const calls = fake.requests.length;
    const noToken = await failureOf(
      deliver(text('Hi'), {}, [], {
        ...account(),
        credentials: { bot_token: 'xoxp-user', channel_id: 'C0POSTFLOW1' },
      }),
    );
    expect(noToken).toMatchObject({ category: 'validation', code: 'platform.slack.bot_token' });
    expect(noToken.message).not.toContain('xoxp-user');
    const acc = account();
    const noChannel = await failureOf(
      deliver(text('Hi'), {}, [], { ...acc, credentials: { ...acc.credentials, channel_id: '#general' } }),
    );
    expect(noChannel).toMatchObject({ category: 'validation', code: 'platform.slack.channel_id' });
    expect(fake.requests.length).toBe(calls);
  });
});

import { trace } from '@opentelemetry/api';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { PublishError } from '../../platforms/kit/adapter';
import { createTelegramAdapter } from '../../platforms/telegram/adapter';
import { TelegramFake, telegramError } from '../../platforms/telegram/fake';
import { adapterContract } from './adapter-contract';
import {
  commentRequest,
  FAKE_MP4,
  MediaHost,
  PNG_1X1,
  publishRequest,
  runDelivery,
  type TestMedia,
} from './run-delivery';

const text = (t: string) => ({ text: t, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/a.png' };
const SEND = /^\/bot[^/]+\/send(Message|Photo|Video|MediaGroup)$/;

adapterContract({
  platform: 'telegram',
  startFake: () => new TelegramFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createTelegramAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({
    id: 'acc_telegram',
    platform: 'telegram',
    name: 'Telegram',
    credentials: fake.credentials(),
  }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: (credentials) => ({ ...credentials, bot_token: '7000000001:AAE_revoked-token' }),
    profile: () => ({ id: '-1001234567890', username: 'postflow_news', name: 'Postflow News' }),
  },
  post: {
    content: { text: 'Hello from Postflow & friends <3', media: [] },
    options: { disable_notification: true },
    media: [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'video/mp4', bytes: FAKE_MP4 },
    ],
  },
  invalid: [
    { name: 'text over 4096 UTF-16 units', content: text('😀'.repeat(2049)), fields: ['text'] },
    { name: 'a caption over 1024', content: { text: 'x'.repeat(1025), media: [url] }, fields: ['text'] },
    { name: 'eleven media', content: { text: 'hi', media: Array(11).fill(url) }, fields: ['media_ids'] },
    { name: 'neither text nor media', content: text(' '), fields: ['text'] },
    {
      name: 'a GIF and a QuickTime video',
      content: { text: 'hi', media: [url, url] },
      media: [
        { kind: 'image', contentType: 'image/gif' },
        { kind: 'video', contentType: 'video/quicktime' },
      ],
      fields: ['media[0]', 'media[1]'],
    },
    {
      name: 'a photo over 10 MB',
      content: { text: 'hi', media: [url] },
      media: [{ kind: 'image', contentType: 'image/png', sizeBytes: 11 * 1024 * 1024 }],
      fields: ['media[0]'],
    },
    {
      name: 'legacy Markdown',
      content: text('hi'),
      options: { parse_mode: 'Markdown' },
      fields: ['platform_data.parse_mode'],
    },
    {
      name: 'entities with parse_mode',
      content: text('hi'),
      options: { parse_mode: 'HTML', entities: [{ type: 'bold', offset: 0, length: 2 }] },
      fields: ['platform_data.entities'],
    },
    {
      name: 'entities of an unknown type, past the text, a text_link without url',
      content: text('hello'),
      options: {
        entities: [
          { type: 'blink', offset: 0, length: 1 },
          { type: 'bold', offset: 3, length: 5 },
          { type: 'text_link', offset: 0, length: 5 },
        ],
      },
      fields: [
        'platform_data.entities[0].type',
        'platform_data.entities[1]',
        'platform_data.entities[2].url',
      ],
    },
    {
      name: 'options that are not booleans',
      content: text('hi'),
      options: { disable_notification: 'yes', disable_web_page_preview: 1 },
      fields: ['platform_data.disable_notification', 'platform_data.disable_web_page_preview'],
    },
    {
      name: 'a link preview setting on a post with media',
      content: { text: 'hi', media: [url] },
      options: { disable_web_page_preview: true },
      fields: ['platform_data.disable_web_page_preview'],
    },
  ],
  publishCall: { method: 'POST', path: SEND },
  published: (fake) =>
    fake.posts.filter((p) => !p.replyTo).map((p) => ({ id: p.id, text: p.text, media: p.media.length })),
  errors: {
    validation: telegramError(400, 'Bad Request: message is too long'),
    auth: telegramError(401, 'Unauthorized'),
    rateLimit: {
      ...telegramError(429, 'Too Many Requests: retry after 30', { retry_after: 30 }),
      expectedRetryAfterMs: 30_000,
    },
    server: telegramError(500, 'Internal Server Error'),
  },
  comments: {
    call: { method: 'POST', path: /\/sendMessage$/ },
    under: (fake, id) =>
      fake.posts
        .filter((p) => p.replyTo === Number(id.split(',')[0]))
        .map((p) => ({ id: p.id, text: p.text })),
  },
  reconciles: false,
  refreshes: false,
  unpublishes: true,
});

describe('telegram specifics', () => {
  let fake: TelegramFake;
  const host = new MediaHost();
  const adapter = () => createTelegramAdapter({ baseUrl: fake.url });
  const account = () => ({ id: 'acc_t', platform: 'telegram', name: 'T', credentials: fake.credentials() });
  const deliver = (
    content: { text: string },
    options: Record<string, unknown> = {},
    media: TestMedia[] = [],
    acc = account(),
  ) => runDelivery(adapter(), publishRequest(acc, { ...content, media: [] }, options, host.serve(media)));
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
    fake = await new TelegramFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  test('a text post is one sendMessage with its options; its link is t.me/<channel>/<id>', async () => {
    const receipt = await deliver(text('Plain *not bold*'), {
      parse_mode: 'HTML',
      disable_notification: true,
      disable_web_page_preview: true,
    });
    const post = fake.posts.at(-1)!;
    expect(post).toMatchObject({
      text: 'Plain *not bold*',
      silent: true,
      parseMode: 'HTML',
      previewDisabled: true,
      media: [],
    });
    expect(receipt).toMatchObject({
      platformPostId: post.id,
      permalink: `https://t.me/postflow_news/${post.id}`,
      metadata: { chat_id: '-1001234567890', message_ids: [post.id] },
    });
  });

  test('entities format the text without markup: entities on a message, caption_entities with media', async () => {
    // Offsets count UTF-16 units: the emoji is two.
    const entities = [
      { type: 'bold', offset: 3, length: 6 },
      { type: 'text_link', offset: 10, length: 4, url: 'https://postflow.dev' },
    ];
    await deliver(text('🚀 Launch docs'), { entities });
    expect(fake.posts.at(-1)).toMatchObject({ text: '🚀 Launch docs', entities });
    expect(fake.posts.at(-1)!.parseMode).toBeUndefined();
    await deliver(text('🚀 Launch docs'), { entities }, [{ contentType: 'image/png', bytes: PNG_1X1 }]);
    expect(fake.posts.at(-1)).toMatchObject({ text: '🚀 Launch docs', entities, media: [{ type: 'photo' }] });
    const album = Array(2).fill({ contentType: 'image/png', bytes: PNG_1X1 });
    await deliver(text('🚀 Launch docs'), { entities }, album);
    expect(fake.posts.at(-1)).toMatchObject({
      entities,
      messageIds: [expect.any(Number), expect.any(Number)],
    });
    // What Telegram cannot apply fails for good, saying how to fix it.
    fake.inject(
      { path: /sendMessage$/ },
      telegramError(400, "Bad Request: can't parse entities: bad offset"),
    );
    const refused = await failureOf(deliver(text('🚀 Launch docs'), { entities }));
    expect(refused).toMatchObject({ category: 'validation', code: 'platform.telegram.parse_error' });
    expect(refused.message).toContain('entities');
  });

  test('without parse_mode the text goes out as written (no formatting is applied)', async () => {
    await deliver(text('<b>literal</b>'));
    expect(fake.posts.at(-1)).toMatchObject({
      text: '<b>literal</b>',
      silent: false,
      previewDisabled: false,
    });
    expect(fake.posts.at(-1)!.parseMode).toBeUndefined();
  });

  test('one photo or one video is uploaded with the text as its caption', async () => {
    await deliver(text('A pixel'), {}, [{ contentType: 'image/png', bytes: PNG_1X1 }]);
    expect(fake.posts.at(-1)).toMatchObject({
      text: 'A pixel',
      media: [{ type: 'photo', contentType: 'image/png' }],
    });
    await deliver(text(''), {}, [{ contentType: 'video/mp4', bytes: FAKE_MP4 }]);
    expect(fake.posts.at(-1)).toMatchObject({ text: '', media: [{ type: 'video', bytes: FAKE_MP4.length }] });
  });

  test('an album is one sendMediaGroup; its receipt lists every message, and delete removes them all', async () => {
    const acc = account();
    const media = Array(3).fill({ contentType: 'image/png', bytes: PNG_1X1 });
    const receipt = await deliver(text('Three pixels'), { parse_mode: 'MarkdownV2' }, media, acc);
    const post = fake.posts.at(-1)!;
    expect(post.messageIds).toHaveLength(3);
    expect(post).toMatchObject({ text: 'Three pixels', parseMode: 'MarkdownV2' });
    expect(receipt.platformPostId).toBe(post.messageIds.join(','));
    expect(receipt.metadata!.message_ids).toEqual(post.messageIds.map(String));
    expect(receipt.permalink).toBe(`https://t.me/postflow_news/${post.messageIds[0]}`);

    const signal = new AbortController().signal;
    const deletes = fake.requests.length;
    expect(await adapter().unpublish!({ account: acc, platformPostId: receipt.platformPostId, signal })).toBe(
      'deleted',
    );
    expect(fake.requests.slice(deletes).filter((r) => r.path.endsWith('/deleteMessage'))).toHaveLength(3);
    expect(fake.posts.some((p) => p.id === post.id)).toBe(false);
  });

  test("an album's first comment replies to its first message, as plain text, as silent as the post", async () => {
    const acc = account();
    const media = Array(2).fill({ contentType: 'image/png', bytes: PNG_1X1 });
    const options = { parse_mode: 'MarkdownV2', disable_notification: true };
    const req = publishRequest(acc, text('Two pixels'), options, host.serve(media));
    const receipt = await runDelivery(adapter(), req);
    const post = fake.posts.at(-1)!;
    const made = await adapter().comment!(commentRequest(req, receipt, 'Plain *not bold*'));
    expect(fake.posts.at(-1)).toMatchObject({
      id: made.commentId,
      replyTo: post.messageIds[0],
      text: 'Plain *not bold*',
      silent: true,
    });
    expect(fake.posts.at(-1)!.parseMode).toBeUndefined();
    expect(made.permalink).toBe(`https://t.me/postflow_news/${made.commentId}`);
    expect(adapter().findComment).toBeUndefined();
  });

  test('a comment on a post deleted meanwhile fails for good', async () => {
    const acc = account();
    const req = publishRequest(acc, text('Soon gone'), {}, []);
    const receipt = await runDelivery(adapter(), req);
    const signal = new AbortController().signal;
    await adapter().unpublish!({ account: acc, platformPostId: receipt.platformPostId, signal });
    const failure = await failureOf(adapter().comment!(commentRequest(req, receipt, 'Too late')));
    expect(failure).toMatchObject({ category: 'validation', retryable: false, outcomeUnknown: false });
  });

  test('a message Telegram will not delete stays live: not_supported', async () => {
    const acc = account();
    const receipt = await deliver(text('Keep me'), {}, [], acc);
    fake.inject({ path: /\/deleteMessage$/ }, telegramError(400, "Bad Request: message can't be deleted"));
    const signal = new AbortController().signal;
    expect(await adapter().unpublish!({ account: acc, platformPostId: receipt.platformPostId, signal })).toBe(
      'not_supported',
    );
  });

  test('a private channel links through t.me/c/<id without -100>; a basic group has no link', async () => {
    const chat = (c: object) => ({
      status: 200,
      body: { ok: true, result: { message_id: 77, date: 1_700_000_000, chat: c } },
    });
    fake.inject({ path: SEND }, chat({ id: -1009876543210, type: 'channel', title: 'Private' }));
    expect((await deliver(text('Secret'))).permalink).toBe('https://t.me/c/9876543210/77');
    fake.inject({ path: SEND }, chat({ id: -4242, type: 'group', title: 'Friends' }));
    const receipt = await deliver(text('Hi'));
    expect(receipt).toMatchObject({
      platformPostId: '77',
      permalink: '',
      publishedAt: '2023-11-14T22:13:20.000Z',
    });
  });

  test('a revoked token means reconnecting; a bot removed from the channel is told how to fix it', async () => {
    const revoked = await failureOf(
      deliver(text('Hi'), {}, [], {
        ...account(),
        credentials: { bot_token: '1:revoked', chat_id: '@postflow_news' },
      }),
    );
    expect(revoked).toMatchObject({ category: 'auth', code: 'platform.telegram.auth', reconnect: true });
    expect(revoked.message).not.toContain('1:revoked');

    fake.removedFromChannel = true;
    try {
      const forbidden = await failureOf(deliver(text('Hi')));
      expect(forbidden).toMatchObject({
        category: 'auth',
        code: 'platform.telegram.forbidden',
        retryable: false,
      });
      expect(forbidden.reconnect).toBeUndefined();
      expect(forbidden.message).toMatch(/not a member.*administrator/);
    } finally {
      fake.removedFromChannel = false;
    }
  });

  test('the errors of the table: chat not found, a migrated group, bad formatting, bad media', async () => {
    const acc = account();
    const wrongChat = await failureOf(
      deliver(text('Hi'), {}, [], { ...acc, credentials: { ...acc.credentials, chat_id: '@nobody_here' } }),
    );
    expect(wrongChat).toMatchObject({ category: 'validation', code: 'platform.telegram.chat_not_found' });

    fake.inject(
      { path: SEND },
      telegramError(400, 'Bad Request: group chat was upgraded to a supergroup chat', {
        migrate_to_chat_id: -1001111111111,
      }),
    );
    const migrated = await failureOf(deliver(text('Hi')));
    expect(migrated).toMatchObject({ code: 'platform.telegram.chat_migrated', outcomeUnknown: false });
    expect(migrated.message).toContain('-1001111111111');

    fake.inject({ path: SEND }, telegramError(400, "Bad Request: can't parse entities: unclosed tag"));
    expect(await failureOf(deliver(text('<b>'), { parse_mode: 'HTML' }))).toMatchObject({
      code: 'platform.telegram.parse_error',
    });

    const bad = await failureOf(
      deliver(text('Not a picture'), {}, [{ contentType: 'image/png', bytes: Buffer.from('nope') }]),
    );
    expect(bad).toMatchObject({
      category: 'validation',
      code: 'platform.telegram.invalid_media',
      retryable: false,
    });
    expect(bad.message).toContain('IMAGE_PROCESS_FAILED');
  });

  test('an account without a usable bot token or chat fails before any call', async () => {
    const calls = fake.requests.length;
    const noToken = await failureOf(
      deliver(text('Hi'), {}, [], { ...account(), credentials: { bot_token: 'x/y', chat_id: '@c_hat' } }),
    );
    expect(noToken).toMatchObject({ category: 'validation', code: 'platform.telegram.bot_token' });
    const acc = account();
    const noChat = await failureOf(
      deliver(text('Hi'), {}, [], { ...acc, credentials: { ...acc.credentials, chat_id: '' } }),
    );
    expect(noChat).toMatchObject({ category: 'validation', code: 'platform.telegram.chat_id' });
    expect(fake.requests.length).toBe(calls);
  });

  test('the bot token never reaches a span: the path names /bot[redacted]/', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
    try {
      const acc = account();
      await deliver(text('Traced'), {}, [], acc);
      const paths = exporter.getFinishedSpans().map((s) => s.attributes['url.path']);
      expect(paths).toEqual(['/bot[redacted]/sendMessage']);
      expect(JSON.stringify(exporter.getFinishedSpans().map((s) => s.attributes))).not.toContain(
        acc.credentials.bot_token,
      );
    } finally {
      trace.disable();
      await provider.shutdown();
    }
  });
});

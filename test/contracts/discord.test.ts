import { createDiscordAdapter } from '../../platforms/discord/adapter';
import { discordDescriptor } from '../../platforms/discord/descriptor';
import { DiscordFake } from '../../platforms/discord/fake';
import { parseWebhookUrl, redactWebhookToken } from '../../platforms/discord/webhook';
import { nonceOf, snowflakeAt } from '../../platforms/discord/bot';
import { PublishError } from '../../platforms/kit/adapter';
import { adapterContract } from './adapter-contract';
import {
  commentRequest,
  FAKE_MP4,
  PNG_1X1,
  publishRequest,
  runDelivery,
  testMediaFile,
} from './run-delivery';

const text = (t: string) => ({ text: t, media: [] });
const urls = (n: number) => Array(n).fill({ source_type: 'url', source: 'https://e.x/a.png' });
const execute = /^\/api\/v10\/webhooks\/\d+\/[\w-]+$/;
const createMessage = /^\/api\/v10\/channels\/\d+\/messages$/;

/** Discord's documented error answers, alike for webhooks and bots. */
const errors = {
  validation: {
    status: 400,
    body: {
      code: 50035,
      message: 'Invalid Form Body',
      errors: {
        content: {
          _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }],
        },
      },
    },
  },
  auth: { status: 401, body: { message: '401: Unauthorized', code: 0 } },
  rateLimit: {
    status: 429,
    body: { message: 'You are being rate limited.', retry_after: 12.5, global: false },
    headers: { 'retry-after': '13', 'x-ratelimit-reset-after': '12.5', 'x-ratelimit-scope': 'shared' },
    expectedRetryAfterMs: 12_500,
  },
  server: { status: 500, body: { message: '500: Internal Server Error', code: 0 } },
};

adapterContract({
  platform: 'discord',
  mode: 'webhook',
  startFake: () => new DiscordFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createDiscordAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({
    id: 'acc_discord',
    platform: 'discord',
    name: 'Discord',
    credentials: fake.credentials(),
  }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: (credentials) => ({ webhook_url: credentials.webhook_url!.replace(/\/[\w-]+$/, '/revokedtoken') }),
    profile: () => ({ username: 'Postflow', name: 'Postflow' }),
  },
  post: {
    content: { text: 'Hello from Postflow, <everyone> & friends', media: [] },
    options: { username: 'Postflow news', alt_texts: ['A single pixel', 'A clip'], silent: true },
    media: [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'video/mp4', bytes: FAKE_MP4 },
    ],
  },
  invalid: [
    { name: 'text over 2000 characters', content: text('x'.repeat(2001)), fields: ['text'] },
    { name: 'eleven media', content: { text: 'hi', media: urls(11) }, fields: ['media_ids'] },
    {
      name: 'files over 10 MiB together',
      content: { text: 'hi', media: urls(2) },
      media: [
        { kind: 'video', sizeBytes: 6 * 1024 * 1024 },
        { kind: 'video', sizeBytes: 5 * 1024 * 1024 },
      ],
      fields: ['media'],
    },
    { name: 'no text and no media', content: text(' '), fields: ['text'] },
    {
      name: 'an option Discord does not take, and a wrong type',
      content: text('hi'),
      options: { visibility: 'public', silent: 'yes' },
      fields: ['platform_data.visibility', 'platform_data.silent'],
    },
    {
      name: 'a new thread and an existing one at once',
      content: text('hi'),
      options: { thread_name: 'Launch', thread_id: '123' },
      fields: ['platform_data.thread_name'],
    },
    {
      name: 'a username Discord refuses, a bad avatar and thread id',
      content: text('hi'),
      options: { username: 'Discord bot', avatar_url: 'ftp://x/y.png', thread_id: 'general' },
      fields: ['platform_data.username', 'platform_data.avatar_url', 'platform_data.thread_id'],
    },
  ],
  publishCall: { method: 'POST', path: execute },
  published: (fake) => fake.messages.map((m) => ({ id: m.id, text: m.content, media: m.attachments.length })),
  errors,
  reconciles: false,
  refreshes: false,
  unpublishes: true,
});

adapterContract({
  platform: 'discord',
  mode: 'bot',
  startFake: () => new DiscordFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createDiscordAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({
    id: 'acc_discord_bot',
    platform: 'discord',
    name: 'Discord bot',
    credentials: fake.botCredentials(),
  }),
  verify: {
    credentials: (fake) => fake.botCredentials(),
    wrong: (credentials) => ({ ...credentials, bot_token: 'MTrevoked.bot.token' }),
    profile: () => ({ username: 'Postflow', name: '#general' }),
  },
  post: {
    content: { text: 'Hello from the Postflow bot', media: [] },
    options: {
      alt_texts: ['A single pixel', 'A clip'],
      silent: true,
      embeds: [
        {
          title: 'Launch',
          description: 'What is new',
          color: 0x5865f2,
          fields: [{ name: 'When', value: 'Now' }],
        },
      ],
    },
    media: [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'video/mp4', bytes: FAKE_MP4 },
    ],
  },
  invalid: [
    {
      name: 'allowed mentions naming users both ways',
      content: text('hi'),
      options: { allowed_mentions: { parse: ['users'], users: ['1'] } },
      fields: ['platform_data.allowed_mentions'],
    },
    {
      name: 'a mention kind Discord does not have',
      content: text('hi'),
      options: { allowed_mentions: { parse: ['here'], roles: ['admins'] } },
      fields: ['platform_data.allowed_mentions.parse[0]', 'platform_data.allowed_mentions.roles[0]'],
    },
    {
      name: 'eleven embeds',
      content: text('hi'),
      options: { embeds: Array(11).fill({ title: 'x' }) },
      fields: ['platform_data.embeds'],
    },
    {
      name: 'an embed title over 256 and a description over 4096 characters',
      content: text('hi'),
      options: { embeds: [{ title: 't'.repeat(257), description: 'd'.repeat(4097) }] },
      fields: ['platform_data.embeds[0].title', 'platform_data.embeds[0].description'],
    },
    {
      name: 'embeds over 6000 characters together',
      content: text('hi'),
      options: { embeds: [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2001) }] },
      fields: ['platform_data.embeds'],
    },
    {
      name: 'an embed key Discord does not take, a bad color',
      content: text('hi'),
      options: { embeds: [{ title: 'x', video: { url: 'https://e.x/v.mp4' }, color: -1 }] },
      fields: ['platform_data.embeds[0].video', 'platform_data.embeds[0].color'],
    },
  ],
  publishCall: { method: 'POST', path: createMessage },
  published: (fake) =>
    fake.messages
      .filter((m) => m.authorId && !m.referenceId)
      .map((m) => ({ id: m.id, text: m.content, media: m.attachments.length })),
  errors,
  comments: {
    call: { method: 'POST', path: createMessage },
    under: (fake, postId) =>
      fake.messages.filter((m) => m.referenceId === postId).map((m) => ({ id: m.id, text: m.content })),
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('discord bot specifics', () => {
  let fake: DiscordFake;
  beforeAll(async () => {
    fake = await new DiscordFake().start();
  });
  afterAll(() => fake.stop());

  const adapter = () => createDiscordAdapter({ baseUrl: fake.url });
  const account = (credentials = fake.botCredentials()) => ({
    id: 'acc_bot',
    platform: 'discord',
    name: 'Bot',
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

  test('a message carries the delivery nonce, enforced; a repeat answers the same message', async () => {
    const acc = account();
    const a = adapter();
    const req = publishRequest(acc, text('Once only'), { embeds: [{ title: 'Launch' }] }, []);
    const first = await runDelivery(a, req);
    const sent = fake.messages.at(-1)!;
    expect(sent).toMatchObject({
      id: first.platformPostId,
      nonce: nonceOf(req.ref),
      embeds: [{ title: 'Launch' }],
    });
    expect(nonceOf(req.ref).length).toBeLessThanOrEqual(25);
    const again = await runDelivery(a, req);
    expect(again.platformPostId).toBe(first.platformPostId);
    expect(fake.messages.filter((m) => m.nonce === nonceOf(req.ref))).toHaveLength(1);
    const guild = first.permalink.split('/')[4];
    expect(first.permalink).toBe(
      `https://discord.com/channels/${guild}/${acc.credentials.channel_id}/${sent.id}`,
    );
  });

  test('allowed_mentions goes with the message as given', async () => {
    const allowed = { parse: [], users: ['80351110224678912'] };
    await runDelivery(
      adapter(),
      publishRequest(
        account(),
        text('Hi <@80351110224678912> and @everyone'),
        { allowed_mentions: allowed },
        [],
      ),
    );
    expect(fake.messages.at(-1)!.allowedMentions).toEqual(allowed);
  });

  test('a global rate limit waits retry_after (seconds with fractions)', async () => {
    fake.inject(
      { method: 'POST', path: createMessage },
      {
        status: 429,
        body: { message: 'You are being rate limited.', retry_after: 1.5, global: true },
        headers: { 'x-ratelimit-global': 'true', 'retry-after': '2' },
      },
    );
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account(), text('x'), {}, []))),
    ).toMatchObject({
      category: 'rate_limit',
      retryable: true,
      retryAfterMs: 1500,
    });
  });

  test('embeds over the limits Discord checks again are a validation failure naming them', async () => {
    // Past the rules (a post validated before a limit changed): Discord's 50035 answer is quoted.
    const embeds = [{ description: 'd'.repeat(4000) }, { description: 'd'.repeat(2500) }];
    const failure = await failureOf(
      runDelivery(adapter(), publishRequest(account(), text('x'), { embeds }, [])),
    );
    expect(failure).toMatchObject({ category: 'validation', code: 'platform.discord.invalid_form_body' });
    expect(failure.message).toContain('embeds: Embed size exceeds maximum size of 6000');
  });

  test('the first comment is a reply to the post, in its thread too; found again by the bot and text', async () => {
    const acc = account();
    const a = adapter();
    const thread = fake.openBotThread(acc.credentials);
    const req = publishRequest(acc, text('In a thread'), { thread_id: thread }, []);
    const post = await runDelivery(a, req);
    expect(post.platformPostId).toBe(`${thread}/${fake.messages.at(-1)!.id}`);
    const first = commentRequest(req, post, 'More below');
    const made = await a.comment!(first);
    const reply = fake.messages.find((m) => m.id === made.commentId)!;
    expect(reply).toMatchObject({
      channelId: thread,
      referenceId: post.platformPostId.split('/')[1],
      content: 'More below',
    });
    expect(made.permalink).toBe(post.permalink.replace(/\d+$/, made.commentId));
    expect((await a.findComment!(first))?.commentId).toBe(made.commentId);
    // The same text posted by someone else, or not as a reply, is not the comment.
    expect(await a.findComment!(commentRequest(req, post, 'In a thread'))).toBeNull();
    expect(
      await a.unpublish!({ account: acc, platformPostId: post.platformPostId, signal: req.signal }),
    ).toBe('deleted');
    expect(
      await a.unpublish!({ account: acc, platformPostId: post.platformPostId, signal: req.signal }),
    ).toBe('deleted');
  });

  test('reconcile looks only at messages since the delivery began, by the bot', async () => {
    const acc = account();
    const req = publishRequest(acc, text('Lost'), {}, []);
    fake.inject({ method: 'POST', path: createMessage }, { kind: 'lose-answer' });
    expect((await failureOf(runDelivery(adapter(), req))).outcomeUnknown).toBe(true);
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(fake.messages.at(-1)!.id);
    const later = { ...req, since: new Date(Date.now() + 10 * 60_000).toISOString() };
    expect(await adapter().findExisting!(later)).toBeNull();
    const listed = fake.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/messages'));
    expect(listed.length).toBeGreaterThan(0);
    expect(BigInt(snowflakeAt(Date.parse(req.since)))).toBeGreaterThan(0n);
  });

  test('reconcile pages through a busy channel; one too busy to read through is unsearchable, never absent', async () => {
    const acc = account();
    const channel = acc.credentials.channel_id!;
    const req = publishRequest(acc, text('Before the crowd'), {}, []);
    fake.chatter(channel, 150); // before the post, since the delivery began
    fake.inject({ method: 'POST', path: createMessage }, { kind: 'lose-answer' });
    expect((await failureOf(runDelivery(adapter(), req))).outcomeUnknown).toBe(true);
    const id = fake.messages.at(-1)!.id;
    fake.chatter(channel, 250); // and after it
    const found = await adapter().findExisting!(req);
    expect(found?.platformPostId).toBe(id);
    const comment = commentRequest(req, found!, 'Late reply');
    const made = await adapter().comment!(comment); // a third page after the post
    expect((await adapter().findComment!(comment))?.commentId).toBe(made.commentId);
    // 5,000 messages since the delivery began and still not found: no answer it could trust.
    const crowded = account();
    fake.chatter(crowded.credentials.channel_id!, 5_000);
    const lost = publishRequest(crowded, text('Lost in the crowd'), {}, []);
    expect(await failureOf(adapter().findExisting!(lost))).toMatchObject({
      code: 'platform.discord.unsearchable',
      retryable: false,
      outcomeUnknown: false,
    });
  });

  test('webhook-only options are refused for a bot account before any call', async () => {
    const calls = fake.requests.length;
    const failure = await failureOf(
      runDelivery(
        adapter(),
        publishRequest(account(), text('x'), { username: 'News', thread_name: 'T' }, []),
      ),
    );
    expect(failure).toMatchObject({ category: 'validation', code: 'platform.discord.webhook_only_option' });
    expect(failure.message).toContain('username, thread_name');
    expect(fake.requests.length).toBe(calls);
  });

  test('a channel the bot cannot see fails for good without a reconnect; a wrong token asks for one', async () => {
    const acc = account();
    const foreign = account({ ...acc.credentials, channel_id: fake.foreignChannel() });
    expect(await failureOf(runDelivery(adapter(), publishRequest(foreign, text('x'), {}, [])))).toMatchObject(
      {
        category: 'auth',
        code: 'platform.discord.forbidden',
      },
    );
    const wrong = account({ ...acc.credentials, bot_token: 'not-the-token' });
    expect(await failureOf(runDelivery(adapter(), publishRequest(wrong, text('x'), {}, [])))).toMatchObject({
      category: 'auth',
      reconnect: true,
    });
    const half = account({ bot_token: 'x' });
    expect(await failureOf(runDelivery(adapter(), publishRequest(half, text('x'), {}, [])))).toMatchObject({
      code: 'platform.discord.bot_credentials',
      reconnect: true,
    });
  });

  test("the account's own channel gone asks for a reconnect; an unknown thread_id stays the target's failure", async () => {
    const acc = account();
    const gone = account({ ...acc.credentials, channel_id: '9999999999' });
    expect(await failureOf(runDelivery(adapter(), publishRequest(gone, text('x'), {}, [])))).toMatchObject({
      category: 'auth',
      code: 'platform.discord.unknown_channel',
      reconnect: true,
    });
    const thread = publishRequest(acc, text('x'), { thread_id: '9999999999' }, []);
    const failure = await failureOf(runDelivery(adapter(), thread));
    expect(failure).toMatchObject({ category: 'validation', code: 'platform.discord.unknown_channel' });
    expect(failure.reconnect).toBeUndefined();
  });

  test('credentials: a webhook or a bot, each checked by field, never both or neither', () => {
    const check = discordDescriptor.checkCredentials!;
    expect(check({ bot_token: 't', channel_id: '123' })).toEqual([]);
    expect(check({}).map((i) => i.field)).toEqual(['credentials.webhook_url']);
    expect(check({}).at(0)!.message).toContain('bot_token and channel_id');
    expect(check({ bot_token: 't' }).map((i) => i.field)).toEqual(['credentials.channel_id']);
    expect(check({ channel_id: 'general' }).map((i) => i.field)).toEqual([
      'credentials.bot_token',
      'credentials.channel_id',
    ]);
    expect(
      check({ webhook_url: 'https://discord.com/api/webhooks/1/t', bot_token: 't', channel_id: '1' }).map(
        (i) => i.field,
      ),
    ).toEqual(['credentials.webhook_url']);
  });
});

describe('discord specifics', () => {
  let fake: DiscordFake;
  beforeAll(async () => {
    fake = await new DiscordFake().start();
  });
  afterAll(() => fake.stop());

  const adapter = () => createDiscordAdapter({ baseUrl: fake.url });
  const account = (credentials = fake.credentials()) => ({
    id: 'acc_d',
    platform: 'discord',
    name: 'D',
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

  test('a text message goes as JSON with wait=true, with its options; the link names server, channel and message', async () => {
    const acc = account();
    const receipt = await runDelivery(
      adapter(),
      publishRequest(
        acc,
        text('Launch day'),
        { username: 'Launch', suppress_embeds: true, silent: true },
        [],
      ),
    );
    const sent = fake.messages.at(-1)!;
    expect(sent).toMatchObject({ id: receipt.platformPostId, content: 'Launch day', username: 'Launch' });
    expect(sent.flags).toBe((1 << 2) | (1 << 12));
    expect(receipt.permalink).toMatch(
      new RegExp(`^https://discord\\.com/channels/\\d+/${sent.channelId}/${sent.id}$`),
    );
  });

  test('media go as files with their alt texts, in one call', async () => {
    const acc = account();
    const calls = fake.requests.length;
    const files = [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'video/mp4', bytes: FAKE_MP4 },
    ];
    const media = files.map((f, i) => testMediaFile(f, { source_type: 'url', source: `https://e.x/${i}` }));
    await runDelivery(adapter(), publishRequest(acc, text('Two files'), { alt_text: 'A pixel' }, media));
    expect(fake.messages.at(-1)!.attachments).toEqual([
      { filename: 'media-1.png', contentType: 'image/png', size: PNG_1X1.length, description: 'A pixel' },
      { filename: 'media-2.mp4', contentType: 'video/mp4', size: FAKE_MP4.length },
    ]);
    // The webhook read (for the server id) and the message: no upload step.
    expect(fake.requests.slice(calls).map((r) => r.method)).toEqual(['GET', 'POST']);
  });

  test('the webhook is read once per worker', async () => {
    const acc = account();
    const a = adapter();
    await runDelivery(a, publishRequest(acc, text('one'), {}, []));
    const calls = fake.requests.length;
    await runDelivery(a, publishRequest(acc, text('two'), {}, []));
    expect(fake.requests.slice(calls).map((r) => r.method)).toEqual(['POST']);
  });

  test('posts in an existing thread, or opens a forum post, and deletes it there', async () => {
    const acc = account();
    const thread = fake.openThread(acc.credentials.webhook_url!);
    const a = adapter();
    const inThread = await runDelivery(
      a,
      publishRequest(acc, text('In the thread'), { thread_id: thread }, []),
    );
    expect(inThread.platformPostId).toBe(`${thread}/${fake.messages.at(-1)!.id}`);
    const forum = await runDelivery(
      a,
      publishRequest(acc, text('A forum post'), { thread_name: 'Launch' }, []),
    );
    const starter = fake.messages.at(-1)!;
    expect(fake.threads.get(starter.channelId)?.name).toBe('Launch');
    expect(forum.platformPostId).toBe(`${starter.channelId}/${starter.id}`);
    for (const receipt of [inThread, forum]) {
      const del = {
        account: acc,
        platformPostId: receipt.platformPostId,
        signal: new AbortController().signal,
      };
      expect(await a.unpublish!(del)).toBe('deleted');
    }
    expect(fake.messages.filter((m) => m.channelId === thread || m.id === starter.id)).toEqual([]);
  });

  test('metrics of a webhook message: Get Webhook Message, in its thread too; a deleted one is null', async () => {
    const acc = account();
    const thread = fake.openThread(acc.credentials.webhook_url!);
    const a = adapter();
    const signal = new AbortController().signal;
    const post = await runDelivery(a, publishRequest(acc, text('Counted'), { thread_id: thread }, []));
    const id = fake.messages.at(-1)!.id;
    fake.reactions.set(id, { '🔥': 4 });
    expect(await a.fetchMetrics!({ account: acc, post, signal })).toEqual({
      likes: 4,
      comments: 0,
      shares: 0,
      saves: 0,
      extra: {},
    });
    expect(fake.requests.at(-1)).toMatchObject({
      method: 'GET',
      path: expect.stringMatching(new RegExp(`/webhooks/\\d+/[\\w-]+/messages/${id}$`)),
    });
    fake.messages.splice(fake.messages.length - 1, 1);
    expect(await a.fetchMetrics!({ account: acc, post, signal })).toBeNull();
  });

  test("a thread id the channel does not have fails for good, naming Discord's answer", async () => {
    const failure = await failureOf(
      runDelivery(adapter(), publishRequest(account(), text('x'), { thread_id: '42' }, [])),
    );
    expect(failure).toMatchObject({
      category: 'validation',
      code: 'platform.discord.unknown_channel',
      retryable: false,
      outcomeUnknown: false,
    });
  });

  test('a deleted webhook or a wrong token asks for a reconnect, before anything is posted', async () => {
    const gone = account();
    fake.deleteWebhook(gone.credentials.webhook_url!);
    const before = fake.messages.length;
    expect(await failureOf(runDelivery(adapter(), publishRequest(gone, text('x'), {}, [])))).toMatchObject({
      category: 'auth',
      code: 'platform.discord.unknown_webhook',
      reconnect: true,
    });
    const wrong = account();
    const url = wrong.credentials.webhook_url!.replace(/[\w-]+$/, 'not-the-token');
    expect(
      await failureOf(
        runDelivery(adapter(), publishRequest(account({ webhook_url: url }), text('x'), {}, [])),
      ),
    ).toMatchObject({ category: 'auth', code: 'platform.discord.invalid_webhook_token', reconnect: true });
    expect(fake.messages.length).toBe(before);
  });

  test('an account whose webhook_url is not a Discord webhook is refused without a call', async () => {
    const calls = fake.requests.length;
    const failure = await failureOf(
      runDelivery(
        adapter(),
        publishRequest(account({ webhook_url: 'https://example.com/hook' }), text('x'), {}, []),
      ),
    );
    expect(failure).toMatchObject({
      category: 'auth',
      code: 'platform.discord.webhook_url',
      reconnect: true,
    });
    expect(fake.requests.length).toBe(calls);
  });

  test("files over 10 MiB together are refused before the call; Discord's 413 is a validation failure too", async () => {
    const acc = account();
    const big = Buffer.alloc(6 * 1024 * 1024);
    const media = [0, 1].map((i) =>
      testMediaFile(
        { bytes: big, contentType: 'video/mp4' },
        { source_type: 'url', source: `https://e.x/${i}` },
        false,
      ),
    );
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(acc, text('big'), {}, media))),
    ).toMatchObject({
      category: 'validation',
      code: 'platform.discord.too_large',
    });
    fake.inject(
      { method: 'POST', path: execute },
      { status: 413, body: { message: 'Request entity too large', code: 40005 } },
    );
    expect(await failureOf(runDelivery(adapter(), publishRequest(acc, text('x'), {}, [])))).toMatchObject({
      category: 'validation',
      code: 'platform.discord.too_large',
      outcomeUnknown: false,
    });
  });

  test('an invalid form body quotes the fields Discord named', async () => {
    fake.inject(
      { method: 'POST', path: execute },
      {
        status: 400,
        body: {
          code: 50035,
          message: 'Invalid Form Body',
          errors: {
            embeds: {
              0: { title: { _errors: [{ code: 'BASE_TYPE_REQUIRED', message: 'This field is required' }] } },
            },
          },
        },
      },
    );
    const failure = await failureOf(runDelivery(adapter(), publishRequest(account(), text('x'), {}, [])));
    expect(failure.message).toContain('embeds.0.title: This field is required');
  });

  test('webhook URLs: the documented hosts, with or without a version; the token never reaches telemetry', () => {
    for (const host of ['discord.com', 'discordapp.com', 'canary.discord.com', 'ptb.discord.com']) {
      expect(parseWebhookUrl(`https://${host}/api/webhooks/123/abc-DEF_9`)).toEqual({
        id: '123',
        token: 'abc-DEF_9',
      });
    }
    expect(parseWebhookUrl('https://discord.com/api/v10/webhooks/123/tok/')).toEqual({
      id: '123',
      token: 'tok',
    });
    for (const bad of [
      'http://discord.com/api/webhooks/123/tok',
      'https://discord.com.evil.example/api/webhooks/123/tok',
      'https://evil.example/?https://discord.com/api/webhooks/123/tok',
      'https://discord.com/api/webhooks/abc/tok',
      'https://discord.com/api/webhooks/123',
    ]) {
      expect(parseWebhookUrl(bad)).toBeUndefined();
    }
    // POST /v1/accounts and reconnects refuse a URL that is not a webhook's, naming the field.
    const check = discordDescriptor.checkCredentials!;
    expect(check({ webhook_url: 'https://discord.com/api/webhooks/123/tok' })).toEqual([]);
    expect(check({ webhook_url: 'https://example.com/hook' }).map((i) => i.field)).toEqual([
      'credentials.webhook_url',
    ]);
    expect(redactWebhookToken('/api/v10/webhooks/123/s3cret/messages/9')).toBe(
      '/api/v10/webhooks/123/{token}/messages/9',
    );
  });
});

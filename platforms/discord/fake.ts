import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

interface WebhookRecord {
  id: string;
  token: string;
  guildId: string;
  channelId: string;
}

/** A bot application's user, with the channels it was added to. */
interface BotRecord {
  userId: string;
  token: string;
  channels: Set<string>;
}

export interface FakeMessage {
  id: string;
  /** The webhook that posted it; absent for a bot's message. */
  webhookId?: string;
  /** The bot user that posted it; absent for a webhook's message. */
  authorId?: string;
  channelId: string;
  content: string;
  embeds: unknown[];
  /** Bot messages: the nonce sent with it (Discord echoes it in the create answer only). */
  nonce?: string;
  /** A reply: the message it references. */
  referenceId?: string;
  /** Who it may ping, as sent. */
  allowedMentions?: unknown;
  username?: string;
  flags: number;
  attachments: Array<{ filename: string; contentType?: string; size: number; description?: string }>;
  timestamp: string;
}

const MAX_CONTENT = 2000;
const MAX_FILES = 10;
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;
const MAX_EMBEDS = 10;
const MAX_EMBED_CHARS = 6000;
const MAX_NONCE = 25;
/** How long `enforce_nonce` remembers a nonce ("the past few minutes"). */
const NONCE_WINDOW_MS = 5 * 60_000;
const DISCORD_EPOCH_MS = 1_420_070_400_000;

/**
 * Discord's webhook endpoints as documented (discord.com/developers/docs/resources/webhook): Get
 * Webhook with Token, Execute Webhook (JSON or multipart with `payload_json` and `files[n]`;
 * `wait=true` answers the message, otherwise 204), Get and Delete Webhook Message, threads by
 * `thread_id` and forum posts by `thread_name`, and Discord's error bodies (`{ code, message,
 * errors? }`). And a bot's (discord.com/developers/docs/resources/message): Get Current User, Get
 * Channel, Create Message (`nonce` with `enforce_nonce` answers the message already made by the
 * same author with that nonce in the past few minutes; `message_reference` replies), Get Channel
 * Messages (`after`, `limit`; listed messages carry no nonce), Get Channel Message (with its
 * `reactions` and the `thread` started from it), Delete Message, with
 * `Authorization: Bot <token>`, Missing Access for a channel the bot was not added to, and the
 * embed limits. Message ids are snowflakes (their time in the high bits), as `after` needs.
 */
export class DiscordFake extends FakePlatform {
  readonly messages: FakeMessage[] = [];
  /** Reactions on a message (`emoji` → `count`), by message id. */
  readonly reactions = new Map<string, Record<string, number>>();
  /** Messages in the thread started from a message, by that message's id. */
  readonly threadMessages = new Map<string, number>();
  private readonly webhooks = new Map<string, WebhookRecord>();
  private readonly bots = new Map<string, BotRecord>();
  /** Bots' channels, by id, with their server. */
  private readonly channels = new Map<string, { guildId: string }>();
  private lastSnowflake = 0n;
  /** Threads of each webhook's channel, by id. */
  readonly threads = new Map<string, { channelId: string; name: string }>();

  constructor() {
    super('discord');
    this.routes.push(...this.endpoints());
  }

  /** A new webhook of a new channel, as an account's credentials carry it. */
  credentials(): Record<string, string> {
    const hook: WebhookRecord = {
      id: this.snowflake(),
      token: `wh-${this.nextId()}_token`,
      guildId: this.snowflake(),
      channelId: this.snowflake(),
    };
    this.webhooks.set(hook.id, hook);
    return { webhook_url: `https://discord.com/api/webhooks/${hook.id}/${hook.token}` };
  }

  /** A new bot in a new channel of a new server, as a bot account's credentials carry it. */
  botCredentials(): Record<string, string> {
    const channelId = this.snowflake();
    this.channels.set(channelId, { guildId: this.snowflake() });
    const bot: BotRecord = {
      userId: this.snowflake(),
      token: `bot.${this.nextId()}.token`,
      channels: new Set([channelId]),
    };
    this.bots.set(bot.token, bot);
    return { bot_token: bot.token, channel_id: channelId };
  }

  /** A thread of a bot's channel; the bot may post in it. */
  openBotThread(credentials: Record<string, string>, name = 'A thread'): string {
    const id = this.snowflake();
    this.threads.set(id, { channelId: credentials.channel_id!, name });
    this.bots.get(credentials.bot_token!)!.channels.add(id);
    return id;
  }

  /** Another bot's channel: this bot has no access to it. */
  foreignChannel(): string {
    const id = this.snowflake();
    this.channels.set(id, { guildId: this.snowflake() });
    return id;
  }

  /** The bot's user id (the author of its messages). */
  botUserId(credentials: Record<string, string>): string {
    return this.bots.get(credentials.bot_token!)!.userId;
  }

  /** A new snowflake: the time since Discord's epoch in the high bits, always above the last one. */
  private snowflake(): string {
    const now = BigInt(Date.now() - DISCORD_EPOCH_MS) << 22n;
    this.lastSnowflake = now > this.lastSnowflake ? now : this.lastSnowflake + 1n;
    return String(this.lastSnowflake);
  }

  /** `count` messages of other members in `channelId`, as a busy channel has them. */
  chatter(channelId: string, count: number): void {
    const authorId = this.snowflake();
    for (let i = 0; i < count; i++) {
      const message = { id: this.snowflake(), authorId, channelId, content: `chatter ${i}` };
      this.messages.push({
        ...message,
        embeds: [],
        flags: 0,
        attachments: [],
        timestamp: new Date().toISOString(),
      });
    }
  }

  /** An existing thread in the channel of the webhook `webhookUrl` names. */
  openThread(webhookUrl: string, name = 'A thread'): string {
    const hook = this.webhooks.get(webhookUrl.split('/').at(-2)!)!;
    const id = this.snowflake();
    this.threads.set(id, { channelId: hook.channelId, name });
    return id;
  }

  /** The webhook is deleted in Discord (its URL stops working). */
  deleteWebhook(webhookUrl: string): void {
    this.webhooks.delete(webhookUrl.split('/').at(-2)!);
  }

  private endpoints(): Route[] {
    const hooked =
      (handle: (req: FakeRequest, hook: WebhookRecord, params: Record<string, string>) => FakeResponse) =>
      (req: FakeRequest, params: Record<string, string>): FakeResponse => {
        const hook = this.webhooks.get(params.id!);
        if (!hook) return { status: 404, body: { message: 'Unknown Webhook', code: 10015 } };
        if (hook.token !== params.token)
          return { status: 401, body: { message: 'Invalid Webhook Token', code: 50027 } };
        return handle(req, hook, params);
      };
    const webhook = /^\/api\/v10\/webhooks\/(?<id>\d+)\/(?<token>[\w-]+)$/;
    const message = /^\/api\/v10\/webhooks\/(?<id>\d+)\/(?<token>[\w-]+)\/messages\/(?<message>\d+)$/;
    return [
      ...this.botEndpoints(),
      {
        method: 'GET',
        path: webhook,
        handle: hooked((_req, hook) => ({
          status: 200,
          body: {
            id: hook.id,
            type: 1,
            guild_id: hook.guildId,
            channel_id: hook.channelId,
            name: 'Postflow',
            avatar: null,
            application_id: null,
            token: hook.token,
          },
        })),
      },
      { method: 'POST', path: webhook, handle: hooked((req, hook) => this.execute(req, hook)) },
      {
        method: 'GET',
        path: message,
        handle: hooked((req, hook, { message: id }) => {
          const found = this.find(hook, id!, req.query.get('thread_id'));
          return found ? { status: 200, body: this.entity(found) } : unknownMessage;
        }),
      },
      {
        method: 'DELETE',
        path: message,
        handle: hooked((req, hook, { message: id }) => {
          const found = this.find(hook, id!, req.query.get('thread_id'));
          if (!found) return unknownMessage;
          this.messages.splice(this.messages.indexOf(found), 1);
          return { status: 204 };
        }),
      },
    ];
  }

  private execute(req: FakeRequest, hook: WebhookRecord): FakeResponse {
    const { payload, files } = messageBody(req);
    const refused = refusal(payload, files);
    if (refused) return refused;
    const content = String(payload.content ?? '');

    let channelId = hook.channelId;
    const threadId = req.query.get('thread_id');
    if (threadId) {
      if (this.threads.get(threadId)?.channelId !== hook.channelId)
        return { status: 400, body: { message: 'Unknown Channel', code: 10003 } };
      channelId = threadId;
    }
    const id = this.snowflake();
    if (payload.thread_name) {
      // A forum post: the thread's id is its starter message's.
      this.threads.set(id, { channelId: hook.channelId, name: String(payload.thread_name) });
      channelId = id;
    }
    const described = Array.isArray(payload.attachments) ? payload.attachments : [];
    const stored: FakeMessage = {
      id,
      webhookId: hook.id,
      channelId,
      content,
      embeds: Array.isArray(payload.embeds) ? payload.embeds : [],
      ...(payload.username ? { username: String(payload.username) } : {}),
      flags: Number(payload.flags ?? 0),
      attachments: attachmentsOf(files, described),
      timestamp: new Date().toISOString(),
    };
    this.messages.push(stored);
    // Without wait=true Discord answers before the message is saved, and with no body.
    return req.query.get('wait') === 'true' ? { status: 200, body: this.entity(stored) } : { status: 204 };
  }

  private botEndpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest, bot: BotRecord, params: Record<string, string>) => FakeResponse) =>
      (req: FakeRequest, params: Record<string, string>): FakeResponse => {
        const token = /^Bot (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
        const bot = token ? this.bots.get(token) : undefined;
        if (!bot) return { status: 401, body: { message: '401: Unauthorized', code: 0 } };
        return handle(req, bot, params);
      };
    /** The channel (or thread) the bot may use, or Discord's answer why not. */
    const inChannel = (
      handle: (
        req: FakeRequest,
        bot: BotRecord,
        channel: string,
        params: Record<string, string>,
      ) => FakeResponse,
    ) =>
      authed((req, bot, params) => {
        const channel = params.channel!;
        if (!this.channels.has(channel) && !this.threads.has(channel))
          return { status: 404, body: { message: 'Unknown Channel', code: 10003 } };
        if (!bot.channels.has(channel))
          return { status: 403, body: { message: 'Missing Access', code: 50001 } };
        return handle(req, bot, channel, params);
      });
    const channel = /^\/api\/v10\/channels\/(?<channel>\d+)$/;
    const messages = /^\/api\/v10\/channels\/(?<channel>\d+)\/messages$/;
    const message = /^\/api\/v10\/channels\/(?<channel>\d+)\/messages\/(?<message>\d+)$/;
    return [
      {
        method: 'GET',
        path: '/api/v10/users/@me',
        handle: authed((_req, bot) => ({
          status: 200,
          body: { id: bot.userId, username: 'Postflow', discriminator: '0', bot: true },
        })),
      },
      {
        method: 'GET',
        path: channel,
        handle: inChannel((_req, _bot, id) => {
          const parent = this.threads.get(id)?.channelId;
          const guild = this.channels.get(parent ?? id)!.guildId;
          return { status: 200, body: { id, type: parent ? 11 : 0, guild_id: guild, name: 'general' } };
        }),
      },
      { method: 'POST', path: messages, handle: inChannel((req, bot, id) => this.create(req, bot, id)) },
      {
        method: 'GET',
        path: messages,
        handle: inChannel((req, _bot, id) => {
          const after = BigInt(req.query.get('after') ?? '0');
          const limit = Math.min(Number(req.query.get('limit') ?? 50), 100);
          // As Discord answers `after`: the messages right after it, newest first within the page.
          const listed = this.messages
            .filter((m) => m.channelId === id && BigInt(m.id) > after)
            .sort((a, b) => (BigInt(a.id) > BigInt(b.id) ? 1 : -1))
            .slice(0, limit)
            .reverse()
            .map((m) => this.entity(m));
          return { status: 200, body: listed };
        }),
      },
      {
        method: 'GET',
        path: message,
        handle: inChannel((_req, _bot, id, { message: messageId }) => {
          const found = this.messages.find((m) => m.id === messageId && m.channelId === id);
          return found ? { status: 200, body: this.entity(found) } : unknownMessage;
        }),
      },
      {
        method: 'DELETE',
        path: message,
        handle: inChannel((_req, _bot, id, { message: messageId }) => {
          const found = this.messages.find((m) => m.id === messageId && m.channelId === id);
          if (!found) return unknownMessage;
          this.messages.splice(this.messages.indexOf(found), 1);
          return { status: 204 };
        }),
      },
    ];
  }

  /** Create Message, as a bot. */
  private create(req: FakeRequest, bot: BotRecord, channelId: string): FakeResponse {
    const { payload, files } = messageBody(req);
    const nonce = payload.nonce === undefined ? undefined : String(payload.nonce);
    if (nonce !== undefined && nonce.length > MAX_NONCE)
      return invalidForm('nonce', 'BASE_TYPE_BAD_LENGTH', 'Must be between 1 and 25 in length.');
    if (nonce !== undefined && payload.enforce_nonce === true) {
      const since = Date.now() - NONCE_WINDOW_MS;
      const made = this.messages.find(
        (m) => m.authorId === bot.userId && m.nonce === nonce && Date.parse(m.timestamp) >= since,
      );
      if (made) return { status: 200, body: { ...this.entity(made), nonce } };
    }
    const refused = refusal(payload, files);
    if (refused) return refused;
    const referenceId = payload.message_reference?.message_id as string | undefined;
    if (referenceId && !this.messages.some((m) => m.id === referenceId && m.channelId === channelId)) {
      return invalidForm('message_reference', 'MESSAGE_REFERENCE_UNKNOWN_MESSAGE', 'Unknown message');
    }
    const stored: FakeMessage = {
      id: this.snowflake(),
      authorId: bot.userId,
      channelId,
      content: String(payload.content ?? ''),
      embeds: Array.isArray(payload.embeds) ? payload.embeds : [],
      ...(nonce !== undefined ? { nonce } : {}),
      ...(referenceId ? { referenceId } : {}),
      ...(payload.allowed_mentions ? { allowedMentions: payload.allowed_mentions } : {}),
      flags: Number(payload.flags ?? 0),
      attachments: attachmentsOf(files, Array.isArray(payload.attachments) ? payload.attachments : []),
      timestamp: new Date().toISOString(),
    };
    this.messages.push(stored);
    return { status: 200, body: { ...this.entity(stored), ...(nonce !== undefined ? { nonce } : {}) } };
  }

  private find(hook: WebhookRecord, id: string, threadId: string | null): FakeMessage | undefined {
    return this.messages.find(
      (m) => m.id === id && m.webhookId === hook.id && m.channelId === (threadId ?? hook.channelId),
    );
  }

  /** The Message object as Execute Webhook answers it (no guild_id: REST messages carry none). */
  private entity(m: FakeMessage) {
    return {
      id: m.id,
      type: 0,
      channel_id: m.channelId,
      ...(m.webhookId ? { webhook_id: m.webhookId } : {}),
      content: m.content,
      author: { id: m.webhookId ?? m.authorId, username: m.username ?? 'Postflow', bot: true },
      attachments: m.attachments.map((a, i) => ({
        id: `${m.id}${i}`,
        filename: a.filename,
        size: a.size,
        content_type: a.contentType,
        ...(a.description ? { description: a.description } : {}),
        url: `https://cdn.discordapp.com/attachments/${m.channelId}/${m.id}${i}/${a.filename}`,
      })),
      embeds: m.embeds,
      flags: m.flags,
      timestamp: m.timestamp,
      edited_timestamp: null,
      // Reactions as the Message object lists them: one entry per emoji, with its count.
      ...(this.reactions.has(m.id)
        ? {
            reactions: Object.entries(this.reactions.get(m.id)!).map(([name, count]) => ({
              count,
              count_details: { burst: 0, normal: count },
              me: false,
              me_burst: false,
              emoji: { id: null, name },
              burst_colors: [],
            })),
          }
        : {}),
      ...(this.threadMessages.has(m.id)
        ? { thread: { id: m.id, type: 11, name: 'Thread', message_count: this.threadMessages.get(m.id) } }
        : {}),
      ...(m.referenceId
        ? {
            type: 19, // REPLY
            message_reference: { type: 0, message_id: m.referenceId, channel_id: m.channelId },
          }
        : {}),
    };
  }
}

const unknownMessage: FakeResponse = { status: 404, body: { message: 'Unknown Message', code: 10008 } };

function invalidForm(field: string, code: string, message: string): FakeResponse {
  return {
    status: 400,
    body: {
      code: 50035,
      message: 'Invalid Form Body',
      errors: { [field]: { _errors: [{ code, message }] } },
    },
  };
}

type FakeFile = { filename: string; contentType?: string; data: Buffer };

/** A message's payload and files: JSON, or multipart with `payload_json` and `files[n]`. */
function messageBody(req: FakeRequest): { payload: any; files: FakeFile[] } {
  const multipart = String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
  const payload = multipart ? JSON.parse(String(req.body.payload_json ?? '{}')) : req.body;
  const files = multipart
    ? Object.entries(req.body)
        .filter(([key]) => /^files\[\d+\]$/.test(key))
        .map(([, file]) => file as FakeFile)
    : [];
  return { payload, files };
}

/** What Discord refuses in any message: too large, too long, too many, empty, embeds over limits. */
function refusal(payload: any, files: FakeFile[]): FakeResponse | undefined {
  if (files.reduce((sum, f) => sum + f.data.length, 0) > MAX_UPLOAD_BYTES)
    return { status: 413, body: { message: 'Request entity too large', code: 40005 } };
  const content = String(payload.content ?? '');
  if ([...content].length > MAX_CONTENT)
    return invalidForm('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
  if (files.length > MAX_FILES)
    return invalidForm('attachments', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  const embeds: any[] = Array.isArray(payload.embeds) ? payload.embeds : [];
  if (embeds.length > MAX_EMBEDS)
    return invalidForm('embeds', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
  const chars = embeds.reduce(
    (sum: number, e) =>
      sum +
      String(e.title ?? '').length +
      String(e.description ?? '').length +
      String(e.footer?.text ?? '').length +
      String(e.author?.name ?? '').length +
      (e.fields ?? []).reduce((n: number, f: any) => n + String(f.name).length + String(f.value).length, 0),
    0,
  );
  if (chars > MAX_EMBED_CHARS)
    return invalidForm('embeds', 'MAX_EMBED_SIZE_EXCEEDED', 'Embed size exceeds maximum size of 6000');
  if (!content && files.length === 0 && embeds.length === 0)
    return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };
  return undefined;
}

function attachmentsOf(files: FakeFile[], described: Array<{ description?: string }>) {
  return files.map((f, i) => ({
    filename: f.filename,
    ...(f.contentType ? { contentType: f.contentType } : {}),
    size: f.data.length,
    ...(described[i]?.description ? { description: described[i]!.description } : {}),
  }));
}

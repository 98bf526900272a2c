import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

interface WebhookRecord {
  id: string;
  token: string;
  guildId: string;
  channelId: string;
}

export interface FakeMessage {
  id: string;
  webhookId: string;
  channelId: string;
  content: string;
  username?: string;
  flags: number;
  attachments: Array<{ filename: string; contentType?: string; size: number; description?: string }>;
  timestamp: string;
}

const MAX_CONTENT = 2000;
const MAX_FILES = 10;
const MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Discord's webhook endpoints as documented (discord.com/developers/docs/resources/webhook): Get
 * Webhook with Token, Execute Webhook (JSON or multipart with `payload_json` and `files[n]`;
 * `wait=true` answers the message, otherwise 204), Get and Delete Webhook Message, threads by
 * `thread_id` and forum posts by `thread_name`, and Discord's error bodies (`{ code, message,
 * errors? }`).
 */
export class DiscordFake extends FakePlatform {
  readonly messages: FakeMessage[] = [];
  private readonly webhooks = new Map<string, WebhookRecord>();
  /** Threads of each webhook's channel, by id. */
  readonly threads = new Map<string, { channelId: string; name: string }>();

  constructor() {
    super('discord');
    this.routes.push(...this.endpoints());
  }

  /** A new webhook of a new channel, as an account's credentials carry it. */
  credentials(): Record<string, string> {
    const hook: WebhookRecord = {
      id: this.nextId(),
      token: `wh-${this.nextId()}_token`,
      guildId: this.nextId(),
      channelId: this.nextId(),
    };
    this.webhooks.set(hook.id, hook);
    return { webhook_url: `https://discord.com/api/webhooks/${hook.id}/${hook.token}` };
  }

  /** An existing thread in the channel of the webhook `webhookUrl` names. */
  openThread(webhookUrl: string, name = 'A thread'): string {
    const hook = this.webhooks.get(webhookUrl.split('/').at(-2)!)!;
    const id = this.nextId();
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
    const multipart = String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    const payload = multipart ? JSON.parse(String(req.body.payload_json ?? '{}')) : req.body;
    const files = multipart
      ? Object.entries(req.body)
          .filter(([key]) => /^files\[\d+\]$/.test(key))
          .map(([, file]) => file as { filename: string; contentType?: string; data: Buffer })
      : [];
    if (files.reduce((sum, f) => sum + f.data.length, 0) > MAX_UPLOAD_BYTES)
      return { status: 413, body: { message: 'Request entity too large', code: 40005 } };
    const content = String(payload.content ?? '');
    if ([...content].length > MAX_CONTENT)
      return invalidForm('content', 'BASE_TYPE_MAX_LENGTH', 'Must be 2000 or fewer in length.');
    if (files.length > MAX_FILES)
      return invalidForm('attachments', 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    if (!content && files.length === 0)
      return { status: 400, body: { message: 'Cannot send an empty message', code: 50006 } };

    let channelId = hook.channelId;
    const threadId = req.query.get('thread_id');
    if (threadId) {
      if (this.threads.get(threadId)?.channelId !== hook.channelId)
        return { status: 400, body: { message: 'Unknown Channel', code: 10003 } };
      channelId = threadId;
    }
    const id = this.nextId();
    if (payload.thread_name) {
      // A forum post: the thread's id is its starter message's.
      this.threads.set(id, { channelId: hook.channelId, name: String(payload.thread_name) });
      channelId = id;
    }
    const described: Array<{ id: number; description?: string }> = Array.isArray(payload.attachments)
      ? payload.attachments
      : [];
    const stored: FakeMessage = {
      id,
      webhookId: hook.id,
      channelId,
      content,
      ...(payload.username ? { username: String(payload.username) } : {}),
      flags: Number(payload.flags ?? 0),
      attachments: files.map((f, i) => ({
        filename: f.filename,
        ...(f.contentType ? { contentType: f.contentType } : {}),
        size: f.data.length,
        ...(described[i]?.description ? { description: described[i]!.description } : {}),
      })),
      timestamp: new Date().toISOString(),
    };
    this.messages.push(stored);
    // Without wait=true Discord answers before the message is saved, and with no body.
    return req.query.get('wait') === 'true' ? { status: 200, body: this.entity(stored) } : { status: 204 };
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
      webhook_id: m.webhookId,
      content: m.content,
      author: { id: m.webhookId, username: m.username ?? 'Postflow', bot: true },
      attachments: m.attachments.map((a, i) => ({
        id: `${m.id}${i}`,
        filename: a.filename,
        size: a.size,
        content_type: a.contentType,
        ...(a.description ? { description: a.description } : {}),
        url: `https://cdn.discordapp.com/attachments/${m.channelId}/${m.id}${i}/${a.filename}`,
      })),
      embeds: [],
      flags: m.flags,
      timestamp: m.timestamp,
      edited_timestamp: null,
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

import type { DeliveryReceipt } from '../../api/types';
import type { AccountContext, AdapterOptions, PlatformAdapter, PublishRequest } from '../kit/adapter';
import { bearerCaller, type CallContext } from '../kit/call';
import { altTextAt } from '../kit/content';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { DISCORD_MAX_UPLOAD_BYTES } from './descriptor';
import { parseWebhookUrl, redactWebhookToken, type Webhook } from './webhook';

const PLATFORM = 'discord';
const API = '/api/v10';

/**
 * Discord's JSON error codes (discord.com/developers/docs/topics/opcodes-and-status-codes#json),
 * read from `{ code, message, errors? }` before the HTTP status. A webhook's token never expires:
 * a deleted webhook or a wrong token stays refused until the account gets a new webhook URL.
 */
const ERROR_CODES: Readonly<Record<number, FailureRule>> = {
  10003: { category: 'validation', code: 'unknown_channel' }, // thread_id names no thread of the channel
  10008: { category: 'validation', code: 'unknown_message' },
  10015: { category: 'auth', code: 'unknown_webhook', reconnect: true }, // the webhook was deleted
  40005: { category: 'validation', code: 'too_large' }, // request entity too large
  50001: { category: 'auth', code: 'forbidden' }, // missing access
  50006: { category: 'validation', code: 'empty_message' },
  50013: { category: 'auth', code: 'forbidden' }, // missing permissions
  50027: { category: 'auth', code: 'invalid_webhook_token', reconnect: true },
  50035: { category: 'validation', code: 'invalid_form_body' },
};

/** By HTTP status where the code says nothing more (401's body is `{ code: 0 }`); else `ruleForStatus`. */
const ERROR_STATUSES: Readonly<Record<number, FailureRule>> = {
  401: { category: 'auth', code: 'auth', reconnect: true },
  413: { category: 'validation', code: 'too_large' },
};

/** Message flags (discord.com/developers/docs/resources/message#message-object-message-flags). */
const SUPPRESS_EMBEDS = 1 << 2;
const SUPPRESS_NOTIFICATIONS = 1 << 12;

/** File extensions Discord shows inline (it decides by the file name). */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
  'video/webm': 'webm',
};

/**
 * Discord by channel webhook (discord.com/developers/docs/resources/webhook): the account's
 * credential is the webhook's URL, whose id and token address every call (no bearer token).
 *
 * publish: Execute Webhook with `wait=true` (the created message comes back), JSON for text,
 * multipart (`payload_json` + `files[n]`) with media; the webhook itself is read first, once per
 * worker, for the server (guild) id its message links need. No prepare: files go with the message.
 * No reconcile: a webhook cannot list its messages and takes no idempotency key or nonce, so an
 * unknown outcome ends unconfirmed rather than risk a second message. unpublish: Delete Webhook
 * Message. Bot accounts (a bot token, channel ids) are not supported yet.
 */
export function createDiscordAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const call = bearerCaller({
    platform: PLATFORM,
    baseUrl: (options.baseUrl ?? 'https://discord.com').replace(/\/$/, ''),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    redactPath: redactWebhookToken,
    failure,
  });
  /** Webhook id → its server's id: a webhook never moves to another server. */
  const guilds = new Map<string, string>();

  const guildOf = async (req: CallContext, hook: Webhook): Promise<string> => {
    const known = guilds.get(hook.id);
    if (known) return known;
    const { body } = await call(req)({ method: 'GET', path: webhookPath(hook) });
    const guild = String(body.guild_id ?? '');
    if (guild) guilds.set(hook.id, guild);
    return guild;
  };

  return {
    platform: PLATFORM,

    async publish(req) {
      const hook = webhookOf(req.account);
      const guild = await guildOf(req, hook);
      const o = req.target.options;
      const flags =
        (o.suppress_embeds === true ? SUPPRESS_EMBEDS : 0) | (o.silent === true ? SUPPRESS_NOTIFICATIONS : 0);
      const payload: Record<string, unknown> = {
        content: req.content.text,
        ...(typeof o.username === 'string' ? { username: o.username } : {}),
        ...(typeof o.avatar_url === 'string' ? { avatar_url: o.avatar_url } : {}),
        ...(typeof o.thread_name === 'string' ? { thread_name: o.thread_name } : {}),
        ...(flags ? { flags } : {}),
      };
      const query = new URLSearchParams({ wait: 'true' });
      if (typeof o.thread_id === 'string') query.set('thread_id', o.thread_id);
      const form = req.media.length ? await withFiles(req, payload) : undefined;
      const { body } = await call(
        req,
        true,
      )({
        method: 'POST',
        path: webhookPath(hook),
        query,
        ...(form ? { body: form } : { json: payload }),
      });
      const inThread = o.thread_name !== undefined || o.thread_id !== undefined;
      return receiptOf(body, String(body.guild_id ?? guild), inThread);
    },

    async unpublish(req) {
      const hook = webhookOf(req.account);
      const { thread, message } = postIdParts(req.platformPostId);
      try {
        await call(req)({
          method: 'DELETE',
          path: `${webhookPath(hook)}/messages/${encodeURIComponent(message)}`,
          ...(thread ? { query: new URLSearchParams({ thread_id: thread }) } : {}),
        });
      } catch (err) {
        if (isGone(err)) return 'deleted';
        throw err;
      }
      return 'deleted';
    },
  };
}

/** The account's webhook; a URL that is not one means the account must be reconnected. */
function webhookOf(account: AccountContext): Webhook {
  const hook = parseWebhookUrl(account.credentials.webhook_url ?? '');
  if (hook) return hook;
  throw platformFailure(
    PLATFORM,
    { category: 'auth', code: 'webhook_url', reconnect: true },
    "the account's webhook_url is not a Discord webhook URL (https://discord.com/api/webhooks/<id>/<token>); reconnect it with the URL from the channel's Integrations → Webhooks.",
  );
}

const webhookPath = (hook: Webhook) =>
  `${API}/webhooks/${encodeURIComponent(hook.id)}/${encodeURIComponent(hook.token)}`;

/** The message as multipart: `payload_json` and `files[n]`, each file described in `attachments`. */
async function withFiles(req: PublishRequest, payload: Record<string, unknown>): Promise<FormData> {
  const files = await Promise.all(req.media.map((file) => file.load()));
  const total = files.reduce((sum, f) => sum + f.bytes.length, 0);
  if (total > DISCORD_MAX_UPLOAD_BYTES) {
    throw rejected(
      PLATFORM,
      'too_large',
      `the files are ${total} bytes together; a webhook message takes at most 10 MiB. Send fewer or smaller files.`,
    );
  }
  const names = files.map((f, i) => `media-${i + 1}.${EXTENSIONS[f.contentType] ?? 'bin'}`);
  const attachments = names.map((filename, i) => {
    const description = altTextAt(req.target.options, i);
    return { id: i, filename, ...(description ? { description } : {}) };
  });
  const form = new FormData();
  form.set('payload_json', JSON.stringify({ ...payload, attachments }));
  files.forEach((f, i) => form.set(`files[${i}]`, new Blob([f.bytes], { type: f.contentType }), names[i]));
  return form;
}

/**
 * A message in a thread is deleted with the thread's id, so its post id carries it:
 * `<thread id>/<message id>`; elsewhere the message id alone.
 */
function receiptOf(message: PlatformBody, guild: string, inThread: boolean): DeliveryReceipt {
  const id = String(message.id);
  const channel = String(message.channel_id);
  return {
    platformPostId: inThread ? `${channel}/${id}` : id,
    // Discord's message link; the server's id is needed (a webhook posts in a server's channel).
    permalink: guild ? `https://discord.com/channels/${guild}/${channel}/${id}` : '',
    publishedAt: new Date(String(message.timestamp ?? Date.now())).toISOString(),
  };
}

function postIdParts(postId: string): { thread?: string; message: string } {
  const [first, second] = postId.split('/');
  return second ? { thread: first!, message: second } : { message: first! };
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const code = Number(body.code);
  const rule =
    (status !== 429 && status < 500 ? ERROR_CODES[code] : undefined) ??
    ERROR_STATUSES[status] ??
    ruleForStatus(status);
  const retryAfter = status === 429 ? rateLimitWait(response.headers, body) : undefined;
  const detail = formErrors(body.errors);
  const message = `${String(body.message ?? response.statusText)}${detail ? ` (${detail})` : ''} (HTTP ${status}${code ? `, code ${code}` : ''})`;
  const err = platformFailure(PLATFORM, rule, message, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  Object.assign(err, { status, discordCode: code });
  return err;
}

/** A 429's wait: the body's `retry_after` (seconds, with fractions), else its headers. */
function rateLimitWait(headers: Headers, body: PlatformBody): number | undefined {
  const seconds = Number(body.retry_after ?? headers.get('x-ratelimit-reset-after'));
  return Number.isFinite(seconds) && seconds >= 0 ? Math.ceil(seconds * 1000) : retryAfterMs(headers);
}

/**
 * Discord's 50035 answer nests what is wrong by field: `{ content: { _errors: [{ code, message }] } }`.
 * The first few, as `content: Must be 2000 or fewer in length.`.
 */
function formErrors(errors: unknown, path: string[] = [], found: string[] = []): string {
  if (typeof errors !== 'object' || errors === null || found.length >= 3) return found.join('; ');
  for (const [key, value] of Object.entries(errors)) {
    if (key === '_errors' && Array.isArray(value)) {
      for (const e of value) found.push(`${path.join('.') || 'body'}: ${String(e?.message ?? e?.code)}`);
    } else formErrors(value, [...path, key], found);
  }
  return found.slice(0, 3).join('; ');
}

/** A message (or its thread) already gone: deleting it again is done. */
const isGone = (err: unknown) => {
  const { status, discordCode } = err as { status?: number; discordCode?: number };
  return status === 404 && (discordCode === 10008 || discordCode === 10003);
};

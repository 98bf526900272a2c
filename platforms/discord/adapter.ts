import type { AccountContext, AdapterOptions, PlatformAdapter } from '../kit/adapter';
import { bearerCaller, type CallContext } from '../kit/call';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { PublishError } from '../kit/adapter';
import { botMode, botOf, isBotAccount } from './bot';
import { API, isGone, messagePayload, PLATFORM, postIdParts, receiptOf, withFiles } from './message';
import { parseWebhookUrl, redactWebhookToken, type Webhook } from './webhook';

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

/**
 * Discord, in two modes chosen by the account's credentials (docs/platforms.md, "Discord").
 *
 * Webhook mode (discord.com/developers/docs/resources/webhook): the credential is the webhook's
 * URL, whose id and token address every call (no bearer token). publish: Execute Webhook with
 * `wait=true` (the created message comes back), JSON for text, multipart (`payload_json` +
 * `files[n]`) with media; the webhook itself is read first, once per worker, for the server
 * (guild) id its message links need. No prepare: files go with the message. No lookup: a webhook
 * cannot list its messages and takes no nonce, so `findExisting` refuses (the outcome ends
 * unconfirmed rather than risk a second message), and `comment` answers `comments_unsupported`
 * (a webhook cannot reply). unpublish: Delete Webhook Message.
 *
 * Bot mode (`bot_token`, `channel_id`): bot.ts, with reconcile and first comments.
 */
export function createDiscordAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const call = bearerCaller({
    platform: PLATFORM,
    baseUrl: (options.baseUrl ?? 'https://discord.com').replace(/\/$/, ''),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    redactPath: redactWebhookToken,
    failure,
  });
  const bots = botMode(call);
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

    /**
     * Bot mode: the bot and its channel. Webhook mode: the webhook itself (Get Webhook with Token
     * needs no other credential; a deleted webhook or a wrong token is Discord's 401/404).
     */
    async verifyCredentials(account, signal) {
      const req = { account, signal };
      const bot = botOf(account);
      if (bot) return bots.verify(req, bot);
      const { body } = await call(req)({ method: 'GET', path: webhookPath(webhookOf(account)) });
      return {
        id: String(body.id),
        username: String(body.name),
        name: String(body.name),
        ...(body.avatar
          ? { pictureUrl: `https://cdn.discordapp.com/avatars/${body.id}/${body.avatar}.png` }
          : {}),
      };
    },

    async publish(req) {
      const bot = botOf(req.account);
      if (bot) return bots.publish(req, bot);
      const hook = webhookOf(req.account);
      const guild = await guildOf(req, hook);
      const o = req.target.options;
      const payload: Record<string, unknown> = {
        ...messagePayload(req),
        ...(typeof o.username === 'string' ? { username: o.username } : {}),
        ...(typeof o.avatar_url === 'string' ? { avatar_url: o.avatar_url } : {}),
        ...(typeof o.thread_name === 'string' ? { thread_name: o.thread_name } : {}),
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

    // A webhook cannot list its messages: the engine treats its accounts as having no lookup.
    searchable: (account) => isBotAccount(account),

    async findExisting(req) {
      const bot = botOf(req.account);
      if (bot) return bots.findExisting(req, bot);
      throw unsearchable();
    },

    async comment(req) {
      const bot = botOf(req.account);
      if (bot) return bots.comment(req, bot);
      // The workflow turns this into the target's comments_unsupported warning (first-comment.ts).
      throw platformFailure(
        PLATFORM,
        { category: 'validation', code: 'comments_unsupported' },
        'a webhook cannot reply to its message; connect the channel with a bot account for first comments.',
      );
    },

    async findComment(req) {
      const bot = botOf(req.account);
      if (bot) return bots.findComment(req, bot);
      throw unsearchable();
    },

    async unpublish(req) {
      const bot = botOf(req.account);
      if (bot) return bots.unpublish(req, bot);
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

/** A webhook cannot list its messages: a lost answer is never settled by a second message. */
const unsearchable = () =>
  new PublishError({
    category: 'system',
    caused_by: 'platform',
    code: `platform.${PLATFORM}.unsearchable`,
    message: `${PLATFORM}: a webhook cannot list its messages; check the channel.`,
    retryable: false,
    outcomeUnknown: false,
  });

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

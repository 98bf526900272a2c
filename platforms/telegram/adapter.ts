import type { DeliveryReceipt, JsonValue } from '../../api/types';
import {
  type AccountContext,
  type AdapterOptions,
  type MediaFile,
  type PlatformAdapter,
} from '../kit/adapter';
import { bearerCaller, type CallContext } from '../kit/call';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';

const PLATFORM = 'telegram';
const API = 'https://api.telegram.org';
/** A bot token as @BotFather issues it: the bot's id, a colon, the secret. */
const BOT_TOKEN = /^\d+:[\w-]+$/;
/** Where the token sits in every call's path, masked in spans. */
const TOKEN_IN_PATH = /\/bot[^/]+\//;

/**
 * The Bot API's error answers (core.telegram.org/bots/api, "Making requests"): `{ ok: false,
 * error_code, description, parameters? }`, the meaning in `error_code` and the words of
 * `description`. The first row whose status and description match applies; anything else falls
 * back to the HTTP status (`ruleForStatus`: 429 rate limit, 5xx retryable and, on the publish
 * call, an unknown outcome). `hint` says what to do.
 */
const ERRORS: ReadonlyArray<{ status: number; description?: RegExp; rule: FailureRule; hint?: string }> = [
  // Bot tokens never expire and have no refresh: a 401 means the token was revoked (/revoke in
  // @BotFather) or is wrong; a token of no bot at all is answered 404 "Not Found".
  {
    status: 401,
    rule: { category: 'auth', code: 'auth', reconnect: true },
    hint: 'reconnect the account with the bot token @BotFather shows now.',
  },
  {
    status: 404,
    description: /^Not Found$/,
    rule: { category: 'auth', code: 'auth', reconnect: true },
    hint: 'reconnect the account with the bot token @BotFather shows now.',
  },
  {
    status: 403,
    rule: { category: 'auth', code: 'forbidden' },
    hint: 'add the bot to the channel or group as an administrator allowed to post (and delete) messages.',
  },
  {
    status: 400,
    description: /chat not found/i,
    rule: { category: 'validation', code: 'chat_not_found' },
    hint: "check the account's chat_id (@channelname or the numeric id) and that the bot was added to it.",
  },
  {
    status: 400,
    description: /upgraded to a supergroup/i,
    rule: { category: 'validation', code: 'chat_migrated' },
    hint: "reconnect the account with the supergroup's chat_id.",
  },
  {
    status: 400,
    description: /too long/i,
    rule: { category: 'validation', code: 'too_long' },
    hint: 'shorten the text (4096 characters, 1024 as a caption).',
  },
  {
    status: 400,
    description: /can't parse entities/i,
    rule: { category: 'validation', code: 'parse_error' },
    hint: 'fix the markup for parse_mode or the entities list, or leave both out to send plain text.',
  },
  {
    status: 400,
    description:
      /wrong file identifier|PHOTO_|IMAGE_PROCESS_FAILED|file must be non-empty|wrong type of the web page content|failed to get HTTP URL content|VIDEO_/i,
    rule: { category: 'validation', code: 'invalid_media' },
    hint: 'Telegram could not use a media file; check its type, dimensions and size.',
  },
  {
    status: 413,
    rule: { category: 'validation', code: 'invalid_media' },
    hint: 'a media file is too large.',
  },
];

/** The failure of an unpublish the Bot API refuses because the message is gone already. */
const GONE = /message to delete not found/i;
/** A message Telegram will not delete (too old in a group, another's post without the right). */
const UNDELETABLE = /message can't be deleted/i;

/**
 * Telegram, Bot API (api.telegram.org/bot<token>/<method>). Credentials: `bot_token` (from
 * @BotFather) and `chat_id` (the channel's @username or a numeric chat id); the bot must be an
 * administrator allowed to post there.
 *
 * No prepare step: files are uploaded with the message that shows them (multipart), and nothing
 * can be uploaded invisibly beforehand. publish: `sendMessage` (text), `sendPhoto` / `sendVideo`
 * (one file, the text as caption) or `sendMediaGroup` (an album of 2–10). Telegram has neither
 * an idempotency key nor a way for a bot to read a channel's posts back, so there is no
 * reconcile: a lost publish answer ends the delivery `publishing.delivery.unconfirmed`, never
 * sent twice. unpublish: `deleteMessage` for each message of the post (an album is several; its
 * `platformPostId` lists their ids, comma-separated). Tokens do not expire: no refresh. A first
 * comment is a `sendMessage` replying to the post (`reply_parameters`; an album's first message)
 * in the same chat; like the post, it cannot be looked up, so there is no `findComment`.
 */
export function createTelegramAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const base = (options.baseUrl || API).replace(/\/$/, '');
  const caller = bearerCaller({
    platform: PLATFORM,
    // The token is part of every path (the Bot API takes no Authorization header).
    baseUrl: (account) => `${base}/bot${tokenOf(account)}`,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    redactPath: (path) => path.replace(TOKEN_IN_PATH, '/bot[redacted]/'),
    failure,
    failed: (response, body) => !response.ok || body.ok !== true,
  });
  /** One Bot API method, with a JSON body or a multipart form (uploads); its `result`. */
  const method = async (req: CallContext, name: string, body: object | FormData, irreversible = false) => {
    const send = caller(req, irreversible);
    const answer = await send(
      body instanceof FormData
        ? { method: 'POST', path: `/${name}`, body }
        : { method: 'POST', path: `/${name}`, json: body },
    );
    return answer.body.result as PlatformBody | PlatformBody[];
  };

  return {
    platform: PLATFORM,

    /**
     * The token's bot (`getMe`) and the account's chat as that bot sees it (`getChat`: a chat the
     * bot was not added to is "chat not found"). The account is the chat: its @username and title.
     */
    async verifyCredentials(account, signal) {
      const req = { account, signal };
      const bot = (await method(req, 'getMe', {})) as PlatformBody;
      const chat = (await method(req, 'getChat', { chat_id: chatOf(account) })) as PlatformBody;
      return {
        id: String(chat.id),
        username: String(chat.username ?? bot.username),
        ...(chat.title ? { name: String(chat.title) } : {}),
      };
    },

    async publish(req) {
      const chat_id = chatOf(req.account);
      const o = req.target.options;
      const common = {
        chat_id,
        ...(o.disable_notification === true ? { disable_notification: true } : {}),
      };
      // The formatting: markup in the text (parse_mode) or an entity list, never both (checked).
      const parseMode: Record<string, string> = o.parse_mode ? { parse_mode: String(o.parse_mode) } : {};
      const entities = Array.isArray(o.entities) ? o.entities : undefined;
      if (req.media.length === 0) {
        const message = await method(
          req,
          'sendMessage',
          {
            ...common,
            text: req.content.text,
            ...parseMode,
            ...(entities ? { entities } : {}),
            ...(o.disable_web_page_preview === true ? { link_preview_options: { is_disabled: true } } : {}),
          },
          true,
        );
        return receiptOf([message as PlatformBody]);
      }
      // Every file is read (and checked) before the one call that posts them.
      const files = await Promise.all(req.media.map(loadFile));
      const caption: Record<string, string> = req.content.text
        ? {
            caption: req.content.text,
            ...parseMode,
            ...(entities ? { caption_entities: JSON.stringify(entities) } : {}),
          }
        : {};
      const form = new FormData();
      for (const [key, value] of Object.entries(common)) form.set(key, String(value));
      if (files.length === 1) {
        const [file] = files;
        for (const [key, value] of Object.entries(caption)) form.set(key, value);
        form.set(file!.kind, file!.blob, file!.name);
        const message = await method(req, file!.kind === 'photo' ? 'sendPhoto' : 'sendVideo', form, true);
        return receiptOf([message as PlatformBody]);
      }
      // An album: each file is a part the media list names (`attach://<part>`); the caption
      // goes on the first item, which Telegram shows under the album.
      const { caption_entities: listed, ...first } = caption;
      const media = files.map((file, i) => ({
        type: file.kind,
        media: `attach://${file.name}`,
        ...(i === 0 ? { ...first, ...(listed ? { caption_entities: entities } : {}) } : {}),
      }));
      form.set('media', JSON.stringify(media));
      for (const file of files) form.set(file.name, file.blob, file.name);
      const messages = await method(req, 'sendMediaGroup', form, true);
      return receiptOf(messages as PlatformBody[]);
    },

    /**
     * Plain text (the post's `parse_mode` is for the post's text, checked at creation; the
     * comment's is not), as silent as the post.
     */
    async comment(req) {
      const [first] = req.post.platformPostId.split(',');
      const message = (await method(
        req,
        'sendMessage',
        {
          chat_id: chatOf(req.account),
          text: req.text,
          reply_parameters: { message_id: Number(first) },
          ...(req.target.options.disable_notification === true ? { disable_notification: true } : {}),
        },
        true,
      )) as PlatformBody;
      const id = String(message.message_id);
      return { commentId: id, permalink: linkOf(message.chat ?? {}, id) };
    },

    async unpublish(req) {
      const chat_id = chatOf(req.account);
      for (const id of req.platformPostId.split(',')) {
        try {
          await method(req, 'deleteMessage', { chat_id, message_id: Number(id) });
        } catch (err) {
          const description = (err as { description?: string }).description ?? '';
          if (GONE.test(description)) continue; // deleted already
          if (UNDELETABLE.test(description)) return 'not_supported';
          throw err;
        }
      }
      return 'deleted';
    },
  };
}

/** The account's bot token, checked for its shape before it becomes part of a URL. */
function tokenOf(account: AccountContext): string {
  const token = account.credentials.bot_token ?? '';
  if (!BOT_TOKEN.test(token)) {
    throw rejected(
      PLATFORM,
      'bot_token',
      'the account has no valid bot_token (123456789:AA…, from @BotFather); reconnect it.',
    );
  }
  return token;
}

function chatOf(account: AccountContext): string {
  const chat = (account.credentials.chat_id ?? '').trim();
  if (!/^(@\w{4,}|-?\d+)$/.test(chat)) {
    throw rejected(
      PLATFORM,
      'chat_id',
      'the account has no valid chat_id (@channelname or the numeric chat id); reconnect it.',
    );
  }
  return chat;
}

interface UploadFile {
  kind: 'photo' | 'video';
  name: string;
  blob: Blob;
}

async function loadFile(file: MediaFile, i: number): Promise<UploadFile> {
  const { bytes, contentType } = await file.load();
  const kind = contentType.startsWith('image/')
    ? 'photo'
    : contentType.startsWith('video/')
      ? 'video'
      : undefined;
  if (!kind) {
    throw rejected(
      PLATFORM,
      'invalid_media',
      `media ${i + 1} is ${contentType}; Telegram takes photos and videos.`,
    );
  }
  return { kind, name: `file${i}`, blob: new Blob([bytes], { type: contentType }) };
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = Number(body.error_code ?? response.status);
  const description = String(body.description ?? body.text ?? response.statusText);
  const row = ERRORS.find((e) => e.status === status && (!e.description || e.description.test(description)));
  const parameters: PlatformBody = body.parameters ?? {};
  const retryAfter =
    status === 429
      ? typeof parameters.retry_after === 'number'
        ? parameters.retry_after * 1000
        : retryAfterMs(response.headers)
      : undefined;
  const migrated =
    parameters.migrate_to_chat_id !== undefined ? ` (now ${parameters.migrate_to_chat_id})` : '';
  const hint = row?.hint ? `; ${row.hint}` : '';
  const err = platformFailure(
    PLATFORM,
    row?.rule ?? ruleForStatus(status),
    `${description}${migrated} (${status})${hint}`,
    { irreversible, ...(retryAfter !== undefined ? { retryAfter } : {}) },
  );
  // unpublish reads the description: "not found" means deleted already.
  return Object.assign(err, { description });
}

/** A message's (or an album's messages') receipt: the ids, the chat, the public link where there is one. */
function receiptOf(messages: PlatformBody[]): DeliveryReceipt {
  const ids = messages.map((m) => String(m.message_id));
  const first = messages[0]!;
  const chat: PlatformBody = first.chat ?? {};
  const metadata: { [key: string]: JsonValue } = { chat_id: String(chat.id), message_ids: ids };
  return {
    platformPostId: ids.join(','),
    permalink: linkOf(chat, ids[0]!),
    publishedAt: new Date(Number(first.date ?? Date.now() / 1000) * 1000).toISOString(),
    metadata,
  };
}

/**
 * t.me links: a public channel or supergroup by its username; a private one by its id without
 * the `-100` prefix (`t.me/c/…`, for members only); basic groups and private chats have none.
 */
function linkOf(chat: PlatformBody, messageId: string): string {
  if (chat.username) return `https://t.me/${chat.username}/${messageId}`;
  const id = String(chat.id ?? '');
  return id.startsWith('-100') ? `https://t.me/c/${id.slice(4)}/${messageId}` : '';
}

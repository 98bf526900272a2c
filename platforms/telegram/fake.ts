import { FakePlatform, type FakeRequest, type FakeResponse } from '../kit/fake-platform';
import { TELEGRAM_ENTITY_TYPES } from './descriptor';

/** One post as the channel shows it: a message, or an album of several. */
export interface TelegramPost {
  /** As the adapter reports it: the message id, or an album's ids comma-separated. */
  id: string;
  messageIds: number[];
  text: string;
  media: Array<{ type: 'photo' | 'video'; contentType: string; bytes: number }>;
  silent: boolean;
  parseMode?: string;
  /** The formatting sent as a MessageEntity list (`entities` / `caption_entities`). */
  entities?: unknown[];
  previewDisabled: boolean;
  /** The message it replies to (`reply_parameters`: a first comment), if any. */
  replyTo?: number;
}

interface UploadPart {
  filename: string;
  contentType?: string;
  data: Buffer;
}

/** The fake's channel: public, so its posts have t.me links. */
const CHANNEL = { id: -1001234567890, username: 'postflow_news', title: 'Postflow News', type: 'channel' };
/** The bot every token of this fake belongs to (getMe). */
const BOT = { id: 7000000001, is_bot: true, first_name: 'Postflow Bot', username: 'postflow_bot' };
const PARSE_MODES = ['MarkdownV2', 'HTML', 'Markdown'];
/** Images the fake can "process": PNG, JPEG and WebP by their first bytes. */
const IMAGE_MAGIC = [Buffer.from('89504e47', 'hex'), Buffer.from('ffd8ff', 'hex'), Buffer.from('RIFF')];

/** Telegram's MessageEntity types (the descriptor's list is Telegram's documented one). */
const ENTITY_TYPES: ReadonlySet<string> = new Set(TELEGRAM_ENTITY_TYPES);

const parseJson = (value: unknown): unknown => {
  try {
    return JSON.parse(String(value));
  } catch {
    return value;
  }
};

/** An entity list Telegram cannot apply to `text`: an unknown type, or one outside the text. */
function entitiesProblem(entities: unknown, text: string): FakeResponse | undefined {
  if (entities === undefined) return undefined;
  if (!Array.isArray(entities)) return telegramError(400, "Bad Request: can't parse entities JSON object");
  for (const e of entities as Array<{ type?: unknown; offset?: unknown; length?: unknown }>) {
    if (!ENTITY_TYPES.has(String(e?.type)))
      return telegramError(
        400,
        `Bad Request: can't parse entities: unsupported entity type "${String(e?.type)}"`,
      );
    const [offset, length] = [Number(e.offset), Number(e.length)];
    if (!(offset >= 0 && length > 0 && offset + length <= text.length))
      return telegramError(
        400,
        `Bad Request: can't parse entities: entity beyond the end of the text at offset ${offset}`,
      );
  }
  return undefined;
}

const ok = (result: unknown): FakeResponse => ({ status: 200, body: { ok: true, result } });
/** The Bot API's error answer. */
export const telegramError = (
  code: number,
  description: string,
  parameters?: Record<string, unknown>,
): FakeResponse => ({
  status: code,
  body: { ok: false, error_code: code, description, ...(parameters ? { parameters } : {}) },
});

/**
 * The Telegram Bot API (core.telegram.org/bots/api) for one bot administering one public channel:
 * `POST /bot<token>/<method>` with JSON or multipart bodies; answers `{ ok: true, result }` or
 * `{ ok: false, error_code, description, parameters? }`. Serves getMe, getChat, sendMessage, sendPhoto,
 * sendVideo, sendMediaGroup and deleteMessage (replies by `reply_parameters`) with their documented limits (text 4096, caption
 * 1024, albums of 2–10) and errors (401 Unauthorized, 400 chat not found, 403 when the bot is
 * not a member).
 */
export class TelegramFake extends FakePlatform {
  readonly posts: TelegramPost[] = [];
  /** The bot was removed from the channel: every call there is refused with 403. */
  removedFromChannel = false;
  private messageId = 100;

  constructor() {
    super('telegram');
    this.routes.push({
      method: 'POST',
      path: /^\/bot(?<token>[^/]+)\/(?<method>\w+)$/,
      handle: (req, { token, method }) => this.call(req, token!, method!),
    });
  }

  /** An account's credentials: a bot token this fake accepts and its channel. */
  credentials(): Record<string, string> {
    const token = `${this.nextId()}:AAE_fake-${this.nextId()}`;
    this.accessTokens.add(token);
    return { bot_token: token, chat_id: `@${CHANNEL.username}` };
  }

  private call(req: FakeRequest, token: string, method: string): FakeResponse {
    if (!this.accessTokens.has(token)) return telegramError(401, 'Unauthorized');
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (method === 'getMe') return ok(BOT);
    const handler = {
      getChat: () => ok(CHANNEL),
      sendMessage: () => this.sendMessage(body),
      sendPhoto: () => this.sendSingle(body, 'photo'),
      sendVideo: () => this.sendSingle(body, 'video'),
      sendMediaGroup: () => this.sendMediaGroup(body),
      deleteMessage: () => this.deleteMessage(body),
    }[method];
    if (!handler) return telegramError(404, 'Not Found');
    const chat = String(body.chat_id ?? '');
    if (chat !== `@${CHANNEL.username}` && chat !== String(CHANNEL.id))
      return telegramError(400, 'Bad Request: chat not found');
    if (this.removedFromChannel)
      return telegramError(403, 'Forbidden: bot is not a member of the channel chat');
    return handler();
  }

  private sendMessage(body: Record<string, unknown>): FakeResponse {
    const text = String(body.text ?? '');
    if (!text.trim()) return telegramError(400, 'Bad Request: message text is empty');
    if (text.length > 4096) return telegramError(400, 'Bad Request: message is too long');
    const parse = this.parseMode(body.parse_mode) ?? entitiesProblem(body.entities, text);
    if (parse) return parse;
    const reply = body.reply_parameters as { message_id?: unknown } | undefined;
    if (reply !== undefined && !this.posts.some((p) => p.messageIds.includes(Number(reply.message_id))))
      return telegramError(400, 'Bad Request: message to be replied not found');
    const preview = body.link_preview_options as { is_disabled?: boolean } | undefined;
    return ok(this.publish(body, text, [], !!preview?.is_disabled)[0]);
  }

  private sendSingle(body: Record<string, unknown>, type: 'photo' | 'video'): FakeResponse {
    const caption = String(body.caption ?? '');
    // A form field: the list as JSON.
    const entities = body.caption_entities === undefined ? undefined : parseJson(body.caption_entities);
    const problem =
      this.captionProblem(caption, body.parse_mode) ??
      entitiesProblem(entities, caption) ??
      this.fileProblem(body[type], type);
    if (problem) return problem;
    const file = body[type] as UploadPart;
    return ok(this.publish({ ...body, entities }, caption, [this.mediaOf(type, file)], false)[0]);
  }

  private sendMediaGroup(body: Record<string, unknown>): FakeResponse {
    let items: Array<{
      type?: string;
      media?: string;
      caption?: string;
      parse_mode?: string;
      caption_entities?: unknown;
    }>;
    try {
      items = JSON.parse(String(body.media ?? ''));
    } catch {
      return telegramError(400, "Bad Request: can't parse media JSON object");
    }
    if (!Array.isArray(items) || items.length < 2 || items.length > 10)
      return telegramError(400, 'Bad Request: wrong number of media in the album');
    const media = [];
    for (const item of items) {
      const type = item.type === 'photo' || item.type === 'video' ? item.type : undefined;
      if (!type) return telegramError(400, 'Bad Request: unsupported media type in the album');
      const part = /^attach:\/\/(.+)$/.exec(String(item.media ?? ''))?.[1];
      const problem =
        this.captionProblem(String(item.caption ?? ''), item.parse_mode) ??
        entitiesProblem(item.caption_entities, String(item.caption ?? '')) ??
        this.fileProblem(part ? body[part] : item.media, type);
      if (problem) return problem;
      media.push(this.mediaOf(type, body[part!] as UploadPart));
    }
    const first = items[0]!;
    return ok(
      this.publish(
        { ...body, parse_mode: first.parse_mode, entities: first.caption_entities },
        String(first.caption ?? ''),
        media,
        false,
      ),
    );
  }

  private deleteMessage(body: Record<string, unknown>): FakeResponse {
    const id = Number(body.message_id);
    const post = this.posts.find((p) => p.messageIds.includes(id));
    if (!post) return telegramError(400, 'Bad Request: message to delete not found');
    post.messageIds = post.messageIds.filter((m) => m !== id);
    // The post is gone from the channel once its last message is.
    if (post.messageIds.length === 0) this.posts.splice(this.posts.indexOf(post), 1);
    return ok(true);
  }

  private parseMode(mode: unknown): FakeResponse | undefined {
    if (mode === undefined || PARSE_MODES.includes(String(mode))) return undefined;
    return telegramError(400, `Bad Request: unsupported parse_mode "${String(mode)}"`);
  }

  private captionProblem(caption: string, mode: unknown): FakeResponse | undefined {
    if (caption.length > 1024) return telegramError(400, 'Bad Request: message caption is too long');
    return this.parseMode(mode);
  }

  /** A file must be uploaded here (the fake fetches no URLs and knows no file ids) and be what it claims. */
  private fileProblem(value: unknown, type: 'photo' | 'video'): FakeResponse | undefined {
    const file = value as UploadPart | undefined;
    if (!file || typeof file !== 'object' || !Buffer.isBuffer(file.data))
      return telegramError(400, 'Bad Request: wrong file identifier/HTTP URL specified');
    if (file.data.length === 0) return telegramError(400, 'Bad Request: file must be non-empty');
    if (type === 'photo' && !IMAGE_MAGIC.some((magic) => file.data.subarray(0, magic.length).equals(magic)))
      return telegramError(400, 'Bad Request: IMAGE_PROCESS_FAILED');
    return undefined;
  }

  private mediaOf(type: 'photo' | 'video', file: UploadPart): TelegramPost['media'][number] {
    return { type, contentType: String(file.contentType), bytes: file.data.length };
  }

  /** Posts one message per media item (one for text), as channel posts: Message objects. */
  private publish(
    body: Record<string, unknown>,
    text: string,
    media: TelegramPost['media'],
    previewDisabled: boolean,
  ) {
    const date = Math.floor(Date.now() / 1000);
    const group = media.length > 1 ? this.nextId() : undefined;
    const replyTo = (body.reply_parameters as { message_id?: unknown } | undefined)?.message_id;
    const repliedTo =
      replyTo !== undefined ? this.posts.find((p) => p.messageIds.includes(Number(replyTo))) : undefined;
    const messages = (media.length ? media : [undefined]).map((item, i) => {
      this.messageId += 1;
      return {
        message_id: this.messageId,
        sender_chat: CHANNEL,
        chat: CHANNEL,
        date,
        ...(repliedTo ? { reply_to_message: { message_id: Number(replyTo), chat: CHANNEL, date } } : {}),
        ...(group ? { media_group_id: group } : {}),
        ...(item ? (i === 0 && text ? { caption: text } : {}) : { text }),
        ...(item?.type === 'photo'
          ? { photo: [{ file_id: `ph_${this.messageId}`, width: 1, height: 1 }] }
          : item
            ? { video: { file_id: `vd_${this.messageId}` } }
            : {}),
      };
    });
    const messageIds = messages.map((m) => m.message_id);
    this.posts.push({
      id: messageIds.join(','),
      messageIds,
      text,
      media,
      silent: body.disable_notification === true || body.disable_notification === 'true',
      ...(body.parse_mode ? { parseMode: String(body.parse_mode) } : {}),
      ...(Array.isArray(body.entities) ? { entities: body.entities } : {}),
      previewDisabled,
      ...(repliedTo ? { replyTo: Number(replyTo) } : {}),
    });
    return messages;
  }
}

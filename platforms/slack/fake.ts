import { createHash } from 'node:crypto';
import { FakePlatform, type FakeRequest, type FakeResponse } from '../kit/fake-platform';

/** One message of the channel as Postflow posted it. */
export interface SlackPost {
  /** As the adapter reports it: the ts, and after a file share `/` and the file ids. */
  id: string;
  ts: string;
  /** The text as written (Slack's escapes undone). */
  text: string;
  /** Each file's size and SHA-256 (hex) as uploaded, and how many POSTs brought it. */
  files: Array<{ id: string; name: string; bytes: number; sha256: string; posts: number }>;
  threadTs?: string;
  unfurlLinks?: boolean;
  unfurlMedia?: boolean;
  /** The Block Kit blocks it was sent with. */
  blocks?: unknown[];
}

/** The fake's workspace, bot and channel. */
const WORKSPACE = 'https://postflow-test.slack.com/';
const BOT = { user_id: 'U0BOT00001', bot_id: 'B0BOT00001' };
const CHANNEL = 'C0POSTFLOW1';

const ok = (body: Record<string, unknown> = {}): FakeResponse => ({
  status: 200,
  body: { ok: true, ...body },
});
/** The Web API's error answer: HTTP 200, `ok: false` and the code (429 `ratelimited` with Retry-After). */
export const slackError = (error: string, status = 200, headers?: Record<string, string>): FakeResponse => ({
  status,
  body: { ok: false, error },
  ...(headers ? { headers } : {}),
});

/** Block types a message may hold (api.slack.com/reference/block-kit/blocks). */
const MESSAGE_BLOCKS = new Set([
  'actions',
  'context',
  'divider',
  'file',
  'header',
  'image',
  'input',
  'markdown',
  'rich_text',
  'section',
  'table',
  'video',
]);
/** A section's text holds at most 3,000 characters. */
const SECTION_TEXT_MAX = 3000;

/**
 * chat.postMessage's `blocks`, checked as Slack does: JSON, at most 50 blocks of message types;
 * what is wrong is said in `response_metadata.messages` with a JSON pointer.
 */
function blocksOf(raw: string): { blocks: unknown[] } | { error: FakeResponse } {
  const refuse = (error: string, messages: string[] = []): { error: FakeResponse } => ({
    error: { status: 200, body: { ok: false, error, response_metadata: { messages } } },
  });
  let blocks: unknown;
  try {
    blocks = JSON.parse(raw);
  } catch {
    return refuse('invalid_blocks_format');
  }
  if (!Array.isArray(blocks)) return refuse('invalid_blocks_format');
  if (blocks.length > 50)
    return refuse('invalid_blocks', ['[ERROR] no more than 50 items allowed [json-pointer:/blocks]']);
  const messages: string[] = [];
  blocks.forEach((block: { type?: unknown; text?: { text?: unknown } }, i) => {
    if (!MESSAGE_BLOCKS.has(String(block?.type))) {
      messages.push(`[ERROR] unsupported type: ${String(block?.type)} [json-pointer:/blocks/${i}/type]`);
    } else if (block.type === 'section' && String(block.text?.text ?? '').length > SECTION_TEXT_MAX) {
      messages.push(`[ERROR] must be less than 3001 characters [json-pointer:/blocks/${i}/text/text]`);
    }
  });
  return messages.length ? refuse('invalid_blocks', messages) : { blocks };
}

interface Upload {
  id: string;
  name: string;
  length: number;
  bytes?: number;
  sha256?: string;
  posts: number;
  /** The message sharing it into the channel, once completed. */
  sharedTs?: string;
  deleted?: boolean;
}

/**
 * The Slack Web API (api.slack.com/methods) for one bot in one public channel: `POST
 * /api/<method>` with form-encoded arguments and the bot token as bearer; answers HTTP 200 `{ ok:
 * true, … }` or `{ ok: false, error }`. Serves auth.test, conversations.info, chat.postMessage, chat.getPermalink,
 * chat.delete, conversations.history / .replies, and the upload flow (files.getUploadURLExternal,
 * the upload URL, files.completeUploadExternal, files.info, files.delete), with Slack's limits
 * (40,000 characters, 10 files a share) and errors (invalid_auth, channel_not_found,
 * not_in_channel, msg_too_long, no_text, message_not_found, file_not_found).
 */
export class SlackFake extends FakePlatform {
  readonly posts: SlackPost[] = [];
  /** Reactions on a message (`name` → `count`), by its ts. */
  readonly reactions = new Map<string, Record<string, number>>();
  /** The bot was removed from the channel: posting there is refused with not_in_channel. */
  removedFromChannel = false;
  /** Share completed uploads only after this many files.info reads (Slack shares asynchronously). */
  shareDelayReads = 0;
  private readonly uploads = new Map<string, Upload>();
  /** Messages in the channel, Slack's shape, including ones deleted from `posts` no longer. */
  private readonly messages: Array<Record<string, unknown>> = [];
  private clock = Math.floor(Date.now() / 1000);
  private seq = 0;

  constructor() {
    super('slack');
    this.routes.push(
      {
        method: 'POST',
        path: /^\/api\/(?<method>[\w.]+)$/,
        handle: (req, { method }) => this.call(req, method!),
      },
      { method: 'POST', path: /^\/upload\/v1\/(?<id>\w+)$/, handle: (req, { id }) => this.receive(req, id!) },
    );
  }

  /** An account's credentials: a bot token this fake accepts and its channel. */
  credentials(): Record<string, string> {
    const token = `xoxb-${this.nextId()}-fake`;
    this.accessTokens.add(token);
    return { bot_token: token, channel_id: CHANNEL };
  }

  private call(req: FakeRequest, method: string): FakeResponse {
    if (!req.bearer) return slackError('not_authed');
    if (!this.accessTokens.has(req.bearer)) return slackError('invalid_auth');
    const args = (req.body ?? {}) as Record<string, string>;
    const handler = {
      'auth.test': () => ok({ url: WORKSPACE, team: 'Postflow Test', user: 'postflow', ...BOT }),
      'conversations.info': () =>
        ok({
          channel: { id: CHANNEL, name: 'postflow', is_channel: true, is_member: !this.removedFromChannel },
        }),
      'chat.postMessage': () => this.postMessage(args),
      'chat.getPermalink': () => this.permalink(args),
      'chat.delete': () => this.deleteMessage(args),
      'conversations.history': () => this.history(args, undefined),
      'conversations.replies': () => this.history(args, args.ts),
      'files.getUploadURLExternal': () => this.uploadUrl(args),
      'files.completeUploadExternal': () => this.complete(args),
      'files.info': () => this.fileInfo(args),
      'files.delete': () => this.deleteFile(args),
    }[method];
    if (!handler) return slackError('unknown_method');
    const channel = args.channel ?? args.channel_id;
    if (channel !== undefined && channel !== CHANNEL) return slackError('channel_not_found');
    return handler();
  }

  private postMessage(args: Record<string, string>): FakeResponse {
    if (this.removedFromChannel) return slackError('not_in_channel');
    const text = args.text ?? '';
    if (!text.trim()) return slackError('no_text');
    if (text.length > 40_000) return slackError('msg_too_long');
    const blocks = args.blocks === undefined ? undefined : blocksOf(args.blocks);
    if (blocks && 'error' in blocks) return blocks.error;
    const message = this.publish(text, [], args.thread_ts);
    const post = this.posts.at(-1)!;
    if (blocks) post.blocks = blocks.blocks;
    if (args.unfurl_links !== undefined) post.unfurlLinks = args.unfurl_links === 'true';
    if (args.unfurl_media !== undefined) post.unfurlMedia = args.unfurl_media === 'true';
    return ok({ channel: CHANNEL, ts: message.ts, message });
  }

  private uploadUrl(args: Record<string, string>): FakeResponse {
    const length = Number(args.length);
    if (!args.filename || !Number.isInteger(length) || length <= 0) return slackError('invalid_arguments');
    const id = this.nextId('F');
    this.uploads.set(id, { id, name: args.filename, length, posts: 0 });
    return ok({ upload_url: `${this.url}/upload/v1/${id}`, file_id: id });
  }

  /** The upload URL: raw bytes, of the length announced; answers like files.slack.com. */
  private receive(req: FakeRequest, id: string): FakeResponse {
    const upload = this.uploads.get(id);
    if (!upload) return { status: 404, body: 'Not Found' };
    if (req.raw.length !== upload.length) return { status: 400, body: 'length mismatch' };
    upload.bytes = req.raw.length;
    upload.sha256 = createHash('sha256').update(req.raw).digest('hex');
    upload.posts += 1;
    return { status: 200, body: `OK - ${req.raw.length}` };
  }

  private complete(args: Record<string, string>): FakeResponse {
    if (this.removedFromChannel) return slackError('not_in_channel');
    let items: Array<{ id?: string; title?: string }>;
    try {
      items = JSON.parse(args.files ?? '');
    } catch {
      return slackError('invalid_arguments');
    }
    if (!Array.isArray(items) || items.length < 1 || items.length > 10)
      return slackError('invalid_arguments');
    const uploads = items.map((item) => this.uploads.get(String(item.id)));
    if (uploads.some((u) => !u || u.bytes === undefined || u.sharedTs)) return slackError('file_not_found');
    const comment = args.initial_comment ?? '';
    if (comment.length > 40_000) return slackError('msg_too_long');
    if (args.channel_id) {
      const message = this.publish(comment, uploads as Upload[], args.thread_ts);
      for (const u of uploads) u!.sharedTs = String(message.ts);
    }
    return ok({ files: uploads.map((u) => ({ id: u!.id, title: u!.name })) });
  }

  private fileInfo(args: Record<string, string>): FakeResponse {
    const upload = this.uploads.get(args.file ?? '');
    if (!upload || upload.deleted) return slackError('file_not_found');
    const shared = upload.sharedTs !== undefined && this.shareDelayReads-- <= 0;
    return ok({
      file: {
        id: upload.id,
        name: upload.name,
        size: upload.bytes ?? 0,
        shares: shared ? { public: { [CHANNEL]: [{ ts: upload.sharedTs, channel_name: 'general' }] } } : {},
      },
    });
  }

  private permalink(args: Record<string, string>): FakeResponse {
    const ts = args.message_ts ?? '';
    if (!this.messages.some((m) => m.ts === ts)) return slackError('message_not_found');
    return ok({ channel: CHANNEL, permalink: `${WORKSPACE}archives/${CHANNEL}/p${ts.replace('.', '')}` });
  }

  /**
   * Newest first, `limit` a page (Slack's default 100, at most 999); a fuller listing says
   * `has_more` and hands the next page's `response_metadata.next_cursor` (an opaque string).
   */
  private history(args: Record<string, string>, thread: string | undefined): FakeResponse {
    const oldest = Number(args.oldest ?? 0);
    const latest = Number(args.latest ?? Infinity);
    const limit = Math.min(Number(args.limit ?? 100), 999);
    const from = args.cursor
      ? Number(Buffer.from(args.cursor, 'base64').toString().replace('next_ts:', ''))
      : 0;
    // conversations.replies: a reply's `ts` names its thread, whose parent always comes first.
    // (Slack answers thread_not_found for a `ts` no message has; the fake lists nothing, so threads
    // its tests name need no parent.)
    const named = thread === undefined ? undefined : this.messages.find((m) => m.ts === thread);
    if (named?.thread_ts) thread = String(named.thread_ts);
    const parent = named?.thread_ts ? this.messages.find((m) => m.ts === thread) : named;
    const inWindow = (m: Record<string, unknown>) => Number(m.ts) >= oldest && Number(m.ts) <= latest;
    const all = [
      ...(parent ? [this.shown(parent)] : []),
      ...this.messages
        .filter((m) => inWindow(m) && m.ts !== thread)
        .filter((m) => (thread === undefined ? !m.thread_ts : m.thread_ts === thread))
        .reverse() // newest first, as conversations.history answers
        .map((m) => this.shown(m)),
    ];
    const messages = all.slice(from, from + limit);
    const more = from + limit < all.length;
    return ok({
      messages,
      has_more: more,
      ...(more
        ? { response_metadata: { next_cursor: Buffer.from(`next_ts:${from + limit}`).toString('base64') } }
        : {}),
    });
  }

  /** A message someone else (a user, not the bot) posts in the channel, or in thread `threadTs`. */
  chatter(text: string, threadTs?: string): void {
    this.messages.push({
      type: 'message',
      ts: this.nextTs(),
      text,
      user: 'U0OTHER001',
      ...(threadTs ? { thread_ts: threadTs } : {}),
    });
  }

  /** A message's ts: rising, never before now. */
  private nextTs(): string {
    this.clock = Math.max(this.clock + 1, Math.floor(Date.now() / 1000));
    this.seq += 1;
    return `${this.clock}.${String(this.seq).padStart(6, '0')}`;
  }

  /** A message as the history methods list it: its `reactions` and, a parent, its `reply_count`. */
  private shown(m: Record<string, unknown>): Record<string, unknown> {
    const replies = this.messages.filter((r) => r.thread_ts === m.ts && r.ts !== m.ts).length;
    const reactions = this.reactions.get(String(m.ts));
    return {
      ...m,
      ...(replies > 0 ? { thread_ts: m.ts, reply_count: replies } : {}),
      ...(reactions
        ? {
            reactions: Object.entries(reactions).map(([name, count]) => ({
              name,
              count,
              users: Array.from({ length: count }, (_, i) => `U0READER${String(i).padStart(2, '0')}`),
            })),
          }
        : {}),
    };
  }

  /** The message `ts` deleted in Slack itself (by a person, not through the bot). */
  deleteInSlack(ts: string): void {
    this.deleteMessage({ ts });
  }

  private deleteMessage(args: Record<string, string>): FakeResponse {
    const i = this.messages.findIndex((m) => m.ts === args.ts);
    if (i < 0) return slackError('message_not_found');
    this.messages.splice(i, 1);
    const p = this.posts.findIndex((post) => post.ts === args.ts);
    if (p >= 0) this.posts.splice(p, 1);
    return ok({ channel: CHANNEL, ts: args.ts });
  }

  private deleteFile(args: Record<string, string>): FakeResponse {
    const upload = this.uploads.get(args.file ?? '');
    if (!upload) return slackError('file_not_found');
    if (upload.deleted) return slackError('file_deleted');
    upload.deleted = true;
    return ok();
  }

  /** Posts one message as the bot; `text` as Slack stores it (escaped). */
  private publish(text: string, files: Upload[], threadTs: string | undefined) {
    const ts = this.nextTs();
    const message = {
      type: 'message',
      ts,
      text,
      user: BOT.user_id,
      bot_id: BOT.bot_id,
      ...(threadTs ? { thread_ts: threadTs } : {}),
      ...(files.length > 0 ? { files: files.map((f) => ({ id: f.id, name: f.name })) } : {}),
    };
    this.messages.push(message);
    this.posts.push({
      id: files.length > 0 ? `${ts}/${files.map((f) => f.id).join(',')}` : ts,
      ts,
      text: text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&'),
      files: files.map((f) => ({
        id: f.id,
        name: f.name,
        bytes: f.bytes ?? 0,
        sha256: f.sha256 ?? '',
        posts: f.posts,
      })),
      ...(threadTs ? { threadTs } : {}),
    });
    return message;
  }
}

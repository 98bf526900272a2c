import type { DeliveryReceipt } from '../../api/types';
import {
  type AccountContext,
  type AdapterOptions,
  type CommentRequest,
  type MediaFile,
  type PlatformAdapter,
  PublishError,
  type PublishRequest,
  type StepState,
} from '../kit/adapter';
import { bearerCaller, type CallContext } from '../kit/call';
import { sameText, searchableText, stringList } from '../kit/content';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { failedForGood, warningOf, withWarning } from '../kit/live-receipt';
import { MAX_LOOKUP_PAGES, searchWindow } from '../kit/lookup-window';
import { metricCount } from '../kit/metric-count';
import { streamedFile } from '../kit/streamed-form';
import { slackEscape } from './descriptor';

const PLATFORM = 'slack';
const API = 'https://slack.com';
/** A bot token (Slack app → OAuth & Permissions → Bot User OAuth Token). */
const BOT_TOKEN = /^xoxb-[\w-]+$/;
/** A conversation id: C… (channels), G… (older private channels), D… (direct messages). */
const CHANNEL = /^[CGD][A-Z0-9]{8,}$/;
/** Slack shares completed uploads asynchronously: how often, and how long, to ask for the message. */
const SHARE_POLL_MS = 1_000;
const SHARE_POLLS = 60;
/** Messages a page when looking a post up by its text (Slack advises no more than 200). */
const RECONCILE_WINDOW = 100;
/** Clock skew allowed between Postflow and Slack (as the kit's `postedSince`), in seconds. */
const SKEW_S = 120;

const reconnect = 'reconnect the account with the Bot User OAuth Token (xoxb-…) the Slack app shows now.';
const invite =
  "invite the app's bot into the channel (/invite @<bot>), or reconnect with a channel it is in.";

/**
 * The Web API's error answers (api.slack.com/web, "Evaluating responses"): HTTP 200 with
 * `{ ok: false, error: "<code>" }`, the meaning in `error`. Anything not here falls back to the
 * HTTP status (`ruleForStatus`: 429 rate limit, 5xx retryable and, on the publish call, an
 * unknown outcome), and a 200 with an unknown code is a plain refusal. `hint` says what to do.
 * Bot tokens do not expire (unless the app turned token rotation on, which Postflow does not
 * support): a refused token is dead, and the account must be reconnected.
 */
const ERRORS: ReadonlyMap<string, { rule: FailureRule; hint?: string }> = new Map([
  ...['invalid_auth', 'not_authed', 'account_inactive', 'token_revoked', 'token_expired'].map(
    (code) => [code, { rule: { category: 'auth', code: 'auth', reconnect: true }, hint: reconnect }] as const,
  ),
  [
    'missing_scope',
    {
      rule: { category: 'auth', code: 'missing_scope' },
      hint: 'add the scope to the Slack app (chat:write, files:write, channels:history, groups:history), reinstall it and reconnect.',
    },
  ],
  [
    'restricted_action',
    {
      rule: { category: 'auth', code: 'forbidden' },
      hint: "the workspace's settings keep the bot from posting there.",
    },
  ],
  ['not_in_channel', { rule: { category: 'auth', code: 'not_in_channel' }, hint: invite }],
  [
    'channel_not_found',
    {
      rule: { category: 'validation', code: 'channel_not_found' },
      hint: `check the account's channel_id (C…, from the channel's details); for a private channel, ${invite}`,
    },
  ],
  [
    'is_archived',
    {
      rule: { category: 'validation', code: 'is_archived' },
      hint: 'unarchive the channel, or reconnect with another.',
    },
  ],
  [
    'msg_too_long',
    { rule: { category: 'validation', code: 'too_long' }, hint: 'shorten the text (40,000 characters).' },
  ],
  ['no_text', { rule: { category: 'validation', code: 'no_text' }, hint: 'give the post text or media.' }],
  ...['invalid_blocks', 'invalid_blocks_format'].map(
    (code) =>
      [
        code,
        {
          rule: { category: 'validation', code: 'invalid_blocks' },
          hint: 'fix platform_options.slack.blocks as Slack says (api.slack.com/reference/block-kit/blocks).',
        },
      ] as const,
  ),
  [
    'msg_blocks_too_long',
    {
      rule: { category: 'validation', code: 'invalid_blocks' },
      hint: 'the blocks hold more text than Slack takes in one message; shorten or split them.',
    },
  ],
  // conversations.replies (reconcile of a thread reply): the parent message is not there.
  [
    'thread_not_found',
    {
      rule: { category: 'validation', code: 'thread_ts' },
      hint: "thread_ts must be a parent message's ts in this channel.",
    },
  ],
  ['ratelimited', { rule: { category: 'rate_limit', code: 'rate_limit', retryable: true } }],
  // Slack's own failures: the method may have run before it failed.
  ...['internal_error', 'fatal_error'].map(
    (code) =>
      [
        code,
        { rule: { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true } },
      ] as const,
  ),
  ['service_unavailable', { rule: { category: 'platform', code: 'unavailable', retryable: true } }],
] as ReadonlyArray<readonly [string, { rule: FailureRule; hint?: string }]>);

/** unpublish: the message or file is gone already (deleted), or Slack will not let the bot delete it. */
const GONE = new Set(['message_not_found', 'file_not_found', 'file_deleted']);
const UNDELETABLE = new Set(['cant_delete_message', 'cant_delete_file']);

/**
 * Slack, Web API (slack.com/api/<method>, `Authorization: Bearer xoxb-…`). Credentials:
 * `bot_token` (the app's Bot User OAuth Token) and `channel_id` (the channel's C… id); the bot
 * must be in the channel.
 *
 * prepare (with media): each file is uploaded outside any channel (files.getUploadURLExternal,
 * then the bytes to the upload URL Slack gave), invisible until shared. publish: a text post is
 * chat.postMessage; a post with media is files.completeUploadExternal, which shares the files into
 * the channel in one message with the text as its comment. Slack shares them asynchronously, so
 * checkPublished reads the message's ts from files.info (the file's shares in the channel).
 * The receipt's link is chat.getPermalink's. findExisting: after a file share, whether the
 * prepared files were shared into the channel (exact); otherwise the bot's messages in the
 * channel (or the `thread_ts` thread) since the delivery began, by text. unpublish: chat.delete,
 * then files.delete for each uploaded file. Bot tokens do not expire: no refresh. A first
 * comment is a reply in the post's thread (chat.postMessage with `thread_ts`), looked up among
 * the thread's replies (conversations.replies) by the bot and text.
 */
export function createSlackAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const base = (options.baseUrl || API).replace(/\/$/, '');
  const timeout = options.timeoutMs ? { timeoutMs: options.timeoutMs } : {};
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: base,
    ...timeout,
    failure,
    failed: (response, body) => !response.ok || body.ok !== true,
  });
  // Upload URLs are whole URLs Slack handed out, and capabilities: their path stays out of spans.
  const uploader = bearerCaller({
    platform: PLATFORM,
    baseUrl: '',
    ...timeout,
    redactPath: () => '/[upload URL]',
    failure: (response, body, irreversible) =>
      platformFailure(
        PLATFORM,
        ruleForStatus(response.status),
        `upload: ${body.text ?? response.statusText} (${response.status})`,
        {
          irreversible,
          ...withRetryAfter(response),
        },
      ),
  });

  /** One Web API method, its arguments form-encoded (every method takes them so); the answer's body. */
  const method = async (
    req: CallContext,
    name: string,
    args: Record<string, string>,
    irreversible = false,
  ) => {
    const answer = await caller(
      req,
      irreversible,
    )({
      method: 'POST',
      path: `/api/${name}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(args).toString(),
      token: tokenOf(req.account!),
    });
    return answer.body;
  };

  /** Uploads one file, unshared; its file id. */
  const upload = async (req: PublishRequest, file: MediaFile, i: number) => {
    // Read from storage as the request goes out: Slack takes files up to 1 GB in one POST.
    const reader = await file.open();
    const ext = (reader.contentType.split('/')[1] ?? 'bin').replace(/[^\w]/g, '');
    const ticket = await method(req, 'files.getUploadURLExternal', {
      filename: `media-${i + 1}.${ext}`,
      length: String(reader.size),
    });
    const { body, headers } = streamedFile(reader);
    await uploader(req)({ method: 'POST', path: String(ticket.upload_url), headers, body });
    return String(ticket.file_id);
  };

  /** The ts of the message sharing `file` into `channel`, once Slack has shared it. */
  const sharedTs = async (req: CallContext, channel: string, file: string) => {
    const body = await method(req, 'files.info', { file });
    const shares: PlatformBody = body.file?.shares ?? {};
    const entries = [...(shares.public?.[channel] ?? []), ...(shares.private?.[channel] ?? [])];
    return entries.length > 0 ? String(entries[0].ts) : undefined;
  };

  /**
   * The receipt of a live message. Its link is one more call; the message is live whatever that
   * call answers, so a failed one leaves the link out with a warning instead of failing the step
   * (a failed publish step could be retried into a second post).
   */
  const receipt = async (req: CallContext, channel: string, ts: string, fileIds: string[]) => {
    const known = receiptOf(channel, ts, fileIds);
    if (!ts) return known;
    const link = await permalinkOf(req, channel, ts);
    if (typeof link === 'string') return { ...known, permalink: link };
    return withWarning(
      known,
      warningOf(PLATFORM, 'permalink_unavailable', 'The message is live; Slack gave no link to it.', link),
    );
  };

  /** chat.getPermalink's link to a message, or the failure that kept it from answering. */
  const permalinkOf = async (req: CallContext, channel: string, ts: string) => {
    try {
      const body = await method(req, 'chat.getPermalink', { channel, message_ts: ts });
      return String(body.permalink ?? '');
    } catch (err) {
      if (!(err instanceof PublishError)) throw err;
      return err;
    }
  };

  /**
   * The first message since `since` (less clock skew) in the channel, or in the thread `thread`,
   * that `matches`: page after page (Slack's `cursor`), so a busy channel cannot hide it.
   */
  const findMessage = async (
    req: CallContext,
    since: string,
    thread: unknown,
    matches: (m: PlatformBody) => boolean,
  ) => {
    const window = {
      channel: channelOf(req.account!),
      oldest: (Date.parse(since) / 1000 - SKEW_S).toFixed(6),
      limit: String(RECONCILE_WINDOW),
    };
    return searchWindow<PlatformBody>({
      platform: PLATFORM,
      what: `the ${typeof thread === 'string' ? 'thread' : 'channel'} has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} messages`,
      read: async (cursor) => {
        const args = { ...window, ...(cursor ? { cursor } : {}) };
        // Replies in a thread are not in the channel's history; the thread lists them.
        const body =
          typeof thread === 'string'
            ? await method(req, 'conversations.replies', { ...args, ts: thread })
            : await method(req, 'conversations.history', args);
        const next = body.has_more ? String(body.response_metadata?.next_cursor ?? '') : '';
        return { items: Array.isArray(body.messages) ? body.messages : [], next };
      },
      matches,
    });
  };

  /** Whether a message is this bot's (auth.test's `bot_id` / `user_id`) with the text `text`. */
  const bySelf = async (req: CallContext, text: string) => {
    const me = await method(req, 'auth.test', {});
    return (m: PlatformBody) =>
      ((me.bot_id && m.bot_id === me.bot_id) || (me.user_id && m.user === me.user_id)) &&
      sameText(slackUnescape(String(m.text ?? '')), text);
  };

  /**
   * Where a first comment goes: the thread of the post's message. A post that is itself a reply
   * (`thread_ts`) is commented on in that thread (Slack's threads are one level deep).
   */
  const threadOf = (req: CommentRequest) => {
    const option = req.target.options.thread_ts;
    const { ts } = parsePostId(req.post.platformPostId);
    if (typeof option === 'string') return option;
    if (ts) return ts;
    throw rejected(
      PLATFORM,
      'no_message',
      'Slack never said which message shares the files, so there is no thread to comment in; comment in Slack.',
    );
  };

  const commentReceipt = async (req: CommentRequest, ts: string) => {
    const link = await permalinkOf(req, channelOf(req.account), ts);
    return { commentId: ts, permalink: typeof link === 'string' ? link : '' };
  };

  return {
    platform: PLATFORM,

    /**
     * The token's bot (`auth.test`) and the account's channel (`conversations.info`: a channel
     * the token cannot see is `channel_not_found`). The account is the channel, as `#name`.
     */
    async verifyCredentials(account, signal) {
      const req = { account, signal };
      const me = await method(req, 'auth.test', {});
      const { channel } = await method(req, 'conversations.info', { channel: channelOf(account) });
      return {
        id: String(channel.id),
        username: String(me.user ?? me.user_id),
        name: `#${channel.name}${me.team ? ` (${me.team})` : ''}`,
      };
    },

    async prepare(req) {
      const file_ids: string[] = [];
      for (const [i, file] of req.media.entries()) file_ids.push(await upload(req, file, i));
      return { ready: file_ids.length > 0 ? { file_ids } : ({} as StepState) };
    },

    async publish(req, prepared) {
      const channel = channelOf(req.account);
      const o = req.target.options;
      const thread: Record<string, string> =
        typeof o.thread_ts === 'string' ? { thread_ts: o.thread_ts } : {};
      const fileIds = stringList(prepared.file_ids);
      if (fileIds.length === 0) {
        const extras: Record<string, string> = {};
        for (const key of ['unfurl_links', 'unfurl_media']) {
          if (typeof o[key] === 'boolean') extras[key] = String(o[key]);
        }
        // The layout as given; the text stays the message's `text` (notifications, reconcile).
        if (Array.isArray(o.blocks)) extras.blocks = JSON.stringify(o.blocks);
        const body = await method(
          req,
          'chat.postMessage',
          { channel, text: slackEscape(req.content.text), ...thread, ...extras },
          true,
        );
        return receipt(req, String(body.channel ?? channel), String(body.ts), []);
      }
      await method(
        req,
        'files.completeUploadExternal',
        {
          channel_id: channel,
          files: JSON.stringify(fileIds.map((id) => ({ id }))),
          ...(req.content.text.trim() ? { initial_comment: slackEscape(req.content.text) } : {}),
          ...thread,
        },
        true,
      );
      return { processing: { channel, file_ids: fileIds, polls: 0 }, pollAfterMs: SHARE_POLL_MS };
    },

    async checkPublished(req, state) {
      const channel = String(state.channel);
      const fileIds = stringList(state.file_ids);
      const polls = Number(state.polls ?? 0);
      const unconfirmed = (message: string) =>
        withWarning(receiptOf(channel, '', fileIds), {
          code: `platform.${PLATFORM}.share_unconfirmed`,
          message,
        });
      let ts: string | undefined;
      try {
        ts = await sharedTs(req, channel, fileIds[0]!);
      } catch (err) {
        if (!failedForGood(err)) throw err;
        return unconfirmed(
          `The files were shared; Slack did not say in which message (${err.failure.message}).`,
        );
      }
      if (ts) return receipt(req, channel, ts, fileIds);
      if (polls + 1 >= SHARE_POLLS) {
        return unconfirmed('The files were shared; Slack had not listed the message a minute later.');
      }
      return { processing: { ...state, polls: polls + 1 }, pollAfterMs: SHARE_POLL_MS };
    },

    async findExisting(req, prepared) {
      const channel = channelOf(req.account);
      const preparedFiles = stringList(prepared?.file_ids);
      if (preparedFiles.length > 0) {
        const ts = await sharedTs(req, channel, preparedFiles[0]!);
        return ts ? receipt(req, channel, ts, preparedFiles) : null;
      }
      const mine = await bySelf(req, searchableText(PLATFORM, req.content.text));
      const found = await findMessage(req, req.since, req.target.options.thread_ts, mine);
      if (!found) return null;
      const fileIds = stringList((found.files ?? []).map((f: PlatformBody) => f.id));
      return receipt(req, channel, String(found.ts), fileIds);
    },

    async comment(req) {
      const body = await method(
        req,
        'chat.postMessage',
        { channel: channelOf(req.account), text: slackEscape(req.text), thread_ts: threadOf(req) },
        true,
      );
      return commentReceipt(req, String(body.ts));
    },

    async findComment(req) {
      const thread = threadOf(req);
      const { ts: post } = parsePostId(req.post.platformPostId);
      const mine = await bySelf(req, searchableText(PLATFORM, req.text));
      const found = await findMessage(
        req,
        req.since,
        thread,
        (m) => m.ts !== thread && m.ts !== post && mine(m),
      );
      return found ? commentReceipt(req, String(found.ts)) : null;
    },

    /**
     * The message by conversations.replies (api.slack.com/methods/conversations.replies, scope
     * `channels:history`): `ts` the post's, `latest` = `oldest` = it, inclusive, so the message
     * itself (a message with no replies comes back alone); 2 at most, for a post that is a thread
     * reply, whose thread's parent may come first. Its `reactions[].count` summed (every emoji)
     * and its `reply_count`; Slack counts no shares or saves readable by a bot.
     */
    async fetchMetrics(req) {
      const { ts } = parsePostId(req.post.platformPostId);
      // Slack never said which message shares the files: there is no message to read.
      if (!ts) return null;
      let body: PlatformBody;
      try {
        body = await method(req, 'conversations.replies', {
          channel: channelOf(req.account),
          ts,
          latest: ts,
          oldest: ts,
          inclusive: 'true',
          limit: '2',
        });
      } catch (err) {
        if ((err as { slackError?: string }).slackError === 'thread_not_found') return null; // deleted
        throw err;
      }
      const messages: PlatformBody[] = Array.isArray(body.messages) ? body.messages : [];
      const message = messages.find((m) => m?.ts === ts);
      // Deleted: gone, or (a parent with replies) left as a tombstone.
      if (!message || message.subtype === 'tombstone') return null;
      const reactions: PlatformBody[] = Array.isArray(message.reactions) ? message.reactions : [];
      return {
        likes: reactions.reduce((sum, r) => sum + metricCount(r?.count), 0),
        comments: metricCount(message.reply_count),
        shares: 0,
        saves: 0,
        extra: {},
      };
    },

    async unpublish(req) {
      const channel = channelOf(req.account);
      const { ts, fileIds } = parsePostId(req.platformPostId);
      const calls: Array<[string, Record<string, string>]> = [
        ...(ts ? [['chat.delete', { channel, ts }] as [string, Record<string, string>]] : []),
        ...fileIds.map((file) => ['files.delete', { file }] as [string, Record<string, string>]),
      ];
      for (const [name, args] of calls) {
        try {
          await method(req, name, args);
        } catch (err) {
          const code = (err as { slackError?: string }).slackError ?? '';
          if (GONE.has(code)) continue; // deleted already
          if (UNDELETABLE.has(code)) return 'not_supported';
          throw err;
        }
      }
      return 'deleted';
    },
  };
}

/** The account's bot token, checked for its shape before it is sent anywhere. */
function tokenOf(account: AccountContext): string {
  const token = account.credentials.bot_token ?? '';
  if (!BOT_TOKEN.test(token)) {
    throw rejected(
      PLATFORM,
      'bot_token',
      'the account has no valid bot_token (xoxb-…, the Bot User OAuth Token); reconnect it.',
    );
  }
  return token;
}

function channelOf(account: AccountContext): string {
  const channel = (account.credentials.channel_id ?? '').trim();
  if (!CHANNEL.test(channel)) {
    throw rejected(
      PLATFORM,
      'channel_id',
      "the account has no valid channel_id (C…, from the channel's details in Slack); reconnect it.",
    );
  }
  return channel;
}

const withRetryAfter = (response: Response) => {
  const wait = retryAfterMs(response.headers);
  return wait !== undefined ? { retryAfter: wait } : {};
};

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const code = typeof body.error === 'string' ? body.error : undefined;
  const row = code !== undefined ? ERRORS.get(code) : undefined;
  const rule = row?.rule ?? ruleForStatus(response.status);
  const needed = code === 'missing_scope' && body.needed ? ` (needs ${String(body.needed)})` : '';
  // invalid_blocks names what is wrong, and where, in response_metadata.messages.
  const said = (body.response_metadata as { messages?: unknown } | undefined)?.messages;
  const details = Array.isArray(said) && said.length ? `: ${said.map(String).join('; ')}` : '';
  const hint = row?.hint ? `; ${row.hint}` : '';
  const err = platformFailure(
    PLATFORM,
    rule,
    `${code ?? body.text ?? response.statusText}${needed}${details} (${response.status})${hint}`,
    { irreversible, ...(rule.category === 'rate_limit' ? withRetryAfter(response) : {}) },
  );
  // unpublish reads the code: "not found" means deleted already.
  return Object.assign(err, { slackError: code });
}

/**
 * A post's id: the message's ts, and after a file share the uploaded files' ids (deleted with it):
 * `1712345678.123456` or `1712345678.123456/F0AB12CD34,F0AB12CD35` (no ts when Slack never said
 * which message shares them).
 */
const postIdOf = (ts: string, fileIds: string[]) => (fileIds.length > 0 ? `${ts}/${fileIds.join(',')}` : ts);

function parsePostId(id: string): { ts: string; fileIds: string[] } {
  const [ts = '', files = ''] = id.split('/');
  return { ts, fileIds: files.split(',').filter(Boolean) };
}

function receiptOf(channel: string, ts: string, fileIds: string[]): DeliveryReceipt {
  return {
    platformPostId: postIdOf(ts, fileIds),
    permalink: '',
    publishedAt: new Date(ts ? Number(ts) * 1000 : Date.now()).toISOString(),
    metadata: {
      channel_id: channel,
      ...(ts ? { ts } : {}),
      ...(fileIds.length > 0 ? { file_ids: fileIds } : {}),
    },
  };
}

/** A message's text as written: Slack's escapes undone, its link markup (`<url|label>`) as the label. */
function slackUnescape(text: string): string {
  return text
    .replace(/<([^<>|]+)(?:\|([^<>]*))?>/g, (_, target: string, label?: string) => label ?? target)
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

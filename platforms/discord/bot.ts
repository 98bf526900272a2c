import { createHash } from 'node:crypto';
import type { DeliveryReceipt } from '../../api/types';
import {
  type AccountContext,
  type CommentReceipt,
  type CommentRequest,
  PublishError,
  type PublishRequest,
  type UnpublishRequest,
} from '../kit/adapter';
import type { bearerCaller, CallContext } from '../kit/call';
import { searchableText } from '../kit/content';
import { type PlatformBody, platformFailure, rejected } from '../kit/http';
import { API, isGone, messagePayload, PLATFORM, postIdParts, receiptOf, withFiles } from './message';

type Caller = ReturnType<typeof bearerCaller>;

/** Options only a webhook acts on: a bot posts as itself, and opens no forum post. */
const WEBHOOK_ONLY = ['username', 'avatar_url', 'thread_name'] as const;
/** Discord's epoch (2015-01-01), the origin of snowflakes' timestamps. */
const DISCORD_EPOCH_MS = 1_420_070_400_000;
/** Posts older than the delivery, less clock skew, are not searched (kit/http.ts `postedSince`). */
const SKEW_MS = 2 * 60_000;
/** Messages one Get Channel Messages call returns at most. */
const PAGE = 100;
/**
 * Pages a lookup reads at most (5,000 messages since the delivery began). A channel busier than
 * that cannot be searched: the lookup says so rather than answer "absent" and risk a second post.
 */
const MAX_PAGES = 50;

/** A bot account: its token and the channel it posts in. */
interface Bot {
  token: string;
  channel: string;
}

/**
 * Discord by bot (discord.com/developers/docs/resources/message): `Authorization: Bot <token>`,
 * messages in the account's `channel_id` (or a thread of it, `thread_id`).
 *
 * publish: Create Message with a `nonce` derived from the delivery and `enforce_nonce`, so a
 * repeat within Discord's few minutes answers the message already made instead of a second one.
 * findExisting: the bot's messages in the channel since the delivery began, by text (listed
 * messages carry no nonce). A first comment is a reply (`message_reference`) with its own nonce,
 * looked up among the bot's replies to the post. unpublish: Delete Message.
 */
export function botMode(call: Caller) {
  /** Channel id → its server's id: a channel never moves to another server. */
  const guilds = new Map<string, string>();
  /** A token's hash → the bot's user id (the author of its messages). */
  const users = new Map<string, string>();

  const as = (bot: Bot) => ({ authorization: `Bot ${bot.token}` });

  const guildOf = async (req: CallContext, bot: Bot): Promise<string> => {
    const known = guilds.get(bot.channel);
    if (known) return known;
    const { body } = await inChannel(bot, bot.channel, () =>
      call(req)({
        method: 'GET',
        path: `${API}/channels/${encodeURIComponent(bot.channel)}`,
        headers: as(bot),
      }),
    );
    const guild = String(body.guild_id ?? '');
    if (guild) guilds.set(bot.channel, guild);
    return guild;
  };

  const selfOf = async (req: CallContext, bot: Bot): Promise<string> => {
    const key = createHash('sha256').update(bot.token).digest('hex');
    const known = users.get(key);
    if (known) return known;
    const { body } = await call(req)({ method: 'GET', path: `${API}/users/@me`, headers: as(bot) });
    users.set(key, String(body.id));
    return String(body.id);
  };

  /**
   * The first of the channel's messages after `after` (a snowflake) that `wanted` picks. Discord
   * answers `after` with the page of messages right after it (newest first within the page), so
   * the lookup pages forward from the page's newest until a short page: the whole channel since
   * `after`, however busy, up to MAX_PAGES.
   */
  const firstAfter = async (
    req: CallContext,
    bot: Bot,
    channel: string,
    after: string,
    wanted: (message: PlatformBody) => boolean,
  ): Promise<PlatformBody | undefined> => {
    let from = after;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { body } = await call(req)({
        method: 'GET',
        path: `${API}/channels/${encodeURIComponent(channel)}/messages`,
        query: new URLSearchParams({ after: from, limit: String(PAGE) }),
        headers: as(bot),
      });
      const messages = (Array.isArray(body) ? body : []) as PlatformBody[];
      const found = messages.find(wanted);
      if (found || messages.length < PAGE) return found;
      from = messages
        .map((m) => BigInt(m.id))
        .reduce((a, b) => (b > a ? b : a))
        .toString();
    }
    throw tooBusy(channel);
  };

  return {
    /** The token's bot (`users/@me`) and the account's channel as the bot sees it. */
    async verify(req: CallContext, bot: Bot) {
      const { body: me } = await call(req)({ method: 'GET', path: `${API}/users/@me`, headers: as(bot) });
      const { body: channel } = await inChannel(bot, bot.channel, () =>
        call(req)({
          method: 'GET',
          path: `${API}/channels/${encodeURIComponent(bot.channel)}`,
          headers: as(bot),
        }),
      );
      return {
        id: String(channel.id),
        username: String(me.username),
        ...(channel.name ? { name: `#${channel.name}` } : {}),
      };
    },
    async publish(req: PublishRequest, bot: Bot): Promise<DeliveryReceipt> {
      const o = req.target.options;
      const unsupported = WEBHOOK_ONLY.filter((key) => o[key] !== undefined);
      if (unsupported.length) {
        throw rejected(
          PLATFORM,
          'webhook_only_option',
          `${unsupported.join(', ')} apply to webhook accounts only; a bot account posts as the bot in its channel. Remove them for this target.`,
        );
      }
      const guild = await guildOf(req, bot);
      const channel = typeof o.thread_id === 'string' ? o.thread_id : bot.channel;
      const payload = { ...messagePayload(req), nonce: nonceOf(req.ref), enforce_nonce: true };
      const form = req.media.length ? await withFiles(req, payload) : undefined;
      const { body } = await inChannel(bot, channel, () =>
        call(
          req,
          true,
        )({
          method: 'POST',
          path: `${API}/channels/${encodeURIComponent(channel)}/messages`,
          headers: as(bot),
          ...(form ? { body: form } : { json: payload }),
        }),
      );
      return receiptOf(body, guild, channel !== bot.channel);
    },

    async findExisting(req: PublishRequest, bot: Bot): Promise<DeliveryReceipt | null> {
      const text = searchableText(PLATFORM, req.content.text);
      const self = await selfOf(req, bot);
      const thread = req.target.options.thread_id;
      const channel = typeof thread === 'string' ? thread : bot.channel;
      const after = snowflakeAt(Date.parse(req.since) - SKEW_MS);
      const found = await firstAfter(
        req,
        bot,
        channel,
        after,
        (m) => m.author?.id === self && m.content === text && !m.message_reference,
      );
      return found ? receiptOf(found, await guildOf(req, bot), channel !== bot.channel) : null;
    },

    async comment(req: CommentRequest, bot: Bot): Promise<CommentReceipt> {
      const { channel, message } = replyTarget(req, bot);
      const { body } = await call(
        req,
        true,
      )({
        method: 'POST',
        path: `${API}/channels/${encodeURIComponent(channel)}/messages`,
        headers: as(bot),
        json: {
          content: req.text,
          message_reference: { message_id: message, fail_if_not_exists: true },
          nonce: nonceOf(req.ref),
          enforce_nonce: true,
        },
      });
      return commentReceipt(req, String(body.id));
    },

    async findComment(req: CommentRequest, bot: Bot): Promise<CommentReceipt | null> {
      const { channel, message } = replyTarget(req, bot);
      const self = await selfOf(req, bot);
      const found = await firstAfter(
        req,
        bot,
        channel,
        message,
        (m) => m.author?.id === self && m.message_reference?.message_id === message && m.content === req.text,
      );
      return found ? commentReceipt(req, String(found.id)) : null;
    },

    async unpublish(req: UnpublishRequest, bot: Bot): Promise<'deleted'> {
      const { thread, message } = postIdParts(req.platformPostId);
      const channel = thread ?? bot.channel;
      try {
        await call(req)({
          method: 'DELETE',
          path: `${API}/channels/${encodeURIComponent(channel)}/messages/${encodeURIComponent(message)}`,
          headers: as(bot),
        });
      } catch (err) {
        if (!isGone(err)) throw err;
      }
      return 'deleted';
    },
  };
}

/** Whether the account is a bot's (its credentials have a bot's fields), not a webhook's. */
export const isBotAccount = (account: AccountContext): boolean =>
  account.credentials.bot_token !== undefined || account.credentials.channel_id !== undefined;

/** The account's bot, or undefined for a webhook account; half a bot means reconnecting. */
export function botOf(account: AccountContext): Bot | undefined {
  if (!isBotAccount(account)) return undefined;
  const { bot_token: token, channel_id: channel } = account.credentials;
  if (token && channel && /^\d{1,20}$/.test(channel)) return { token, channel };
  throw platformFailure(
    PLATFORM,
    { category: 'auth', code: 'bot_credentials', reconnect: true },
    "a bot account needs bot_token and channel_id (the channel's id, digits); reconnect it with both.",
  );
}

/**
 * A call in `channel`: where that is the account's own channel, Unknown Channel (10003) means it
 * was deleted and the account must be reconnected with another; in a `thread_id` it stays the
 * target's validation failure.
 */
async function inChannel<T>(bot: Bot, channel: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (channel !== bot.channel || (err as { discordCode?: number }).discordCode !== 10003) throw err;
    throw platformFailure(
      PLATFORM,
      { category: 'auth', code: 'unknown_channel', reconnect: true },
      `the account's channel ${bot.channel} no longer exists (HTTP 404, code 10003); reconnect the account with the channel_id of a channel the bot can post in.`,
    );
  }
}

/** More messages since the delivery than a lookup reads: unknown, never "absent". */
const tooBusy = (channel: string) =>
  new PublishError({
    category: 'system',
    caused_by: 'platform',
    code: `platform.${PLATFORM}.unsearchable`,
    message: `${PLATFORM}: channel ${channel} has more than ${MAX_PAGES * PAGE} messages since the delivery began, too many to look the post up; check the channel.`,
    retryable: false,
    outcomeUnknown: false,
  });

/**
 * The delivery's nonce (Discord takes at most 25 characters): the same for every attempt of one
 * delivery, so `enforce_nonce` answers a repeat with the message the first attempt made.
 */
export function nonceOf(ref: string): string {
  return createHash('sha256').update(ref).digest('base64url').slice(0, 25);
}

/** The snowflake of an instant: messages `after` it were made since. */
export function snowflakeAt(ms: number): string {
  return String(BigInt(Math.max(0, ms - DISCORD_EPOCH_MS)) << 22n);
}

/** The post a first comment replies to, and the channel (or thread) it is in. */
function replyTarget(req: CommentRequest, bot: Bot): { channel: string; message: string } {
  const { thread, message } = postIdParts(req.post.platformPostId);
  return { channel: thread ?? bot.channel, message };
}

/** A reply's link: the post's, with the reply's id (same server and channel). */
function commentReceipt(req: CommentRequest, id: string): CommentReceipt {
  const base = req.post.permalink.replace(/\/\d+$/, '');
  return { commentId: id, permalink: base ? `${base}/${id}` : '' };
}

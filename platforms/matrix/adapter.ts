import { createHash } from 'node:crypto';
import type { DeliveryReceipt } from '../../api/types';
import { PUBLIC_ONLY } from '../../net/guard';
import {
  type AccountContext,
  type AdapterOptions,
  type CommentRequest,
  type JsonValue,
  type PlatformAdapter,
  type StepState,
} from '../kit/adapter';
import { bearerCaller, type CallRequest } from '../kit/call';
import { sameText, searchableText } from '../kit/content';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  postedSince,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { failedForGood } from '../kit/live-receipt';
import { MAX_LOOKUP_PAGES, readWindow } from '../kit/lookup-window';
import { metricCount } from '../kit/metric-count';
import { assertTokenFresh } from '../kit/oauth2';
import { streamedFile } from '../kit/streamed-form';
import { ROOM } from './descriptor';
import {
  anchorOf,
  commentContent,
  eventsOf,
  filenameOf,
  msgtypeOf,
  partNames,
  permalinkOf,
  repliedTo,
  serverOf,
  txnIdOf,
  type UploadedMedia,
} from './events';

const PLATFORM = 'matrix';
const CLIENT = '/_matrix/client/v3';
/** The relations endpoint is in the client API's v1 (Matrix 1.3). */
const CLIENT_V1 = '/_matrix/client/v1';
/** Reactions a metrics read counts, at most (100 a page): past it the count is a floor. */
const REACTION_PAGES = 20;
/** How many of the account's messages in the room reconcile reads a page. */
const RECONCILE_WINDOW = 50;

/**
 * Matrix's error answers (`{ errcode, error }`, Client-Server API "Standard error response"), by
 * `errcode`; anything else by HTTP status. M_UNKNOWN_TOKEN is read with its `soft_logout` flag in
 * `ruleFor`.
 */
const ERRCODES: Readonly<Record<string, FailureRule>> = {
  // Not in the room, or the room's power levels do not let the user post (or redact).
  M_FORBIDDEN: { category: 'auth', code: 'forbidden' },
  M_MISSING_TOKEN: { category: 'auth', code: 'auth', reconnect: true },
  M_USER_DEACTIVATED: { category: 'auth', code: 'user_deactivated', reconnect: true },
  M_LIMIT_EXCEEDED: { category: 'rate_limit', code: 'rate_limit', retryable: true },
  // A file over the homeserver's `m.upload.size`, or an event over 64 KiB.
  M_TOO_LARGE: { category: 'validation', code: 'too_large' },
  // A room or alias that does not exist (or that the user cannot see).
  M_NOT_FOUND: { category: 'validation', code: 'not_found' },
  M_BAD_JSON: { category: 'validation', code: 'rejected' },
  M_NOT_JSON: { category: 'validation', code: 'rejected' },
  M_INVALID_PARAM: { category: 'validation', code: 'rejected' },
  // The homeserver is over a limit its admin set (monthly active users, disk): nothing to retry.
  M_RESOURCE_LIMIT_EXCEEDED: { category: 'platform', code: 'resource_limit' },
};

function ruleFor(status: number, body: PlatformBody): FailureRule {
  if (body.errcode === 'M_UNKNOWN_TOKEN') {
    // soft_logout: the token expired (a refresh token renews it); otherwise the session is gone
    // (logged out, device deleted) and only a new token helps.
    return body.soft_logout === true
      ? { category: 'auth', code: 'expired_token', refreshable: true }
      : { category: 'auth', code: 'auth', reconnect: true };
  }
  return ERRCODES[String(body.errcode)] ?? ruleForStatus(status);
}

/**
 * Matrix (Client-Server API v3) on the account's homeserver: `homeserver_url`, `access_token`
 * (a user's; with `refresh_token` and `expires_at` where the homeserver issues refresh tokens)
 * and `room_id` (a room id, or an alias resolved on each step) in the credentials.
 *
 * prepare: each media item to the media repository (`POST /_matrix/media/v3/upload`, an `mxc://`
 * URI). publish: the post's events (events.ts) one after the other, each a `PUT …/send/
 * m.room.message/{txnId}` with a transaction id derived from the delivery: a repeated send
 * returns the event made the first time, so publishing again after any failure sends only what is
 * missing. reconcile: the account's newest messages in the room, by transaction id. delete:
 * every event of the post redacted. A first comment is a reply (or a thread) to the text event,
 * its transaction id derived from the comment's ref.
 */
export function createMatrixAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: homeserverOf,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    // The homeserver is the account's own: every call is SSRF-guarded.
    userHost: options.outbound ?? PUBLIC_ONLY,
    failure,
  });
  type Step = { account: AccountContext; signal: AbortSignal };
  const call = (req: Step, irreversible = false) => {
    assertTokenFresh(PLATFORM, req.account.credentials);
    return caller(req, irreversible);
  };

  /** The room's id: the credentials' room id, or the room their alias points at now. */
  const roomOf = async (req: Step): Promise<string> => {
    const room = req.account.credentials.room_id ?? '';
    if (!ROOM.test(room)) {
      throw rejected(
        PLATFORM,
        'room_id',
        'the account has no room_id (!room:server or #alias:server); reconnect it.',
      );
    }
    if (room.startsWith('!')) return room;
    const { body } = await call(req)({
      method: 'GET',
      path: `${CLIENT}/directory/room/${encodeURIComponent(room)}`,
    });
    return String(body.room_id);
  };

  /** Sends one message event; the same transaction id always yields the same event. */
  const send = async (req: Step, room: string, txnId: string, content: unknown): Promise<string> => {
    const { body } = await call(
      req,
      true,
    )({
      method: 'PUT',
      path: `${CLIENT}/rooms/${encodeURIComponent(room)}/send/m.room.message/${encodeURIComponent(txnId)}`,
      json: content,
    });
    return String(body.event_id);
  };

  const redact = async (req: Step, room: string, eventId: string): Promise<void> => {
    const txnId = `pf-redact-${createHash('sha256').update(eventId).digest('hex').slice(0, 32)}`;
    try {
      await call(req)({
        method: 'PUT',
        path: `${CLIENT}/rooms/${encodeURIComponent(room)}/redact/${encodeURIComponent(eventId)}/${txnId}`,
        json: {},
      });
    } catch (err) {
      if ((err as { status?: number }).status !== 404) throw err; // gone already
    }
  };

  /**
   * The account's message events in the room since `since` (newest first, page after page back
   * from the newest: `from` the previous page's `end`), each with `unsigned.transaction_id` where
   * this device sent it.
   */
  const ownMessages = async (req: Step, room: string, since: string) => {
    const { body: me } = await call(req)({ method: 'GET', path: `${CLIENT}/account/whoami` });
    const filter = { senders: [String(me.user_id)], types: ['m.room.message'] };
    const chunk = await readWindow<PlatformBody>({
      platform: PLATFORM,
      what: `the account has sent more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} messages in the room`,
      until: { since, createdAt: tsOf },
      read: async (from) => {
        const query = new URLSearchParams({
          dir: 'b',
          limit: String(RECONCILE_WINDOW),
          filter: JSON.stringify(filter),
          ...(from ? { from } : {}),
        });
        const { body } = await call(req)({
          method: 'GET',
          path: `${CLIENT}/rooms/${encodeURIComponent(room)}/messages`,
          query,
        });
        return { items: Array.isArray(body.chunk) ? body.chunk : [], next: body.end };
      },
    });
    return chunk.filter((e) => e.sender === me.user_id && !e.unsigned?.redacted_because);
  };

  return {
    platform: PLATFORM,

    /**
     * The token's user (`whoami`) and its membership of the account's room (`joined_members`
     * answers members only): a room the user has not joined is refused like a wrong token.
     */
    async verifyCredentials(account, signal) {
      const req = { account, signal };
      const { body: me } = await call(req)({ method: 'GET', path: `${CLIENT}/account/whoami` });
      const room = await roomOf(req);
      await call(req)({ method: 'GET', path: `${CLIENT}/rooms/${encodeURIComponent(room)}/joined_members` });
      return { id: String(me.user_id), username: String(me.user_id) };
    },

    async prepare(req) {
      const media: UploadedMedia[] = [];
      for (const [i, file] of req.media.entries()) {
        // Read from storage as it is sent: a homeserver may take videos far larger than memory should hold.
        const reader = await file.open();
        const { contentType } = reader;
        const msgtype = msgtypeOf(contentType);
        if (!msgtype) {
          throw rejected(
            PLATFORM,
            'media_type',
            `media[${i}] is ${contentType}; Matrix posts take images and videos.`,
          );
        }
        const filename = filenameOf(file.ref.source, file.ref.source_type, msgtype, i);
        const { body } = await call(req)({
          method: 'POST',
          path: '/_matrix/media/v3/upload',
          query: new URLSearchParams({ filename }),
          ...streamedFile(reader),
        });
        media.push({
          mxc: String(body.content_uri),
          msgtype,
          mimetype: contentType,
          size: reader.size,
          filename,
        });
      }
      return { ready: { media: media as unknown as JsonValue } };
    },

    async publish(req, prepared: StepState) {
      const room = await roomOf(req);
      const media = (Array.isArray(prepared.media) ? prepared.media : []) as unknown as UploadedMedia[];
      const events = eventsOf(req.content.text, req.target.options, media);
      const ids: string[] = [];
      try {
        for (const { part, content } of events)
          ids.push(await send(req, room, txnIdOf(req.ref, part), content));
      } catch (err) {
        // Refused for good after some events went out (an event over 64 KiB, a permission lost
        // mid-post): those are withdrawn, so the room keeps no half post and a retry starts clean.
        // Any other failure leaves them: publishing again re-sends them under the same ids.
        if (ids.length > 0 && failedForGood(err))
          for (const id of ids) await redact(req, room, id).catch(() => undefined);
        throw err;
      }
      return receiptOf(
        room,
        viaOf(req.account),
        ids,
        events.some((e) => e.part === 'text'),
        new Date().toISOString(),
      );
    },

    /**
     * Every event of the post among the account's newest messages, by the transaction ids this
     * device sent them with. Some but not all of them is "absent": publishing again sends only the
     * missing ones (the homeserver keeps transaction ids for a day; Synapse: 24 hours). None of
     * them, while the account posted from another device since the delivery began (a new access
     * token), is looked for by content: the text, and the media events just before it.
     */
    async findExisting(req) {
      const room = await roomOf(req);
      const messages = await ownMessages(req, room, req.since);
      const hasText = req.content.text.trim() !== '';
      // The post's media: resolved in a publish request, only named in a lookup's.
      const mediaCount = req.media.length || req.content.media.length;
      const parts = partNames(mediaCount, hasText);
      const byTxn = parts.map((part) =>
        messages.find((e) => e.unsigned?.transaction_id === txnIdOf(req.ref, part)),
      );
      if (byTxn.every(Boolean)) return found(room, viaOf(req.account), byTxn as PlatformBody[], hasText);
      if (byTxn.some(Boolean)) return null;
      const elsewhere = messages.filter(
        (e) => !e.unsigned?.transaction_id && postedSince(tsOf(e), req.since),
      );
      if (elsewhere.length === 0) return null;
      const text = searchableText(PLATFORM, req.content.text);
      const at = elsewhere.findIndex((e) => !repliedTo(e) && sameText(e.content?.body, text));
      if (at < 0) return null;
      // Newest first: the media sent before the text follow it in the list.
      const media = elsewhere.slice(at + 1, at + 1 + mediaCount);
      if (media.length < mediaCount || media.some((e) => !/^m\.(image|video)$/.test(e.content?.msgtype))) {
        return null;
      }
      return found(room, viaOf(req.account), [...media.reverse(), elsewhere[at]!], true);
    },

    /** A reply to the post's text event (or a thread on it), sent under the comment's own transaction id. */
    async comment(req) {
      const room = await roomOf(req);
      const anchor = anchorOf(req.post.platformPostId.split(','), req.post.metadata);
      const content = commentContent(req.text, anchor, req.target.options.comment_in_thread === true);
      const id = await send(req, room, txnIdOf(req.ref, 'comment'), content);
      return { commentId: id, permalink: permalinkOf(room, id, viaOf(req.account)) };
    },

    /**
     * The comment with its text: by its transaction id, or (sent from another device) by its parent
     * since the step began.
     */
    async findComment(req: CommentRequest) {
      const room = await roomOf(req);
      const anchor = anchorOf(req.post.platformPostId.split(','), req.post.metadata);
      const messages = await ownMessages(req, room, req.since);
      const txnId = txnIdOf(req.ref, 'comment');
      const match = messages.find(
        (e) =>
          sameText(e.content?.body, req.text) &&
          (e.unsigned?.transaction_id === txnId ||
            (!e.unsigned?.transaction_id && repliedTo(e) === anchor && postedSince(tsOf(e), req.since))),
      );
      return match
        ? {
            commentId: String(match.event_id),
            permalink: permalinkOf(room, String(match.event_id), viaOf(req.account)),
          }
        : null;
    },

    /**
     * The post's text event (its anchor): `GET /rooms/{roomId}/event/{eventId}` says whether it is
     * still there (404, or redacted) and, in `unsigned.m.relations.m.thread.count`, how many
     * messages its thread holds (the server's aggregation); its reactions are the `m.annotation`
     * relations (`GET /_matrix/client/v1/rooms/{roomId}/relations/{eventId}/m.annotation`, paged
     * by `next_batch`), one `m.reaction` event each. Matrix has no shares or saves.
     */
    async fetchMetrics(req) {
      const room = await roomOf(req);
      const anchor = anchorOf(req.post.platformPostId.split(','), req.post.metadata);
      const at = `rooms/${encodeURIComponent(room)}`;
      let event: PlatformBody;
      try {
        ({ body: event } = await call(req)({
          method: 'GET',
          path: `${CLIENT}/${at}/event/${encodeURIComponent(anchor)}`,
        }));
      } catch (err) {
        if ((err as { status?: number }).status === 404) return null; // gone
        throw err;
      }
      if (event.unsigned?.redacted_because) return null; // redacted: deleted
      let reactions = 0;
      let from: string | undefined;
      for (let page = 0; page < REACTION_PAGES; page++) {
        const query = new URLSearchParams({ limit: '100', ...(from ? { from } : {}) });
        const { body } = await call(req)({
          method: 'GET',
          path: `${CLIENT_V1}/${at}/relations/${encodeURIComponent(anchor)}/m.annotation`,
          query,
        });
        const chunk: PlatformBody[] = Array.isArray(body.chunk) ? body.chunk : [];
        reactions += chunk.filter((e) => e?.type === 'm.reaction').length;
        if (typeof body.next_batch !== 'string') break;
        from = body.next_batch;
      }
      return {
        likes: reactions,
        comments: metricCount(event.unsigned?.['m.relations']?.['m.thread']?.count),
        shares: 0,
        saves: 0,
        extra: {},
      };
    },

    /** Redacts every event of the post (its platform post id lists them); one gone already counts as deleted. */
    async unpublish(req) {
      const room = await roomOf(req);
      for (const id of req.platformPostId.split(',')) await redact(req, room, id);
      return 'deleted';
    },

    /**
     * Matrix refresh tokens (`POST /_matrix/client/v3/refresh`, Matrix 1.3), where the account has
     * one. The device stays the same, and so do the transaction ids it already used.
     */
    async refresh(account) {
      const refreshToken = account.credentials.refresh_token;
      if (!refreshToken) {
        throw platformFailure(
          PLATFORM,
          { category: 'auth', code: 'auth', reconnect: true },
          'the access token is no longer valid and the account has no refresh_token; reconnect it with a new access token.',
        );
      }
      // The refresh token authenticates the call: no access token is sent.
      const { access_token: _dead, ...rest } = account.credentials;
      const request: CallRequest = {
        method: 'POST',
        path: `${CLIENT}/refresh`,
        json: { refresh_token: refreshToken },
      };
      const { body } = await caller({
        account: { ...account, credentials: rest },
        signal: new AbortController().signal,
      })(request);
      return {
        access_token: String(body.access_token),
        // The homeserver may keep the refresh token (it then stays valid) or rotate it.
        refresh_token: typeof body.refresh_token === 'string' ? body.refresh_token : refreshToken,
        expires_at:
          typeof body.expires_in_ms === 'number'
            ? new Date(Date.now() + body.expires_in_ms).toISOString()
            : '',
      };
    },
  };
}

/** The server a permalink names for the room: that of the room id or alias the account names. */
const viaOf = (account: AccountContext) => serverOf(account.credentials.room_id ?? '');

/** The account's homeserver, as its credentials name it. */
function homeserverOf(account: AccountContext): string {
  const url = (account.credentials.homeserver_url ?? '').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(url)) {
    throw rejected(
      PLATFORM,
      'homeserver_url',
      'the account has no homeserver_url (https://your.server); reconnect it.',
    );
  }
  return url;
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const rule = ruleFor(status, body);
  // retry_after_ms in the body; Matrix 1.10 adds the Retry-After header.
  const retryAfter =
    rule.category === 'rate_limit'
      ? typeof body.retry_after_ms === 'number'
        ? body.retry_after_ms
        : retryAfterMs(response.headers)
      : undefined;
  const said = body.error ?? body.errcode ?? body.text ?? response.statusText;
  const code = body.errcode ? ` ${String(body.errcode)}` : '';
  const err = platformFailure(PLATFORM, rule, `${String(said)} (HTTP ${status}${code})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  Object.assign(err, { status });
  return err;
}

const tsOf = (event: PlatformBody) => new Date(Number(event.origin_server_ts ?? Date.now())).toISOString();

/** The receipt of events found in the room (in send order). */
function found(
  room: string,
  via: string | undefined,
  events: PlatformBody[],
  hasText: boolean,
): DeliveryReceipt {
  const ids = events.map((e) => String(e.event_id));
  return receiptOf(room, via, ids, hasText, tsOf(events[events.length - 1]!));
}

/**
 * The post's receipt: its platform post id lists every event id in send order (delete redacts
 * them all), the text event last; the permalink and a first comment go to the text event.
 */
function receiptOf(
  room: string,
  via: string | undefined,
  ids: string[],
  hasText: boolean,
  publishedAt: string,
): DeliveryReceipt {
  const anchor = ids[ids.length - 1]!;
  return {
    platformPostId: ids.join(','),
    permalink: permalinkOf(room, anchor, via),
    publishedAt,
    metadata: {
      room_id: room,
      event_ids: ids,
      ...(hasText ? { text_event_id: anchor } : {}),
      media_event_ids: hasText ? ids.slice(0, -1) : ids,
    },
  };
}

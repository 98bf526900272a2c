import { createHash } from 'node:crypto';
import type { DeliveryReceipt } from '../../api/types';
import type {
  AccountContext,
  AdapterOptions,
  CommentReceipt,
  CommentRequest,
  MediaFile,
  PlatformAdapter,
  PublishRequest,
} from '../kit/adapter';
import { bearerCaller, type CallContext, type CallRequest } from '../kit/call';
import { sameText, searchableText } from '../kit/content';
import { MAX_LOOKUP_PAGES, searchWindow } from '../kit/lookup-window';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  postedSince,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';

const PLATFORM = 'farcaster';
/** How many of the account's casts (replies included) a reconcile page holds. */
const RECONCILE_WINDOW = 50;
/** How many of a cast's direct replies a `findComment` page holds (the conversation's largest page). */
const REPLY_WINDOW = 50;
/** An embed's URL is at most 256 bytes (the protocol's limit on a cast's embeds). */
const EMBED_MAX_BYTES = 256;
/**
 * How long a library media item's URL stays valid. Farcaster clients load an embed's URL each time
 * they show the cast; 7 days is the longest a signed URL lives. A lasting embed is a URL media item
 * on a host the user keeps.
 */
const EMBED_URL_TTL_MS = 7 * 24 * 3_600_000;
/**
 * Neynar counts its rate limits per minute (docs.neynar.com, "Rate limits") and its 429 carries no
 * Retry-After: without one, the next window is at most this far.
 */
const RATE_WINDOW_MS = 60_000;

/**
 * Neynar's error answers: `{ message, code, property? }` with the meaning in the status. A Neynar
 * API key never expires and there is no refresh: 401 is a wrong or revoked key, 403 a signer that
 * is not approved or not made with this key; either way the account must be reconnected. 400 is a
 * cast Neynar refuses (too long, a bad embed or channel), 404 a cast or signer that does not exist.
 */
const ERROR_STATUSES: Readonly<Record<number, FailureRule>> = {
  400: { category: 'validation', code: 'rejected' },
  401: { category: 'auth', code: 'auth', reconnect: true },
  403: { category: 'auth', code: 'forbidden', reconnect: true },
  404: { category: 'validation', code: 'not_found' },
};

/**
 * Farcaster, through Neynar's v2 API (docs.neynar.com/reference) with a managed signer: the
 * account's `api_key` in the `x-api-key` header and its `signer_uuid` in every write.
 *
 * publish: `POST /v2/farcaster/cast` with the text, the media as embeds by URL (no upload: casts
 * carry URLs only), the channel and parent options, and `idem`, Neynar's idempotency key, derived
 * from the delivery's ref so a repeated call does not cast twice. No prepare. reconcile: the
 * signer's fid (`GET /v2/farcaster/signer`), then its newest casts (`/v2/farcaster/feed/user/casts`),
 * by text and parent since the delivery began. A first comment is a reply cast (`parent` = the
 * post's hash, `idem` from the comment's ref), looked up among the cast's direct replies
 * (`/v2/farcaster/cast/conversation`). unpublish: `DELETE /v2/farcaster/cast`.
 */
export function createFarcasterAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: (options.baseUrl ?? 'https://api.neynar.com').replace(/\/$/, ''),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    failure,
  });
  /** Every call carries the account's key in Neynar's `x-api-key` header (no bearer token). */
  const call = (req: CallContext & { account: AccountContext }, irreversible = false) => {
    const send = caller(req, irreversible);
    return (request: CallRequest) =>
      send({ ...request, headers: { 'x-api-key': credential(req.account, 'api_key'), ...request.headers } });
  };

  /** The account's fid: the one its signer casts as. */
  const fidOf = async (req: CallContext & { account: AccountContext }): Promise<number> => {
    const { body } = await call(req)({
      method: 'GET',
      path: '/v2/farcaster/signer',
      query: new URLSearchParams({ signer_uuid: credential(req.account, 'signer_uuid') }),
    });
    if (typeof body.fid === 'number') return body.fid;
    throw platformFailure(
      PLATFORM,
      { category: 'auth', code: 'signer_not_approved', reconnect: true },
      `the signer is ${String(body.status ?? 'not approved')} and casts as no account; approve it, or reconnect with an approved signer.`,
    );
  };

  /** One cast, keyed by `idem`: Neynar answers a repeated key with the cast it made. */
  const cast = async (req: PublishRequest | CommentRequest, body: Record<string, unknown>, ref: string) => {
    const { body: answer } = await call(
      req,
      true,
    )({
      method: 'POST',
      path: '/v2/farcaster/cast',
      json: { signer_uuid: credential(req.account, 'signer_uuid'), ...body, idem: idemOf(ref) },
    });
    return (answer.cast ?? {}) as PlatformBody;
  };

  return {
    platform: PLATFORM,

    /**
     * The key and the signer (`GET /v2/farcaster/signer`: a wrong key is 401, another key's or no
     * signer 404, a signer not approved casts as nobody), then the fid's user (`user/bulk`).
     */
    async verifyCredentials(account, signal) {
      const req = { account, signal };
      const fid = await fidOf(req);
      const { body } = await call(req)({
        method: 'GET',
        path: '/v2/farcaster/user/bulk',
        query: new URLSearchParams({ fids: String(fid) }),
      });
      const user = ((body.users ?? [])[0] ?? {}) as PlatformBody;
      return {
        id: String(fid),
        ...(user.username ? { username: String(user.username) } : {}),
        ...(user.display_name ? { name: String(user.display_name) } : {}),
        ...(user.pfp_url ? { pictureUrl: String(user.pfp_url) } : {}),
      };
    },

    async publish(req) {
      const o = req.target.options;
      const embeds = await Promise.all(req.media.map(embedOf));
      const made = await cast(
        req,
        {
          text: req.content.text,
          ...(embeds.length ? { embeds } : {}),
          ...(typeof o.channel_id === 'string' ? { channel_id: o.channel_id } : {}),
          ...(typeof o.parent === 'string' ? { parent: o.parent } : {}),
        },
        req.ref,
      );
      return receiptOf(made);
    },

    async findExisting(req) {
      const text = searchableText(PLATFORM, req.content.text);
      const fid = await fidOf(req);
      const parent = typeof req.target.options.parent === 'string' ? req.target.options.parent : null;
      // Newest first, page after page (`cursor`: the last page's `next.cursor`) back to the delivery.
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the account has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} casts`,
        read: async (cursor) => {
          const { body } = await call(req)({
            method: 'GET',
            path: '/v2/farcaster/feed/user/casts',
            query: new URLSearchParams({
              fid: String(fid),
              limit: String(RECONCILE_WINDOW),
              include_replies: 'true',
              ...(cursor ? { cursor } : {}),
            }),
          });
          return { items: castsOf(body), next: body.next?.cursor ?? undefined };
        },
        until: { since: req.since, createdAt: (c) => c.timestamp },
        matches: (c) =>
          sameHash(c.parent_hash, parent) && sameText(c.text, text) && postedSince(c.timestamp, req.since),
      });
      return found ? receiptOf(found) : null;
    },

    async comment(req) {
      const made = await cast(req, { text: req.text, parent: req.post.platformPostId }, req.ref);
      return commentReceiptOf(made);
    },

    /** The account's direct reply to the post with this text, made since the comment step began. */
    async findComment(req) {
      const text = searchableText(PLATFORM, req.text);
      const fid = await fidOf(req);
      // Every page of direct replies (`cursor`: the last page's `next.cursor`).
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the cast has more than ${MAX_LOOKUP_PAGES * REPLY_WINDOW} replies`,
        read: async (cursor) => {
          const { body } = await call(req)({
            method: 'GET',
            path: '/v2/farcaster/cast/conversation',
            query: new URLSearchParams({
              identifier: req.post.platformPostId,
              type: 'hash',
              reply_depth: '1',
              limit: String(REPLY_WINDOW),
              ...(cursor ? { cursor } : {}),
            }),
          });
          const replies = body.conversation?.cast?.direct_replies;
          return { items: Array.isArray(replies) ? replies : [], next: body.next?.cursor ?? undefined };
        },
        matches: (c) =>
          c.author?.fid === fid && sameText(c.text, text) && postedSince(c.timestamp, req.since),
      });
      return found ? commentReceiptOf(found) : null;
    },

    async unpublish(req) {
      try {
        await call(req)({
          method: 'DELETE',
          path: '/v2/farcaster/cast',
          json: { signer_uuid: credential(req.account, 'signer_uuid'), target_hash: req.platformPostId },
        });
      } catch (err) {
        if ((err as { status?: number }).status === 404) return 'deleted'; // gone already
        throw err;
      }
      return 'deleted';
    },
  };
}

/**
 * Neynar's `idem` for one cast: the first 16 hex digits of the ref's SHA-256, the 16-character key
 * Neynar recommends, the same on every attempt of the delivery (or its first comment).
 */
export function idemOf(ref: string): string {
  return createHash('sha256').update(ref).digest('hex').slice(0, 16);
}

/** A media item as an embed: its URL, which the protocol holds to 256 bytes. */
async function embedOf(file: MediaFile): Promise<{ url: string }> {
  const url = await file.publicUrl(EMBED_URL_TTL_MS);
  if (Buffer.byteLength(url) > EMBED_MAX_BYTES) {
    throw rejected(
      PLATFORM,
      'embed_too_long',
      `a media URL is over ${EMBED_MAX_BYTES} bytes, the longest a cast embeds; use a shorter URL.`,
    );
  }
  return { url };
}

function credential(account: AccountContext, key: 'api_key' | 'signer_uuid'): string {
  const value = account.credentials[key];
  if (value) return value;
  throw platformFailure(
    PLATFORM,
    { category: 'auth', code: key, reconnect: true },
    `the account has no ${key}; reconnect it with a Neynar API key and an approved signer.`,
  );
}

const castsOf = (body: PlatformBody): PlatformBody[] => (Array.isArray(body.casts) ? body.casts : []);

/** Cast hashes compare case-insensitively (hex); `null` is a cast that replies to none. */
const sameHash = (a: unknown, b: string | null) =>
  (typeof a === 'string' ? a.toLowerCase() : null) === (b === null ? null : b.toLowerCase());

/**
 * A cast's link on farcaster.xyz: `/<username>/<hash>` where the answer names the author (lookups
 * do; the cast call's answer does not), else `/~/conversations/<hash>`, which opens any cast.
 */
function permalinkOf(cast: PlatformBody): string {
  const hash = String(cast.hash);
  const username = cast.author?.username;
  return typeof username === 'string' && username
    ? `https://farcaster.xyz/${encodeURIComponent(username)}/${hash}`
    : `https://farcaster.xyz/~/conversations/${hash}`;
}

function receiptOf(cast: PlatformBody): DeliveryReceipt {
  return {
    platformPostId: String(cast.hash),
    permalink: permalinkOf(cast),
    publishedAt: new Date(cast.timestamp ? String(cast.timestamp) : Date.now()).toISOString(),
  };
}

function commentReceiptOf(cast: PlatformBody): CommentReceipt {
  return { commentId: String(cast.hash), permalink: permalinkOf(cast) };
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const rule = ERROR_STATUSES[status] ?? ruleForStatus(status);
  const retryAfter = status === 429 ? (retryAfterMs(response.headers) ?? RATE_WINDOW_MS) : undefined;
  const said = body.message ?? body.text ?? response.statusText;
  const err = platformFailure(PLATFORM, rule, `${String(said)} (HTTP ${status})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  Object.assign(err, { status });
  return err;
}

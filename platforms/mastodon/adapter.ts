import {
  type AccountContext,
  type AdapterOptions,
  type CommentRequest,
  type MediaFile,
  type PlatformAdapter,
  type Prepared,
  type PublishRequest,
  type StepState,
} from '../kit/adapter';
import {
  type FailureRule,
  platformFailure,
  postedSince,
  type PlatformBody,
  rejected,
  resetAfterMs,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { bearerCaller } from '../kit/call';
import { MAX_LOOKUP_PAGES, searchWindow } from '../kit/lookup-window';
import { continueThread, startThread, type ThreadReplies } from '../kit/thread';
import { altTextAt, sameText, searchableText, stringList } from '../kit/content';
import { streamedForm } from '../kit/streamed-form';
import { PUBLIC_ONLY } from '../../net/guard';

const PLATFORM = 'mastodon';
/** Mastodon asks clients to poll processing media no more often than this. */
const MEDIA_POLL_MS = 2_000;
/** How many of the account's own statuses a reconcile page holds (Mastodon's largest page). */
const RECONCILE_WINDOW = 40;
/** Postflow visibility → Mastodon's; `visibility` in the options wins. */
const VISIBILITY: Record<string, string> = {
  public: 'public',
  logged_in: 'unlisted',
  connections_only: 'private',
  private: 'private',
};

/**
 * Mastodon's error answers (docs.joinmastodon.org/entities/Error): `{ "error": "…" }` with the
 * meaning in the status code. 422 is a status or media Mastodon refuses; 404 after a delete is
 * "already gone".
 */
function ruleFor(status: number): FailureRule {
  if (status === 422) return { category: 'validation', code: 'rejected' };
  // Mastodon tokens never expire and have no refresh: a 401 means the token was revoked (the user
  // removed the app, or an admin suspended the account), so it stays refused until a reconnect.
  if (status === 401) return { category: 'auth', code: 'auth', reconnect: true };
  return ruleForStatus(status);
}

/**
 * Mastodon (REST API v1/v2), on the account's own server: `instance_url` and `access_token` in
 * the account's credentials (an app token with `write:statuses write:media read:accounts`).
 *
 * prepare: upload each file (`POST /api/v2/media`), polled while the server processes it;
 * publish: `POST /api/v1/statuses` with an `Idempotency-Key`, so even a replayed call within the
 * server's hour does not post twice; reconcile: the account's latest statuses, by text. A first
 * comment is a reply status (`in_reply_to_id`), keyed and looked up the same way. A thread (the
 * post's `segments`) continues in `checkPublished`, one reply status per step, each keyed by the
 * delivery and its index (kit/thread.ts); a first comment goes under the root.
 */
export function createMastodonAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: instanceOf,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    // The server is the account's own: every call is SSRF-guarded.
    userHost: options.outbound ?? PUBLIC_ONLY,
    failure,
  });
  const call = (req: { account: AccountContext; signal: AbortSignal }, irreversible = false) => {
    const send = caller(req, irreversible);
    return (method: string, path: string, body?: RequestInit['body'], headers: Record<string, string> = {}) =>
      send({ method, path, headers, ...(body !== undefined ? { body } : {}) });
  };

  const upload = async (req: PublishRequest, file: MediaFile, i: number) => {
    // Read from storage as the form goes out: an instance may take videos larger than memory should hold.
    const reader = await file.open();
    const alt = altTextAt(req.target.options, i);
    const form = streamedForm(alt ? { description: alt } : {}, {
      field: 'file',
      filename: `media-${i}`,
      reader,
    });
    const { body } = await call(req)('POST', '/api/v2/media', form.body, form.headers);
    return { id: String(body.id), ready: body.url !== null && body.url !== undefined };
  };

  /** Media still being processed is polled; the status is posted once all of it is ready. */
  const pending = async (req: PublishRequest, ids: string[], waiting: string[]): Promise<Prepared> => {
    const still: string[] = [];
    for (const id of waiting) {
      const { status } = await call(req)('GET', `/api/v1/media/${encodeURIComponent(id)}`);
      if (status === 206) still.push(id); // 206 Partial Content: still processing
    }
    return still.length
      ? { processing: { media_ids: ids, waiting: still }, pollAfterMs: MEDIA_POLL_MS }
      : { ready: { media_ids: ids } };
  };

  /**
   * The account's first status that `matches`, newest first, page after page back (the `max_id` of
   * the Link header's `rel="next"`), down to the status `after` (Mastodon's `since_id`) or, by
   * creation time, to `after.since` (`filters`: Mastodon's query flags).
   */
  const findStatus = async (
    req: PublishRequest | CommentRequest,
    filters: string,
    after: { sinceId: string } | { since: string },
    matches: (status: PlatformBody) => boolean,
  ) => {
    const api = call(req);
    const { body: me } = await api('GET', '/api/v1/accounts/verify_credentials');
    const path = `/api/v1/accounts/${encodeURIComponent(String(me.id))}/statuses`;
    const sinceId = 'sinceId' in after ? `&since_id=${encodeURIComponent(after.sinceId)}` : '';
    return searchWindow<PlatformBody>({
      platform: PLATFORM,
      what: `the account has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} statuses`,
      read: async (maxId) => {
        const page = maxId ? `&max_id=${encodeURIComponent(maxId)}` : '';
        const { body, headers } = await api(
          'GET',
          `${path}?limit=${RECONCILE_WINDOW}&${filters}${sinceId}${page}`,
        );
        const items = (Array.isArray(body) ? body : Object.values(body)) as PlatformBody[];
        return { items, next: nextMaxId(headers.get('link')) };
      },
      ...('since' in after
        ? { until: { since: after.since, createdAt: (s: PlatformBody) => s.created_at } }
        : {}),
      matches,
    });
  };

  /**
   * A thread's reply (kit/thread.ts): the account's status replying to the previous post with
   * this text, if a previous try posted it (the parent is unique to this delivery), else a new
   * one with an Idempotency-Key from the delivery and the reply's index. Replies take the post's
   * visibility.
   */
  const thread: ThreadReplies = {
    platform: PLATFORM,
    displayName: 'Mastodon',
    async reply(req, { index, text, chain }) {
      const parent = chain.at(-1)!.id;
      const found = await findStatus(
        req,
        'exclude_reblogs=true',
        { sinceId: parent },
        (s) => String(s.in_reply_to_id) === parent && sameText(plainText(String(s.content ?? '')), text),
      );
      if (found) return { post: { id: String(found.id) } };
      const o = req.target.options;
      const reply = {
        status: text,
        in_reply_to_id: parent,
        visibility: visibilityOf(req),
        ...(o.spoiler_text ? { spoiler_text: String(o.spoiler_text) } : {}),
        ...(o.sensitive !== undefined ? { sensitive: Boolean(o.sensitive) } : {}),
        ...(o.language ? { language: String(o.language) } : {}),
      };
      const { body } = await call(req, true)('POST', '/api/v1/statuses', JSON.stringify(reply), {
        'content-type': 'application/json',
        'idempotency-key': `${req.ref}/thread/${index}`,
      });
      return { post: { id: String(body.id) } };
    },
  };

  return {
    platform: PLATFORM,

    /** The token's account (`verify_credentials`), as `user@instance`. */
    async verifyCredentials(account, signal) {
      const { body: me } = await call({ account, signal })('GET', '/api/v1/accounts/verify_credentials');
      const host = new URL(instanceOf(account)).host;
      return {
        id: String(me.id),
        username: `${me.username}@${host}`,
        ...(me.display_name ? { name: String(me.display_name) } : {}),
        ...(me.avatar ? { pictureUrl: String(me.avatar) } : {}),
      };
    },

    async prepare(req) {
      const uploaded = [];
      for (const [i, file] of req.media.entries()) uploaded.push(await upload(req, file, i));
      const ids = uploaded.map((u) => u.id);
      const waiting = uploaded.filter((u) => !u.ready).map((u) => u.id);
      return waiting.length
        ? { processing: { media_ids: ids, waiting }, pollAfterMs: MEDIA_POLL_MS }
        : { ready: { media_ids: ids } };
    },

    async checkPrepared(req, state) {
      return pending(req, stringList(state.media_ids), stringList(state.waiting));
    },

    async publish(req, prepared: StepState) {
      const o = req.target.options;
      const status = {
        status: req.content.text,
        media_ids: stringList(prepared.media_ids),
        visibility: visibilityOf(req),
        ...(o.spoiler_text ? { spoiler_text: String(o.spoiler_text) } : {}),
        ...(o.sensitive !== undefined ? { sensitive: Boolean(o.sensitive) } : {}),
        ...(o.language ? { language: String(o.language) } : {}),
      };
      const { body } = await call(req, true)('POST', '/api/v1/statuses', JSON.stringify(status), {
        'content-type': 'application/json',
        // Mastodon remembers the key for an hour: a repeated call returns the same status.
        'idempotency-key': req.ref,
      });
      return startThread(req, receiptOf(body));
    },

    /** A post found after a lost answer goes on with its thread's replies (each looked up first). */
    continueFound: (req, found) => startThread(req, found),

    async checkPublished(req, state) {
      return continueThread(req, state, thread);
    },

    async findExisting(req) {
      const text = searchableText(PLATFORM, req.content.text);
      const found = await findStatus(
        req,
        'exclude_replies=true&exclude_reblogs=true',
        { since: req.since },
        (s) => postedSince(s.created_at, req.since) && sameText(plainText(String(s.content ?? '')), text),
      );
      return found ? receiptOf(found) : null;
    },

    /**
     * A reply status (`in_reply_to_id`), keyed by the ref like the post. Mastodon gives a reply
     * the visibility it is sent with, not its parent's: the post's is read first, so the comment
     * on a followers-only post stays followers-only.
     */
    async comment(req) {
      const { body: parent } = await call(req)(
        'GET',
        `/api/v1/statuses/${encodeURIComponent(req.post.platformPostId)}`,
      );
      const reply = {
        status: req.text,
        in_reply_to_id: req.post.platformPostId,
        visibility: String(parent.visibility ?? 'public'),
        ...(req.target.options.language ? { language: String(req.target.options.language) } : {}),
      };
      const { body } = await call(req, true)('POST', '/api/v1/statuses', JSON.stringify(reply), {
        'content-type': 'application/json',
        'idempotency-key': req.ref,
      });
      return commentReceiptOf(body);
    },

    /** The account's statuses since the post (replies included), in reply to it, by text. */
    async findComment(req) {
      const text = searchableText(PLATFORM, req.text);
      const found = await findStatus(
        req,
        'exclude_reblogs=true',
        { sinceId: req.post.platformPostId },
        (s) =>
          String(s.in_reply_to_id) === req.post.platformPostId &&
          postedSince(s.created_at, req.since) &&
          sameText(plainText(String(s.content ?? '')), text),
      );
      return found ? commentReceiptOf(found) : null;
    },

    async fetchMetrics(req) {
      // GET /api/v1/statuses/:id: the Status entity carries its counts. Mastodon counts no
      // saves that others can read (bookmarks are private), so `saves` stays 0.
      try {
        const { body } = await call(req)(
          'GET',
          `/api/v1/statuses/${encodeURIComponent(req.post.platformPostId)}`,
        );
        return {
          likes: count(body.favourites_count),
          comments: count(body.replies_count),
          shares: count(body.reblogs_count),
          saves: 0,
          // Quotes exist since Mastodon 4.5; older servers leave the count out.
          extra: (body.quotes_count !== undefined ? { quotes: count(body.quotes_count) } : {}) as Record<
            string,
            number
          >,
        };
      } catch (err) {
        if (isNotFound(err)) return null; // deleted on the server
        throw err;
      }
    },

    async unpublish(req) {
      try {
        await call(req)('DELETE', `/api/v1/statuses/${encodeURIComponent(req.platformPostId)}`);
      } catch (err) {
        if (isNotFound(err)) return 'deleted'; // gone already
        throw err;
      }
      return 'deleted';
    },
  };
}

/** The post's visibility as Mastodon names it: the `visibility` option, else the post's. */
function visibilityOf(req: PublishRequest): string {
  const o = req.target.options;
  return String(o.visibility ?? VISIBILITY[req.content.visibility ?? 'public'] ?? 'public');
}

/** The account's server, as its credentials name it. */
function instanceOf(account: AccountContext): string {
  const instance = (account.credentials.instance_url ?? '').replace(/\/$/, '');
  if (!/^https?:\/\//.test(instance)) {
    throw rejected(
      PLATFORM,
      'instance_url',
      'the account has no instance_url (https://your.server); reconnect it.',
    );
  }
  return instance;
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const message = String(body.error ?? body.text ?? response.statusText);
  // Mastodon's rate limit: X-RateLimit-Reset is an ISO 8601 instant (no Retry-After).
  const retryAfter =
    response.status === 429
      ? (retryAfterMs(response.headers) ?? resetAfterMs(response.headers.get('x-ratelimit-reset')))
      : undefined;
  const err = platformFailure(PLATFORM, ruleFor(response.status), `${message} (HTTP ${response.status})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  Object.assign(err, { status: response.status });
  return err;
}

/** A count from the platform's answer; 0 where it gave none. */
const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

const isNotFound = (err: unknown) => (err as { status?: number }).status === 404;

function receiptOf(status: PlatformBody) {
  return {
    platformPostId: String(status.id),
    permalink: String(status.url ?? status.uri),
    publishedAt: new Date(String(status.created_at ?? Date.now())).toISOString(),
  };
}

function commentReceiptOf(status: PlatformBody) {
  return { commentId: String(status.id), permalink: String(status.url ?? status.uri ?? '') };
}

/** Mastodon returns statuses as HTML; reconcile compares their plain text. */
function plainText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p>/gi, '\n\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The `max_id` of a Link header's `rel="next"` page (Mastodon's pagination), if there is one. */
function nextMaxId(link: string | null): string | undefined {
  const next = (link ?? '').split(',').find((part) => /;\s*rel="next"/.test(part));
  const [, maxId] = /[?&]max_id=([^&>]+)/.exec(next ?? '') ?? [];
  return maxId ? decodeURIComponent(maxId) : undefined;
}

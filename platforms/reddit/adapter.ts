import type { DeliveryReceipt } from '../../api/types';
import type {
  AccountContext,
  AdapterOptions,
  CommentReceipt,
  PlatformAdapter,
  PublishRequest,
} from '../kit/adapter';
import { bearerCaller, type CallContext } from '../kit/call';
import { sameText } from '../kit/content';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  postedSince,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { assertTokenFresh, oauthClient, refreshOAuth2 } from '../kit/oauth2';

const PLATFORM = 'reddit';
export const REDDIT_API_URL = 'https://oauth.reddit.com';
/** The token endpoint is on www.reddit.com, not the OAuth API's host. */
export const REDDIT_TOKEN_URL = 'https://www.reddit.com/api/v1/access_token';
/** Where permalinks point (the API answers paths: `/r/{sr}/comments/{id}/{slug}/`). */
const SITE = 'https://www.reddit.com';
/**
 * Reddit's API rules ask every client for a unique, descriptive User-Agent
 * (`<platform>:<app ID>:<version> (by /u/<username>)`) and throttle generic ones (a library's
 * default is refused with 429). `POSTFLOW_REDDIT_USER_AGENT` names the operator's own.
 */
const DEFAULT_USER_AGENT = 'server:postflow:0.1 (Postflow social publishing engine)';
/** How many of the account's newest submissions (and of a post's newest comments) a lookup reads. */
const RECONCILE_WINDOW = 25;
const COMMENT_WINDOW = 100;
/** Without a wait in Reddit's answer, a rate limit waits one minute (its limits are per minute). */
const RATE_WINDOW_MS = 60_000;

/**
 * Reddit's errors inside a 200 (`{ json: { errors: [[code, message, field]] } }`), by code. Any
 * other code is a refusal of the post (a bad title, a flair the subreddit lacks, text too long).
 */
const ERROR_CODES: Readonly<Record<string, FailureRule>> = {
  RATELIMIT: { category: 'rate_limit', code: 'rate_limit', retryable: true },
  SUBREDDIT_NOEXIST: { category: 'validation', code: 'subreddit_not_found' },
  SUBREDDIT_NOTALLOWED: { category: 'validation', code: 'not_allowed' },
  SUBREDDIT_REQUIRED: { category: 'validation', code: 'subreddit_required' },
  NO_SELFS: { category: 'validation', code: 'no_self_posts' },
  NO_LINKS: { category: 'validation', code: 'no_link_posts' },
  ALREADY_SUB: { category: 'validation', code: 'already_submitted' },
  THREAD_LOCKED: { category: 'validation', code: 'locked' },
  TOO_OLD: { category: 'validation', code: 'archived' },
  DELETED_LINK: { category: 'validation', code: 'deleted' },
  // The token lost its user (a revoked or logged-out session): a refresh may bring it back.
  USER_REQUIRED: { category: 'auth', code: 'auth', refreshable: true },
};

/**
 * Reddit's HTTP errors (`{ message, error: <status> }`): 401 an expired or revoked token (refresh;
 * a refused refresh then marks the account), 403 a missing scope, a suspended account or a private
 * subreddit, 404 a thing that is not there (after a delete: gone already).
 */
const ERROR_STATUSES: Readonly<Record<number, FailureRule>> = {
  404: { category: 'validation', code: 'not_found' },
};

/**
 * Reddit, through its OAuth API (oauth.reddit.com; github.com/reddit-archive/reddit/wiki/OAuth2,
 * reddit.com/dev/api). Credentials: `access_token` (scopes `identity submit edit read history`),
 * `refresh_token` and `expires_at` for a permanent grant, optional `username`; the OAuth client
 * (script, installed or web app) is the account's `client_id`/`client_secret` or
 * `POSTFLOW_REDDIT_CLIENT_ID`/`_CLIENT_SECRET`, sent as HTTP Basic (an installed app's secret is
 * empty).
 *
 * publish: `POST /api/submit` (form, `api_type=json`), a self post (title, markdown text) or a
 * link post (`url`) in the target's subreddit. Reddit takes no idempotency key: reconcile reads
 * the account's newest submissions (`/user/{username}/submitted`) for the title, subreddit and
 * text (or URL) since the delivery began. unpublish: `POST /api/del` (also when gone already). A
 * first comment is `POST /api/comment` on the post, looked up among the post's newest comments
 * (`/comments/{id}`) by author and text.
 */
export function createRedditAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const env = options.env ?? {};
  const baseUrl = (options.baseUrl || REDDIT_API_URL).replace(/\/$/, '');
  // The official token endpoint is on another host; a proxy or fake serves it under its own URL.
  const tokenUrl =
    env.POSTFLOW_REDDIT_TOKEN_URL ||
    (baseUrl === REDDIT_API_URL ? REDDIT_TOKEN_URL : `${baseUrl}/api/v1/access_token`);
  const userAgent = env.POSTFLOW_REDDIT_USER_AGENT || DEFAULT_USER_AGENT;
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    headers: { 'user-agent': userAgent, accept: 'application/json' },
    failure,
    // Reddit answers most refusals of a write with 200 and `json.errors`.
    failed: (response, body) => !response.ok || errorsOf(body).length > 0,
  });
  /** A call as the account; a form body is sent url-encoded (Reddit's writes take forms). */
  const call = (req: CallContext & { account: AccountContext }, irreversible = false) => {
    assertTokenFresh(PLATFORM, req.account.credentials);
    const send = caller(req, irreversible);
    return async (method: string, path: string, form?: Record<string, string>) =>
      (await send({ method, path, ...(form ? { body: new URLSearchParams(form) } : {}) })).body;
  };

  /** The account's username: from its credentials, else asked of Reddit (`identity`). */
  const usernameOf = async (req: CallContext & { account: AccountContext }) => {
    const known = req.account.credentials.username;
    if (known) return known;
    const me = await call(req)('GET', '/api/v1/me?raw_json=1');
    return String(me.name);
  };

  return {
    platform: PLATFORM,

    async publish(req) {
      const body = await call(req, true)('POST', '/api/submit', submission(req));
      const data = body.json?.data ?? {};
      return {
        platformPostId: String(data.name ?? `t3_${data.id}`),
        permalink: String(data.url ?? ''),
        publishedAt: new Date().toISOString(),
      };
    },

    async findExisting(req) {
      const username = await usernameOf(req);
      const listing = await call(req)(
        'GET',
        `/user/${encodeURIComponent(username)}/submitted?sort=new&limit=${RECONCILE_WINDOW}&raw_json=1`,
      );
      const o = req.target.options;
      const found = children(listing).find(
        (p) =>
          String(p.subreddit).toLowerCase() === String(o.sr).toLowerCase() &&
          sameText(p.title, req.content.title) &&
          (typeof o.url === 'string' ? p.url === o.url : sameText(p.selftext, req.content.text)) &&
          postedSince(epoch(p.created_utc), req.since),
      );
      return found ? receiptOf(found) : null;
    },

    async unpublish(req) {
      // Reddit answers `{}` whether or not the post was still there.
      await call(req)('POST', '/api/del', { id: fullname(req.platformPostId) });
      return 'deleted';
    },

    async comment(req) {
      const body = await call(req, true)('POST', '/api/comment', {
        api_type: 'json',
        thing_id: fullname(req.post.platformPostId),
        text: req.text,
        raw_json: '1',
      });
      const made = body.json?.data?.things?.[0]?.data;
      if (!made?.id) {
        throw platformFailure(
          PLATFORM,
          { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true },
          'Reddit answered the comment without the comment.',
          { irreversible: true },
        );
      }
      return commentReceiptOf(made);
    },

    async findComment(req) {
      const username = await usernameOf(req);
      const id = fullname(req.post.platformPostId).slice(3);
      const answer = await call(req)(
        'GET',
        `/comments/${encodeURIComponent(id)}?sort=new&limit=${COMMENT_WINDOW}&depth=1&raw_json=1`,
      );
      // `[the post's listing, its comments' listing]`
      const comments = Array.isArray(answer) ? children(answer[1]) : [];
      const found = comments.find(
        (c) =>
          String(c.author).toLowerCase() === username.toLowerCase() &&
          c.parent_id === fullname(req.post.platformPostId) &&
          sameText(c.body, req.text) &&
          postedSince(epoch(c.created_utc), req.since),
      );
      return found ? commentReceiptOf(found) : null;
    },

    async refresh(account) {
      const client = oauthClient(PLATFORM, account.credentials, env);
      return refreshOAuth2({
        platform: PLATFORM,
        tokenUrl,
        clientId: client.clientId,
        ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
        refreshToken: account.credentials.refresh_token ?? '',
        clientAuth: 'basic',
        headers: { 'user-agent': userAgent },
      });
    },
  };
}

/** The `POST /api/submit` form: a link post where `url` is set, else a self post. */
function submission(req: PublishRequest): Record<string, string> {
  const o = req.target.options;
  if (typeof o.sr !== 'string' || !o.sr) {
    throw rejected(PLATFORM, 'subreddit_required', 'the target has no sr; name the subreddit to post in.');
  }
  const link = typeof o.url === 'string';
  return {
    api_type: 'json',
    sr: o.sr,
    kind: link ? 'link' : 'self',
    title: req.content.title ?? '',
    ...(link ? { url: String(o.url), resubmit: 'true' } : { text: req.content.text }),
    ...(typeof o.flair_id === 'string' ? { flair_id: o.flair_id } : {}),
    ...(typeof o.flair_text === 'string' ? { flair_text: o.flair_text } : {}),
    ...(o.nsfw !== undefined ? { nsfw: String(o.nsfw === true) } : {}),
    ...(o.spoiler !== undefined ? { spoiler: String(o.spoiler === true) } : {}),
    ...(o.sendreplies !== undefined ? { sendreplies: String(o.sendreplies === true) } : {}),
    raw_json: '1',
  };
}

/** `t3_<id>` for a post id with or without its kind prefix. */
const fullname = (id: string) => (id.startsWith('t3_') ? id : `t3_${id}`);

/** The things of a Listing (`{ kind: "Listing", data: { children: [{ kind, data }] } }`). */
function children(listing: unknown): PlatformBody[] {
  const list = (listing as PlatformBody | undefined)?.data?.children;
  return Array.isArray(list) ? list.map((c: PlatformBody) => c.data as PlatformBody) : [];
}

/** Reddit's `created_utc` (epoch seconds) as an instant. */
const epoch = (seconds: unknown) => new Date(Number(seconds) * 1000).toISOString();

function receiptOf(post: PlatformBody): DeliveryReceipt {
  return {
    platformPostId: String(post.name ?? `t3_${post.id}`),
    permalink: `${SITE}${String(post.permalink ?? '')}`,
    publishedAt: epoch(post.created_utc),
  };
}

function commentReceiptOf(comment: PlatformBody): CommentReceipt {
  return {
    commentId: String(comment.name ?? `t1_${comment.id}`),
    permalink: comment.permalink ? `${SITE}${String(comment.permalink)}` : '',
  };
}

/** The `[code, message, field]` errors of a `json` answer. */
function errorsOf(body: PlatformBody): unknown[][] {
  const errors = body.json?.errors;
  return Array.isArray(errors) ? errors.filter(Array.isArray) : [];
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const [first] = errorsOf(body);
  if (response.ok && first) {
    const [code, message, field] = first.map((part) => String(part ?? ''));
    const rule = ERROR_CODES[code!] ?? { category: 'validation', code: 'rejected' };
    const retryAfter = code === 'RATELIMIT' ? rateLimitWait(body, message!) : undefined;
    const err = platformFailure(PLATFORM, rule, `${message} (${code}${field ? `, ${field}` : ''})`, {
      irreversible,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
    return Object.assign(err, { status });
  }
  const rule = ERROR_STATUSES[status] ?? ruleForStatus(status);
  const retryAfter = status === 429 ? resetWait(response.headers) : undefined;
  const said = body.message ?? body.explanation ?? body.reason ?? body.text ?? response.statusText;
  const err = platformFailure(PLATFORM, rule, `${String(said)} (HTTP ${status})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  return Object.assign(err, { status });
}

/**
 * A 429's wait: `Retry-After`, else `x-ratelimit-reset`, which Reddit sends as the seconds left
 * in the current window (not an epoch), else one window.
 */
function resetWait(headers: Headers): number {
  const after = retryAfterMs(headers);
  if (after !== undefined) return after;
  const reset = Number(headers.get('x-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : RATE_WINDOW_MS;
}

/**
 * A `RATELIMIT` error's wait: the `json.ratelimit` seconds Reddit sends beside it, else the
 * "try again in 5 minutes" of its message, else one window.
 */
function rateLimitWait(body: PlatformBody, message: string): number {
  const seconds = Number(body.json?.ratelimit);
  if (Number.isFinite(seconds) && seconds > 0) return Math.ceil(seconds * 1000);
  const said = /(\d+)\s*(second|minute|hour)/i.exec(message);
  if (!said) return RATE_WINDOW_MS;
  const unit = { second: 1_000, minute: 60_000, hour: 3_600_000 }[said[2]!.toLowerCase()]!;
  return Number(said[1]) * unit;
}

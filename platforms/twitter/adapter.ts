import type { DeliveryReceipt } from '../../api/types';
import {
  type AccountContext,
  type AdapterOptions,
  type CommentRequest,
  type PlatformAdapter,
  PublishError,
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
import { assertTokenFresh, oauthClient, refreshOAuth2 } from '../kit/oauth2';
import { checkMedia, prepareMedia, type XCall } from './media';
import { searchableText, stringList } from '../kit/content';
import { MAX_LOOKUP_PAGES, searchWindow } from '../kit/lookup-window';
import { continueThread, startThread, type ThreadReplies } from '../kit/thread';
import { twitterRules, xLength } from './descriptor';

const PLATFORM = 'twitter';
const OFFICIAL_URL = 'https://api.x.com';
/** Reconcile reads the account's posts a page at a time (X's maximum page). */
const PAGE = 100;
/** Matches `postedSince`: posts older than the delivery, less clock skew, are not searched. */
const SKEW_MS = 2 * 60_000;
const JSON_HEADERS = { 'content-type': 'application/json' };
const UNLISTED: FailureRule = { category: 'platform', code: 'duplicate_unlisted', retryable: true };
/** Who calls: the account and the step's abort signal (a publish or a comment). */
type XRequest = { account: AccountContext; signal: AbortSignal };
/** Boolean options passed to `POST /2/tweets` as they are. */
const FLAGS = [
  'for_super_followers_only',
  'nullcast',
  'made_with_ai',
  'paid_partnership',
  'share_with_followers',
];

/**
 * X's error answers, as data. v2 answers errors as RFC 7807 problems
 * (`{ title, detail, type, status }`, 400s also `errors[]`), `type` a URI ending in
 * `/2/problems/<name>` (or `about:blank`, when the status says it all). First match wins;
 * anything else falls back to `ruleForStatus`.
 */
const ERROR_TABLE: ReadonlyArray<{ status?: number; type?: string; detail?: RegExp; rule: FailureRule }> = [
  // "You are not allowed to create a Tweet with duplicate content." The same text is already on
  // the account: perhaps this very delivery, whose answer was lost. Never a blind retry.
  {
    status: 403,
    detail: /duplicate content/i,
    rule: { category: 'validation', code: 'duplicate', mayHaveActed: true },
  },
  // Monthly post/read cap of the app's plan: waiting minutes will not help.
  { type: 'usage-capped', rule: { category: 'rate_limit', code: 'usage_capped' } },
  { type: 'invalid-request', rule: { category: 'validation', code: 'invalid_request' } },
  { type: 'resource-not-found', rule: { category: 'validation', code: 'not_found' } },
  // The app is not allowed this endpoint (plan, project) or used an app-only token.
  { type: 'client-forbidden', rule: { category: 'auth', code: 'client_forbidden' } },
  { type: 'unsupported-authentication', rule: { category: 'auth', code: 'unsupported_authentication' } },
  { type: 'not-authorized-for-resource', rule: { category: 'auth', code: 'not_authorized' } },
  // OAuth 2.0 user tokens last two hours; the refresh token (offline.access) renews them.
  { status: 401, rule: { category: 'auth', code: 'auth', refreshable: true } },
];

/**
 * X (API v2) with an OAuth 2.0 user-context token: `access_token`, `refresh_token`, `expires_at`
 * in the account's credentials, optionally `user_id`/`username` and, as X is bring-your-own-key,
 * the app's `client_id`/`client_secret`.
 *
 * prepare: media uploads (polled while X processes video/GIF); publish: `POST /2/tweets`. A
 * thread (the post's `segments`, or the older `thread[]` option) continues in `checkPublished`,
 * one reply per step (kit/thread.ts): before posting a reply the adapter looks for one already
 * replying to the previous post with that text (its parent's id is unique to this delivery), so a
 * retried step never posts a segment twice. Reconcile reads the account's posts since the
 * delivery began and compares text (X rewrites links to t.co).
 * A first comment is a reply to the post, looked up like a thread's reply.
 */
export function createTwitterAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const base = (options.baseUrl || OFFICIAL_URL).replace(/\/$/, '');

  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: base,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    failure,
  });
  const client =
    (req: XRequest, irreversible = false): XCall =>
    async (method, path, body, headers = {}) =>
      (await caller(req, irreversible)({ method, path, headers, ...(body !== undefined ? { body } : {}) }))
        .body;

  /**
   * `POST /2/tweets`. Its answer, a refusal too, carries the 24-hour post allowances: kept for
   * `GET /v1/accounts/{id}/limits` where the request can report them (publishes and comments).
   */
  const postTweet = async (
    req: XRequest & Pick<PublishRequest | CommentRequest, 'reportLimits'>,
    body: Record<string, unknown>,
    irreversible: boolean,
  ): Promise<PlatformBody> => {
    let allowances: Record<string, number> = {};
    try {
      const answer = await caller(
        req,
        irreversible,
      )({
        method: 'POST',
        path: '/2/tweets',
        headers: JSON_HEADERS,
        body: JSON.stringify(body),
      });
      allowances = postAllowances(answer.headers);
      return answer.body;
    } catch (err) {
      allowances = (err as { allowances?: Record<string, number> }).allowances ?? {};
      throw err;
    } finally {
      if (req.reportLimits && Object.keys(allowances).length) await req.reportLimits(allowances);
    }
  };

  const userId = async (req: XRequest, state: StepState = {}): Promise<string> => {
    const known = req.account.credentials.user_id ?? state.user_id;
    if (known) return String(known);
    const me = await client(req)('GET', '/2/users/me');
    return String(me.data?.id);
  };

  /**
   * The account's first post since `start` (ISO) or after `sinceId` that `matches`, newest first,
   * page after page (`pagination_token`: the last page's `meta.next_token`).
   */
  const findPost = async (
    req: XRequest,
    user: string,
    after: { start?: string; sinceId?: string },
    matches: (post: PlatformBody) => boolean,
  ) =>
    searchWindow<PlatformBody>({
      platform: PLATFORM,
      what: `the account has more than ${MAX_LOOKUP_PAGES * PAGE} posts`,
      read: async (cursor) => {
        const query = new URLSearchParams({
          max_results: String(PAGE),
          exclude: 'retweets',
          'tweet.fields': 'created_at,referenced_tweets',
          ...(after.sinceId ? { since_id: after.sinceId } : {}),
          ...(after.start ? { start_time: after.start } : {}),
          ...(cursor ? { pagination_token: cursor } : {}),
        });
        const body = await client(req)('GET', `/2/users/${encodeURIComponent(user)}/tweets?${query}`);
        return { items: Array.isArray(body.data) ? body.data : [], next: body.meta?.next_token };
      },
      matches,
    });

  /** The post of this delivery (root), by text, among the account's posts since it began. */
  const findRoot = async (req: PublishRequest, user: string) => {
    const start = new Date(Date.parse(req.since) - SKEW_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return findPost(
      req,
      user,
      { start },
      (p) => postedSince(p.created_at, req.since) && sameText(p.text, req.content.text),
    );
  };

  /**
   * The account's reply to `parent` carrying `text` (posted since `since`, when given), if a
   * previous try already posted it.
   */
  const findReply = async (req: XRequest, user: string, parent: string, text: string, since?: string) => {
    return findPost(
      req,
      user,
      { sinceId: parent },
      (p) =>
        (p.referenced_tweets ?? []).some((r: PlatformBody) => r.type === 'replied_to' && r.id === parent) &&
        (since === undefined || postedSince(p.created_at, since)) &&
        sameText(p.text, text),
    );
  };

  /**
   * A thread's next reply (kit/thread.ts): the account's reply to the previous post with this
   * text, if a previous try posted it (the parent is unique to this delivery), else a new one.
   */
  const thread: ThreadReplies = {
    platform: PLATFORM,
    displayName: 'X',
    receiptOf,
    async reply(req, { text, chain, state }) {
      const parent = chain.at(-1)!.id;
      const user = await userId(req, state);
      let reply = await findReply(req, user, parent, text);
      if (!reply) {
        const body = { text, reply: { in_reply_to_tweet_id: parent }, ...replySettings(req) };
        try {
          reply = (await postTweet(req, body, false)).data;
        } catch (err) {
          if (!isDuplicate(err)) throw err;
          reply = await findReply(req, user, parent, text);
          // X says the reply exists but does not list it yet: this step is retried in place.
          if (!reply) throw platformFailure(PLATFORM, UNLISTED, 'X does not list the thread reply yet.');
        }
      }
      return { post: { id: idOf({ data: reply }) }, state: { user_id: user } };
    },
  };

  return {
    platform: PLATFORM,

    async prepare(req, ledger) {
      assertTokenFresh(PLATFORM, req.account.credentials); // uploads with a dead token would all fail
      return prepareMedia(client(req), req, ledger);
    },

    async checkPrepared(req, state) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      return checkMedia(client(req), state);
    },

    async publish(req, prepared) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      try {
        const answer = await postTweet(req, tweetOf(req, prepared), true);
        const id = idOf(answer);
        return startThread(req, receiptOf(req, id));
      } catch (err) {
        if (!isDuplicate(err)) throw err;
        // X refused the text as a duplicate: if it is this delivery's own post, carry on from it.
        const user = await userId(req).catch(() => undefined);
        const root = user ? await findRoot(req, user).catch(() => undefined) : undefined;
        if (!root) throw err;
        return startThread(req, receiptOf(req, String(root.id)), undefined, user ? { user_id: user } : {});
      }
    },

    /** A post found after a lost answer goes on with its thread's replies (each looked up first). */
    continueFound: (req, found) => startThread(req, found),

    async checkPublished(req, state) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      return continueThread(req, state, thread);
    },

    async findExisting(req) {
      searchableText(PLATFORM, req.content.text);
      const root = await findRoot(req, await userId(req));
      return root ? receiptOf(req, String(root.id)) : null;
    },

    /**
     * A reply to the post, with the post's reply settings. A duplicate-content refusal may be this
     * very comment (its first answer lost): the outcome is then unknown, and `findComment` decides.
     */
    async comment(req) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      // The comment's text was not checked at creation as the post's was: X's count applies.
      const max = twitterRules.textMaxLength!;
      if (xLength(req.text) > max) {
        throw rejected(
          PLATFORM,
          'too_long',
          `the first comment is ${xLength(req.text)} characters as X counts them; X allows at most ${max}.`,
        );
      }
      const body = {
        text: req.text,
        reply: { in_reply_to_tweet_id: req.post.platformPostId },
        ...replySettings(req),
      };
      const answer = await postTweet(req, body, true);
      return commentReceiptOf(req, idOf(answer));
    },

    async findComment(req) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const text = searchableText(PLATFORM, req.text);
      const parent = req.post.platformPostId;
      const reply = await findReply(req, await userId(req), parent, text, req.since);
      return reply ? commentReceiptOf(req, String(reply.id)) : null;
    },

    async fetchMetrics(req) {
      // GET /2/tweets/:id with `tweet.fields=public_metrics`. A deleted post answers 200 with a
      // resource-not-found error and no `data` (or 404).
      let body: PlatformBody;
      try {
        body = await client(req)(
          'GET',
          `/2/tweets/${encodeURIComponent(req.post.platformPostId)}?tweet.fields=public_metrics`,
        );
      } catch (err) {
        if ((err as { status?: number }).status === 404) return null;
        throw err;
      }
      const data = body.data as PlatformBody | undefined;
      if (!data) return null;
      const m = (data.public_metrics ?? {}) as Record<string, unknown>;
      const n = (key: string) => (typeof m[key] === 'number' ? (m[key] as number) : 0);
      return {
        likes: n('like_count'),
        comments: n('reply_count'),
        shares: n('retweet_count'),
        saves: n('bookmark_count'),
        extra: { quotes: n('quote_count'), impressions: n('impression_count') },
      };
    },

    async unpublish(req) {
      try {
        await client(req)('DELETE', `/2/tweets/${encodeURIComponent(req.platformPostId)}`);
      } catch (err) {
        if ((err as { status?: number }).status === 404) return 'deleted'; // gone already
        throw err;
      }
      return 'deleted';
    },

    async refresh(account) {
      const { clientId, clientSecret } = oauthClient(PLATFORM, account.credentials, options.env ?? {});
      return refreshOAuth2({
        platform: PLATFORM,
        tokenUrl: `${base}/2/oauth2/token`,
        clientId,
        ...(clientSecret ? { clientSecret } : {}),
        refreshToken: account.credentials.refresh_token ?? '',
        // Confidential clients authenticate with HTTP Basic; public (PKCE-only) clients send client_id.
        clientAuth: clientSecret ? 'basic' : 'body',
      });
    },
  };
}

/** The `POST /2/tweets` body of the post itself (the thread's root); poll is not supported. */
function tweetOf(req: PublishRequest, prepared: StepState): PlatformBody {
  const o = req.target.options;
  const mediaIds = stringList(prepared.media_ids);
  return {
    ...(req.content.text ? { text: req.content.text } : {}),
    ...(mediaIds.length ? { media: { media_ids: mediaIds } } : {}),
    ...replySettings(req),
    ...(o.in_reply_to_tweet_id ? { reply: replyOf(o) } : {}),
    ...(o.quote_tweet_id ? { quote_tweet_id: String(o.quote_tweet_id) } : {}),
    ...(o.geo_place_id ? { geo: { place_id: String(o.geo_place_id) } } : {}),
    ...(o.community_id ? { community_id: String(o.community_id) } : {}),
    ...Object.fromEntries(FLAGS.filter((key) => typeof o[key] === 'boolean').map((key) => [key, o[key]])),
  };
}

function replyOf(o: Record<string, unknown>): PlatformBody {
  const reply: PlatformBody = { in_reply_to_tweet_id: String(o.in_reply_to_tweet_id) };
  if (Array.isArray(o.exclude_reply_user_ids))
    reply.exclude_reply_user_ids = stringList(o.exclude_reply_user_ids);
  if (o.auto_populate_reply_metadata === true) reply.auto_populate_reply_metadata = true;
  return reply;
}

/** Who may reply: set on every post of a thread (and its first comment), so the whole conversation follows the choice. */
const replySettings = (req: PublishRequest | CommentRequest) =>
  req.target.options.reply_settings ? { reply_settings: String(req.target.options.reply_settings) } : {};

function idOf(answer: PlatformBody): string {
  const id = answer.data?.id;
  if (typeof id === 'string' && id) return id;
  const rule: FailureRule = { category: 'platform', code: 'api_error', mayHaveActed: true };
  throw platformFailure(PLATFORM, rule, 'X answered without a post id.', { irreversible: true });
}

/** X post ids are snowflakes: their creation time is in the id (ms since 2010-11-04T01:42:54.657Z). */
function receiptOf(req: XRequest, id: string): DeliveryReceipt {
  let at = Date.now();
  try {
    const ms = Number((BigInt(id) >> 22n) + 1288834974657n);
    if (Math.abs(ms - at) < 365 * 86_400_000) at = ms;
  } catch {
    // not a snowflake: keep now
  }
  return { platformPostId: id, permalink: linkOf(req, id), publishedAt: new Date(at).toISOString() };
}

/** A post's link: by the account's username where known, else X's username-free `i/web` form. */
function linkOf(req: XRequest, id: string): string {
  const user = req.account.credentials.username;
  return `https://x.com/${user ? encodeURIComponent(user) : 'i/web'}/status/${id}`;
}

const commentReceiptOf = (req: XRequest, id: string) => ({ commentId: id, permalink: linkOf(req, id) });

function failure(response: Response, body: PlatformBody, irreversible: boolean): PublishError {
  const problem = (Array.isArray(body.errors) && !body.title ? body.errors[0] : body) ?? {};
  const message = String(problem.detail ?? problem.message ?? body.title ?? body.text ?? response.statusText);
  const type = String(problem.type ?? body.type ?? '');
  const row = ERROR_TABLE.find(
    (r) =>
      (r.status === undefined || r.status === response.status) &&
      (r.type === undefined || type.endsWith(`/problems/${r.type}`)) &&
      (r.detail === undefined || r.detail.test(message)),
  );
  const rule = row?.rule ?? ruleForStatus(response.status);
  const retryAfter =
    rule.category === 'rate_limit' && rule.code === 'rate_limit'
      ? rateLimitWait(response.headers)
      : undefined;
  const err = platformFailure(PLATFORM, rule, `${message} (HTTP ${response.status})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  // The allowances go with the refusal: a 429 names the spent 24-hour one (postTweet).
  return Object.assign(err, { status: response.status, allowances: postAllowances(response.headers) });
}

/**
 * X's 24-hour post allowances as a post call's answer reports them (`x-user-limit-24hour-*` for
 * the account, `x-app-limit-24hour-*` for the app: limit, remaining, and the reset in epoch
 * seconds). X has no endpoint to read them; only post calls carry them.
 */
export function postAllowances(headers: Headers): Record<string, number> {
  const allowances: Record<string, number> = {};
  for (const [prefix, key] of [
    ['x-user-limit-24hour', 'posts_24h'],
    ['x-app-limit-24hour', 'app_posts_24h'],
  ] as const) {
    for (const field of ['limit', 'remaining', 'reset'] as const) {
      const raw = headers.get(`${prefix}-${field}`);
      if (raw !== null && /^\d+$/.test(raw.trim())) allowances[`${key}_${field}`] = Number(raw);
    }
  }
  return allowances;
}

/**
 * How long a 429 asks to wait: the longest spent window among the 15-minute one
 * (`x-rate-limit-remaining`/`-reset`, epoch seconds) and the 24-hour post allowances
 * (`x-user-limit-24hour-*`, `x-app-limit-24hour-*`); else the 15-minute reset or Retry-After.
 */
function rateLimitWait(headers: Headers): number | undefined {
  const spent = ['x-rate-limit', 'x-user-limit-24hour', 'x-app-limit-24hour']
    .filter((prefix) => headers.get(`${prefix}-remaining`) === '0')
    .map((prefix) => resetAfterMs(headers.get(`${prefix}-reset`)))
    .filter((ms): ms is number => ms !== undefined);
  if (spent.length) return Math.max(...spent);
  return resetAfterMs(headers.get('x-rate-limit-reset')) ?? retryAfterMs(headers);
}

const isDuplicate = (err: unknown) =>
  err instanceof PublishError && err.failure.code === `platform.${PLATFORM}.duplicate`;

/**
 * Whether X's text of a post is the text Postflow sent. X answers with `&`, `<`, `>` as HTML
 * entities, rewrites every link to a t.co one and appends a t.co link to attached media, and
 * starts replies with the @names they reply to: links and leading @names are left out.
 */
function sameText(platformText: unknown, sent: string): boolean {
  const theirs = comparable(String(platformText ?? ''));
  const ours = comparable(sent);
  return theirs === ours || theirs.replace(/^(@\w+\s+)+/, '') === ours;
}

const comparable = (text: string) =>
  text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/https?:\/\/\S+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

import type { DeliveryReceipt } from '../../api/types';
import type { AccountContext, AdapterOptions, PlatformAdapter, PublishRequest } from '../kit/adapter';
import { bearerCaller } from '../kit/call';
import { altTextAt, sameText, searchableText } from '../kit/content';
import { MAX_LOOKUP_PAGES, offsetPages, searchWindow } from '../kit/lookup-window';
import { metricCount } from '../kit/metric-count';
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

const PLATFORM = 'tumblr';
/** The blog's posts a reconcile page holds: 20 is the most `/posts` answers at once. */
const RECONCILE_PAGE = 20;
/**
 * How many pages of a post's conversation notes a metrics read counts replies in (20 notes a
 * page): past 1,000 replies and commented reblogs the count stops, a floor rather than a failure.
 */
const MAX_NOTE_PAGES = 50;
/** A 429 without a wait in its headers: the per-minute window (300 calls a minute per IP). */
const RATE_WINDOW_MS = 60_000;
/**
 * Daily limits (250 posts, 250 images a day per user) run "per calendar day" on Tumblr's clock,
 * in a time zone it does not name: retry hourly rather than guess the day's end.
 */
const DAILY_LIMIT_RETRY_MS = 3_600_000;

/**
 * Tumblr's errors (tumblr/docs api.md, "Errors and Error Subcodes"): `{ meta: { status, msg },
 * errors: [{ title, code, detail }] }`, the meaning in the status and, for some, the subcode.
 */
const BY_STATUS: Record<number, FailureRule> = {
  400: { category: 'validation', code: 'invalid_post' },
  401: { category: 'auth', code: 'auth', refreshable: true },
  403: { category: 'auth', code: 'forbidden' },
  // The blog identifier does not resolve to a blog (or the post to delete is gone).
  404: { category: 'validation', code: 'not_found' },
};
/** 403 subcodes that are daily limits, not permissions: the same post goes through tomorrow. */
const DAILY_LIMITS: Record<number, string> = {
  8004: 'daily_media_limit',
  8011: 'daily_video_limit',
  8023: 'daily_post_limit',
};

/**
 * Tumblr API v2 (api.tumblr.com) with OAuth 2.0 bearer tokens (scopes `basic write
 * offline_access`). Credentials: `access_token`, `refresh_token`, `expires_at`, `blog_identifier`
 * (the blog's name, its `name.tumblr.com` hostname or its UUID); OAuth client
 * `POSTFLOW_TUMBLR_CLIENT_ID` / `_CLIENT_SECRET` (the app's consumer key and secret), or the
 * account's own `client_id` / `client_secret`.
 *
 * publish: `POST /v2/blog/{blog}/posts` in the Neue Post Format — the title as a `heading1` text
 * block, each line of the text as a text block, each image as an image block. Images travel in
 * the same call, as the documented multipart form (the JSON in part `json`, each file under its
 * block's `identifier`), so there is no prepare step and nothing is left uploaded if it fails.
 * reconcile: the blog's newest posts (`?npf=true`; drafts from `/posts/draft`), by their text
 * blocks, since the delivery began. unpublish: `POST /v2/blog/{blog}/post/delete`. Tumblr's API
 * writes no replies, so there is no first comment.
 */
export function createTumblrAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const base = (options.baseUrl || 'https://api.tumblr.com').replace(/\/$/, '');
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: base,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    headers: { accept: 'application/json' },
    failure,
  });
  const blog = (account: AccountContext) => `/v2/blog/${encodeURIComponent(blogOf(account))}`;

  return {
    platform: PLATFORM,

    async publish(req) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const post = { ...(await npfOf(req)), ...fields(req) };
      const path = `${blog(req.account)}/posts`;
      const send = caller(req, true);
      const answer =
        req.media.length === 0
          ? await send({ method: 'POST', path, json: post })
          : await send({ method: 'POST', path, body: await multipart(req, post) });
      const id = String(answer.body.response?.id ?? answer.body.response?.id_string ?? '');
      if (!id) {
        throw platformFailure(
          PLATFORM,
          { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true },
          'the post was accepted without an id.',
          { irreversible: true },
        );
      }
      return {
        platformPostId: id,
        permalink: permalinkOf(blogOf(req.account), id),
        publishedAt: new Date().toISOString(),
      };
    },

    async findExisting(req) {
      const draft = req.target.options.state === 'draft';
      const want = textOf(req);
      searchableText(PLATFORM, want.join('\n'));
      const list = async (query: Record<string, string>): Promise<PlatformBody[]> => {
        const { body } = await caller(req)({
          method: 'GET',
          path: `${blog(req.account)}/posts${draft ? '/draft' : ''}`,
          query: new URLSearchParams({ npf: 'true', ...query }),
        });
        return Array.isArray(body.response?.posts) ? body.response.posts : [];
      };
      // Newest first, page after page back to the delivery's start: published posts by `offset`
      // (20 at most a page), drafts `before_id` the last one listed.
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the blog has more than ${MAX_LOOKUP_PAGES * RECONCILE_PAGE} ${draft ? 'drafts' : 'posts'}`,
        read: draft
          ? async (beforeId) => {
              const posts = await list(beforeId ? { before_id: beforeId } : {});
              const last = posts.at(-1);
              return { items: posts, next: last ? String(last.id_string ?? last.id) : undefined };
            }
          : offsetPages(
              (offset) => list({ offset: String(offset), limit: String(RECONCILE_PAGE) }),
              RECONCILE_PAGE,
            ),
        until: { since: req.since, createdAt: timeOf },
        matches: (p) =>
          postedSince(timeOf(p), req.since) && sameText(blockTexts(p).join('\n'), want.join('\n')),
      });
      if (!found) return null;
      const id = String(found.id_string ?? found.id);
      return {
        platformPostId: id,
        permalink: String(found.post_url ?? permalinkOf(blogOf(req.account), id)),
        publishedAt: new Date(Number(found.timestamp) * 1000 || Date.now()).toISOString(),
      } satisfies DeliveryReceipt;
    },

    async fetchMetrics(req) {
      // GET /v2/blog/{blog}/notes?id=&mode=conversation (tumblr/docs api.md, "/notes"):
      // `total_likes` and `total_reblogs`, and the replies among the notes, page after page by
      // `_links.next`. Tumblr shows no saves.
      assertTokenFresh(PLATFORM, req.account.credentials);
      const path = `${blog(req.account)}/notes`;
      let query = new URLSearchParams({ id: req.post.platformPostId, mode: 'conversation' });
      let totals: PlatformBody = {};
      let replies = 0;
      for (let page = 0; page < MAX_NOTE_PAGES; page++) {
        let answer: PlatformBody;
        try {
          answer = (await caller(req)({ method: 'GET', path, query })).body.response ?? {};
        } catch (err) {
          if ((err as { status?: number }).status === 404) return null; // deleted
          throw err;
        }
        if (page === 0) totals = answer;
        const notes: PlatformBody[] = Array.isArray(answer.notes) ? answer.notes : [];
        replies += notes.filter((n) => n?.type === 'reply').length;
        const next = answer._links?.next?.query_params;
        if (!next || typeof next !== 'object') break;
        query = new URLSearchParams(Object.entries(next).map(([k, v]): [string, string] => [k, String(v)]));
      }
      return {
        likes: metricCount(totals.total_likes),
        comments: replies,
        shares: metricCount(totals.total_reblogs),
        saves: 0,
        extra: {},
      };
    },

    async unpublish(req) {
      try {
        await caller(req)({
          method: 'POST',
          path: `${blog(req.account)}/post/delete`,
          json: { id: req.platformPostId },
        });
      } catch (err) {
        if ((err as { status?: number }).status !== 404) throw err; // 404: gone already
      }
      return 'deleted';
    },

    async refresh(account) {
      const client = oauthClient(PLATFORM, account.credentials, options.env ?? {});
      return refreshOAuth2({
        platform: PLATFORM,
        tokenUrl: `${base}/v2/oauth2/token`,
        clientId: client.clientId,
        ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
        refreshToken: account.credentials.refresh_token ?? '',
        clientAuth: 'body',
      });
    },
  };
}

function blogOf(account: AccountContext): string {
  const id = account.credentials.blog_identifier;
  if (id) return id;
  throw platformFailure(
    PLATFORM,
    { category: 'auth', code: 'blog_identifier', reconnect: true },
    'the account has no blog_identifier; reconnect it naming the blog to post to.',
  );
}

/** The post's texts as text blocks: the title (a heading), then each line of the text. */
function textOf(req: PublishRequest): string[] {
  const lines = req.content.text.split('\n').filter((line) => line.trim() !== '');
  return req.content.title ? [req.content.title, ...lines] : lines;
}

/** The NPF `content`: text blocks, then one image block per media item, uploaded by identifier. */
async function npfOf(req: PublishRequest) {
  const [first, ...rest] = textOf(req);
  const text = (t: string) => ({ type: 'text', text: t });
  const blocks: object[] =
    first === undefined
      ? []
      : req.content.title
        ? [{ ...text(first), subtype: 'heading1' }, ...rest.map(text)]
        : [text(first), ...rest.map(text)];
  for (const [i, file] of req.media.entries()) {
    const type = file.contentType ?? (await file.open()).contentType;
    if (!type.startsWith('image/')) {
      throw rejected(
        PLATFORM,
        'media_type',
        `media[${i}] is ${type}; Tumblr posts from Postflow take images.`,
      );
    }
    const alt = altTextAt(req.target.options, i);
    blocks.push({
      type: 'image',
      media: [{ type, identifier: identifier(i) }],
      ...(alt ? { alt_text: alt } : {}),
    });
  }
  return { content: blocks };
}

/** The post's fields besides its content: state, tags (a comma-separated string), source. */
function fields(req: PublishRequest) {
  const o = req.target.options;
  return {
    state: typeof o.state === 'string' ? o.state : 'published',
    ...(Array.isArray(o.tags) && o.tags.length ? { tags: o.tags.map(String).join(',') } : {}),
    ...(typeof o.source_url === 'string' ? { source_url: o.source_url } : {}),
  };
}

const identifier = (i: number) => `media-${i}`;

/** The documented multipart form: the JSON body in part `json`, then each file under its identifier. */
async function multipart(req: PublishRequest, post: object): Promise<FormData> {
  const form = new FormData();
  form.set('json', new Blob([JSON.stringify(post)], { type: 'application/json' }), 'json');
  for (const [i, file] of req.media.entries()) {
    const { bytes, contentType } = await file.load();
    form.set(identifier(i), new Blob([bytes], { type: contentType }), identifier(i));
  }
  return form;
}

/** A post's text blocks, in order (reconcile compares them with what the delivery sends). */
function blockTexts(post: PlatformBody): string[] {
  const content: PlatformBody[] = Array.isArray(post.content) ? post.content : [];
  return content.filter((b) => b.type === 'text').map((b) => String(b.text ?? ''));
}

/** `name.tumblr.com` and plain names link to tumblr.com; a custom domain or UUID to the blog's own page. */
function permalinkOf(blogIdentifier: string, id: string): string {
  const name = blogIdentifier.replace(/\.tumblr\.com$/i, '');
  if (/^[a-z0-9-]+$/i.test(name)) return `https://www.tumblr.com/${name}/${id}`;
  if (name.includes('.') && !name.startsWith('t:')) return `https://${name}/post/${id}`;
  return `https://www.tumblr.com/blog/view/${encodeURIComponent(name)}/${id}`;
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const first: PlatformBody = Array.isArray(body.errors) && body.errors[0] ? body.errors[0] : {};
  const subcode = Number(first.code);
  const daily = status === 403 ? DAILY_LIMITS[subcode] : undefined;
  const rule: FailureRule = daily
    ? { category: 'rate_limit', code: daily, retryable: true }
    : (BY_STATUS[status] ?? ruleForStatus(status));
  const said = first.detail ?? first.title ?? body.meta?.msg ?? body.text ?? response.statusText;
  const retryAfter = daily
    ? DAILY_LIMIT_RETRY_MS
    : status === 429
      ? rateLimitWait(response.headers)
      : undefined;
  const err = platformFailure(
    PLATFORM,
    rule,
    `${String(said)} (HTTP ${status}${Number.isFinite(subcode) && first.code !== undefined ? `, code ${subcode}` : ''})`,
    { irreversible, ...(retryAfter !== undefined ? { retryAfter } : {}) },
  );
  return Object.assign(err, { status });
}

/**
 * `Retry-After` when Tumblr sends it; else the reset (seconds) of the exhausted window among its
 * `X-Ratelimit-Perhour-*` and `X-Ratelimit-Perday-*` headers; else one minute.
 */
function rateLimitWait(headers: Headers): number {
  const after = retryAfterMs(headers);
  if (after !== undefined) return after;
  for (const window of ['perhour', 'perday']) {
    const remaining = headers.get(`x-ratelimit-${window}-remaining`);
    const reset = Number(headers.get(`x-ratelimit-${window}-reset`));
    if (remaining === '0' && Number.isFinite(reset) && reset > 0) return reset * 1000;
  }
  return RATE_WINDOW_MS;
}

/** A post's `timestamp` (Unix seconds) as ISO; undefined without one (counts as recent). */
const timeOf = (post: PlatformBody): string | undefined => {
  const ms = Number(post.timestamp) * 1000;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
};

import type { DeliveryReceipt } from '../../api/types';
import { PUBLIC_ONLY } from '../../net/guard';
import type {
  AccountContext,
  AdapterOptions,
  CommentReceipt,
  CommentRequest,
  PlatformAdapter,
  Prepared,
  PublishRequest,
  StepState,
} from '../kit/adapter';
import { bearerCaller, type CallRequest, type PlatformAnswer } from '../kit/call';
import { htmlText, sameText } from '../kit/content';
import { type LookupPage, MAX_LOOKUP_PAGES, searchWindow } from '../kit/lookup-window';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  postedSince,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';

const PLATFORM = 'wordpress';
/** How many of the account's matching posts (or comments) a lookup page holds, newest first. */
const RECONCILE_WINDOW = 100;
/**
 * WordPress compares `after` with the post's date in the site's own time zone (the REST API has
 * no GMT form of it), which may be up to 14 hours from UTC: the lookup asks from a day earlier and
 * compares each post's `date_gmt` with the delivery's start itself.
 */
const AFTER_MARGIN_MS = 24 * 3_600_000;
/** WordPress checks an upload's extension against its type: the file is named for its type. */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/avif': 'avif',
};

/**
 * WordPress's error answers (WP_Error as REST JSON): `{ code, message, data: { status } }`. Any 401
 * is a call made as nobody: a wrong or revoked application password, a removed user, or a host that
 * strips the Authorization header all look alike, since core tries the password only after it has
 * settled on "nobody" while loading (a real WordPress answers the route's visitor refusal,
 * `rest_not_logged_in`, `rest_cannot_create`, `rest_comment_login_required`, not
 * `incorrect_password`). A 403 `rest_cannot_create` is a user whose role may not publish.
 * Application passwords do not expire and have no refresh: a 401 means reconnecting. An upload
 * WordPress will not take (a file that is not the image its name says, an empty one) is a 500
 * `rest_upload_unknown_error`, which no retry changes.
 */
const ERROR_CODES: Readonly<Record<string, FailureRule>> = {
  rest_upload_unknown_error: { category: 'validation', code: 'media_rejected' },
  rest_invalid_param: { category: 'validation', code: 'invalid_param' },
  rest_missing_callback_param: { category: 'validation', code: 'invalid_param' },
  rest_post_invalid_id: { category: 'validation', code: 'not_found' },
  rest_comment_closed: { category: 'validation', code: 'comments_closed' },
  comment_duplicate: { category: 'validation', code: 'comment_duplicate' },
};

function ruleFor(status: number, code: string): FailureRule {
  if (status === 401) return { category: 'auth', code: 'auth', reconnect: true };
  if (status === 403) return { category: 'auth', code: 'forbidden' };
  return ERROR_CODES[code] ?? ruleForStatus(status);
}

/**
 * WordPress (the core REST API, developer.wordpress.org/rest-api), on the account's own site:
 * `site_url`, `username` and an `application_password` of that user (HTTP Basic auth, WordPress
 * 5.6+). The API is reached at `<site_url>/wp-json` (pretty permalinks).
 *
 * prepare: the featured image is uploaded to the media library (`POST /wp/v2/media`); publish:
 * `POST /wp/v2/posts` with the title, the text as content, the options and `featured_media`.
 * reconcile: the user's posts of any status with the title (`search`, `context=edit`), by title
 * and text since the delivery began. A first comment is `POST /wp/v2/comments` on the post, looked
 * up among the user's comments on it. unpublish: `DELETE /wp/v2/posts/{id}?force=true` (deleted,
 * not trashed).
 */
export function createWordpressAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: apiOf,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    // The site is the account's own: every call is SSRF-guarded (and carries its password).
    userHost: options.outbound ?? PUBLIC_ONLY,
    failure,
  });
  const call = (req: { account: AccountContext; signal: AbortSignal }, irreversible = false) => {
    const send = caller(req, irreversible);
    const authorization = basicAuthOf(req.account);
    return (request: CallRequest) => send({ ...request, headers: { authorization, ...request.headers } });
  };

  /**
   * A lookup's listing page by page (`page` from 1), as long as `X-WP-TotalPages` says there are
   * more: WordPress refuses a page past the last.
   */
  const pagesOf =
    (req: { account: AccountContext; signal: AbortSignal }, path: string, query: URLSearchParams) =>
    async (cursor: string | undefined): Promise<LookupPage<PlatformBody>> => {
      const page = Number(cursor ?? 1);
      const { body, headers } = await call(req)({
        method: 'GET',
        path,
        query: new URLSearchParams({ ...Object.fromEntries(query), page: String(page) }),
      });
      const pages = Number(headers.get('x-wp-totalpages') ?? 1);
      return { items: listOf(body), next: page < pages ? String(page + 1) : undefined };
    };

  /** The user the application password belongs to (its id filters posts and comments). */
  const me = async (req: PublishRequest | CommentRequest) => {
    const { body } = await call(req)({ method: 'GET', path: '/wp/v2/users/me' });
    return String(body.id);
  };

  return {
    platform: PLATFORM,

    /** The application password's user (`users/me`): a wrong password is WordPress's 401. */
    async verifyCredentials(account, signal) {
      const { body } = await call({ account, signal })({ method: 'GET', path: '/wp/v2/users/me' });
      const avatars = (body.avatar_urls ?? {}) as Record<string, string>;
      const picture = avatars['96'] ?? Object.values(avatars).at(-1);
      return {
        id: String(body.id),
        username: String(body.slug ?? account.credentials.username),
        ...(body.name ? { name: String(body.name) } : {}),
        ...(picture ? { pictureUrl: picture } : {}),
      };
    },

    async prepare(req): Promise<Prepared> {
      const image = req.media[0];
      if (!image) return { ready: {} };
      const { bytes, contentType } = await image.load();
      const extension = EXTENSIONS[contentType];
      if (!extension) {
        throw rejected(
          PLATFORM,
          'media_type',
          `a featured image of type ${contentType} is not an image WordPress takes; use JPEG, PNG, GIF or WebP.`,
        );
      }
      const form = new FormData();
      form.set('file', new Blob([bytes], { type: contentType }), `featured-image.${extension}`);
      const alt = req.target.options.alt_text;
      if (typeof alt === 'string' && alt) form.set('alt_text', alt);
      // A retried upload leaves an unused image in the media library, never a second post.
      const { body } = await call(req)({ method: 'POST', path: '/wp/v2/media', body: form });
      return { ready: { featured_media: Number(body.id) } };
    },

    async publish(req, prepared: StepState) {
      await checkTerms(call(req), req.target.options);
      const { body } = await call(
        req,
        true,
      )({ method: 'POST', path: '/wp/v2/posts', json: postOf(req, prepared) });
      return receiptOf(body);
    },

    async findExisting(req) {
      const author = await me(req);
      // No post field holds a reference of ours: the user's post with this title and text since the
      // delivery began is this delivery's (WordPress may have filtered the HTML of the text: tags
      // are compared as their text).
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the user has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} posts with this title`,
        read: pagesOf(
          req,
          '/wp/v2/posts',
          lookup(req.since, { author, search: req.content.title ?? '', status: 'any' }),
        ),
        until: { since: req.since, createdAt: (p) => gmt(p.date_gmt) },
        matches: (p) =>
          sameText(p.title?.raw, req.content.title) &&
          sameText(htmlText(p.content?.raw), htmlText(req.content.text)) &&
          postedSince(gmt(p.date_gmt), req.since),
      });
      return found ? receiptOf(found) : null;
    },

    async comment(req) {
      const { body } = await call(
        req,
        true,
      )({
        method: 'POST',
        path: '/wp/v2/comments',
        json: { post: Number(req.post.platformPostId), content: req.text },
      });
      return commentReceiptOf(body);
    },

    /**
     * The user's comments on the post since the comment step began, by text. Only moderators may
     * read comments in `context=edit`, so the lookup reads them rendered (paragraphs, curly quotes,
     * dashes: wptexturize) and compares their words.
     */
    async findComment(req) {
      const author = await me(req);
      const words = wordsOf(req.text);
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the user has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} comments on the post`,
        read: pagesOf(
          req,
          '/wp/v2/comments',
          lookup(req.since, { author, post: req.post.platformPostId, status: 'all' }, 'view'),
        ),
        until: { since: req.since, createdAt: (c) => gmt(c.date_gmt) },
        matches: (c) => wordsOf(c.content?.rendered) === words && postedSince(gmt(c.date_gmt), req.since),
      });
      return found ? commentReceiptOf(found) : null;
    },

    async unpublish(req) {
      try {
        await call(req)({
          method: 'DELETE',
          path: `/wp/v2/posts/${encodeURIComponent(req.platformPostId)}`,
          query: new URLSearchParams({ force: 'true' }),
        });
      } catch (err) {
        if ((err as { status?: number }).status === 404) return 'deleted'; // gone already
        throw err;
      }
      return 'deleted';
    },
  };
}

/** The post WordPress is asked to create: the title, the text as content, the options, the image. */
function postOf(req: PublishRequest, prepared: StepState): Record<string, unknown> {
  const o = req.target.options;
  return {
    title: req.content.title,
    content: req.content.text,
    status: o.status === 'draft' ? 'draft' : 'publish',
    ...(Array.isArray(o.categories) ? { categories: o.categories } : {}),
    ...(Array.isArray(o.tags) ? { tags: o.tags } : {}),
    ...(typeof o.excerpt === 'string' ? { excerpt: o.excerpt } : {}),
    ...(typeof o.slug === 'string' ? { slug: o.slug } : {}),
    ...(typeof prepared.featured_media === 'number' ? { featured_media: prepared.featured_media } : {}),
  };
}

/**
 * WordPress drops a category or tag id it does not know without a word, and publishes the post
 * without it (in no category at all when none was known): the ids are looked up before the post is
 * made and an unknown one is refused by name. (After a featured image's upload, which then stays
 * unused in the media library.)
 */
async function checkTerms(
  send: (request: CallRequest) => Promise<PlatformAnswer>,
  options: Record<string, unknown>,
) {
  for (const field of ['categories', 'tags'] as const) {
    const ids = options[field];
    if (!Array.isArray(ids) || ids.length === 0) continue;
    const { body } = await send({
      method: 'GET',
      path: `/wp/v2/${field}`,
      query: new URLSearchParams({ include: ids.join(','), per_page: '100', _fields: 'id' }),
    });
    const known = new Set(listOf(body).map((term) => Number(term.id)));
    const unknown = ids.filter((id) => !known.has(Number(id)));
    if (unknown.length) {
      throw rejected(
        PLATFORM,
        'unknown_term',
        `the site has no ${field === 'tags' ? 'tag' : 'category'} ${unknown.join(', ')} (platform_data.${field}); use the ids Posts → ${field === 'tags' ? 'Tags' : 'Categories'} shows.`,
      );
    }
  }
}

/** A lookup's query: the user's items of any status (raw fields in `edit` context), newest first. */
function lookup(since: string, filters: Record<string, string>, context = 'edit'): URLSearchParams {
  const after = new Date(Date.parse(since) - AFTER_MARGIN_MS).toISOString().replace(/\.\d+Z$/, '');
  return new URLSearchParams({
    ...filters,
    after,
    context,
    per_page: String(RECONCILE_WINDOW),
    orderby: 'date',
    order: 'desc',
  });
}

/** The REST API of the account's site, as its credentials name it. */
function apiOf(account: AccountContext): string {
  const site = (account.credentials.site_url ?? '').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(site)) {
    throw rejected(PLATFORM, 'site_url', 'the account has no site_url (https://your.site); reconnect it.');
  }
  return `${site}/wp-json`;
}

function basicAuthOf(account: AccountContext): string {
  const { username, application_password: password } = account.credentials;
  if (username && password) return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  throw platformFailure(
    PLATFORM,
    { category: 'auth', code: 'application_password', reconnect: true },
    'the account has no username or application_password; reconnect it with an application password (Users → Profile → Application Passwords).',
  );
}

/** A text's letters and digits, as words: what WordPress's formatting of a comment leaves alone. */
const wordsOf = (html: unknown) =>
  htmlText(html)
    .replace(/&#?\w+;/g, ' ')
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim();

/** WordPress's `date_gmt` is UTC without a zone designator: read it as UTC, not local time. */
const gmt = (value: unknown) => (typeof value === 'string' && value ? `${value}Z` : value);

const listOf = (body: PlatformBody): PlatformBody[] => (Array.isArray(body) ? body : []) as PlatformBody[];

function receiptOf(post: PlatformBody): DeliveryReceipt {
  const at = Date.parse(String(gmt(post.date_gmt)));
  return {
    platformPostId: String(post.id),
    permalink: String(post.link ?? ''),
    publishedAt: new Date(Number.isNaN(at) ? Date.now() : at).toISOString(),
  };
}

function commentReceiptOf(comment: PlatformBody): CommentReceipt {
  return { commentId: String(comment.id), permalink: String(comment.link ?? '') };
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const code = typeof body.code === 'string' ? body.code : '';
  // WordPress itself has no rate limit; hosts and security plugins answer 429 with Retry-After.
  const retryAfter = status === 429 ? retryAfterMs(response.headers) : undefined;
  const said = body.message ?? body.text ?? response.statusText;
  const err = platformFailure(
    PLATFORM,
    ruleFor(status, code),
    `${String(said)}${code ? ` (${code}, HTTP ${status})` : ` (HTTP ${status})`}`,
    { irreversible, ...(retryAfter !== undefined ? { retryAfter } : {}) },
  );
  Object.assign(err, { status });
  return err;
}

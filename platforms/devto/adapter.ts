import type { DeliveryReceipt } from '../../api/types';
import type { AccountContext, AdapterOptions, PlatformAdapter, PublishRequest } from '../kit/adapter';
import { bearerCaller, type CallContext, type CallRequest } from '../kit/call';
import { sameText } from '../kit/content';
import { MAX_LOOKUP_PAGES, offsetPages, searchWindow } from '../kit/lookup-window';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  postedSince,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';

const PLATFORM = 'devto';
/** Forem serves its API v1 to requests that accept this media type (its docs ask every client to send it). */
const ACCEPT_V1 = 'application/vnd.forem.api-v1+json';
/** How many of the account's articles (of the kind the delivery made) a reconcile page holds. */
const RECONCILE_WINDOW = 100;
/**
 * How long the cover image's URL stays valid for library media. Forem keeps `main_image` as a URL
 * and its image CDN loads it when the article is first shown; 7 days is the longest a presigned
 * S3 URL may live. A lasting cover is a URL media item on a host the user keeps.
 */
const COVER_URL_TTL_MS = 7 * 24 * 3_600_000;

/**
 * Forem's error answers (app/controllers/api/v1/api_controller.rb): `{ error, status }` with the
 * meaning in the status. A DEV API key never expires and has no refresh, so a 401 means it was
 * revoked (or the user suspended): the account must be reconnected with a new key. 404 is an
 * article that is not the account's (or gone); 422 an article Forem refuses (a blank or too long
 * title, more than 4 tags, the same title and body as another article of the account).
 */
const ERROR_STATUSES: Readonly<Record<number, FailureRule>> = {
  401: { category: 'auth', code: 'auth', reconnect: true },
  404: { category: 'validation', code: 'not_found' },
  422: { category: 'validation', code: 'rejected' },
};

/**
 * DEV (dev.to), through the Forem API v1 (developers.forem.com/api/v1) with the account's
 * `api_key` in the `api-key` header.
 *
 * publish: `POST /api/articles` with the post's title and text as the markdown body, the options
 * as the article's fields, and the post's one image as `main_image` (the cover, by URL: Forem has
 * no upload API). No prepare. reconcile: the account's newest articles (`/api/articles/me/
 * published`, or `/unpublished` for a draft), by title and body since the delivery began.
 * unpublish: Forem's API deletes no article; `PUT /api/articles/{id}` with `published: false`
 * (the documented update, which Forem treats as "unpublish": notifications removed) takes it off
 * the site and leaves it a draft of the account.
 */
export function createDevtoAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: (options.baseUrl ?? 'https://dev.to').replace(/\/$/, ''),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    headers: { accept: ACCEPT_V1 },
    failure,
  });
  /** Every call carries the account's key in Forem's `api-key` header (no bearer token). */
  const call = (req: CallContext & { account: AccountContext }, irreversible = false) => {
    const send = caller(req, irreversible);
    return (request: CallRequest) =>
      send({ ...request, headers: { 'api-key': apiKeyOf(req.account), ...request.headers } });
  };

  return {
    platform: PLATFORM,

    /** The key's user (`GET /api/users/me`): a wrong key is Forem's 401. */
    async verifyCredentials(account, signal) {
      const { body } = await call({ account, signal })({ method: 'GET', path: '/api/users/me' });
      return {
        id: String(body.id),
        username: String(body.username),
        ...(body.name ? { name: String(body.name) } : {}),
        ...(body.profile_image ? { pictureUrl: String(body.profile_image) } : {}),
      };
    },

    async publish(req) {
      const { body } = await call(
        req,
        true,
      )({ method: 'POST', path: '/api/articles', json: { article: await articleOf(req) } });
      return receiptOf(body);
    },

    async findExisting(req) {
      const kind = req.target.options.published === false ? 'unpublished' : 'published';
      // Forem refuses a second article with the same title and body (a uniqueness rule of the
      // account's articles), so a match since the delivery began is this delivery's. A draft has
      // no publication time to compare: the account's one draft of this title and body is it, and
      // every page of drafts is read. Published articles come newest publication first: pages are
      // read back to the delivery's start.
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the account has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} ${kind} articles`,
        read: offsetPages(async (offset) => {
          const { body } = await call(req)({
            method: 'GET',
            path: `/api/articles/me/${kind}`,
            query: new URLSearchParams({
              page: String(offset / RECONCILE_WINDOW + 1),
              per_page: String(RECONCILE_WINDOW),
            }),
          });
          return Array.isArray(body) ? body : [];
        }, RECONCILE_WINDOW),
        ...(kind === 'published'
          ? { until: { since: req.since, createdAt: (a: PlatformBody) => a.published_at } }
          : {}),
        matches: (a) =>
          sameText(a.title, req.content.title) &&
          sameText(a.body_markdown, req.content.text) &&
          postedSince(a.published_at, req.since),
      });
      return found ? receiptOf(found) : null;
    },

    async unpublish(req) {
      try {
        await call(req)({
          method: 'PUT',
          path: `/api/articles/${encodeURIComponent(req.platformPostId)}`,
          json: { article: { published: false } },
        });
      } catch (err) {
        if ((err as { status?: number }).status === 404) return 'deleted'; // not the account's any more
        throw err;
      }
      return 'deleted';
    },
  };
}

/** The article Forem is asked to create: the post's title and body, its options, its cover. */
async function articleOf(req: PublishRequest): Promise<Record<string, unknown>> {
  const o = req.target.options;
  const cover = req.media[0];
  return {
    title: req.content.title,
    body_markdown: req.content.text,
    published: o.published !== false,
    ...(Array.isArray(o.tags) ? { tags: o.tags } : {}),
    ...(typeof o.canonical_url === 'string' ? { canonical_url: o.canonical_url } : {}),
    ...(typeof o.series === 'string' ? { series: o.series } : {}),
    ...(typeof o.description === 'string' ? { description: o.description } : {}),
    ...(typeof o.organization_id === 'number' ? { organization_id: o.organization_id } : {}),
    ...(cover ? { main_image: await cover.publicUrl(COVER_URL_TTL_MS) } : {}),
  };
}

function apiKeyOf(account: AccountContext): string {
  const key = account.credentials.api_key;
  if (key) return key;
  throw platformFailure(
    PLATFORM,
    { category: 'auth', code: 'api_key', reconnect: true },
    'the account has no api_key; reconnect it with a DEV API key (Settings → Extensions → DEV Community API Keys).',
  );
}

/** An article as Forem answers it; a draft has no publication time yet (its creation stands in). */
function receiptOf(article: PlatformBody): DeliveryReceipt {
  const at = article.published_at ?? article.published_timestamp ?? article.created_at;
  return {
    platformPostId: String(article.id),
    permalink: String(article.url ?? ''),
    publishedAt: new Date(at ? String(at) : Date.now()).toISOString(),
  };
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const rule = ERROR_STATUSES[status] ?? ruleForStatus(status);
  // Forem's own limits and Rack::Attack's throttle both answer 429 with Retry-After (seconds).
  const retryAfter = status === 429 ? retryAfterMs(response.headers) : undefined;
  const said = body.error ?? body.message ?? body.text ?? response.statusText;
  const err = platformFailure(PLATFORM, rule, `${String(said)} (HTTP ${status})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  Object.assign(err, { status });
  return err;
}

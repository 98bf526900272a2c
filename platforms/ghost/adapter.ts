import { createHmac } from 'node:crypto';
import type { DeliveryReceipt } from '../../api/types';
import { PUBLIC_ONLY } from '../../net/guard';
import type {
  AccountContext,
  AdapterOptions,
  PlatformAdapter,
  Prepared,
  PublishRequest,
  StepState,
} from '../kit/adapter';
import { bearerCaller, type CallRequest } from '../kit/call';
import { htmlText, sameText } from '../kit/content';
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
import { GHOST_ADMIN_KEY } from './descriptor';

const PLATFORM = 'ghost';
/** The Admin API version the adapter is written against (Ghost 5). */
const ACCEPT_VERSION = 'v5.0';
/** How many of the site's posts a reconcile page holds. */
const RECONCILE_WINDOW = 100;
/** Ghost refuses a token that lives longer than 5 minutes; each call signs its own. */
const TOKEN_TTL_S = 5 * 60;
/** Clock skew allowed between Postflow and the site when filtering by creation time. */
const SKEW_MS = 2 * 60_000;
/** Ghost checks an upload's extension against its type: the file is named for its type. */
const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'image/webp': 'webp',
  'image/svg+xml': 'svg',
};

/**
 * Ghost's error answers: `{ errors: [{ type, message, context }] }`. The Admin API key of a custom
 * integration does not expire and has no refresh: an UnauthorizedError (401) means it was
 * regenerated or the integration deleted, so the account must be reconnected.
 */
const ERROR_TYPES: Readonly<Record<string, FailureRule>> = {
  UnauthorizedError: { category: 'auth', code: 'auth', reconnect: true },
  NoPermissionError: { category: 'auth', code: 'forbidden' },
  ValidationError: { category: 'validation', code: 'rejected' },
  BadRequestError: { category: 'validation', code: 'rejected' },
  NotFoundError: { category: 'validation', code: 'not_found' },
};

/**
 * Ghost (the Admin API, ghost.org/docs/admin-api), on the account's own site: `admin_url` and a
 * custom integration's `admin_api_key` (`<id>:<secret>`), from which each call signs a short-lived
 * token (HS256, `kid` the id, audience `/admin/`), sent as `Authorization: Ghost <token>`.
 *
 * prepare: the feature image is uploaded (`POST /images/upload/`); publish: `POST /posts/?source=html`
 * with the title, the text as HTML, the options and the image's URL. No newsletter is sent (the
 * call names none). reconcile: the site's newest posts created since the delivery began, by title
 * and text. unpublish: `DELETE /posts/{id}/`. Ghost's API has no comments.
 */
export function createGhostAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: apiOf,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    headers: { 'accept-version': ACCEPT_VERSION },
    // The site is the account's own: every call is SSRF-guarded (and carries a signed token).
    userHost: options.outbound ?? PUBLIC_ONLY,
    failure,
  });
  const call = (req: { account: AccountContext; signal: AbortSignal }, irreversible = false) => {
    const send = caller(req, irreversible);
    return (request: CallRequest) =>
      send({ ...request, headers: { authorization: `Ghost ${tokenOf(req.account)}`, ...request.headers } });
  };

  return {
    platform: PLATFORM,

    /**
     * The key, on an authenticated read (`posts/?limit=1`: a wrong or deleted key is Ghost's 401),
     * and the site it opens (`site/`: its title and icon name the account).
     */
    async verifyCredentials(account, signal) {
      const api = call({ account, signal });
      await api({ method: 'GET', path: '/posts/', query: new URLSearchParams({ limit: '1', fields: 'id' }) });
      const { body } = await api({ method: 'GET', path: '/site/' });
      const site = (body.site ?? {}) as PlatformBody;
      const url = String(site.url ?? account.credentials.admin_url);
      return {
        id: url,
        username: new URL(url).host,
        ...(site.title ? { name: String(site.title) } : {}),
        ...(site.icon ? { pictureUrl: String(site.icon) } : {}),
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
          `a feature image of type ${contentType} is not an image Ghost takes; use JPEG, PNG, GIF, WebP or SVG.`,
        );
      }
      const form = new FormData();
      form.set('file', new Blob([bytes], { type: contentType }), `feature-image.${extension}`);
      form.set('purpose', 'image');
      // A retried upload leaves an unused file on the site, never a second post.
      const { body } = await call(req)({ method: 'POST', path: '/images/upload/', body: form });
      return { ready: { feature_image: String(body.images?.[0]?.url ?? '') } };
    },

    async publish(req, prepared: StepState) {
      const { body } = await call(
        req,
        true,
      )({
        method: 'POST',
        path: '/posts/',
        query: new URLSearchParams({ source: 'html' }),
        json: { posts: [postOf(req, prepared)] },
      });
      return receiptOf(body.posts?.[0] ?? {});
    },

    async findExisting(req) {
      const after = new Date(Date.parse(req.since) - SKEW_MS).toISOString().replace('T', ' ').slice(0, 19);
      // No post field holds a reference of ours: the site's post with this title and text since
      // the delivery began is this delivery's. Ghost renders the HTML it was given anew (its editor's
      // format in between): the text is compared without its tags. Every `page` of the posts
      // created since then, while `meta.pagination.next` names one.
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the site has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} posts`,
        read: async (page) => {
          const { body } = await call(req)({
            method: 'GET',
            path: '/posts/',
            query: new URLSearchParams({
              filter: `created_at:>'${after}'`,
              order: 'created_at desc',
              limit: String(RECONCILE_WINDOW),
              formats: 'html',
              ...(page ? { page } : {}),
            }),
          });
          const next = body.meta?.pagination?.next;
          return {
            items: Array.isArray(body.posts) ? body.posts : [],
            next: typeof next === 'number' ? String(next) : undefined,
          };
        },
        matches: (p) =>
          sameText(p.title, req.content.title) &&
          sameText(htmlText(p.html), htmlText(req.content.text)) &&
          postedSince(p.created_at, req.since),
      });
      return found ? receiptOf(found) : null;
    },

    async unpublish(req) {
      try {
        await call(req)({ method: 'DELETE', path: `/posts/${encodeURIComponent(req.platformPostId)}/` });
      } catch (err) {
        if ((err as { status?: number }).status === 404) return 'deleted'; // gone already
        throw err;
      }
      return 'deleted';
    },
  };
}

/** The post Ghost is asked to create: the title, the text as HTML, the options, the image. */
function postOf(req: PublishRequest, prepared: StepState): Record<string, unknown> {
  const o = req.target.options;
  return {
    title: req.content.title,
    html: req.content.text,
    status: o.status === 'draft' ? 'draft' : 'published',
    ...(Array.isArray(o.tags) ? { tags: o.tags.map((name) => ({ name: String(name) })) } : {}),
    ...(typeof o.custom_excerpt === 'string' ? { custom_excerpt: o.custom_excerpt } : {}),
    ...(typeof o.slug === 'string' ? { slug: o.slug } : {}),
    ...(typeof o.featured === 'boolean' ? { featured: o.featured } : {}),
    ...(typeof o.visibility === 'string' ? { visibility: o.visibility } : {}),
    ...(typeof prepared.feature_image === 'string' && prepared.feature_image
      ? {
          feature_image: prepared.feature_image,
          ...(typeof o.feature_image_alt === 'string' ? { feature_image_alt: o.feature_image_alt } : {}),
        }
      : {}),
  };
}

/** The Admin API of the account's site, as its credentials name it. */
function apiOf(account: AccountContext): string {
  const site = (account.credentials.admin_url ?? '').replace(/\/+$/, '');
  if (!/^https?:\/\//.test(site)) {
    throw rejected(PLATFORM, 'admin_url', 'the account has no admin_url (https://your.site); reconnect it.');
  }
  return `${site}/ghost/api/admin`;
}

/**
 * A token for one call: a JWT signed with the key's secret (HS256), as Ghost's Admin API asks
 * (ghost.org/docs/admin-api, "Token Authentication"). Signed here with node:crypto: three fields.
 */
export function tokenOf(account: AccountContext, now = Date.now()): string {
  const key = account.credentials.admin_api_key ?? '';
  if (!GHOST_ADMIN_KEY.test(key)) {
    throw platformFailure(
      PLATFORM,
      { category: 'auth', code: 'admin_api_key', reconnect: true },
      'the account has no valid admin_api_key (<id>:<secret>); reconnect it with the key of a custom integration (Settings → Integrations).',
    );
  }
  const [id, secret] = key.split(':') as [string, string];
  const iat = Math.floor(now / 1000);
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${part({ alg: 'HS256', typ: 'JWT', kid: id })}.${part({ iat, exp: iat + TOKEN_TTL_S, aud: '/admin/' })}`;
  const signature = createHmac('sha256', Buffer.from(secret, 'hex')).update(unsigned).digest('base64url');
  return `${unsigned}.${signature}`;
}

function receiptOf(post: PlatformBody): DeliveryReceipt {
  const at = Date.parse(String(post.published_at ?? post.created_at));
  return {
    platformPostId: String(post.id),
    permalink: String(post.url ?? ''),
    publishedAt: new Date(Number.isNaN(at) ? Date.now() : at).toISOString(),
  };
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const first: PlatformBody = Array.isArray(body.errors) ? (body.errors[0] ?? {}) : {};
  const type = typeof first.type === 'string' ? first.type : '';
  const rule = status === 429 ? ruleForStatus(status) : (ERROR_TYPES[type] ?? ruleForStatus(status));
  const retryAfter = status === 429 ? retryAfterMs(response.headers) : undefined;
  const said = [first.message, first.context].filter((s) => typeof s === 'string' && s).join(' ');
  const err = platformFailure(
    PLATFORM,
    status === 401 ? { category: 'auth', code: 'auth', reconnect: true } : rule,
    `${said || String(body.text ?? response.statusText)} (${type ? `${type}, ` : ''}HTTP ${status})`,
    { irreversible, ...(retryAfter !== undefined ? { retryAfter } : {}) },
  );
  Object.assign(err, { status });
  return err;
}

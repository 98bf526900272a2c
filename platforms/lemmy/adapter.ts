import type { DeliveryReceipt } from '../../api/types';
import {
  type AccountContext,
  type AdapterOptions,
  type CommentReceipt,
  type PlatformAdapter,
  PublishError,
  type PublishRequest,
  type StepState,
} from '../kit/adapter';
import { bearerCaller, type CallContext, type CallRequest } from '../kit/call';
import { altTextAt, sameText } from '../kit/content';
import { MAX_LOOKUP_PAGES, offsetPages, searchWindow } from '../kit/lookup-window';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  postedSince,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { PUBLIC_ONLY } from '../../net/guard';

const PLATFORM = 'lemmy';
/** How many of the account's posts (and of a post's comments) a lookup page holds (Lemmy's largest: 50). */
const RECONCILE_WINDOW = 50;
const COMMENT_WINDOW = 50;
/** Lemmy's rate limits send no wait: one minute, then try again. */
const RATE_WINDOW_MS = 60_000;
/** A session JWT this close to its `exp` (where it has one) counts as expired. */
const SESSION_MARGIN_MS = 60_000;

/**
 * Lemmy's errors are `{ "error": "<snake_case LemmyErrorType>" }` (crates/utils/src/error.rs),
 * mostly with HTTP 400 whatever they mean, so the code decides. A session that is no longer valid
 * (`not_logged_in`: logged out, password changed) is refreshed by logging in again; the password
 * itself refused is handled by `refresh`.
 */
const ERROR_CODES: Readonly<Record<string, FailureRule>> = {
  not_logged_in: { category: 'auth', code: 'auth', refreshable: true },
  incorrect_login: { category: 'auth', code: 'auth', refreshable: true },
  site_ban: { category: 'auth', code: 'banned' },
  person_is_banned_from_site: { category: 'auth', code: 'banned' },
  deleted: { category: 'auth', code: 'account_deleted', reconnect: true },
  rate_limit_error: { category: 'rate_limit', code: 'rate_limit', retryable: true },
  couldnt_find_community: { category: 'validation', code: 'community_not_found' },
  couldnt_find_post: { category: 'validation', code: 'not_found' },
  banned_from_community: { category: 'validation', code: 'banned_from_community' },
  only_mods_can_post_in_community: { category: 'validation', code: 'mods_only' },
  locked: { category: 'validation', code: 'locked' },
  language_not_allowed: { category: 'validation', code: 'language_not_allowed' },
};

/**
 * Lemmy (API v3, 0.19; join-lemmy.org/api), on the account's own instance: `instance_url`,
 * `username` and `password` in the credentials. `refresh` logs in (`POST /api/v3/user/login`) and
 * keeps the session JWT as `access_token` (Lemmy's JWTs do not expire; a session that ends is
 * refused with `not_logged_in`, and the engine logs in again). An account may give a JWT as
 * `access_token` instead of its password: it is then reconnected when the session ends.
 *
 * prepare: the post's image is uploaded to the instance's pict-rs (`POST /pictrs/image`) and
 * becomes the post's URL. publish: `POST /api/v3/post` in the target's community. Lemmy takes no
 * idempotency key: reconcile reads the account's newest posts (`GET /api/v3/user?sort=New`) for
 * the community, title and body since the delivery began. unpublish: `POST /api/v3/post/delete`.
 * A first comment is `POST /api/v3/comment`, looked up among the post's newest comments by author
 * and text.
 */
export function createLemmyAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: instanceOf,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    headers: { accept: 'application/json' },
    // The server is the account's own: every call is SSRF-guarded.
    userHost: options.outbound ?? PUBLIC_ONLY,
    failure,
  });
  /** A call with the account's session (a refreshable failure without one). */
  const call = (req: CallContext & { account: AccountContext }, irreversible = false) => {
    const token = session(req.account);
    const send = caller(req, irreversible);
    return async (request: CallRequest) => (await send({ ...request, token })).body;
  };

  const uploadImage = async (req: PublishRequest): Promise<StepState> => {
    const file = req.media[0];
    if (!file) return {};
    const { bytes, contentType } = await file.load();
    if (!contentType.startsWith('image/')) {
      throw rejected(PLATFORM, 'media_type', `${contentType} cannot be posted to Lemmy; use an image.`);
    }
    const form = new FormData();
    form.set('images[]', new Blob([bytes], { type: contentType }), 'image');
    const body = await call(req)({ method: 'POST', path: '/pictrs/image', body: form });
    const uploaded = Array.isArray(body.files) ? body.files[0] : undefined;
    if (body.msg !== 'ok' || !uploaded?.file) {
      throw platformFailure(
        PLATFORM,
        { category: 'platform', code: 'upload_failed', retryable: true },
        `the image upload failed: ${String(body.msg ?? 'no file in the answer')}.`,
      );
    }
    return { image_url: `${instanceOf(req.account)}/pictrs/image/${String(uploaded.file)}` };
  };

  return {
    platform: PLATFORM,

    /**
     * Logs in with the password (as `refresh` does) or takes the session given, then asks the
     * instance whose session it is (`GET /api/v3/site`'s `my_user`).
     */
    async verifyCredentials(account, signal) {
      const fresh = account.credentials.password ? await this.refresh!(account) : {};
      const signedIn = { ...account, credentials: { ...account.credentials, ...fresh } };
      const site = await call({ account: signedIn, signal })({ method: 'GET', path: '/api/v3/site' });
      const person = site.my_user?.local_user_view?.person as PlatformBody | undefined;
      if (!person) {
        throw rejected(PLATFORM, 'not_logged_in', 'the instance does not know this session; log in again.');
      }
      return {
        id: String(person.actor_id ?? person.id),
        username: `${person.name}@${new URL(instanceOf(account)).host}`,
        ...(person.display_name ? { name: String(person.display_name) } : {}),
        ...(person.avatar ? { pictureUrl: String(person.avatar) } : {}),
      };
    },

    async prepare(req) {
      return { ready: await uploadImage(req) };
    },

    async publish(req, prepared) {
      const body = await call(
        req,
        true,
      )({ method: 'POST', path: '/api/v3/post', json: postOf(req, prepared) });
      return receiptOf(req.account, body.post_view?.post ?? {});
    },

    async findExisting(req) {
      const o = req.target.options;
      // Newest first, `page` after `page` back to the delivery's start.
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the account has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} posts`,
        read: offsetPages(async (offset) => {
          const body = await call(req)({
            method: 'GET',
            path: '/api/v3/user',
            query: new URLSearchParams({
              username: usernameOf(req.account),
              sort: 'New',
              page: String(offset / RECONCILE_WINDOW + 1),
              limit: String(RECONCILE_WINDOW),
            }),
          });
          const views: PlatformBody[] = Array.isArray(body.posts) ? body.posts : [];
          return views.map((view) => (view.post ?? {}) as PlatformBody);
        }, RECONCILE_WINDOW),
        until: { since: req.since, createdAt: (p) => utc(p.published) },
        matches: (p) =>
          !p.deleted &&
          Number(p.community_id) === Number(o.community_id) &&
          sameText(p.name, req.content.title) &&
          sameText(p.body, req.content.text) &&
          (typeof o.url !== 'string' || p.url === o.url) &&
          postedSince(utc(p.published), req.since),
      });
      return found ? receiptOf(req.account, found) : null;
    },

    async unpublish(req) {
      const postId = Number(req.platformPostId);
      try {
        await call(req)({
          method: 'POST',
          path: '/api/v3/post/delete',
          json: { post_id: postId, deleted: true },
        });
      } catch (err) {
        // Lemmy refuses to delete a deleted post (`couldnt_update_post`); a missing one is gone too.
        if (!['couldnt_update_post', 'couldnt_find_post'].includes(lemmyError(err) ?? '')) throw err;
        if (!(await gone(req, postId))) throw err;
      }
      return 'deleted';
    },

    async comment(req) {
      const body = await call(
        req,
        true,
      )({
        method: 'POST',
        path: '/api/v3/comment',
        json: {
          content: req.text,
          post_id: Number(req.post.platformPostId),
          ...(typeof req.target.options.language_id === 'number'
            ? { language_id: req.target.options.language_id }
            : {}),
        },
      });
      return commentReceiptOf(req.account, body.comment_view?.comment ?? {});
    },

    async findComment(req) {
      const username = usernameOf(req.account).toLowerCase();
      // Newest first, `page` after `page` back to the comment step's start.
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the post has more than ${MAX_LOOKUP_PAGES * COMMENT_WINDOW} comments`,
        read: offsetPages(async (offset) => {
          const body = await call(req)({
            method: 'GET',
            path: '/api/v3/comment/list',
            query: new URLSearchParams({
              post_id: req.post.platformPostId,
              sort: 'New',
              type_: 'All',
              page: String(offset / COMMENT_WINDOW + 1),
              limit: String(COMMENT_WINDOW),
            }),
          });
          return Array.isArray(body.comments) ? body.comments : [];
        }, COMMENT_WINDOW),
        until: { since: req.since, createdAt: (view) => utc(view.comment?.published) },
        matches: (view) =>
          String(view.creator?.name).toLowerCase() === username &&
          view.creator?.local !== false &&
          String(view.comment?.path) === `0.${view.comment?.id}` && // top-level: under the post itself
          sameText(view.comment?.content, req.text) &&
          postedSince(utc(view.comment?.published), req.since),
      });
      return found ? commentReceiptOf(req.account, found.comment) : null;
    },

    async refresh(account) {
      const { username, password } = account.credentials;
      if (!username || !password) {
        throw reconnect('the session ended and the account has no password to log in with; reconnect it.');
      }
      const login = bearerCaller({
        platform: PLATFORM,
        baseUrl: instanceOf,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        headers: { accept: 'application/json' },
        userHost: options.outbound ?? PUBLIC_ONLY,
        failure: loginFailure,
        failed: (response, body) => !response.ok || typeof body.jwt !== 'string',
      });
      // The account without its old session: no bearer token goes with the password.
      const signingIn = { ...account, credentials: { instance_url: account.credentials.instance_url ?? '' } };
      const { body } = await login({ account: signingIn, signal: new AbortController().signal })({
        method: 'POST',
        path: '/api/v3/user/login',
        json: { username_or_email: username, password },
      });
      const jwt = String(body.jwt);
      // Lemmy 0.19's JWTs carry no `exp`; an empty expires_at clears one left from elsewhere.
      return { access_token: jwt, expires_at: jwtExpiry(jwt) ?? '' };
    },
  };

  /** Whether the post is deleted (or not there at all). */
  async function gone(req: CallContext & { account: AccountContext }, postId: number): Promise<boolean> {
    try {
      const body = await call(req)({
        method: 'GET',
        path: '/api/v3/post',
        query: new URLSearchParams({ id: String(postId) }),
      });
      return !!body.post_view?.post?.deleted;
    } catch (err) {
      if (lemmyError(err) === 'couldnt_find_post') return true;
      throw err;
    }
  }
}

/** The `CreatePost` body: the post's title and text, the image as its URL, the options. */
function postOf(req: PublishRequest, prepared: StepState): Record<string, unknown> {
  const o = req.target.options;
  if (typeof o.community_id !== 'number') {
    throw rejected(
      PLATFORM,
      'community_required',
      'the target has no community_id; name the community to post in.',
    );
  }
  const url = typeof prepared.image_url === 'string' ? prepared.image_url : o.url;
  const alt = altTextAt(o, 0);
  return {
    name: req.content.title ?? '',
    community_id: o.community_id,
    ...(req.content.text.trim() ? { body: req.content.text } : {}),
    ...(typeof url === 'string' ? { url } : {}),
    ...(typeof o.nsfw === 'boolean' ? { nsfw: o.nsfw } : {}),
    ...(typeof o.language_id === 'number' ? { language_id: o.language_id } : {}),
    ...(typeof o.custom_thumbnail === 'string' ? { custom_thumbnail: o.custom_thumbnail } : {}),
    ...(alt ? { alt_text: alt } : {}),
  };
}

/** The account's instance, as its credentials name it. */
function instanceOf(account: AccountContext): string {
  const instance = (account.credentials.instance_url ?? '').replace(/\/$/, '');
  if (!/^https?:\/\//.test(instance)) {
    throw rejected(
      PLATFORM,
      'instance_url',
      'the account has no instance_url (https://your.instance); reconnect it.',
    );
  }
  return instance;
}

function usernameOf(account: AccountContext): string {
  const name = account.credentials.username;
  if (name) return name;
  throw reconnect('the account has no username; reconnect it.');
}

/** The account's session JWT; without a live one, a refreshable failure makes the engine log in. */
function session(account: AccountContext, now = Date.now()): string {
  const { access_token: token, expires_at: expiresAt } = account.credentials;
  const expired = !!expiresAt && Date.parse(expiresAt) - SESSION_MARGIN_MS <= now;
  if (token && !expired) return token;
  throw new PublishError({
    category: 'auth',
    caused_by: 'user',
    code: `platform.${PLATFORM}.session`,
    message: `${PLATFORM}: ${token ? `the session expired at ${expiresAt}` : 'no session yet'}; logging in again.`,
    retryable: false,
    outcomeUnknown: false,
    refreshable: true,
  });
}

/** The `exp` of a JWT as an ISO instant, where it has one. */
function jwtExpiry(jwt: string): string | undefined {
  try {
    const claims = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof claims.exp === 'number' ? new Date(claims.exp * 1000).toISOString() : undefined;
  } catch {
    return undefined;
  }
}

/** Lemmy before 0.19 wrote `published` in UTC without an offset. */
function utc(value: unknown): string {
  const text = String(value ?? '');
  return /T[\d:.]+$/.test(text) ? `${text}Z` : text;
}

function receiptOf(account: AccountContext, post: PlatformBody): DeliveryReceipt {
  return {
    platformPostId: String(post.id),
    permalink: `${instanceOf(account)}/post/${String(post.id)}`,
    publishedAt: new Date(Date.parse(utc(post.published)) || Date.now()).toISOString(),
  };
}

function commentReceiptOf(account: AccountContext, comment: PlatformBody): CommentReceipt {
  return { commentId: String(comment.id), permalink: `${instanceOf(account)}/comment/${String(comment.id)}` };
}

/** The Lemmy error code a failure carried, if any. */
const lemmyError = (err: unknown) => (err as { lemmyError?: string }).lemmyError;

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const code = typeof body.error === 'string' ? body.error : undefined;
  const rule = (code && ERROR_CODES[code]) || ruleForStatus(status);
  const retryAfter =
    rule.category === 'rate_limit' ? (retryAfterMs(response.headers) ?? RATE_WINDOW_MS) : undefined;
  const said = [code, body.message].filter(Boolean).join(': ') || body.text || response.statusText;
  const err = platformFailure(PLATFORM, rule, `${String(said)} (HTTP ${status})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  return Object.assign(err, { status, lemmyError: code });
}

/**
 * A refused login means the account must be reconnected (a changed password, a two-factor code
 * Postflow cannot give, an unverified email, a ban); the instance's trouble is retried.
 */
function loginFailure(response: Response, body: PlatformBody) {
  const code = typeof body.error === 'string' ? body.error : undefined;
  if (response.status >= 500 || code === 'rate_limit_error') {
    return platformFailure(
      PLATFORM,
      code ? ERROR_CODES[code]! : ruleForStatus(response.status),
      `the login failed: ${code ?? response.statusText} (HTTP ${response.status})`,
      code ? { retryAfter: retryAfterMs(response.headers) ?? RATE_WINDOW_MS } : {},
    );
  }
  return reconnect(
    `the instance refused to log in: ${code ?? response.statusText} (HTTP ${response.status}).`,
  );
}

function reconnect(why: string): PublishError {
  return new PublishError({
    category: 'auth',
    caused_by: 'user',
    code: 'account.reconnection_required',
    message: `${PLATFORM}: ${why}`.slice(0, 300),
    retryable: false,
    outcomeUnknown: false,
  });
}

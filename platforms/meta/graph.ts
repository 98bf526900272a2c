import type { DeliveryReceipt } from '../../api/types';
import { type AccountContext, type Published, PublishError, type StepState } from '../kit/adapter';
import { liveReceipt, warningOf } from '../kit/live-receipt';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { bearerCaller } from '../kit/call';
import type { LookupPage } from '../kit/lookup-window';
import { renewDueBeforeCall, tokenExpired } from '../kit/token-expiry';

/**
 * The Meta family (Instagram, Threads, Facebook Pages): one Graph API client, one error table,
 * Meta's rate-limit headers, its long-lived-token refresh, and the container steps Instagram and
 * Threads share (create → poll status → publish).
 */

/** A rule of the error table; a few rows also know how long the platform wants us to wait. */
export interface MetaRule extends FailureRule {
  retryAfterMs?: number;
}

/**
 * One row: Meta `code`s (none listed: any code) and, when given, only these `error_subcode`s →
 * what they mean.
 */
export interface MetaErrorRow {
  codes: readonly number[];
  subcodes?: readonly number[];
  rule: MetaRule;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
const HOUR_MS = 3_600_000;

/**
 * Graph API error codes (developers.facebook.com/docs/graph-api/guides/error-handling and
 * …/overview/rate-limiting). Subcode rows come first: the first matching row wins. Code 190's
 * `refreshable` is dropped for platforms without a refresh flow (Facebook Page tokens).
 */
export const META_ERRORS: readonly MetaErrorRow[] = [
  // 190 subcodes a refresh cannot help. 458 app removed, 460 password changed, 492 invalid session:
  // Meta invalidated the token itself, so the account must be reconnected (marked so).
  {
    codes: [190, 102],
    subcodes: [458, 460, 492],
    rule: { category: 'auth', code: 'reconnect', reconnect: true },
  },
  // 459 checkpoint, 464 unconfirmed user: the user must fix their Meta account in Meta's own apps;
  // the token works again afterwards, so the account is not marked.
  { codes: [190, 102], subcodes: [459, 464], rule: { category: 'auth', code: 'reconnect' } },
  // 190 without those subcodes (463 expired, 467 invalid): a token problem a refresh may fix.
  { codes: [190, 102], rule: { category: 'auth', code: 'auth', refreshable: true } },
  // 100/33: the object does not exist (or this token cannot see it) — "already gone" on delete.
  { codes: [100], subcodes: [33], rule: { category: 'validation', code: 'not_found' } },
  { codes: [100], rule: { category: 'validation', code: 'invalid_parameter' } },
  // 1 unknown, 2 service: temporary downtime. The platform may still have acted on a publish.
  { codes: [1], rule: { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true } },
  { codes: [2], rule: { category: 'platform', code: 'unavailable', retryable: true, mayHaveActed: true } },
  // Throttling: 4 app, 17 user, 32 page, 613 custom, 341 app limit, 80001–80014 business use case.
  {
    codes: [4, 17, 32, 613, 341, ...range(80001, 80014)],
    rule: { category: 'rate_limit', code: 'rate_limit', retryable: true },
  },
  // 3 capability, 10 and 200–299 permissions the token lacks: reconnect with the permission.
  { codes: [3, 10, ...range(200, 299)], rule: { category: 'auth', code: 'permission' } },
  // 368: temporarily blocked for policy violations; retrying soon only extends the block.
  { codes: [368], rule: { category: 'platform', code: 'blocked' } },
  // 506 duplicate: on a repeated publish call it may mean the first one went through; reconcile.
  { codes: [506], rule: { category: 'validation', code: 'duplicate', mayHaveActed: true } },
  { codes: [1609005], rule: { category: 'validation', code: 'link' } },
];

/** The rule for a Graph error: the platform's own rows first, then the family's, then HTTP status. */
export function metaRule(
  error: PlatformBody,
  status: number,
  { extra = [], refreshes }: { extra?: readonly MetaErrorRow[]; refreshes: boolean },
): MetaRule {
  const code = Number(error.code);
  const subcode = Number(error.error_subcode);
  const row = [...extra, ...META_ERRORS].find(
    (r) => (!r.codes.length || r.codes.includes(code)) && (!r.subcodes || r.subcodes.includes(subcode)),
  );
  let rule: MetaRule | undefined = row?.rule;
  // Meta flags passing trouble with `is_transient` even on codes it does not document.
  if (!rule && error.is_transient === true)
    rule = { category: 'platform', code: 'transient', retryable: true, mayHaveActed: true };
  rule ??= status === 400 ? { category: 'validation', code: 'rejected' } : ruleForStatus(status);
  // Without a refresh flow (Facebook Page tokens), a token Meta calls invalid stays invalid.
  if (rule.refreshable && !refreshes) rule = { ...rule, refreshable: false, reconnect: true };
  return rule;
}

/**
 * How long Meta asks us to wait: `Retry-After` if sent, else the longest
 * `estimated_time_to_regain_access` (minutes) in the usage headers (X-Business-Use-Case-Usage
 * nests it per business object and use case; X-App-Usage/X-Page-Usage carry only percentages).
 */
export function metaRetryAfterMs(headers: Headers): number | undefined {
  const plain = retryAfterMs(headers);
  if (plain !== undefined) return plain;
  let minutes: number | undefined;
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) return value.forEach(visit);
    if (!value || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'estimated_time_to_regain_access' && Number.isFinite(Number(inner))) {
        minutes = Math.max(minutes ?? 0, Number(inner));
      } else visit(inner);
    }
  };
  for (const name of ['x-business-use-case-usage', 'x-app-usage', 'x-page-usage', 'x-ad-account-usage']) {
    const raw = headers.get(name);
    if (!raw) continue;
    try {
      visit(JSON.parse(raw));
    } catch {
      // A malformed usage header says nothing about when to come back.
    }
  }
  return minutes === undefined ? undefined : minutes * 60_000;
}

/** A Graph failure, with Meta's code kept for callers that treat some as "already gone". */
export type GraphError = PublishError & { status: number; metaCode?: number; metaSubcode?: number };

export function isGone(err: unknown): boolean {
  const e = err as Partial<GraphError>;
  return e.status === 404 || (e.metaCode === 100 && e.metaSubcode === 33);
}

export interface GraphSettings {
  platform: string;
  /** The API host (`https://graph.instagram.com`), overridable by `POSTFLOW_<PLATFORM>_API_URL`. */
  baseUrl: string;
  /** The API version path segment (`v25.0`; Threads `v1.0`). */
  version: string;
  timeoutMs?: number;
  refreshes: boolean;
  /** The platform's own rows (Instagram's 2207xxx subcodes), checked before the family's. */
  errors?: readonly MetaErrorRow[];
}

export type GraphParams = Record<string, string | number | boolean | undefined>;
export type GraphCall = (method: string, path: string, params?: GraphParams) => Promise<PlatformBody>;

/**
 * A Graph edge read a page at a time for a lookup (kit/lookup-window.ts): cursor-based paging as
 * Meta documents it, the next page `after` the last one's `paging.cursors.after`, for as long as
 * the answer has a `paging.next` (none on the last page).
 */
export const graphPages =
  (api: GraphCall, path: string, params: GraphParams) =>
  async (after: string | undefined): Promise<LookupPage<PlatformBody>> => {
    const body = await api('GET', path, { ...params, ...(after ? { after } : {}) });
    return {
      items: Array.isArray(body.data) ? body.data : [],
      next: body.paging?.next ? body.paging?.cursors?.after : undefined,
    };
  };

/**
 * The Graph API client. Parameters go as a form body on POST and as the query otherwise; the token
 * goes in the `Authorization` header, never in the URL. (Meta's examples pass `access_token` as a
 * parameter; the Graph hosts also take `Authorization: Bearer`, which keeps tokens out of URLs.)
 */
export function graphClient(settings: GraphSettings) {
  const caller = bearerCaller({
    platform: settings.platform,
    baseUrl: `${settings.baseUrl}/${settings.version}`,
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
    headers: { accept: 'application/json' },
    failure: (response, body, irreversible) => graphFailure(settings, response, body, irreversible),
    // Graph may answer an error with a 2xx status: the body's `error` decides.
    failed: (response, body) => !response.ok || !!body.error,
  });
  return (req: { account: AccountContext; signal: AbortSignal }, irreversible = false): GraphCall => {
    if (!req.account.credentials.access_token) {
      throw rejected(settings.platform, 'credentials', 'the account has no access_token; reconnect it.');
    }
    const send = caller(req, irreversible);
    return async (method, path, params = {}) => {
      const form = new URLSearchParams();
      for (const [key, value] of Object.entries(params))
        if (value !== undefined) form.set(key, String(value));
      const { body } = await send({
        method,
        path,
        ...(method === 'POST' ? { body: form } : { query: form }),
      });
      return body;
    };
  };
}

function graphFailure(
  settings: GraphSettings,
  response: Response,
  body: PlatformBody,
  irreversible: boolean,
): GraphError {
  const error: PlatformBody = typeof body.error === 'object' && body.error ? body.error : {};
  const rule = metaRule(error, response.status, { extra: settings.errors, refreshes: settings.refreshes });
  const retryAfter =
    rule.category === 'rate_limit' ? (metaRetryAfterMs(response.headers) ?? rule.retryAfterMs) : undefined;
  const words = String(error.error_user_msg || error.message || body.text || response.statusText);
  const codes =
    error.code !== undefined ? `code ${error.code}${subcodeText(error)}` : `HTTP ${response.status}`;
  const err = platformFailure(settings.platform, rule, `${words} (${codes})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  return Object.assign(err, {
    status: response.status,
    ...(error.code !== undefined ? { metaCode: Number(error.code) } : {}),
    ...(error.error_subcode !== undefined ? { metaSubcode: Number(error.error_subcode) } : {}),
  });
}

const subcodeText = (error: PlatformBody) =>
  error.error_subcode !== undefined ? `/${error.error_subcode}` : '';

/**
 * Renew a long-lived token this long before it expires: Meta refreshes only unexpired tokens.
 * Seven days leave the daily token-upkeep job (workflows/token-upkeep.ts) several tries.
 */
export const META_RENEW_WINDOW_MS = 7 * 24 * HOUR_MS;

/**
 * Instagram and Threads long-lived tokens live 60 days and can be refreshed only while valid (and
 * at least 24 h old). So a token in its last week counts as due: the engine refreshes it before
 * the platform is called, instead of waiting for an expiry that would force a reconnect. When
 * that early renewal fails while the token still works, the refresh activity defers it
 * (token-expiry.ts) and the call goes ahead with the current token; only an expired token stops it.
 * (The shared `assertTokenFresh` needs a `refresh_token`, which Meta does not issue.)
 */
export function assertMetaTokenFresh(
  platform: string,
  credentials: Record<string, string>,
  now = Date.now(),
) {
  if (!renewDueBeforeCall(credentials, META_RENEW_WINDOW_MS, now)) return;
  const expired = tokenExpired(credentials, now);
  throw new PublishError({
    category: 'auth',
    caused_by: 'user',
    code: `platform.${platform}.auth`,
    message: expired
      ? `${platform}: the access token expired at ${credentials.expires_at}; refreshing it.`
      : `${platform}: the access token expires at ${credentials.expires_at}; renewing it first.`,
    retryable: false,
    outcomeUnknown: false,
    refreshable: true,
  });
}

/**
 * Meta's refresh of a long-lived token (Instagram `ig_refresh_token`, Threads `th_refresh_token`):
 * `GET <host>/refresh_access_token?grant_type=…&access_token=<the long-lived token>`. The token
 * must travel in the query here (as documented); platformFetch never quotes URLs. Meta issues no
 * separate refresh token: the long-lived token is what is refreshed, so Postflow keeps it in
 * both `access_token` and `refresh_token` (an account may carry only `access_token`).
 */
export async function refreshLongLivedToken(
  settings: GraphSettings,
  grantType: string,
  account: AccountContext,
): Promise<Record<string, string>> {
  const current = account.credentials.refresh_token || account.credentials.access_token;
  if (!current) throw deadToken(settings.platform, 'the account has no token to refresh');
  const query = new URLSearchParams({ grant_type: grantType, access_token: current });
  const refresh = bearerCaller({
    platform: settings.platform,
    baseUrl: settings.baseUrl,
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
    headers: { accept: 'application/json' },
    failure: (response, body) => refreshFailure(settings.platform, response, body),
    failed: (response, body) => !response.ok || typeof body.access_token !== 'string',
  });
  // No account: the token travels in the query (as documented), not as a bearer header.
  const { body } = await refresh({ signal: new AbortController().signal })({
    method: 'GET',
    path: '/refresh_access_token',
    query,
  });
  return {
    access_token: body.access_token,
    refresh_token: body.access_token,
    ...(Number.isFinite(Number(body.expires_in))
      ? { expires_at: new Date(Date.now() + Number(body.expires_in) * 1000).toISOString() }
      : {}),
  };
}

/** A refresh Meta refused: a refused token (190, bad parameters) is final; throttling and downtime are retried. */
function refreshFailure(platform: string, response: Response, body: PlatformBody): PublishError {
  const error: PlatformBody = typeof body.error === 'object' && body.error ? body.error : {};
  const rule = metaRule(error, response.status, { refreshes: false });
  const reason = String(error.message ?? body.text ?? response.statusText);
  if (rule.category === 'auth' || rule.category === 'validation') return deadToken(platform, reason);
  return platformFailure(platform, { ...rule, retryable: true }, `refreshing the token: ${reason}`, {
    ...(rule.category === 'rate_limit' && metaRetryAfterMs(response.headers) !== undefined
      ? { retryAfter: metaRetryAfterMs(response.headers)! }
      : {}),
  });
}

function deadToken(platform: string, reason: string): PublishError {
  return new PublishError({
    category: 'auth',
    caused_by: 'user',
    code: 'account.reconnection_required',
    message: `${platform} refused to refresh the access token: ${reason}; reconnect the account.`.slice(
      0,
      300,
    ),
    retryable: false,
    outcomeUnknown: false,
  });
}

/** How a platform's containers report their state (Instagram `status_code`, Threads `status`). */
export interface ContainerFields {
  status: string;
  /** The field explaining an ERROR (Instagram `status`, Threads `error_message`). */
  detail: string;
}

/**
 * Asks Meta about each container; returns those still IN_PROGRESS. ERROR fails the attempt for
 * good (the media is what Meta refused: format, size, unreachable URL); EXPIRED (24 h unpublished)
 * is retried, since a new attempt prepares new containers.
 */
export async function pendingContainers(
  platform: string,
  api: GraphCall,
  ids: readonly string[],
  fields: ContainerFields,
): Promise<string[]> {
  const pending: string[] = [];
  for (const id of ids) {
    const body = await api('GET', `/${encodeURIComponent(id)}`, {
      fields: `${fields.status},${fields.detail}`,
    });
    const status = String(body[fields.status] ?? '');
    if (status === 'IN_PROGRESS' || status === '') pending.push(id);
    else if (status === 'ERROR') {
      throw platformFailure(
        platform,
        { category: 'validation', code: 'container_failed' },
        `could not process the media (${String(body[fields.detail] ?? 'no detail')}); check its format, size and that its URL is public.`,
      );
    } else if (status === 'EXPIRED') {
      throw platformFailure(
        platform,
        { category: 'platform', code: 'container_expired', retryable: true },
        'the media container expired before it was published; preparing it again.',
      );
    }
  }
  return pending;
}

/**
 * The receipt of a just-published post. Its permalink needs one more call; should that call
 * fail, the delivery moves on to `checkPublished` (read-only, retried in place) rather than
 * failing a publish step that already succeeded.
 */
export async function receiptOrPoll(
  api: GraphCall,
  id: string,
  fields: { permalink: string; time: string },
  pollAfterMs: number,
): Promise<Published> {
  try {
    return await receiptOf(api, id, fields);
  } catch {
    // When the post went live: the receipt's time should checkPublished never read it.
    return { processing: { published_id: id, published_at: new Date().toISOString() }, pollAfterMs };
  }
}

/**
 * `checkPublished` of a post already live: reads its permalink and time. Should Meta refuse that
 * read for good (a permission the token lacks, the post hidden), the receipt carries the id, no
 * permalink (Instagram and Threads links use a shortcode the id does not give) and a warning:
 * the target is published, never failed (live-receipt.ts). Transient failures are retried.
 */
export function liveMetaReceipt(
  platform: string,
  api: GraphCall,
  state: StepState,
  fields: { permalink: string; time: string },
): Promise<DeliveryReceipt> {
  const id = String(state.published_id);
  return liveReceipt(
    () => receiptOf(api, id, fields),
    () => receiptFrom(id, { [fields.time]: state.published_at }, fields),
    (err) =>
      warningOf(
        platform,
        'permalink_unavailable',
        `The post is live, but ${platform} did not give its link`,
        err,
      ),
  );
}

export async function receiptOf(
  api: GraphCall,
  id: string,
  fields: { permalink: string; time: string },
): Promise<DeliveryReceipt> {
  const body = await api('GET', `/${encodeURIComponent(id)}`, {
    fields: `${fields.permalink},${fields.time}`,
  });
  return receiptFrom(id, body, fields);
}

export function receiptFrom(
  id: string,
  body: PlatformBody,
  fields: { permalink: string; time: string },
): DeliveryReceipt {
  const at = Date.parse(String(body[fields.time] ?? ''));
  return {
    platformPostId: id,
    permalink: String(body[fields.permalink] ?? ''),
    publishedAt: new Date(Number.isNaN(at) ? Date.now() : at).toISOString(),
  };
}

/** Reconcile compares texts whitespace-insensitively: platforms trim and fold line breaks. */
export { sameText } from '../kit/content';

/** What a file is, from its stored type or, for URL media not yet fetched, its URL's extension. */
export function mediaKind(file: { contentType: string | null; ref: { source: string } }): 'image' | 'video' {
  if (file.contentType) return file.contentType.startsWith('video/') ? 'video' : 'image';
  return /\.(mp4|mov|m4v|webm|avi|mkv)(\?|#|$)/i.test(file.ref.source) ? 'video' : 'image';
}

import type { AccountContext, AdapterOptions } from '../kit/adapter';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { bearerCaller, type PlatformAnswer } from '../kit/call';
import { oauthClient, refreshOAuth2 } from '../kit/oauth2';

/**
 * What Google's APIs share, for the `google` (Business Profile) and `youtube` adapters: the
 * error body, the error table, OAuth 2.0 refresh, and an authenticated JSON call.
 *
 * Google's error body (cloud.google.com/apis/design/errors; YouTube's older shape has the same
 * envelope): `{ "error": { "code": 403, "message": "…", "status": "PERMISSION_DENIED",
 * "errors": [{ "message", "domain", "reason" }], "details": [{ "@type": "…RetryInfo", … }] } }`.
 * `status` (the canonical gRPC code) is absent from some YouTube answers; `errors[].reason`
 * (YouTube, v3-era APIs) is absent from newer ones. The reason, when present, is more specific.
 */

/** Google's OAuth 2.0 token endpoint (developers.google.com/identity/protocols/oauth2/web-server#offline). */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

/** How long to wait before retrying a rate-limited call, when Google does not say. */
export type Wait = 'next_minute' | 'quota_day' | 'day';

/** One row of a Google error table: the failure, and how long a rate limit lasts. */
export type GoogleRule = FailureRule & { wait?: Wait };

/**
 * Google's canonical codes (`error.status`), shared by every Google API
 * (google.rpc.Code; cloud.google.com/apis/design/errors#handling_errors).
 */
export const GOOGLE_STATUS_RULES: Readonly<Record<string, GoogleRule>> = {
  INVALID_ARGUMENT: { category: 'validation', code: 'invalid_argument' },
  FAILED_PRECONDITION: { category: 'validation', code: 'failed_precondition' },
  OUT_OF_RANGE: { category: 'validation', code: 'out_of_range' },
  NOT_FOUND: { category: 'validation', code: 'not_found' },
  ALREADY_EXISTS: { category: 'validation', code: 'already_exists' },
  // Google's access tokens last an hour; a refresh token gets a new one.
  UNAUTHENTICATED: { category: 'auth', code: 'auth', refreshable: true },
  PERMISSION_DENIED: { category: 'auth', code: 'forbidden' },
  // Per-minute project quotas are the common case (GBP: 300 requests/minute); daily ones say so.
  RESOURCE_EXHAUSTED: { category: 'rate_limit', code: 'rate_limit', retryable: true, wait: 'next_minute' },
  // A concurrency conflict: nothing was written.
  ABORTED: { category: 'platform', code: 'aborted', retryable: true },
  UNAVAILABLE: { category: 'platform', code: 'unavailable', retryable: true },
  INTERNAL: { category: 'platform', code: 'internal', retryable: true, mayHaveActed: true },
  DEADLINE_EXCEEDED: { category: 'platform', code: 'deadline_exceeded', retryable: true, mayHaveActed: true },
  UNKNOWN: { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true },
};

/**
 * `errors[].reason` values common to Google's APIs (YouTube's "Core API errors" and Google's
 * global domain). Each adapter adds its own API's reasons on top.
 */
export const GOOGLE_REASON_RULES: Readonly<Record<string, GoogleRule>> = {
  authError: { category: 'auth', code: 'auth', refreshable: true },
  forbidden: { category: 'auth', code: 'forbidden' },
  insufficientPermissions: { category: 'auth', code: 'forbidden' },
  // Daily quotas reset at midnight Pacific Time: retrying sooner only burns attempts.
  quotaExceeded: { category: 'rate_limit', code: 'quota_exceeded', retryable: true, wait: 'quota_day' },
  dailyLimitExceeded: { category: 'rate_limit', code: 'quota_exceeded', retryable: true, wait: 'quota_day' },
  rateLimitExceeded: { category: 'rate_limit', code: 'rate_limit', retryable: true, wait: 'next_minute' },
  userRateLimitExceeded: { category: 'rate_limit', code: 'rate_limit', retryable: true, wait: 'next_minute' },
  badRequest: { category: 'validation', code: 'bad_request' },
  invalid: { category: 'validation', code: 'invalid_argument' },
  required: { category: 'validation', code: 'invalid_argument' },
  notFound: { category: 'validation', code: 'not_found' },
  backendError: { category: 'platform', code: 'backend_error', retryable: true, mayHaveActed: true },
};

/**
 * `308 Resume Incomplete` to a resumable upload's PUT: the server has only part of the bytes,
 * so the upload did not complete and nothing was created; the upload starts over.
 */
const UPLOAD_INCOMPLETE: GoogleRule = { category: 'platform', code: 'upload_incomplete', retryable: true };

/** Google's error body, read. */
export interface GoogleError {
  httpStatus: number;
  status?: string;
  reason?: string;
  message: string;
  /** `RetryInfo.retryDelay` from `details`, in ms. */
  retryDelayMs?: number;
}

export function readGoogleError(response: Response, body: PlatformBody): GoogleError {
  const error = typeof body.error === 'object' && body.error ? body.error : {};
  const first = Array.isArray(error.errors) ? error.errors[0] : undefined;
  const details: PlatformBody[] = Array.isArray(error.details) ? error.details : [];
  const retry = details.find((d) => String(d['@type'] ?? '').endsWith('google.rpc.RetryInfo'));
  const delay = retry ? parseDuration(retry.retryDelay) : undefined;
  const info = details.find((d) => String(d['@type'] ?? '').endsWith('google.rpc.ErrorInfo'));
  // Which limit was hit ("Requests per minute", "…per day") is in the message or ErrorInfo metadata.
  const quota = info?.metadata ? ` [${Object.values(info.metadata).join(' ')}]` : '';
  const fields = validationFields(details);
  return {
    httpStatus: response.status,
    ...(typeof error.status === 'string' ? { status: error.status } : {}),
    ...(typeof first?.reason === 'string' ? { reason: first.reason } : {}),
    message:
      String(error.message ?? body.error_description ?? body.text ?? response.statusText) + fields + quota,
    ...(delay !== undefined ? { retryDelayMs: delay } : {}),
  };
}

/** GBP explains INVALID_ARGUMENT field by field (`google.mybusiness.v4.ValidationError`). */
function validationFields(details: PlatformBody[]): string {
  const problems = details.flatMap((d) => (Array.isArray(d.errorDetails) ? d.errorDetails : []));
  return problems.length
    ? ` (${problems.map((p: PlatformBody) => `${p.field ?? '?'}: ${p.message ?? ''}`).join('; ')})`
    : '';
}

/** A protobuf Duration as JSON ("30s", "1.5s"), in ms. */
function parseDuration(value: unknown): number | undefined {
  const m = /^(\d+(?:\.\d+)?)s$/.exec(String(value ?? ''));
  return m ? Math.round(Number(m[1]) * 1000) : undefined;
}

/**
 * Classifies a Google error answer: by `errors[].reason` (the adapter's table, then the shared
 * one), else by canonical `status` (the same order), else by HTTP status. Rate limits wait what Google asked for
 * (Retry-After, RetryInfo), else until the quota window is over.
 */
export function googleFailure(
  platform: string,
  response: Response,
  body: PlatformBody,
  {
    reasons = {},
    irreversible = false,
  }: { reasons?: Readonly<Record<string, GoogleRule>>; irreversible?: boolean },
) {
  const error = readGoogleError(response, body);
  const rule: GoogleRule =
    (error.reason && (reasons[error.reason] ?? GOOGLE_REASON_RULES[error.reason])) ||
    (error.status && (reasons[error.status] ?? GOOGLE_STATUS_RULES[error.status])) ||
    (response.status === 308 ? UPLOAD_INCOMPLETE : ruleForStatus(response.status));
  const retryAfter =
    rule.category === 'rate_limit'
      ? (retryAfterMs(response.headers) ?? error.retryDelayMs ?? waitMs(rule.wait, error.message))
      : undefined;
  const what = [error.status, error.reason].filter(Boolean).join('/');
  const err = platformFailure(
    platform,
    rule,
    `${error.message} (HTTP ${response.status}${what ? ` ${what}` : ''})`,
    {
      irreversible,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    },
  );
  Object.assign(err, { status: response.status });
  return err;
}

function waitMs(wait: Wait | undefined, message: string): number | undefined {
  // A quota named "per day" in the message outlasts the table's default.
  if (/per ?day|daily/i.test(message)) return msUntilPacificMidnight();
  if (wait === 'next_minute') return 60_000;
  if (wait === 'quota_day') return msUntilPacificMidnight();
  if (wait === 'day') return 24 * 3_600_000;
  return undefined;
}

/**
 * Milliseconds until Google's daily quotas reset: midnight Pacific Time
 * (developers.google.com/youtube/v3/determine_quota_cost). Off by an hour on DST change days.
 */
export function msUntilPacificMidnight(now = Date.now()): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: 'America/Los_Angeles',
    hourCycle: 'h23',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(new Date(now));
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const sinceMidnight = ((part('hour') * 60 + part('minute')) * 60 + part('second')) * 1000 + (now % 1000);
  return 24 * 3_600_000 - sinceMidnight;
}

/** The HTTP status a `googleFailure` carries: 404 after a delete means "gone already". */
export const isNotFound = (err: unknown) => (err as { status?: number }).status === 404;

/**
 * An authenticated call to a Google API: the access token in the `Authorization` header (never in
 * the URL), JSON in and out, errors classified by `googleFailure` with the adapter's reasons.
 */
export function googleCaller(
  platform: string,
  options: AdapterOptions,
  reasons: Readonly<Record<string, GoogleRule>>,
) {
  const caller = bearerCaller({
    platform,
    baseUrl: '', // calls name whole URLs: Google's APIs live on several hosts
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    headers: { accept: 'application/json' },
    failure: (response, answer, irreversible) =>
      googleFailure(platform, response, answer, { reasons, irreversible }),
  });
  return (req: { account: AccountContext; signal: AbortSignal }, irreversible = false) => {
    const send = caller(req, irreversible);
    return async (
      method: string,
      url: string,
      body?: RequestInit['body'],
      headers: Record<string, string> = {},
    ): Promise<PlatformAnswer> =>
      send({
        method,
        path: url,
        token: req.account.credentials.access_token ?? '',
        headers: {
          ...(typeof body === 'string' ? { 'content-type': 'application/json; charset=UTF-8' } : {}),
          ...headers,
        },
        ...(body !== undefined ? { body } : {}),
      });
  };
}

/**
 * Google's token endpoint for a platform: `POSTFLOW_<PLATFORM>_TOKEN_URL` when set (a proxy, a
 * test fake; the API base URL setting cannot cover it, Google serves tokens from another host).
 */
export function googleTokenUrl(platform: string, options: AdapterOptions): string {
  return options.env?.[`POSTFLOW_${platform.toUpperCase()}_TOKEN_URL`] || GOOGLE_TOKEN_URL;
}

/**
 * Google's refresh grant: client id and secret in the form body; the answer carries a new
 * `access_token` and `expires_in` (3599 s), and no new refresh token (Google keeps the old one
 * valid), so the account keeps its `refresh_token`. `invalid_grant` (revoked, expired after
 * 6 months unused, password changed) means reconnecting.
 */
export function googleRefresh(platform: string, options: AdapterOptions) {
  return async (account: AccountContext): Promise<Record<string, string>> => {
    const { credentials } = account;
    const client = oauthClient(platform, credentials, options.env ?? {});
    return refreshOAuth2({
      platform,
      tokenUrl: googleTokenUrl(platform, options),
      clientId: client.clientId,
      ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
      refreshToken: credentials.refresh_token ?? '',
      clientAuth: 'body',
    });
  };
}

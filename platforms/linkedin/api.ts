import type { PublishRequest } from '../kit/adapter';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { bearerCaller, type PlatformAnswer } from '../kit/call';
import { altTextAt } from '../kit/content';

/**
 * What the LinkedIn family (`linkedin`, `linkedin_page`) shares: the versioned REST API's calls and
 * headers, its error table, "little" text, and the Images upload protocol (videos: video-upload.ts).
 * Sources: learn.microsoft.com/linkedin (Posts API, Images API, Videos API, little text format,
 * API error handling, rate limits, programmatic refresh tokens).
 */

export const LINKEDIN_API_URL = 'https://api.linkedin.com';
/** The token endpoint lives on www.linkedin.com, not on the API host. */
export const LINKEDIN_TOKEN_URL = 'https://www.linkedin.com/oauth/v2/accessToken';
/**
 * `LinkedIn-Version` (YYYYMM). LinkedIn sunsets each version about a year after release and then
 * answers 426 NONEXISTENT_VERSION; `POSTFLOW_LINKEDIN_VERSION` moves it without a release.
 */
export const DEFAULT_LINKEDIN_VERSION = '202605';

/**
 * LinkedIn's error table. Bodies are `{ status, serviceErrorCode, code, message }`; validation
 * answers may instead carry `errorDetails.inputErrors[].code`. Keyed by those codes; anything
 * else falls back to the HTTP status.
 */
const ERROR_CODES: Readonly<Record<string, FailureRule>> = {
  // 401: the member revoked the app. Its refresh token is revoked with it: reconnect.
  REVOKED_ACCESS_TOKEN: { category: 'auth', code: 'revoked', reconnect: true },
  EXPIRED_ACCESS_TOKEN: { category: 'auth', code: 'expired', refreshable: true },
  INVALID_ACCESS_TOKEN: { category: 'auth', code: 'auth', refreshable: true },
  // 403: the token lacks a scope (w_member_social, w_organization_social, r_member_social)
  // or the member lost their role on the page.
  ACCESS_DENIED: { category: 'auth', code: 'forbidden' },
  // 422: LinkedIn refuses the same commentary from the same author twice in a short while; on a
  // repeated publish call that may be the first one having gone through: reconcile first.
  DUPLICATE_POST: { category: 'validation', code: 'duplicate', mayHaveActed: true },
  // 426: the LinkedIn-Version header names a sunset version; the operator must move it.
  NONEXISTENT_VERSION: { category: 'system', code: 'version' },
  VERSION_MISSING: { category: 'system', code: 'version' },
};

/** HTTP statuses LinkedIn gives a meaning of its own; the rest is `ruleForStatus`. */
function ruleFor(status: number, body: PlatformBody): FailureRule {
  const inputCodes: unknown[] = (body.errorDetails?.inputErrors ?? []).map((e: PlatformBody) => e.code);
  for (const code of [body.code, ...inputCodes]) {
    const rule = typeof code === 'string' ? ERROR_CODES[code] : undefined;
    if (rule) return rule;
  }
  // Some 401s come without `code`; their message still says what happened.
  if (status === 401 && /revoked/i.test(String(body.message))) return ERROR_CODES.REVOKED_ACCESS_TOKEN!;
  if (status === 422 || status === 400) return { category: 'validation', code: 'rejected' };
  if (status === 426) return ERROR_CODES.NONEXISTENT_VERSION!;
  return ruleForStatus(status);
}

/**
 * LinkedIn's limits are daily (application and member), reset at midnight UTC, and its 429s
 * carry no Retry-After or rate-limit headers (docs: "Rate limits"). A "DAY limit" answer waits
 * for the reset; other 429s (infrastructure protection) get the engine's own backoff.
 */
function rateLimitWait(response: Response, body: PlatformBody): number | undefined {
  const header = retryAfterMs(response.headers);
  if (header !== undefined) return header;
  return /\bDAY\b/.test(String(body.message)) ? msUntilUtcMidnight() : undefined;
}

export function msUntilUtcMidnight(now = Date.now()): number {
  const midnight = new Date(now);
  midnight.setUTCHours(24, 0, 0, 0);
  return midnight.getTime() - now;
}

export function linkedinFailure(
  platform: string,
  response: Response,
  body: PlatformBody,
  irreversible: boolean,
) {
  const rule = ruleFor(response.status, body);
  const message = String(body.message ?? body.text ?? response.statusText);
  const retryAfter = response.status === 429 ? rateLimitWait(response, body) : undefined;
  const err = platformFailure(platform, rule, `${message} (HTTP ${response.status})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  return Object.assign(err, { status: response.status });
}

export const isGone = (err: unknown) => [404, 410].includes((err as { status?: number }).status ?? 0);

export interface ApiSettings {
  platform: string;
  baseUrl: string;
  version: string;
  timeoutMs?: number;
}

/** What a call needs of the request: the account's token and the step's abort signal. */
export type Caller = Pick<PublishRequest, 'account' | 'signal'>;

const caller = (settings: ApiSettings, headers: Record<string, string>) =>
  bearerCaller({
    platform: settings.platform,
    baseUrl: '',
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
    headers,
    failure: (response, body, irreversible) =>
      linkedinFailure(settings.platform, response, body, irreversible),
  });

/**
 * One authenticated call to the REST API: Bearer token, the version headers every /rest
 * resource requires, JSON in and out. Failures come back classified by the error table.
 */
export function restCall(settings: ApiSettings, req: Caller, irreversible = false) {
  const send = caller(settings, {
    'linkedin-version': settings.version,
    'x-restli-protocol-version': '2.0.0',
  })(req, irreversible);
  return (
    method: string,
    path: string,
    json?: unknown,
    headers: Record<string, string> = {},
  ): Promise<PlatformAnswer> =>
    send({ method, path: `${settings.baseUrl}${path}`, headers, ...(json !== undefined ? { json } : {}) });
}

/**
 * PUTs bytes to an upload URL LinkedIn handed out (Images and Videos APIs); returns its ETag. A
 * streamed body comes with its `content-length`.
 */
export async function putUpload(
  settings: ApiSettings,
  req: Caller,
  uploadUrl: string,
  body: Uint8Array | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<string | null> {
  const send = caller(settings, { 'content-type': 'application/octet-stream' })(req);
  const answer = await send({ method: 'PUT', path: uploadUrl, body, headers });
  return answer.headers.get('etag');
}

/** An uploaded asset: its URN and which API owns it. */
export interface Asset {
  urn: string;
  kind: 'image' | 'video';
}

/** Images API: initializeUpload for the author, then one PUT of the whole file. */
export async function uploadImage(settings: ApiSettings, req: Caller, owner: string, bytes: Buffer) {
  const api = restCall(settings, req);
  const { body } = await api('POST', '/rest/images?action=initializeUpload', {
    initializeUploadRequest: { owner },
  });
  await putUpload(settings, req, String(body.value.uploadUrl), bytes);
  return { urn: String(body.value.image), kind: 'image' } satisfies Asset;
}

/** Processing status of an asset: WAITING_UPLOAD, PROCESSING, AVAILABLE or PROCESSING_FAILED. */
export async function assetStatus(settings: ApiSettings, req: Caller, asset: Asset): Promise<string> {
  const path = asset.kind === 'image' ? '/rest/images/' : '/rest/videos/';
  const { body } = await restCall(settings, req)('GET', `${path}${encodeURIComponent(asset.urn)}`);
  return String(body.status ?? 'PROCESSING');
}

/**
 * Characters reserved by the "little" text format of `commentary`. Unescaped, LinkedIn reads them
 * as markup (mentions, templates) and may silently cut the post at the first one.
 */
const RESERVED = /[\\|{}@[\]()<>#*_~]/g;
const HASHTAG_START = /[\p{L}\p{N}]/u;

/** Plain text → little text: reserved characters escaped; `#word` stays a hashtag. */
export function toLittleText(text: string): string {
  return text.replace(RESERVED, (ch: string, at: number) =>
    ch === '#' && HASHTAG_START.test(text[at + 1] ?? '') ? ch : `\\${ch}`,
  );
}

/** Little text (as LinkedIn returns `commentary`) → plain text, for comparing with a post's text. */
export function fromLittleText(little: string): string {
  return little
    .replace(/\{hashtag\|\\?#\|([^}]*)\}/g, '#$1')
    .replace(/@\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/\\([\\|{}@[\]()<>#*_~])/g, '$1');
}

/**
 * The post's `content`: an article (with an uploaded image as its thumbnail), a multiImage of 2–20
 * images, or a single image or video (`media`, with its title and alt text).
 */
export function contentOf(
  req: Pick<PublishRequest, 'target' | 'content'>,
  assets: Asset[],
  articleUrl: string | undefined,
) {
  const o = req.target.options;
  const alt = (i: number) => altTextAt(o, i);
  if (articleUrl) {
    const thumb = assets.find((a) => a.kind === 'image');
    const article = {
      source: articleUrl,
      title: str(o.article_title) ?? req.content.title ?? articleUrl,
      ...(str(o.article_description) ? { description: str(o.article_description) } : {}),
      ...(thumb ? { thumbnail: thumb.urn, ...(alt(0) ? { thumbnailAltText: alt(0) } : {}) } : {}),
    };
    return { content: { article } };
  }
  if (assets.length > 1) {
    const images = assets.map((a, i) => ({ id: a.urn, ...(alt(i) ? { altText: alt(i) } : {}) }));
    return { content: { multiImage: { images } } };
  }
  if (assets.length === 1) {
    const title = str(o.media_title) ?? req.content.title;
    const media = { id: assets[0]!.urn, ...(alt(0) ? { altText: alt(0) } : {}), ...(title ? { title } : {}) };
    return { content: { media } };
  }
  return {};
}

const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);

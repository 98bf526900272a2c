import type { ErrorCategory, PublishFailure } from '../../api/types';
import { PublishError } from './adapter';
import { readFailureOf } from './streamed-form';
import { observePlatformCall } from './telemetry';
import {
  type OutboundPolicy,
  outboundDispatcher,
  PRIVATE_ADDRESS_REFUSED,
  refusedTarget,
  withDispatcher,
} from '../../net/guard';

/** How long one platform call may take before it counts as lost. */
const DEFAULT_TIMEOUT_MS = 60_000;
/** Socket errors raised before a request is written: the platform cannot have seen it. */
const NOT_SENT = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);
/** The longest platform message quoted in a failure. */
const MESSAGE_MAX = 300;

export interface CallOptions {
  platform: string;
  signal: AbortSignal;
  /**
   * The call makes the post public: a lost answer (timeout, reset, 5xx) leaves its outcome unknown,
   * so the engine looks the post up before anything else. Other calls are simply retried.
   */
  irreversible?: boolean;
  timeoutMs?: number;
  /**
   * The host came from the account (Mastodon's `instance_url`, Bluesky's `service`), not from
   * Postflow's configuration, so the call is guarded against SSRF (docs/security.md): https to
   * public addresses only, checked when connecting (unless the policy allows private ones), and
   * redirects refused.
   */
  userHost?: OutboundPolicy;
  /** The path as telemetry names it, where it carries a secret (a Discord webhook's token, Telegram's bot token). */
  redactPath?: (path: string) => string;
}

/**
 * `fetch` for platform APIs. Network failures come back classified: a connection that never
 * opened is a plain retry; one lost after the request was sent leaves the outcome unknown. The
 * URL is never quoted in a failure (Meta and others take tokens in query strings).
 *
 * On a user-supplied host (`userHost`) redirects are refused rather than followed: every call
 * carries the account's token or password, and following a redirect would send it, and a
 * publish's body, wherever the server points — another host, or one inside Postflow's network.
 * No Mastodon or AT Protocol API call answers with a redirect; a server that does is set up
 * behind another address, which the account should name instead.
 */
export async function platformFetch(url: string, init: RequestInit, call: CallOptions): Promise<Response> {
  const guard = call.userHost;
  const refused = guard && refusedTarget(url, guard.allowPrivate);
  if (refused) throw addressRefused(call.platform, `the server address ${refused}`);
  const limitMs = call.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const timeout = idleTimeout(limitMs);
  // A streamed body (a file read as it is sent) may take far longer than one call should; what
  // must not pass is a stretch without progress, so every piece the request takes restarts it.
  const streamed = init.body instanceof ReadableStream;
  const sent = streamed
    ? { ...init, body: withProgress(init.body as ReadableStream, timeout.restart) }
    : init;
  let response: Response;
  try {
    response = await observePlatformCall(
      call.platform,
      url,
      sent,
      !!call.irreversible,
      () =>
        fetch(url, {
          ...sent,
          signal: AbortSignal.any([call.signal, timeout.signal]),
          ...(guard
            ? {
                redirect: 'manual',
                ...withDispatcher(outboundDispatcher(guard.allowPrivate, guard.resolve)),
              }
            : {}),
        }),
      call.redactPath,
    );
  } catch (err) {
    if (call.signal.aborted) throw err; // cancelled by Temporal: not a platform failure
    // A streamed body that could not be read (its media file gone or cut short): the media's own
    // failure, with its code, not the platform's, and no unknown outcome (the request never completed).
    const unread = readFailureOf(init.body);
    if (unread instanceof PublishError) throw unread;
    const code = errorCode(err);
    if (code === PRIVATE_ADDRESS_REFUSED) {
      // The resolved address stays in the cause (logs); the post's failure names none.
      throw addressRefused(
        call.platform,
        'the server address resolves to a private or loopback address, which Postflow does not call.',
        err,
      );
    }
    const reached = !NOT_SENT.has(code ?? '');
    const timedOut = timeout.signal.aborted;
    const seconds = Math.round(limitMs / 1000);
    throw new PublishError(
      {
        category: 'platform',
        caused_by: 'platform',
        code: timedOut ? `platform.${call.platform}.timeout` : `platform.${call.platform}.unreachable`,
        message: !timedOut
          ? `Could not reach ${call.platform} (${code ?? 'connection failed'}).`
          : streamed
            ? `${call.platform} took none of the upload, or did not answer it, for ${seconds} s.`
            : `${call.platform} did not answer within ${seconds} s.`,
        retryable: true,
        outcomeUnknown: !!call.irreversible && (reached || timedOut),
      },
      { cause: err },
    );
  }
  if (guard && response.status >= 300 && response.status < 400) {
    // Neither the body nor the Location is read or quoted: either may be someone else's content.
    await response.body?.cancel().catch(() => undefined);
    throw userHostFailure(
      call.platform,
      'redirect_refused',
      `the server answered with a redirect (HTTP ${response.status}), which Postflow does not follow for a self-hosted server; reconnect the account with the address the server's API answers at.`,
    );
  }
  return response;
}

/**
 * A timeout that can be restarted: it fires `ms` after it was made or last restarted. Its timer
 * does not keep the process alive, and is left to run out (the answer's body is read after the
 * call returns, under the same timeout).
 */
function idleTimeout(ms: number): { signal: AbortSignal; restart: () => void } {
  const controller = new AbortController();
  const fire = () => controller.abort(new DOMException('The platform call timed out.', 'TimeoutError'));
  let timer = setTimeout(fire, ms).unref();
  return {
    signal: controller.signal,
    restart() {
      if (controller.signal.aborted) return;
      clearTimeout(timer);
      timer = setTimeout(fire, ms).unref();
    },
  };
}

/**
 * How much of a streamed body the request is handed at a time. The request asks for more as the
 * socket drains, so each hand-over is progress; a piece of several MiB handed at once would leave
 * a slow link without any for longer than the timeout.
 */
const PROGRESS_BYTES = 256 * 1024;

/** `body` as the request reads it, in views (no copies) of at most `PROGRESS_BYTES`, calling `progressed` as each is taken. */
function withProgress(body: ReadableStream<Uint8Array>, progressed: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  let left: Uint8Array | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!left?.length) {
        const next = await reader.read();
        progressed();
        if (next.done) return controller.close();
        left = next.value;
      } else progressed();
      controller.enqueue(left.subarray(0, PROGRESS_BYTES));
      left = left.subarray(PROGRESS_BYTES);
    },
    cancel: (reason) => reader.cancel(reason),
  });
}

/** The account's server may not be called at the address it gave (SSRF guard). */
function addressRefused(platform: string, why: string, cause?: unknown): PublishError {
  return userHostFailure(
    platform,
    'address_refused',
    `${why} Reconnect the account with the server's public https address.`,
    cause,
  );
}

/**
 * A guarded call that was not made or not followed. Nothing reached the server's API (or only an
 * answer that did nothing), so the outcome is known; retrying cannot help until the account changes.
 */
function userHostFailure(platform: string, code: string, message: string, cause?: unknown): PublishError {
  return new PublishError(
    {
      category: 'validation',
      caused_by: 'user',
      code: `platform.${platform}.${code}`,
      message: `${platform}: ${message}`.slice(0, MESSAGE_MAX),
      retryable: false,
      outcomeUnknown: false,
    },
    cause === undefined ? undefined : { cause },
  );
}

function errorCode(err: unknown): string | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    if (typeof e.code === 'string') return e.code;
  }
  return undefined;
}

/**
 * A platform's JSON answer. Each adapter reads the fields its platform documents; the shapes are
 * too many and too loose to type one by one.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type PlatformBody = Record<string, any>;

/** The body of a platform answer: parsed JSON when it is JSON, else `{ text }`. */
export async function readBody(response: Response): Promise<PlatformBody> {
  return parseBody(await response.text());
}

/** A platform answer's text as `readBody` reads it. */
export function parseBody(text: string): PlatformBody {
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    return { text: text.slice(0, MESSAGE_MAX) };
  }
}

/** Milliseconds to wait from a `Retry-After` header (seconds or an HTTP date); undefined without one. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | undefined {
  const value = headers.get('retry-after');
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** Milliseconds until an epoch-seconds reset header (X's `x-rate-limit-reset`) or an ISO timestamp (Mastodon). */
export function resetAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const at = /^\d+$/.test(value) ? Number(value) * 1000 : Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A platform's failure, described by the adapter's error table. */
export interface FailureRule {
  category: ErrorCategory;
  /** Appended to `platform.<slug>.`. */
  code: string;
  retryable?: boolean;
  /** A 401-like answer: refreshing the access token may let a retry succeed. */
  refreshable?: boolean;
  /** The token itself is dead (revoked, invalidated): the account must be reconnected. */
  reconnect?: boolean;
  /** The platform may have acted although it answered with an error (some 5xx). */
  mayHaveActed?: boolean;
}

/** What HTTP status codes mean when the platform's body says nothing more specific. */
export function ruleForStatus(status: number): FailureRule {
  if (status === 401) return { category: 'auth', code: 'auth', refreshable: true };
  if (status === 403) return { category: 'auth', code: 'forbidden' };
  if (status === 408) return { category: 'platform', code: 'timeout', retryable: true, mayHaveActed: true };
  if (status === 429) return { category: 'rate_limit', code: 'rate_limit', retryable: true };
  // 503 says the request was not handled; other 5xx may come after the platform acted.
  if (status === 503) return { category: 'platform', code: 'unavailable', retryable: true };
  if (status >= 500) return { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true };
  return { category: 'validation', code: 'rejected' };
}

/**
 * Builds the classified failure for a platform's error answer. `message` is the platform's own
 * words (from its error body); `retryAfter` what its headers or body asked for.
 */
export function platformFailure(
  platform: string,
  rule: FailureRule,
  message: string,
  { irreversible = false, retryAfter }: { irreversible?: boolean; retryAfter?: number } = {},
): PublishError {
  const failure: PublishFailure = {
    category: rule.category,
    caused_by: rule.category === 'validation' || rule.category === 'auth' ? 'user' : 'platform',
    code: `platform.${platform}.${rule.code}`,
    message: `${platform}: ${message}`.slice(0, MESSAGE_MAX),
    retryable: !!rule.retryable,
    outcomeUnknown: irreversible && !!rule.mayHaveActed,
    ...(rule.refreshable ? { refreshable: true } : {}),
    ...(rule.reconnect ? { reconnect: true } : {}),
    ...(retryAfter !== undefined ? { retryAfterMs: retryAfter } : {}),
  };
  return new PublishError(failure);
}

/** A failure found before any call (a media type the platform refuses): the user must change the post. */
export function rejected(platform: string, code: string, message: string): PublishError {
  return platformFailure(platform, { category: 'validation', code }, message);
}

/** Clock skew allowed between Postflow and a platform when comparing a post's time with `since`. */
const SKEW_MS = 2 * 60_000;

/** Whether a platform post created at `createdAt` may belong to a delivery that began at `since`. */
export function postedSince(createdAt: unknown, since: string): boolean {
  const at = Date.parse(String(createdAt));
  return Number.isNaN(at) || at >= Date.parse(since) - SKEW_MS;
}

import type { OutboundPolicy } from '../../net/guard';
import type { AccountContext, PublishError } from './adapter';
import { parseBody, platformFetch, type PlatformBody } from './http';

/** What every call of one adapter (or one family's client) shares. */
export interface CallerSettings {
  platform: string;
  /**
   * Where paths are appended: the API base URL without a trailing slash; a function of the
   * account where the server is the account's own (Mastodon's `instance_url`); `''` where the
   * calls name whole URLs (upload URLs and sessions the platform handed out).
   */
  baseUrl: string | ((account: AccountContext) => string);
  /** How long one call may take (`AdapterOptions.timeoutMs`); platformFetch's default otherwise. */
  timeoutMs?: number;
  /** Headers every call sends (`accept`, API version headers). */
  headers?: Record<string, string>;
  /** The content type of a `json` body, where the platform documents its own (a charset). */
  jsonType?: string;
  /**
   * The host came from the account: the calls are SSRF-guarded (platformFetch's `userHost`). A
   * function decides per URL, where only some hosts are the account's.
   */
  userHost?: OutboundPolicy | ((url: string) => OutboundPolicy | undefined);
  /** The platform's failure for an answer that `failed` (its error table). */
  failure: (response: Response, body: PlatformBody, irreversible: boolean) => PublishError;
  /**
   * Whether an answer is a failure: not 2xx, unless the platform also reports errors in 2xx
   * bodies (Meta, TikTok) or answers statuses the adapter reads itself (YouTube's 308).
   */
  failed?: (response: Response, body: PlatformBody) => boolean;
  /**
   * The path as telemetry names it, where the path carries a secret (a Discord webhook's token, Telegram's bot token):
   * spans leave the process, so the secret must not be in them.
   */
  redactPath?: (path: string) => string;
}

/** One call: a JSON body (`json`, sent with its content type) or a raw one (`body`: forms, bytes). */
export interface CallRequest {
  method: string;
  path: string;
  query?: URLSearchParams;
  headers?: Record<string, string>;
  json?: unknown;
  body?: RequestInit['body'];
  /** The bearer token when it is not the account's `access_token` (a session, a service token). */
  token?: string;
}

/** A successful answer; `text` is the raw body (ids too long for JSON numbers are read from it). */
export interface PlatformAnswer {
  status: number;
  headers: Headers;
  body: PlatformBody;
  text: string;
}

/** Who calls: the account (its token, its server) when there is one, and the activity's abort signal. */
export interface CallContext {
  account?: AccountContext;
  signal: AbortSignal;
}

/**
 * The one call builder adapters share, for APIs that take a bearer token (the account's
 * `access_token` unless the call names another; none without either) and answer JSON: per
 * delivery step (`req`) and irreversibility, a function that makes one call through
 * `platformFetch` (timeout, abort, network failures classified, telemetry, the SSRF guard for
 * account-supplied hosts), reads the answer and throws the platform's failure for a failed one.
 * `irreversible` marks the call that makes the post public (a lost answer leaves the outcome
 * unknown).
 */
export function bearerCaller(settings: CallerSettings) {
  const { platform, timeoutMs, failure } = settings;
  const failed = settings.failed ?? ((response: Response) => !response.ok);
  return (req: CallContext, irreversible = false) => {
    const base = typeof settings.baseUrl === 'function' ? settings.baseUrl(req.account!) : settings.baseUrl;
    return async ({
      method,
      path,
      query,
      headers = {},
      json,
      body,
      token,
    }: CallRequest): Promise<PlatformAnswer> => {
      const bearer = token ?? req.account?.credentials.access_token;
      const search = query?.toString();
      const url = `${base}${path}${search ? `?${search}` : ''}`;
      const userHost = typeof settings.userHost === 'function' ? settings.userHost(url) : settings.userHost;
      const response = await platformFetch(
        url,
        {
          method,
          headers: {
            ...(bearer !== undefined ? { authorization: `Bearer ${bearer}` } : {}),
            ...settings.headers,
            ...(json !== undefined ? { 'content-type': settings.jsonType ?? 'application/json' } : {}),
            ...headers,
          },
          ...(json !== undefined ? { body: JSON.stringify(json) } : body !== undefined ? { body } : {}),
          // A streamed body (a file read as it is sent) goes out as the request is written.
          ...(body instanceof ReadableStream ? { duplex: 'half' } : {}),
        } as RequestInit,
        {
          platform,
          signal: req.signal,
          irreversible,
          ...(timeoutMs ? { timeoutMs } : {}),
          ...(userHost ? { userHost } : {}),
          ...(settings.redactPath ? { redactPath: settings.redactPath } : {}),
        },
      );
      const text = await response.text();
      const answer = parseBody(text);
      if (failed(response, answer)) throw failure(response, answer, irreversible);
      return { status: response.status, headers: response.headers, body: answer, text };
    };
  };
}

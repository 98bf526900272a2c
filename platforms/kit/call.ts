import type { AccountContext, PublishError } from './adapter';
import { platformFetch, type PlatformBody, readBody } from './http';

/** What every call of one adapter shares. */
export interface CallerSettings {
  platform: string;
  /** The API base URL, without a trailing slash; paths are appended to it. */
  baseUrl: string;
  /** How long one call may take (`AdapterOptions.timeoutMs`); platformFetch's default otherwise. */
  timeoutMs?: number;
  /** The platform's failure for an answer that is not 2xx (its error table). */
  failure: (response: Response, body: PlatformBody, irreversible: boolean) => PublishError;
}

/** One call: a JSON body (`json`, sent with its content type) or a raw one (`body`: forms, bytes). */
export interface CallRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  json?: object;
  body?: RequestInit['body'];
}

/**
 * The call builder adapters share, for APIs that take the account's `access_token` as a bearer
 * token and answer JSON: per delivery step (`req`: the account, the activity's abort signal) and
 * irreversibility, a function that makes one call through `platformFetch` (timeout, abort, network
 * failures classified, telemetry), reads the answer and throws the platform's failure for a
 * non-2xx one. `irreversible` marks the call that makes the post public (a lost answer leaves the
 * outcome unknown).
 */
export function bearerCaller(settings: CallerSettings) {
  const { platform, baseUrl, timeoutMs, failure } = settings;
  return (req: { account: AccountContext; signal: AbortSignal }, irreversible = false) =>
    async ({ method, path, headers = {}, json, body }: CallRequest): Promise<PlatformBody> => {
      const response = await platformFetch(
        `${baseUrl}${path}`,
        {
          method,
          headers: {
            authorization: `Bearer ${req.account.credentials.access_token}`,
            ...(json ? { 'content-type': 'application/json' } : {}),
            ...headers,
          },
          ...(json ? { body: JSON.stringify(json) } : body !== undefined ? { body } : {}),
        },
        { platform, signal: req.signal, irreversible, ...(timeoutMs ? { timeoutMs } : {}) },
      );
      const answer = await readBody(response);
      if (!response.ok) throw failure(response, answer, irreversible);
      return answer;
    };
}

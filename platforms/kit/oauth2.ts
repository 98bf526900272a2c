import { PublishError } from './adapter';
import { bearerCaller } from './call';
import type { PlatformBody } from './http';
import { tokenExpired } from './token-expiry';

export interface RefreshGrant {
  platform: string;
  tokenUrl: string;
  clientId: string;
  clientSecret?: string;
  refreshToken: string;
  /** Where the client credentials go: HTTP Basic (X, Pinterest) or the form body (most others). */
  clientAuth?: 'basic' | 'body';
  /** Extra form fields some platforms want (`client_key` on TikTok). */
  extra?: Record<string, string>;
  /** Headers the platform requires on every call (Reddit's descriptive `user-agent`). */
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * The OAuth 2.0 refresh-token grant (RFC 6749 §6). Returns the account's new token fields,
 * `expires_at` as an ISO instant. A refused grant (`invalid_grant` and other 4xx) is final:
 * the account must be reconnected. Network trouble and 5xx are retryable.
 */
export async function refreshOAuth2(grant: RefreshGrant): Promise<Record<string, string>> {
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: grant.refreshToken });
  const headers: Record<string, string> = {
    ...grant.headers,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (grant.clientAuth === 'basic') {
    const basic = Buffer.from(`${grant.clientId}:${grant.clientSecret ?? ''}`).toString('base64');
    headers.authorization = `Basic ${basic}`;
  } else {
    form.set('client_id', grant.clientId);
    if (grant.clientSecret) form.set('client_secret', grant.clientSecret);
  }
  for (const [key, value] of Object.entries(grant.extra ?? {})) form.set(key, value);

  const refresh = bearerCaller({
    platform: grant.platform,
    baseUrl: '',
    failure: (response, body) => refusedRefresh(grant.platform, response, body),
    failed: (response, body) => !response.ok || typeof tokenOf(body).access_token !== 'string',
  });
  // No account: the client authenticates itself (Basic or the form), not with a bearer token.
  const { body } = await refresh({ signal: grant.signal ?? new AbortController().signal })({
    method: 'POST',
    path: grant.tokenUrl,
    headers,
    body: form,
  });
  return tokenFields(tokenOf(body));
}

/** TikTok nests the token under `data`. */
const tokenOf = (body: PlatformBody): PlatformBody => (body.data?.access_token ? body.data : body);

function refusedRefresh(platform: string, response: Response, body: PlatformBody): PublishError {
  const reason = String(body.error_description ?? body.error ?? body.message ?? response.statusText);
  // Some token endpoints (Reddit's) refuse a grant with `{ error: "invalid_grant" }` in a 200.
  const dead =
    (response.status >= 400 && response.status < 500 && response.status !== 429) ||
    (response.ok && typeof body.error === 'string');
  return new PublishError({
    category: dead ? 'auth' : 'platform',
    caused_by: dead ? 'user' : 'platform',
    code: dead ? 'account.reconnection_required' : `platform.${platform}.unavailable`,
    message: `${platform} refused to refresh the access token: ${reason}`.slice(0, 300),
    retryable: !dead,
    outcomeUnknown: false,
  });
}

export function tokenFields(token: Record<string, unknown>): Record<string, string> {
  const fields: Record<string, string> = { access_token: String(token.access_token) };
  if (typeof token.refresh_token === 'string') fields.refresh_token = token.refresh_token;
  // `expires_in: 0` is VK's "never expires" (the `offline` scope): no expiry to record.
  if (
    (typeof token.expires_in === 'number' || typeof token.expires_in === 'string') &&
    Number(token.expires_in) > 0
  ) {
    fields.expires_at = new Date(Date.now() + Number(token.expires_in) * 1000).toISOString();
  }
  return fields;
}

/**
 * Fails fast with a refreshable auth failure when the account's token has expired (or is about
 * to), so the engine refreshes it before the platform is called at all.
 */
export function assertTokenFresh(platform: string, credentials: Record<string, string>, now = Date.now()) {
  if (!credentials.refresh_token || !tokenExpired(credentials, now)) return;
  throw new PublishError({
    category: 'auth',
    caused_by: 'user',
    code: `platform.${platform}.auth`,
    message: `${platform}: the access token expired at ${credentials.expires_at}; refreshing it.`,
    retryable: false,
    outcomeUnknown: false,
    refreshable: true,
  });
}

/** The OAuth client an account's tokens belong to: its own (bring your own key), else the operator's. */
export function oauthClient(
  platform: string,
  credentials: Record<string, string>,
  env: Record<string, string | undefined>,
): { clientId: string; clientSecret?: string } {
  const prefix = `POSTFLOW_${platform.toUpperCase()}`;
  const clientId = credentials.client_id ?? env[`${prefix}_CLIENT_ID`];
  const clientSecret = credentials.client_secret ?? env[`${prefix}_CLIENT_SECRET`];
  if (!clientId) {
    throw new PublishError({
      category: 'auth',
      caused_by: 'user',
      code: 'account.reconnection_required',
      message: `${platform}: no OAuth client to refresh the token with; set ${prefix}_CLIENT_ID (and _CLIENT_SECRET) or reconnect the account.`,
      retryable: false,
      outcomeUnknown: false,
    });
  }
  return { clientId, ...(clientSecret ? { clientSecret } : {}) };
}

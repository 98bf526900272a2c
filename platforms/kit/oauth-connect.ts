import { type ConnectedProfile, oauthEndpoints, type PlatformDescriptor } from '../descriptor';
import type { PlatformBody } from './http';
import { tokenFields } from './oauth2';

/** A platform's refusal of a connection step: final (a new connect is needed), never a secret in it. */
export class ConnectRefused extends Error {
  constructor(
    readonly code:
      'oauth.code_invalid' | 'oauth.profile_unavailable' | 'oauth.exchange_failed' | 'oauth.no_assets',
    message: string,
  ) {
    super(message);
    this.name = 'ConnectRefused';
  }
}

export interface CodeGrant {
  descriptor: PlatformDescriptor;
  env: Record<string, string | undefined>;
  code: string;
  /** The redirect URI the consent page was given (the token endpoint checks it is the same). */
  redirectUri: string;
  codeVerifier?: string;
  /** The grant's pages or organizations, for platforms where one grant gives several (oauth-assets.ts). */
  assets?: GrantAssets;
  signal?: AbortSignal;
}

/** What a reader of a grant's assets gets: the fresh credentials and where to call. */
export interface AssetGrant {
  descriptor: PlatformDescriptor;
  credentials: Record<string, string>;
  apiBaseUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string | undefined;
  signal: AbortSignal;
}

/**
 * Reads what one grant gives beyond the person (Facebook Pages, Instagram business accounts,
 * LinkedIn organizations) and returns the account's credentials with them: the default one
 * active, and every one listed under `pages` (JSON) for GET /v1/accounts/{id}/pages to offer.
 * A grant with none is a ConnectRefused (`oauth.no_assets`): there is nothing to post to.
 */
export type GrantAssets = (grant: AssetGrant) => Promise<Record<string, string>>;

const TIMEOUT_MS = 30_000;

/** What reading a connection needs once its code is redeemed: no code, only where and as whom to ask. */
export type ConnectionRead = Omit<CodeGrant, 'code' | 'redirectUri' | 'codeVerifier'>;

/**
 * The authorization-code grant (RFC 6749 §4.1.3, with RFC 7636's verifier), then the person's
 * profile: the account's credentials and who it is. `exchangeCode` then `readConnection`, for
 * callers that keep nothing between them.
 */
export async function redeemCode(
  grant: CodeGrant,
): Promise<{ credentials: Record<string, string>; profile: ConnectedProfile }> {
  return readConnection(grant, await exchangeCode(grant));
}

/**
 * Redeems the code for the account's token (made long-lived where the platform has that step). This
 * spends the one-time code: whoever calls it keeps the answer before anything else can fail
 * (activities/oauth-connect.ts keeps it in the store). A refused code is a ConnectRefused; network
 * trouble, 5xx and 429 throw plain errors (retryable: the code is only spent once a token comes back).
 */
export async function exchangeCode(grant: CodeGrant): Promise<Record<string, string>> {
  const { descriptor } = grant;
  const spec = descriptor.oauth!;
  const { endpoints, clientId, clientSecret, common } = oauthCall(grant);
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: grant.code,
    redirect_uri: grant.redirectUri,
  });
  if (grant.codeVerifier) form.set('code_verifier', grant.codeVerifier);
  const headers: Record<string, string> = {
    ...common,
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (spec.clientAuth === 'basic' && clientSecret) {
    headers.authorization = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
  } else {
    // Public clients (PKCE only) and body-authenticated ones name themselves in the form.
    form.set(spec.clientIdParameter ?? 'client_id', clientId);
    if (clientSecret) form.set('client_secret', clientSecret);
  }
  const signal = grant.signal ?? AbortSignal.timeout(TIMEOUT_MS);
  const tokenResponse = await fetch(endpoints.tokenUrl, { method: 'POST', headers, body: form, signal });
  const token = tokenOf(await jsonOf(tokenResponse));
  if (tokenResponse.status >= 500 || tokenResponse.status === 429) {
    throw new Error(`${descriptor.slug}'s token endpoint answered ${tokenResponse.status}; retrying.`);
  }
  if (!tokenResponse.ok || typeof token.access_token !== 'string') {
    // OAuth 2.0 bodies name the error in `error`/`error_description`; Meta's Graph in `error.message`;
    // Instagram Login's token endpoint in `error_message` (`{error_type, code, error_message}`).
    const graph = typeof token.error === 'object' && token.error ? token.error.message : undefined;
    const reason = String(
      graph ?? token.error_description ?? token.error_message ?? token.error ?? tokenResponse.statusText,
    ).slice(0, 200);
    throw new ConnectRefused(
      'oauth.code_invalid',
      `${descriptor.displayName} refused the authorization code (${reason}); start a new connection with POST /v1/accounts/connect.`,
    );
  }
  const credentials = tokenFields(token);
  if (!spec.longLivedExchange) return credentials;
  return longLived(descriptor, endpoints.apiBaseUrl, credentials, clientSecret ?? '', signal);
}

/**
 * With the token a code gave: the person's profile, then the grant's pages where one grant gives
 * several. Repeatable with the same token, so a retry after a crash or a transient failure asks
 * again: network trouble, 5xx and 429 throw plain errors (retryable, never naming the token); a
 * profile the platform refuses is a ConnectRefused (`oauth.profile_unavailable`).
 */
export async function readConnection(
  read: ConnectionRead,
  credentials: Record<string, string>,
): Promise<{ credentials: Record<string, string>; profile: ConnectedProfile }> {
  const { descriptor } = read;
  const spec = descriptor.oauth!;
  const { endpoints, clientId, clientSecret, common } = oauthCall(read);
  const signal = read.signal ?? AbortSignal.timeout(TIMEOUT_MS);
  const onOfficial = endpoints.apiBaseUrl === descriptor.apiBaseUrl;
  const profileUrl = new URL(
    onOfficial && spec.profileUrl ? spec.profileUrl : `${endpoints.apiBaseUrl}${spec.profilePath}`,
  );
  if (spec.profileTokenParameter)
    profileUrl.searchParams.set(spec.profileTokenParameter, credentials.access_token!);
  let profileResponse: Response;
  try {
    profileResponse = await fetch(profileUrl, {
      headers: {
        ...common,
        ...(spec.profileTokenParameter ? {} : { authorization: `Bearer ${credentials.access_token}` }),
        accept: 'application/json',
      },
      signal,
    });
  } catch (err) {
    // Not the fetch error itself: where the token travels in the URL, an error could quote it.
    const reason = (err as { cause?: { code?: unknown } }).cause?.code ?? (err as Error).name;
    throw new Error(`${descriptor.displayName}'s profile could not be read (${String(reason)}); retrying.`);
  }
  if (profileResponse.status >= 500 || profileResponse.status === 429) {
    throw new Error(`${descriptor.slug}'s profile endpoint answered ${profileResponse.status}; retrying.`);
  }
  const profile = profileResponse.ok ? spec.readProfile(await jsonOf(profileResponse)) : undefined;
  if (!profile?.id) {
    throw new ConnectRefused(
      'oauth.profile_unavailable',
      `${descriptor.displayName} gave a token but not the profile (HTTP ${profileResponse.status}); try connecting again.`,
    );
  }
  const account = { ...credentials, ...spec.credentials(profile) };
  if (!read.assets) return { credentials: account, profile };
  const withAssets = await read.assets({
    descriptor,
    credentials: account,
    apiBaseUrl: endpoints.apiBaseUrl,
    tokenUrl: endpoints.tokenUrl,
    clientId,
    clientSecret,
    signal,
  });
  return { credentials: withAssets, profile };
}

/** Where a connection's calls go, as which client, with which headers every call carries. */
function oauthCall({ descriptor, env }: ConnectionRead) {
  const spec = descriptor.oauth!;
  const prefix = `POSTFLOW_${descriptor.slug.toUpperCase()}`;
  const userAgent = spec.userAgentVariable ? env[spec.userAgentVariable] : undefined;
  return {
    endpoints: oauthEndpoints(descriptor, env)!,
    clientId: env[`${prefix}_CLIENT_ID`] ?? '',
    clientSecret: env[`${prefix}_CLIENT_SECRET`],
    common: { ...spec.headers, ...(userAgent ? { 'user-agent': userAgent } : {}) } as Record<string, string>,
  };
}

/**
 * Trades the code grant's short-lived token for a long-lived one (Threads, Instagram), the client secret
 * proving the app. Any failure is final: the code is spent, so a retry could not redeem it again.
 */
async function longLived(
  descriptor: PlatformDescriptor,
  apiBaseUrl: string,
  short: Record<string, string>,
  clientSecret: string,
  signal: AbortSignal,
): Promise<Record<string, string>> {
  const { path, grantType } = descriptor.oauth!.longLivedExchange!;
  const url = new URL(`${apiBaseUrl}${path}`);
  url.searchParams.set('grant_type', grantType);
  url.searchParams.set('client_secret', clientSecret);
  url.searchParams.set('access_token', short.access_token!);
  const response = await fetch(url, { headers: { accept: 'application/json' }, signal });
  const body = await jsonOf(response);
  if (!response.ok || typeof body.access_token !== 'string') {
    throw new ConnectRefused(
      'oauth.exchange_failed',
      `${descriptor.displayName} did not make the token long-lived (HTTP ${response.status}); start a new connection with POST /v1/accounts/connect.`,
    );
  }
  return { ...short, ...tokenFields(body) };
}

/**
 * The token grant's answer. Instagram Login documents its code exchange's answer wrapped in a
 * list (`{"data": [{"access_token", "user_id", "permissions"}]}`, Business Login for Instagram,
 * step 2) where every other platform answers the token object itself: both are read.
 */
function tokenOf(body: PlatformBody): PlatformBody {
  const first: unknown = Array.isArray(body.data) ? body.data[0] : undefined;
  return body.access_token === undefined && first && typeof first === 'object'
    ? (first as PlatformBody)
    : body;
}

async function jsonOf(response: Response): Promise<PlatformBody> {
  try {
    const body = await response.json();
    return body && typeof body === 'object' ? body : {};
  } catch {
    return {};
  }
}

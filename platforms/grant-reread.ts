import { grantedPages, oauthEndpoints, PAGES_CREDENTIAL } from './descriptor';
import { PLATFORM_DESCRIPTORS } from './descriptors';
import { grantAssetsOf } from './grant-assets';
import { assertTokenFresh, oauthClient } from './kit/oauth2';

/**
 * The credential under which Meta accounts keep the person's long-lived user token: the Page
 * tokens are read with it (platforms/meta/grant-pages.ts).
 */
const USER_TOKEN_CREDENTIAL = 'user_access_token';

/**
 * Reads a multi-asset grant's pages from the platform again, with the token the connect kept (a
 * Meta user token, a LinkedIn member's, a Google person's): pages granted or withdrawn since the
 * consent show up, and Meta's Page tokens come fresh. The connect's own readers do it, so a page
 * looks the same whichever read it. Answers the credentials that read gave, or `undefined` for an
 * account that recorded no grant (connected with credentials: its one page is all it has).
 *
 * An expired refreshable token fails first as a refreshable auth failure (the caller refreshes
 * and asks again); a platform that refuses the read throws a ConnectRefused.
 */
export async function rereadGrant(
  platform: string,
  credentials: Record<string, string>,
  env: Record<string, string | undefined>,
  signal: AbortSignal,
): Promise<Record<string, string> | undefined> {
  const descriptor = PLATFORM_DESCRIPTORS.find((d) => d.slug === platform);
  const read = grantAssetsOf(platform, env);
  const endpoints = descriptor && oauthEndpoints(descriptor, env);
  if (!descriptor || !read || !endpoints || !grantedPages(credentials).length) return undefined;
  assertTokenFresh(platform, credentials);
  const { clientId, clientSecret } = oauthClient(platform, credentials, env);
  return read({
    descriptor,
    credentials: {
      ...credentials,
      access_token: credentials[USER_TOKEN_CREDENTIAL] ?? credentials.access_token!,
    },
    apiBaseUrl: endpoints.apiBaseUrl,
    tokenUrl: endpoints.tokenUrl,
    clientId,
    clientSecret,
    signal,
  });
}

/**
 * The account's credentials with a re-read's pages: the list replaced, the person's user token
 * renewed where there is one, and the page the account posts to kept (its own token refreshed
 * where pages carry one). A page no longer granted stays the one posted to until another is
 * chosen: a re-read never moves where posts go.
 */
export function withPagesRead(
  activeKey: string,
  latest: Record<string, string>,
  read: Record<string, string>,
): Record<string, string> {
  const active = grantedPages(read).find((p) => p.id === latest[activeKey]);
  return {
    ...latest,
    [PAGES_CREDENTIAL]: read[PAGES_CREDENTIAL] ?? '[]',
    ...(read[USER_TOKEN_CREDENTIAL] ? { [USER_TOKEN_CREDENTIAL]: read[USER_TOKEN_CREDENTIAL] } : {}),
    ...(active?.accessToken ? { access_token: active.accessToken } : {}),
  };
}

import type { OAuthConnectSpec } from '../descriptor';

/** The Graph API version Postflow's Meta connect speaks (the adapters' too). */
export const META_GRAPH_VERSION = 'v25.0';

/**
 * Facebook Login (for Business): the consent dialog on www.facebook.com, the code redeemed on the
 * Graph API with the app secret (Meta has no PKCE for web apps), the person from `/me`. The grant's
 * Pages (and their Instagram business accounts) are read after it (meta/grant-pages.ts): the
 * account is the person, posting to the page `activeKey` names.
 */
export function facebookLogin(
  scopes: readonly string[],
  pages: NonNullable<OAuthConnectSpec['pages']>,
): OAuthConnectSpec {
  const v = META_GRAPH_VERSION;
  return {
    authorizeUrl: `https://www.facebook.com/${v}/dialog/oauth`,
    authorizePath: `/${v}/dialog/oauth`,
    tokenUrl: `https://graph.facebook.com/${v}/oauth/access_token`,
    tokenPath: `/${v}/oauth/access_token`,
    scopes,
    pkce: false,
    clientAuth: 'body',
    profilePath: `/${v}/me?fields=id,name,picture`,
    readProfile: (body) => ({
      id: String(body.id ?? ''),
      name: body.name,
      pictureUrl: body.picture?.data?.url,
    }),
    credentials: (profile) => ({ user_id: profile.id }),
    identityKey: 'user_id',
    pages,
  };
}

import { type GrantedPage, PAGES_CREDENTIAL } from '../descriptor';
import { type PlatformBody, readBody } from '../kit/http';
import { type AssetGrant, ConnectRefused, type GrantAssets } from '../kit/oauth-connect';
import { META_GRAPH_VERSION } from './login';

/** Pages read per /me/accounts call (Meta's cursor paging; most people manage a few). */
const PAGE_LIMIT = 100;
/** At most this many /me/accounts pages are followed: a grant is not an agency's whole estate. */
const MAX_PAGINGS = 10;

/**
 * After Facebook Login: the short-lived user token exchanged for a long-lived one
 * (`grant_type=fb_exchange_token`), then the person's Pages from `/me/accounts` with their Page
 * access tokens. Page tokens got from a long-lived user token do not expire, so the account keeps
 * no `expires_at`.
 */
async function metaPages(grant: AssetGrant): Promise<{ userToken: string; pages: GraphPage[] }> {
  const v = META_GRAPH_VERSION;
  const exchange = new URL(grant.tokenUrl);
  exchange.search = new URLSearchParams({
    grant_type: 'fb_exchange_token',
    client_id: grant.clientId,
    client_secret: grant.clientSecret ?? '',
    fb_exchange_token: grant.credentials.access_token!,
  }).toString();
  const longLived = await graph(grant, exchange.toString(), undefined);
  const userToken = String(longLived.access_token ?? '');
  if (!userToken) throw unavailable(grant, 'the long-lived token exchange gave no token');

  const pages: GraphPage[] = [];
  let next: string | undefined =
    `${grant.apiBaseUrl}/${v}/me/accounts?fields=id,name,access_token,picture%7Burl%7D&limit=${PAGE_LIMIT}`;
  for (let i = 0; next && i < MAX_PAGINGS; i += 1) {
    const body = await graph(grant, next, userToken);
    for (const page of body.data ?? []) {
      if (page?.id && page.access_token) pages.push(page as GraphPage);
    }
    next = typeof body.paging?.next === 'string' ? body.paging.next : undefined;
  }
  return { userToken, pages };
}

interface GraphPage {
  id: string;
  name?: string;
  access_token: string;
  picture?: { data?: { url?: string } };
}

/** Facebook: the account posts to one of the person's Pages, the first one until another is chosen. */
export const facebookGrantPages: GrantAssets = async (grant) => {
  const { userToken, pages } = await metaPages(grant);
  const granted: GrantedPage[] = pages.map((p) => ({
    id: String(p.id),
    name: p.name ?? String(p.id),
    ...(p.picture?.data?.url ? { pictureUrl: p.picture.data.url } : {}),
    accessToken: p.access_token,
  }));
  return withPages(grant, userToken, granted, 'page_id', 'Facebook Page');
};

/**
 * Instagram through Facebook Login: the business or creator accounts linked to the person's Pages
 * (`/{page-id}?fields=instagram_business_account{…}`), each published to with its Page's token.
 */
export const instagramGrantAccounts: GrantAssets = async (grant) => {
  const { userToken, pages } = await metaPages(grant);
  const accounts: GrantedPage[] = [];
  for (const page of pages) {
    const fields = 'instagram_business_account%7Bid,username,profile_picture_url%7D';
    const url = `${grant.apiBaseUrl}/${META_GRAPH_VERSION}/${encodeURIComponent(page.id)}?fields=${fields}`;
    const ig = (await graph(grant, url, page.access_token)).instagram_business_account;
    if (!ig?.id) continue;
    accounts.push({
      id: String(ig.id),
      name: String(ig.username ?? ig.id),
      ...(ig.profile_picture_url ? { pictureUrl: String(ig.profile_picture_url) } : {}),
      accessToken: page.access_token,
    });
  }
  return withPages(grant, userToken, accounts, 'ig_user_id', 'Instagram business account linked to a Page');
};

function withPages(
  grant: AssetGrant,
  userToken: string,
  pages: GrantedPage[],
  activeKey: string,
  noun: string,
): Record<string, string> {
  const first = pages[0];
  if (!first) {
    throw new ConnectRefused(
      'oauth.no_assets',
      `This Facebook login gives no ${noun} to post to; choose one on the consent page (or create one) and connect again.`,
    );
  }
  // The short-lived token's fields go: the account posts with the page's token, which does not expire.
  const { refresh_token: _r, expires_at: _e, ...rest } = grant.credentials;
  return {
    ...rest,
    user_access_token: userToken,
    [activeKey]: first.id,
    access_token: first.accessToken!,
    [PAGES_CREDENTIAL]: JSON.stringify(pages),
  };
}

async function graph(grant: AssetGrant, url: string, token: string | undefined): Promise<PlatformBody> {
  const response = await fetch(url, {
    headers: { accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    signal: grant.signal,
  });
  const body = await readBody(response);
  if (!response.ok) {
    const reason = typeof body.error?.message === 'string' ? body.error.message : `HTTP ${response.status}`;
    throw unavailable(grant, reason.slice(0, 200));
  }
  return body;
}

/** Meta refused the read: final (a new consent is needed). Network trouble throws plainly and is retried. */
const unavailable = (grant: AssetGrant, reason: string) =>
  new ConnectRefused(
    'oauth.profile_unavailable',
    `${grant.descriptor.displayName} gave a token but not the Pages it grants (${reason}); try connecting again.`,
  );

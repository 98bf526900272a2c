import { type GrantedPage, PAGES_CREDENTIAL } from '../../descriptor';
import { type PlatformBody, readBody } from '../../kit/http';
import { type AssetGrant, ConnectRefused, type GrantAssets } from '../../kit/oauth-connect';

/** The official hosts of the two Business Profile APIs the grant is read from. */
const ACCOUNT_MANAGEMENT = 'https://mybusinessaccountmanagement.googleapis.com';
const BUSINESS_INFORMATION = 'https://mybusinessbusinessinformation.googleapis.com';
const OFFICIAL_BASE = 'https://mybusiness.googleapis.com';
/** accounts.list takes at most 20 a page, locations.list 100; a person manages a few. */
const ACCOUNTS_PAGE = 20;
const LOCATIONS_PAGE = 100;
const MAX_PAGINGS = 10;

/**
 * After a Google grant with `business.manage`: every location the person manages. Account
 * Management API `accounts.list` (their personal account, location groups and organizations),
 * then Business Information API `accounts.locations.list` per account (`readMask=name,title`;
 * a location's `name` is `locations/{id}`). Each location is a page whose id is the
 * `accounts/{accountId}/locations/{locationId}` the v4 localPosts calls take (the account's
 * `location_name`); the first is posted to until another is chosen. The person's token (refreshed
 * as Google's are) serves them all.
 */
export const googleGrantLocations: GrantAssets = async (grant) => {
  const accounts: PlatformBody[] = [];
  await eachPage(
    grant,
    `${host(grant, ACCOUNT_MANAGEMENT)}/v1/accounts?pageSize=${ACCOUNTS_PAGE}`,
    (body) => {
      accounts.push(...(Array.isArray(body.accounts) ? body.accounts : []));
    },
  );
  const pages: GrantedPage[] = [];
  for (const account of accounts) {
    const accountName = String(account.name ?? '');
    if (!/^accounts\/[^/]+$/.test(accountName)) continue;
    const url = `${host(grant, BUSINESS_INFORMATION)}/v1/${accountName}/locations?readMask=name,title&pageSize=${LOCATIONS_PAGE}`;
    await eachPage(grant, url, (body) => {
      for (const location of Array.isArray(body.locations) ? body.locations : []) {
        const id = /^locations\/([^/]+)$/.exec(String(location.name ?? ''))?.[1];
        const name = `${accountName}/locations/${id}`;
        if (id && !pages.some((p) => p.id.endsWith(`/locations/${id}`)))
          pages.push({ id: name, name: String(location.title ?? name) });
      }
    });
  }
  if (!pages.length) {
    throw new ConnectRefused(
      'oauth.no_assets',
      'This Google account manages no Business Profile location; add it as a manager of the business profile (business.google.com) and connect again.',
    );
  }
  return { ...grant.credentials, location_name: pages[0]!.id, [PAGES_CREDENTIAL]: JSON.stringify(pages) };
};

/** The official host, or the overridden API base (a proxy, the fake) for every API alike. */
const host = (grant: AssetGrant, official: string) =>
  grant.apiBaseUrl === OFFICIAL_BASE ? official : grant.apiBaseUrl;

/** A Google list, page by page (`pageToken` ↔ `nextPageToken`). */
async function eachPage(grant: AssetGrant, first: string, read: (body: PlatformBody) => void) {
  let token: string | undefined;
  for (let i = 0; i < MAX_PAGINGS; i += 1) {
    const url = new URL(first);
    if (token) url.searchParams.set('pageToken', token);
    const body = await get(grant, url);
    read(body);
    token = typeof body.nextPageToken === 'string' && body.nextPageToken ? body.nextPageToken : undefined;
    if (!token) return;
  }
}

async function get(grant: AssetGrant, url: URL): Promise<PlatformBody> {
  const response = await fetch(url, {
    headers: { accept: 'application/json', authorization: `Bearer ${grant.credentials.access_token}` },
    signal: grant.signal,
  });
  const body = await readBody(response);
  if (!response.ok) {
    // The code is spent: a failure after it is final. Google names the cause in error.message
    // (an API not enabled, a project without Business Profile API access: quota 0).
    const reason = String(body.error?.message ?? `HTTP ${response.status}`).slice(0, 200);
    throw new ConnectRefused(
      'oauth.profile_unavailable',
      `Google gave a token but not the person's Business Profile locations (${reason}); try connecting again.`,
    );
  }
  return body;
}

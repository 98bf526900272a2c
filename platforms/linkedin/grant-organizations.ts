import { type GrantedPage, PAGES_CREDENTIAL } from '../descriptor';
import { type PlatformBody, readBody } from '../kit/http';
import { type AssetGrant, ConnectRefused, type GrantAssets } from '../kit/oauth-connect';
import { DEFAULT_LINKEDIN_VERSION } from './api';

/** Organizations read per call, and at most this many calls: a member administers a few pages. */
const PAGE_SIZE = 100;
const MAX_PAGINGS = 10;

/**
 * After a member's grant with `r_organization_social`/`w_organization_social`: the organizations
 * the member administers (`/rest/organizationAcls?q=roleAssignee`, approved ADMINISTRATOR roles),
 * each named from `/rest/organizations/{id}`. The account posts as the first until another is
 * chosen; the member's token (refreshed as LinkedIn's are) serves them all.
 */
export function linkedinGrantOrganizations(version = DEFAULT_LINKEDIN_VERSION): GrantAssets {
  return async (grant) => {
    const ids: string[] = [];
    for (let start = 0, i = 0; i < MAX_PAGINGS; i += 1) {
      const query = `q=roleAssignee&role=ADMINISTRATOR&state=APPROVED&start=${start}&count=${PAGE_SIZE}`;
      const body = await rest(grant, version, `/rest/organizationAcls?${query}`);
      const elements: PlatformBody[] = Array.isArray(body.elements) ? body.elements : [];
      for (const acl of elements) {
        const id = /^urn:li:organization:(\d+)$/.exec(String(acl.organization ?? ''))?.[1];
        if (id && !ids.includes(id)) ids.push(id);
      }
      const more = (body.paging?.links ?? []).some((l: PlatformBody) => l?.rel === 'next');
      if (!more || !elements.length) break;
      start += elements.length;
    }
    const pages: GrantedPage[] = [];
    for (const id of ids) {
      const org = await rest(grant, version, `/rest/organizations/${id}`);
      pages.push({ id, name: String(org.localizedName ?? org.vanityName ?? id) });
    }
    if (!pages.length) {
      throw new ConnectRefused(
        'oauth.no_assets',
        'This LinkedIn member administers no organization page; ask a page admin for the ADMINISTRATOR role and connect again.',
      );
    }
    return { ...grant.credentials, organization_id: pages[0]!.id, [PAGES_CREDENTIAL]: JSON.stringify(pages) };
  };
}

async function rest(grant: AssetGrant, version: string, path: string): Promise<PlatformBody> {
  const response = await fetch(`${grant.apiBaseUrl}${path}`, {
    headers: {
      accept: 'application/json',
      authorization: `Bearer ${grant.credentials.access_token}`,
      'linkedin-version': version,
      'x-restli-protocol-version': '2.0.0',
    },
    signal: grant.signal,
  });
  const body = await readBody(response);
  if (!response.ok) {
    // The code is spent: a failure after it is final (a retry would only meet oauth.code_invalid).
    throw new ConnectRefused(
      'oauth.profile_unavailable',
      `LinkedIn gave a token but not the member's organizations (${String(body.message ?? `HTTP ${response.status}`).slice(0, 200)}); try connecting again.`,
    );
  }
  return body;
}

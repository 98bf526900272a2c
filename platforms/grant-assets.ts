import type { GrantAssets } from './kit/oauth-connect';
import { linkedinGrantOrganizations } from './linkedin/grant-organizations';
import { facebookGrantPages, instagramGrantAccounts } from './meta/grant-pages';

/**
 * The platforms where one consent gives several pages (descriptor `oauth.pages`): how the
 * connect reads them after the code is redeemed. test/unit/platform-descriptors holds the two lists
 * to each other.
 */
export function grantAssetsOf(
  slug: string,
  env: Record<string, string | undefined>,
): GrantAssets | undefined {
  switch (slug) {
    case 'facebook':
      return facebookGrantPages;
    case 'instagram_business':
      return instagramGrantAccounts;
    case 'linkedin_page':
      return linkedinGrantOrganizations(env.POSTFLOW_LINKEDIN_VERSION || undefined);
    default:
      return undefined;
  }
}

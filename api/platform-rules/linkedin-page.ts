import { linkedinFamilyRules } from './linkedin';
import type { PlatformRules } from './types';

/**
 * A LinkedIn organization page's posts (urn:li:organization): the member rules, but pages have no
 * connections, so only public or logged-in members (Posts API `visibility`).
 */
export const linkedinPageRules: PlatformRules = linkedinFamilyRules('LinkedIn pages', [
  'public',
  'logged_in',
]);

import type { AdapterOptions, PlatformAdapter } from '../../kit/adapter';
import { createInstagramFlowAdapter } from '../instagram/adapter';

/**
 * Instagram through Facebook Login (the Instagram Graph API on graph.facebook.com): a Business or
 * Creator account linked to a Facebook Page. Credentials: `ig_user_id` (the account's Instagram
 * id, the Page's `instagram_business_account`) and `access_token` (a Page token, or a long-lived
 * user token, from Facebook Login with `instagram_basic`, `instagram_content_publish`,
 * `instagram_manage_comments`, `pages_read_engagement`, `business_management`;
 * `instagram_manage_insights` for metrics).
 *
 * The containers, reconcile and first comments are Instagram's (../instagram/adapter.ts). No
 * refresh: a Page token from a long-lived user token does not expire, and Graph has no refresh
 * grant for it — a 190 means reconnecting, as for Facebook Pages.
 */
export function createInstagramBusinessAdapter(options: AdapterOptions = {}): PlatformAdapter {
  return createInstagramFlowAdapter(
    { platform: 'instagram_business', officialHost: 'https://graph.facebook.com', userIdKey: 'ig_user_id' },
    options,
  );
}

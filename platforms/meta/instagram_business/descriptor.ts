import type { PlatformDescriptor } from '../../descriptor';
import { instagramRules } from '../instagram/descriptor';
import { facebookLogin } from '../login';

/** Instagram through Facebook Login: the same posts and rules as `instagram`, another API and token. */
export const instagramBusinessDescriptor: PlatformDescriptor = {
  slug: 'instagram_business',
  displayName: 'Instagram (Facebook Login)',
  rules: instagramRules,
  credentials: ['ig_user_id', 'access_token'],
  prepareStep: 'always',
  apiBaseUrl: 'https://graph.facebook.com',
  capabilities: { reconcile: true, refresh: false, delete: false, comments: true, metrics: false },
  // Business and creator accounts are reached through the Pages they are linked to.
  oauth: facebookLogin(
    [
      'instagram_basic',
      'instagram_content_publish',
      'instagram_manage_comments',
      'pages_show_list',
      'pages_read_engagement',
    ],
    { activeKey: 'ig_user_id', noun: 'Instagram business account' },
  ),
  accountHelpers: ['limits'],
};

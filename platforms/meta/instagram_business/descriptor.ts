import type { PlatformDescriptor } from '../../descriptor';
import { instagramRules } from '../instagram/descriptor';

/** Instagram through Facebook Login: the same posts and rules as `instagram`, another API and token. */
export const instagramBusinessDescriptor: PlatformDescriptor = {
  slug: 'instagram_business',
  displayName: 'Instagram (Facebook Login)',
  rules: instagramRules,
  credentials: ['ig_user_id', 'access_token'],
  prepareStep: 'always',
  apiBaseUrl: 'https://graph.facebook.com',
  capabilities: { reconcile: true, refresh: false, delete: false, comments: true, metrics: false },
};

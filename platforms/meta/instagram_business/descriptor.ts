import type { PlatformDescriptor, PlatformRules } from '../../descriptor';
import { instagramRules } from '../instagram/descriptor';
import { facebookLogin } from '../login';

/**
 * Instagram's rules, plus `page_id`: one of the grant's other Instagram business accounts (GET
 * /v1/accounts/{id}/pages) this post goes to instead of the account's default.
 */
const instagramBusinessRules: PlatformRules = {
  ...instagramRules,
  optionKeys: [...instagramRules.optionKeys, 'page_id'],
  check: (post) => {
    const issues = instagramRules.check?.(post) ?? [];
    const pageId = post.options.page_id;
    if (pageId !== undefined && (typeof pageId !== 'string' || !/^\d+$/.test(pageId))) {
      issues.push({
        field: 'options.page_id',
        code: 'validation.field_invalid',
        message: "must be one of the account's Instagram business account ids (GET /v1/accounts/{id}/pages).",
      });
    }
    return issues;
  },
};

/** Instagram through Facebook Login: the same posts and rules as `instagram`, another API and token. */
export const instagramBusinessDescriptor: PlatformDescriptor = {
  slug: 'instagram_business',
  displayName: 'Instagram (Facebook Login)',
  rules: instagramBusinessRules,
  credentials: ['ig_user_id', 'access_token'],
  prepareStep: 'always',
  // Videos may go by upload in prepare (POSTFLOW_META_VIDEO_SOURCE=upload): run it as an upload.
  uploadStep: 'prepare',
  apiBaseUrl: 'https://graph.facebook.com',
  capabilities: { reconcile: true, refresh: false, delete: false, comments: true, metrics: true },
  // Business and creator accounts are reached through the Pages they are linked to.
  oauth: facebookLogin(
    [
      'instagram_basic',
      'instagram_content_publish',
      'instagram_manage_comments',
      'pages_show_list',
      'pages_read_engagement',
      // The media insights post metrics are read from.
      'instagram_manage_insights',
    ],
    { activeKey: 'ig_user_id', noun: 'Instagram business account' },
  ),
  accountHelpers: ['limits'],
};

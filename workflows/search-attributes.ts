import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes of post workflows: listing and filtering posts is a visibility query
 * on these, never a scan. Prefixed so they do not clash with other apps in a shared namespace.
 */
export const PostStatusKey = defineSearchAttributeKey('PostflowStatus', SearchAttributeType.KEYWORD);
export const PostScheduledAtKey = defineSearchAttributeKey(
  'PostflowScheduledAt',
  SearchAttributeType.DATETIME,
);
export const PostAccountIdsKey = defineSearchAttributeKey(
  'PostflowAccountIds',
  SearchAttributeType.KEYWORD_LIST,
);
export const PostUserIdKey = defineSearchAttributeKey('PostflowUserId', SearchAttributeType.KEYWORD);

export const POST_SEARCH_ATTRIBUTES = [PostStatusKey, PostScheduledAtKey, PostAccountIdsKey, PostUserIdKey];

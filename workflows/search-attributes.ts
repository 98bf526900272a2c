import {
  defineSearchAttributeKey,
  SearchAttributeType,
  type SearchAttributeUpdatePair,
} from '@temporalio/common';
import { mediaIdsOf } from '../api/post-resource';
import type { DeliveryState, PostSpec, PostStatus } from '../api/types';

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
export const PostPlatformsKey = defineSearchAttributeKey(
  'PostflowPlatforms',
  SearchAttributeType.KEYWORD_LIST,
);
/**
 * Other things a post refers to, as `kind:id`: `media:<media id>` (a media file in use cannot be
 * deleted) and `platform_post:<id>` (`GET /v1/posts/{id}` takes a platform's id too). One list
 * for all: SQL visibility allows only three KeywordList attributes per namespace.
 */
export const PostRefsKey = defineSearchAttributeKey('PostflowRefs', SearchAttributeType.KEYWORD_LIST);
/** The start of the post's text, for `GET /v1/posts?search=` (full-text, case-insensitive words). */
export const PostTextKey = defineSearchAttributeKey('PostflowText', SearchAttributeType.TEXT);

export const POST_SEARCH_ATTRIBUTES = [
  PostStatusKey,
  PostScheduledAtKey,
  PostAccountIdsKey,
  PostUserIdKey,
  PostPlatformsKey,
  PostRefsKey,
  PostTextKey,
];

export const mediaRef = (mediaId: string) => `media:${mediaId}`;
export const platformPostRef = (platformPostId: string) => `platform_post:${platformPostId}`;

/** The `PostflowRefs` of a post: its library media and the ids its published targets got. */
export function postRefs(spec: PostSpec, deliveries: readonly DeliveryState[] = []): string[] {
  return [
    ...new Set(
      [spec.content.media, ...spec.targets.map((t) => t.overrides?.media ?? [])]
        .flatMap(mediaIdsOf)
        .map(mediaRef),
    ),
    ...deliveries.flatMap((d) => (d.receipt ? [platformPostRef(d.receipt.platformPostId)] : [])),
  ];
}

/**
 * The words of a text as `PostflowText` indexes them and `search` looks them up: lower case,
 * without punctuation. PostgreSQL's SQL visibility casts the value to a tsvector as it is (no case
 * folding; "sale," stays one token), unlike SQLite's and Elasticsearch's analyzers, so the value
 * is normalised before it goes in.
 */
export function searchWords(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
}

/** Search attribute values are capped (2 KB by default); the text is indexed up to this many bytes. */
const INDEXED_TEXT_BYTES = 1800;

/**
 * Whether the post's text goes into `PostflowText`. Search attributes are stored in clear, so with
 * payload encryption the client starts posts without it, and the workflow, seeing it absent at
 * start, never adds it (decided from the start event, so replay is deterministic).
 */
export interface TextIndexing {
  text: boolean;
}

/** The attributes that follow the post's content and deliveries: set at start, after edits and deliveries. */
export function contentSearchAttributes(
  spec: PostSpec,
  deliveries: readonly DeliveryState[] = [],
  indexing: TextIndexing = { text: true },
): SearchAttributeUpdatePair[] {
  const pairs: SearchAttributeUpdatePair[] = [
    { key: PostScheduledAtKey, value: spec.scheduledAt ? new Date(spec.scheduledAt) : null },
    { key: PostRefsKey, value: postRefs(spec, deliveries) },
  ];
  if (!indexing.text) return pairs;
  let text = searchWords(spec.content.text).join(' ');
  while (new TextEncoder().encode(text).length > INDEXED_TEXT_BYTES) text = text.slice(0, -64);
  return [...pairs, { key: PostTextKey, value: text }];
}

/** Every attribute of a post as it starts. */
export function initialSearchAttributes(
  spec: PostSpec,
  status: PostStatus,
  indexing: TextIndexing = { text: true },
): SearchAttributeUpdatePair[] {
  return [
    { key: PostStatusKey, value: status },
    { key: PostAccountIdsKey, value: spec.targets.map((t) => t.accountId) },
    { key: PostPlatformsKey, value: [...new Set(spec.targets.map((t) => t.platform))] },
    { key: PostUserIdKey, value: spec.userId },
    ...contentSearchAttributes(spec, [], indexing),
  ];
}

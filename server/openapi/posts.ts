import { POST_STATUSES } from '../../api/types';
import { POST_SORTS } from '../../client/post-list';
import { AUTH_ERRORS, body, error, idempotencyKey, json, type Json, pathId, query, ref } from './shared';

const postAnswer = {
  '200': json(ref('Post'), 'The post'),
  ...AUTH_ERRORS,
  '404': error('No such post (post.not_found)'),
};
const change = {
  ...postAnswer,
  '400': error('Invalid change (validation.*)'),
  '409': error("Not allowed in the post's state (post.state_invalid)"),
};

export const postPaths: Record<string, Json> = {
  '/v1/posts': {
    post: {
      summary: 'Create, schedule or draft a post',
      parameters: [idempotencyKey],
      requestBody: body(ref('CreatePost')),
      responses: {
        '201': json(ref('Post'), 'Published, publishing, scheduled or drafted'),
        '207': json(ref('Post'), 'Some targets failed'),
        '400': error('Invalid body (validation.*, media.not_found), every problem in meta.errors'),
        ...AUTH_ERRORS,
        '404': error('Unknown account (account.not_found)'),
        '409': error(
          "The Idempotency-Key's post is past Temporal's retention; nothing published again (idempotency.post_gone, the post id in meta.id)",
        ),
        '422': error('Every target failed (publishing.delivery.all_failed); the post in meta.post'),
      },
    },
    get: {
      summary: 'List posts',
      parameters: [
        query('status', 'Only posts in this status', { type: 'string', enum: [...POST_STATUSES] }),
        query('account_ids', 'Comma-separated account ids: posts targeting any of them'),
        query('platform', 'Posts with a target on this platform'),
        query('from', 'RFC 3339: scheduled (or, unscheduled, created) at or after', {
          type: 'string',
          format: 'date-time',
        }),
        query('to', 'RFC 3339: scheduled (or, unscheduled, created) at or before', {
          type: 'string',
          format: 'date-time',
        }),
        query('search', 'Words that must all appear in the text (case-insensitive)'),
        query('sort', 'Order of the list', {
          type: 'string',
          enum: [...POST_SORTS],
          default: 'scheduled_asc',
        }),
        query('cursor', 'next_cursor of the previous page'),
        query('limit', 'Page size', { type: 'integer', minimum: 1, maximum: 100, default: 25 }),
      ],
      responses: {
        '200': json(ref('PostPage'), 'A page of posts'),
        '400': error('Invalid parameter'),
        ...AUTH_ERRORS,
      },
    },
  },
  '/v1/posts/validate': {
    post: {
      summary: 'Dry-run validation',
      requestBody: body({ type: 'object' }),
      responses: { '200': json(ref('ValidationReport'), 'Problems and warnings'), ...AUTH_ERRORS },
    },
    get: {
      summary: 'Per-platform constraints',
      parameters: [query('platform', 'One platform (all when omitted)')],
      responses: {
        '200': json(ref('PlatformConstraintsList'), 'Constraints by platform'),
        '400': error('Unknown platform'),
        ...AUTH_ERRORS,
      },
    },
  },
  '/v1/posts/{id}': {
    parameters: [pathId('id')],
    get: {
      summary: 'Get a post, by its id or by a platform post id it was published as',
      responses: { ...postAnswer, '409': error('A platform post id of several posts (ambiguous_post_id)') },
    },
    patch: {
      summary: 'Reschedule or edit a draft or scheduled post',
      requestBody: body(ref('UpdatePost')),
      responses: change,
    },
    delete: {
      summary: 'Cancel a post, or delete a published one from its platforms',
      parameters: [query('platform', "Delete only this platform's copies")],
      responses: { ...change, '200': json(ref('DeletePostResult'), 'Cancelled, or per-target outcomes') },
    },
  },
  '/v1/posts/{id}/publish': {
    parameters: [pathId('id')],
    post: {
      summary: 'Publish a draft or scheduled post now',
      responses: {
        '201': json(ref('Post'), 'Published or publishing'),
        '207': json(ref('Post'), 'Some targets failed'),
        '422': error('Every target failed'),
        ...AUTH_ERRORS,
        '404': error('No such post'),
        '409': error("Not allowed in the post's state"),
      },
    },
  },
  '/v1/posts/{id}/unpublish': {
    parameters: [pathId('id')],
    post: {
      summary: "Delete a published post from its platforms (or one account's copy); the post is kept",
      requestBody: { required: false, content: { 'application/json': { schema: ref('Unpublish') } } },
      responses: {
        '200': json(ref('UnpublishResult'), 'Per-target outcomes'),
        '400': error('Invalid body'),
        ...AUTH_ERRORS,
        '404': error('No such post or account'),
        '409': error('Nothing published to remove (post.state_invalid)'),
        '501': error('The platform cannot delete this post (resource.not_supported)'),
      },
    },
  },
  '/v1/posts/{id}/retry': {
    parameters: [pathId('id')],
    post: {
      summary: 'Retry the failed targets of a partial or failed post',
      description:
        'Targets the platform may already have published (error.code publishing.delivery.unconfirmed) are looked up on the platform before anything is published again. Where the platform offers no lookup, the retry is refused (409) unless the body says "force": true.',
      requestBody: { required: false, content: { 'application/json': { schema: ref('Retry') } } },
      responses: {
        '200': json(ref('RetryResult'), 'Retrying'),
        '400': error('Nothing to retry (post.no_retryable_deliveries), or an invalid body'),
        ...AUTH_ERRORS,
        '404': error('No such post'),
        '409': error("Not allowed in the post's state, or unconfirmed targets without force"),
      },
    },
  },
};

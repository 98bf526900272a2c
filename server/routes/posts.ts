import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError, errorEnvelope } from '../../api/errors';
import {
  createPostSchema,
  rejectSchema,
  retrySchema,
  unpublishSchema,
  updatePostSchema,
} from '../../api/schemas';
import {
  deletePostResultSchema,
  platformConstraintsListSchema,
  postMetricsResourceSchema,
  postPageSchema,
  postResourceSchema,
  retryResultSchema,
  unpublishResultSchema,
  validationReportSchema,
} from '../../api/resources';
import { POST_STATUSES } from '../../api/types';
import { POST_SORTS, type PostListQuery } from '../../api/post-list-query';
import {
  answer,
  AUTH_ERRORS,
  binary,
  failure,
  idempotencyKeyHeader,
  pageSize,
  pathParams,
  queryParam,
} from '../openapi/route-schemas';
import { scope } from '../auth';
import { idempotencyKeyOf } from '../idempotency';
import type { PostResource } from '../../api/types';
import type { PostflowClient } from '../../client';

const params = pathParams('id');
const postAnswer = {
  200: answer(postResourceSchema, 'The post'),
  ...AUTH_ERRORS,
  404: failure('No such post (post.not_found)'),
};
const change = {
  ...postAnswer,
  400: failure('Invalid change (validation.*)'),
  409: failure("Not allowed in the post's state (post.state_invalid)"),
};
const instant = (description: string) => queryParam(description, z.string().meta({ format: 'date-time' }));

// The client reads the post bodies (after an Idempotency-Key replay, after the post's state):
// the routes name the schemas it reads them with.
const create = {
  summary: 'Create, schedule or draft a post',
  parsedByHandler: { body: createPostSchema, headers: idempotencyKeyHeader },
  response: {
    201: answer(postResourceSchema, 'Published, publishing, scheduled or drafted'),
    207: answer(postResourceSchema, 'Some targets failed'),
    400: failure('Invalid body (validation.*, media.not_found), every problem in meta.errors'),
    ...AUTH_ERRORS,
    404: failure('Unknown account (account.not_found)'),
    409: failure(
      "The Idempotency-Key's post is past Temporal's retention; nothing published again (idempotency.post_gone, the post id in meta.id); or a queued post's queue has no free slot (queue.no_free_slot)",
    ),
    422: failure('Every target failed (publishing.delivery.all_failed); the post in meta.post'),
  },
};
const list = {
  summary: 'List posts',
  parsedByHandler: {
    querystring: z.object({
      status: queryParam('Only posts in this status', z.enum(POST_STATUSES)),
      account_ids: queryParam('Comma-separated account ids: posts targeting any of them'),
      brand_id: queryParam("Posts targeting any of this brand's accounts (as they are now)"),
      platform: queryParam('Posts with a target on this platform'),
      from: instant('RFC 3339: scheduled (or, unscheduled, created) at or after'),
      to: instant('RFC 3339: scheduled (or, unscheduled, created) at or before'),
      search: queryParam('Words that must all appear in the text (case-insensitive)'),
      sort: queryParam('Order of the list', z.enum(POST_SORTS).default('scheduled_asc')),
      cursor: queryParam('next_cursor of the previous page'),
      limit: queryParam('Page size', pageSize(25)),
    }),
  },
  response: {
    200: answer(postPageSchema, 'A page of posts'),
    400: failure('Invalid parameter'),
    ...AUTH_ERRORS,
    404: failure('No such brand (brand.not_found, meta.field brand_id)'),
  },
};
const dryRun = {
  summary: 'Dry-run validation',
  // Any object: its problems are the answer, not a refusal.
  parsedByHandler: { body: z.object({}) },
  response: { 200: answer(validationReportSchema, 'Problems and warnings'), ...AUTH_ERRORS },
};
const constraints = {
  summary: 'Per-platform constraints',
  parsedByHandler: {
    querystring: z.object({ platform: queryParam('One platform (all when omitted)') }),
  },
  response: {
    200: answer(platformConstraintsListSchema, 'Constraints by platform'),
    400: failure('Unknown platform'),
    ...AUTH_ERRORS,
  },
};
const get = {
  summary: 'Get a post, by its id or by a platform post id it was published as',
  params,
  response: { ...postAnswer, 409: failure('A platform post id of several posts (ambiguous_post_id)') },
};
const metrics = {
  summary: "A published post's metrics: each target's latest collected likes, comments, shares, saves",
  description:
    'Collected after publishing at +1 h, +24 h and +7 d (POSTFLOW_METRICS_SCHEDULE), not read live: metrics_synced_at says when. metrics is null until the first pass, and always where metrics_supported is false (the platform offers no metrics Postflow reads).',
  params,
  response: {
    200: answer(postMetricsResourceSchema, "Each target's latest metrics"),
    ...AUTH_ERRORS,
    404: failure('No such post (post.not_found)'),
    409: failure('A platform post id of several posts (ambiguous_post_id): use the post id'),
  },
};
const metricsChart = {
  summary: "A post's engagement curves as a PNG chart",
  description:
    'Every collected pass of each target whose platform reports metrics, one panel per target: likes, comments, shares and saves over the time each pass was read (docs/api.md, Analytics). Before the first pass the image says that nothing was collected yet.',
  params,
  response: {
    200: { description: 'The chart (image/png)', content: { 'image/png': { schema: binary() } } },
    ...AUTH_ERRORS,
    404: failure('No such post (post.not_found)'),
    409: failure('A platform post id of several posts (ambiguous_post_id): use the post id'),
  },
};
const update = {
  summary: 'Reschedule or edit a draft or scheduled post',
  params,
  parsedByHandler: { body: updatePostSchema },
  response: change,
};
const remove = {
  summary: 'Cancel a post, or delete a published one from its platforms',
  params,
  parsedByHandler: {
    querystring: z.object({ platform: queryParam("Delete only this platform's copies") }),
  },
  response: { ...change, 200: answer(deletePostResultSchema, 'Cancelled, or per-target outcomes') },
};
const publish = {
  summary: 'Publish a draft or scheduled post now',
  params,
  response: {
    201: answer(postResourceSchema, 'Published or publishing'),
    207: answer(postResourceSchema, 'Some targets failed'),
    422: failure('Every target failed'),
    ...AUTH_ERRORS,
    404: failure('No such post'),
    409: failure("Not allowed in the post's state"),
  },
};
const unpublish = {
  summary: "Delete a published post from its platforms (or one account's copy); the post is kept",
  params,
  body: unpublishSchema,
  optionalBody: true,
  response: {
    200: answer(unpublishResultSchema, 'Per-target outcomes'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
    404: failure('No such post or account'),
    409: failure('Nothing published to remove (post.state_invalid)'),
    501: failure('The platform cannot delete this post (resource.not_supported)'),
  },
};
const retry = {
  summary: 'Retry the failed targets of a partial or failed post',
  description:
    'Targets the platform may already have published (error.code publishing.delivery.unconfirmed) are looked up on the platform before anything is published again. Where the platform offers no lookup, the retry is refused (409) unless the body says "force": true.',
  params,
  body: retrySchema,
  optionalBody: true,
  response: {
    200: answer(retryResultSchema, 'Retrying'),
    400: failure('Nothing to retry (post.no_retryable_deliveries), or an invalid body'),
    ...AUTH_ERRORS,
    404: failure('No such post'),
    409: failure("Not allowed in the post's state, or unconfirmed targets without force"),
  },
};

const decision = {
  ...postAnswer,
  403: failure(
    "The key lacks posts:approve, or is the post's author's where its brand requires another key (approval.same_key)",
  ),
  409: failure(
    'The post is not pending approval, nor already carries this decision (a repeat is a 200), or its approval window ended; or it was rejected with another reason (post.state_invalid)',
  ),
};
const approve = {
  summary: 'Approve a post pending approval: it goes out at its instant, or at once when that passed',
  params,
  response: decision,
};
const reject = {
  summary: 'Reject a post pending approval, with a reason: it will not be published',
  params,
  parsedByHandler: { body: rejectSchema },
  response: { ...decision, 400: failure('No reason, or one too long (validation.*)') },
};

/** `/v1/posts`: thin handlers, each over one method of the client's posts (services/posts.ts). */
export function postRoutes(fastify: FastifyInstance, client: PostflowClient, syncWaitMs: number): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const posts = (userId: string) => client.forUser(userId).posts;

  app.post('/v1/posts', { ...scope('posts:write'), schema: create }, async (request, reply) => {
    const key = idempotencyKeyOf(request);
    const { post, created } = await posts(request.userId).create(request.body, {
      ...(key ? { idempotencyKey: key } : {}),
      waitMs: syncWaitMs,
      authorKeyId: request.apiKey.keyId,
    });
    if (!created) reply.header('Idempotent-Replayed', 'true');
    return sendCreated(reply, post, request.id);
  });

  app.get<{ Querystring: PostListQuery }>(
    '/v1/posts',
    { ...scope('posts:read'), schema: list },
    async (request) => posts(request.userId).list(request.query),
  );

  app.post('/v1/posts/validate', { ...scope('posts:read'), schema: dryRun }, async (request) =>
    posts(request.userId).validate(request.body),
  );

  app.get<{ Querystring: { platform?: string } }>(
    '/v1/posts/validate',
    { ...scope('posts:read'), schema: constraints },
    async (request) => ({ data: posts(request.userId).constraints(request.query.platform) }),
  );

  app.get('/v1/posts/:id', { ...scope('posts:read'), schema: get }, async (request) =>
    posts(request.userId).get(request.params.id),
  );

  app.get('/v1/posts/:id/metrics', { ...scope('posts:read'), schema: metrics }, async (request) =>
    client.forUser(request.userId).posts.metrics(request.params.id),
  );

  // Untyped by the zod provider: the answer is a Buffer, sent as it is (no serializer runs).
  fastify.get<{ Params: { id: string } }>(
    '/v1/posts/:id/metrics.png',
    { ...scope('posts:read'), schema: metricsChart },
    async (request, reply) => {
      const png = await client.forUser(request.userId).posts.metricsChart(request.params.id);
      // Drawn from the store on each request; a minute's cache spares a dashboard that polls.
      return reply.type('image/png').header('cache-control', 'private, max-age=60').send(png);
    },
  );

  app.patch('/v1/posts/:id', { ...scope('posts:write'), schema: update }, async (request) =>
    posts(request.userId).update(request.params.id, request.body),
  );

  app.delete<{ Params: { id: string }; Querystring: { platform?: string } }>(
    '/v1/posts/:id',
    { ...scope('posts:write'), schema: remove },
    async (request) => {
      const { platform } = request.query;
      const { deleted, results, post } = await posts(request.userId).delete(request.params.id, {
        ...(platform ? { platform } : {}),
      });
      return {
        success: true,
        deleted,
        results,
        id: request.params.id,
        status: post?.status ?? 'deleted',
        post,
      };
    },
  );

  app.post('/v1/posts/:id/publish', { ...scope('posts:write'), schema: publish }, async (request, reply) => {
    const post = await posts(request.userId).publishNow(request.params.id, { waitMs: syncWaitMs });
    return sendCreated(reply, post, request.id);
  });

  // Removes a published post from its platforms (all, or one account's copy) and keeps the record.
  app.post('/v1/posts/:id/unpublish', { ...scope('posts:write'), schema: unpublish }, async (request) => {
    const results = await posts(request.userId).unpublish(request.params.id, request.body.account_id);
    return { success: results.every((r) => r.outcome === 'deleted'), results };
  });

  app.post('/v1/posts/:id/approve', { ...scope('posts:approve'), schema: approve }, async (request) =>
    posts(request.userId).approve(request.params.id, { keyId: request.apiKey.keyId }),
  );

  app.post('/v1/posts/:id/reject', { ...scope('posts:approve'), schema: reject }, async (request) =>
    // The service checks the body (rejectSchema): a missing or empty reason is a 400 naming it.
    posts(request.userId).reject(request.params.id, request.body as { reason: string }, {
      keyId: request.apiKey.keyId,
    }),
  );

  app.post('/v1/posts/:id/retry', { ...scope('posts:write'), schema: retry }, async (request) => {
    const post = await posts(request.userId).retry(request.params.id, request.body);
    return { success: true, post };
  });
}

/**
 * The create/publish answer: 201 when published, scheduled, drafted or still publishing;
 * 207 when some targets failed; 422 `publishing.delivery.all_failed` when all did (with the post).
 */
function sendCreated(reply: FastifyReply, post: PostResource, requestId: string) {
  if (post.status === 'partial') return reply.status(207).send(post);
  if (post.status === 'failed') {
    const err = new ApiError(
      422,
      'publishing.delivery.all_failed',
      `Every target failed: ${post.error_message}`,
      { post_id: post.id, post },
    );
    return reply.status(422).send(errorEnvelope(err, requestId));
  }
  return reply.status(201).send(post);
}

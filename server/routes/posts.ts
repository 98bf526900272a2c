import type { FastifyInstance, FastifyReply } from 'fastify';
import { accountNotFound, ApiError, errorEnvelope, validationError } from '../../api/errors';
import { retrySchema, unpublishSchema } from '../../api/schemas';
import { zodIssues } from '../../api/zod-issues';
import { scope } from '../auth';
import { idempotencyKeyOf } from '../idempotency';
import type { PostResource } from '../../api/types';
import type { PostflowClient, PostListQuery } from '../../client';
import { PLATFORM_RULES } from '../../api/platform-rules';
import { platformConstraints } from '../../api/validate';

/** `/v1/posts`: thin handlers over the client, which owns validation and Temporal. */
export function postRoutes(app: FastifyInstance, client: PostflowClient, syncWaitMs: number): void {
  const posts = (userId: string) => client.forUser(userId).posts;

  app.post('/v1/posts', scope('posts:write'), async (request, reply) => {
    const key = idempotencyKeyOf(request);
    const { post, created } = await posts(request.userId).create(request.body, {
      ...(key ? { idempotencyKey: key } : {}),
      waitMs: syncWaitMs,
    });
    if (!created) reply.header('Idempotent-Replayed', 'true');
    return sendCreated(reply, post, request.id);
  });

  app.get<{ Querystring: PostListQuery }>('/v1/posts', scope('posts:read'), async (request) =>
    posts(request.userId).list(request.query),
  );

  app.post('/v1/posts/validate', scope('posts:read'), async (request) =>
    posts(request.userId).validate(request.body),
  );

  app.get<{ Querystring: { platform?: string } }>(
    '/v1/posts/validate',
    scope('posts:read'),
    async (request) => {
      const wanted = request.query.platform ? [request.query.platform] : Object.keys(PLATFORM_RULES);
      const data: Record<string, unknown> = {};
      for (const platform of wanted) {
        const constraints = platformConstraints(platform);
        if (!constraints) {
          throw new ApiError(
            400,
            'validation.field_invalid',
            `Unknown platform "${platform}"; use one of ${Object.keys(PLATFORM_RULES).join(', ')}.`,
            { field: 'platform' },
          );
        }
        data[platform] = constraints;
      }
      return { data };
    },
  );

  app.get<{ Params: { id: string } }>('/v1/posts/:id', scope('posts:read'), async (request) =>
    posts(request.userId).get(request.params.id),
  );

  app.patch<{ Params: { id: string } }>('/v1/posts/:id', scope('posts:write'), async (request) =>
    posts(request.userId).update(request.params.id, request.body),
  );

  app.delete<{ Params: { id: string }; Querystring: { platform?: string } }>(
    '/v1/posts/:id',
    scope('posts:write'),
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

  app.post<{ Params: { id: string } }>(
    '/v1/posts/:id/publish',
    scope('posts:write'),
    async (request, reply) => {
      const api = posts(request.userId);
      await api.publishNow(request.params.id);
      return sendCreated(
        reply,
        await api.waitForResult(request.params.id, { timeoutMs: syncWaitMs }),
        request.id,
      );
    },
  );

  // Removes a published post from its platforms (all, or one account's copy) and keeps the record.
  app.post<{ Params: { id: string } }>('/v1/posts/:id/unpublish', scope('posts:write'), async (request) => {
    const parsed = unpublishSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const accountId = parsed.data.account_id;
    const post = await posts(request.userId).get(request.params.id);
    if (accountId && !post.account_ids.includes(accountId)) throw accountNotFound(accountId, 'account_id');
    if (!post.targets.some((t) => t.status === 'published' && (!accountId || t.account_id === accountId))) {
      throw new ApiError(
        409,
        'post.state_invalid',
        'Nothing of this post is published; cancel it with DELETE instead.',
        {
          id: post.id,
          status: post.status,
        },
      );
    }
    const { results } = await posts(request.userId).delete(request.params.id, accountId ? { accountId } : {});
    const unsupported = results.filter((r) => r.outcome === 'not_supported');
    if (unsupported.length) {
      throw new ApiError(
        501,
        'resource.not_supported',
        `${unsupported.map((r) => r.platform).join(', ')} does not allow deleting this post; it stays live there.`,
        { results },
      );
    }
    return { success: results.every((r) => r.outcome === 'deleted'), results };
  });

  app.post<{ Params: { id: string } }>('/v1/posts/:id/retry', scope('posts:write'), async (request) => {
    const parsed = retrySchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const post = await posts(request.userId).retry(request.params.id, parsed.data);
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

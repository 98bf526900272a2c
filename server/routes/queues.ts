import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createQueueSchema,
  QUEUE_UPCOMING_MAX,
  queueListSchema,
  queueResourceSchema,
  queueWithSlotsSchema,
  updateQueueSchema,
} from '../../api/queue-schemas';
import type { PostflowClient } from '../../client';
import { scope } from '../auth';
import { replyCreated } from '../idempotency';
import {
  answer,
  AUTH_ERRORS,
  failure,
  idempotencyKeyHeader,
  noContent,
  pathParams,
} from '../openapi/route-schemas';

const notFound = failure('No such queue (queue.not_found)');
const params = pathParams('id');

// Bodies are read by the service (the client library takes the same path), so a bad body is
// answered with every problem in the contract's error shape.
const create = {
  summary: 'Create a posting queue: weekly time slots in a time zone, for an account or a brand',
  parsedByHandler: { body: createQueueSchema, headers: idempotencyKeyHeader },
  response: {
    201: answer(queueResourceSchema, 'Created'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
    404: failure('No such account or brand'),
    409: failure('The account or brand has a queue already (queue.exists)'),
  },
};
const list = {
  summary: 'List posting queues',
  response: { 200: answer(queueListSchema, 'Queues'), ...AUTH_ERRORS },
};
const get = {
  summary: 'Get a queue with its upcoming slots and the posts in them',
  params,
  querystring: z.object({
    count: z.coerce
      .number()
      .int()
      .min(1)
      .max(QUEUE_UPCOMING_MAX)
      .optional()
      .describe(
        `How many upcoming slots to show (1–${QUEUE_UPCOMING_MAX}; every slot a post holds is shown too)`,
      ),
  }),
  response: {
    200: answer(queueWithSlotsSchema, 'The queue'),
    400: failure('Invalid count'),
    ...AUTH_ERRORS,
    404: notFound,
  },
};
const update = {
  summary: 'Change the slots or time zone of a queue; its queued posts are re-planned',
  params,
  parsedByHandler: { body: updateQueueSchema },
  response: {
    200: answer(queueWithSlotsSchema, 'Updated and re-planned'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
    404: notFound,
    503: failure(
      'Saved, but some posts could not be rescheduled now (queue.replan_incomplete): repeat with {}',
    ),
  },
};
const remove = {
  summary: 'Delete a queue (its posts keep their instants)',
  params,
  response: { 204: noContent('Deleted'), ...AUTH_ERRORS, 404: notFound },
};

/**
 * `/v1/queues` (a Postflow extension; docs/api.md "Queues"). A queue plans posts to accounts, so
 * it is read and managed with the account scopes, as brands are; posts join it through
 * `POST /v1/posts` with `queue` (scope posts:write).
 */
export function queueRoutes(fastify: FastifyInstance, client: PostflowClient): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const queues = (userId: string) => client.forUser(userId).queues;

  app.post('/v1/queues', { ...scope('accounts:manage'), schema: create }, async (request, reply) =>
    replyCreated(
      reply,
      await queues(request.userId).create(request.body, {
        idempotencyKey: request.headers['idempotency-key'],
      }),
    ),
  );

  app.get('/v1/queues', { ...scope('accounts:read'), schema: list }, async (request) =>
    queues(request.userId).list(),
  );

  app.get('/v1/queues/:id', { ...scope('accounts:read'), schema: get }, async (request) =>
    queues(request.userId).get(request.params.id, { count: request.query.count }),
  );

  app.patch('/v1/queues/:id', { ...scope('accounts:manage'), schema: update }, async (request) =>
    queues(request.userId).update(request.params.id, request.body),
  );

  app.delete('/v1/queues/:id', { ...scope('accounts:manage'), schema: remove }, async (request, reply) => {
    await queues(request.userId).remove(request.params.id);
    return reply.status(204).send(undefined);
  });
}

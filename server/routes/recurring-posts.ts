import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ApiError } from '../../api/errors';
import {
  createRecurringSchema,
  occurrenceListSchema,
  recurringListSchema,
  recurringResourceSchema,
  updateRecurringSchema,
} from '../../api/recurring';
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
  queryParam,
} from '../openapi/route-schemas';

const notFound = failure('No such recurring post (recurring_post.not_found)');
const params = pathParams('id');

const create = {
  summary: 'Create a recurring post: one normal post per occurrence, on a Temporal Schedule',
  description:
    'Give `post` (a POST /v1/posts body without scheduled_at or publish_now) and either `interval` ({every, unit}: exact durations from start_at) or `cron` with `time_zone`; `end` stops it after a count or at an instant. Each occurrence creates a post whose id is derived from the recurring post and the occurrence instant, so an occurrence never publishes twice. A missed occurrence (Temporal down at its instant) is still taken within 1 hour, later ones are skipped (docs/api.md "Recurring posts").',
  parsedByHandler: { body: createRecurringSchema, headers: idempotencyKeyHeader },
  response: {
    201: answer(recurringResourceSchema, 'Created'),
    400: failure('Invalid body: every problem in meta.errors, post fields under post.'),
    ...AUTH_ERRORS,
    404: failure('Unknown account (account.not_found, meta.field post.account_ids[…] or post.targets[…])'),
  },
};
const list = {
  summary: 'List recurring posts',
  response: { 200: answer(recurringListSchema, 'Recurring posts, oldest first'), ...AUTH_ERRORS },
};
const get = {
  summary: 'Get a recurring post: its rule, status, occurrences so far and the next ones',
  params,
  response: { 200: answer(recurringResourceSchema, 'The recurring post'), ...AUTH_ERRORS, 404: notFound },
};
// The body is read once the recurring post is found: an unknown one is a 404 whatever the body.
const update = {
  summary: 'Change the post, when it repeats or its end (occurrences already created keep their post)',
  params,
  parsedByHandler: { body: updateRecurringSchema },
  response: {
    200: answer(recurringResourceSchema, 'Updated'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
    404: notFound,
  },
};
const action = (summary: string) => ({
  summary,
  params,
  response: { 200: answer(recurringResourceSchema, 'The recurring post'), ...AUTH_ERRORS, 404: notFound },
});
const remove = {
  summary: 'Delete a recurring post: no further occurrence; the posts it created stay',
  params,
  response: { 204: noContent('Deleted'), ...AUTH_ERRORS, 404: notFound },
};
const occurrences = {
  summary: "A recurring post's occurrences, newest first, each with its post as it is now",
  params,
  parsedByHandler: {
    querystring: z.object({
      limit: queryParam('How many (1–100)', z.number().int().min(1).max(100).default(20)),
    }),
  },
  response: {
    200: answer(occurrenceListSchema, 'Occurrences'),
    400: failure('Invalid limit'),
    ...AUTH_ERRORS,
    404: notFound,
  },
};

/** `/v1/recurring-posts`: recurring posts over the client's `recurring`. */
export function recurringPostRoutes(fastify: FastifyInstance, client: PostflowClient): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const of = (userId: string) => client.forUser(userId).recurring;

  app.post('/v1/recurring-posts', { ...scope('posts:write'), schema: create }, async (request, reply) =>
    replyCreated(
      reply,
      await of(request.userId).create(request.body, {
        idempotencyKey: header(request.headers['idempotency-key']),
        authorKeyId: request.apiKey.keyId,
      }),
    ),
  );

  app.get('/v1/recurring-posts', { ...scope('posts:read'), schema: list }, async (request) =>
    of(request.userId).list(),
  );

  app.get('/v1/recurring-posts/:id', { ...scope('posts:read'), schema: get }, async (request) =>
    of(request.userId).get(request.params.id),
  );

  app.patch('/v1/recurring-posts/:id', { ...scope('posts:write'), schema: update }, async (request) =>
    of(request.userId).update(request.params.id, request.body),
  );

  app.post(
    '/v1/recurring-posts/:id/pause',
    {
      ...scope('posts:write'),
      schema: action('Pause: no occurrence until resumed (missed ones are not caught up)'),
    },
    async (request) => of(request.userId).pause(request.params.id),
  );

  app.post(
    '/v1/recurring-posts/:id/resume',
    { ...scope('posts:write'), schema: action('Resume a paused recurring post from its next occurrence') },
    async (request) => of(request.userId).resume(request.params.id),
  );

  app.delete(
    '/v1/recurring-posts/:id',
    { ...scope('posts:write'), schema: remove },
    async (request, reply) => {
      await of(request.userId).delete(request.params.id);
      return reply.status(204).send(undefined);
    },
  );

  app.get<{ Querystring: { limit?: string } }>(
    '/v1/recurring-posts/:id/occurrences',
    { ...scope('posts:read'), schema: occurrences },
    async (request) =>
      of(request.userId).occurrences((request.params as { id: string }).id, {
        limit: limitOf(request.query.limit),
      }),
  );
}

/** The Idempotency-Key header as sent: a repeated header is refused by the service's check. */
function header(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) {
    throw new ApiError(400, 'validation.field_invalid', 'Send one Idempotency-Key header.', {
      field: 'Idempotency-Key',
    });
  }
  return value;
}

function limitOf(raw: string | undefined): number {
  if (raw === undefined) return 20;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1 || n > 100) {
    throw new ApiError(400, 'validation.field_invalid', 'limit must be a whole number from 1 to 100.', {
      field: 'limit',
    });
  }
  return n;
}

import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { WEBHOOK_EVENTS } from '../../api/post-events';
import {
  webhookCreatedSchema,
  webhookDeletedSchema,
  webhookDeliveryListSchema,
  webhookEventListSchema,
  webhookListSchema,
  webhookResourceSchema,
  webhookTestResultSchema,
} from '../../api/resources';
import { createWebhookSchema, updateWebhookSchema } from '../../api/webhook-schemas';
import type { WebhookService } from '../../services/webhooks';
import { scope } from '../auth';
import { replyCreated } from '../idempotency';
import {
  answer,
  AUTH_ERRORS,
  failure,
  idempotencyKeyHeader,
  pageSize,
  pathParams,
  queryParam,
} from '../openapi/route-schemas';

const params = pathParams('id');
const notFound = failure('No such webhook (resource.not_found)');
const events = {
  summary: 'The events an endpoint can subscribe to',
  response: { 200: answer(webhookEventListSchema, 'Events'), ...AUTH_ERRORS },
};
const create = {
  summary: `Register an endpoint for post and account events (${WEBHOOK_EVENTS.join(', ')}); a signed test ping is sent`,
  body: createWebhookSchema,
  parsedByHandler: { headers: idempotencyKeyHeader },
  response: {
    201: answer(webhookCreatedSchema, 'Registered: the resource, its secret (shown once) and a message'),
    400: failure('Invalid body or URL (validation.*)'),
    ...AUTH_ERRORS,
  },
};
const list = {
  summary: 'List endpoints',
  response: { 200: answer(webhookListSchema, 'Endpoints'), ...AUTH_ERRORS },
};
const get = {
  summary: 'Get an endpoint',
  params,
  response: { 200: answer(webhookResourceSchema, 'The endpoint'), ...AUTH_ERRORS, 404: notFound },
};
// The body is read once the endpoint is found: an unknown one is a 404 whatever the body.
const update = {
  summary: 'Change URL, events or is_active',
  params,
  parsedByHandler: { body: updateWebhookSchema },
  response: {
    200: answer(webhookResourceSchema, 'Updated'),
    400: failure('Invalid body'),
    ...AUTH_ERRORS,
    404: notFound,
  },
};
const remove = {
  summary: 'Delete an endpoint',
  params,
  response: { 200: answer(webhookDeletedSchema, 'Deleted'), ...AUTH_ERRORS, 404: notFound },
};
const test = {
  summary: 'Send a signed test ping',
  params,
  response: { 200: answer(webhookTestResultSchema, 'The receiver’s answer'), ...AUTH_ERRORS, 404: notFound },
};
const deliveries = {
  summary: 'The delivery log, newest first',
  params,
  // Out-of-range limits are brought into range, not refused.
  parsedByHandler: { querystring: z.object({ limit: queryParam('How many', pageSize(50)) }) },
  response: { 200: answer(webhookDeliveryListSchema, 'Deliveries'), ...AUTH_ERRORS, 404: notFound },
};

/** `/v1/webhooks` (contract §6): endpoints for post events, signed, delivered durably with a log. */
export function webhookRoutes(fastify: FastifyInstance, webhooks: WebhookService): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const manage = scope('webhooks:manage');

  app.get('/v1/webhooks/events', { ...manage, schema: events }, async () => webhooks.events());

  app.post('/v1/webhooks', { ...manage, schema: create }, async (request, reply) =>
    replyCreated(
      reply,
      await webhooks.create(request.userId, request.body, request.headers['idempotency-key']),
    ),
  );

  app.get('/v1/webhooks', { ...manage, schema: list }, async (request) => webhooks.list(request.userId));

  app.get('/v1/webhooks/:id', { ...manage, schema: get }, async (request) =>
    webhooks.get(request.userId, request.params.id),
  );

  app.patch('/v1/webhooks/:id', { ...manage, schema: update }, async (request) =>
    webhooks.update(request.userId, request.params.id, request.body),
  );

  app.delete('/v1/webhooks/:id', { ...manage, schema: remove }, async (request) =>
    webhooks.remove(request.userId, request.params.id),
  );

  app.post('/v1/webhooks/:id/test', { ...manage, schema: test }, async (request) =>
    webhooks.test(request.userId, request.params.id),
  );

  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>(
    '/v1/webhooks/:id/deliveries',
    { ...manage, schema: deliveries },
    async (request) => webhooks.deliveries(request.userId, request.params.id, request.query.limit),
  );
}

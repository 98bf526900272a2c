import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { ApiError, validationError } from '../../api/errors';
import { EVENT_CATALOG } from '../../api/post-events';
import { createWebhookSchema, updateWebhookSchema } from '../../api/webhook-schemas';
import { zodIssues } from '../../api/zod-issues';
import { checkOutboundUrl } from '../../net/guard';
import { postSigned } from '../../activities/webhooks';
import {
  webhookCreatedSchema,
  webhookDeletedSchema,
  webhookDeliveryListSchema,
  webhookEventListSchema,
  webhookListSchema,
  type WebhookDeliveryResource,
  type WebhookResource,
  webhookResourceSchema,
  webhookTestResultSchema,
} from '../../api/resources';
import { POST_EVENTS } from '../../api/post-events';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  answer,
  AUTH_ERRORS,
  failure,
  idempotencyKeyHeader,
  pageSize,
  pathParams,
  queryParam,
} from '../openapi/route-schemas';
import type { Store, WebhookEndpoint } from '../../store/types';
import { scope } from '../auth';
import { createOnce } from '../idempotency';

function webhookResource(e: WebhookEndpoint): WebhookResource {
  return {
    id: e.id,
    url: e.url,
    events: e.events,
    is_active: e.isActive,
    post_id: e.postId,
    created_at: e.createdAt,
  };
}

/** Sends the `webhook.test` ping (signed, no delivery id); resolves with the receiver's status or why it failed. */
async function ping(
  url: string,
  secret: string,
  webhookId: string,
  allowPrivateUrls: boolean,
): Promise<{ ok: boolean; status: number | null; error?: string }> {
  const body = JSON.stringify({
    event: 'webhook.test',
    data: { webhook_id: webhookId, message: 'Postflow test ping' },
  });
  try {
    const status = await postSigned(
      url,
      secret,
      body,
      { 'X-SocialAPI-Event': 'webhook.test' },
      allowPrivateUrls,
    );
    return { ok: status >= 200 && status < 300, status };
  } catch (err) {
    return { ok: false, status: null, error: err instanceof Error ? err.message : String(err) };
  }
}

const params = pathParams('id');
const notFound = failure('No such webhook (resource.not_found)');
const events = {
  summary: 'The events an endpoint can subscribe to',
  response: { 200: answer(webhookEventListSchema, 'Events'), ...AUTH_ERRORS },
};
const create = {
  summary: `Register an endpoint for post events (${POST_EVENTS.join(', ')}); a signed test ping is sent`,
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
export function webhookRoutes(fastify: FastifyInstance, store: Store, allowPrivateUrls: boolean): void {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const manage = scope('webhooks:manage');
  const owned = async (id: string, userId: string) => {
    const endpoint = await store.webhooks.get(id, userId);
    if (!endpoint)
      throw new ApiError(404, 'resource.not_found', `No webhook with id ${id}.`, { resource: 'webhook', id });
    return endpoint;
  };
  const checkUrl = async (url: string) => {
    const refused = await checkOutboundUrl(url, allowPrivateUrls);
    if (refused)
      throw validationError([{ field: 'url', code: 'validation.field_invalid', message: refused }]);
  };

  app.get('/v1/webhooks/events', { ...manage, schema: events }, async () => ({
    data: Object.entries(EVENT_CATALOG).map(([event, description]) => ({ event, description })),
  }));

  app.post('/v1/webhooks', { ...manage, schema: create }, async (request, reply) => {
    const { url, events } = request.body;
    await checkUrl(url);
    let secret = '';
    const endpoint = await createOnce(
      store,
      request,
      reply,
      'webhooks',
      `wh_${ulid()}`,
      (id) => store.webhooks.get(id, request.userId),
      async (id) => {
        secret = randomBytes(32).toString('hex');
        const answer = await ping(url, secret, id, allowPrivateUrls);
        if (!answer.ok) {
          throw new ApiError(
            400,
            'webhook.verification_failed',
            `The test ping to ${url} was not answered with 2xx (${answer.status ?? answer.error}); the endpoint was not saved.`,
            {
              field: 'url',
              status_code: answer.status,
            },
          );
        }
        return store.webhooks.create({
          id,
          userId: request.userId,
          url,
          events: [...new Set(events)],
          secret,
        });
      },
    );
    // The secret is shown once, to the request that created the endpoint.
    return reply.status(201).send({
      ...webhookResource(endpoint),
      ...(secret ? { secret } : {}),
      message: secret
        ? 'Save the secret now: it is not shown again.'
        : 'Existing endpoint (idempotent replay).',
    });
  });

  app.get('/v1/webhooks', { ...manage, schema: list }, async (request) => {
    const data = (await store.webhooks.list(request.userId)).map(webhookResource);
    return { count: data.length, data };
  });

  app.get('/v1/webhooks/:id', { ...manage, schema: get }, async (request) =>
    webhookResource(await owned(request.params.id, request.userId)),
  );

  app.patch('/v1/webhooks/:id', { ...manage, schema: update }, async (request) => {
    await owned(request.params.id, request.userId);
    const parsed = updateWebhookSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { url, events, is_active } = parsed.data;
    if (url) await checkUrl(url);
    const updated = await store.webhooks.update(request.params.id, {
      ...(url ? { url } : {}),
      ...(events ? { events: [...new Set(events)] } : {}),
      ...(is_active !== undefined ? { isActive: is_active } : {}),
    });
    return webhookResource(updated!);
  });

  app.delete('/v1/webhooks/:id', { ...manage, schema: remove }, async (request) => {
    await owned(request.params.id, request.userId);
    await store.webhooks.remove(request.params.id);
    return { success: true, id: request.params.id };
  });

  app.post('/v1/webhooks/:id/test', { ...manage, schema: test }, async (request) => {
    const endpoint = await owned(request.params.id, request.userId);
    await checkUrl(endpoint.url);
    const answer = await ping(
      endpoint.url,
      (await store.webhooks.secret(endpoint.id))!,
      endpoint.id,
      allowPrivateUrls,
    );
    return {
      success: answer.ok,
      status_code: answer.status,
      ...(answer.error ? { error: answer.error } : {}),
    };
  });

  app.get<{ Params: { id: string }; Querystring: { limit?: string } }>(
    '/v1/webhooks/:id/deliveries',
    { ...manage, schema: deliveries },
    async (request) => {
      await owned(request.params.id, request.userId);
      const limit = Math.min(Math.max(Number(request.query.limit ?? 50) || 50, 1), 100);
      const data = (await store.webhooks.deliveries(request.params.id, limit)).map(
        (d): WebhookDeliveryResource => ({
          id: d.id,
          event: d.event,
          status: d.status,
          attempts: d.attempts,
          last_status_code: d.lastStatusCode,
          last_error: d.lastError,
          created_at: d.createdAt,
          updated_at: d.updatedAt,
        }),
      );
      return { data };
    },
  );
}

import type { FastifyInstance } from 'fastify';
import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import { ApiError, validationError } from '../../api/errors';
import { EVENT_CATALOG } from '../../api/post-events';
import { createWebhookSchema, updateWebhookSchema } from '../../api/webhook-schemas';
import { zodIssues } from '../../api/zod-issues';
import { checkOutboundUrl } from '../../net/guard';
import { postSigned } from '../../activities/webhooks';
import type { WebhookDeliveryResource, WebhookResource } from '../../api/resources';
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

/** `/v1/webhooks` (contract §6): endpoints for post events, signed, delivered durably with a log. */
export function webhookRoutes(app: FastifyInstance, store: Store, allowPrivateUrls: boolean): void {
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

  app.get('/v1/webhooks/events', manage, async () => ({
    data: Object.entries(EVENT_CATALOG).map(([event, description]) => ({ event, description })),
  }));

  app.post('/v1/webhooks', manage, async (request, reply) => {
    const parsed = createWebhookSchema.safeParse(request.body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { url, events } = parsed.data;
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

  app.get('/v1/webhooks', manage, async (request) => {
    const data = (await store.webhooks.list(request.userId)).map(webhookResource);
    return { count: data.length, data };
  });

  app.get<{ Params: { id: string } }>('/v1/webhooks/:id', manage, async (request) =>
    webhookResource(await owned(request.params.id, request.userId)),
  );

  app.patch<{ Params: { id: string } }>('/v1/webhooks/:id', manage, async (request) => {
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

  app.delete<{ Params: { id: string } }>('/v1/webhooks/:id', manage, async (request) => {
    await owned(request.params.id, request.userId);
    await store.webhooks.remove(request.params.id);
    return { success: true, id: request.params.id };
  });

  app.post<{ Params: { id: string } }>('/v1/webhooks/:id/test', manage, async (request) => {
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
    manage,
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

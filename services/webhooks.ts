import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import type { z } from 'zod';
import { ApiError, validationError } from '../api/errors';
import { EVENT_CATALOG } from '../api/post-events';
import type {
  webhookCreatedSchema,
  webhookDeletedSchema,
  webhookDeliveryListSchema,
  webhookEventListSchema,
  webhookListSchema,
  WebhookDeliveryResource,
  WebhookResource,
  webhookTestResultSchema,
} from '../api/resources';
import { type createWebhookSchema, updateWebhookSchema } from '../api/webhook-schemas';
import { zodIssues } from '../api/zod-issues';
import type { Store, WebhookEndpoint } from '../store/types';
import { type Created, createOnce, type IdempotencyKeyHeader } from './idempotency';
import { outboundUrlIssue } from './outbound-url';
import { ping } from './webhook-ping';

export interface WebhookServiceDeps {
  store: Store;
  /** Let webhook URLs use http and private addresses (development, tests). */
  allowPrivateUrls: boolean;
}

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

/** Webhook endpoints for post events (contract §6): signed, delivered durably, with a log. */
export class WebhookService {
  constructor(private readonly deps: WebhookServiceDeps) {}

  /** The events an endpoint can subscribe to (the same for every user). */
  events(): z.infer<typeof webhookEventListSchema> {
    return { data: Object.entries(EVENT_CATALOG).map(([event, description]) => ({ event, description })) };
  }

  /**
   * Registers an endpoint once it answers a signed test ping with 2xx. Its secret is shown once,
   * to the request that created it (an idempotent replay has none).
   */
  async create(
    userId: string,
    { url, events }: z.infer<typeof createWebhookSchema>,
    idempotencyKey: IdempotencyKeyHeader,
  ): Promise<Created<z.infer<typeof webhookCreatedSchema>>> {
    const { store, allowPrivateUrls } = this.deps;
    await this.checkUrl(url);
    let secret = '';
    const { resource: endpoint, replayed } = await createOnce(
      store,
      userId,
      'webhooks',
      idempotencyKey,
      `wh_${ulid()}`,
      (id) => store.webhooks.get(id, userId),
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
        return store.webhooks.create({ id, userId, url, events: [...new Set(events)], secret });
      },
    );
    const resource = {
      ...webhookResource(endpoint),
      ...(secret ? { secret } : {}),
      message: secret
        ? 'Save the secret now: it is not shown again.'
        : 'Existing endpoint (idempotent replay).',
    };
    return { resource, replayed };
  }

  async list(userId: string): Promise<z.infer<typeof webhookListSchema>> {
    const data = (await this.deps.store.webhooks.list(userId)).map(webhookResource);
    return { count: data.length, data };
  }

  async get(userId: string, id: string): Promise<WebhookResource> {
    return webhookResource(await this.owned(userId, id));
  }

  /** Changes URL, events or is_active; the body is read once the endpoint is found (else a 404 whatever it is). */
  async update(userId: string, id: string, body: unknown): Promise<WebhookResource> {
    await this.owned(userId, id);
    const parsed = updateWebhookSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { url, events, is_active } = parsed.data;
    if (url) await this.checkUrl(url);
    const updated = await this.deps.store.webhooks.update(id, {
      ...(url ? { url } : {}),
      ...(events ? { events: [...new Set(events)] } : {}),
      ...(is_active !== undefined ? { isActive: is_active } : {}),
    });
    return webhookResource(updated!);
  }

  async remove(userId: string, id: string): Promise<z.infer<typeof webhookDeletedSchema>> {
    await this.owned(userId, id);
    await this.deps.store.webhooks.remove(id);
    return { success: true, id };
  }

  /** Sends a signed test ping now; the answer says what the receiver answered. */
  async test(userId: string, id: string): Promise<z.infer<typeof webhookTestResultSchema>> {
    const endpoint = await this.owned(userId, id);
    await this.checkUrl(endpoint.url);
    const answer = await ping(
      endpoint.url,
      (await this.deps.store.webhooks.secret(endpoint.id))!,
      endpoint.id,
      this.deps.allowPrivateUrls,
    );
    return {
      success: answer.ok,
      status_code: answer.status,
      ...(answer.error ? { error: answer.error } : {}),
    };
  }

  /** The delivery log, newest first; `limit` (the raw query) is brought into 1–100, not refused. */
  async deliveries(
    userId: string,
    id: string,
    limit: string | undefined,
  ): Promise<z.infer<typeof webhookDeliveryListSchema>> {
    await this.owned(userId, id);
    const count = Math.min(Math.max(Number(limit ?? 50) || 50, 1), 100);
    const data = (await this.deps.store.webhooks.deliveries(id, count)).map((d): WebhookDeliveryResource => ({
      id: d.id,
      event: d.event,
      status: d.status,
      attempts: d.attempts,
      last_status_code: d.lastStatusCode,
      last_error: d.lastError,
      created_at: d.createdAt,
      updated_at: d.updatedAt,
    }));
    return { data };
  }

  /** The caller's endpoint; another user's is as absent as a missing one. */
  private async owned(userId: string, id: string): Promise<WebhookEndpoint> {
    const endpoint = await this.deps.store.webhooks.get(id, userId);
    if (!endpoint)
      throw new ApiError(404, 'resource.not_found', `No webhook with id ${id}.`, { resource: 'webhook', id });
    return endpoint;
  }

  /** Refuses URLs into private networks (SSRF) and, unless allowed, plain http. */
  private async checkUrl(url: string): Promise<void> {
    const issue = await outboundUrlIssue(url, 'url', this.deps.allowPrivateUrls);
    if (issue) throw validationError([issue]);
  }
}

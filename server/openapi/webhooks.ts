import { POST_EVENTS } from '../../api/post-events';
import { AUTH_ERRORS, body, error, idempotencyKey, json, type Json, pathId, query, ref } from './shared';

const notFound = error('No such webhook (resource.not_found)');

export const webhookPaths: Record<string, Json> = {
  '/v1/webhooks/events': {
    get: {
      summary: 'The events an endpoint can subscribe to',
      responses: {
        '200': json(ref('WebhookEventList'), 'Events'),
        ...AUTH_ERRORS,
      },
    },
  },
  '/v1/webhooks': {
    post: {
      summary: `Register an endpoint for post events (${POST_EVENTS.join(', ')}); a signed test ping is sent`,
      parameters: [idempotencyKey],
      requestBody: body(ref('CreateWebhook')),
      responses: {
        '201': json(ref('WebhookCreated'), 'Registered: the resource, its secret (shown once) and a message'),
        '400': error('Invalid body or URL (validation.*)'),
        ...AUTH_ERRORS,
      },
    },
    get: {
      summary: 'List endpoints',
      responses: {
        '200': json(ref('WebhookList'), 'Endpoints'),
        ...AUTH_ERRORS,
      },
    },
  },
  '/v1/webhooks/{id}': {
    parameters: [pathId('id')],
    get: {
      summary: 'Get an endpoint',
      responses: { '200': json(ref('Webhook'), 'The endpoint'), ...AUTH_ERRORS, '404': notFound },
    },
    patch: {
      summary: 'Change URL, events or is_active',
      requestBody: body(ref('UpdateWebhook')),
      responses: {
        '200': json(ref('Webhook'), 'Updated'),
        '400': error('Invalid body'),
        ...AUTH_ERRORS,
        '404': notFound,
      },
    },
    delete: {
      summary: 'Delete an endpoint',
      responses: {
        '200': json(ref('WebhookDeleted'), 'Deleted'),
        ...AUTH_ERRORS,
        '404': notFound,
      },
    },
  },
  '/v1/webhooks/{id}/test': {
    parameters: [pathId('id')],
    post: {
      summary: 'Send a signed test ping',
      responses: {
        '200': json(ref('WebhookTestResult'), 'The receiver’s answer'),
        ...AUTH_ERRORS,
        '404': notFound,
      },
    },
  },
  '/v1/webhooks/{id}/deliveries': {
    parameters: [pathId('id')],
    get: {
      summary: 'The delivery log, newest first',
      parameters: [query('limit', 'How many', { type: 'integer', minimum: 1, maximum: 100, default: 50 })],
      responses: {
        '200': json(ref('WebhookDeliveryList'), 'Deliveries'),
        ...AUTH_ERRORS,
        '404': notFound,
      },
    },
  },
};

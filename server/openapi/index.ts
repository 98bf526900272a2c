import {
  accountResourceSchema,
  deletePostResultSchema,
  errorEnvelopeSchema,
  mediaPageSchema,
  mediaResourceSchema,
  postPageSchema,
  postResourceSchema,
  sandboxItemSchema,
  storageUsageSchema,
  uploadUrlSchema,
  validationReportSchema,
  webhookDeliverySchema,
  webhookResourceSchema,
} from '../../api/resources';
import {
  createAccountSchema,
  createPostSchema,
  reconnectAccountSchema,
  updateAccountSchema,
  retrySchema,
  unpublishSchema,
  updatePostSchema,
} from '../../api/schemas';
import { createWebhookSchema, updateWebhookSchema } from '../../api/webhook-schemas';
import { accountPaths } from './accounts';
import { mediaPaths } from './media';
import { postPaths } from './posts';
import { withBodyErrors } from './body-errors';
import { json, type Json, schemaOf } from './shared';
import { webhookPaths } from './webhooks';

/**
 * The OpenAPI 3.1 document of the HTTP API. Bodies and resources come from the same zod schemas
 * that validate requests and type answers, so the document cannot drift from them.
 */
export function openApiDocument(serverUrl: string): Json {
  const input = (schemas: Record<string, Parameters<typeof schemaOf>[0]>) =>
    Object.fromEntries(Object.entries(schemas).map(([name, s]) => [name, schemaOf(s, 'input')]));
  const output = (schemas: Record<string, Parameters<typeof schemaOf>[0]>) =>
    Object.fromEntries(Object.entries(schemas).map(([name, s]) => [name, schemaOf(s, 'output')]));
  return {
    openapi: '3.1.0',
    info: {
      title: 'Postflow API',
      version: '1',
      description: 'Durable social publishing on Temporal; compatible with the SocialAPI posts contract.',
    },
    servers: [{ url: serverUrl }],
    security: [{ bearer: [] }],
    paths: {
      '/healthz': {
        get: {
          security: [],
          responses: {
            '200': json(
              { type: 'object', properties: { status: { type: 'string' } }, required: ['status'] },
              'Alive',
            ),
          },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          security: [],
          responses: { '200': json({ type: 'object' }, 'OpenAPI 3.1') },
        },
      },
      ...withBodyErrors({ ...postPaths, ...mediaPaths, ...accountPaths, ...webhookPaths }),
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: sapi_key_…' } },
      schemas: {
        ...input({
          CreatePost: createPostSchema,
          UpdatePost: updatePostSchema,
          CreateAccount: createAccountSchema,
          UpdateAccount: updateAccountSchema,
          ReconnectAccount: reconnectAccountSchema,
          Unpublish: unpublishSchema,
          Retry: retrySchema,
          CreateWebhook: createWebhookSchema,
          UpdateWebhook: updateWebhookSchema,
        }),
        ...output({
          Post: postResourceSchema,
          PostPage: postPageSchema,
          DeletePostResult: deletePostResultSchema,
          Account: accountResourceSchema,
          Media: mediaResourceSchema,
          MediaPage: mediaPageSchema,
          UploadUrl: uploadUrlSchema,
          StorageUsage: storageUsageSchema,
          Webhook: webhookResourceSchema,
          WebhookDelivery: webhookDeliverySchema,
          ValidationReport: validationReportSchema,
          SandboxPost: sandboxItemSchema,
          Error: errorEnvelopeSchema,
        }),
      },
    },
  };
}

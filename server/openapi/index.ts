import {
  accountListSchema,
  accountResourceSchema,
  deletePostResultSchema,
  errorEnvelopeSchema,
  mediaPageSchema,
  mediaResourceSchema,
  mediaUploadedSchema,
  mediaVerifiedSchema,
  meSchema,
  platformConstraintsListSchema,
  platformConstraintsSchema,
  postPageSchema,
  postResourceSchema,
  retryResultSchema,
  sandboxItemSchema,
  sandboxListSchema,
  storageUsageSchema,
  unpublishResultSchema,
  uploadUrlSchema,
  validationReportSchema,
  webhookCreatedSchema,
  webhookDeletedSchema,
  webhookDeliveryListSchema,
  webhookDeliverySchema,
  webhookEventListSchema,
  webhookListSchema,
  webhookResourceSchema,
  webhookTestResultSchema,
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
              {
                type: 'object',
                properties: { status: { const: 'ok' } },
                required: ['status'],
                additionalProperties: false,
              },
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
        // Every answer's body, closed (no property beyond those named) and with exactly the
        // nullability docs/decisions.md "Field types" lists (test/unit/openapi-field-types.test.ts).
        ...output({
          Post: postResourceSchema,
          PostPage: postPageSchema,
          DeletePostResult: deletePostResultSchema,
          UnpublishResult: unpublishResultSchema,
          RetryResult: retryResultSchema,
          Account: accountResourceSchema,
          AccountList: accountListSchema,
          Me: meSchema,
          Media: mediaResourceSchema,
          MediaPage: mediaPageSchema,
          MediaUploaded: mediaUploadedSchema,
          MediaVerified: mediaVerifiedSchema,
          UploadUrl: uploadUrlSchema,
          StorageUsage: storageUsageSchema,
          Webhook: webhookResourceSchema,
          WebhookCreated: webhookCreatedSchema,
          WebhookList: webhookListSchema,
          WebhookDeleted: webhookDeletedSchema,
          WebhookTestResult: webhookTestResultSchema,
          WebhookEventList: webhookEventListSchema,
          WebhookDelivery: webhookDeliverySchema,
          WebhookDeliveryList: webhookDeliveryListSchema,
          ValidationReport: validationReportSchema,
          PlatformConstraints: platformConstraintsSchema,
          PlatformConstraintsList: platformConstraintsListSchema,
          SandboxPost: sandboxItemSchema,
          SandboxPostList: sandboxListSchema,
          Error: errorEnvelopeSchema,
        }),
      },
    },
  };
}

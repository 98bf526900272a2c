import { z } from 'zod';
import { accountPageListSchema, accountPageSchema } from '../../api/account-pages';
import { connectedAccountSchema, connectStartedSchema } from '../../api/oauth-schemas';
import { boardListSchema, boardSchema, creatorInfoSchema, limitsSchema } from '../../api/account-helpers';
import {
  accountListSchema,
  accountResourceSchema,
  brandListSchema,
  brandResourceSchema,
  deletePostResultSchema,
  errorEnvelopeSchema,
  importReportSchema,
  keyCreatedSchema,
  keyListSchema,
  keyResourceSchema,
  mediaPageSchema,
  mediaResourceSchema,
  mediaUploadedSchema,
  mediaVerifiedSchema,
  meSchema,
  platformConstraintsListSchema,
  platformConstraintsSchema,
  postPageSchema,
  postMetricsResourceSchema,
  postResourceSchema,
  retryResultSchema,
  sandboxItemSchema,
  sandboxListSchema,
  storageUsageSchema,
  unpublishResultSchema,
  uploadUrlSchema,
  usageSchema,
  userResourceSchema,
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
  createRecurringSchema,
  occurrenceListSchema,
  recurringListSchema,
  recurringResourceSchema,
  updateRecurringSchema,
} from '../../api/recurring';
import {
  createAccountSchema,
  createBrandSchema,
  createPostSchema,
  reconnectAccountSchema,
  retrySchema,
  unpublishSchema,
  updateAccountSchema,
  updateBrandSchema,
  updatePostSchema,
} from '../../api/schemas';
import {
  createQueueSchema,
  queueListSchema,
  queueResourceSchema,
  queueWithSlotsSchema,
  updateQueueSchema,
} from '../../api/queue-schemas';
import { createKeySchema, updateUserSchema } from '../../api/user-schemas';
import { createWebhookSchema, updateWebhookSchema } from '../../api/webhook-schemas';

export type Json = Record<string, unknown>;

/** Request bodies with a name in `components.schemas`: routes that take one refer to it. */
const INPUTS: Record<string, z.ZodType> = {
  CreatePost: createPostSchema,
  UpdatePost: updatePostSchema,
  CreateAccount: createAccountSchema,
  UpdateAccount: updateAccountSchema,
  ReconnectAccount: reconnectAccountSchema,
  CreateBrand: createBrandSchema,
  UpdateBrand: updateBrandSchema,
  CreateQueue: createQueueSchema,
  UpdateQueue: updateQueueSchema,
  Unpublish: unpublishSchema,
  Retry: retrySchema,
  CreateWebhook: createWebhookSchema,
  UpdateWebhook: updateWebhookSchema,
  CreateKey: createKeySchema,
  UpdateUser: updateUserSchema,
  CreateRecurringPost: createRecurringSchema,
  UpdateRecurringPost: updateRecurringSchema,
};

/**
 * Every answer's body, closed (no property beyond those named) and with exactly the nullability
 * docs/decisions.md "Field types" lists (test/unit/openapi-field-types.test.ts).
 */
const OUTPUTS: Record<string, z.ZodType> = {
  Post: postResourceSchema,
  PostMetrics: postMetricsResourceSchema,
  PostPage: postPageSchema,
  DeletePostResult: deletePostResultSchema,
  UnpublishResult: unpublishResultSchema,
  RetryResult: retryResultSchema,
  Account: accountResourceSchema,
  AccountList: accountListSchema,
  ConnectedAccount: connectedAccountSchema,
  ConnectStarted: connectStartedSchema,
  AccountPage: accountPageSchema,
  AccountPageList: accountPageListSchema,
  Board: boardSchema,
  BoardList: boardListSchema,
  CreatorInfo: creatorInfoSchema,
  AccountLimits: limitsSchema,
  Brand: brandResourceSchema,
  BrandList: brandListSchema,
  Queue: queueResourceSchema,
  QueueWithSlots: queueWithSlotsSchema,
  QueueList: queueListSchema,
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
  ImportReport: importReportSchema,
  RecurringPost: recurringResourceSchema,
  RecurringPostList: recurringListSchema,
  OccurrenceList: occurrenceListSchema,
  PlatformConstraints: platformConstraintsSchema,
  PlatformConstraintsList: platformConstraintsListSchema,
  SandboxPost: sandboxItemSchema,
  SandboxPostList: sandboxListSchema,
  Key: keyResourceSchema,
  KeyList: keyListSchema,
  KeyCreated: keyCreatedSchema,
  User: userResourceSchema,
  Usage: usageSchema,
  Error: errorEnvelopeSchema,
};

/** A zod schema as an OpenAPI 3.1 (JSON Schema 2020-12) schema object: what it takes or gives. */
function schemaOf(schema: z.ZodType, io: 'input' | 'output'): Json {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Json;
  return rest;
}

const named = (schemas: Record<string, z.ZodType>) =>
  new Map(Object.entries(schemas).map(([name, schema]) => [schema, name]));
const inputNames = named(INPUTS);
const outputNames = named(OUTPUTS);

/**
 * A route's zod schema in the document: a `$ref` when it is a named component, else inline.
 * Requests are documented as what they take (`input`: unknown fields are ignored), answers as
 * what they give (`output`: closed).
 */
export function documented(schema: z.ZodType, io: 'input' | 'output'): Json {
  const name = (io === 'input' ? inputNames : outputNames).get(schema);
  return name ? { $ref: `#/components/schemas/${name}` } : schemaOf(schema, io);
}

/** `components.schemas`: the named request bodies and answers. */
export function componentSchemas(): Record<string, Json> {
  const render = (schemas: Record<string, z.ZodType>, io: 'input' | 'output') =>
    Object.fromEntries(Object.entries(schemas).map(([name, s]) => [name, schemaOf(s, io)]));
  return { ...render(INPUTS, 'input'), ...render(OUTPUTS, 'output') };
}

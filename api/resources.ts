import { z } from 'zod';
import type { PostResource } from './types';
import { POST_STATUSES } from './types';

/**
 * Response schemas of the API, for `/openapi.json`. The compile-time checks at the bottom keep
 * them equal to the TypeScript types the code returns.
 */

const options = z.record(z.string(), z.unknown());
const targetStatus = z.enum(['pending', 'publishing', 'published', 'failed']);

export const deliveryErrorSchema = z.object({
  category: z.enum(['validation', 'auth', 'rate_limit', 'platform', 'system']),
  caused_by: z.enum(['user', 'platform', 'internal']),
  code: z.string(),
  message: z.string(),
});

export const postResourceSchema = z.object({
  id: z.string(),
  user_id: z.string(),
  account_ids: z.array(z.string()),
  text: z.string(),
  title: z.string().nullable(),
  media_ids: z.array(z.string()),
  media: z.array(z.object({ source_type: z.enum(['media_id', 'url']), source: z.string() })),
  platform_options: options,
  scheduled_at: z.string().nullable(),
  status: z.enum(POST_STATUSES as [string, ...string[]]),
  retry_count: z.number().int(),
  error_message: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  results: z.array(
    z.object({
      account_id: z.string(),
      platform: z.string(),
      status: targetStatus,
      platform_post_id: z.string(),
      permalink: z.string(),
      error: z.string(),
    }),
  ),
  targets: z.array(
    z.object({
      account_id: z.string(),
      platform: z.string(),
      status: targetStatus,
      platform_post_id: z.string().nullable(),
      permalink: z.string().nullable(),
      published_at: z.string().nullable(),
      attempts: z.number().int(),
      error: deliveryErrorSchema.nullable(),
    }),
  ),
});

export const errorEnvelopeSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), meta: options.optional() }),
  request_id: z.string(),
});

export const accountResourceSchema = z.object({
  id: z.string(),
  platform: z.string(),
  name: z.string(),
  username: z.string().nullable(),
  status: z.enum(['active', 'reconnect_required']),
  reconnect_reason: z.string().nullable(),
  created_at: z.string(),
});

const issue = z.object({
  platform: z.string().nullable(),
  field: z.string(),
  message: z.string(),
  code: z.string(),
});
export const validationReportSchema = z.object({
  valid: z.boolean(),
  errors: z.array(issue),
  warnings: z.array(issue),
});

export const sandboxItemSchema = z.object({
  platform_post_id: z.string(),
  account_id: z.string(),
  post_id: z.string(),
  text: z.string(),
  title: z.string().nullable(),
  media: z.array(
    z.object({
      source_type: z.string(),
      source: z.string(),
      content_type: z.string(),
      size_bytes: z.number(),
    }),
  ),
  platform_options: options,
  published_at: z.string(),
});

// Compile-time: the schema and the type describe the same object, both ways.
type SchemaPost = z.infer<typeof postResourceSchema>;
export const postSchemaMatchesType: [PostResource] extends [SchemaPost] ? true : never = true;

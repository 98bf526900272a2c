import { z } from 'zod';
import type { ImportReport } from './post-import';
import type { PostResource, PostStatus } from './types';
import { POST_STATUSES } from './types';

/**
 * Response schemas of the API, for `/openapi.json`. The compile-time checks at the bottom keep
 * them equal to the TypeScript types the code returns.
 */

const options = z.record(z.string(), z.unknown());
const targetStatus = z.enum(['pending', 'publishing', 'published', 'failed']);

export const deliveryErrorSchema = z.object({
  category: z.enum(['validation', 'auth', 'rate_limit', 'platform', 'system']),
  caused_by: z.enum(['user', 'platform', 'system']),
  code: z.string(),
  message: z.string(),
});

export const deliveryWarningSchema = z.object({ code: z.string(), message: z.string() });

/** `targets[].metadata`: free-form platform facts; `warnings` is Postflow's one reserved key. */
export const targetMetadataSchema = z
  .object({
    warnings: z
      .array(deliveryWarningSchema)
      .optional()
      .describe(
        'What did not work after the post went live (a thread reply refused, the permalink unreadable). The target stays published: publishing again would duplicate the post.',
      ),
  })
  .catchall(z.unknown())
  .describe(
    'What the platform told about the post, e.g. X `thread_post_ids` (root first) and `thread_failed_at_index`. `{}` when there is nothing.',
  );

/** The contract's target `metrics`: the platform's counts; `extra` holds what else it reports (views). */
export const postMetricsSchema = z.object({
  likes: z.number().int(),
  comments: z.number().int(),
  shares: z.number().int(),
  saves: z.number().int(),
  extra: z
    .record(z.string(), z.number())
    .describe('Other counts the platform reports, e.g. views, impressions'),
});

/** A target's metrics fields, on the Post resource and in `GET /v1/posts/{id}/metrics`. */
const targetMetricsShape = {
  metrics: postMetricsSchema
    .nullable()
    .describe(
      'The latest collected metrics; null until the first pass, and always where metrics_supported is false',
    ),
  metrics_synced_at: z.string().nullable().describe('When the latest metrics were read from the platform'),
  metrics_supported: z
    .boolean()
    .describe(
      "Postflow extension: false where Postflow does not read the platform's metrics (null is not zero)",
    ),
};

/** `GET /v1/posts/{id}/metrics` (contract §2): each target's latest collected metrics. */
export const postMetricsResourceSchema = z.object({
  post_id: z.string(),
  targets: z.array(
    z.object({
      account_id: z.string(),
      platform: z.string(),
      status: targetStatus,
      platform_post_id: z.string().nullable(),
      ...targetMetricsShape,
    }),
  ),
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
      scheduled_at: z
        .string()
        .nullable()
        .describe("When this target goes out: its own `scheduled_at`, else the post's (null: at once)."),
      published_at: z.string().nullable(),
      attempts: z.number().int(),
      error: deliveryErrorSchema.nullable(),
      metadata: targetMetadataSchema,
      ...targetMetricsShape,
    }),
  ),
  approval: z
    .object({
      required: z.literal(true),
      status: z.enum(['pending', 'approved', 'rejected', 'expired']),
      requested_at: z.string(),
      expires_at: z
        .string()
        .nullable()
        .describe('The last instant an approval still publishes the post (null while it is a draft)'),
      other_key_required: z
        .boolean()
        .describe('Only another API key than the one that created the post may approve or reject it'),
      approved_at: z.string().nullable(),
      approved_by: z.string().nullable().describe('The id of the API key that approved it'),
      rejected_at: z.string().nullable(),
      rejected_by: z.string().nullable(),
      rejected_reason: z.string().nullable(),
    })
    .nullable()
    .describe('Postflow extension: the approval the post needs before it goes out; null when none'),
  recycle: z
    .object({
      after_days: z.number().int().describe('Days after the post publishes that its next round takes a slot'),
      rounds_left: z.number().int().describe('Rounds still to come after this post'),
      round: z.number().int().describe('This post is round n of its evergreen post (0: the original)'),
      origin_id: z.string().describe('The post the rounds came from'),
    })
    .nullable()
    .describe('Postflow extension: the evergreen rounds still to come; null when none'),
});

export const errorEnvelopeSchema = z.object({
  error: z.object({ code: z.string(), message: z.string(), meta: options.optional() }),
  /** The seed-era flat code (e.g. `account_not_found`), or the current code where none existed. */
  code: z.string(),
  message: z.string(),
  request_id: z.string(),
});

export const accountResourceSchema = z.object({
  id: z.string(),
  platform: z.string(),
  name: z.string(),
  username: z.string().nullable(),
  status: z.enum(['active', 'reconnect_required']),
  reconnect_reason: z.string().nullable(),
  brand_id: z.string().nullable().describe('The brand the account is grouped in; null when none'),
  profile_picture_url: z
    .string()
    .nullable()
    .describe(
      'The profile picture connect read from the platform; null when not read (tokens registered with POST /v1/accounts) or the platform has none',
    ),
  bio: z
    .string()
    .nullable()
    .describe("The profile's bio where connect reads one (Instagram); null otherwise"),
  login_id: z
    .string()
    .nullable()
    .describe(
      'The platform user whose grant the account posts with (for a page: the person who connected it); null when not connected through connect',
    ),
  page_name: z
    .string()
    .nullable()
    .describe(
      'For an account of a multi-page grant: the page it posts to (GET /v1/accounts/{id}/pages); null otherwise',
    ),
  created_at: z.string(),
});

/** A group of the user's accounts (contract §4, "Brands group accounts"). */
export const brandResourceSchema = z.object({
  id: z.string(),
  name: z.string(),
  requires_approval: z.boolean().describe("Posts to the brand's accounts need approval by default"),
  approval_by_other_key: z
    .boolean()
    .describe("Posts to the brand's accounts always need approval, by another key than their author's"),
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

const importProblem = z.object({
  row: z.number().int().describe('The data row, counting from 1 (a CSV header is not a row)'),
  field: z.string().describe('The field of the post body, as POST /v1/posts names it'),
  code: z.string(),
  message: z.string(),
});

/** `POST /v1/posts/import` and `GET /v1/posts/imports/{id}`: an import's progress and each row's outcome. */
export const importReportSchema = z.object({
  id: z.string().nullable().describe('The import (imp_…); null for a dry run, which stores nothing'),
  status: z.enum(['running', 'done']).describe("done once every valid row's post is started"),
  dry_run: z.boolean(),
  created_at: z.string(),
  counts: z.object({
    total: z.number().int(),
    valid: z.number().int().describe('Rows that passed every check'),
    pending: z.number().int().describe('Valid rows whose post is not started yet'),
    created: z.number().int(),
    duplicate: z.number().int().describe('Rows whose post existed already (the same row imported before)'),
    failed: z.number().int(),
  }),
  rows: z.array(
    z.object({
      row: z.number().int(),
      status: z.enum(['valid', 'pending', 'created', 'duplicate', 'failed']),
      post_id: z
        .string()
        .nullable()
        .describe("The row's post (in a dry run, the id it would get); null when failed"),
      errors: z.array(importProblem),
    }),
  ),
  errors: z.array(importProblem).describe('Every problem of every row, in row order'),
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

const pagination = z.object({ has_more: z.boolean(), limit: z.number().int(), next_cursor: z.string() });

export const postPageSchema = z.object({ data: z.array(postResourceSchema), pagination });

export const deletePostResultSchema = z.object({
  success: z.boolean(),
  deleted: z.boolean(),
  id: z.string(),
  status: z.string(),
  results: z.array(
    z.object({
      platform: z.string(),
      account_id: z.string(),
      outcome: z.enum(['deleted', 'not_supported', 'failed']),
      message: z.string().optional(),
    }),
  ),
  post: postResourceSchema.nullable(),
});

export const mediaResourceSchema = z.object({
  id: z.string(),
  filename: z.string(),
  content_type: z.string(),
  size_bytes: z.number().int().nullable(),
  duration_sec: z
    .number()
    .nullable()
    .describe(
      "A video's length in seconds, read from its file (MP4/MOV) when the bytes arrived; null for images, other formats, and until ready",
    ),
  status: z.enum(['pending', 'ready', 'failed']),
  /** A signed download URL, valid one hour; null until the file is ready. */
  url: z.string().nullable(),
  created_at: z.string(),
});

export const mediaPageSchema = z.object({ data: z.array(mediaResourceSchema), pagination });

export const uploadUrlSchema = z.object({
  media_id: z.string(),
  upload_url: z.string(),
  expires_at: z.string(),
  parts: z
    .array(
      z.object({
        part_number: z.number().int(),
        first_byte: z.number().int(),
        last_byte: z.number().int(),
        url: z.string().describe('Presigned: PUT these bytes here (valid as long as upload_url)'),
      }),
    )
    .optional()
    .describe(
      "Only with size_bytes. On a bucket: the multipart upload's parts, each PUT to its own URL, then verify; empty: PUT to upload_url (whole or by Content-Range)",
    ),
});

export const storageUsageSchema = z.object({
  used_bytes: z.number().int(),
  limit_bytes: z.number().int(),
  count: z.number().int(),
});

export const webhookResourceSchema = z.object({
  id: z.string(),
  url: z.string(),
  events: z.array(z.string()),
  is_active: z.boolean(),
  /** Set for a post's `callback_url`: the endpoint receives only that post's final events. */
  post_id: z.string().nullable(),
  created_at: z.string(),
});

export const webhookDeliverySchema = z.object({
  id: z.string(),
  event: z.string(),
  status: z.enum(['pending', 'succeeded', 'failed']),
  attempts: z.number().int(),
  last_status_code: z.number().int().nullable(),
  last_error: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});

// The other answers, so that every JSON answer of the API has an exact schema in /openapi.json
// (test/integration/field-types.test.ts checks real answers against them).

export const accountListSchema = z.object({ count: z.number().int(), data: z.array(accountResourceSchema) });
export const brandListSchema = z.object({ count: z.number().int(), data: z.array(brandResourceSchema) });

export const webhookCreatedSchema = webhookResourceSchema.extend({
  secret: z.string().optional().describe('Shown once; absent on an idempotent replay'),
  message: z.string(),
});
export const webhookListSchema = z.object({ count: z.number().int(), data: z.array(webhookResourceSchema) });
export const webhookEventListSchema = z.object({
  data: z.array(z.object({ event: z.string(), description: z.string() })),
});
export const webhookTestResultSchema = z.object({
  success: z.boolean(),
  /** The receiver's HTTP status; null when it could not be reached (then `error` says why). */
  status_code: z.number().int().nullable(),
  error: z.string().optional(),
});
export const webhookDeletedSchema = z.object({ success: z.boolean(), id: z.string() });
export const webhookDeliveryListSchema = z.object({ data: z.array(webhookDeliverySchema) });

export const unpublishResultSchema = z.object({
  success: z.boolean(),
  results: deletePostResultSchema.shape.results,
});
export const retryResultSchema = z.object({ success: z.boolean(), post: postResourceSchema });

export const mediaUploadedSchema = mediaResourceSchema.extend({ media_id: z.string() });
export const mediaVerifiedSchema = z.object({ success: z.boolean(), media: mediaResourceSchema });

export const sandboxListSchema = z.object({ data: z.array(sandboxItemSchema) });

export const meSchema = z.object({
  service: z.literal('postflow'),
  user_id: z.string(),
  key_id: z.string(),
  scopes: z.array(z.string()),
});

/** An API key as listed: never the key itself. */
export const keyResourceSchema = z.object({
  id: z.string(),
  name: z.string(),
  scopes: z.array(z.string()),
  created_at: z.string(),
  revoked_at: z.string().nullable(),
});
export const keyListSchema = z.object({ count: z.number().int(), data: z.array(keyResourceSchema) });
export const keyCreatedSchema = keyResourceSchema.extend({
  raw_key: z.string().describe('The key itself: shown once, in this answer only. Only its SHA-256 is kept.'),
});

export const userResourceSchema = z.object({
  id: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  created_at: z.string(),
});

export const usageSchema = z.object({
  period: z
    .object({ start: z.string(), end: z.string() })
    .describe('The calendar month (UTC) the post counts cover: start inclusive, end exclusive'),
  posts: z.object({
    created: z.number().int().describe('Posts created in the period (by when their run started)'),
    by_status: z
      .object(
        Object.fromEntries(POST_STATUSES.map((s) => [s, z.number().int()])) as Record<
          PostStatus,
          z.ZodNumber
        >,
      )
      .describe('Those posts by their status now'),
  }),
  storage: z.object({
    used_bytes: z.number().int(),
    limit_bytes: z.number().int().describe('POSTFLOW_STORAGE_LIMIT_BYTES; -1: unlimited'),
    media_count: z.number().int(),
  }),
  accounts: z.object({ count: z.number().int() }),
  webhooks: z.object({ count: z.number().int() }),
});

const itemRange = { min_items: z.number().int(), max_items: z.number().int() };
/** `GET /v1/posts/validate`: one platform's constraints (contract §2.10, with Postflow's own keys). */
const fileLimitsSchema = z.object({
  min_bytes: z.number().int().optional(),
  max_bytes: z.number().int().optional(),
  min_duration_sec: z.number().optional(),
  max_duration_sec: z.number().optional(),
  types: z.array(z.string()).optional().describe('Content types the platform takes for this kind'),
});
export const platformConstraintsSchema = z.object({
  text: z.object({
    max_length: z.number().int(),
    counting_mode: z
      .enum(['chars', 'utf16', 'bytes', 'graphemes', 'weighted'])
      .describe(
        'The contract has chars, utf16 and bytes; graphemes (Bluesky) and weighted (X) are Postflow’s',
      ),
  }),
  title: z.object({ max_length: z.number().int(), required: z.boolean() }).optional(),
  media: z.object({
    ...itemRange,
    kinds: z.array(z.enum(['image', 'video'])).optional(),
    limits: z
      .object({ image: fileLimitsSchema.optional(), video: fileLimitsSchema.optional() })
      .optional()
      .describe('The platform’s documented limits per kind of file, checked at creation for library media'),
  }),
  carousel: z.object({ supported: z.boolean(), ...itemRange }),
  scheduling: z.object({ supported: z.boolean(), mode: z.enum(['native', 'server_side']) }),
  required_options: z.array(z.object({ key: z.string(), values: z.array(z.string()).optional() })),
  option_keys: z
    .array(z.string())
    .describe('Every platform_data key this platform takes (Postflow’s own); any other is refused'),
});
export const platformConstraintsListSchema = z.object({
  data: z.record(z.string(), platformConstraintsSchema),
});

// What the serializers return is typed by these (`: AccountResource`…), so the compiler holds them
// to the schemas /openapi.json is made from.
export type AccountResource = z.infer<typeof accountResourceSchema>;
export type BrandResource = z.infer<typeof brandResourceSchema>;
export type MediaResource = z.infer<typeof mediaResourceSchema>;
export type WebhookResource = z.infer<typeof webhookResourceSchema>;
export type WebhookDeliveryResource = z.infer<typeof webhookDeliverySchema>;
export type SandboxItemResource = z.infer<typeof sandboxItemSchema>;
export type PlatformConstraints = z.infer<typeof platformConstraintsSchema>;
export type KeyResource = z.infer<typeof keyResourceSchema>;
export type UserResource = z.infer<typeof userResourceSchema>;
export type UsageResource = z.infer<typeof usageSchema>;

// Compile-time: the types the code returns fit the schemas.
export const importSchemaMatchesType: [ImportReport] extends [z.infer<typeof importReportSchema>]
  ? true
  : never = true;
type SchemaPost = z.infer<typeof postResourceSchema>;
export const postSchemaMatchesType: [PostResource] extends [SchemaPost] ? true : never = true;

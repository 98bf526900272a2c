import { z } from 'zod';

/**
 * Request schemas of the posts contract. Unknown fields are ignored (as the hosted API does);
 * every known field is checked, and every problem is reported at once.
 */

const INSTANT = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?([Zz]|[+-]\d{2}:\d{2})$/;
const NAIVE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?$/;

/** An RFC 3339 instant. A wall-clock time without offset is refused, never guessed. */
export const instantSchema = z.string().superRefine((value, ctx) => {
  if (NAIVE.test(value)) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" has no UTC offset, so the instant is ambiguous; add Z or an offset, e.g. 2026-04-01T10:00:00Z or 2026-04-01T12:00:00+02:00.`,
    });
  } else if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) {
    ctx.addIssue({
      code: 'custom',
      message: `"${value}" is not an RFC 3339 instant such as 2026-04-01T10:00:00Z.`,
    });
  }
});

/** No platform's options nest deeper than a few levels; deeper is a hostile or broken body. */
const OPTIONS_MAX_DEPTH = 16;

/**
 * Platform options: any JSON object nested at most OPTIONS_MAX_DEPTH deep, in which no key may
 * name a member of Object.prototype (`toString`, `valueOf`, `constructor`, `__proto__`…). Such
 * keys mean nothing to any platform, and an own `toString` makes a value impossible to turn into
 * text.
 */
const options = z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
  // A loop over a stack, not recursion, and paths as parent links: bodies may nest thousands deep.
  type Step = { key: PropertyKey; up?: Step };
  const pathOf = (step: Step): PropertyKey[] => {
    const path: PropertyKey[] = [];
    for (let s: Step | undefined = step; s; s = s.up) path.unshift(s.key);
    return path;
  };
  const pending: Array<{ node: unknown; at?: Step; depth: number }> = [{ node: value, depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { node, at, depth } = next;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > OPTIONS_MAX_DEPTH) {
      ctx.addIssue({
        code: 'custom',
        path: at ? pathOf(at) : [],
        message: `nests deeper than ${OPTIONS_MAX_DEPTH} levels.`,
      });
      continue;
    }
    const list = Array.isArray(node);
    for (const [key, child] of Object.entries(node)) {
      const step = { key: list ? Number(key) : key, up: at };
      if (!list && Object.prototype.hasOwnProperty.call(Object.prototype, key)) {
        ctx.addIssue({ code: 'custom', path: pathOf(step), message: `the key "${key}" is not allowed.` });
      } else pending.push({ node: child, at: step, depth: depth + 1 });
    }
  }
});
/** The platform options schema, as every post body's `platform_options`/`platform_data` uses it. */
export const platformOptionsSchema = options;
const idList = z.array(z.string().min(1, 'must not be empty')).max(100, 'at most 100 entries.');
const visibility = z.enum(['public', 'private', 'connections_only', 'logged_in']);

const mediaInput = z.object({
  source_type: z.enum(['media_id', 'url', 'platform_attachment_id']),
  source: z.string().min(1),
});

/** The longest approval window a post may ask for: 30 days. */
export const APPROVAL_WINDOW_MAX_MINUTES = 30 * 24 * 60;
/** A recycled post comes back at most a year after it published. */
export const RECYCLE_AFTER_DAYS_MAX = 365;
/** Rounds of one evergreen post (Ayrshare's auto-repost allows 10 too). */
export const RECYCLE_TIMES_MAX = 10;
/** The longest rejection reason kept. */
export const REJECT_REASON_MAX = 1000;

/** Postflow's bound on a thread's replies (X documents none; the others are in the same range). */
export const SEGMENTS_MAX = 25;
const NO_SEGMENT_MEDIA = {
  error: 'media in a thread reply is not supported yet; attach media to the post itself, or remove it.',
};

/**
 * The contract's `SegmentRequest`: one reply of a thread, after the post's text. Its media the
 * hosted API ignores; Postflow refuses it rather than drop it, and any other key too.
 */
const segment = z
  .object({
    text: z.string().trim().min(1, 'must not be empty.'),
    media: z.never(NO_SEGMENT_MEDIA).optional(),
    media_ids: z.never(NO_SEGMENT_MEDIA).optional(),
  })
  .strict();
const segments = z.array(segment).max(SEGMENTS_MAX, `at most ${SEGMENTS_MAX} replies in a thread.`);

const target = z.object({
  account_id: z.string().min(1, 'must not be empty'),
  text: z.string().optional(),
  title: z.string().optional(),
  first_comment: z.string().optional(),
  visibility: visibility.optional(),
  media_ids: idList.optional(),
  media: z.array(mediaInput).optional(),
  scheduled_at: instantSchema.optional(),
  platform_data: options.optional(),
  page_id: z.string().optional(),
  board_id: z.string().optional(),
});

/** `POST /v1/posts`: the seed dialect and the current one in one schema. */
export const createPostSchema = z.object({
  text: z.string().min(1, 'must not be empty.'),
  title: z.string().optional(),
  first_comment: z.string().optional(),
  visibility: visibility.optional(),
  // seed dialect
  account_ids: idList.optional(),
  platform_options: options.optional(),
  // current dialect
  targets: z.array(target).max(100, 'at most 100 targets.').optional(),
  platform_data: options.optional(),
  /** The thread's replies, after `text`, on the targets whose platforms have threads. */
  segments: segments.optional(),
  publish_now: z.boolean().optional(),
  media: z.array(mediaInput).max(35).optional(),
  // both
  media_ids: idList.optional(),
  scheduled_at: instantSchema.optional(),
  /**
   * Postflow extension: a URL that receives this post's final event (published, partial, failed
   * or deleted), signed like a webhook — e.g. an n8n execution's resume URL.
   */
  callback_url: z.url({ error: 'must be an absolute URL.' }).max(2048).optional(),
  /**
   * Postflow extension: a person must approve the post (`POST /v1/posts/{id}/approve`) before it
   * goes out. Omitted: as the brands of its accounts say.
   */
  requires_approval: z.boolean().optional(),
  /**
   * Postflow extension: take the next free slot of the target accounts' queue instead of a
   * `scheduled_at` ("next": the first upcoming slot, moving the queued posts down one each).
   */
  queue: z
    .union([z.boolean(), z.literal('next')], { error: 'must be true, false or "next".' })
    .optional()
    .describe('true: the next free slot of the accounts\' queue; "next": the head of the queue'),
  /** The same as `queue: true` (Buffer's and Ayrshare's name). */
  add_to_queue: z.boolean().optional().describe('The same as queue: true'),
  /**
   * Postflow extension (evergreen posts): once published, the post goes back into its accounts'
   * queue `after_days` later, `times` times, each round with the next of `variations` as its text.
   */
  recycle: z
    .strictObject({
      after_days: z
        .number()
        .int('must be a whole number of days.')
        .min(1, 'at least 1 day.')
        .max(RECYCLE_AFTER_DAYS_MAX, `at most ${RECYCLE_AFTER_DAYS_MAX} days.`),
      times: z
        .number()
        .int('must be a whole number.')
        .min(1, 'at least 1.')
        .max(RECYCLE_TIMES_MAX, `at most ${RECYCLE_TIMES_MAX} rounds.`),
      variations: z
        .array(z.string().trim().min(1, 'must not be empty.'))
        .max(RECYCLE_TIMES_MAX, `at most ${RECYCLE_TIMES_MAX} variations.`)
        .optional(),
    })
    .optional()
    .describe('Re-queue the post after_days after it published, times times (variations: a text per round)'),
  /** Minutes after the post's instant an approval still publishes it. @default 1440 (24 h) */
  approval_window_minutes: z
    .number()
    .int('must be a whole number of minutes.')
    .min(1, 'at least 1 minute.')
    .max(APPROVAL_WINDOW_MAX_MINUTES, `at most ${APPROVAL_WINDOW_MAX_MINUTES} minutes (30 days).`)
    .optional(),
});

/** `POST /v1/posts/{id}/reject`: why; the reason is kept in the post's resource. */
export const rejectSchema = z
  .object({
    reason: z
      .string()
      .trim()
      .min(1, 'must not be empty: say why the post is rejected.')
      .max(REJECT_REASON_MAX, `at most ${REJECT_REASON_MAX} characters.`),
  })
  .strict();

export type CreatePostBody = z.infer<typeof createPostSchema>;
export type TargetBody = z.infer<typeof target>;

/** `PATCH /v1/posts/{id}`: reschedule and/or edit the content of a draft or scheduled post. */
export const updatePostSchema = z.object({
  text: z.string().min(1, 'must not be empty.').optional(),
  title: z.string().optional(),
  first_comment: z.string().optional(),
  visibility: visibility.optional(),
  media_ids: idList.optional(),
  media: z.array(mediaInput).max(35).optional(),
  platform_options: options.optional(),
  platform_data: options.optional(),
  /** The thread's replies; `[]` makes the post a single post again. */
  segments: segments.optional(),
  scheduled_at: instantSchema.optional(),
  account_ids: z
    .never({ error: 'cannot change on an existing post; cancel it and create a new one.' })
    .optional(),
  // Whether a post needs approval is fixed when it is created (its brand's rule may demand it).
  requires_approval: z
    .never({ error: 'is set when the post is created; cancel it and create a new one to change it.' })
    .optional(),
  approval_window_minutes: z
    .never({ error: 'is set when the post is created; cancel it and create a new one to change it.' })
    .optional(),
  recycle: z
    .never({ error: 'is set when the post is created; cancel it and create a new one to change it.' })
    .optional(),
  // A slot is taken when the post is created; a post already made keeps its instant or gets a new one.
  queue: z
    .never({ error: 'is taken when the post is created; send scheduled_at to move this post instead.' })
    .optional(),
  add_to_queue: z
    .never({ error: 'is taken when the post is created; send scheduled_at to move this post instead.' })
    .optional(),
  /** Only a target's own schedule can change: `[{ account_id, scheduled_at }]`. */
  targets: z
    .array(
      z.strictObject(
        { account_id: z.string().min(1), scheduled_at: instantSchema },
        {
          error: (issue) =>
            issue.code === 'unrecognized_keys'
              ? "only a target's scheduled_at can change on an existing post; cancel it and create a new one to change more."
              : undefined,
        },
      ),
    )
    .max(100)
    .optional(),
});

export type UpdatePostBody = z.infer<typeof updatePostSchema>;

/** A brand id in an account body; null (on a change) takes the account out of its brand. */
const brandId = z.string().min(1, 'must not be empty; send null for no brand.').max(64);

/** `POST /v1/accounts`. */
export const createAccountSchema = z.object({
  platform: z.string().min(1),
  name: z.string().min(1).max(200),
  username: z.string().max(200).optional(),
  credentials: z.record(z.string(), z.string()).optional(),
  brand_id: brandId.nullable().optional().describe('One of your brands (GET /v1/brands)'),
});

export type CreateAccountBody = z.infer<typeof createAccountSchema>;

/** `PATCH /v1/accounts/{id}`: rename, or reconnect with fresh credentials. */
export const updateAccountSchema = z
  .object({
    name: z.string().min(1).max(200).optional(),
    username: z.string().max(200).nullable().optional(),
    credentials: z.record(z.string(), z.string()).optional(),
    brand_id: brandId
      .nullable()
      .optional()
      .describe('One of your brands; null takes the account out of its brand'),
  })
  .strict();

const brandName = z.string().trim().min(1, 'must not be empty.').max(200, 'at most 200 characters.');

/** A brand's approval settings (docs/api.md "Approval before publishing"). */
const brandSettings = {
  requires_approval: z
    .boolean()
    .optional()
    .describe("Posts to the brand's accounts need approval unless the post sets requires_approval"),
  approval_by_other_key: z
    .boolean()
    .optional()
    .describe(
      "Posts to the brand's accounts always need approval, by another API key than the one that created them",
    ),
};

/** `POST /v1/brands`. Unknown fields are refused: nothing else about a brand is stored. */
export const createBrandSchema = z.object({ name: brandName, ...brandSettings }).strict();

export type CreateBrandBody = z.infer<typeof createBrandSchema>;

/** `PATCH /v1/brands/{id}`: rename, or change its approval settings. */
export const updateBrandSchema = z.object({ name: brandName.optional(), ...brandSettings }).strict();

/** `POST /v1/posts/{id}/unpublish`: one account's copy, or every published one. */
export const unpublishSchema = z.object({ account_id: z.string().min(1).optional() });

/**
 * `POST /v1/posts/{id}/retry`: an optional body. `force` publishes again targets the platform may
 * already have published where it offers no way to check (a person looked); see docs/decisions.md.
 */
export const retrySchema = z.object({ force: z.boolean().optional() }).strict();

/** `POST /v1/media/{id}/verify`: optionally, what the uploaded file must be (checked before ready). */
export const verifyMediaSchema = z
  .object({
    size_bytes: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe('The whole file size; a different stored size is refused'),
    sha256: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'must be the hex SHA-256 of the whole file (64 hex digits)')
      .optional()
      .describe("The file's SHA-256 (hex); the stored bytes are hashed and must match"),
  })
  .strict();

/** `POST /v1/accounts/{id}/reconnect`: the account's new credentials. */
export const reconnectAccountSchema = z.object({ credentials: z.record(z.string(), z.string()) }).strict();

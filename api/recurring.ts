import { z } from 'zod';
import { postResourceSchema } from './resources';
import { createPostSchema, instantSchema } from './schemas';

/**
 * Recurring posts (`/v1/recurring-posts`): a post body that a Temporal Schedule turns into one
 * normal post per occurrence (docs/api.md "Recurring posts"). Request bodies refuse unknown fields.
 */

export const RECURRING_UNITS = ['minutes', 'hours', 'days', 'weeks'] as const;
export type RecurringUnit = (typeof RECURRING_UNITS)[number];
const UNIT_MS: Record<RecurringUnit, number> = {
  minutes: 60_000,
  hours: 3_600_000,
  days: 86_400_000,
  weeks: 604_800_000,
};
/** A year of weeks is the longest interval taken: a longer one is more likely a typo. */
const MAX_INTERVAL_MS = 366 * UNIT_MS.days;
/** More occurrences than this is a post that never ends; say `until` or nothing instead. */
export const MAX_RECURRING_COUNT = 10_000;

/** The interval's length in milliseconds. */
export const intervalMs = (i: { every: number; unit: RecurringUnit }): number => i.every * UNIT_MS[i.unit];

const setPerOccurrence = (field: string) =>
  z.never({ error: `is set by each occurrence; ${field}` }).optional();

/** The post each occurrence creates: a `POST /v1/posts` body without its time. */
export const recurringPostBodySchema = createPostSchema
  .extend({
    scheduled_at: setPerOccurrence('the schedule (interval or cron) says when each post goes out.'),
    publish_now: setPerOccurrence('each post is published at its occurrence.'),
    queue: setPerOccurrence('the schedule says when each post goes out, not a queue slot.'),
    add_to_queue: setPerOccurrence('the schedule says when each post goes out, not a queue slot.'),
    recycle: setPerOccurrence('the schedule already repeats the post; recycling is for single posts.'),
    callback_url: z
      .never({
        error: 'is not taken for recurring posts; follow their posts with a webhook (POST /v1/webhooks).',
      })
      .optional(),
  })
  .strict();

export const recurringIntervalSchema = z
  .strictObject({
    every: z.number().int('must be a whole number.').min(1, 'at least 1.'),
    unit: z.enum(RECURRING_UNITS),
  })
  .refine((i) => intervalMs(i) <= MAX_INTERVAL_MS, { error: 'at most a year (366 days).', path: ['every'] })
  .describe('Every `every` `unit`s, counted from `start_at` (exact durations: a day is 24 h)');
export type RecurringInterval = z.infer<typeof recurringIntervalSchema>;

/** A cron expression as Temporal Schedules read it: 5 to 7 fields or a shorthand, no `@every`. */
const cronSchema = z
  .string()
  .trim()
  .min(1, 'must not be empty.')
  .max(200, 'at most 200 characters.')
  .refine((c) => /^@(yearly|monthly|weekly|daily|hourly)$/.test(c) || /^(\S+\s+){4,6}\S+$/.test(c), {
    error:
      'must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), 6 (… year) or 7 (second … year), or @daily, @weekly, @monthly, @yearly, @hourly.',
  })
  .refine((c) => !/^(CRON_)?TZ=/.test(c), {
    error: 'give the time zone in time_zone, not in the expression.',
  })
  .describe('e.g. "0 9 * * 1-5": 09:00 on weekdays in time_zone');

/** An IANA time zone the runtime knows. */
const timeZoneSchema = z
  .string()
  .min(1)
  .max(64)
  .refine(isTimeZone, { error: 'is not an IANA time zone such as Europe/Berlin or America/New_York.' })
  .describe('IANA time zone of the cron expression. @default UTC');

export const recurringEndSchema = z
  .strictObject({
    count: z
      .number()
      .int('must be a whole number.')
      .min(1, 'at least 1.')
      .max(MAX_RECURRING_COUNT, `at most ${MAX_RECURRING_COUNT}.`)
      .optional()
      .describe('Stop after this many occurrences'),
    until: instantSchema.optional().describe('No occurrence after this instant'),
  })
  .refine((e) => (e.count === undefined) !== (e.until === undefined), {
    error: 'give either count or until.',
  });

/** `POST /v1/recurring-posts`. */
export const createRecurringSchema = z.strictObject({
  post: recurringPostBodySchema,
  interval: recurringIntervalSchema.optional(),
  cron: cronSchema.optional(),
  time_zone: timeZoneSchema.optional(),
  start_at: instantSchema
    .optional()
    .describe('No occurrence before this instant; an interval counts from it'),
  end: recurringEndSchema.optional().describe('Omitted: repeats until deleted'),
});
export type CreateRecurringBody = z.infer<typeof createRecurringSchema>;

/** `PATCH /v1/recurring-posts/{id}`: any field of the create body; null `end` repeats forever. */
export const updateRecurringSchema = z.strictObject({
  post: recurringPostBodySchema.optional(),
  interval: recurringIntervalSchema.optional(),
  cron: cronSchema.optional(),
  time_zone: timeZoneSchema.optional(),
  start_at: instantSchema.nullable().optional(),
  end: recurringEndSchema.nullable().optional(),
});
export type UpdateRecurringBody = z.infer<typeof updateRecurringSchema>;

/** When a recurring post repeats, as stored and shown (snake_case, the API's own words). */
export interface RecurrenceRule {
  interval?: RecurringInterval;
  cron?: string;
  time_zone?: string;
  start_at?: string;
  end?: { count?: number; until?: string };
}

export const recurringResourceSchema = z.object({
  id: z.string().describe('rec_<ULID>; also the id of its Temporal Schedule'),
  object: z.literal('recurring_post'),
  status: z
    .enum(['active', 'paused', 'completed'])
    .describe('completed: the end (count or until) is reached; no occurrence is left'),
  post: z.record(z.string(), z.unknown()).describe("Each occurrence's post body, as given"),
  interval: recurringIntervalSchema.nullable(),
  cron: z.string().nullable(),
  time_zone: z.string().nullable(),
  start_at: z.string().nullable(),
  end: z
    .union([z.object({ count: z.number().int() }), z.object({ until: z.string() })])
    .nullable()
    .describe('null: repeats until deleted'),
  occurrences: z.number().int().describe('Occurrences so far'),
  next_occurrences: z
    .array(z.string())
    .describe('The next few occurrence instants (empty when paused or completed)'),
  created_at: z.string(),
  updated_at: z.string(),
});
export type RecurringResource = z.infer<typeof recurringResourceSchema>;

export const recurringListSchema = z.object({
  count: z.number().int(),
  data: z.array(recurringResourceSchema),
});

export const occurrenceSchema = z.object({
  occurrence_at: z.string().describe('The nominal instant of the occurrence'),
  post_id: z.string(),
  post: postResourceSchema.nullable().describe('The post as it is now; null when it is gone'),
});
export const occurrenceListSchema = z.object({
  count: z.number().int(),
  data: z.array(occurrenceSchema).describe('Newest first'),
});
export type OccurrenceList = z.infer<typeof occurrenceListSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

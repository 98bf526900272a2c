import { z } from 'zod';
import { isTimeZone, minuteOfDay, timeOfDay, type Weekday, WEEKDAYS, type WeeklySlot } from './queue-slots';

/**
 * The queues' bodies and resource (`/v1/queues`, docs/api.md "Queues"). Unknown fields are refused:
 * Postflow acts on every field it accepts.
 */

/** How many weekly slots a queue may have (a slot every 10 minutes, all week). */
export const QUEUE_SLOTS_MAX = 7 * 144;
/** How many upcoming slots `GET /v1/queues/{id}` shows at most. */
export const QUEUE_UPCOMING_MAX = 200;

const timezone = z
  .string()
  .refine(isTimeZone, 'must be an IANA time zone such as "Europe/Berlin" or "America/New_York".')
  .describe('IANA time zone the slot times are wall-clock times in, e.g. Europe/Berlin');

/** A group of weekly slots: every listed time on every listed day, e.g. Mon–Fri 09:00 and 17:00. */
const slotGroup = z
  .object({
    days: z
      .array(z.enum(WEEKDAYS, { error: `must be one of ${WEEKDAYS.join(', ')}.` }))
      .min(1, 'name at least one day, e.g. ["mon", "tue"].'),
    times: z
      .array(
        z
          .string()
          .refine(
            (t) => minuteOfDay(t) !== undefined,
            'must be a 24-hour time HH:MM such as "09:00" or "17:30".',
          ),
      )
      .min(1, 'name at least one time, e.g. ["09:00"].'),
  })
  .strict();

const slots = z
  .array(slotGroup)
  .min(1, 'give at least one slot group, e.g. [{ "days": ["mon"], "times": ["09:00"] }].')
  .describe('Weekly slots: each group is every listed time on every listed day (wall-clock, in timezone)');

/** `POST /v1/queues`: the queue of one account, or of a brand's accounts. */
export const createQueueSchema = z
  .object({
    account_id: z.string().min(1).optional().describe('The account the queue is for (or brand_id)'),
    brand_id: z
      .string()
      .min(1)
      .optional()
      .describe('The brand whose accounts share the queue (or account_id)'),
    timezone,
    slots,
  })
  .strict();

export type CreateQueueBody = z.infer<typeof createQueueSchema>;

/** `PATCH /v1/queues/{id}`: new slots or time zone re-plan the queued posts. */
export const updateQueueSchema = z
  .object({ timezone: timezone.optional(), slots: slots.optional() })
  .strict();

export type SlotGroup = z.infer<typeof slotGroup>;

/** Slot groups to weekly slots, each (day, time) once, in week order. */
export function weeklySlotsOf(groups: readonly SlotGroup[]): WeeklySlot[] {
  const seen = new Set<string>();
  const out: WeeklySlot[] = [];
  for (const g of groups) {
    for (const day of g.days) {
      for (const time of g.times) {
        const minute = minuteOfDay(time)!;
        if (seen.has(`${day} ${minute}`)) continue;
        seen.add(`${day} ${minute}`);
        out.push({ day, minute });
      }
    }
  }
  const order = (s: WeeklySlot) => WEEKDAYS.indexOf(s.day) * 1440 + s.minute;
  return out.sort((a, b) => order(a) - order(b));
}

/** Weekly slots back to groups: days with the same times share one group (Mon–Fri 09:00, 17:00). */
export function slotGroupsOf(weekly: readonly WeeklySlot[]): SlotGroup[] {
  const timesOf = new Map<Weekday, string[]>();
  for (const s of weekly) timesOf.set(s.day, [...(timesOf.get(s.day) ?? []), timeOfDay(s.minute)]);
  const groups = new Map<string, SlotGroup>();
  for (const day of [...WEEKDAYS.slice(1), WEEKDAYS[0]]) {
    const times = timesOf.get(day);
    if (!times) continue;
    const key = times.join(',');
    const group = groups.get(key);
    if (group) group.days.push(day);
    else groups.set(key, { days: [day], times });
  }
  return [...groups.values()];
}

const queueBase = {
  id: z.string(),
  account_id: z.string().nullable().describe('The account the queue is for; null for a brand queue'),
  brand_id: z
    .string()
    .nullable()
    .describe('The brand whose accounts share the queue; null for an account queue'),
  timezone: z.string(),
  slots: z.array(slotGroup),
  created_at: z.string(),
  updated_at: z.string(),
};

export const queueResourceSchema = z.object(queueBase);

/** `GET /v1/queues/{id}`: the queue with its next slots, each with the post holding it (or null). */
export const queueWithSlotsSchema = z.object({
  ...queueBase,
  upcoming: z
    .array(
      z.object({
        at: z.string().describe('The slot instant (ISO 8601, UTC)'),
        local_time: z
          .string()
          .describe('The slot as wall-clock time in the queue time zone, with its offset'),
        post_id: z.string().nullable().describe('The post holding the slot; null when free'),
      }),
    )
    .describe('The next slots, earliest first, up to the last one a post holds (at least `count`)'),
});

export const queueListSchema = z.object({ count: z.number().int(), data: z.array(queueResourceSchema) });

export type QueueResource = z.infer<typeof queueResourceSchema>;
export type QueueWithSlots = z.infer<typeof queueWithSlotsSchema>;

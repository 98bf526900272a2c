/**
 * The pure time math of queues: weekly wall-clock slots in an IANA time zone turned into
 * instants, with daylight-saving transitions resolved one documented way (docs/api.md "Queues"):
 *
 * - a wall time that does not exist that day (02:30 on a spring-forward day in Europe/Berlin) is
 *   moved forward by the length of the gap (03:30 local), as RFC 5545 and Temporal's
 *   `disambiguation: 'compatible'` do; when that lands on another slot of the day, the two are one;
 * - a wall time that happens twice (02:30 on the autumn day) is the first of the two (02:30 +02:00),
 *   once: a slot is one post a day, never two.
 *
 * Only `Intl` is used (no time-zone data of our own), so the zone rules are the runtime's ICU's.
 */

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** One weekly slot: a weekday and a wall-clock minute of that day (0..1439). */
export interface WeeklySlot {
  day: Weekday;
  minute: number;
}

/** A queue's schedule: its zone and its weekly slots. */
export interface QueueSchedule {
  timezone: string;
  slots: readonly WeeklySlot[];
}

const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;

/** Whether the runtime knows `zone` as an IANA time zone. */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return zone.length > 0;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The wall clock of `zone` at instant `ms`, as if it were UTC (milliseconds since the epoch). */
function wallAt(ms: number, zone: string): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(zone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
}

/** The zone's offset from UTC at instant `ms`, in milliseconds (whole seconds). */
function offsetAt(ms: number, zone: string): number {
  const whole = Math.floor(ms / 1000) * 1000;
  return wallAt(whole, zone) - whole;
}

/**
 * The instant of a wall-clock time in `zone` (`wall`: that time written as if it were UTC), with
 * the gap moved forward and the repeated hour taken at its first occurrence (see the module doc).
 * Assumes at most one offset change within a day either side, which holds for every IANA zone.
 */
export function instantOfWallTime(wall: number, zone: string): number {
  const before = offsetAt(wall - DAY_MS, zone);
  const after = offsetAt(wall + DAY_MS, zone);
  const valid = [wall - before, wall - after].filter((t) => t + offsetAt(t, zone) === wall);
  if (valid.length) return Math.min(...valid);
  // In the gap: read the wall time with the offset in force before it, which lands past the gap.
  return wall - before;
}

/** The local calendar date (as UTC midnight) in `zone` at instant `ms`. */
function localDate(ms: number, zone: string): number {
  const wall = wallAt(ms, zone);
  return wall - (((wall % DAY_MS) + DAY_MS) % DAY_MS);
}

/**
 * The schedule's slot instants strictly after `from`, earliest first, without end (an empty
 * schedule yields nothing). Slots that DST makes fall on one instant are yielded once.
 */
export function* slotsAfter(schedule: QueueSchedule, from: Date): Generator<Date> {
  if (!schedule.slots.length) return;
  const byDay = new Map<number, number[]>();
  for (const s of schedule.slots) {
    const d = WEEKDAYS.indexOf(s.day);
    byDay.set(d, [...(byDay.get(d) ?? []), s.minute]);
  }
  // Start a day early: the zone's date may be behind UTC's, and a slot then may still be ahead.
  let day = localDate(from.getTime(), schedule.timezone) - DAY_MS;
  let last = from.getTime();
  for (;;) {
    const minutes = [...new Set(byDay.get(new Date(day).getUTCDay()) ?? [])].sort((a, b) => a - b);
    const instants = [
      ...new Set(minutes.map((m) => instantOfWallTime(day + m * MINUTE_MS, schedule.timezone))),
    ].sort((a, b) => a - b);
    for (const t of instants) {
      if (t > last) {
        last = t;
        yield new Date(t);
      }
    }
    day += DAY_MS;
  }
}

/** The first `count` slot instants after `from` (ISO 8601, UTC). */
export function upcomingSlots(schedule: QueueSchedule, from: Date, count: number): string[] {
  const out: string[] = [];
  if (count <= 0) return out;
  for (const slot of slotsAfter(schedule, from)) {
    out.push(slot.toISOString());
    if (out.length >= count) break;
  }
  return out;
}

/** The first slot after `from` that is not in `taken` (ISO instants); undefined for no slots. */
export function nextFreeSlot(
  schedule: QueueSchedule,
  from: Date,
  taken: ReadonlySet<string>,
): string | undefined {
  for (const slot of slotsAfter(schedule, from)) {
    const iso = slot.toISOString();
    if (!taken.has(iso)) return iso;
  }
  return undefined;
}

/** `"09:30"` → 570; undefined for anything but a 24-hour `HH:MM`. */
export function minuteOfDay(time: string): number | undefined {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(time);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** 570 → `"09:30"`. */
export function timeOfDay(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** Instant `ms` as wall-clock time in `zone` with its offset: `2026-03-29T03:30:00+02:00`. */
export function localIso(ms: number, zone: string): string {
  const wall = wallAt(ms, zone);
  const offset = Math.round((wall - Math.floor(ms / 1000) * 1000) / MINUTE_MS);
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${new Date(wall).toISOString().slice(0, 19)}${sign}${timeOfDay(abs)}`;
}

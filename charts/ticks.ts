// Axis ticks: "nice" count ticks (steps of 1, 2 or 5 times a power of ten) and time ticks on
// round UTC instants, with their labels.

export interface CountAxis {
  /** The axis runs from 0 to `max`, a multiple of `step`. */
  max: number;
  step: number;
  ticks: number[];
}

/**
 * Ticks for a count axis from 0 to at least `maxValue`, at most about `maxTicks` intervals.
 * Counts are whole, so the step is never below 1; an all-zero series still gets a 0-1 axis.
 */
export function countTicks(maxValue: number, maxTicks = 5): CountAxis {
  const top = Math.max(maxValue, 1);
  const rough = top / maxTicks;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = Math.max(
    1,
    [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough)!,
  );
  const max = Math.ceil(top / step) * step;
  return { max, step, ticks: Array.from({ length: Math.round(max / step) + 1 }, (_, i) => i * step) };
}

/** A count as a short label: 950, 1.2k, 12k, 3.4M. */
export function formatCount(value: number): string {
  const short = (n: number, unit: string) => `${Number(n.toFixed(n < 10 ? 1 : 0))}${unit}`;
  if (value >= 1e9) return short(value / 1e9, 'B');
  if (value >= 1e6) return short(value / 1e6, 'M');
  if (value >= 1e3) return short(value / 1e3, 'k');
  return String(value);
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** The steps a time axis may use; each divides a UTC day or is whole days. */
const TIME_STEPS = [
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  DAY,
  2 * DAY,
  7 * DAY,
  14 * DAY,
  28 * DAY,
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

export interface TimeTick {
  at: number;
  /** "14:00" within a day, "Dec 5" for day steps. */
  label: string;
  /** The date under a time label where the day changes (and at the first tick), else ''. */
  date: string;
}

export interface TimeAxis {
  start: number;
  end: number;
  step: number;
  ticks: TimeTick[];
}

/**
 * Ticks on round UTC instants between `start` and `end` (epoch ms), the smallest step that gives
 * at most `maxTicks` of them. A single instant is widened to the hour around it, so a chart of
 * one collection pass still has an axis.
 */
export function timeTicks(start: number, end: number, maxTicks = 8): TimeAxis {
  if (end <= start) [start, end] = [start - HOUR / 2, start + HOUR / 2];
  const step =
    TIME_STEPS.find((s) => (end - start) / s <= maxTicks) ?? Math.ceil((end - start) / maxTicks / DAY) * DAY;
  const ticks: TimeTick[] = [];
  let previousDate = '';
  for (let at = Math.ceil(start / step) * step; at <= end; at += step) {
    const d = new Date(at);
    const date = `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}`;
    if (step >= DAY) {
      ticks.push({ at, label: date, date: '' });
    } else {
      const time = `${String(d.getUTCHours()).padStart(2, '0')}:${String(d.getUTCMinutes()).padStart(2, '0')}`;
      ticks.push({ at, label: time, date: date === previousDate ? '' : date });
    }
    previousDate = date;
  }
  return { start, end, step, ticks };
}

/** When a published target's metrics are collected, counted from its publish: +1 h, +24 h, +7 d. */
export const DEFAULT_METRICS_SCHEDULE = '1h,24h,7d';

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `POSTFLOW_METRICS_SCHEDULE` (e.g. `1h,24h,7d`, or `off`): the offsets after publishing at which metrics
 * are collected, in milliseconds, ascending. Pure (the worker reads it; the workflow gets the
 * result through an activity, so a change applies to collections started after it).
 */
export function parseMetricsSchedule(value: string | undefined): number[] {
  const text = value?.trim() || DEFAULT_METRICS_SCHEDULE;
  // No analytics: a published post's collection ends as it starts, reading nothing.
  if (text === 'off') return [];
  const offsets = text.split(',').map((part) => {
    const match = /^(\d+)([smhd])$/.exec(part.trim());
    if (!match || Number(match[1]) === 0) {
      throw new Error(
        `POSTFLOW_METRICS_SCHEDULE: "${part.trim()}" is not a duration; give positive whole numbers with a unit s, m, h or d, comma-separated (e.g. ${DEFAULT_METRICS_SCHEDULE}), or off.`,
      );
    }
    return Number(match[1]) * UNIT_MS[match[2]!]!;
  });
  if (offsets.length > 20) {
    throw new Error('POSTFLOW_METRICS_SCHEDULE: at most 20 passes; collect less often.');
  }
  return [...new Set(offsets)].sort((a, b) => a - b);
}

import { parseMetricsSchedule } from '../../api/metrics-schedule';
import { loadConfig } from '../../runtime/config';
import type { PostSpec } from '../../api/types';
import { startedSpec } from '../../gateway/started-spec';

const H = 3_600_000;

test('the default schedule is +1 h, +24 h, +7 d after the publish', () => {
  expect(parseMetricsSchedule(undefined)).toEqual([H, 24 * H, 7 * 24 * H]);
  expect(parseMetricsSchedule('  ')).toEqual([H, 24 * H, 7 * 24 * H]);
});

test('offsets are read with their unit, sorted, and a repeat counts once', () => {
  expect(parseMetricsSchedule('2d, 30m,90s,30m')).toEqual([90_000, 30 * 60_000, 2 * 24 * H]);
});

test('off collects nothing', () => {
  expect(parseMetricsSchedule('off')).toEqual([]);
});

test('a value that is not a duration is refused, naming it and how to write one', () => {
  expect(() => parseMetricsSchedule('1h,tomorrow')).toThrow(
    'POSTFLOW_METRICS_SCHEDULE: "tomorrow" is not a duration; give positive whole numbers with a unit s, m, h or d, comma-separated (e.g. 1h,24h,7d), or off.',
  );
  expect(() => parseMetricsSchedule('0h')).toThrow('"0h" is not a duration');
  expect(() => parseMetricsSchedule(Array.from({ length: 21 }, (_, i) => `${i + 1}h`).join(','))).toThrow(
    'at most 20 passes',
  );
});

test('a process with a bad schedule stops at start instead of failing every collection later', () => {
  expect(() => loadConfig({ POSTFLOW_METRICS_SCHEDULE: '1 hour' })).toThrow('POSTFLOW_METRICS_SCHEDULE');
  expect(() => loadConfig({ POSTFLOW_METRICS_SCHEDULE: 'off' })).not.toThrow();
});

test('off in a process that starts posts: they carry collectMetrics false, so none starts a collection', () => {
  expect(loadConfig({ POSTFLOW_METRICS_SCHEDULE: 'off' }).collectMetrics).toBe(false);
  expect(loadConfig({}).collectMetrics).toBe(true);
  const spec = { id: 'post_1', targets: [{ accountId: 'acc_1', platform: 'x' }] } as unknown as PostSpec;
  expect(startedSpec(spec, { collectMetrics: false })).toMatchObject({ collectMetrics: false });
  expect(startedSpec(spec, {})).not.toHaveProperty('collectMetrics');
});

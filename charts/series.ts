import type { PostMetrics } from '../api/types';

/** One collection pass of a target: when it ran and the counts it read. */
export interface MetricsPass {
  /** ISO 8601 instant. */
  at: string;
  metrics: PostMetrics;
}

/** What the chart draws: a post's collected passes, per target. */
export interface MetricsChartInput {
  title: string;
  targets: Array<{
    /** e.g. "mastodon · @alice" */
    label: string;
    passes: MetricsPass[];
  }>;
}

/**
 * The metrics drawn, in legend order. `extra` (views, impressions, quotes) is left out: views
 * run orders of magnitude above likes and would flatten every other line against the axis.
 */
export const METRICS = ['likes', 'comments', 'shares', 'saves'] as const;
export type MetricName = (typeof METRICS)[number];

export interface Point {
  /** Epoch ms. */
  at: number;
  value: number;
}

export interface TargetSeries {
  label: string;
  passes: number;
  /** One line per metric that is non-zero in some pass, in METRICS order. */
  lines: Array<{ metric: MetricName; points: Point[] }>;
  /** The highest count any line reaches (0 when there are no lines). */
  maxValue: number;
}

export interface ChartSeries {
  targets: TargetSeries[];
  /** The first and last pass across all targets (epoch ms): the panels share one time axis. */
  start: number;
  end: number;
}

/**
 * The input as lines to draw, passes in time order. A pass whose `at` does not parse is left
 * out rather than failing the whole chart, and so is a count that is not a number. Undefined
 * when no target has a pass yet.
 */
export function toSeries(input: MetricsChartInput): ChartSeries | undefined {
  const targets = input.targets.map((target): TargetSeries => {
    const passes = target.passes
      .map((pass) => ({ at: Date.parse(pass.at), metrics: pass.metrics }))
      .filter((pass) => Number.isFinite(pass.at))
      .sort((a, b) => a.at - b.at);
    // A count that is not a number (a pass stored before a field existed) is a gap, not a 0.
    const lines = METRICS.map((metric) => ({
      metric,
      points: passes
        .map((pass) => ({ at: pass.at, value: pass.metrics[metric] }))
        .filter((point) => Number.isFinite(point.value)),
    })).filter((line) => line.points.some((point) => point.value !== 0));
    const maxValue = Math.max(0, ...lines.flatMap((line) => line.points.map((point) => point.value)));
    return { label: target.label, passes: passes.length, lines, maxValue };
  });
  const times = input.targets.flatMap((t) => t.passes.map((p) => Date.parse(p.at))).filter(Number.isFinite);
  if (times.length === 0) return undefined;
  return { targets, start: Math.min(...times), end: Math.max(...times) };
}

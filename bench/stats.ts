/** Small statistics for noisy machines: medians and percentiles, never means of single runs. */

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export const median = (values: number[]) => percentile(values, 50);

/** The percentiles a lag distribution is drawn from (latest.png), up to the worst. */
const DISTRIBUTION_POINTS = [0, 1, 5, 10, 25, 50, 75, 90, 95, 99, 99.9, 100];

/** A distribution as `{ "p<point>": value }` at DISTRIBUTION_POINTS (p0 the least, p100 the most). */
export function distribution(values: number[]): Record<string, number> {
  return Object.fromEntries(DISTRIBUTION_POINTS.map((p) => [`p${p}`, round(percentile(values, p))]));
}

export function round(value: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Runs `fn` for each item with at most `concurrency` in flight. */
export async function pool<T, R>(
  items: T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

/** Calls `fn` from `clients` concurrent loops for `durationMs`; returns every call's latency. */
export async function load(
  clients: number,
  durationMs: number,
  fn: () => Promise<void>,
): Promise<{ latencies: number[]; perSecond: number }> {
  const latencies: number[] = [];
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        const t = performance.now();
        await fn();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { latencies, perSecond: latencies.length / ((performance.now() - started) / 1000) };
}

/** Resident set size of a process, in MB (Linux /proc). */
export async function rssMb(pid: number): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)\s+kB/.exec(status)?.[1]);
  return round(kb / 1024, 1);
}

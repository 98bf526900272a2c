import type { ChildProcess } from 'node:child_process';
import { DEFAULT_MAX_CACHED_WORKFLOWS, TEMPORAL_DEFAULT } from '../../worker/workflow-cache';
import type { BenchContext } from '../context';
import { median, round } from '../stats';
import { postflowThroughput, useBenchWorkers } from './ceiling';
import { SCALE_OUT_TARGETS } from './scale-out';

/** The workflow caches compared: Postflow's bounded default, and Temporal's heap-sized one (before). */
export const CACHES = { bounded: String(DEFAULT_MAX_CACHED_WORKFLOWS), temporal: TEMPORAL_DEFAULT };

/**
 * What the bounded workflow cache costs in steady throughput: 5-target posts on one bench worker
 * with each cache, alternating which goes first in each repetition so drift favours neither.
 */
export async function measureCacheTrade(ctx: BenchContext, workers: ChildProcess[]) {
  const runs: Record<keyof typeof CACHES, number[]> = { bounded: [], temporal: [] };
  for (let rep = 0; rep < ctx.settings.repetitions; rep++) {
    const order: (keyof typeof CACHES)[] = rep % 2 === 0 ? ['bounded', 'temporal'] : ['temporal', 'bounded'];
    for (const cache of order) {
      workers = await useBenchWorkers(ctx, 1, workers, { POSTFLOW_MAX_CACHED_WORKFLOWS: CACHES[cache] });
      await postflowThroughput(ctx, SCALE_OUT_TARGETS, 2); // warm-up: JIT and the fresh cache
      runs[cache].push(
        (await postflowThroughput(ctx, SCALE_OUT_TARGETS, ctx.settings.secondsPerRun)).perSecond,
      );
    }
  }
  const result = {
    cache_bounded_posts_per_s: round(median(runs.bounded)),
    cache_temporal_default_posts_per_s: round(median(runs.temporal)),
  };
  ctx.log(
    `  cache ${CACHES.bounded}: ${result.cache_bounded_posts_per_s} posts/s; Temporal's default: ${result.cache_temporal_default_posts_per_s} posts/s`,
  );
  return { ...result, workers };
}

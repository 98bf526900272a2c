import type { ChildProcess } from 'node:child_process';
import type { BenchContext } from '../context';
import { cpuSeconds } from '../cpu';
import { median, round } from '../stats';
import { postflowThroughput, useBenchWorkers } from './ceiling';

/** Targets of each scale-out post (sandbox accounts the step needs). */
export const SCALE_OUT_TARGETS = 5;

/**
 * CPU seconds used so far by each part of the Temporal side, e.g. `{ temporal }` for the dev
 * server or `{ temporal, postgres }` for the production-shaped server and its database.
 */
export type ServerCpu = () => Promise<Record<string, number>>;

/** The dev server: one process. */
export const devServerCpu =
  (ctx: BenchContext): ServerCpu =>
  async () => ({ temporal: await cpuSeconds(ctx.stack.temporal.process.pid!) });

/** Shares of the CPU used while measuring: `server` (all its parts) and `workers` add up to 1. */
export interface CpuShare {
  server: number;
  workers: number;
  /** With a server of several parts, each part's share (already counted in `server`), e.g. `postgres`. */
  [part: string]: number;
}

/**
 * Throughput of 5-target posts with 1, 2 and 4 worker processes against one server, and how the
 * CPU was shared between the server and the workers: where the bottleneck sits.
 */
export async function measureScaleOut(
  ctx: BenchContext,
  workers: ChildProcess[],
  serverCpu: ServerCpu = devServerCpu(ctx),
) {
  const posts_per_s: Record<string, number> = {};
  const cpu_share: Record<string, CpuShare> = {};
  const cpu_ms_per_post: Record<string, { server: number; workers: number }> = {};
  for (const count of ctx.settings.workers) {
    workers = await useBenchWorkers(ctx, count, workers);
    const workerPids = workers.map((w) => w.pid!);
    const workerCpu = async () => (await Promise.all(workerPids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
    const runs: number[] = [];
    let posts = 0;
    const [serverBefore, workersBefore] = await Promise.all([serverCpu(), workerCpu()]);
    for (let rep = 0; rep < ctx.settings.repetitions; rep++) {
      const run = await postflowThroughput(ctx, SCALE_OUT_TARGETS, ctx.settings.secondsPerRun);
      runs.push(run.perSecond);
      posts += run.ids.length;
    }
    const [serverAfter, workersAfter] = await Promise.all([serverCpu(), workerCpu()]);
    const parts = Object.keys(serverAfter);
    const partUsed = parts.map((part) => serverAfter[part] - serverBefore[part]);
    const serverUsed = partUsed.reduce((a, b) => a + b, 0);
    const workersUsed = workersAfter - workersBefore;
    const total = serverUsed + workersUsed || 1;
    posts_per_s[count] = round(median(runs));
    const share: CpuShare = {
      server: round(serverUsed / total, 2),
      workers: round(workersUsed / total, 2),
    };
    if (parts.length > 1) parts.forEach((part, i) => (share[part] = round(partUsed[i] / total, 2)));
    cpu_share[count] = share;
    // CPU time per published post: unlike posts/s, barely moved by other jobs on the machine.
    cpu_ms_per_post[count] = {
      server: round((serverUsed * 1000) / (posts || 1), 1),
      workers: round((workersUsed * 1000) / (posts || 1), 1),
    };
    const split = parts.length > 1 ? ` (${parts.map((p) => `${p} ${share[p]}`).join(', ')})` : '';
    ctx.log(
      `  ${count} worker(s): ${posts_per_s[count]} posts/s; CPU server ${share.server}${split}, workers ${share.workers}; ` +
        `CPU ms per post server ${cpu_ms_per_post[count].server}, workers ${cpu_ms_per_post[count].workers}`,
    );
  }
  return {
    scale_out_posts_per_s: posts_per_s,
    scale_out_cpu_share: cpu_share,
    scale_out_cpu_ms_per_post: cpu_ms_per_post,
    workers,
  };
}

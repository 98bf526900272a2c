import type { ChildProcess } from 'node:child_process';
import { PostflowClient } from '../../client';
import { platformQueueName } from '../../runtime/platform-queues';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../../runtime/worker-process';
import { type BenchContext, TASK_QUEUE } from '../context';
import { cpuSeconds } from '../cpu';
import { median, round } from '../stats';
import { postflowThroughput, useBenchWorkers } from './ceiling';

/** Targets of each scale-out post (sandbox accounts the step needs). */
export const SCALE_OUT_TARGETS = 5;

/**
 * The per-platform queue step's key among the worker counts: one bench worker for the workflows
 * and a `postflow worker --platforms sandbox` for the sandbox's calls, on the sandbox's own task
 * queue (`POSTFLOW_PLATFORM_QUEUES=sandbox`, docs/deploy.md "Sizing per platform").
 */
export const PLATFORM_QUEUE_STEP = '1 + sandbox queue';

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
 * Throughput of 5-target posts with 1, 2 and 4 worker processes against one server, then with the
 * sandbox's calls on their own queue (PLATFORM_QUEUE_STEP), and how the CPU was shared between the
 * server and the workers: where the bottleneck sits.
 */
export async function measureScaleOut(
  ctx: BenchContext,
  workers: ChildProcess[],
  serverCpu: ServerCpu = devServerCpu(ctx),
) {
  const posts_per_s: Record<string, number> = {};
  const cpu_share: Record<string, CpuShare> = {};
  const cpu_ms_per_post: Record<string, { server: number; workers: number }> = {};
  const step = async (key: string, client: PostflowClient, check?: (postId: string) => Promise<void>) => {
    const workerPids = workers.map((w) => w.pid!);
    const workerCpu = async () => (await Promise.all(workerPids.map(cpuSeconds))).reduce((a, b) => a + b, 0);
    const runs: number[] = [];
    let posts = 0;
    const [serverBefore, workersBefore] = await Promise.all([serverCpu(), workerCpu()]);
    for (let rep = 0; rep < ctx.settings.repetitions; rep++) {
      const run = await postflowThroughput(ctx, SCALE_OUT_TARGETS, ctx.settings.secondsPerRun, client);
      runs.push(run.perSecond);
      posts += run.ids.length;
      if (check && run.ids[0]) await check(run.ids[0]);
    }
    const [serverAfter, workersAfter] = await Promise.all([serverCpu(), workerCpu()]);
    const parts = Object.keys(serverAfter);
    const partUsed = parts.map((part) => serverAfter[part] - serverBefore[part]);
    const serverUsed = partUsed.reduce((a, b) => a + b, 0);
    const workersUsed = workersAfter - workersBefore;
    const total = serverUsed + workersUsed || 1;
    posts_per_s[key] = round(median(runs));
    const share: CpuShare = {
      server: round(serverUsed / total, 2),
      workers: round(workersUsed / total, 2),
    };
    if (parts.length > 1) parts.forEach((part, i) => (share[part] = round(partUsed[i] / total, 2)));
    cpu_share[key] = share;
    // CPU time per published post: unlike posts/s, barely moved by other jobs on the machine.
    cpu_ms_per_post[key] = {
      server: round((serverUsed * 1000) / (posts || 1), 1),
      workers: round((workersUsed * 1000) / (posts || 1), 1),
    };
    const split = parts.length > 1 ? ` (${parts.map((p) => `${p} ${share[p]}`).join(', ')})` : '';
    ctx.log(
      `  ${key} worker(s): ${posts_per_s[key]} posts/s; CPU server ${share.server}${split}, workers ${share.workers}; ` +
        `CPU ms per post server ${cpu_ms_per_post[key].server}, workers ${cpu_ms_per_post[key].workers}`,
    );
  };
  for (const count of ctx.settings.workers) {
    workers = await useBenchWorkers(ctx, count, workers);
    await step(String(count), ctx.client);
  }
  // The sandbox's calls on a queue of their own, served by a platform worker beside one bench worker.
  workers = await useBenchWorkers(ctx, 1, workers);
  const platformWorker = await ctx.stack.spawnNode(
    [...WORKER_NODE_FLAGS, ctx.stack.cli, 'worker', '--platforms', 'sandbox'],
    'sandbox-worker',
    /Worker polling task queue \\?"[^"\\]*-sandbox/,
    { ...WORKER_ENV },
  );
  workers = [...workers, platformWorker];
  const sandboxQueue = platformQueueName(TASK_QUEUE, 'sandbox');
  const onPlatformQueue = new PostflowClient({
    temporal: ctx.temporal,
    store: ctx.store,
    taskQueue: TASK_QUEUE,
    collectMetrics: false,
    platformQueues: { sandbox: sandboxQueue },
  });
  await step(PLATFORM_QUEUE_STEP, onPlatformQueue, async (postId) => {
    const events = (await ctx.temporal.workflow.getHandle(postId).fetchHistory()).events ?? [];
    const queues = events.flatMap((e) =>
      e.activityTaskScheduledEventAttributes?.activityType?.name === 'publishTarget'
        ? [e.activityTaskScheduledEventAttributes.taskQueue?.name]
        : [],
    );
    if (queues.length === 0 || queues.some((queue) => queue !== sandboxQueue))
      throw new Error(`${postId} published on ${queues.join(', ')}, not only on ${sandboxQueue}`);
  });
  return {
    scale_out_posts_per_s: posts_per_s,
    scale_out_cpu_share: cpu_share,
    scale_out_cpu_ms_per_post: cpu_ms_per_post,
    workers,
  };
}

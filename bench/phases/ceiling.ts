import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { newPostId } from '../../client';
import { projectRoot } from '../../runtime/config';
import { type BenchContext, TASK_QUEUE } from '../context';
import { median, round } from '../stats';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../../runtime/worker-process';

/** Starts `count` bench workers (Postflow + baseline workflows) in place of the stack's worker. */
export async function useBenchWorkers(
  ctx: BenchContext,
  count: number,
  running: ChildProcess[],
  env: Record<string, string> = {},
): Promise<ChildProcess[]> {
  await ctx.stack.stopWorker('SIGTERM');
  await Promise.all(running.map((w) => stopChild(w)));
  const script = join(projectRoot(), 'dist', 'bench', 'bench-worker.js');
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      // Started as `postflow worker` is (runtime/worker-process.ts).
      ctx.stack.spawnNode([...WORKER_NODE_FLAGS, script], `bench-worker-${i}`, /Worker polling/, {
        ...WORKER_ENV,
        ...env,
      }),
    ),
  );
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** How many posts (or baseline workflows) are kept in flight while throughput is measured. */
const IN_FLIGHT = 20;

/**
 * Sustained throughput: `IN_FLIGHT` posts in flight for `seconds`, each replaced as soon as it
 * completes; returns completions per second and the ids made.
 */
async function sustained(seconds: number, publishOne: () => Promise<string>) {
  const ids: string[] = [];
  const started = performance.now();
  const end = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (performance.now() < end) ids.push(await publishOne());
    }),
  );
  return { perSecond: ids.length / ((performance.now() - started) / 1000), ids };
}

/** Postflow: create through the client, wait for the workflow's result. */
export function postflowThroughput(ctx: BenchContext, targets: number, seconds: number, client = ctx.client) {
  return sustained(seconds, async () => {
    const { post } = await client.posts.create({
      account_ids: ctx.accounts.slice(0, targets),
      text: 'bench',
      platform_options: { sandbox: { latency_ms: ctx.settings.latencyMs } },
    });
    const result = await ctx.temporal.workflow.getHandle(post.id).result();
    if (result.status !== 'published') throw new Error(`bench post ${post.id} ended ${result.status}`);
    return post.id;
  });
}

/** The baseline: start the minimal fan-out, wait for its result. */
export function baselineThroughput(ctx: BenchContext, targets: number, seconds: number) {
  return sustained(seconds, async () => {
    const handle = await ctx.temporal.workflow.start('fanOutNoop', {
      taskQueue: TASK_QUEUE,
      workflowId: newPostId().replace('post_', 'baseline_'),
      args: [targets, ctx.settings.latencyMs],
    });
    await handle.result();
    return handle.workflowId;
  });
}

async function historyLength(ctx: BenchContext, workflowId: string): Promise<number> {
  return (await ctx.temporal.workflow.getHandle(workflowId).fetchHistory()).events?.length ?? 0;
}

/**
 * Ceiling ratio and history cost: Postflow against the minimal fan-out on the same worker and
 * server, alternating which goes first in each repetition so drift does not favour one.
 */
export async function measureCeiling(ctx: BenchContext) {
  const { settings } = ctx;
  const result = {
    ceiling_ratio: {} as Record<string, number>,
    postflow_posts_per_s: {} as Record<string, number>,
    baseline_posts_per_s: {} as Record<string, number>,
    history_events: {} as Record<string, number>,
    baseline_history_events: {} as Record<string, number>,
    history_minimum: {} as Record<string, number>,
  };
  // Warm up both paths (JIT, workflow cache, SQLite pages) before anything is measured.
  await postflowThroughput(ctx, 1, 2);
  await baselineThroughput(ctx, 1, 2);
  for (const targets of settings.targets) {
    const seconds = settings.secondsPerRun;
    const ratios: number[] = [];
    const ours: number[] = [];
    const base: number[] = [];
    let sample = { postflow: '', baseline: '' };
    for (let rep = 0; rep < settings.repetitions; rep++) {
      let p: Awaited<ReturnType<typeof postflowThroughput>>;
      let b: Awaited<ReturnType<typeof baselineThroughput>>;
      if (rep % 2 === 0) {
        p = await postflowThroughput(ctx, targets, seconds);
        b = await baselineThroughput(ctx, targets, seconds);
      } else {
        b = await baselineThroughput(ctx, targets, seconds);
        p = await postflowThroughput(ctx, targets, seconds);
      }
      ours.push(p.perSecond);
      base.push(b.perSecond);
      ratios.push(p.perSecond / b.perSecond);
      sample = { postflow: p.ids[0], baseline: b.ids[0] };
    }
    result.ceiling_ratio[targets] = round(median(ratios), 3);
    result.postflow_posts_per_s[targets] = round(median(ours));
    result.baseline_posts_per_s[targets] = round(median(base));
    result.history_events[targets] = await historyLength(ctx, sample.postflow);
    result.baseline_history_events[targets] = await historyLength(ctx, sample.baseline);
    // Started + 3 per workflow task (first, after the completions, best case) + 3 per activity + completed.
    result.history_minimum[targets] = 3 * targets + 8;
    ctx.log(
      `  ${targets} targets: ${result.postflow_posts_per_s[targets]} vs ${result.baseline_posts_per_s[targets]} posts/s (ratio ${result.ceiling_ratio[targets]}), ${result.history_events[targets]} events`,
    );
  }
  return result;
}

import { readFile } from 'node:fs/promises';
import type { ChildProcess } from 'node:child_process';
import type { BenchContext } from '../context';
import { median, round } from '../stats';
import { postflowThroughput, useBenchWorkers } from './ceiling';

/** CPU seconds a process has used (user + system), from /proc. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Throughput of 5-target posts with 1, 2 and 4 worker processes against one server, and how the
 * CPU was shared between the server and the workers: where the bottleneck sits.
 */
export async function measureScaleOut(ctx: BenchContext, workers: ChildProcess[]) {
  const posts_per_s: Record<string, number> = {};
  const cpu_share: Record<string, { server: number; workers: number }> = {};
  const targets = 5;
  for (const count of ctx.settings.workers) {
    workers = await useBenchWorkers(ctx, count, workers);
    const pids = [ctx.stack.temporal.process.pid!, ...workers.map((w) => w.pid!)];
    const runs: number[] = [];
    const before = await Promise.all(pids.map(cpuSeconds));
    for (let rep = 0; rep < ctx.settings.repetitions; rep++) {
      runs.push((await postflowThroughput(ctx, targets, ctx.settings.secondsPerRun)).perSecond);
    }
    const used = (await Promise.all(pids.map(cpuSeconds))).map((after, i) => after - before[i]);
    const total = used.reduce((a, b) => a + b, 0) || 1;
    posts_per_s[count] = round(median(runs));
    cpu_share[count] = {
      server: round(used[0] / total, 2),
      workers: round(used.slice(1).reduce((a, b) => a + b, 0) / total, 2),
    };
    ctx.log(
      `  ${count} worker(s): ${posts_per_s[count]} posts/s; CPU server ${cpu_share[count].server}, workers ${cpu_share[count].workers}`,
    );
  }
  return { scale_out_posts_per_s: posts_per_s, scale_out_cpu_share: cpu_share, workers };
}

import type { BenchContext } from '../context';
import { pool, rssMb } from '../stats';

/**
 * Worker and Temporal server RSS with 0, then more and more sleeping (scheduled) posts, each
 * measured once the worker has run the posts' first workflow task.
 */
export async function measureMemory(ctx: BenchContext) {
  const worker: Record<string, number> = {};
  const server: Record<string, number> = {};
  const farAway = () => new Date(Date.now() + 7 * 86_400_000).toISOString();
  let created = 0;
  const ids: string[] = [];
  for (const target of ctx.settings.sleepingPosts) {
    await pool(Array.from({ length: target - created }), 20, async () => {
      const { post } = await ctx.client.posts.create({
        account_ids: [ctx.accounts[0]],
        text: 'sleeping',
        scheduled_at: farAway(),
      });
      ids.push(post.id);
    });
    created = target;
    await settled(ctx, ids);
    worker[target] = await rssMb(ctx.stack.worker!.pid!);
    server[target] = await rssMb(ctx.stack.temporal.process.pid!);
    ctx.log(`  ${target} sleeping posts: worker ${worker[target]} MB, Temporal ${server[target]} MB`);
  }
  return { worker_rss_mb: worker, temporal_rss_mb: server };
}

/** Waits until a sample of the posts has had its first workflow task, then lets the worker calm down. */
async function settled(ctx: BenchContext, ids: string[]): Promise<void> {
  const sample =
    ids.length <= 20 ? ids : Array.from({ length: 20 }, (_, i) => ids[Math.floor((i * ids.length) / 20)]);
  for (const id of sample) {
    for (;;) {
      const history = await ctx.temporal.workflow.getHandle(id).fetchHistory();
      if (history.events?.some((e) => e.workflowTaskCompletedEventAttributes)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await new Promise((r) => setTimeout(r, 3000));
}

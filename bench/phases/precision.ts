import type { PostflowClient } from '../../client';
import { type BenchContext, PRE_DISPATCH_MS } from '../context';
import { distribution, percentile, pool, round } from '../stats';

/**
 * Schedule precision: posts spread evenly over a window, plus a burst due in the same second;
 * the lag is from `scheduled_at` to the sandbox's publish call. Run once with the posts' publish
 * calls dispatched ahead of their instant (pre-dispatch), once at the instant (the baseline).
 */
export async function measurePrecisionBothWays(ctx: BenchContext) {
  ctx.log('  at the instant (the baseline):');
  const atInstant = await measurePrecision(ctx, ctx.client);
  ctx.log(`  dispatched ${PRE_DISPATCH_MS / 1000} s ahead (pre-dispatch):`);
  const ahead = await measurePrecision(ctx, ctx.preDispatchClient);
  const { distribution: atInstantDistribution, ...figures } = atInstant;
  return {
    ...figures,
    fire_lag_pre_dispatch_ms: ahead.fire_lag_ms,
    fire_lag_distribution_ms: { at_instant: atInstantDistribution, pre_dispatch: ahead.distribution },
    burst_1000_drain_pre_dispatch_s: ahead.burst_1000_drain_s,
    pre_dispatch_s: PRE_DISPATCH_MS / 1000,
  };
}

async function measurePrecision(ctx: BenchContext, client: PostflowClient) {
  const { posts, windowS, burst } = ctx.settings.precision;
  const [spreadAccount, burstAccount] = ctx.accounts;

  // Lead time: enough to create every post before the first is due (measured rate, with margin).
  const probeStart = performance.now();
  await pool(Array.from({ length: 20 }), 10, async () => {
    await client.posts.create({
      account_ids: [spreadAccount],
      text: 'probe',
      scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
    });
  });
  const perPostMs = (performance.now() - probeStart) / 20;
  const leadMs = Math.round((posts + burst) * perPostMs * 1.5 + 10_000);
  const t0 = Date.now() + leadMs;
  const burstAt = Math.floor((t0 + (windowS * 1000) / 2) / 1000) * 1000;
  ctx.log(`  creating ${posts} + ${burst} posts; the first is due in ${Math.round(leadMs / 1000)} s`);

  const due = new Map<string, number>();
  const plan = [
    ...Array.from({ length: posts }, (_, i) => ({
      account: spreadAccount,
      at: t0 + Math.floor((i * windowS * 1000) / posts),
    })),
    ...Array.from({ length: burst }, () => ({ account: burstAccount, at: burstAt })),
  ];
  await pool(plan, 20, async ({ account, at }) => {
    const { post } = await client.posts.create({
      account_ids: [account],
      text: 'on time',
      scheduled_at: new Date(at).toISOString(),
    });
    due.set(post.id, at);
  });
  if (Date.now() > t0) ctx.log(`  warning: creation overran the lead time by ${Date.now() - t0} ms`);

  const deadline = t0 + windowS * 1000 + 600_000;
  let spread = await ctx.store.sandbox.list(spreadAccount);
  let burstItems = await ctx.store.sandbox.list(burstAccount);
  // Both accounts also hold the posts of earlier phases (the ceiling's multi-target posts use the
  // burst account too): count only this phase's posts, or the wait ends before the burst is out.
  while ((countDue(spread, due) < posts || countDue(burstItems, due) < burst) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1000));
    spread = await ctx.store.sandbox.list(spreadAccount);
    burstItems = await ctx.store.sandbox.list(burstAccount);
  }
  const lags = [...spread, ...burstItems]
    .filter((item) => due.has(item.ref.split('/')[0]))
    .map((item) => Date.parse(item.publishedAt) - due.get(item.ref.split('/')[0])!);
  if (lags.length < posts + burst)
    throw new Error(
      `only ${lags.length} of ${posts + burst} scheduled posts were published ${Math.round((Date.now() - deadline) / 1000 + 600)} s after the last was due`,
    );
  const burstDrain =
    Math.max(
      ...burstItems.filter((i) => due.has(i.ref.split('/')[0])).map((i) => Date.parse(i.publishedAt)),
    ) - burstAt;
  const result = {
    fire_lag_ms: {
      p50: round(percentile(lags, 50)),
      p99: round(percentile(lags, 99)),
      max: round(Math.max(...lags)),
    },
    burst_1000_drain_s: round(burstDrain / 1000, 2),
    precision_posts: posts,
    precision_burst: burst,
    distribution: distribution(lags),
  };
  ctx.log(
    `  lag p50 ${result.fire_lag_ms.p50} ms, p99 ${result.fire_lag_ms.p99} ms, max ${result.fire_lag_ms.max} ms; burst of ${burst} drained in ${result.burst_1000_drain_s} s`,
  );
  return result;
}

function countDue(items: Array<{ ref: string }>, due: Map<string, number>): number {
  return items.filter((item) => due.has(item.ref.split('/')[0])).length;
}

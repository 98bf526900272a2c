import { Context } from '@temporalio/activity';
import { parseMetricsSchedule } from '../api/metrics-schedule';
import type { MetricsJob, MetricsOutcome } from '../api/types';
import type { Store } from '../store/types';
import { toPublishFailure } from './errors';
import type { ConcurrencyLimit } from './platforms/limiter';
import type { PlatformRegistry } from './platforms/registry';
import { settleRevokedToken } from './token-upkeep';

export interface MetricsActivityDeps {
  store: Store;
  platforms: PlatformRegistry;
  limit: (platform: string) => ConcurrencyLimit;
  env: Record<string, string | undefined>;
}

/** The activities of `collectPostMetrics`: the schedule it follows, and one target's read. */
export function createMetricsActivities({ store, platforms, limit, env }: MetricsActivityDeps) {
  return {
    /** `POSTFLOW_METRICS_SCHEDULE` as offsets (ms) after publishing; recorded once per collection. */
    async metricsSchedule(): Promise<number[]> {
      return parseMetricsSchedule(env.POSTFLOW_METRICS_SCHEDULE);
    },

    /**
     * Reads one published target's metrics from its platform and stores them. A target deleted
     * through Postflow is not read again (`gone`); nor is one the platform says is gone. A read
     * changes nothing, so Temporal retries failures in place, waiting what a rate limit asked for.
     */
    async collectTargetMetrics(job: MetricsJob): Promise<MetricsOutcome> {
      const adapter = platforms.get(job.platform);
      if (!adapter?.fetchMetrics) return { outcome: 'not_supported' };
      if ((await store.unpublished.accounts(job.postId)).includes(job.accountId)) return { outcome: 'gone' };
      const account = await store.getAccount(job.accountId);
      if (!account) return { outcome: 'gone' };
      try {
        const metrics = await limit(job.platform).run(async () =>
          adapter.fetchMetrics!({
            account: {
              id: account.id,
              platform: account.platform,
              name: account.name,
              credentials: await store.accountCredentials(account.id),
            },
            post: job.receipt,
            signal: Context.current().cancellationSignal,
          }),
        );
        if (!metrics) return { outcome: 'gone' };
        const syncedAt = new Date().toISOString();
        await store.metrics.record(job.postId, job.accountId, metrics, syncedAt);
        return { outcome: 'synced', metrics, syncedAt };
      } catch (err) {
        throw toPublishFailure(await settleRevokedToken(store, job.accountId, err), { retryHere: true });
      }
    },
  };
}

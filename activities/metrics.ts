import { Context } from '@temporalio/activity';
import { parseMetricsSchedule } from '../api/metrics-schedule';
import { ADD_METRICS_TARGETS, metricsWorkflowId } from '../api/metrics-collection';
import type { CollectMetricsInput, MetricsJob, MetricsOutcome } from '../api/types';
import { PublishError } from '../platforms/kit/adapter';
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

/** A rate limit that named no reset: wait a minute, the shortest window platforms use. */
const DEFAULT_RATE_LIMIT_WAIT_MS = 60_000;

/** The activities of `collectPostMetrics`: the schedule it follows, and one target's read. */
export function createMetricsActivities({ store, platforms, limit, env }: MetricsActivityDeps) {
  return {
    /** `POSTFLOW_METRICS_SCHEDULE` as offsets (ms) after publishing; recorded once per collection. */
    async metricsSchedule(): Promise<number[]> {
      return parseMetricsSchedule(env.POSTFLOW_METRICS_SCHEDULE);
    },

    /**
     * Starts the post's metrics collection with these targets, or hands them to the one running
     * (signal-with-start on the post's collection id, on the workflow's own task queue): a
     * repeated call starts nothing twice, and the collection takes each target once. Run as the
     * post's local activity, it costs the post's history one event where a child workflow's
     * start cost several.
     */
    async startMetricsCollection(input: CollectMetricsInput): Promise<void> {
      const { client, info } = Context.current();
      await client.workflow.signalWithStart('collectPostMetrics', {
        workflowId: metricsWorkflowId(input.postId),
        taskQueue: info.taskQueue,
        args: [input],
        signal: ADD_METRICS_TARGETS,
        signalArgs: [input.targets],
      });
    },

    /**
     * Reads one published target's metrics for the pass due at `dueAt` and stores them (once per
     * pass: a repeat returns what the first stored). A target deleted through Postflow is not
     * read again (`gone`); nor is one the platform says is gone. A rate limit goes back to the
     * workflow with its wait; other failures Temporal retries in place.
     */
    async collectTargetMetrics(job: MetricsJob, dueAt: string): Promise<MetricsOutcome> {
      const adapter = platforms.get(job.platform);
      if (!adapter?.fetchMetrics) return { outcome: 'not_supported' };
      if ((await store.unpublished.accounts(job.postId)).includes(job.accountId)) return { outcome: 'gone' };
      const account = await store.getAccount(job.accountId);
      if (!account) return { outcome: 'gone' };
      let metrics;
      try {
        metrics = await limit(job.platform).run(async () =>
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
      } catch (err) {
        if (err instanceof PublishError && err.failure.category === 'rate_limit') {
          return {
            outcome: 'rate_limited',
            retryAfterMs: err.failure.retryAfterMs ?? DEFAULT_RATE_LIMIT_WAIT_MS,
          };
        }
        throw toPublishFailure(await settleRevokedToken(store, job.accountId, err), { retryHere: true });
      }
      if (!metrics) return { outcome: 'gone' };
      const stored = await store.metrics.record({
        postId: job.postId,
        accountId: job.accountId,
        dueAt,
        syncedAt: new Date().toISOString(),
        metrics,
      });
      return { outcome: 'synced', metrics: stored.metrics, syncedAt: stored.syncedAt };
    },
  };
}

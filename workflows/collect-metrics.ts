import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  defineSignal,
  log,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { PostflowActivities } from '../activities';
import { ADD_METRICS_TARGETS, metricsWorkflowId } from '../api/metrics-collection';
import { metricsUpdatedEvent } from '../api/post-events';
import type { CollectMetricsInput, MetricsJob, MetricsOutcome } from '../api/types';
import { startDeliveries } from './webhook-delivery';

export { metricsWorkflowId };

/** Targets a retry published after the collection began: collected from their own publish on. */
export const addMetricsTargets = defineSignal<[MetricsJob[]]>(ADD_METRICS_TARGETS);

/** Reading the schedule and the subscribers are quick local reads. */
const { metricsSchedule, webhookSubscribers } = proxyLocalActivities<PostflowActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 minute',
});

/**
 * A metrics read changes nothing, so Temporal retries a transient failure in place with backoff,
 * for up to a day: a pass is late rather than lost. A rate limit is not retried here: the
 * activity answers `rate_limited` and the workflow waits the platform's reset on a durable timer.
 */
const READ: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
};

/** How long a pass keeps waiting out rate limits before it is skipped for that target. */
const RATE_LIMIT_PATIENCE_MS = 24 * 3_600_000;

function collectTargetMetrics(job: MetricsJob, dueAt: string): Promise<MetricsOutcome> {
  const options = job.taskQueue ? { ...READ, taskQueue: job.taskQueue } : READ;
  return proxyActivities<PostflowActivities>(options).collectTargetMetrics(job, dueAt);
}

/**
 * Collects a published post's metrics at each offset of the schedule (`POSTFLOW_METRICS_SCHEDULE`,
 * +1 h, +24 h, +7 d by default) after each target's publish, with durable timers: a worker
 * restart or a Temporal outage delays a pass, never loses or repeats it (the store keeps one row
 * per target and due time). Each pass stores the numbers (the activity) and sends
 * `post.metrics_updated`. A target deleted (through Postflow or on its platform) is not read
 * again; once none is left, the collection ends.
 */
export async function collectPostMetrics(input: CollectMetricsInput): Promise<void> {
  const targets = [...input.targets];
  setHandler(addMetricsTargets, (more) => {
    for (const t of more) if (!targets.some((k) => k.accountId === t.accountId)) targets.push(t);
  });
  const schedule = await metricsSchedule();
  /** How many passes each target has had. */
  const done = new Map<string, number>();
  const gone = new Set<string>();
  let pass = 0;
  for (;;) {
    const live = targets.filter(
      (t) => !gone.has(t.accountId) && (done.get(t.accountId) ?? 0) < schedule.length,
    );
    if (live.length === 0) return;
    const dueAt = (t: MetricsJob) =>
      Date.parse(t.receipt.publishedAt) + schedule[done.get(t.accountId) ?? 0]!;
    const next = Math.min(...live.map(dueAt));
    if (next > Date.now()) {
      await sleep(next - Date.now());
      continue; // a signal may have added a target due earlier
    }
    const due = live.filter((t) => dueAt(t) <= Date.now());
    const outcomes = await Promise.all(due.map((t) => readPass(t, new Date(dueAt(t)).toISOString())));
    const synced: Parameters<typeof metricsUpdatedEvent>[2] = [];
    due.forEach((t, i) => {
      done.set(t.accountId, (done.get(t.accountId) ?? 0) + 1);
      const outcome = outcomes[i]!;
      if (outcome.outcome === 'synced') {
        synced.push({
          account_id: t.accountId,
          platform: t.platform,
          metrics: outcome.metrics,
          metrics_synced_at: outcome.syncedAt,
        });
      } else if (outcome.outcome === 'gone' || outcome.outcome === 'not_supported') {
        gone.add(t.accountId);
      }
    });
    if (synced.length) await notify(input, ++pass, synced);
  }
}

type PassOutcome = MetricsOutcome | { outcome: 'failed' };

/**
 * One target's read for the pass due at `dueAt`: a rate limit waits the reset the adapter read
 * from the platform (a durable timer, so a worker restart does not shorten or repeat it) and reads
 * again. A final failure (after in-place retries) is logged and the target waits for its next pass.
 */
async function readPass(job: MetricsJob, dueAt: string): Promise<PassOutcome> {
  for (;;) {
    let outcome: MetricsOutcome;
    try {
      outcome = await collectTargetMetrics(job, dueAt);
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      log.warn('metrics pass skipped a target', {
        accountId: job.accountId,
        error: cause instanceof ApplicationFailure ? cause.message : String(cause),
      });
      return { outcome: 'failed' };
    }
    if (outcome.outcome !== 'rate_limited') return outcome;
    if (Date.now() + outcome.retryAfterMs > Date.parse(dueAt) + RATE_LIMIT_PATIENCE_MS) {
      log.warn('metrics pass skipped a target: rate-limited for a day', { accountId: job.accountId });
      return { outcome: 'failed' };
    }
    await sleep(outcome.retryAfterMs);
  }
}

/** `post.metrics_updated` to each subscribed endpoint, one durable delivery each (as the post's events). */
async function notify(
  input: CollectMetricsInput,
  pass: number,
  targets: Parameters<typeof metricsUpdatedEvent>[2],
): Promise<void> {
  const event = metricsUpdatedEvent(input.postId, pass, targets);
  let endpointIds: string[];
  try {
    endpointIds = await webhookSubscribers(input.userId, event.event, input.postId);
  } catch (err) {
    log.warn('post.metrics_updated dropped: subscribers could not be looked up', { error: String(err) });
    return;
  }
  const post = input.postId.replace(/^post_/, '');
  await startDeliveries(
    event,
    endpointIds,
    (endpointId) => `dlv_${post}_m${pass}_${endpointId.replace(/^wh_/, '')}`,
  );
}

import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  defineSignal,
  log,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
  startChild,
} from '@temporalio/workflow';
import type { PostflowActivities } from '../activities';
import { metricsUpdatedEvent } from '../api/post-events';
import type { CollectMetricsInput, MetricsJob, MetricsOutcome } from '../api/types';
import { deliverWebhook } from './webhook-delivery';

/** The collection's workflow id: one per post, so a second start joins it and a delete finds it. */
export const metricsWorkflowId = (postId: string) => `metrics_${postId.replace(/^post_/, '')}`;

/** Targets a retry published after the collection began: collected from their own publish on. */
export const addMetricsTargets = defineSignal<[MetricsJob[]]>('addMetricsTargets');

/** Reading the schedule and the subscribers are quick local reads. */
const { metricsSchedule, webhookSubscribers } = proxyLocalActivities<PostflowActivities>({
  startToCloseTimeout: '10 seconds',
  scheduleToCloseTimeout: '1 minute',
});

/**
 * A metrics read changes nothing, so Temporal retries it in place with backoff, waiting what a
 * rate limit asked for (the failure's `nextRetryDelay`), for up to a day: a pass is late rather
 * than lost. A final failure skips the target for this pass only.
 */
const READ: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '30 minutes' },
};

function collectTargetMetrics(job: MetricsJob): Promise<MetricsOutcome> {
  const options = job.taskQueue ? { ...READ, taskQueue: job.taskQueue } : READ;
  return proxyActivities<PostflowActivities>(options).collectTargetMetrics(job);
}

/**
 * Collects a published post's metrics at each offset of the schedule (`POSTFLOW_METRICS_SCHEDULE`,
 * +1 h, +24 h, +7 d by default) after each target's publish, with durable timers: a worker
 * restart or a Temporal outage delays a pass, never loses or repeats it. Each pass stores the
 * numbers (the activity) and sends `post.metrics_updated`. A target deleted (through Postflow or
 * on its platform) is not read again; once none is left, the collection ends.
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
    const outcomes = await Promise.all(due.map(readOnce));
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
      } else if (outcome.outcome !== 'failed') gone.add(t.accountId);
    });
    if (synced.length) await notify(input, ++pass, synced);
  }
}

/** One read; a final failure (after in-place retries) is logged and the target waits for its next pass. */
async function readOnce(job: MetricsJob): Promise<MetricsOutcome | { outcome: 'failed' }> {
  try {
    return await collectTargetMetrics(job);
  } catch (err) {
    const cause = err instanceof ActivityFailure ? err.cause : err;
    log.warn('metrics pass skipped a target', {
      accountId: job.accountId,
      error: cause instanceof ApplicationFailure ? cause.message : String(cause),
    });
    return { outcome: 'failed' };
  }
}

/** `post.metrics_updated` to each subscribed endpoint, one durable delivery each (as the post's events). */
async function notify(
  input: CollectMetricsInput,
  pass: number,
  targets: Parameters<typeof metricsUpdatedEvent>[2],
): Promise<void> {
  const event = metricsUpdatedEvent(input.postId, pass, targets);
  try {
    for (const endpointId of await webhookSubscribers(input.userId, event.event, input.postId)) {
      const deliveryId = `dlv_${input.postId.replace(/^post_/, '')}_m${pass}_${endpointId.replace(/^wh_/, '')}`;
      await startChild(deliverWebhook, {
        workflowId: deliveryId,
        args: [{ deliveryId, endpointId, event }],
        parentClosePolicy: ParentClosePolicy.ABANDON,
      }).catch((err: unknown) =>
        log.warn('webhook delivery not started', { deliveryId, error: String(err) }),
      );
    }
  } catch (err) {
    log.warn('post.metrics_updated dropped: subscribers could not be looked up', { error: String(err) });
  }
}

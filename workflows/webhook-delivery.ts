import {
  ActivityFailure,
  ApplicationFailure,
  log,
  ParentClosePolicy,
  proxyActivities,
  sleep,
  startChild,
} from '@temporalio/workflow';
import type { PostflowActivities } from '../activities';
import type { WebhookJob } from '../activities/webhooks';

/** The contract's delivery schedule (§6): at once, then after ~30 s, ~5 min, ~30 min and ~3 h. */
export const WEBHOOK_SCHEDULE_MS = [0, 30_000, 5 * 60_000, 30 * 60_000, 3 * 3_600_000];

/** One attempt per activity: the schedule above, not the activity retry policy, paces retries. */
const { sendWebhook } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 1 },
});

/** Writing the delivery log is idempotent: retried freely. */
const { failWebhookDelivery } = proxyActivities<PostflowActivities>({ startToCloseTimeout: '30 seconds' });

/**
 * Delivers one post event to one endpoint, durably: a worker crash or a receiver outage delays
 * the delivery, and after the last attempt the delivery is logged as failed.
 */
export async function deliverWebhook(job: WebhookJob): Promise<'delivered' | 'skipped' | 'failed'> {
  for (const wait of WEBHOOK_SCHEDULE_MS) {
    if (wait) await sleep(wait);
    try {
      return await sendWebhook(job);
    } catch (err) {
      const cause = err instanceof ActivityFailure ? err.cause : err;
      if (cause instanceof ApplicationFailure && cause.nonRetryable) break;
    }
  }
  await failWebhookDelivery(job.deliveryId);
  return 'failed';
}

/**
 * Hands `event` to one durable delivery workflow per endpoint (abandoned children, so a delivery
 * outlives the workflow that started it). The ids are the caller's, derived from what it knows, so
 * a replay starts the same children. A start that fails is logged, never thrown: webhooks never
 * hold up or fail the workflow that emits them.
 */
export async function startDeliveries(
  event: WebhookJob['event'],
  endpointIds: readonly string[],
  deliveryIdOf: (endpointId: string) => string,
): Promise<void> {
  for (const endpointId of endpointIds) {
    const deliveryId = deliveryIdOf(endpointId);
    await startChild(deliverWebhook, {
      workflowId: deliveryId,
      args: [{ deliveryId, endpointId, event }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    }).catch((err: unknown) => log.warn('webhook delivery not started', { deliveryId, error: String(err) }));
  }
}

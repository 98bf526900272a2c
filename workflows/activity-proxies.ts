import { proxyActivities } from '@temporalio/workflow';
import type { PostflowActivities } from '../activities';

/**
 * Activity options, grouped by side effect. Read this file first when reviewing retry policy.
 */

/**
 * The publish call is irreversible: a retried attempt whose predecessor timed out but still went
 * through would post twice. So it runs once; the workflow decides every retry, after proving
 * (by the failure, or by reconcile) that nothing was published. The heartbeat timeout notices a
 * dead worker in seconds instead of waiting for the start-to-close timeout.
 */
export const { publishTarget } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '15 seconds',
  retry: { maximumAttempts: 1 },
});

/**
 * Preparing (uploads, containers) and checking processing status change nothing the followers
 * see, so Temporal retries their transient failures in place, honouring a platform's
 * Retry-After; a final failure or an expired token goes back to the workflow. Uploads of large
 * videos take time, hence the long start-to-close with a heartbeat to notice a dead worker.
 */
export const { prepareTarget, checkPreparedTarget, checkPublishedTarget } =
  proxyActivities<PostflowActivities>({
    startToCloseTimeout: '30 minutes',
    heartbeatTimeout: '30 seconds',
    scheduleToCloseTimeout: '2 hours',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
  });

/**
 * Looking a post up on the platform changes nothing, so it retries freely with backoff, for as
 * long as a platform outage reasonably lasts.
 */
export const { findPublished } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '2 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
});

/** A token refresh is idempotent on our side; a refused refresh is final (non-retryable). */
export const { refreshAccount } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

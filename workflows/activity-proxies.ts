import { ActivityCancellationType, type ActivityOptions, proxyActivities } from '@temporalio/workflow';
import type { PostflowActivities } from '../activities';

/**
 * Activity options, grouped by side effect. Read this file first when reviewing retry policy.
 *
 * Every activity here calls the platform, so each can run on the platform's own task queue
 * (`PostSpec.platformQueues`, docs/deploy.md "Sizing per platform"); `platformCalls(queue)`
 * returns them for one queue, `platformCalls()` for the workflow's own.
 */

/**
 * How long a publish call may run, counted from when the workflow schedules it. The activity
 * aborts its platform calls at this deadline (activities/index.ts), so a worker cut off from
 * Temporal cannot land the call later: reconcile believes "absent" only after it (delivery.ts).
 */
export const PUBLISH_DEADLINE_MS = 5 * 60_000;

/**
 * The publish call is irreversible: a retried attempt whose predecessor timed out but still went
 * through would post twice. So it runs once; the workflow decides every retry, after proving
 * (by the failure, or by reconcile) that nothing was published. The heartbeat timeout notices a
 * dead worker in seconds instead of waiting for the deadline; schedule-to-close is the deadline
 * itself, known to both the workflow and the activity.
 */
const PUBLISH: ActivityOptions = {
  startToCloseTimeout: PUBLISH_DEADLINE_MS,
  scheduleToCloseTimeout: PUBLISH_DEADLINE_MS,
  heartbeatTimeout: '15 seconds',
  retry: { maximumAttempts: 1 },
};

/**
 * A delivery dispatched before its instant (`DeliveryJob.notBefore`) may be recalled until its
 * publish call answers (a cancel or reschedule came): the workflow cancels what it is doing. A
 * cancelled activity must not be taken for ended: the workflow waits for its own answer, which for
 * the publish call says whether it stopped before calling, and for an upload that it stopped
 * writing to the session the next dispatch goes on in. The activity learns of the recall with the
 * answer to its next heartbeat, which the SDK sends at most every 0.8 × the heartbeat timeout:
 * hence the publish call's shorter one here (RECALL_BOUND_MS).
 */
const RECALLABLE: ActivityOptions = {
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
};

/**
 * How long recalling a dispatched delivery may take, at most: the next heartbeat of what it runs
 * (8 s apart at most for the publish call, 24 s for an upload), its answer, and the workflow task.
 * A change of a waiting post may wait this long (post.ts `changeWaiting`); the client gives such
 * updates this much more time.
 */
export const RECALL_BOUND_MS = 30_000;

/**
 * Preparing (uploads, containers) and checking processing status change nothing the followers
 * see, so Temporal retries their transient failures in place, honouring a platform's
 * Retry-After; a final failure or an expired token goes back to the workflow. Uploads of large
 * videos take time, hence the long start-to-close with a heartbeat to notice a dead worker.
 */
const PREPARE_AND_CHECK: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: '2 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
};

/**
 * A long upload (`uploadTarget`; the prepare of a platform that uploads in it, `UPLOAD_STEP`) is
 * reversible and resumable: it heartbeats where it stands, and the heartbeat timeout notices a
 * dead worker in seconds whatever the file's size; no start-to-close is sized for a file. Each
 * attempt may run until the schedule-to-close bound; Temporal retries in place, and a retry
 * goes on in the platform's session from the offset the platform acknowledged.
 */
const UPLOAD: ActivityOptions = {
  heartbeatTimeout: '30 seconds',
  scheduleToCloseTimeout: '24 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '2 minutes' },
};

/*
 * The first comment (`commentOnTarget`) is irreversible like the publish call, so it runs with
 * PUBLISH's options: one attempt, the same deadline; workflows/first-comment.ts decides retries.
 */

/**
 * Looking a post (or its first comment) up on the platform changes nothing, so it retries freely with backoff, for as
 * long as a platform outage reasonably lasts.
 */
const FIND: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  scheduleToCloseTimeout: '2 hours',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
};

/** A token refresh is idempotent on our side; a refused refresh is final (non-retryable). */
const REFRESH: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
};

/**
 * The platform-calling activities of a delivery, scheduled on `taskQueue` (unset: the workflow's
 * own, exactly as before per-platform queues existed, so older histories replay unchanged); the
 * long uploads on `uploadQueue` when the post has one (`PostSpec.uploadQueue`), else likewise.
 */
export function platformCalls(taskQueue?: string, uploadQueue?: string, { recallable = false } = {}) {
  const on = (options: ActivityOptions, queue = taskQueue): ActivityOptions => {
    // A dispatched delivery's calls (RECALLABLE); the publish call learns of a recall sooner.
    const recall: ActivityOptions = recallable
      ? { ...RECALLABLE, ...(options === PUBLISH ? { heartbeatTimeout: '10 seconds' } : {}) }
      : {};
    return { ...options, ...recall, ...(queue ? { taskQueue: queue } : {}) };
  };
  const uploads = proxyActivities<PostflowActivities>(on(UPLOAD, uploadQueue ?? taskQueue));
  const { publishTarget, commentOnTarget } = proxyActivities<PostflowActivities>(on(PUBLISH));
  const { prepareTarget, checkPreparedTarget, checkPublishedTarget, reusePrepared } =
    proxyActivities<PostflowActivities>(on(PREPARE_AND_CHECK));
  const { findPublished, findComment, abandonDispatch } = proxyActivities<PostflowActivities>(on(FIND));
  const { refreshAccount } = proxyActivities<PostflowActivities>(on(REFRESH));
  return {
    publishTarget,
    prepareTarget,
    uploadTarget: uploads.uploadTarget,
    /** `prepareTarget` of a platform that uploads in its prepare (`UPLOAD_STEP`), as an upload. */
    prepareUpload: uploads.prepareTarget,
    checkPreparedTarget,
    checkPublishedTarget,
    reusePrepared,
    findPublished,
    /** Claims the fence of a dispatched call Temporal gave up on (store only; retried like a look-up). */
    abandonDispatch,
    refreshAccount,
    commentOnTarget,
    findComment,
  };
}

export type PlatformCalls = ReturnType<typeof platformCalls>;

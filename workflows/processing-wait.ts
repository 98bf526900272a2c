import { ApplicationFailure, sleep } from '@temporalio/workflow';
import { type DeliveryJob, PUBLISH_ERROR_TYPE, type PublishFailure } from '../api/types';

/** Bounds on the pause between two processing checks, whatever the platform suggests. */
const POLL_MIN_MS = 1_000;
const POLL_MAX_MS = 5 * 60_000;

/** Waits before the next processing check, as a durable timer; past the deadline, the wait has failed. */
export async function pollPause(pollAfterMs: number, deadline: number, job: DeliveryJob): Promise<void> {
  if (Date.now() >= deadline) {
    throw ApplicationFailure.create({
      type: PUBLISH_ERROR_TYPE,
      message: 'processing timed out',
      nonRetryable: true,
      details: [
        {
          category: 'platform',
          caused_by: 'platform',
          code: `platform.${job.target.platform}.processing_timeout`,
          message: `${job.target.platform} was still processing the post when its deadline passed.`,
          retryable: false,
          // After the publish call the post may yet appear: let reconcile look before any retry.
          outcomeUnknown: true,
        } satisfies PublishFailure,
      ],
    });
  }
  await sleep(Math.min(Math.max(pollAfterMs, POLL_MIN_MS), POLL_MAX_MS));
}

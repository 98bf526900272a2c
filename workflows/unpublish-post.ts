import {
  ActivityFailure,
  type ActivityOptions,
  ApplicationFailure,
  proxyActivities,
} from '@temporalio/workflow';
import type { PostflowActivities } from '../activities';
import type { UnpublishJob, UnpublishResult } from '../api/types';

/**
 * A platform delete is idempotent (deleting what is gone is success), so it retries with
 * backoff through outages; after that the target is reported as failed and stays live.
 */
const UNPUBLISH: ActivityOptions = {
  startToCloseTimeout: '1 minute',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    maximumAttempts: 6,
  },
};

/**
 * The delete calls the platform, so it runs on the platform's own queue when the client routed
 * it there (`UnpublishJob.taskQueue`, from `POSTFLOW_PLATFORM_QUEUES`); jobs without one, as in
 * every unpublish started before, use the workflow's queue.
 */
function unpublishTarget(job: UnpublishJob): Promise<UnpublishResult> {
  const options = job.taskQueue ? { ...UNPUBLISH, taskQueue: job.taskQueue } : UNPUBLISH;
  return proxyActivities<PostflowActivities>(options).unpublishTarget(job);
}

/**
 * Deletes a published post from its platforms (`DELETE /v1/posts/{id}`): every target at once,
 * each with its own outcome. Durable, so a crash midway resumes instead of leaving it half done.
 */
export async function unpublishPost(jobs: UnpublishJob[]): Promise<UnpublishResult[]> {
  return Promise.all(
    jobs.map((job) =>
      unpublishTarget(job).catch((err: unknown): UnpublishResult => {
        const cause = err instanceof ActivityFailure ? err.cause : err;
        return {
          platform: job.platform,
          account_id: job.accountId,
          outcome: 'failed',
          message: cause instanceof ApplicationFailure ? cause.message : String(cause),
        };
      }),
    ),
  );
}

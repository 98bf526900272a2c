import { ActivityFailure, ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { AccountHelperAnswer, AccountHelperJob } from '../api/account-helpers';
import { PUBLISH_ERROR_TYPE, type PublishFailure } from '../api/types';
import type { PostflowActivities } from '../activities';

/**
 * One account helper (`GET /v1/accounts/{id}/boards`, `/creator-info`, `/limits`, reading,
 * creating, changing or deleting a board): the API may not call platforms, so it runs this short workflow and waits for its answer.
 * The platform call runs on the platform's queue where it has one (`job.queue`). An expired token
 * is refreshed once, then the call is made again; any other failure is the answer.
 */
export async function accountHelper(job: AccountHelperJob): Promise<AccountHelperAnswer> {
  const on = job.queue ? { taskQueue: job.queue } : {};
  const { runAccountHelper } = proxyActivities<PostflowActivities>({
    ...on,
    startToCloseTimeout: '30 seconds',
    retry: { maximumAttempts: 1 },
  });
  const { refreshAccount } = proxyActivities<PostflowActivities>({
    ...on,
    startToCloseTimeout: '30 seconds',
    retry: { initialInterval: '1 second', maximumAttempts: 2 },
  });
  try {
    return await runAccountHelper(job);
  } catch (err) {
    if (!refreshable(err)) throw err;
  }
  await refreshAccount(job.accountId);
  return runAccountHelper(job);
}

function refreshable(err: unknown): boolean {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (!(cause instanceof ApplicationFailure) || cause.type !== PUBLISH_ERROR_TYPE) return false;
  return !!(cause.details?.[0] as PublishFailure | undefined)?.refreshable;
}

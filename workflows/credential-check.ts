import { ActivityFailure, proxyActivities } from '@temporalio/workflow';
import type { CredentialCheckJob, CredentialCheckResult } from '../api/credential-check';
import type { PostflowActivities } from '../activities';

/** The API waits for the answer: a few quick retries on network trouble, then "unreachable". */
const { checkAccountCredentials } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '20 seconds',
  scheduleToCloseTimeout: '45 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds' },
});

/**
 * One check of a credential platform's credentials for connect: the API may not call platforms
 * (docs/architecture.md), so the worker asks, through the platform's adapter. Nothing is stored.
 */
export async function credentialCheck(job: CredentialCheckJob): Promise<CredentialCheckResult> {
  try {
    return await checkAccountCredentials(job);
  } catch (err) {
    if (!(err instanceof ActivityFailure)) throw err;
    const cause = (err.cause as Error | undefined)?.message;
    return {
      status: 'unreachable',
      message: `${job.platform} did not answer${cause ? ` (${cause})` : ''}.`,
    };
  }
}

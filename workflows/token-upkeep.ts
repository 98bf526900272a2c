import { proxyActivities } from '@temporalio/workflow';
import type { PostflowActivities } from '../activities';
import type { RenewalOutcome } from '../activities/token-upkeep';

/**
 * The token-upkeep job, started by the `postflow-token-upkeep` Schedule (worker/token-upkeep-schedule.ts):
 * renews the access tokens about to expire of accounts that may not post before they do (Meta's
 * long-lived tokens can be refreshed only while valid). Account ids and outcomes only: the
 * activities load and store the credentials.
 */

/** Listing reads every renewable account's credentials: retried in place if the store hiccups. */
const { accountsDueForRenewal } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '5 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 5 },
});

/**
 * One renewal: platform failures come back as outcomes, so only unexpected errors (the store
 * down) are retried, a few times; after that the account waits for the next run.
 */
const { renewAccountToken } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumAttempts: 3 },
});

/** Renewals running at once: the platforms' concurrency limits are per delivery step, not here. */
const PARALLEL_RENEWALS = 4;

export interface TokenUpkeepReport {
  /** Accounts found inside their renew window. */
  due: number;
  renewed: string[];
  /** Refused by the platform: marked `reconnect_required`. */
  reconnectRequired: string[];
  /** The platform failed in passing (or the store): the next run tries again. */
  retryLater: string[];
  /** Renewed or deactivated meanwhile. */
  notDue: string[];
}

export async function tokenUpkeep(): Promise<TokenUpkeepReport> {
  const due = await accountsDueForRenewal();
  const outcomes = new Map<string, RenewalOutcome>();
  let next = 0;
  // A few lanes take accounts in turn; one account's failure never stops the others.
  const lane = async () => {
    while (next < due.length) {
      const accountId = due[next++]!;
      try {
        outcomes.set(accountId, await renewAccountToken(accountId));
      } catch {
        outcomes.set(accountId, 'retry_later');
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_RENEWALS, due.length) }, lane));
  const having = (outcome: RenewalOutcome) => due.filter((id) => outcomes.get(id) === outcome).sort();
  return {
    due: due.length,
    renewed: having('renewed'),
    reconnectRequired: having('reconnect_required'),
    retryLater: having('retry_later'),
    notDue: having('not_due'),
  };
}

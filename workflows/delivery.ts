import { ActivityFailure, ApplicationFailure, sleep, TimeoutFailure } from '@temporalio/workflow';
import { type DeliveryJob, type DeliveryState, PUBLISH_ERROR_TYPE, type PublishFailure } from '../api/types';
import { findPublished, publishTarget, refreshAccount } from './activity-proxies';

/** Publish calls per delivery run before a retryable failure becomes final. */
export const MAX_PUBLISH_ATTEMPTS = 6;
/** Backoff between automatic retries: 2 s, 4 s, 8 s … capped at 10 minutes. */
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_CAP_MS = 10 * 60_000;
/** A Retry-After longer than this is not honoured; the delivery fails instead of waiting for days. */
const RETRY_AFTER_CAP_MS = 24 * 3_600_000;
/** Give a platform a moment to show a post whose creation answer was lost, before looking it up. */
const RECONCILE_SETTLE_MS = 2_000;

/**
 * Runs one target's delivery to a final state (`published` or `failed`); never throws.
 *
 * pending → publishing → published | failed, where every failure is classified and:
 * - an unknown outcome is reconciled (looked up on the platform) before anything else;
 * - an expired token is refreshed once;
 * - a rate limit waits its Retry-After, a transient failure an exponential backoff, as durable timers;
 * - anything else is final.
 */
export async function deliver(delivery: DeliveryState, job: DeliveryJob, touch: () => void): Promise<void> {
  const update = (patch: Partial<DeliveryState>) => {
    Object.assign(delivery, patch);
    touch();
  };
  let runAttempts = 0;
  let outcomeUnknown = false;
  let refreshed = false;
  update({ status: 'publishing' });

  for (;;) {
    if (outcomeUnknown) {
      const found = await reconcile(job);
      if (found === 'unsearchable') return update({ status: 'failed', error: unconfirmed(delivery) });
      if (found) return update({ status: 'published', receipt: found, error: undefined });
      outcomeUnknown = false; // proven absent: publishing again cannot duplicate
    }
    if (runAttempts >= MAX_PUBLISH_ATTEMPTS) return update({ status: 'failed' });

    runAttempts += 1;
    update({ attempts: delivery.attempts + 1, retries: delivery.retries + (runAttempts > 1 ? 1 : 0) });
    try {
      const receipt = await publishTarget(job);
      return update({ status: 'published', receipt, error: undefined });
    } catch (err) {
      const failure = classify(err);
      update({ error: errorOf(failure) });
      outcomeUnknown = failure.outcomeUnknown;

      if (failure.refreshable && !refreshed) {
        refreshed = true;
        if (!(await tokenRefreshed(job.target.accountId))) {
          return update({ status: 'failed', error: reconnectRequired(job.target.accountId) });
        }
        continue;
      }
      if (!failure.retryable && !failure.outcomeUnknown) return update({ status: 'failed' });
      if ((failure.retryAfterMs ?? 0) > RETRY_AFTER_CAP_MS) return update({ status: 'failed' });
      await sleep(outcomeUnknown ? RECONCILE_SETTLE_MS : (failure.retryAfterMs ?? backoff(runAttempts)));
    }
  }
}

async function reconcile(job: DeliveryJob) {
  const result = await findPublished(job);
  return result.searchable ? result.receipt : 'unsearchable';
}

async function tokenRefreshed(accountId: string): Promise<boolean> {
  try {
    await refreshAccount(accountId);
    return true;
  } catch {
    return false;
  }
}

/** Reads the classification an activity attached to its failure; anything else is an unknown outcome. */
export function classify(err: unknown): PublishFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type === PUBLISH_ERROR_TYPE && cause.details?.[0]) {
    return cause.details[0] as PublishFailure;
  }
  const timedOut = cause instanceof TimeoutFailure;
  return {
    category: 'system',
    caused_by: 'internal',
    code: timedOut ? 'publishing.delivery.timeout' : 'system.internal',
    message: timedOut
      ? 'The publish call did not finish (worker stopped or platform too slow); checking the platform before any retry.'
      : `The publish call failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`,
    retryable: true,
    outcomeUnknown: true,
  };
}

function backoff(attempt: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** (attempt - 1), BACKOFF_CAP_MS);
}

function errorOf({ category, caused_by, code, message }: PublishFailure) {
  return { category, caused_by, code, message };
}

function unconfirmed(delivery: DeliveryState) {
  return {
    category: 'system' as const,
    caused_by: 'platform' as const,
    code: 'publishing.delivery.unconfirmed',
    message: `The publish call to ${delivery.platform} may have succeeded, and ${delivery.platform} offers no way to check. Look at the account before publishing again.`,
  };
}

function reconnectRequired(accountId: string) {
  return {
    category: 'auth' as const,
    caused_by: 'user' as const,
    code: 'account.reconnection_required',
    message: `The access token of account ${accountId} expired and could not be refreshed; reconnect the account, then retry.`,
  };
}

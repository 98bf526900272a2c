import type { PublishFailure } from '../api/types';

/**
 * What a delivery does after one of its steps failed, as plain functions of plain data: no
 * Temporal here, so every branch is unit-tested (test/unit/retry-decision.test.ts). The delivery
 * (delivery.ts) carries the decisions out: the timers, the token refresh, the lookup, the final state.
 */

/** Publish calls per delivery run before a retryable failure becomes final (but see OUTAGE_WINDOW_MS). */
export const MAX_PUBLISH_ATTEMPTS = 6;
/**
 * How long after its run began a delivery keeps retrying when the platform keeps failing in ways
 * that published nothing (down, 503, 429): six attempts take about a minute, and an outage lasts
 * minutes, sometimes an hour. Like the steps Temporal retries in place (activity-proxies.ts).
 */
export const OUTAGE_WINDOW_MS = 2 * 3_600_000;
/** Backoff between automatic retries: 2 s, 4 s, 8 s … capped at 10 minutes. */
export const BACKOFF_BASE_MS = 2_000;
export const BACKOFF_CAP_MS = 10 * 60_000;
/** A Retry-After longer than this is not honoured; the delivery fails instead of waiting for days. */
export const RETRY_AFTER_CAP_MS = 24 * 3_600_000;
/** Give a platform a moment to show a post whose creation answer was lost, before looking it up. */
export const RECONCILE_SETTLE_MS = 2_000;

/** What follows a failed attempt at publishing one target. */
export type RetryDecision =
  /** Refresh the account's token, then attempt again at once; a refused refresh ends the target. */
  | { next: 'refresh-token' }
  /** End the target `failed` with the failure's error. */
  | { next: 'fail' }
  /** The platform may have the post: after `afterMs`, look it up before any publish call. */
  | { next: 'reconcile'; afterMs: number }
  /** Nothing was published: attempt again after `afterMs`. */
  | { next: 'retry'; afterMs: number };

/** A failed attempt, and what the delivery knows at that moment. */
export interface FailedAttempt {
  failure: PublishFailure;
  /** Publish attempts made in this run, the failed one included. */
  attempts: number;
  /** Whether this run refreshed the account's token already. */
  tokenRefreshed: boolean;
  /** Whether the delivery remembers an unknown outcome (this attempt's, or one not yet settled). */
  outcomeUnknown: boolean;
}

/**
 * After a failed attempt: an expired token is refreshed once per run; a failure that proves
 * nothing was published is retried (after the platform's Retry-After, else a backoff); one that
 * may have published is looked up first; anything else, or a Retry-After of days, is final.
 */
export function retryDecision({
  failure,
  attempts,
  tokenRefreshed,
  outcomeUnknown,
}: FailedAttempt): RetryDecision {
  if (mayRefreshToken(failure, tokenRefreshed)) return { next: 'refresh-token' };
  if (!failure.retryable && !failure.outcomeUnknown) return { next: 'fail' };
  if ((failure.retryAfterMs ?? 0) > RETRY_AFTER_CAP_MS) return { next: 'fail' };
  if (outcomeUnknown) return { next: 'reconcile', afterMs: RECONCILE_SETTLE_MS };
  return { next: 'retry', afterMs: failure.retryAfterMs ?? backoff(attempts) };
}

/**
 * Before a publish attempt: `attempt` while the run has attempts left; past them, a run still
 * within its outage window may go on (`outage-window`: where the delivery's version has that
 * rule, which only the workflow can tell), and one past it gives up.
 */
export function attemptVerdict({
  attempts,
  startedAt,
  now,
}: {
  /** Publish attempts made in this run so far. */
  attempts: number;
  /** When this run began (RFC 3339). */
  startedAt: string;
  /** Epoch ms. */
  now: number;
}): 'attempt' | 'outage-window' | 'give-up' {
  if (attempts < MAX_PUBLISH_ATTEMPTS) return 'attempt';
  return now - Date.parse(startedAt) < OUTAGE_WINDOW_MS ? 'outage-window' : 'give-up';
}

/**
 * Whether a step that failed on an expired token should refresh it and run again: once per
 * scope (a delivery run, one processing wait, one lookup), since a token refused right after a
 * refresh is revoked, not expired, and refreshing again would loop.
 */
export function mayRefreshToken(failure: PublishFailure, refreshedAlready: boolean): boolean {
  return !!failure.refreshable && !refreshedAlready;
}

/**
 * A failure before the publish call (prepare, its processing checks) cannot have published
 * anything: whatever happened, trying again cannot duplicate the post.
 */
export function failedBeforePublishCall(failure: PublishFailure): PublishFailure {
  return { ...failure, outcomeUnknown: false, retryable: failure.retryable || failure.outcomeUnknown };
}

/**
 * A failure after the publish call (polling the post while the platform processes it): the post
 * may already be live, so only the platform's verdict on this post is final; any other failure
 * leaves the outcome unknown, for reconcile to settle. `current` is false for runs recorded before
 * that rule, which took every non-retryable failure as final.
 */
export function failedAfterPublishCall(failure: PublishFailure, current: boolean): PublishFailure {
  const final = current
    ? reportsOnThePost(failure)
    : !failure.retryable && !failure.outcomeUnknown && !failure.refreshable;
  return final ? failure : { ...failure, outcomeUnknown: true };
}

/**
 * Whether a failure after the publish call is the platform's verdict on this post (processing
 * failed, the video was rejected): final. Anything else — an account marked for reconnection, a
 * refused permission, a rate limit, our own trouble — says nothing about whether the post is live.
 */
export function reportsOnThePost(failure: PublishFailure): boolean {
  return (
    !failure.retryable &&
    !failure.outcomeUnknown &&
    !failure.refreshable &&
    (failure.category === 'validation' || failure.category === 'platform') &&
    failure.caused_by !== 'internal' &&
    !failure.code.startsWith('account.')
  );
}

/** The pause after failed attempt number `attempts` (1-based): 2 s, 4 s, 8 s … capped. */
export function backoff(attempts: number): number {
  return Math.min(BACKOFF_BASE_MS * 2 ** (attempts - 1), BACKOFF_CAP_MS);
}

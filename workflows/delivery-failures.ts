import { ActivityFailure, ApplicationFailure, TimeoutFailure } from '@temporalio/workflow';
import { type DeliveryError, type DeliveryJob, PUBLISH_ERROR_TYPE, type PublishFailure } from '../api/types';

/** The code of a target that may be live although its delivery failed: a person has to look. */
export const UNCONFIRMED = 'publishing.delivery.unconfirmed';

/** Reads the classification an activity attached to its failure; anything else is an unknown outcome. */
export function classify(err: unknown): PublishFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure && cause.type === PUBLISH_ERROR_TYPE && cause.details?.[0]) {
    return cause.details[0] as PublishFailure;
  }
  const timeout = cause instanceof TimeoutFailure;
  return {
    category: 'system',
    caused_by: 'internal',
    code: timeout ? 'publishing.delivery.timeout' : 'system.internal',
    message: timeout
      ? 'The publish call did not finish (worker stopped or platform too slow); checking the platform before any retry.'
      : `The publish call failed unexpectedly: ${err instanceof Error ? err.message : String(err)}`,
    retryable: true,
    outcomeUnknown: true,
  };
}

/** Whether Temporal gave up on an activity (its worker lost or too slow) rather than the activity ending. */
export function timedOut(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof TimeoutFailure;
}

/** The old single-call path cannot poll: a post still processing is left to reconcile. */
export function stillProcessing(job: DeliveryJob): PublishFailure {
  return {
    category: 'platform',
    caused_by: 'platform',
    code: `platform.${job.target.platform}.processing`,
    message: `${job.target.platform} is still processing the post; checking the platform before any retry.`,
    retryable: true,
    outcomeUnknown: true,
  };
}

/** What prepare made for a call believed absent was consumed by it after all: the post exists. */
export function takenAfterAll(job: DeliveryJob): PublishFailure {
  return {
    category: 'platform',
    caused_by: 'platform',
    code: `platform.${job.target.platform}.published_late`,
    message: `${job.target.platform} published an earlier call after all; looking the post up.`,
    retryable: true,
    outcomeUnknown: true,
  };
}

export function errorOf({ category, caused_by, code, message }: PublishFailure): DeliveryError {
  return { category, caused_by, code, message };
}

/**
 * A target the platform may have published, left unsettled: no lookup exists (`no-lookup`), the
 * lookup could not be made (`unsearchable`), or another failure (`cause`) stopped the delivery
 * first. A retry looks the post up before publishing; where it cannot, it asks for `force`.
 */
export function unconfirmed(
  platform: string,
  cause: 'no-lookup' | 'unsearchable' | DeliveryError | undefined,
): DeliveryError {
  const why =
    cause === 'no-lookup'
      ? `${platform} offers no way to check. Look at the account; retry with force only if the post is not there.`
      : cause === 'unsearchable' || cause === undefined
        ? `${platform} could not be checked. A retry checks again before publishing.`
        : `It could not be checked: ${cause.message} A retry checks ${platform} before publishing.`;
  return {
    category: 'system',
    caused_by: 'platform',
    code: UNCONFIRMED,
    message: `The publish call to ${platform} may have succeeded. ${why}`,
  };
}

export function reconnectRequired(accountId: string): DeliveryError {
  return {
    category: 'auth',
    caused_by: 'user',
    code: 'account.reconnection_required',
    message: `The access token of account ${accountId} expired and could not be refreshed; reconnect the account, then retry.`,
  };
}

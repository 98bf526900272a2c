import { ApplicationFailure } from '@temporalio/common';
import { PUBLISH_ERROR_TYPE, type PublishFailure } from '../api/types';
import { PublishError } from '../platforms/kit/adapter';

/** Thrown by the refresh activity when the account cannot be refreshed and must be reconnected. */
export const RECONNECT_REQUIRED = 'AccountReconnectRequired';

/**
 * The one place where adapter errors become Temporal failures. A failure nobody classified may
 * have happened after the request was sent, so its outcome is unknown.
 *
 * Failures of the publish call are never retried by Temporal: the workflow decides what happens
 * next (reconcile, durable sleep, refresh, retry, fail). Steps that change nothing visible
 * (`retryHere`: prepare and the checks) let Temporal retry transient failures in place, waiting
 * what the platform asked for; only final ones and expired tokens go back to the workflow.
 */
export function toPublishFailure(err: unknown, { retryHere = false } = {}): ApplicationFailure {
  const failure: PublishFailure =
    err instanceof PublishError
      ? err.failure
      : {
          category: 'system',
          caused_by: 'internal',
          code: 'system.internal',
          message: `Unexpected error while publishing: ${err instanceof Error ? err.message : String(err)}`,
          retryable: true,
          outcomeUnknown: true,
        };
  // A final failure whose outcome is unknown (a check after the publish call) goes back to the
  // workflow at once, which reconciles; retrying it in place for hours would only delay that.
  const transient = failure.retryable && !failure.refreshable;
  return ApplicationFailure.create({
    type: PUBLISH_ERROR_TYPE,
    message: failure.message,
    nonRetryable: !(retryHere && transient),
    ...(retryHere && transient && failure.retryAfterMs !== undefined
      ? { nextRetryDelay: failure.retryAfterMs }
      : {}),
    details: [failure],
  });
}

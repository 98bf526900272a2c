import { ApplicationFailure } from '@temporalio/common';
import { PUBLISH_ERROR_TYPE, type PublishFailure } from '../api/types';
import { PublishError } from './platforms/adapter';

/** Thrown by the refresh activity when the account cannot be refreshed and must be reconnected. */
export const RECONNECT_REQUIRED = 'AccountReconnectRequired';

/**
 * The one place where adapter errors become Temporal failures. Always non-retryable: the workflow,
 * not the activity retry policy, decides what happens next (reconcile, durable sleep, retry, fail).
 * A failure nobody classified may have happened after the request was sent, so its outcome is unknown.
 */
export function toPublishFailure(err: unknown): ApplicationFailure {
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
  return ApplicationFailure.create({
    type: PUBLISH_ERROR_TYPE,
    message: failure.message,
    nonRetryable: true,
    details: [failure],
  });
}

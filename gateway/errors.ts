import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { ApiError, postNotFound } from '../api/errors';
import { NOTHING_TO_RETRY, SAME_KEY, STATE_INVALID } from '../workflows/messages';

/**
 * Translates what Temporal says about a post into the contract's errors. Anything else is
 * rethrown unchanged (the HTTP layer answers it with a 5xx that hides internals).
 */
export function toApiError(err: unknown, postId: string): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof WorkflowNotFoundError) return postNotFound(postId);
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    const { type, message } = err.cause;
    if (type === STATE_INVALID)
      return new ApiError(409, STATE_INVALID, message, { id: postId, ...detailsOf(err.cause) });
    if (type === NOTHING_TO_RETRY) return new ApiError(400, NOTHING_TO_RETRY, message, { id: postId });
    if (type === SAME_KEY)
      return new ApiError(403, SAME_KEY, message, { id: postId, ...detailsOf(err.cause) });
  }
  if (isDeadlineExceeded(err)) {
    return new ApiError(
      503,
      'system.unavailable',
      'No Postflow worker answered in time; the post is safe and will proceed when a worker runs. Try again shortly.',
      { id: postId },
    );
  }
  return err;
}

function detailsOf(failure: ApplicationFailure): Record<string, unknown> {
  const [details] = failure.details ?? [];
  return typeof details === 'object' && details !== null ? (details as Record<string, unknown>) : {};
}

// gRPC DEADLINE_EXCEEDED (4) is what a query or update gets when no worker picks it up; the SDK
// may wrap it more than once (an update's RPC timeout wraps the ServiceError wrapping it).
const isDeadlineExceeded = (err: unknown) => hasGrpcCode(err, [4]);

/**
 * The Temporal server could not be reached (gRPC UNAVAILABLE, 14, once the client's own retries
 * are spent) or did not answer in time (DEADLINE_EXCEEDED, 4): it is down or restarting.
 */
export const isTemporalUnreachable = (err: unknown) => hasGrpcCode(err, [14, 4]);

function hasGrpcCode(err: unknown, codes: number[]): boolean {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === 'number' && codes.includes(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

import type { DeliveryReceipt, DeliveryWarning } from '../../api/types';
import { PublishError } from './adapter';

/**
 * Once the platform has the post, the target is `published` (docs/platforms.md "Live means
 * published"). A step after the publish call (a permalink read, a thread's next reply) that fails
 * for good must not end the delivery `failed`: the user would retry and publish a duplicate.
 * Such a step ends with the receipt of what is live and a warning saying what did not work.
 */

/**
 * Whether a failure of a step after the publish call is one to report instead of retrying:
 * final (the platform refused, and asking again will not change that). Transient failures are
 * thrown on, for Temporal to retry the step in place; an expired token too, for the engine to
 * refresh it and run the step again. Anything unclassified is thrown on as well (retried, then
 * reconciled), since it may be a bug rather than the platform's answer.
 */
export function failedForGood(err: unknown): err is PublishError {
  if (!(err instanceof PublishError)) return false;
  const { retryable, refreshable, outcomeUnknown } = err.failure;
  return !retryable && !refreshable && !outcomeUnknown;
}

/** The warning for a step that failed for good after the post went live. */
export function warningOf(
  platform: string,
  what: string,
  explanation: string,
  err: PublishError,
): DeliveryWarning {
  return {
    code: `platform.${platform}.${what}`,
    message: `${explanation} (${err.failure.message})`.slice(0, 500),
  };
}

/** `receipt` with `warning` added to what it reports. */
export function withWarning(receipt: DeliveryReceipt, warning: DeliveryWarning): DeliveryReceipt {
  return { ...receipt, warnings: [...(receipt.warnings ?? []), warning] };
}

/**
 * Runs a read made after the post went live (its permalink, its time); a final failure of it
 * becomes `fallback()` (the receipt built from what is known) with a warning. Other failures
 * are thrown on (see `failedForGood`).
 */
export async function liveReceipt(
  read: () => Promise<DeliveryReceipt>,
  fallback: () => DeliveryReceipt,
  warn: (err: PublishError) => DeliveryWarning,
): Promise<DeliveryReceipt> {
  try {
    return await read();
  } catch (err) {
    if (!failedForGood(err)) throw err;
    return withWarning(fallback(), warn(err));
  }
}

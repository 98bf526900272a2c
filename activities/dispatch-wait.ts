import { setTimeout as sleep } from 'node:timers/promises';
import { DISPATCH_RECALLED } from '../api/types';
import { PublishError } from '../platforms/kit/adapter';

/**
 * A pre-dispatched publish call (docs/performance.md "Publish on the second") waits here, in the
 * worker, until its instant: the timer, the workflow task, the scheduling and the polling all
 * happened before it, so the platform call starts on the second. The wait ends early, with
 * nothing sent, when the activity is cancelled (the workflow recalled it) or its worker shuts
 * down: a `DISPATCH_RECALLED` failure that says nothing was published.
 *
 * `now` is the worker's clock: the instant is the workflow's (the server's) time, and a worker
 * whose clock runs ahead calls that much early, as any timer-based scheduler would.
 */
export async function untilInstant(notBefore: string, signal: AbortSignal, now = Date.now): Promise<void> {
  const waitMs = Date.parse(notBefore) - now();
  if (!(waitMs > 0)) return;
  try {
    await sleep(waitMs, undefined, { signal });
  } catch (err) {
    if (!signal.aborted) throw err;
    throw new PublishError({
      category: 'system',
      caused_by: 'internal',
      code: DISPATCH_RECALLED,
      message: `The publish call was recalled before its instant (${notBefore}); nothing was sent.`,
      retryable: true,
      outcomeUnknown: false,
    });
  }
}

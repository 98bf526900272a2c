import { setTimeout as sleep } from 'node:timers/promises';
import { DISPATCH_RECALLED } from '../api/types';
import { PublishError } from '../platforms/kit/adapter';
import type { Store } from '../store/types';

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
    throw recalled(notBefore);
  }
}

function recalled(notBefore: string): PublishError {
  return new PublishError({
    category: 'system',
    caused_by: 'internal',
    code: DISPATCH_RECALLED,
    message: `The publish call was recalled before its instant (${notBefore}); nothing was sent.`,
    retryable: true,
    outcomeUnknown: false,
  });
}

/**
 * What a dispatched call that failed before claiming its fence answers: nothing was sent, so its
 * outcome is known whatever went wrong (the account or media could not be loaded, the store could
 * not be written); recalled when the activity was cancelled (a recall, or its worker stopping).
 */
export function failedUnsent(err: unknown, cancelled: boolean, notBefore: string): PublishError {
  if (cancelled) return recalled(notBefore);
  if (err instanceof PublishError)
    return new PublishError({ ...err.failure, outcomeUnknown: false }, { cause: err });
  return new PublishError(
    {
      category: 'system',
      caused_by: 'internal',
      code: 'system.internal',
      message: `The publish call failed before it was sent: ${err instanceof Error ? err.message : String(err)}`,
      retryable: true,
      outcomeUnknown: false,
    },
    { cause: err },
  );
}

/** The store's claims of dispatched calls: `idempotency_keys` rows under this owner and scope. */
export const DISPATCH_FENCE = { owner: 'postflow', scope: 'dispatch' } as const;

/** How long the store keeps a dispatched call's claim: well past any call's deadline. */
export const DISPATCH_FENCE_TTL_MS = 2 * 86_400_000;

/**
 * Claims a dispatched call's fence for `by`: the call (`called`, just before it goes out) or the
 * workflow that gave up on it (`abandoned`). The first claim wins; answers the winner.
 */
export async function claimDispatch(
  store: Store,
  dispatchId: string,
  by: 'called' | 'abandoned',
): Promise<'called' | 'abandoned'> {
  const { owner, scope } = DISPATCH_FENCE;
  return (await store.idempotency.reserve(owner, scope, dispatchId, by)) as 'called' | 'abandoned';
}

/** The failure of a dispatched call whose workflow gave up on it first: nothing was sent. */
export function abandoned(dispatchId: string): PublishError {
  return new PublishError({
    category: 'system',
    caused_by: 'internal',
    code: DISPATCH_RECALLED,
    message: `The publish call ${dispatchId} was given up on while it waited for its instant; nothing was sent.`,
    retryable: true,
    outcomeUnknown: false,
  });
}

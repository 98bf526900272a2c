import { ActivityFailure, ApplicationFailure, patched, sleep, TimeoutFailure } from '@temporalio/workflow';
import type { PublishedStep } from '../activities';
import type { StepState } from '../activities/platforms/adapter';
import { needsPrepare } from '../api/platform-steps';
import {
  type DeliveryJob,
  type DeliveryReceipt,
  type DeliveryState,
  PUBLISH_ERROR_TYPE,
  type PublishFailure,
} from '../api/types';
import { type PlatformCalls, platformCalls } from './activity-proxies';

/** Publish calls per delivery run before a retryable failure becomes final (but see OUTAGE_WINDOW_MS). */
export const MAX_PUBLISH_ATTEMPTS = 6;
/**
 * How long after its run began a delivery keeps retrying when the platform keeps failing in ways
 * that published nothing (down, 503, 429): six attempts take about a minute, and an outage lasts
 * minutes, sometimes an hour. Like the steps Temporal retries in place (activity-proxies.ts).
 */
export const OUTAGE_WINDOW_MS = 2 * 3_600_000;
/** Backoff between automatic retries: 2 s, 4 s, 8 s … capped at 10 minutes. */
const BACKOFF_BASE_MS = 2_000;
const BACKOFF_CAP_MS = 10 * 60_000;
/** A Retry-After longer than this is not honoured; the delivery fails instead of waiting for days. */
const RETRY_AFTER_CAP_MS = 24 * 3_600_000;
/** Give a platform a moment to show a post whose creation answer was lost, before looking it up. */
const RECONCILE_SETTLE_MS = 2_000;
/** When the first look finds nothing, look again after this long before believing the post absent. */
export const RECONCILE_SECOND_LOOK_MS = 30_000;
/** How long a platform may process an upload or a publish (videos) before the delivery gives up on it. */
export const PROCESSING_DEADLINE_MS = 2 * 3_600_000;
/** Bounds on the pause between two processing checks, whatever the platform suggests. */
const POLL_MIN_MS = 1_000;
const POLL_MAX_MS = 5 * 60_000;

/**
 * Runs one target's delivery to a final state (`published` or `failed`); never throws.
 *
 * pending → publishing → published | failed, where every failure is classified and:
 * - an unknown outcome is reconciled (looked up on the platform) before anything else;
 * - an expired token is refreshed once;
 * - a rate limit waits its Retry-After, a transient failure an exponential backoff, as durable timers;
 * - anything else is final.
 *
 * The platform's calls go to `taskQueue` when the post routes its platform to a queue of its own
 * (`PostSpec.platformQueues`), else to the workflow's queue. Only the activities' task queue
 * differs, never which commands run, so the routing needs no `patched()` (docs/decisions.md).
 */
export async function deliver(
  delivery: DeliveryState,
  run: DeliveryJob,
  touch: () => void,
  taskQueue?: string,
): Promise<void> {
  const calls = platformCalls(taskQueue);
  const job: DeliveryJob = { ...run, startedAt: new Date().toISOString() };
  const update = (patch: Partial<DeliveryState>) => {
    Object.assign(delivery, patch);
    touch();
  };
  let runAttempts = 0;
  let outcomeUnknown = false;
  let refreshed = false;
  /** What prepare made for the attempt whose outcome is unknown: some platforms can be asked about it. */
  let prepared: StepState | undefined;
  update({ status: 'publishing' });

  for (;;) {
    if (outcomeUnknown) {
      const found = await reconcile(job, calls, prepared);
      if (found === 'unsearchable') return update({ status: 'failed', error: unconfirmed(delivery) });
      if (found !== 'absent') return update({ status: 'published', receipt: found, error: undefined });
      outcomeUnknown = false; // proven absent: publishing again cannot duplicate
    }
    if (runAttempts >= MAX_PUBLISH_ATTEMPTS && !withinOutageWindow(job)) return update({ status: 'failed' });

    runAttempts += 1;
    update({ attempts: delivery.attempts + 1, retries: delivery.retries + (runAttempts > 1 ? 1 : 0) });
    const attempt = await publishOnce(job, calls);
    if ('receipt' in attempt)
      return update({ status: 'published', receipt: attempt.receipt, error: undefined });

    const { failure } = attempt;
    prepared = attempt.prepared;
    update({ error: errorOf(failure) });
    outcomeUnknown = failure.outcomeUnknown;
    if (failure.refreshable && !refreshed) {
      refreshed = true;
      if (!(await tokenRefreshed(job.target.accountId, calls))) {
        return update({ status: 'failed', error: reconnectRequired(job.target.accountId) });
      }
      continue;
    }
    if (!failure.retryable && !failure.outcomeUnknown) return update({ status: 'failed' });
    if ((failure.retryAfterMs ?? 0) > RETRY_AFTER_CAP_MS) return update({ status: 'failed' });
    await sleep(outcomeUnknown ? RECONCILE_SETTLE_MS : (failure.retryAfterMs ?? backoff(runAttempts)));
  }
}

/**
 * One attempt at making the post public, step by step (docs/platforms.md):
 * prepare (uploads, containers) → wait while the platform processes them → publish → wait while
 * it processes the post. Waits are durable timers. What failed before the publish call cannot
 * have published anything; what fails after it never leads to a second publish call here.
 */
async function publishOnce(job: DeliveryJob, calls: PlatformCalls): Promise<Attempt> {
  const { prepareTarget, checkPreparedTarget, publishTarget } = calls;
  if (!patched('platform-steps')) {
    // Posts started before adapters had steps: a single publish call, whose answer was the receipt.
    try {
      const answer = (await publishTarget(job)) as PublishedStep | DeliveryReceipt;
      if ('receipt' in answer) return { receipt: answer.receipt };
      if ('processing' in answer) return { failure: stillProcessing(job) };
      return { receipt: answer };
    } catch (err) {
      return { failure: classify(err) };
    }
  }
  let prepared: StepState;
  try {
    let step = skipsPrepare(job) ? { ready: {} } : await prepareTarget(job);
    const deadline = Date.now() + PROCESSING_DEADLINE_MS;
    while ('processing' in step) {
      await pollPause(step.pollAfterMs, deadline, job);
      step = await checkPreparedTarget(job, step.processing);
    }
    prepared = step.ready;
  } catch (err) {
    // Nothing was published yet: whatever happened, trying again cannot duplicate the post.
    const failure = classify(err);
    return {
      failure: { ...failure, outcomeUnknown: false, retryable: failure.retryable || failure.outcomeUnknown },
    };
  }
  let published: PublishedStep;
  try {
    published = await publishTarget(job, prepared);
  } catch (err) {
    return { failure: classify(err), prepared };
  }
  const live = await untilLive(job, published, calls);
  return 'failure' in live ? { ...live, prepared } : live;
}

/** An attempt's end: the receipt, or a failure (with what prepare made, once the publish call ran). */
type Attempt = { receipt: DeliveryReceipt } | { failure: PublishFailure; prepared?: StepState };

/**
 * After the publish call, polls the platform while it processes the post. The post may already
 * be live, so no failure here may lead to a second publish call: an expired token is refreshed
 * and the same publish polled again; a failure the platform reports for the post is final; any
 * other (checks that keep failing, processing that never ends) leaves the outcome unknown, for
 * reconcile to settle.
 */
async function untilLive(
  job: DeliveryJob,
  first: PublishedStep,
  calls: PlatformCalls,
): Promise<{ receipt: DeliveryReceipt } | { failure: PublishFailure }> {
  const deadline = Date.now() + PROCESSING_DEADLINE_MS;
  let step = first;
  let refreshed = false;
  while ('processing' in step) {
    try {
      await pollPause(step.pollAfterMs, deadline, job);
      step = await calls.checkPublishedTarget(job, step.processing);
    } catch (err) {
      const failure = classify(err);
      if (failure.refreshable && !refreshed) {
        refreshed = true;
        if (await tokenRefreshed(job.target.accountId, calls)) continue;
      }
      const final = !failure.retryable && !failure.outcomeUnknown && !failure.refreshable;
      return { failure: final ? failure : { ...failure, outcomeUnknown: true } };
    }
  }
  return { receipt: step.receipt };
}

/**
 * A prepare step that would do nothing (no prepare for the platform, or nothing to upload) is not
 * scheduled. Runs recorded before this rule scheduled it, and replay so.
 */
function skipsPrepare(job: DeliveryJob): boolean {
  return !needsPrepare(job.target, job.content) && patched('skip-empty-prepare');
}

/** The old single-call path cannot poll: a post still processing is left to reconcile. */
function stillProcessing(job: DeliveryJob): PublishFailure {
  return {
    category: 'platform',
    caused_by: 'platform',
    code: `platform.${job.target.platform}.processing`,
    message: `${job.target.platform} is still processing the post; checking the platform before any retry.`,
    retryable: true,
    outcomeUnknown: true,
  };
}

/** Waits before the next processing check, as a durable timer; past the deadline, the wait has failed. */
async function pollPause(pollAfterMs: number, deadline: number, job: DeliveryJob): Promise<void> {
  if (Date.now() >= deadline) {
    throw ApplicationFailure.create({
      type: PUBLISH_ERROR_TYPE,
      message: 'processing timed out',
      nonRetryable: true,
      details: [
        {
          category: 'platform',
          caused_by: 'platform',
          code: `platform.${job.target.platform}.processing_timeout`,
          message: `${job.target.platform} was still processing the post after ${PROCESSING_DEADLINE_MS / 3_600_000} hours.`,
          retryable: false,
          // After the publish call the post may yet appear: let reconcile look before any retry.
          outcomeUnknown: true,
        } satisfies PublishFailure,
      ],
    });
  }
  await sleep(Math.min(Math.max(pollAfterMs, POLL_MIN_MS), POLL_MAX_MS));
}

/**
 * Settles an unknown outcome by looking the post up on the platform. Platforms list new posts
 * late, so a miss is believed only after a second look a little later. A look that cannot be made
 * (no lookup, permissions, a token that cannot be refreshed) is "unsearchable": never a reason to
 * publish again.
 */
async function reconcile(
  job: DeliveryJob,
  calls: PlatformCalls,
  prepared?: StepState,
): Promise<DeliveryReceipt | 'absent' | 'unsearchable'> {
  const first = await lookUp(job, calls, prepared);
  if (first !== 'absent' || !patched('reconcile-second-look')) return first;
  await sleep(RECONCILE_SECOND_LOOK_MS);
  return lookUp(job, calls, prepared);
}

/** One look, with what prepare made when the publish call ran (`findExisting`'s second argument). */
async function lookUp(
  job: DeliveryJob,
  calls: PlatformCalls,
  prepared?: StepState,
): Promise<DeliveryReceipt | 'absent' | 'unsearchable'> {
  let refreshed = false;
  for (;;) {
    try {
      const result = await calls.findPublished(job, prepared);
      if (!result.searchable) return 'unsearchable';
      return result.receipt ?? 'absent';
    } catch (err) {
      const failure = classify(err);
      if (failure.refreshable && !refreshed) {
        refreshed = true;
        if (await tokenRefreshed(job.target.accountId, calls)) continue;
      }
      return 'unsearchable';
    }
  }
}

async function tokenRefreshed(accountId: string, calls: PlatformCalls): Promise<boolean> {
  try {
    await calls.refreshAccount(accountId);
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

/**
 * Whether a delivery that used its attempts still waits for the platform to come back. Runs
 * recorded before this rule failed at the sixth attempt, and replay them so.
 */
function withinOutageWindow(job: DeliveryJob): boolean {
  return Date.now() - Date.parse(job.startedAt!) < OUTAGE_WINDOW_MS && patched('outage-window');
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

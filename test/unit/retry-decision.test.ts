import type { PublishFailure } from '../../api/types';
import {
  attemptVerdict,
  backoff,
  failedAfterPublishCall,
  failedBeforePublishCall,
  MAX_PUBLISH_ATTEMPTS,
  mayRefreshToken,
  OUTAGE_WINDOW_MS,
  RECONCILE_SETTLE_MS,
  RETRY_AFTER_CAP_MS,
  retryDecision,
} from '../../workflows/retry-decision';

/**
 * What a delivery does after a failed step (workflows/retry-decision.ts), branch by branch. The
 * workflow tests run the same decisions through Temporal (test/workflow/delivery-paths.test.ts).
 */

/** A failure that proves nothing was published and may be retried; each row changes what it needs. */
const failure = (change: Partial<PublishFailure> = {}): PublishFailure => ({
  category: 'platform',
  caused_by: 'platform',
  code: 'platform.sandbox.unavailable',
  message: 'Sandbox answered 503.',
  retryable: true,
  outcomeUnknown: false,
  ...change,
});

const expired = failure({
  category: 'auth',
  caused_by: 'user',
  code: 'platform.sandbox.auth',
  retryable: false,
  refreshable: true,
});
const rejected = failure({ code: 'platform.sandbox.rejected', retryable: false });
const unknown = failure({ code: 'publishing.delivery.timeout', outcomeUnknown: true });

describe('retryDecision: after a failed attempt', () => {
  const base = { attempts: 1, tokenRefreshed: false, outcomeUnknown: false };
  test.each([
    ['an expired token, first in the run: refresh it', { failure: expired }, { next: 'refresh-token' }],
    [
      'an expired token after a refresh in this run: final',
      { failure: expired, tokenRefreshed: true },
      { next: 'fail' },
    ],
    [
      'an expired token that is also retryable, refreshed already: retried like any transient failure',
      { failure: { ...expired, retryable: true }, tokenRefreshed: true, attempts: 2 },
      { next: 'retry', afterMs: 4_000 },
    ],
    ['a final failure (nothing published, not retryable)', { failure: rejected }, { next: 'fail' }],
    [
      'a transient failure: the backoff of the attempt that failed',
      { failure: failure(), attempts: 3 },
      { next: 'retry', afterMs: 8_000 },
    ],
    [
      'a rate limit: its Retry-After',
      { failure: failure({ retryAfterMs: 90_000 }), attempts: 3 },
      { next: 'retry', afterMs: 90_000 },
    ],
    [
      'a Retry-After of exactly the cap: honoured',
      { failure: failure({ retryAfterMs: RETRY_AFTER_CAP_MS }) },
      { next: 'retry', afterMs: RETRY_AFTER_CAP_MS },
    ],
    [
      'a Retry-After beyond the cap: final rather than waiting for days',
      { failure: failure({ retryAfterMs: RETRY_AFTER_CAP_MS + 1 }) },
      { next: 'fail' },
    ],
    [
      'an unknown outcome: a short settle, then the lookup',
      { failure: unknown, outcomeUnknown: true },
      { next: 'reconcile', afterMs: RECONCILE_SETTLE_MS },
    ],
    [
      'an unknown outcome that is not retryable: still looked up, never final on a guess',
      { failure: { ...unknown, retryable: false }, outcomeUnknown: true },
      { next: 'reconcile', afterMs: RECONCILE_SETTLE_MS },
    ],
    [
      'an unknown outcome with a Retry-After: the lookup, not the Retry-After',
      { failure: { ...unknown, retryAfterMs: 60_000 }, outcomeUnknown: true },
      { next: 'reconcile', afterMs: RECONCILE_SETTLE_MS },
    ],
    [
      'an unknown outcome with a Retry-After beyond the cap: final (the target ends unconfirmed)',
      { failure: { ...unknown, retryAfterMs: RETRY_AFTER_CAP_MS + 1 }, outcomeUnknown: true },
      { next: 'fail' },
    ],
    [
      'a transient failure while an earlier unknown outcome is remembered: the lookup first',
      { failure: failure(), outcomeUnknown: true },
      { next: 'reconcile', afterMs: RECONCILE_SETTLE_MS },
    ],
    [
      'an expired token whose call may have landed: refresh first (the lookup follows)',
      { failure: { ...expired, outcomeUnknown: true }, outcomeUnknown: true },
      { next: 'refresh-token' },
    ],
  ] as const)('%s', (_name, given, decision) => {
    expect(retryDecision({ ...base, ...given })).toEqual(decision);
  });
});

describe('attemptVerdict: before a publish attempt', () => {
  const startedAt = '2026-01-01T00:00:00.000Z';
  const start = Date.parse(startedAt);
  test.each([
    ['no attempt yet', 0, 0, 'attempt'],
    ['attempts left', MAX_PUBLISH_ATTEMPTS - 1, 60_000, 'attempt'],
    ['attempts used, the run still within its outage window', MAX_PUBLISH_ATTEMPTS, 60_000, 'outage-window'],
    [
      'attempts used, just inside the window',
      MAX_PUBLISH_ATTEMPTS + 4,
      OUTAGE_WINDOW_MS - 1,
      'outage-window',
    ],
    ['attempts used, the window over', MAX_PUBLISH_ATTEMPTS, OUTAGE_WINDOW_MS, 'give-up'],
    ['attempts left, however long the run: attempt', 1, 10 * OUTAGE_WINDOW_MS, 'attempt'],
  ] as const)('%s', (_name, attempts, elapsed, verdict) => {
    expect(attemptVerdict({ attempts, startedAt, now: start + elapsed })).toBe(verdict);
  });
});

describe('mayRefreshToken: once per scope', () => {
  test.each([
    ['an expired token, not refreshed yet', expired, false, true],
    ['an expired token, refreshed already', expired, true, false],
    ['another failure', failure(), false, false],
    ['refreshable: false', { ...expired, refreshable: false }, false, false],
  ] as const)('%s', (_name, given, refreshedAlready, may) => {
    expect(mayRefreshToken(given, refreshedAlready)).toBe(may);
  });
});

describe('failedBeforePublishCall: nothing was published yet', () => {
  test.each([
    ['a transient failure stays retryable', failure(), { retryable: true, outcomeUnknown: false }],
    ['a final one stays final', rejected, { retryable: false, outcomeUnknown: false }],
    ['an unknown outcome becomes a retryable failure', unknown, { retryable: true, outcomeUnknown: false }],
    [
      'an unknown, non-retryable one too',
      { ...unknown, retryable: false },
      { retryable: true, outcomeUnknown: false },
    ],
  ] as const)('%s', (_name, given, flags) => {
    expect(failedBeforePublishCall(given)).toEqual({ ...given, ...flags });
  });
});

describe('failedAfterPublishCall: the post may be live', () => {
  const verdict = failure({ code: 'platform.sandbox.processing_failed', retryable: false });
  test.each([
    ["the platform's verdict on the post: final", verdict, true, 'final'],
    ['a validation verdict on the post: final', { ...verdict, category: 'validation' }, true, 'final'],
    ['a transient failure: unknown', failure(), true, 'unknown'],
    ['an expired token (refresh spent or refused): unknown', expired, true, 'unknown'],
    [
      'an account marked for reconnection: unknown',
      { ...verdict, code: 'account.reconnection_required' },
      true,
      'unknown',
    ],
    ['our own trouble: unknown', { ...verdict, caused_by: 'internal' }, true, 'unknown'],
    ['an auth or system category: unknown', { ...verdict, category: 'auth' }, true, 'unknown'],
    ['already unknown: unknown', { ...verdict, outcomeUnknown: true }, true, 'unknown'],
    // Runs recorded before the rule took every non-retryable failure as final.
    [
      'before the rule: an account refusal was final',
      { ...verdict, code: 'account.reconnection_required' },
      false,
      'final',
    ],
    ['before the rule: a transient failure was unknown', failure(), false, 'unknown'],
    ['before the rule: an expired token was unknown', expired, false, 'unknown'],
  ] as const)('%s', (_name, given, current, outcome) => {
    expect(failedAfterPublishCall(given, current)).toEqual(
      outcome === 'final' ? given : { ...given, outcomeUnknown: true },
    );
  });
});

test('backoff doubles from 2 s and stops growing at 10 minutes', () => {
  expect([1, 2, 3, 4, 9, 10, 30].map(backoff)).toEqual([
    2_000, 4_000, 8_000, 16_000, 512_000, 600_000, 600_000,
  ]);
});

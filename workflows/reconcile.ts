import { patched, sleep } from '@temporalio/workflow';
import type { DeliveryJob, DeliveryReceipt, JsonValue, UnknownOutcome } from '../api/types';
import type { PlatformCalls } from './activity-proxies';
import { classify } from './delivery-failures';
import { type RefreshScope, refreshedAfter } from './token-refresh';

/** When the first look finds nothing, look again after this long before believing the post absent. */
export const RECONCILE_SECOND_LOOK_MS = 30_000;

/** The post found live, with steps of its own still to run (a thread's replies). */
export type LiveSteps = { processing: { [key: string]: JsonValue }; pollAfterMs: number };

/**
 * What a lookup found: the post (or the post with steps still to run), proof it is absent, no
 * lookup on this platform, or a lookup that failed.
 */
export type Lookup = DeliveryReceipt | LiveSteps | 'absent' | 'no-lookup' | 'unsearchable';

/**
 * Settles an unknown outcome by looking the post up on the platform. Platforms list new posts
 * late, and a call a lost worker was making may land until its deadline (`unknown.landsBy`), so
 * a miss is believed only from a second look made after both. A look that cannot be made (no
 * lookup, permissions, a token that cannot be refreshed) is never a reason to publish again.
 * `current` is false for runs recorded before the deadline rule (and before `no-lookup`); under
 * `enginePatch` (the engine patch, post.ts) the second look is taken without asking its patch.
 */
export async function reconcile(
  job: DeliveryJob,
  calls: PlatformCalls,
  unknown: UnknownOutcome,
  { current, enginePatch }: { current: boolean; enginePatch: boolean },
): Promise<Lookup> {
  const first = await lookUp(job, calls, unknown, current);
  if (first !== 'absent' || !(enginePatch || patched('reconcile-second-look'))) return first;
  const wait = current
    ? Math.max(RECONCILE_SECOND_LOOK_MS, unknown.landsBy - Date.now())
    : RECONCILE_SECOND_LOOK_MS;
  await sleep(wait);
  return lookUp(job, calls, unknown, current);
}

/**
 * One look, with what prepare made when the publish call ran (`findExisting`'s second argument)
 * and when that call could last have landed (for platforms that list a post only well after it).
 */
async function lookUp(
  job: DeliveryJob,
  calls: PlatformCalls,
  { prepared, landsBy }: UnknownOutcome,
  current: boolean,
): Promise<Lookup> {
  const scope: RefreshScope = { refreshed: false };
  for (;;) {
    try {
      const result = await calls.findPublished(job, prepared, current ? landsBy : undefined);
      if (!result.searchable) return current ? 'no-lookup' : 'unsearchable';
      return result.live ?? result.receipt ?? 'absent';
    } catch (err) {
      if (await refreshedAfter(classify(err), scope, job.target.accountId, calls)) continue;
      return 'unsearchable';
    }
  }
}

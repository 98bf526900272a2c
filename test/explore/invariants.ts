import type { PostResource } from '../../api/types';
import type { AccountPlan } from './fault-layer';

/**
 * The invariants every schedule must keep, read from the public surfaces only (the Post
 * resource, the workflow's history sizes) and from the platform's own ledger, never from the
 * engine's internal state:
 * - `duplicate`: at most one publication per (post, target) on the platform, once every late
 *   call has landed;
 * - `phantom`: a target reported `published` exists on the platform with that id;
 * - `blind-republish`: no publish call follows one that reached the platform (whatever its answer:
 *   lost, cut off, processing) unless a look-up found the post absent, or the platform failed
 *   the publication, in between;
 * - `overdue`: the post reaches a final status within the bound of simulated time of each run;
 * - `history`: every run's history stays under the bound.
 */
export type Violation = 'duplicate' | 'phantom' | 'blind-republish' | 'overdue' | 'history';

export interface Verdict {
  violations: Violation[];
  /** One sentence per violation, with the evidence. */
  details: string[];
}

export interface Observed {
  post: PostResource;
  plan: AccountPlan;
  /** The platform's live posts of this post (ids). */
  ledger: string[];
  overdue: boolean;
  historyEvents: number[];
  historyBound: number;
}

export function checkInvariants({
  post,
  plan,
  ledger,
  overdue,
  historyEvents,
  historyBound,
}: Observed): Verdict {
  const details: Array<[Violation, string]> = [];
  if (ledger.length > 1)
    details.push(['duplicate', `the platform shows ${ledger.length} posts: ${ledger.join(', ')}`]);
  for (const target of post.targets) {
    if (target.status === 'published' && !ledger.includes(target.platform_post_id ?? '')) {
      details.push(['phantom', `reported published as ${target.platform_post_id}, not on the platform`]);
    }
  }
  // A publication the platform may hold: from a publish call that reached it (whatever the
  // engine heard back) until a look-up finds it absent or the platform fails it.
  let mayExistSince: number | undefined;
  for (const call of plan.calls) {
    if ((call.kind === 'find' && call.found === 'absent') || call.failedPublication)
      mayExistSince = undefined;
    if (call.kind !== 'publish') continue;
    if (mayExistSince !== undefined) {
      details.push([
        'blind-republish',
        `publish call #${call.k} while call #${mayExistSince}'s publication may exist, with no look-up finding it absent`,
      ]);
    }
    if (call.acted === 'now' || call.acted === 'late') mayExistSince = call.k;
  }
  if (overdue) details.push(['overdue', `still ${post.status} past the bound`]);
  if (historyEvents.some((n) => n > historyBound)) {
    details.push(['history', `runs' histories: ${historyEvents.join(', ')} events (bound ${historyBound})`]);
  }
  return {
    violations: [...new Set(details.map(([v]) => v))],
    details: details.map(([v, d]) => `${v}: ${d}`),
  };
}

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
 * - `duplicate-comment`, `phantom-comment`, `blind-recomment`: the same three for the post's first
 *   comment (at most one under the post; a reported comment exists; no comment call after one
 *   that reached the platform unless a look-up found it absent);
 * - `duplicate-reply`, `phantom-reply`, `silent-thread`: at most one thread reply under the post,
 *   the replies a target reports (`metadata.thread_post_ids`) exist, and a published target of a
 *   threaded post has its reply or says why not (a `thread_incomplete` warning);
 * - `comment-failed-target`: a target that got as far as its comment (it was live) ends
 *   published, whatever happened to the comment (its problems are warnings);
 * - `companion-unpublished`: the post's companion target (a second account, whose calls meet no
 *   fault) ends published, exactly once, whatever happened to the first target, unless the post
 *   was cancelled; its publications and comments are held to `duplicate`, `phantom` and
 *   `duplicate-comment` too;
 * - `restarted-upload`: where the post's video goes in pieces, an upload the platform holds
 *   unfinished is never left for a new one: every retry goes on in the upload it kept;
 * - `resent-upload`: no piece is sent twice, unless a prepare was cut off and went on late (its
 *   worker, cut off from Temporal, sends what the retry sends too);
 * - `published-after-cancel`: a post whose cancel was accepted while it waited for its instant
 *   (right after it was created, or while its dispatched publish call waited) is on no platform;
 * - `overdue`: the post reaches a final status within the bound of simulated time of each run;
 * - `history`: every run's history stays under the bound.
 */
export type Violation =
  | 'duplicate'
  | 'phantom'
  | 'blind-republish'
  | 'duplicate-comment'
  | 'phantom-comment'
  | 'blind-recomment'
  | 'duplicate-reply'
  | 'phantom-reply'
  | 'silent-thread'
  | 'comment-failed-target'
  | 'companion-unpublished'
  | 'restarted-upload'
  | 'resent-upload'
  | 'published-after-cancel'
  | 'overdue'
  | 'history';

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
  /** The platform's comments under those posts (ids); empty where the family makes none. */
  comments: string[];
  /** The platform's thread replies under those posts (ids); undefined where the family posts no thread. */
  replies: string[] | undefined;
  overdue: boolean;
  historyEvents: number[];
  historyBound: number;
  /** The events as they happened, with their answers (`cancel@dispatched: accepted`). */
  log?: string[];
  /** The companion target, when the schedule has one, with its account's ledger and comments. */
  companion?: CompanionObserved;
  /** The platform's upload sessions of the post's video, oldest first (families that upload in pieces). */
  uploads?: UploadSeen[];
}

/** An upload session the platform holds for the post's video. */
export interface UploadSeen {
  id: string;
  /** The platform took the whole file (X: finalized). */
  complete: boolean;
  /** Bytes of the file the platform holds (each piece once). */
  heldBytes: number;
  /** Bytes that came again: pieces sent more than once. */
  resentBytes: number;
}

export interface CompanionObserved {
  target: PostResource['targets'][number];
  ledger: string[];
  comments: string[];
}

export function checkInvariants({
  post,
  plan,
  ledger,
  comments,
  replies,
  overdue,
  historyEvents,
  historyBound,
  companion,
  uploads,
  log = [],
}: Observed): Verdict {
  const details: Array<[Violation, string]> = [];
  const cancelledWaiting = log.find((l) => /^cancel@(created|dispatched): accepted$/.test(l));
  const published = [...ledger, ...(companion?.ledger ?? [])];
  if (cancelledWaiting && published.length > 0)
    details.push([
      'published-after-cancel',
      `${cancelledWaiting}, yet the platform shows ${published.join(', ')}`,
    ]);
  if (companion) details.push(...companionViolations(post, companion));
  if (uploads) details.push(...uploadViolations(plan, uploads));
  if (ledger.length > 1)
    details.push(['duplicate', `the platform shows ${ledger.length} posts: ${ledger.join(', ')}`]);
  for (const target of post.targets) {
    if (target.status === 'published' && !ledger.includes(target.platform_post_id ?? '')) {
      details.push(['phantom', `reported published as ${target.platform_post_id}, not on the platform`]);
    }
  }
  if (comments.length > 1)
    details.push([
      'duplicate-comment',
      `the platform shows ${comments.length} comments: ${comments.join(', ')}`,
    ]);
  for (const target of post.targets) {
    const reported = (target.metadata?.first_comment as { id?: string } | undefined)?.id;
    if (reported && !comments.includes(reported))
      details.push(['phantom-comment', `reported comment ${reported}, not on the platform`]);
  }
  if (replies) details.push(...threadViolations(post, replies));
  details.push(...blindRepeats(plan, 'publish', 'find', 'blind-republish'));
  details.push(...blindRepeats(plan, 'comment', 'findComment', 'blind-recomment'));
  const commented = plan.calls.some((c) => c.kind === 'comment');
  for (const target of post.targets.filter((t) => commented && t.status !== 'published')) {
    details.push([
      'comment-failed-target',
      `commented on, then ended ${target.status}: ${target.error?.code}`,
    ]);
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

/** The faultless companion target: published once, with at most one comment, unless the post was cancelled. */
function companionViolations(
  post: PostResource,
  { target, ledger, comments }: CompanionObserved,
): Array<[Violation, string]> {
  const out: Array<[Violation, string]> = [];
  if (ledger.length > 1)
    out.push(['duplicate', `the companion's platform shows ${ledger.length} posts: ${ledger.join(', ')}`]);
  if (target.status === 'published' && !ledger.includes(target.platform_post_id ?? ''))
    out.push(['phantom', `companion reported published as ${target.platform_post_id}, not on the platform`]);
  if (comments.length > 1)
    out.push(['duplicate-comment', `the companion's platform shows ${comments.length} comments`]);
  if (post.status !== 'cancelled' && (target.status !== 'published' || ledger.length !== 1))
    out.push([
      'companion-unpublished',
      `the companion ended ${target.status} with ${ledger.length} posts on its platform (post ${post.status})`,
    ]);
  return out;
}

/**
 * Irreversible calls (`publish`, `comment`) made while an earlier one's result may exist on the
 * platform: from a call that reached it (whatever the engine heard back) until a look-up finds it
 * absent, or the platform fails the publication.
 */
function blindRepeats(
  plan: AccountPlan,
  kind: 'publish' | 'comment',
  look: 'find' | 'findComment',
  violation: Violation,
): Array<[Violation, string]> {
  const out: Array<[Violation, string]> = [];
  let mayExistSince: number | undefined;
  for (const call of plan.calls) {
    if ((call.kind === look && call.found === 'absent') || (kind === 'publish' && call.failedPublication))
      mayExistSince = undefined;
    if (call.kind !== kind) continue;
    if (mayExistSince !== undefined) {
      out.push([
        violation,
        `${kind} call #${call.k} while call #${mayExistSince}'s result may exist, with no look-up finding it absent`,
      ]);
    }
    if (call.acted === 'now' || call.acted === 'late') mayExistSince = call.k;
  }
  return out;
}

/** The post's video uploads: one upload carried to its end across retries, no piece sent twice. */
function uploadViolations(plan: AccountPlan, uploads: UploadSeen[]): Array<[Violation, string]> {
  const out: Array<[Violation, string]> = [];
  uploads.forEach((upload, i) => {
    const newer = uploads.slice(i + 1).map((u) => u.id);
    if (!upload.complete && newer.length)
      out.push([
        'restarted-upload',
        `upload ${upload.id} left with ${upload.heldBytes} bytes, for a new one: ${newer.join(', ')}`,
      ]);
  });
  const wentOnLate = plan.calls.some((c) => c.kind === 'prepare' && c.fault === 'late');
  const resent = uploads.filter((u) => u.resentBytes > 0);
  if (resent.length && !wentOnLate)
    out.push([
      'resent-upload',
      resent.map((u) => `upload ${u.id} got ${u.resentBytes} bytes twice`).join('; '),
    ]);
  return out;
}

/** The post's one-reply thread: made once, reported truly, never dropped without a word. */
function threadViolations(post: PostResource, replies: string[]): Array<[Violation, string]> {
  const out: Array<[Violation, string]> = [];
  if (replies.length > 1)
    out.push([
      'duplicate-reply',
      `the platform shows ${replies.length} thread replies: ${replies.join(', ')}`,
    ]);
  for (const target of post.targets) {
    const thread = (target.metadata?.thread_post_ids as string[] | undefined) ?? [];
    for (const id of thread.slice(1).filter((id) => !replies.includes(id)))
      out.push(['phantom-reply', `reported thread reply ${id}, not on the platform`]);
    const warned = (target.metadata?.warnings ?? []).some((w) => w.code.endsWith('.thread_incomplete'));
    if (target.status === 'published' && replies.length === 0 && !warned)
      out.push(['silent-thread', 'published without its thread reply, and no warning says so']);
  }
  return out;
}

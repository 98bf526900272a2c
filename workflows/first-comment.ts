import { sleep } from '@temporalio/workflow';
import type { DeliveryJob, DeliveryReceipt, DeliveryWarning, PublishFailure } from '../api/types';
import type { CommentReceipt } from '../platforms/kit/adapter';
import { type PlatformCalls, PUBLISH_DEADLINE_MS } from './activity-proxies';
import { classify, timedOut } from './delivery-failures';
import { RECONCILE_SECOND_LOOK_MS } from './reconcile';
import { RECONCILE_SETTLE_MS, retryDecision } from './retry-decision';
import { type RefreshScope, refreshedAfter } from './token-refresh';

/** Comment calls per post before a failure that made nothing becomes a warning. */
export const MAX_COMMENT_ATTEMPTS = 3;
/**
 * A comment waits out a platform's Retry-After up to this long; a longer one ends it as a
 * warning, since the post's status waits for its comment (and it stops being a *first* comment).
 */
export const COMMENT_RETRY_AFTER_CAP_MS = 15 * 60_000;
/** After the deadline of a comment call a lost worker was making, the lookup waits this much longer. */
const LANDING_MARGIN_MS = 60_000;

/** How a first comment ended: made (with its proof), or a warning on the published target. */
export type CommentOutcome = { comment: CommentReceipt } | { warning: DeliveryWarning };

/**
 * The first comment under a published post (`first_comment`): its own step after the post is
 * live, with the same exactly-once rules as the post itself, and never a failure of the target:
 *
 * comment → made | failed: a failure that made nothing is retried (Retry-After or backoff,
 * three calls at most; an expired token is refreshed once); one whose outcome is unknown is
 * looked up (`findComment`, after the call's deadline, twice before it is believed absent) before
 * any second call, and where the platform cannot be asked, ends unconfirmed. Whatever goes wrong
 * ends as a warning.
 */
export async function postFirstComment(
  job: DeliveryJob,
  post: DeliveryReceipt,
  calls: PlatformCalls,
): Promise<CommentOutcome> {
  const { platform } = job.target;
  const since = new Date().toISOString();
  const refresh: RefreshScope = { refreshed: false };
  let attempts = 0;
  let unknownUntil: number | undefined;
  let last: PublishFailure | undefined;
  for (;;) {
    if (unknownUntil !== undefined) {
      await sleep(Math.max(unknownUntil - Date.now(), RECONCILE_SETTLE_MS));
      // Platforms list new comments late: a miss is believed from a second look only.
      let found = await lookUp(job, post, since, calls);
      if (found === 'absent') {
        await sleep(RECONCILE_SECOND_LOOK_MS);
        found = await lookUp(job, post, since, calls);
      }
      if (found === 'no-lookup' || found === 'unsearchable') return { warning: unconfirmed(platform, found) };
      if (found !== 'absent') return { comment: found };
      unknownUntil = undefined;
    }
    if (attempts === MAX_COMMENT_ATTEMPTS) return { warning: failed(platform, last!) };
    attempts += 1;
    const calledAt = Date.now();
    try {
      return { comment: await calls.commentOnTarget(job, post, since) };
    } catch (err) {
      last = classify(err);
      // Where comments depend on the account (a Discord webhook cannot reply), the adapter says so.
      if (last.code === commentsUnsupported(platform).code) return { warning: commentsUnsupported(platform) };
      const decision = retryDecision({
        failure: last,
        attempts,
        tokenRefreshed: refresh.refreshed,
        outcomeUnknown: last.outcomeUnknown,
      });
      if (decision.next === 'refresh-token') {
        if (await refreshedAfter(last, refresh, job.target.accountId, calls)) continue;
        return { warning: failed(platform, last) };
      }
      if (decision.next === 'fail' || decision.afterMs > COMMENT_RETRY_AFTER_CAP_MS)
        return { warning: failed(platform, last) };
      if (decision.next === 'reconcile') {
        // A call Temporal gave up on may land until its deadline; one that ended by itself is over.
        unknownUntil = timedOut(err) ? calledAt + PUBLISH_DEADLINE_MS + LANDING_MARGIN_MS : Date.now();
        continue;
      }
      if (attempts === MAX_COMMENT_ATTEMPTS) return { warning: failed(platform, last) };
      await sleep(decision.afterMs);
    }
  }
}

/** The comment as the receipt shows it: `metadata.first_comment`, or a warning among the receipt's. */
export function withCommentOutcome(receipt: DeliveryReceipt, outcome: CommentOutcome): DeliveryReceipt {
  if ('warning' in outcome) return { ...receipt, warnings: [...(receipt.warnings ?? []), outcome.warning] };
  const { commentId, permalink } = outcome.comment;
  return { ...receipt, metadata: { ...receipt.metadata, first_comment: { id: commentId, permalink } } };
}

/** The warning of a `first_comment` on a platform without comments. */
export function commentsUnsupported(platform: string): DeliveryWarning {
  return {
    code: `platform.${platform}.comments_unsupported`,
    message: `${platform} has no comments Postflow can make; the first comment was not posted.`,
  };
}

/** One look for the comment; a look that cannot be made is never a reason to comment again. */
async function lookUp(
  job: DeliveryJob,
  post: DeliveryReceipt,
  since: string,
  calls: PlatformCalls,
): Promise<CommentReceipt | 'absent' | 'no-lookup' | 'unsearchable'> {
  const scope: RefreshScope = { refreshed: false };
  for (;;) {
    try {
      const result = await calls.findComment(job, post, since);
      if (!result.searchable) return 'no-lookup';
      return result.comment ?? 'absent';
    } catch (err) {
      if (await refreshedAfter(classify(err), scope, job.target.accountId, calls)) continue;
      return 'unsearchable';
    }
  }
}

function failed(platform: string, failure: PublishFailure): DeliveryWarning {
  return {
    code: `platform.${platform}.first_comment_failed`,
    message: `The post is live, but its first comment on ${platform} failed: ${failure.message}`,
  };
}

function unconfirmed(platform: string, why: 'no-lookup' | 'unsearchable'): DeliveryWarning {
  return {
    code: `platform.${platform}.first_comment_unconfirmed`,
    message:
      why === 'no-lookup'
        ? `The post is live; its first comment on ${platform} may have been made, and ${platform} offers no way to check. Look at the post.`
        : `The post is live; its first comment on ${platform} may have been made, and it could not be checked. Look at the post.`,
  };
}

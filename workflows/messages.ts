import { defineQuery, defineUpdate } from '@temporalio/workflow';
import type { ApprovalDecision, PostResource, PostSpec } from '../api/types';

/**
 * The messages a post workflow answers. Shared by the workflow and the client.
 * Changes are Updates, not Signals, so the caller learns at once whether one was accepted;
 * a refused change fails with an ApplicationFailure whose type is the contract's error code.
 */

/** The Post resource, at any time (also after the workflow has closed). */
export const postQuery = defineQuery<PostResource>('post');

/** The normalised spec the post runs on; the client applies edits to it. */
export const specQuery = defineQuery<PostSpec>('spec');

/** Moves a draft or scheduled post to a new instant (RFC 3339). */
export const reschedule = defineUpdate<PostResource, [scheduledAt: string]>('reschedule');

/** Replaces the content and options of a draft or scheduled post (the client validates the spec). */
export const editPost = defineUpdate<PostResource, [spec: PostSpec]>('editPost');

/** Publishes a draft or scheduled post now. */
export const publishNow = defineUpdate<PostResource>('publishNow');

/**
 * Cancels a draft or scheduled post, or ends the retry window of a failed or partial one. A post
 * being delivered cannot be cancelled.
 */
export const cancel = defineUpdate<PostResource>('cancel');

/** How a retry treats targets the platform may already have published. */
export interface RetryOptions {
  /**
   * Publish again, without looking them up, the targets whose outcome is unknown
   * (`publishing.delivery.unconfirmed`): a person looked, and the post is not there. Without it, a
   * retry looks each of them up first, and is refused where the platform offers no way to look.
   */
  force?: boolean;
}

/**
 * Re-runs the failed targets of a `partial` or `failed` post. A target the platform may already
 * have published is looked up first; see `RetryOptions.force` for platforms without a lookup.
 */
export const retryFailed = defineUpdate<PostResource, [options?: RetryOptions]>('retryFailed');

/**
 * Approves a post pending approval: it goes out at its instant, at once when that passed, unless
 * its approval window passed too. Refused for another status, or for the author's key where the
 * post requires another key.
 */
export const approve = defineUpdate<PostResource, [decision: ApprovalDecision]>('approve');

/** Rejects a post pending approval, with a reason: it will not be published (status `rejected`). */
export const reject = defineUpdate<PostResource, [decision: ApprovalDecision]>('reject');

/** Waits until the post is settled (published, partial, failed or cancelled) or `timeoutMs` passes. */
export const awaitSettled = defineUpdate<PostResource, [timeoutMs: number]>('awaitSettled');

/** ApplicationFailure types the update validators use; the client maps them to HTTP errors. */
export const STATE_INVALID = 'post.state_invalid';
export const NOTHING_TO_RETRY = 'post.no_retryable_deliveries';
/** The author's own key approving or rejecting a post that requires another key. */
export const SAME_KEY = 'approval.same_key';

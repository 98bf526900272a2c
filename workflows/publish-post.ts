import type { Duration } from '@temporalio/common';
import { allHandlersFinished, condition, setHandler } from '@temporalio/workflow';
import { approvalEvent, scheduledEvent } from '../api/post-events';
import { upgradeSpec } from '../api/post-resource';
import type { PostResource, PostSpec } from '../api/types';
import * as messages from './messages';
import { type CarriedPost, Post, type PublishPostWorkflow } from './post';

/** How long a `partial` or `failed` post accepts a `retryFailed` request after its delivery ended. */
export const RETRY_WINDOW: Duration = '7 days';

/**
 * One post, from creation to its last delivery:
 * wait for approval when it needs it (or end rejected or expired) → wait until it is due → deliver to every target at once → settle as published, partial or
 * failed → re-deliver failed targets when asked, within the retry window. A delivery whose
 * history grew long goes on in a new run of the same workflow, which starts from `carried`.
 */
export async function publishPost(input: PostSpec, carried?: CarriedPost): Promise<PostResource> {
  const post = new Post(upgradeSpec(input), carried);
  handleMessages(post);
  void post.sendEvents();
  if (!carried && post.state.status === 'scheduled') post.emit(scheduledEvent(post.resource()));
  if (!carried && post.state.status === 'pending_approval')
    post.emit(approvalEvent('post.approval_requested', post.resource()));

  let deliveries = carried
    ? post.handedOver()
    : (await post.waitUntilDue()) === 'deliver'
      ? post.state.deliveries
      : undefined;
  while (deliveries) {
    const end = await post.deliver(deliveries);
    if (end === 'handed-over') return post.continueAsNew();
    // Deliveries dispatched ahead of the instant, recalled by a change that made the post wait again.
    if (end === 'withdrawn') {
      deliveries = (await post.waitUntilDue()) === 'deliver' ? post.waitingDeliveries() : undefined;
      continue;
    }
    deliveries = post.mayBeRetried() ? await post.retryRequestedWithin(RETRY_WINDOW) : undefined;
  }
  await condition(() => allHandlersFinished() && post.eventsSent());
  return post.resource();
}

// Post.continueAsNew starts the next run as a PublishPostWorkflow: this keeps the two one
// signature (a compile-time check; it emits nothing into the workflow bundle).
type Holds<T extends true> = T;
type _ContinuesAsItself = Holds<[typeof publishPost] extends [PublishPostWorkflow] ? true : false>;

/**
 * The post's message API (messages.ts), registered before the workflow's first wait. Each
 * validator refuses, synchronously, a change the post's status does not allow.
 */
function handleMessages(post: Post): void {
  const isWaiting = () => post.requireStatus('draft', 'pending_approval', 'scheduled');
  // A failed or partial post waits for retries; cancelling it ends the wait. (The client
  // unpublishes a partial post's published targets first.)
  const mayCancel = () => post.requireStatus('draft', 'pending_approval', 'scheduled', 'failed', 'partial');
  setHandler(messages.postQuery, () => post.resource());
  setHandler(messages.specQuery, () => post.state.spec);
  // Each change of a waiting post first recalls the deliveries dispatched ahead of its instant.
  setHandler(
    messages.reschedule,
    (scheduledAt) => post.changeWaiting(isWaiting, () => post.reschedule(scheduledAt)),
    { validator: (_scheduledAt: string) => isWaiting() },
  );
  setHandler(
    messages.editPost,
    (spec) =>
      post.changeWaiting(
        () => post.validateEdit(spec),
        () => post.edit(spec),
      ),
    { validator: (spec) => post.validateEdit(spec) },
  );
  setHandler(messages.publishNow, () => post.changeWaiting(isWaiting, () => post.publishNow()), {
    validator: isWaiting,
  });
  setHandler(messages.cancel, () => post.changeWaiting(mayCancel, () => post.cancel()), {
    validator: mayCancel,
  });
  setHandler(messages.approve, (decision) => post.approve(decision), {
    validator: (decision) => post.validateDecision(decision, 'approve'),
  });
  setHandler(messages.reject, (decision) => post.reject(decision), {
    validator: (decision) => post.validateDecision(decision, 'reject'),
  });
  setHandler(messages.retryFailed, (options = {}) => post.retryFailed(options), {
    validator: (options = {}) => post.validateRetry(options),
  });
  setHandler(messages.awaitSettled, (timeoutMs) => post.settled(timeoutMs));
}

import type { Duration, SearchAttributeUpdatePair } from '@temporalio/common';
import {
  allHandlersFinished,
  ApplicationFailure,
  condition,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { initialPostState, isSettled, toPostResource } from '../api/post-resource';
import type { DeliveryState, PostResource, PostSpec, PostState, PostStatus } from '../api/types';
import { deliver } from './delivery';
import * as messages from './messages';
import { PostScheduledAtKey, PostStatusKey, PostUserIdKey } from './search-attributes';

/** How long a `partial` or `failed` post accepts a `retryFailed` request after its delivery ended. */
export const RETRY_WINDOW: Duration = '7 days';

/**
 * One post, from creation to its last delivery:
 * wait until it is due → deliver to every target at once → settle as published, partial or
 * failed → re-deliver failed targets when asked, within the retry window.
 */
export async function publishPost(spec: PostSpec): Promise<PostResource> {
  const post = new Post(spec);
  post.handleMessages();

  if ((await post.waitUntilDue()) === 'deliver') {
    await post.deliver(post.state.deliveries);
    while (post.failedDeliveries().length) {
      const retry = await post.retryRequestedWithin(RETRY_WINDOW);
      if (!retry) break;
      await post.deliver(retry);
    }
  }
  await condition(allHandlersFinished);
  return post.resource();
}

/** The post's state and the steps of its life; each step is a method the workflow above calls. */
class Post {
  readonly state: PostState;
  /** Bumped by every accepted change to the schedule, so the wait re-evaluates. */
  private revision = 0;
  /** The deliveries a `retryFailed` request put back to pending, until the workflow re-runs them. */
  private retryRequested: DeliveryState[] | undefined;
  /**
   * Whether the post is indexed by search attributes: only when it was started with them, so a
   * namespace without Postflow's attributes (a test server, a bare start from another language)
   * still runs posts.
   */
  private readonly indexed = workflowInfo().typedSearchAttributes.get(PostUserIdKey) !== undefined;

  constructor(spec: PostSpec) {
    this.state = initialPostState(spec, new Date().toISOString());
  }

  resource(): PostResource {
    return toPostResource(this.state);
  }

  failedDeliveries(): DeliveryState[] {
    return this.state.deliveries.filter((d) => d.status === 'failed');
  }

  /** Sleeps durably until `scheduled_at` (drafts until asked); returns how the wait ended. */
  async waitUntilDue(): Promise<'deliver' | 'cancelled'> {
    for (;;) {
      const { status, spec } = this.state;
      if (status === 'cancelled') return 'cancelled';
      if (status !== 'draft' && status !== 'scheduled') return 'deliver';
      const seen = this.revision;
      const changed = () => this.revision !== seen;
      if (status === 'draft') {
        await condition(changed);
      } else if (!(await condition(changed, Math.max(Date.parse(spec.scheduledAt!) - Date.now(), 1)))) {
        return 'deliver'; // the timer fired
      }
    }
  }

  /** Runs the given deliveries concurrently, then settles the post's status from all of them. */
  async deliver(deliveries: DeliveryState[]): Promise<void> {
    this.setStatus('publishing');
    const { spec } = this.state;
    await Promise.all(
      deliveries.map((delivery) => {
        const target = spec.targets.find((t) => t.accountId === delivery.accountId)!;
        return deliver(delivery, { postId: spec.id, target, content: spec.content }, () => this.touch());
      }),
    );
    const published = this.state.deliveries.filter((d) => d.status === 'published').length;
    this.setStatus(
      published === this.state.deliveries.length ? 'published' : published === 0 ? 'failed' : 'partial',
    );
  }

  /** Waits for a `retryFailed` request; returns the deliveries to re-run, or nothing when the window passed. */
  async retryRequestedWithin(window: Duration): Promise<DeliveryState[] | undefined> {
    await condition(() => this.retryRequested !== undefined, window);
    const requested = this.retryRequested;
    this.retryRequested = undefined;
    return requested;
  }

  handleMessages(): void {
    const waiting = { validator: () => this.requireStatus('draft', 'scheduled') };
    setHandler(messages.postQuery, () => this.resource());
    setHandler(messages.specQuery, () => this.state.spec);
    setHandler(
      messages.reschedule,
      (scheduledAt) => {
        this.state.spec = { ...this.state.spec, mode: 'scheduled', scheduledAt };
        this.setStatus('scheduled');
        this.index({ key: PostScheduledAtKey, value: new Date(scheduledAt) });
        this.revision++;
        return this.resource();
      },
      { validator: (_scheduledAt: string) => this.requireStatus('draft', 'scheduled') },
    );
    setHandler(
      messages.editPost,
      (spec) => {
        this.state.spec = spec;
        this.setStatus(
          spec.mode === 'scheduled' ? 'scheduled' : spec.mode === 'draft' ? 'draft' : 'publishing',
        );
        this.index({ key: PostScheduledAtKey, value: spec.scheduledAt ? new Date(spec.scheduledAt) : null });
        this.revision++;
        return this.resource();
      },
      { validator: (spec) => this.validateEdit(spec) },
    );
    setHandler(messages.publishNow, () => this.changeStatus('publishing'), waiting);
    setHandler(messages.cancel, () => this.changeStatus('cancelled'), waiting);
    setHandler(
      messages.retryFailed,
      () => {
        this.retryRequested = this.failedDeliveries();
        for (const d of this.retryRequested) d.status = 'pending';
        this.setStatus('publishing');
        return this.resource();
      },
      { validator: () => this.validateRetry() },
    );
    setHandler(messages.awaitSettled, async (timeoutMs) => {
      await condition(() => isSettled(this.state.status), timeoutMs);
      return this.resource();
    });
  }

  private changeStatus(status: PostStatus): PostResource {
    this.setStatus(status);
    this.revision++;
    return this.resource();
  }

  private setStatus(status: PostStatus): void {
    if (this.state.status !== status) {
      this.state.status = status;
      this.index({ key: PostStatusKey, value: status });
    }
    this.touch();
  }

  private index(pair: SearchAttributeUpdatePair): void {
    if (this.indexed) upsertSearchAttributes([pair]);
  }

  private touch(): void {
    this.state.updatedAt = new Date().toISOString();
  }

  private requireStatus(...allowed: PostStatus[]): void {
    const { status } = this.state;
    if (!allowed.includes(status)) {
      throw ApplicationFailure.create({
        type: messages.STATE_INVALID,
        message: `The post is ${status}; this is allowed only while it is ${allowed.join(' or ')}.`,
        details: [{ status }],
        nonRetryable: true,
      });
    }
  }

  private validateEdit(spec: PostSpec): void {
    this.requireStatus('draft', 'scheduled');
    const before = this.state.spec.targets.map((t) => t.accountId).join();
    if (spec.id !== this.state.spec.id || spec.targets.map((t) => t.accountId).join() !== before) {
      throw ApplicationFailure.create({
        type: messages.STATE_INVALID,
        message: 'An edit cannot change the post id or its accounts.',
        nonRetryable: true,
      });
    }
  }

  private validateRetry(): void {
    this.requireStatus('partial', 'failed');
    if (this.failedDeliveries().length === 0) {
      throw ApplicationFailure.create({
        type: messages.NOTHING_TO_RETRY,
        message: 'No delivery of this post has failed.',
        nonRetryable: true,
      });
    }
  }
}

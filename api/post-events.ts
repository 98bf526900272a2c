import { ACCOUNT_EVENTS, type AccountEventType } from './account-events';
import type { PostResource } from './types';

/**
 * Post events (contract §6): what webhooks receive. Pure, so the workflow builds them.
 * Envelope: `{ "event": "<type>", "data": { … } }`.
 */
export const POST_EVENTS = [
  'post.scheduled',
  'post.published',
  'post.partial',
  'post.failed',
  'post.updated',
  'post.deleted',
  'post.retried',
  'post.approval_requested',
  'post.approved',
  'post.rejected',
  'post.expired',
  'post.metrics_updated',
] as const;

export type PostEventType = (typeof POST_EVENTS)[number];

/** Every event an endpoint can subscribe to: the post events, then the account events. */
export const WEBHOOK_EVENTS = [...POST_EVENTS, ...ACCOUNT_EVENTS] as const;

/** Events after which a post is done (until someone retries it): what a `callback_url` receives. */
export const FINAL_POST_EVENTS: PostEventType[] = [
  'post.published',
  'post.partial',
  'post.failed',
  'post.deleted',
  'post.rejected',
  'post.expired',
];

/** Every event an endpoint can subscribe to, with what it means (`GET /v1/webhooks/events`). */
export const EVENT_CATALOG: Record<PostEventType | AccountEventType | 'webhook.test', string> = {
  'post.scheduled': 'A post was scheduled.',
  'post.published': 'Every target of a post was published.',
  'post.partial': 'Some targets of a post were published, some failed.',
  'post.failed': 'Every target of a post failed.',
  'post.updated': 'A draft or scheduled post was edited or rescheduled (changed_fields).',
  'post.deleted': 'A draft or scheduled post was cancelled (was_status).',
  'post.retried': 'The failed targets of a post are being retried (retried_count).',
  'post.approval_requested':
    'A post needs approval before it can go out (created, or edited after approval): approve or reject it.',
  'post.approved': 'A post was approved (approved_by); it goes out at its instant, or now if that passed.',
  'post.rejected': 'A post was rejected (reason); it will not be published.',
  'post.expired': 'A post was not approved within its approval window; it will not be published.',
  'account.connected':
    'An account was connected through its consent page: created, or reconnected (created: false).',
  'post.metrics_updated':
    "A pass of a published post's metrics collection stored each target's metrics (metrics, metrics_synced_at).",
  'webhook.test': 'A test ping, sent when an endpoint is registered or tested.',
};

export interface PostEvent {
  event: PostEventType;
  data: Record<string, unknown>;
}

/** The seed's per-target results, with the current target's error code and metadata (warnings). */
const results = (post: PostResource) =>
  post.results.map((r, i) => ({
    ...r,
    error_code: post.targets[i]?.error?.code ?? null,
    metadata: post.targets[i]?.metadata ?? {},
  }));

export function scheduledEvent(post: PostResource): PostEvent {
  return {
    event: 'post.scheduled',
    data: {
      post_id: post.id,
      status: post.status,
      scheduled_at: post.scheduled_at,
      targets: post.targets.map((t) => ({ account_id: t.account_id, platform: t.platform })),
    },
  };
}

/** `post.published`, `post.partial` or `post.failed`, from the settled post. */
export function settledEvent(post: PostResource): PostEvent {
  const event =
    post.status === 'published'
      ? 'post.published'
      : post.status === 'partial'
        ? 'post.partial'
        : 'post.failed';
  return {
    event,
    data: {
      post_id: post.id,
      status: post.status,
      error_message: post.error_message,
      results: results(post),
    },
  };
}

export function updatedEvent(post: PostResource, changedFields: string[]): PostEvent {
  return {
    event: 'post.updated',
    data: {
      post_id: post.id,
      status: post.status,
      scheduled_at: post.scheduled_at,
      changed_fields: changedFields,
    },
  };
}

export function deletedEvent(post: PostResource, wasStatus: string): PostEvent {
  return { event: 'post.deleted', data: { post_id: post.id, status: post.status, was_status: wasStatus } };
}

export function retriedEvent(post: PostResource, retriedCount: number): PostEvent {
  return {
    event: 'post.retried',
    data: { post_id: post.id, status: post.status, retried_count: retriedCount },
  };
}

/** `post.approval_requested`, `post.approved`, `post.rejected` or `post.expired`: the approval as it now stands. */
export function approvalEvent(
  event: 'post.approval_requested' | 'post.approved' | 'post.rejected' | 'post.expired',
  post: PostResource,
): PostEvent {
  return {
    event,
    data: {
      post_id: post.id,
      status: post.status,
      scheduled_at: post.scheduled_at,
      text: post.text,
      targets: post.targets.map((t) => ({ account_id: t.account_id, platform: t.platform })),
      approval: post.approval,
    },
  };
}

/**
 * `post.metrics_updated`: one pass of a post's metrics collection (`pass`, from 1), with each
 * target it read: its metrics and when they were read.
 */
export function metricsUpdatedEvent(
  postId: string,
  pass: number,
  targets: Array<{ account_id: string; platform: string; metrics: unknown; metrics_synced_at: string }>,
): PostEvent {
  return { event: 'post.metrics_updated', data: { post_id: postId, pass, targets } };
}

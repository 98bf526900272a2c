import { approvalResource } from './approval';
import { METRICS } from './platform-steps';
import type {
  DeliveryError,
  DeliveryReceipt,
  MediaRef,
  PostContent,
  PostResource,
  PostSpec,
  PostState,
  TargetErrorResource,
  TargetMetadata,
} from './types';

/** A post's state before anything happened to it: the workflow starts from it. */
export function initialPostState(spec: PostSpec, now: string): PostState {
  const approval = spec.approval ? { status: 'pending' as const, requestedAt: now } : undefined;
  return {
    spec,
    status:
      spec.mode === 'draft'
        ? 'draft'
        : approval
          ? 'pending_approval'
          : spec.mode === 'scheduled'
            ? 'scheduled'
            : 'publishing',
    ...(approval ? { approval } : {}),
    deliveries: spec.targets.map((t) => ({
      accountId: t.accountId,
      platform: t.platform,
      status: 'pending',
      attempts: 0,
      retries: 0,
    })),
    updatedAt: now,
  };
}

/**
 * Builds the Post resource from the workflow's state. Pure and deterministic: the workflow's
 * `post` query calls it, and so does anything that renders a post.
 */
export function toPostResource(state: PostState): PostResource {
  const { spec, deliveries } = state;
  const failures = deliveries.filter((d) => d.status === 'failed' && d.error);
  return {
    id: spec.id,
    user_id: spec.userId,
    account_ids: spec.targets.map((t) => t.accountId),
    text: spec.content.text,
    title: spec.content.title ?? null,
    media_ids: mediaIdsOf(spec.content.media),
    media: spec.content.media,
    platform_options: spec.platformOptions,
    scheduled_at: spec.scheduledAt ?? null,
    status: state.status,
    retry_count: deliveries.reduce((sum, d) => sum + d.retries, 0),
    error_message: failures.map((d) => `${d.accountId} (${d.platform}): ${d.error?.message}`).join('; '),
    created_at: spec.createdAt,
    updated_at: state.updatedAt,
    results: deliveries.map((d) => ({
      account_id: d.accountId,
      platform: d.platform,
      status: d.status,
      platform_post_id: d.receipt?.platformPostId ?? '',
      permalink: d.receipt?.permalink ?? '',
      error: d.error && d.status === 'failed' ? d.error.message : '',
    })),
    targets: deliveries.map((d) => ({
      account_id: d.accountId,
      platform: d.platform,
      status: d.status,
      platform_post_id: d.receipt?.platformPostId ?? null,
      // A permalink the platform would not give and the id cannot build is absent, not "".
      permalink: d.receipt?.permalink || null,
      scheduled_at:
        spec.targets.find((t) => t.accountId === d.accountId)?.scheduledAt ?? spec.scheduledAt ?? null,
      published_at: d.receipt?.publishedAt ?? null,
      attempts: d.attempts,
      error: d.status === 'failed' && d.error ? targetError(d.error) : null,
      metadata: targetMetadata(d.receipt),
      // Collected after publishing by `collectPostMetrics`; the API reads them from the store
      // (services/post-metrics.ts), so the workflow's resource says only whether they will come.
      metrics: null,
      metrics_synced_at: null,
      metrics_supported: metricsSupported(d.platform),
    })),
    approval: approvalResource(spec, state.approval),
    recycle: spec.recycle
      ? {
          after_days: spec.recycle.afterDays,
          rounds_left: spec.recycle.remaining,
          round: spec.recycle.round,
          origin_id: spec.recycle.originId,
        }
      : null,
  };
}

/** The resource's error: the contract's four fields only, whatever else the engine keeps with it. */
function targetError({ category, caused_by, code, message }: DeliveryError): TargetErrorResource {
  return { category, caused_by: caused_by === 'internal' ? 'system' : caused_by, code, message };
}

/**
 * A target's `metadata`: what the platform told about the post, and the warnings of what did not
 * work after it went live (docs/platforms.md "Live means published").
 */
export function targetMetadata(receipt: DeliveryReceipt | undefined): TargetMetadata {
  if (!receipt) return {};
  const warnings = receipt.warnings ?? [];
  return { ...receipt.metadata, ...(warnings.length ? { warnings } : {}) };
}

/**
 * Whether the post waits for an instant (scheduled, or a draft that may be) of its own or of a
 * target's: only such a post may be dispatched ahead of it (pre-dispatch).
 */
export function waitsForInstant(spec: PostSpec): boolean {
  return spec.mode !== 'now' || spec.targets.some((t) => t.scheduledAt !== undefined);
}

/** Final states: nothing more happens to the post unless someone asks for a retry. */
export function isSettled(status: PostResource['status']): boolean {
  return (
    status === 'published' ||
    status === 'partial' ||
    status === 'failed' ||
    status === 'cancelled' ||
    status === 'rejected' ||
    status === 'expired'
  );
}

/** The library ids among a post's media (what `media_ids` reports). */
export function mediaIdsOf(media: readonly MediaRef[]): string[] {
  return media.filter((m) => m.source_type === 'media_id').map((m) => m.source);
}

/**
 * Specs written before media URLs existed carry `content.mediaIds` (library ids only), and other
 * languages may still send it: read it as `media`, so such posts keep running and rendering.
 */
export function upgradeSpec(spec: PostSpec): PostSpec {
  const upgrade = <C extends Partial<PostContent> | undefined>(content: C): C => {
    const legacy = (content as { mediaIds?: string[] } | undefined)?.mediaIds;
    if (!content || content.media || !legacy) return content;
    const { mediaIds: _legacy, ...rest } = content as C & { mediaIds?: string[] };
    return { ...rest, media: legacy.map((source) => ({ source_type: 'media_id' as const, source })) } as C;
  };
  return {
    ...spec,
    content: { ...upgrade(spec.content), media: upgrade(spec.content).media ?? [] },
    targets: spec.targets.map((t) => (t.overrides ? { ...t, overrides: upgrade(t.overrides) } : t)),
  };
}

/**
 * Whether Postflow reads the platform's engagement (its descriptor's `capabilities.metrics`): where
 * it does not, a target's `metrics` stay null for good, which clients must not read as zeros.
 */
export function metricsSupported(platform: string): boolean {
  return METRICS[platform] === true;
}

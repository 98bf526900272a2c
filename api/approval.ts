import type { ApprovalResource, ApprovalState, PostSpec } from './types';

/** How long after its instant an approval still publishes a post, unless the post says otherwise. */
export const DEFAULT_APPROVAL_WINDOW_MS = 24 * 3_600_000;

/** When a scheduled post's wait ends: at its own instant, or its first target's when earlier. */
export function firstInstant(spec: PostSpec): string {
  const instants = [spec.scheduledAt, ...spec.targets.map((t) => t.scheduledAt)].filter(
    (at): at is string => at !== undefined,
  );
  return instants.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
}

/**
 * Epoch ms after which an approval no longer publishes the post: its instant plus the window (a
 * publish-now post: the moment approval was asked, plus the window). Undefined for a draft,
 * which has no instant yet.
 */
export function approvalDeadline(spec: PostSpec, approval: ApprovalState): number | undefined {
  if (!spec.approval || spec.mode === 'draft') return undefined;
  const from = spec.mode === 'scheduled' ? firstInstant(spec) : approval.requestedAt;
  return Date.parse(from) + spec.approval.windowMs;
}

/** The resource's `approval`: null for a post that needs none. */
export function approvalResource(
  spec: PostSpec,
  approval: ApprovalState | undefined,
): ApprovalResource | null {
  if (!spec.approval || !approval) return null;
  const deadline = approvalDeadline(spec, approval);
  const approved = approval.status === 'approved';
  const rejected = approval.status === 'rejected';
  return {
    required: true,
    status: approval.status,
    requested_at: approval.requestedAt,
    expires_at: deadline === undefined ? null : new Date(deadline).toISOString(),
    other_key_required: spec.approval.otherKey,
    approved_at: approved ? (approval.decidedAt ?? null) : null,
    approved_by: approved ? (approval.decidedBy ?? null) : null,
    rejected_at: rejected ? (approval.decidedAt ?? null) : null,
    rejected_by: rejected ? (approval.decidedBy ?? null) : null,
    rejected_reason: rejected ? (approval.reason ?? null) : null,
  };
}

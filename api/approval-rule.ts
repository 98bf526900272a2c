import { DEFAULT_APPROVAL_WINDOW_MS } from './approval';
import { type Issue, validationError } from './errors';
import type { ApprovalSpec } from './types';

/** What a brand asks of the posts to its accounts (its `requires_approval`, `approval_by_other_key`). */
export interface BrandApproval {
  required: boolean;
  otherKey: boolean;
}

/**
 * A new post's approval rule, from its body and its accounts' brands: the body's
 * `requires_approval` wins over a brand's `requires_approval` (a default), but not over a brand's
 * `approval_by_other_key` (a rule: such a post always needs approval, by another key). 400 for a
 * body that opts out of such a rule, or gives a window without needing approval.
 */
export function approvalOf(
  body: { requires_approval?: boolean; approval_window_minutes?: number },
  brands: ReadonlyArray<BrandApproval | undefined>,
  authorKeyId: string | undefined,
): ApprovalSpec | undefined {
  const otherKey = brands.some((b) => b?.otherKey);
  const required = otherKey || (body.requires_approval ?? brands.some((b) => b?.required));
  const issues: Issue[] = [];
  if (otherKey && body.requires_approval === false) {
    issues.push({
      field: 'requires_approval',
      code: 'validation.field_invalid',
      message:
        "a brand of these accounts requires every post to be approved by another API key; omit requires_approval, or change the brand's approval_by_other_key.",
    });
  }
  if (!required && body.approval_window_minutes !== undefined) {
    issues.push({
      field: 'approval_window_minutes',
      code: 'validation.field_invalid',
      message: 'applies only to a post that requires approval; add "requires_approval": true or omit it.',
    });
  }
  if (issues.length) throw validationError(issues);
  if (!required) return undefined;
  return {
    ...(authorKeyId ? { authorKeyId } : {}),
    otherKey,
    windowMs:
      body.approval_window_minutes === undefined
        ? DEFAULT_APPROVAL_WINDOW_MS
        : body.approval_window_minutes * 60_000,
  };
}

import type { Client } from '@temporalio/client';
import type { PostStatus } from '../api/types';
import type { PostCounter } from '../runtime/metrics';

/**
 * Counts posts of one status in Temporal's visibility store, all users together. One query per
 * status: SQL visibility groups counts by `ExecutionStatus` only. Closed posts count as long as
 * the namespace's retention keeps them.
 */
export function visibilityPostCounter(temporal: Client): PostCounter {
  return async (status: PostStatus) =>
    (await temporal.workflow.count(`WorkflowType = 'publishPost' AND PostflowStatus = '${status}'`)).count;
}

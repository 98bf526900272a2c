import { proxyActivities } from '@temporalio/workflow';
import type { baselineActivities } from './activities';

const { noop } = proxyActivities<typeof baselineActivities>({ startToCloseTimeout: '1 minute' });

/**
 * The ceiling of this design on this Temporal: a workflow that does nothing but fan out one
 * activity per target and wait for them all. Postflow's publishPost is measured against it.
 */
export async function fanOutNoop(targets: number, latencyMs: number): Promise<number> {
  await Promise.all(Array.from({ length: targets }, () => noop(latencyMs)));
  return targets;
}

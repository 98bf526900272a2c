import type { DeliveryState, PostSpec } from '../api/types';

/** One delivery at the end of a delivery run. */
export interface SettledDelivery {
  accountId: string;
  platform: string;
  outcome: 'published' | 'failed';
  /** Publish calls of this target so far, all runs. */
  attempts: number;
  /** Automatic publish retries made in this run. */
  retries: number;
}

/** A post's delivery run that ended: what the worker's metrics and logs need to know. */
export interface DeliveriesSettled {
  postId: string;
  /** `scheduled_at` of a scheduled post's first run (fire lag); absent otherwise. */
  scheduledAt?: string;
  deliveries: SettledDelivery[];
}

export type DeliveryReporter = (event: DeliveriesSettled) => void;

/**
 * Set by the Postflow worker's workflow interceptors (workflows/observability-interceptors.ts)
 * only, so a worker without them (a test's, a replayer) never calls a sink it has not registered.
 * The same function serves every workflow: it holds no workflow's state.
 */
let reporter: DeliveryReporter | undefined;

export function reportDeliveriesTo(fn: DeliveryReporter): void {
  reporter = fn;
}

/**
 * Called as a delivery run starts; the function it returns reports the run once it ended.
 * Reporting is a sink call: no command, no effect on the workflow's history.
 */
export function observeDeliveryRun(spec: PostSpec, deliveries: DeliveryState[]): () => void {
  const retriesBefore = deliveries.map((d) => d.retries);
  const firstRun = deliveries.every((d) => d.attempts === 0);
  return () =>
    reporter?.({
      postId: spec.id,
      ...(firstRun && spec.mode === 'scheduled' && spec.scheduledAt ? { scheduledAt: spec.scheduledAt } : {}),
      deliveries: deliveries.map((d, i) => ({
        accountId: d.accountId,
        platform: d.platform,
        outcome: d.status === 'published' ? 'published' : 'failed',
        attempts: d.attempts,
        retries: d.retries - retriesBefore[i]!,
      })),
    });
}

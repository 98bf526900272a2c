import type { InjectedSinks } from '@temporalio/worker';
import type { DeliveriesSettled } from '../workflows/delivery-report';
import type { PostflowSinks } from '../workflows/observability-interceptors';
import type { PostflowMetrics } from '../runtime/metrics';

/** Records a settled delivery run: outcomes, the run's publish retries, and the fire lag. */
export function recordDeliveries(metrics: PostflowMetrics, event: DeliveriesSettled, now = Date.now()): void {
  const scheduledAt = event.scheduledAt ? Date.parse(event.scheduledAt) : NaN;
  for (const d of event.deliveries) {
    metrics.deliveries.inc({ platform: d.platform, outcome: d.outcome });
    if (d.retries > 0) metrics.retries.inc({ platform: d.platform, kind: 'publish' }, d.retries);
    // A scheduled post published early ("publish now") has no lag to speak of.
    if (d.outcome === 'published' && now >= scheduledAt) {
      metrics.fireLag.observe({ platform: d.platform }, (now - scheduledAt) / 1000);
    }
  }
}

/**
 * The sink the workflow interceptors report to. Not called on replay, so a run is counted once,
 * when it happens (the time of the call is then the real time of the outcome).
 */
export function deliverySinks(metrics: PostflowMetrics): InjectedSinks<PostflowSinks> {
  return {
    postflowMetrics: {
      deliveriesSettled: { fn: (_info, event) => recordDeliveries(metrics, event), callDuringReplay: false },
    },
  };
}

/**
 * Workflow interceptors of the Postflow worker (`interceptors.workflowModules`): not a workflow.
 * They hand each settled delivery run to the worker's metrics through a sink, and log it.
 */
import { log, proxySinks, type Sinks, type WorkflowInterceptors } from '@temporalio/workflow';
import { type DeliveriesSettled, reportDeliveriesTo } from './delivery-report';

export interface PostflowSinks extends Sinks {
  postflowMetrics: {
    deliveriesSettled(event: DeliveriesSettled): void;
  };
}

const { postflowMetrics } = proxySinks<PostflowSinks>();

function report(event: DeliveriesSettled): void {
  postflowMetrics.deliveriesSettled(event);
  for (const d of event.deliveries) {
    log.info('Delivery settled', {
      account_id: d.accountId,
      platform: d.platform,
      outcome: d.outcome,
      attempts: d.attempts,
      retries: d.retries,
    });
  }
}

export const interceptors = (): WorkflowInterceptors => {
  reportDeliveriesTo(report);
  return {};
};

import { sleep, type WorkflowInterceptorsFactory } from '@temporalio/workflow';

/**
 * A workflow interceptor for tests: the post's metrics collection starts an hour (of the test
 * server's clock) after the settle asks for it, as a slow Temporal would start it. Time stands
 * still on the time-skipping server until a test waits for a result, so a message the test sends
 * meanwhile lands while the settle is still starting the collection, every run.
 */
export const interceptors: WorkflowInterceptorsFactory = () => ({
  outbound: [
    {
      // The local activity that starts it (posts since metrics-by-local-activity)…
      async scheduleLocalActivity(input, next) {
        if (input.activityType === 'startMetricsCollection') await sleep('1 hour');
        return next(input);
      },
      // …and the child workflow that was it before (histories recorded then).
      async startChildWorkflowExecution(input, next) {
        if (input.workflowType === 'collectPostMetrics') await sleep('1 hour');
        return next(input);
      },
    },
  ],
});

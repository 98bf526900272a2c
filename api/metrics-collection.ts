/**
 * How a post's metrics collection (workflows/collect-metrics.ts) is named and joined, shared by
 * the workflow and the activity that starts it (activities/metrics.ts).
 */

/** The collection's workflow id: one per post, so a second start joins it and a delete finds it. */
export const metricsWorkflowId = (postId: string) => `metrics_${postId.replace(/^post_/, '')}`;

/** The signal that hands a collection targets published after it began. */
export const ADD_METRICS_TARGETS = 'addMetricsTargets';

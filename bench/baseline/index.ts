/**
 * Workflow bundle of the bench worker: Postflow's workflows and the baseline, side by side. The
 * metrics collection is in it so that a collection some post did start (one created through the
 * stack's API) has a worker while the bench workers stand in for the stack's.
 */
export { collectPostMetrics, publishPost } from '../../workflows';
export { fanOutNoop } from './workflows';

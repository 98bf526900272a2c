/** Workflow bundle of the bench worker: Postflow's workflow and the baseline, side by side. */
export { publishPost } from '../../workflows';
export { fanOutNoop } from './workflows';

import { type SearchAttributePair, WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ParentClosePolicy, startChild } from '@temporalio/workflow';
import { initialPostState } from '../api/post-resource';
import type { PostSpec } from '../api/types';
import { initialSearchAttributes } from './search-attributes';

/** The post workflow's type (gateway/ names it too: docs/workflow-contract.md). */
const POST_WORKFLOW_TYPE = 'publishPost';

/** How a workflow starts posts: with the gateway's search-attribute settings. */
export interface PostStartSettings {
  /** Start posts with Postflow's search attributes (the gateway's setting). */
  searchAttributes: boolean;
  /** Index the post's text (`PostflowText`); off with payload encryption. */
  indexText: boolean;
}

/**
 * Starts one post from a workflow as the gateway would (docs/workflow-contract.md), as an
 * abandoned child whose workflow id is the post's id; `duplicate` when a run with that id exists
 * (running or closed), which Temporal refuses to start again.
 */
export async function startPost(
  spec: PostSpec,
  settings: PostStartSettings,
): Promise<'created' | 'duplicate'> {
  try {
    await startChild(POST_WORKFLOW_TYPE, {
      workflowId: spec.id,
      args: [spec],
      // The post outlives the workflow that starts it.
      parentClosePolicy: ParentClosePolicy.ABANDON,
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: settings.searchAttributes
        ? (initialSearchAttributes(spec, initialPostState(spec, spec.createdAt).status, {
            text: settings.indexText,
          }).filter((pair) => pair.value !== null) as SearchAttributePair[])
        : [],
    });
    return 'created';
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return 'duplicate';
    throw err;
  }
}

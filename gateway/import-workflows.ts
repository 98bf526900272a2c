import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { PostSpec, PreStage } from '../api/types';
import type { ImportJob } from '../workflows/import-posts';
import type { PlatformQueues } from '../runtime/platform-queues';
import { isTemporalUnreachable } from './errors';
import { startedSpec } from './started-spec';

/** The import workflow's type (workflows/import-posts.ts). */
export const IMPORT_WORKFLOW_TYPE = 'importPosts';

export interface ImportWorkflowsOptions {
  temporal: Client;
  taskQueue: string;
  platformQueues?: PlatformQueues;
  /**
   * The task queue of posts' long uploads (`POSTFLOW_UPLOAD_QUEUE`, served by `postflow worker
   * --uploads`); each new post with media carries it in its input. @default none: uploads run on
   * the platform's queue
   */
  uploadQueue?: string;
  /**
   * Platforms whose videos new posts send as files in a resumable upload step
   * (`POSTFLOW_TIKTOK_VIDEO_SOURCE=upload`: `tiktok`); each new post with a target on one carries
   * them in its input (`PostSpec.fileUploads`). @default none
   */
  fileUploads?: string[];
  searchAttributes?: boolean;
  indexText?: boolean;
  /** Start each post's metrics collection when it publishes. @default true */
  collectMetrics?: boolean;
  /** Dispatch the posts' deliveries this long before their instant, in ms (started-spec.ts). @default 0 */
  preDispatchMs?: number;
  /** With `preDispatchMs`: stage the deliveries that prepare (stage-leads.ts). @default true */
  preStage?: PreStage;
}

/** The workflow id of an import: one per import, so a repeated start is a no-op. */
export const importWorkflowId = (importId: string) => `import_${importId.replace(/^imp_/, '')}`;

/**
 * Bulk imports' workflows: the import workflow starts the posts of an import's valid rows, with
 * the same routing and search attributes `PostWorkflows.start` gives a single post.
 */
export class ImportWorkflows {
  constructor(private readonly options: ImportWorkflowsOptions) {}

  /** The spec as the import workflow must start it: with its platforms' queues, decided now. */
  routed(spec: PostSpec): PostSpec {
    return startedSpec(spec, this.options);
  }

  /**
   * Starts the import's workflow unless it runs or ran already (a running one is joined, a closed
   * one never started again), so a caller may repeat it after a crash.
   */
  async start(importId: string): Promise<void> {
    const job: ImportJob = {
      importId,
      searchAttributes: this.options.searchAttributes !== false,
      indexText: this.options.indexText !== false,
    };
    try {
      await this.options.temporal.workflow.start(IMPORT_WORKFLOW_TYPE, {
        taskQueue: this.options.taskQueue,
        workflowId: importWorkflowId(importId),
        args: [job],
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      throw err;
    }
  }

  /**
   * `start` for a reader that can do without it: `false`, not an error, while the Temporal server
   * cannot be reached. A started import's workflow carries on once the server is back; one never
   * started is started by a later call.
   */
  async resume(importId: string): Promise<boolean> {
    try {
      await this.start(importId);
      return true;
    } catch (err) {
      if (isTemporalUnreachable(err)) return false;
      throw err;
    }
  }
}

import type { Client } from '@temporalio/client';
import type { PlatformQueues } from '../runtime/platform-queues';
import type { PreStage } from '../api/types';
import { AccountHelperCalls } from './account-helpers';
import { ImportWorkflows } from './import-workflows';
import { PostVisibility } from './post-list';
import { PostWorkflows } from './post-workflows';
import { RecurringSchedules } from './recurring-schedules';

export { ACCOUNT_HELPER_WORKFLOW_TYPE, AccountHelperCalls } from './account-helpers';
export { toApiError } from './errors';
export { IMPORT_WORKFLOW_TYPE, ImportWorkflows, importWorkflowId } from './import-workflows';
export { MAX_LISTED_POSTS, PostVisibility } from './post-list';
export {
  OCCURRENCE_WORKFLOW_TYPE,
  RECURRING_CATCHUP_WINDOW,
  RecurringSchedules,
  type ScheduleRule,
  type ScheduleState,
} from './recurring-schedules';
export {
  PostWorkflows,
  type PostWorkflowsOptions,
  type UnpublishScope,
  WORKFLOW_TYPE,
} from './post-workflows';

export interface PostGatewayOptions {
  temporal: Client;
  /** Task queue of the Postflow workers. @default 'postflow' */
  taskQueue?: string;
  /** Platforms whose calls run on their own task queue (platform → queue). @default none */
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
  /** How long queries and updates may wait for a worker before failing with 503. @default 10 000 ms */
  rpcTimeoutMs?: number;
  /** Start posts with Postflow's search attributes (needed to list them). @default true */
  searchAttributes?: boolean;
  /** Index the post's text (`PostflowText`); turn off with payload encryption. @default true */
  indexText?: boolean;
  /** Start each post's metrics collection when it publishes (`POSTFLOW_METRICS_SCHEDULE`). @default true */
  collectMetrics?: boolean;
  /**
   * Dispatch each new scheduled post's deliveries this long before their instant, in ms
   * (`POSTFLOW_PRE_DISPATCH_SECONDS`; `PostSpec.preDispatchMs`). @default 0: at the instant
   */
  preDispatchMs?: number;
  /**
   * With `preDispatchMs`: start the deliveries that prepare (uploads, containers) earlier still,
   * by a lead per platform and media, or by one lead in ms for every one of them (`POSTFLOW_PRE_STAGE`;
   * gateway/stage-leads.ts). @default true
   */
  preStage?: PreStage;
}

/**
 * Postflow's posts as Temporal holds them: the thin layer over `@temporalio/client` that starts,
 * queries, updates and lists post workflows (docs/workflow-contract.md). It checks no ownership,
 * state or input: a program that already has valid `PostSpec`s can use it alone; `PostflowClient`
 * (client/) adds the store-backed checks the HTTP API makes.
 */
export class PostGateway {
  /** One post's workflow: start, query, update; and the unpublish workflow. */
  readonly workflows: PostWorkflows;
  /** Many posts at once: lists by visibility query. */
  readonly visibility: PostVisibility;
  /** Bulk imports: the workflow that starts an import's posts. */
  readonly imports: ImportWorkflows;
  /** Recurring posts' Temporal Schedules. */
  readonly recurring: RecurringSchedules;
  /** Account helpers (boards, creator info, limits): asked of the platform by a worker. */
  readonly helpers: AccountHelperCalls;
  /** Whether posts started here have their text indexed, so a text search can find them. */
  readonly indexesText: boolean;

  constructor(options: PostGatewayOptions) {
    this.indexesText = options.indexText !== false;
    this.workflows = new PostWorkflows({
      ...options,
      taskQueue: options.taskQueue ?? 'postflow',
      rpcTimeoutMs: options.rpcTimeoutMs ?? 10_000,
    });
    this.visibility = new PostVisibility(options.temporal);
    this.imports = new ImportWorkflows({ ...options, taskQueue: options.taskQueue ?? 'postflow' });
    this.recurring = new RecurringSchedules({ ...options, taskQueue: options.taskQueue ?? 'postflow' });
    this.helpers = new AccountHelperCalls({ ...options, taskQueue: options.taskQueue ?? 'postflow' });
  }
}
export { OAUTH_WORKFLOW_TYPE, OAuthConnections, oauthWorkflowId } from './oauth-connections';
export { CREDENTIAL_CHECK_WORKFLOW_TYPE, CredentialChecks } from './credential-checks';

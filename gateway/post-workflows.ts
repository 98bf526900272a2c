import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { type SearchAttributePair, type UpdateDefinition, WorkflowNotFoundError } from '@temporalio/common';
import { ApiError } from '../api/errors';
import { initialPostState } from '../api/post-resource';
import type {
  ApprovalDecision,
  PostResource,
  PostSpec,
  PreStage,
  UnpublishJob,
  UnpublishResult,
} from '../api/types';
import { RECALL_BOUND_MS } from '../workflows/activity-proxies';
import * as messages from '../workflows/messages';
import { initialSearchAttributes } from '../workflows/search-attributes';
import type { PlatformQueues } from '../runtime/platform-queues';
import { fixedLead, restaged } from './stage-leads';
import { startedSpec } from './started-spec';
import { toApiError } from './errors';

/** The workflow type name other languages start (see docs/workflow-contract.md). */
export const WORKFLOW_TYPE = 'publishPost';
const UNPUBLISH_WORKFLOW_TYPE = 'unpublishPost';

export interface PostWorkflowsOptions {
  temporal: Client;
  /** Task queue of the Postflow workers. */
  taskQueue: string;
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
  /** How long queries and updates may wait for a worker before failing with 503. */
  rpcTimeoutMs: number;
  /** Start posts with Postflow's search attributes (needed to list them). @default true */
  searchAttributes?: boolean;
  /** Index the post's text (`PostflowText`); off with payload encryption. @default true */
  indexText?: boolean;
  /** Start each post's metrics collection when it publishes (`POSTFLOW_METRICS_SCHEDULE`). @default true */
  collectMetrics?: boolean;
  /** Dispatch new scheduled posts' deliveries this long before their instant, in ms. @default 0 */
  preDispatchMs?: number;
  /** With `preDispatchMs`: start the deliveries that prepare earlier still (gateway/stage-leads.ts). @default true */
  preStage?: PreStage;
}

/** Which published copies of a post an unpublish run removes (every one when neither is given). */
export interface UnpublishScope {
  platform?: string;
  accountId?: string;
}

/**
 * The post workflows of docs/workflow-contract.md, over `@temporalio/client`: starting one,
 * querying it, sending it updates, running the unpublish workflow. Temporal's errors come back as
 * the contract's (`toApiError`); no ownership or state rule is checked here.
 */
export class PostWorkflows {
  constructor(private readonly options: PostWorkflowsOptions) {}

  /**
   * Starts a post's workflow with its routing and search attributes. False when a run with its
   * id exists already: a running one is joined, a closed one is never started again.
   */
  async start(spec: PostSpec): Promise<boolean> {
    try {
      await this.options.temporal.workflow.start(WORKFLOW_TYPE, {
        taskQueue: this.options.taskQueue,
        workflowId: spec.id,
        args: [startedSpec(spec, this.options)],
        // A concurrent duplicate joins the running post; a closed one is never started again.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes:
          this.options.searchAttributes === false
            ? []
            : (initialSearchAttributes(spec, initialPostState(spec, spec.createdAt).status, {
                text: this.options.indexText !== false,
              }).filter((pair) => pair.value !== null) as SearchAttributePair[]),
      });
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
      throw err;
    }
    return true;
  }

  /** Whether Temporal has a run with this id (running or closed, within retention). */
  async exists(id: string): Promise<boolean> {
    try {
      await this.handle(id).describe();
      return true;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw toApiError(err, id);
    }
  }

  /** The Post resource as the workflow reports it (any user's: ownership is the caller's check). */
  post(id: string): Promise<PostResource> {
    return this.call(id, () => this.handle(id).query(messages.postQuery));
  }

  /** The post's current `PostSpec`. */
  spec(id: string): Promise<PostSpec> {
    return this.call(id, () => this.handle(id).query(messages.specQuery));
  }

  // The changes of a waiting post may first recall deliveries dispatched ahead of its instant
  // (workflows/dispatch.ts), which takes up to RECALL_BOUND_MS: they get that much more time.

  /** Moves a scheduled post (or schedules a draft) to `scheduledAt`. */
  reschedule(id: string, scheduledAt: string): Promise<PostResource> {
    return this.update(id, RECALL_BOUND_MS, messages.reschedule, scheduledAt);
  }

  /** Replaces a draft or scheduled post's spec (content, options, schedule). */
  edit(id: string, spec: PostSpec): Promise<PostResource> {
    // A post started with pre-staging stages what its edited content needs.
    return this.update(
      id,
      RECALL_BOUND_MS,
      messages.editPost,
      restaged(spec, fixedLead(this.options.preStage)),
    );
  }

  publishNow(id: string): Promise<PostResource> {
    return this.update(id, RECALL_BOUND_MS, messages.publishNow);
  }

  cancel(id: string): Promise<PostResource> {
    return this.update(id, RECALL_BOUND_MS, messages.cancel);
  }

  /** Approves a post pending approval, as `decision.keyId` (see `messages.approve`). */
  approve(id: string, decision: ApprovalDecision): Promise<PostResource> {
    return this.update(id, 0, messages.approve, decision);
  }

  /** Rejects a post pending approval, with `decision.reason`. */
  reject(id: string, decision: ApprovalDecision): Promise<PostResource> {
    return this.update(id, 0, messages.reject, decision);
  }

  /** Re-runs the failed targets of a `partial` or `failed` post (see `RetryOptions`). */
  retryFailed(id: string, options: messages.RetryOptions): Promise<PostResource> {
    return this.update(id, 0, messages.retryFailed, options);
  }

  /**
   * The post once settled or after `timeoutMs`, whichever is first (the `awaitSettled` update).
   * Throws the contract's errors: `post.not_found` when the workflow closed meanwhile, 503 when
   * no worker took the update in time.
   */
  async awaitSettled(id: string, timeoutMs: number): Promise<PostResource> {
    try {
      return await this.options.temporal.workflow.withDeadline(
        Date.now() + timeoutMs + this.options.rpcTimeoutMs,
        () => this.handle(id).executeUpdate(messages.awaitSettled, { args: [timeoutMs] }),
      );
    } catch (err) {
      throw toApiError(err, id);
    }
  }

  /**
   * Runs the unpublish workflow for a post's published copies and returns each one's outcome.
   * Each call runs on its platform's queue; a repeat for the same scope joins the run in progress.
   */
  async unpublish(
    postId: string,
    targets: ReadonlyArray<Omit<UnpublishJob, 'postId' | 'taskQueue'>>,
    { platform, accountId }: UnpublishScope = {},
  ): Promise<UnpublishResult[]> {
    const queues = this.options.platformQueues;
    const jobs: UnpublishJob[] = targets.map((t) => ({
      postId,
      accountId: t.accountId,
      platform: t.platform,
      platformPostId: t.platformPostId,
      ...(t.pageId ? { pageId: t.pageId } : {}),
      ...(queues?.[t.platform] ? { taskQueue: queues[t.platform] } : {}),
    }));
    return this.options.temporal.workflow.execute<(jobs: UnpublishJob[]) => Promise<UnpublishResult[]>>(
      UNPUBLISH_WORKFLOW_TYPE,
      {
        taskQueue: this.options.taskQueue,
        workflowId: `unpublish_${postId.replace(/^post_/, '')}${[platform, accountId].map((s) => (s ? `_${s}` : '')).join('')}`,
        args: [jobs],
        // A repeated DELETE joins the one running, or tries again the targets still live.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      },
    );
  }

  /**
   * Sends an update and returns the post it answers. Every refusal comes back as the contract's
   * error; an update to a closed post says its status (409).
   */
  private async update<Args extends unknown[]>(
    id: string,
    extraMs: number,
    def: UpdateDefinition<PostResource, Args>,
    ...args: Args
  ): Promise<PostResource> {
    // The SDK's overloads split updates with and without arguments; the definitions above are typed.
    return this.call(
      id,
      () =>
        this.handle(id).executeUpdate<PostResource, [unknown]>(def.name, {
          args: args as unknown as [unknown],
        }),
      extraMs,
    );
  }

  private handle(id: string) {
    return this.options.temporal.workflow.getHandle(id);
  }

  /** Runs one Temporal call for a post with a deadline, translating its errors to the contract's. */
  private async call<T>(id: string, fn: () => Promise<T>, extraMs = 0): Promise<T> {
    try {
      return await this.options.temporal.workflow.withDeadline(
        Date.now() + this.options.rpcTimeoutMs + extraMs,
        fn,
      );
    } catch (err) {
      throw await this.explainClosed(toApiError(err, id), id);
    }
  }

  /** An update sent to a post whose workflow has closed: say why, with its status, as a 409. */
  private async explainClosed(err: unknown, id: string): Promise<unknown> {
    if (!(err instanceof ApiError) || err.code !== 'post.not_found') return err;
    try {
      const status = (await this.handle(id).query(messages.postQuery)).status;
      return new ApiError(409, messages.STATE_INVALID, `The post is ${status}; it can no longer change.`, {
        id,
        status,
      });
    } catch {
      return err;
    }
  }
}

import type { Client } from '@temporalio/client';
import type { PostListQuery, PostPage } from '../api/post-list-query';
import type { PlatformConstraints } from '../api/resources';
import type { PostResource, PostStatus, PreStage, UnpublishResult } from '../api/types';
import type { ValidationReport } from '../api/validate';
import { PostGateway } from '../gateway';
import type { ImportReport } from '../api/post-import';
import { type ImportOptions, type ImportSource, PostImportsService } from '../services/post-imports';
import { type ApproverOptions, type CreateOptions, type DeleteResult, PostsService } from '../services/posts';
import type { Created, IdempotencyKeyHeader } from '../services/idempotency';
import { QueueService } from '../services/queues';
import type { QueueResource, QueueWithSlots } from '../api/queue-schemas';
import { RecurringPostsService } from '../services/recurring-posts';
import { AccountHelperService } from '../services/account-helpers';
import { AccountPagesService } from '../services/account-pages';
import type { AccountPage } from '../api/account-pages';
import type { AccountLimits, Board, CreatorInfo } from '../api/account-helpers';
import type { OccurrenceList, RecurringResource } from '../api/recurring';
import type { Store } from '../store/types';
import type { RetryOptions } from '../workflows/messages';
import type { PlatformQueues } from '../runtime/platform-queues';
import {
  type PostMetricsResource,
  type PostMetricsSeries,
  PostMetricsService,
} from '../services/post-metrics';

export { WORKFLOW_TYPE } from '../gateway';
export { newPostId, postIdForKey } from '../api/post-id';
export { DEFAULT_IDEMPOTENCY_KEY_DAYS } from '../store/types';
export type { PostListQuery, PostPage } from '../api/post-list-query';
export type { ApproverOptions, CreateOptions, DeleteResult } from '../services/posts';
export type { MetricsPass, PostMetricsResource, PostMetricsSeries } from '../services/post-metrics';
export type { ImportOptions, ImportSource } from '../services/post-imports';
export type { ImportReport } from '../api/post-import';
export type { OccurrenceList, RecurringResource } from '../api/recurring';

export interface PostflowClientOptions {
  temporal: Client;
  store: Store;
  /** Task queue of the Postflow workers. @default 'postflow' */
  taskQueue?: string;
  /**
   * Platforms whose calls run on their own task queue (platform → queue, `POSTFLOW_PLATFORM_QUEUES`),
   * served by `postflow worker --platforms`. Each new post carries its platforms' queues in its
   * input (docs/deploy.md, "Sizing per platform"). @default none: every call on `taskQueue`
   */
  platformQueues?: PlatformQueues;
  /**
   * The task queue of posts' long uploads (`POSTFLOW_UPLOAD_QUEUE`, served by `postflow worker
   * --uploads`); each new post with media carries it in its input. @default none: uploads run on
   * the platform's queue
   */
  uploadQueue?: string;
  /**
   * Platforms whose videos new posts send as files in a resumable upload step
   * (`POSTFLOW_TIKTOK_VIDEO_SOURCE=upload`: `tiktok`). @default none
   */
  fileUploads?: string[];
  /** The user whose posts this client sees and creates. @default 'usr_default' */
  userId?: string;
  /** How long queries and updates may wait for a worker before failing with 503. @default 10 000 ms */
  rpcTimeoutMs?: number;
  /**
   * Start posts with Postflow's search attributes (needed to list and filter them). Turn off only
   * on a server that cannot register them, such as the time-skipping test server. @default true
   */
  searchAttributes?: boolean;
  /** Accept media URLs on plain http and private addresses (development, tests). @default false */
  allowPrivateUrls?: boolean;
  /**
   * Index the post's text for `search` (the `PostflowText` search attribute). Search attributes
   * are stored in clear even when payloads are encrypted, so turn it off with the payload codec;
   * `search` is then refused. @default true
   */
  indexText?: boolean;
  /**
   * Start each new post's metrics collection when it publishes (docs/api.md "Analytics"); false
   * with `POSTFLOW_METRICS_SCHEDULE=off`: the posts this client starts collect nothing. @default true
   */
  collectMetrics?: boolean;
  /**
   * Dispatch each new scheduled post's deliveries this long before their instant, in ms
   * (`POSTFLOW_PRE_DISPATCH_SECONDS`, docs/performance.md "Publish on the second"): the publish
   * call waits for the instant in the worker, so it goes out on the second. @default 0: at the instant
   */
  preDispatchMs?: number;
  /**
   * With `preDispatchMs`: start the deliveries that prepare (uploads, containers) earlier still,
   * by a lead per platform and media, or by one lead in ms for every one of them (`POSTFLOW_PRE_STAGE`,
   * docs/performance.md "Pre-staging").
   * @default true
   */
  preStage?: PreStage;
  /**
   * How long the store remembers a post's idempotency key, from the request that first used it
   * (`POSTFLOW_IDEMPOTENCY_KEY_DAYS`). Within it a repeat never publishes again, even once the
   * namespace's retention has removed the post's run (docs/decisions.md). @default 90
   */
  idempotencyKeyDays?: number;
}

/**
 * The typed Postflow client: the posts service (services/posts.ts: the store-backed checks) over
 * the Temporal gateway (gateway/), for one user. The HTTP API and the CLI use it, so every entry
 * point validates the same way. A program that only starts and reads workflows can use
 * `PostGateway` (gateway/) alone.
 */
export class PostflowClient {
  readonly taskQueue: string;
  readonly userId: string;
  private readonly services: ClientServices;

  /**
   * @param services for `forUser` only: the services and gateway take the user per call, so every
   * user's client shares them (the HTTP API makes a client per request).
   */
  constructor(
    private readonly options: PostflowClientOptions,
    services?: ClientServices,
  ) {
    this.taskQueue = options.taskQueue ?? 'postflow';
    this.userId = options.userId ?? 'usr_default';
    this.services = services ?? servicesFor(options, this.taskQueue);
  }

  private get service(): PostsService {
    return this.services.posts;
  }

  /** The same client acting for another user (the HTTP API makes one per request). */
  forUser(userId: string): PostflowClient {
    return new PostflowClient({ ...this.options, userId }, this.services);
  }

  /**
   * What this user's accounts' platforms say before posting (services/account-helpers.ts):
   * Pinterest boards, TikTok creator info, remaining quota. Asked through a worker, cached a minute
   * (creator info ten).
   */
  readonly accounts = {
    boards: (id: string): Promise<{ data: Board[] }> => this.services.accountHelpers.boards(this.userId, id),
    createBoard: (id: string, body: unknown): Promise<Board> =>
      this.services.accountHelpers.createBoard(this.userId, id, body),
    board: (id: string, boardId: string): Promise<Board> =>
      this.services.accountHelpers.board(this.userId, id, boardId),
    /** Changes a board's `name`, `description` or `privacy` (PUBLIC or SECRET). */
    updateBoard: (id: string, boardId: string, body: unknown): Promise<Board> =>
      this.services.accountHelpers.updateBoard(this.userId, id, boardId, body),
    deleteBoard: (id: string, boardId: string): Promise<void> =>
      this.services.accountHelpers.deleteBoard(this.userId, id, boardId),
    creatorInfo: (id: string): Promise<CreatorInfo> =>
      this.services.accountHelpers.creatorInfo(this.userId, id),
    limits: (id: string): Promise<AccountLimits> => this.services.accountHelpers.limits(this.userId, id),
    /** The pages the account's grant gives, read from the platform again (at most once a minute). */
    pages: (id: string): Promise<{ count: number; data: AccountPage[] }> =>
      this.services.accountPages.list(this.userId, id),
    /** Makes one of them the page the account posts to (`{ is_default: true }`). */
    choosePage: (id: string, pageId: string, body: unknown): Promise<AccountPage> =>
      this.services.accountPages.choose(this.userId, id, pageId, body),
  };

  /** This user's posts; each method is the posts service's (services/posts.ts), documented there. */
  readonly posts = {
    /** Creates a post from a `POST /v1/posts` body (either dialect); bad input starts nothing. */
    create: (body: unknown, options: CreateOptions = {}): Promise<{ post: PostResource; created: boolean }> =>
      this.service.create(this.userId, body, options),
    /** A dry run of `create`: every problem and warning, nothing created. */
    validate: (body: unknown): Promise<ValidationReport> => this.service.validate(this.userId, body),
    /** The constraints of one platform, or of every one (`GET /v1/posts/validate`). */
    constraints: (platform?: string): Record<string, PlatformConstraints> =>
      this.service.constraints(platform),
    /** The post, by its id or a platform post id it was published as. */
    get: (idOrPlatformId: string): Promise<PostResource> => this.service.get(this.userId, idOrPlatformId),
    /** Each target's latest collected metrics (`GET /v1/posts/{id}/metrics`). */
    metrics: (idOrPlatformId: string): Promise<PostMetricsResource> =>
      this.services.metrics.current(this.userId, idOrPlatformId),
    /** Every collected metrics pass of each target, oldest first: the engagement curve. */
    metricsSeries: (idOrPlatformId: string): Promise<PostMetricsSeries> =>
      this.services.metrics.series(this.userId, idOrPlatformId),
    /** The engagement curves as a PNG image (`GET /v1/posts/{id}/metrics.png`). */
    metricsChart: (idOrPlatformId: string): Promise<Buffer> =>
      this.services.metrics.chart(this.userId, idOrPlatformId),
    /** Cancels a post, or deletes a published one from its platforms (`platform`'s copies only). */
    delete: (id: string, scope: { platform?: string; accountId?: string } = {}): Promise<DeleteResult> =>
      this.service.delete(this.userId, id, scope),
    /** Deletes a published post from its platforms (or `accountId`'s copy) and keeps the post. */
    unpublish: (id: string, accountId?: string): Promise<UnpublishResult[]> =>
      this.service.unpublish(this.userId, id, accountId),
    /** Applies a `PATCH` body: reschedule and/or edit a draft or scheduled post. */
    update: (id: string, body: unknown): Promise<PostResource> => this.service.update(this.userId, id, body),
    /** Cancels a draft or scheduled post. */
    cancel: (id: string): Promise<PostResource> => this.service.cancel(this.userId, id),
    /** Publishes a draft or scheduled post now (with `waitMs`: and waits for it to settle). */
    publishNow: (id: string, options: { waitMs?: number } = {}): Promise<PostResource> =>
      this.service.publishNow(this.userId, id, options),
    /** Re-runs the failed targets of a `partial` or `failed` post. */
    retry: (id: string, options: RetryOptions = {}): Promise<PostResource> =>
      this.service.retry(this.userId, id, options),
    /** Approves a post pending approval (`keyId`: the approving API key, for the other-key rule). */
    approve: (id: string, options: ApproverOptions = {}): Promise<PostResource> =>
      this.service.approve(this.userId, id, options),
    /** Rejects a post pending approval, with a reason (`{ reason }`); it will not be published. */
    reject: (id: string, body: { reason: string }, options: ApproverOptions = {}): Promise<PostResource> =>
      this.service.reject(this.userId, id, body, options),
    /** A page of this user's posts (`GET /v1/posts`). */
    list: (query: PostListQuery = {}): Promise<PostPage> => this.service.list(this.userId, query),
    /** Posts of this user that may still publish with a media file (to come, or retryable). */
    usingMedia: (mediaId: string): Promise<string[]> => this.service.usingMedia(this.userId, mediaId),
    /** How many of this user's posts were created in [from, to), by their status now (`GET /v1/usage`). */
    countCreated: (from: Date, to: Date): Promise<Record<PostStatus, number>> =>
      this.service.countCreated(this.userId, from, to),
    /** Waits until the post is settled or `timeoutMs` passes, then returns it as it is. */
    waitForResult: (id: string, options: { timeoutMs: number }): Promise<PostResource> =>
      this.service.waitForResult(this.userId, id, options),
    /**
     * Bulk import (`POST /v1/posts/import`): checks every row as `create` does and starts the valid
     * rows' posts in a durable import workflow; with `dryRun`, only reports.
     */
    import: (source: ImportSource, options: ImportOptions = {}): Promise<ImportReport> =>
      this.services.imports.import(this.userId, source, options),
  };

  /**
   * This user's posting queues (services/queues.ts; docs/api.md "Queues"). A post takes a slot with
   * `posts.create({ ..., queue: true })` (or `queue: "next"` for the head of the queue).
   */
  readonly queues = {
    /** Creates the queue of an account or a brand: `{ account_id | brand_id, timezone, slots }`. */
    create: (
      body: unknown,
      options: { idempotencyKey?: IdempotencyKeyHeader } = {},
    ): Promise<Created<QueueResource>> =>
      this.services.queues.create(this.userId, body, options.idempotencyKey),
    list: (): Promise<{ count: number; data: QueueResource[] }> => this.services.queues.list(this.userId),
    /** The queue with its next `count` slots (default 10) and the posts holding them. */
    get: (id: string, options: { count?: number } = {}): Promise<QueueWithSlots> =>
      this.services.queues.get(this.userId, id, options),
    /** New `slots` or `timezone`; the queued posts are re-planned (each rescheduled). */
    update: (id: string, body: unknown): Promise<QueueWithSlots> =>
      this.services.queues.update(this.userId, id, body),
    /** Deletes the queue; its posts keep their instants. */
    remove: (id: string): Promise<void> => this.services.queues.remove(this.userId, id),
  };

  /** This user's bulk imports (services/post-imports.ts). */
  readonly imports = {
    /** An import's report as it is now: counts, each row's post or problems, running or done. */
    get: (id: string): Promise<ImportReport> => this.services.imports.get(this.userId, id),
  };

  /** This user's recurring posts (services/recurring-posts.ts): one normal post per occurrence. */
  readonly recurring = {
    /**
     * Creates a recurring post from a `POST /v1/recurring-posts` body; with `idempotencyKey`, a
     * repeat returns the first one (`replayed`). `authorKeyId`: the creating API key (approval's author).
     */
    create: (
      body: unknown,
      options: { idempotencyKey?: string; authorKeyId?: string } = {},
    ): Promise<{ resource: RecurringResource; replayed: boolean }> =>
      this.services.recurring.create(this.userId, body, options.idempotencyKey, {
        authorKeyId: options.authorKeyId,
      }),
    list: (): Promise<{ count: number; data: RecurringResource[] }> =>
      this.services.recurring.list(this.userId),
    get: (id: string): Promise<RecurringResource> => this.services.recurring.get(this.userId, id),
    /** Applies a `PATCH` body: the post, when it repeats, its end. */
    update: (id: string, body: unknown): Promise<RecurringResource> =>
      this.services.recurring.update(this.userId, id, body),
    pause: (id: string): Promise<RecurringResource> => this.services.recurring.pause(this.userId, id),
    resume: (id: string): Promise<RecurringResource> => this.services.recurring.resume(this.userId, id),
    /** Stops it for good; the posts it created stay. */
    delete: (id: string): Promise<void> => this.services.recurring.delete(this.userId, id),
    /** Its occurrences, newest first, with their posts. */
    occurrences: (id: string, options: { limit?: number } = {}): Promise<OccurrenceList> =>
      this.services.recurring.occurrences(this.userId, id, options.limit),
  };
}

/** The services a client (and every client `forUser` makes from it) shares. */
interface ClientServices {
  posts: PostsService;
  metrics: PostMetricsService;
  accountHelpers: AccountHelperService;
  accountPages: AccountPagesService;
  imports: PostImportsService;
  queues: QueueService;
  recurring: RecurringPostsService;
}

/** The posts and imports services over their Temporal gateway, as the client's options describe them. */
function servicesFor(options: PostflowClientOptions, taskQueue: string): ClientServices {
  const gateway = new PostGateway({
    temporal: options.temporal,
    taskQueue,
    platformQueues: options.platformQueues,
    ...(options.uploadQueue ? { uploadQueue: options.uploadQueue } : {}),
    ...(options.fileUploads?.length ? { fileUploads: options.fileUploads } : {}),
    rpcTimeoutMs: options.rpcTimeoutMs,
    searchAttributes: options.searchAttributes,
    indexText: options.indexText,
    collectMetrics: options.collectMetrics,
    ...(options.preDispatchMs ? { preDispatchMs: options.preDispatchMs } : {}),
    ...(options.preStage !== undefined ? { preStage: options.preStage } : {}),
  });
  const accountHelpers = new AccountHelperService({ store: options.store, helpers: gateway.helpers });
  const posts = new PostsService({
    store: options.store,
    gateway,
    accountHelpers,
    options: {
      allowPrivateUrls: options.allowPrivateUrls,
      idempotencyKeyDays: options.idempotencyKeyDays,
    },
  });
  return {
    accountHelpers,
    accountPages: new AccountPagesService({ store: options.store, helpers: gateway.helpers }),
    posts,
    metrics: new PostMetricsService({ store: options.store, getPost: (userId, id) => posts.get(userId, id) }),
    imports: new PostImportsService({
      store: options.store,
      gateway,
      options: { allowPrivateUrls: options.allowPrivateUrls },
    }),
    queues: new QueueService({ store: options.store, gateway }),
    recurring: new RecurringPostsService({
      store: options.store,
      gateway,
      options: { allowPrivateUrls: options.allowPrivateUrls },
    }),
  };
}

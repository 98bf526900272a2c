/**
 * The internal shapes every part of Postflow shares. Pure types: safe to import from workflow code.
 *
 * Both request dialects (seed `account_ids` and current `targets[]`) normalise to one `PostSpec`;
 * the workflow keeps a `PostState`; the HTTP API and the client return a `PostResource`.
 */

/** Lifecycle of a post. */
export type PostStatus =
  | 'draft'
  | 'pending_approval'
  | 'scheduled'
  | 'publishing'
  | 'published'
  | 'partial'
  | 'failed'
  | 'cancelled'
  | 'rejected'
  | 'expired';

/** Lifecycle of one delivery (one target account of a post). */
export type TargetStatus = 'pending' | 'publishing' | 'published' | 'failed';

/** How a post was asked to go out. */
export type PostMode = 'now' | 'scheduled' | 'draft';

/** Every failure is classified once, by the platform adapter, into one of these. */
export type ErrorCategory = 'validation' | 'auth' | 'rate_limit' | 'platform' | 'system';

export type Visibility = 'public' | 'private' | 'connections_only' | 'logged_in';

export const POST_STATUSES: readonly PostStatus[] = [
  'draft',
  'pending_approval',
  'scheduled',
  'publishing',
  'published',
  'partial',
  'failed',
  'cancelled',
  'rejected',
  'expired',
];

/**
 * One media item of a post, as the contract's `MediaInput`: a file of the caller's media library
 * (`media_id`) or a public URL fetched at publish time (`url`). Order is carousel order.
 */
export interface MediaRef {
  source_type: 'media_id' | 'url';
  source: string;
}

/** What is published. Post-level values; a target may override some of them. */
export interface PostContent {
  text: string;
  title?: string;
  firstComment?: string;
  /**
   * A thread (`segments`): the texts posted as replies, in order, after the post's own text, on
   * platforms with threads (their rules' `thread`). Never set when empty.
   */
  segments?: string[];
  visibility?: Visibility;
  media: MediaRef[];
}

/** One target account of a post, with its platform resolved and its options already merged. */
export interface TargetSpec {
  accountId: string;
  platform: string;
  /** Platform options for this target: post-level options for its platform, then target-level ones. */
  options: Record<string, unknown>;
  /**
   * The target-level ones alone (`targets[].platform_data`, `board_id`, `page_id`), absent when
   * it has none: a PATCH of `platform_options` re-derives `options` from them and the new ones.
   */
  ownOptions?: Record<string, unknown>;
  /** Per-target content overrides (current dialect). */
  overrides?: Partial<PostContent>;
  /**
   * RFC 3339: this target's own instant (`targets[].scheduled_at`). It waits for it inside the
   * post's workflow; without it the target goes out when the post does.
   */
  scheduledAt?: string;
}

/** The normalised post: the workflow's input. */
export interface PostSpec {
  /** `post_<ULID>`; also the workflow id. */
  id: string;
  userId: string;
  mode: PostMode;
  /** RFC 3339 instant (always with an offset or `Z`); set when `mode` is `scheduled`. */
  scheduledAt?: string;
  content: PostContent;
  /** `platform_options` / `platform_data` exactly as given, echoed in the Post resource. */
  platformOptions: Record<string, unknown>;
  targets: TargetSpec[];
  /** RFC 3339 instant the post was created. */
  createdAt: string;
  /**
   * Platform slug → the task queue of that platform's calls (prepare, checks, publish, lookup,
   * token refresh), decided by the client from `POSTFLOW_PLATFORM_QUEUES` when it starts the post.
   * Platforms not named, and posts started without it, use the workflow's own task queue.
   */
  platformQueues?: Record<string, string>;
  /**
   * The task queue of the post's long uploads (`uploadTarget`, and the prepare of platforms that
   * upload in it), decided by the client from `POSTFLOW_UPLOAD_QUEUE` when it starts a post with
   * media: big uploads then run on workers of their own and never hold the slots publishing
   * needs. Absent: the platform's queue (or the workflow's).
   */
  uploadQueue?: string;
  /**
   * Platforms whose videos this post sends as files, in an upload step that survives a crash,
   * rather than letting the platform pull them by URL: `tiktok` when the client that started the
   * post had `POSTFLOW_TIKTOK_VIDEO_SOURCE=upload`. Absent: pulled, or (posts started before it)
   * uploaded whole in the publish call as the worker's setting says.
   */
  fileUploads?: string[];
  /** Set when a person must approve the post before it goes out (docs/api.md "Approval"). */
  approval?: ApprovalSpec;
  /** Set when the post comes back into its queue after it published (docs/api.md "Evergreen posts"). */
  recycle?: RecycleSpec;
  /**
   * `false`: no metrics collection starts when the post publishes, decided by the client that
   * starts it (`POSTFLOW_METRICS_SCHEDULE=off`). Absent: collected (docs/api.md "Analytics").
   */
  collectMetrics?: false;
  /**
   * How long before a target's instant its delivery is dispatched, in ms (docs/performance.md
   * "Publish on the second"): decided by the client that starts the post, from
   * `POSTFLOW_PRE_DISPATCH_SECONDS`. Absent or 0: the delivery starts at the instant.
   */
  preDispatchMs?: number;
  /**
   * Pre-staging (docs/performance.md "Pre-staging"), on posts dispatched ahead: per account id,
   * how long before its instant a target whose delivery prepares (uploads, containers) starts,
   * in ms; its publish call is still dispatched `preDispatchMs` ahead. Decided by the client that
   * starts the post from its platform and media (gateway/stage-leads.ts), again on each edit.
   * Present (possibly empty) when the post was started with pre-staging on; absent, no delivery
   * starts before `preDispatchMs`.
   */
  preStageMs?: Record<string, number>;
}

/**
 * How a client pre-stages (`POSTFLOW_PRE_STAGE`, gateway/stage-leads.ts): `true` by a lead per
 * platform and media, a number for one lead in ms for every target that prepares, `false` not at all.
 */
export type PreStage = boolean | number;

/** An evergreen post's rounds still to come (`recycle` in `POST /v1/posts`). */
export interface RecycleSpec {
  /** Days between the post publishing and its next round taking a queue slot. */
  afterDays: number;
  /** Rounds still to come after this post, at least 1. */
  remaining: number;
  /** The texts of the rounds, in order (round n takes `variations[n - 1]`, cycling); empty: the post's own text. */
  variations: string[];
  /** The post the rounds came from (this one, for the original): it names each round's post. */
  originId: string;
  /** This post's round: 0 for the original. */
  round: number;
}

/** A post's approval rule, fixed when it is created. */
export interface ApprovalSpec {
  /** The API key that created the post; absent when a library or CLI caller did. */
  authorKeyId?: string;
  /** Only another key than `authorKeyId` may approve or reject it. */
  otherKey: boolean;
  /**
   * How long after the post's instant (its `scheduled_at`, or for a publish-now post the moment
   * approval was asked) an approval still publishes it; then it expires.
   */
  windowMs: number;
}

/** Where a post's approval stands (`PostState.approval`). */
export interface ApprovalState {
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  /** When approval was last asked for (creation, or the edit that asked again). */
  requestedAt: string;
  /** The last decision: approved or rejected, when and by which key. */
  decidedAt?: string;
  decidedBy?: string;
  reason?: string;
}

/** Who sends an approval or a rejection: the API key (absent for a library or CLI caller). */
export interface ApprovalDecision {
  keyId?: string;
  /** Why it was rejected (reject only). */
  reason?: string;
}

/** A failure as the Post resource reports it. */
export interface DeliveryError {
  category: ErrorCategory;
  /** Who has to act: the user (fix the post or account), the platform, or Postflow itself. */
  caused_by: 'user' | 'platform' | 'internal';
  code: string;
  message: string;
}

/**
 * A target's failure as the Post resource shows it. The contract's `caused_by` values are `user`,
 * `platform` and `system`; the engine's `internal` is shown as `system` (see docs/decisions.md
 * "Field types").
 */
export interface TargetErrorResource {
  category: ErrorCategory;
  caused_by: 'user' | 'platform' | 'system';
  code: string;
  message: string;
}

/** Plain JSON: what may travel through workflow history and come out in the Post resource. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * Something that did not work after the post went live (a thread reply refused, the permalink
 * unreadable). The target stays `published`: the post is on the platform, and publishing it again
 * would duplicate it. `code` reads `platform.<slug>.<what>`, e.g. `platform.twitter.thread_incomplete`.
 */
export interface DeliveryWarning {
  code: string;
  message: string;
}

/** Proof of publication returned by a platform. */
export interface DeliveryReceipt {
  platformPostId: string;
  /** Empty when the platform could not be asked for it and it cannot be built from the id. */
  permalink: string;
  publishedAt: string;
  /** Platform facts about the post (the contract's `targets[].metadata`), e.g. X `thread_post_ids`. */
  metadata?: { [key: string]: JsonValue };
  /** What did not work after the post went live; reported, never turned into a failure. */
  warnings?: DeliveryWarning[];
}

/**
 * A published post's engagement as its platform counts it: the contract's target `metrics`.
 * `extra` holds what the platform reports beyond the four (views, impressions, quotes), by its
 * own name in snake_case.
 */
export interface PostMetrics {
  likes: number;
  comments: number;
  shares: number;
  saves: number;
  extra: Record<string, number>;
}

/** One published target whose metrics a collection reads (its receipt says where the post is). */
export interface MetricsJob {
  postId: string;
  accountId: string;
  platform: string;
  receipt: DeliveryReceipt;
  /** The platform's own task queue, when the post was routed to one. */
  taskQueue?: string;
}

/**
 * One metrics read: `synced` with what was stored; `gone` when the post was deleted (through
 * Postflow, or on the platform); `not_supported` where the platform has no metrics endpoint;
 * `rate_limited` with the wait the platform asked for (the workflow waits it, then reads again).
 */
export type MetricsOutcome =
  | { outcome: 'synced'; metrics: PostMetrics; syncedAt: string }
  | { outcome: 'gone' }
  | { outcome: 'not_supported' }
  | { outcome: 'rate_limited'; retryAfterMs: number };

/** What `collectPostMetrics` starts with: the post's published targets. */
export interface CollectMetricsInput {
  postId: string;
  userId: string;
  targets: MetricsJob[];
}

/** One stored metrics pass of a target: when it was due (the schedule's offset after publishing) and read. */
export interface StoredMetrics {
  accountId: string;
  dueAt: string;
  syncedAt: string;
  metrics: PostMetrics;
}

/** One target's delivery as the workflow tracks it. */
export interface DeliveryState {
  accountId: string;
  platform: string;
  status: TargetStatus;
  /** Publish calls made for this target, across automatic and requested retries. */
  attempts: number;
  /** Automatic retries: publish calls beyond the first of each run. */
  retries: number;
  receipt?: DeliveryReceipt;
  error?: DeliveryError;
  /** What the engine must remember between runs of this delivery; never in the Post resource. */
  engine?: DeliveryMemory;
}

/**
 * A delivery's memory, carried across retry requests and continue-as-new (workflows/delivery.ts).
 * Ids, instants and flags only: it lives in workflow history.
 */
export interface DeliveryMemory {
  /** The platform may have the post: a publish call's outcome is unknown, and nothing proved it absent. */
  unknown?: UnknownOutcome;
  /** The platform offers no way to look a post up: an unknown outcome there can only be settled by a person. */
  noLookup?: boolean;
  /** Where a delivery that handed over to a new run (continue-as-new) picks up. */
  resume?: DeliveryCursor;
}

/** A publish call whose outcome is unknown. */
export interface UnknownOutcome {
  /** When the run of that call began: the lookup ignores the account's posts from before it. */
  since: string;
  /** Epoch ms after which that call can no longer land on the platform (its deadline, plus a margin). */
  landsBy: number;
  /** What prepare made for that call (a container): the lookup asks about it, a retry reuses it. */
  prepared?: { [key: string]: JsonValue };
}

/** Counters of one delivery run, carried over continue-as-new. */
export interface DeliveryRun {
  startedAt: string;
  attempts: number;
  refreshed: boolean;
}

/** A place in a delivery where it can hand over to a new run: before a wait. */
export type DeliveryCursor =
  /** Before the next attempt, after a pause until `wakeAt` (epoch ms). */
  | { step: 'attempt'; run: DeliveryRun; wakeAt: number }
  /** Polling what prepare made. */
  | ({ step: 'preparing' } & ProcessingWait)
  /** Polling the post after the publish call, which was given `prepared`. */
  | ({ step: 'live'; prepared: { [key: string]: JsonValue } } & ProcessingWait);

/** A wait for the platform's processing, between two checks. */
export interface ProcessingWait {
  run: DeliveryRun;
  processing: { [key: string]: JsonValue };
  pollAfterMs: number;
  /** Checks made so far: the pause grows with them. */
  polls: number;
  /** Epoch ms when the platform's processing counts as timed out. */
  deadline: number;
}

/** The workflow's whole state; the `post` query turns it into a `PostResource`. */
export interface PostState {
  spec: PostSpec;
  status: PostStatus;
  deliveries: DeliveryState[];
  updatedAt: string;
  /** Set when the spec requires approval. */
  approval?: ApprovalState;
  /** The targets whose metrics collection began (account ids); absent before the first. */
  metricsCollected?: string[];
}

/** One entry of the seed-era `results[]`. */
export interface PostResultResource {
  account_id: string;
  platform: string;
  status: TargetStatus;
  platform_post_id: string;
  permalink: string;
  error: string;
}

/** One entry of the current `targets[]`. */
export interface PostTargetResource {
  account_id: string;
  platform: string;
  status: TargetStatus;
  platform_post_id: string | null;
  permalink: string | null;
  /** When this target goes out: its own `scheduled_at`, else the post's; null for at once. */
  scheduled_at: string | null;
  published_at: string | null;
  attempts: number;
  error: TargetErrorResource | null;
  /**
   * The receipt's metadata, and its warnings as `metadata.warnings` (the contract's `metadata` is
   * a free-form object, so clients of the contract read it unchanged). `{}` when there is none.
   */
  metadata: TargetMetadata;
  /** The latest collected pass (analytics); null until the first, and for good where not supported. */
  metrics: PostMetrics | null;
  metrics_synced_at: string | null;
  /** Postflow extension: false where the platform's engagement is not read (null is not zero). */
  metrics_supported: boolean;
}

/** `targets[].metadata`: platform facts plus, when something failed after going live, `warnings`. */
export interface TargetMetadata {
  [key: string]: unknown;
  warnings?: DeliveryWarning[];
}

/** The Post resource: the seed's fields and the current `targets[]` side by side. */
export interface PostResource {
  id: string;
  user_id: string;
  account_ids: string[];
  text: string;
  title: string | null;
  /** Library media only (the seed-era field); `media` lists every item, URLs too. */
  media_ids: string[];
  media: MediaRef[];
  platform_options: Record<string, unknown>;
  scheduled_at: string | null;
  status: PostStatus;
  retry_count: number;
  error_message: string;
  created_at: string;
  updated_at: string;
  results: PostResultResource[];
  targets: PostTargetResource[];
  /** Postflow extension: the approval the post needs; null when it needs none. */
  approval: ApprovalResource | null;
  /** Postflow extension: the evergreen rounds still to come; null when none. */
  recycle: { after_days: number; rounds_left: number; round: number; origin_id: string } | null;
}

/** A post's approval as the resource shows it. */
export interface ApprovalResource {
  required: true;
  status: ApprovalState['status'];
  requested_at: string;
  /** The last instant an approval still publishes the post (null while it is a draft). */
  expires_at: string | null;
  /** Whether the key that created the post is refused as approver. */
  other_key_required: boolean;
  approved_at: string | null;
  approved_by: string | null;
  rejected_at: string | null;
  rejected_by: string | null;
  rejected_reason: string | null;
}

/**
 * A classified publish failure, as adapters report it and the workflow decides on it.
 * Crosses the activity boundary as the details of an `ApplicationFailure` of type `PublishError`.
 */
export const PUBLISH_ERROR_TYPE = 'PublishError';

/**
 * The code of a pre-dispatched publish call (`DeliveryJob.notBefore`) that ended before its
 * instant without calling the platform: the workflow recalled it, or its worker stopped.
 */
export const DISPATCH_RECALLED = 'publishing.dispatch.recalled';

export interface PublishFailure extends DeliveryError {
  /** True when retrying cannot publish twice: the failure proves nothing was published. */
  retryable: boolean;
  /** True when the request may have reached the platform: reconcile before any retry. */
  outcomeUnknown: boolean;
  /** The platform asked us to wait this long (Retry-After, rate-limit reset). */
  retryAfterMs?: number;
  /** The access token expired: refreshing it may let a retry succeed. */
  refreshable?: boolean;
  /**
   * The platform refused the account's token for good (revoked, invalidated): no post can succeed
   * until the user reconnects the account, so the engine marks it `reconnect_required`.
   */
  reconnect?: boolean;
}

/** What a delivery needs to publish one target; carries no credentials (activities load them). */
export interface DeliveryJob {
  postId: string;
  target: TargetSpec;
  content: PostContent;
  /** When this delivery run began: reconcile ignores the account's posts from before it. */
  startedAt?: string;
  /** The post sends this platform's video as a file (`PostSpec.fileUploads` names it). */
  fileUpload?: true;
  /**
   * RFC 3339: the instant of a publish call dispatched before it (`PostSpec.preDispatchMs`). The
   * publish activity waits in the worker until then before it calls the platform.
   */
  notBefore?: string;
  /**
   * The fence of a publish call dispatched ahead (with `notBefore`): the call goes out only if it
   * claims this id in the store first, and a workflow that gave up on the call (its worker went
   * silent while it waited) claims it instead, proving the call can no longer go out.
   */
  dispatchId?: string;
}

/** The answer of a reconcile: can the platform be searched, and was the post found there. */
export type ReconcileResult =
  | { searchable: false }
  | {
      searchable: true;
      receipt: DeliveryReceipt | null;
      /**
       * The post was found live with steps of its own still to run (a thread's replies): the
       * delivery goes on with them, as after its publish call. Absent in results from before it.
       */
      live?: { processing: { [key: string]: JsonValue }; pollAfterMs: number };
    };

/** One published target to delete from its platform. */
export interface UnpublishJob {
  postId: string;
  accountId: string;
  platform: string;
  platformPostId: string;
  /** The page of a multi-page account the post went to (its receipt's `metadata.page_id`). */
  pageId?: string;
  /** The task queue of the platform's calls (see `PostSpec.platformQueues`); unset: the workflow's. */
  taskQueue?: string;
}

/** What happened to one target of a deleted post (contract §2.9). */
export interface UnpublishResult {
  platform: string;
  account_id: string;
  outcome: 'deleted' | 'not_supported' | 'failed';
  message?: string;
}

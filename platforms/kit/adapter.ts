import type {
  DeliveryReceipt,
  JsonValue,
  MediaRef,
  PostContent,
  PostMetrics,
  PublishFailure,
  TargetSpec,
} from '../../api/types';
import type { AccountLimits, Board, CreateBoard, CreatorInfo, UpdateBoard } from '../../api/account-helpers';
import type { OutboundPolicy } from '../../net/guard';

/** The account an adapter publishes as, with its credentials decrypted for this call only. */
export interface AccountContext {
  id: string;
  platform: string;
  name: string;
  credentials: Record<string, string>;
}

/** One media item of a post, ready for an adapter: metadata now, bytes on demand. */
export interface MediaFile {
  ref: MediaRef;
  /** Library media: its stored type and size; URL media: null until opened. */
  contentType: string | null;
  sizeBytes: number | null;
  /**
   * The whole file in memory, for images and small files only: a file larger than
   * `LOAD_MAX_BYTES` (media-reader.ts) is refused with `publishing.media.too_large`, so a video
   * is never buffered by accident. Videos go through `open()`.
   */
  load(): Promise<{ bytes: Buffer; contentType: string }>;
  /**
   * The file for ranged reads: its size and type now, its bytes a range at a time. URL media is
   * fetched now, through the SSRF guard, to a temporary file on the worker's disk (never to
   * memory), removed when the activity ends.
   */
  open(): Promise<MediaReader>;
  /** A URL platforms can fetch the file from (a signed Postflow URL for library media). */
  publicUrl(ttlMs?: number): Promise<string>;
}

/** A media file open for ranged reads: what chunked upload protocols send from, chunk by chunk. */
export interface MediaReader {
  /** The file's size in bytes. */
  readonly size: number;
  readonly contentType: string;
  /**
   * Bytes `start` up to `end` (exclusive) of the file: one chunk, read when asked and held only
   * until sent. A range past `READ_MAX_BYTES` (media-reader.ts) throws: whole files go as chunks.
   * With `into` (at least `end - start` bytes), a reader that can reads into it and answers a view
   * of it, so a chunked upload reuses one buffer instead of leaving one per chunk to the collector.
   */
  read(start: number, end: number, into?: Buffer): Promise<Buffer>;
}

/**
 * Where a long upload stands, across the attempts of its activity (docs/platforms.md "Uploads that
 * survive a crash"). A retried attempt (another worker, after the first was killed) finds the
 * session the first kept and goes on from the offset the platform acknowledges, never from zero.
 */
export interface UploadLedger {
  /**
   * The upload's opaque key: stable across the activity's attempts, safe for workflow history and
   * heartbeat details (it names the session; it is not one).
   */
  readonly key: string;
  /** The session an earlier attempt kept, if any. */
  session(): Promise<string | undefined>;
  /**
   * Keeps a session just opened, before any byte goes to it (sealed in Postflow's store, never in
   * history); answers the session to use: an earlier attempt's, should two have raced.
   */
  keep(session: string): Promise<string>;
  /** Forgets the kept session (the platform says it is gone), before a new one is opened. */
  forget(): Promise<void>;
  /**
   * Replaces the kept session's record: a platform whose upload URL cannot be asked where it
   * stands (TikTok) records there the bytes it acknowledged, before the next chunk goes.
   */
  update(session: string): Promise<void>;
  /** The bytes the platform acknowledged so far, of `total`: the heartbeat's details. */
  progress(offset: number, total: number): void;
}

/** One publish of one post to one account. */
export interface PublishRequest {
  postId: string;
  account: AccountContext;
  target: TargetSpec;
  /** The post's content with the target's overrides applied. */
  content: PostContent;
  /** `content.media`, resolved: metadata, bytes and fetchable URLs (empty for `findExisting`). */
  media: MediaFile[];
  /** `<post id>/<account id>`: what `findExisting` looks for after an unknown outcome. */
  ref: string;
  /**
   * When this delivery began (RFC 3339). A platform without a place for `ref` is searched by
   * content; its posts from before this instant (less clock skew) cannot be this delivery's.
   */
  since: string;
  /**
   * For `findExisting` after a lost publish call: the latest instant (RFC 3339) that call could
   * have reached the platform. A platform that lists a post only well after taking it (Reddit's
   * media posts) counts its listing delay from here. Absent for runs recorded before it was passed.
   */
  landsBy?: string;
  /** Aborted when the activity is cancelled or the worker shuts down. */
  signal: AbortSignal;
  /**
   * The platform session a long upload (`upload`) kept under `key`, from Postflow's store: what
   * `publish`, `findExisting` and `reusable` go on with when their `prepared` state names one
   * (`upload_key`). Absent where the store is not at hand (unit tests).
   */
  uploadSession?: (key: string) => Promise<string | undefined>;
  /**
   * Keeps allowances the platform reports only in its answers (X's 24-hour post caps) for
   * `GET /v1/accounts/{id}/limits`: integer counts by key. Never fails the step.
   */
  reportLimits?: (limits: Record<string, number>) => Promise<void>;
}

/**
 * One first comment (a reply, where the platform calls it so) under one published post: the
 * post's `first_comment`, made after the post is live.
 */
export interface CommentRequest {
  postId: string;
  account: AccountContext;
  target: TargetSpec;
  /** The comment's text. */
  text: string;
  /** The published post, as its receipt says (id, permalink, the platform's metadata). */
  post: DeliveryReceipt;
  /** `<post id>/<account id>/first-comment`: an idempotency handle where the platform takes one. */
  ref: string;
  /**
   * When the comment step began (RFC 3339): comments of the account from before it cannot be this
   * one, so `findComment` ignores them.
   */
  since: string;
  signal: AbortSignal;
  /** As a publish's: a comment is a post to the platforms that count them so (X). */
  reportLimits?: PublishRequest['reportLimits'];
}

/** Proof of a comment: its id on the platform and a link to it (empty where none can be built). */
export interface CommentReceipt {
  commentId: string;
  permalink: string;
}

/** One read of a published post's engagement (likes, comments, shares, saves). */
export interface MetricsRequest {
  account: AccountContext;
  /** The published post, as its receipt says. */
  post: DeliveryReceipt;
  signal: AbortSignal;
}

/** One delete of one published post from one account. */
export interface UnpublishRequest {
  account: AccountContext;
  platformPostId: string;
  signal: AbortSignal;
}

/**
 * What an adapter keeps between the steps of one delivery: upload ids, container ids, a publish
 * id to poll. It travels through workflow history, so it is plain JSON and never holds a secret.
 */
export type StepState = { [key: string]: JsonValue };
export type { JsonValue, PostMetrics };

/**
 * The platform is still working (processing a video, a container not yet ready). The workflow
 * waits `pollAfterMs` as a durable timer, then calls the matching `check…` step with `state`.
 */
export interface Processing {
  processing: StepState;
  pollAfterMs: number;
}

/** Work done before the irreversible call; invisible to the account's followers. */
export type Prepared = { ready: StepState } | Processing;
/** What a publish call proven absent was given, now: publishable again, gone, or consumed after all. */
export type Reusable = 'reuse' | 'renew' | 'taken';

/** What the publish call (or a later check) returns: proof of publication, or "still processing". */
export type Published = DeliveryReceipt | Processing;

export const isProcessing = (value: object): value is Processing => 'processing' in value;

/**
 * One social platform. Adapters contain no Temporal code: they classify their own failures by
 * throwing `PublishError`, and the activity layer maps that to Temporal once (activities/errors.ts).
 *
 * A delivery runs the steps by their side effects (docs/platforms.md):
 *   prepare → checkPrepared* → publish → checkPublished*
 * `prepare` and the checks may run any number of times; `publish` only when nothing was published.
 */
export interface PlatformAdapter {
  readonly platform: string;
  /**
   * Uploads media, creates containers: everything the followers cannot see yet. Retried freely.
   * Where the platform's prepare is its upload step (the descriptor's `uploadStep: 'prepare'`),
   * `ledger` keeps what a retry after a crash may go on from (an upload's id and offset).
   */
  prepare?(request: PublishRequest, ledger?: UploadLedger): Promise<Prepared>;
  /**
   * A long transfer whose end is the publish itself (YouTube: the final chunk creates the video):
   * sends every byte but the last chunk's, in a session kept in `ledger`, and returns the state
   * `publish` finishes it from (`{ upload_key, … }`, no secret). Run in an activity of its own
   * (`uploadTarget`) that heartbeats the acknowledged offset and is retried in place: a retry goes
   * on in the same session. Invisible to followers until `publish` sends the final chunk.
   */
  upload?(request: PublishRequest, ledger: UploadLedger): Promise<StepState>;
  /** Asks again whether what `prepare` made is ready (a container being processed). Read-only. */
  checkPrepared?(request: PublishRequest, state: StepState): Promise<Prepared>;
  /**
   * Makes the post public, with what `prepare` returned (`{}` without a prepare step).
   * Irreversible: the engine never calls it twice unless proven safe.
   */
  publish(request: PublishRequest, prepared: StepState): Promise<Published>;
  /**
   * Polls a publish the platform finishes asynchronously (TikTok, YouTube processing). Read-only.
   * Once the post is live, a failure for good here becomes the receipt with a warning, never a
   * failed target (live-receipt.ts).
   */
  checkPublished?(request: PublishRequest, state: StepState): Promise<Published>;
  /**
   * Looks the post up on the platform; absent where the platform offers no lookup. `prepared` is
   * what `prepare` returned for the attempt whose outcome is unknown, when its publish call ran
   * (unset when the lookup follows an older run): a platform that can be asked about what it
   * prepared (a container's status) answers exactly instead of searching the account's posts.
   */
  findExisting?(request: PublishRequest, prepared?: StepState): Promise<DeliveryReceipt | null>;
  /**
   * Whether this account's posts and comments can be looked up, where that depends on the kind of
   * account (a Discord webhook cannot list its messages, a Discord bot can). `false`: the engine
   * treats the account as a platform without `findExisting` and `findComment` (no lookup; a lost
   * answer ends unconfirmed). Absent: the methods decide alone.
   */
  searchable?(account: AccountContext): boolean;
  /**
   * Where a post `findExisting` found may still have steps of its own to run after the publish
   * call (a thread's replies): the step that continues them, as `publish` would have returned it
   * (`Processing`: the engine goes on with `checkPublished`), or the receipt when none remain.
   * Absent: a post found is settled as it is.
   */
  continueFound?(request: PublishRequest, found: DeliveryReceipt): Published;
  /**
   * Whether what `prepare` returned for a publish call since proven absent can still be published
   * (`reuse`: a Meta container neither expired nor failed), must be made anew (`renew`), or was
   * consumed by that call after all (`taken`: the post exists, the engine looks it up). Where prepare's result is the platform's own
   * guard against a second post (a container publishes once), reusing it keeps a late first call
   * from duplicating the post. Absent: every attempt prepares anew.
   */
  reusable?(request: PublishRequest, prepared: StepState): Promise<Reusable>;
  /**
   * Deletes a published post from the platform: `deleted` once it is gone (also when it was gone
   * already), `not_supported` when this post cannot be deleted through the API (it stays live).
   * Absent where the platform offers no delete at all. Failures throw `PublishError`.
   */
  unpublish?(request: UnpublishRequest): Promise<'deleted' | 'not_supported'>;
  /**
   * Comments on the post just published (`first_comment`). Irreversible like `publish`: the engine
   * calls it again only after a failure that proves nothing was made, or after `findComment` found
   * no comment. Absent where the platform has no comments (the descriptor's `comments: false`).
   */
  comment?(request: CommentRequest): Promise<CommentReceipt>;
  /**
   * Looks for the comment after an unknown outcome: the account's comment on `request.post` with
   * `request.text`, made since `request.since`. Absent where the platform cannot be asked: such an
   * outcome ends as a warning, never a second comment.
   */
  findComment?(request: CommentRequest): Promise<CommentReceipt | null>;
  /**
   * Checks credentials against the platform before an account is made of them (`POST
   * /v1/accounts/connect`) and answers whom they belong to. Read-only: no post, no stored session.
   * Refused credentials throw `PublishError` with `caused_by: 'user'` (auth, or a chat or room the
   * credentials cannot reach); trouble on the platform's side throws it retryable. Absent: the
   * platform cannot be asked, and the account is made with the checks its descriptor can do alone.
   */
  verifyCredentials?(account: AccountContext, signal: AbortSignal): Promise<VerifiedProfile>;
  /**
   * Reads the post's engagement from the platform's metrics endpoint: `null` when the platform
   * says the post is gone (deleted there), so its collection ends. Read-only, retried freely;
   * failures throw `PublishError` (a rate limit with its Retry-After). Absent where the platform
   * has no metrics endpoint (the descriptor's `metrics: false`).
   */
  fetchMetrics?(request: MetricsRequest): Promise<PostMetrics | null>;
  /** Exchanges the account's refresh credentials for fresh ones; throws `PublishError` (auth) when dead. */
  refresh?(account: AccountContext): Promise<Record<string, string>>;
  /**
   * For tokens refreshable only while still valid (Meta's long-lived ones): renew them this long
   * before `expires_at`. The token-upkeep job renews such accounts even when they do not post.
   */
  renewWindowMs?: number;
  /** The account helpers this platform answers (the descriptor's `accountHelpers`). */
  helpers?: AccountHelpers;
}

/** One account helper call: read-only unless it says otherwise (creating a board). */
export interface HelperRequest {
  account: AccountContext;
  signal: AbortSignal;
}

/**
 * What a client asks an account's platform before posting (`/v1/accounts/{id}/boards`,
 * `/creator-info`, `/limits`). Each is the descriptor's `accountHelpers`; failures throw
 * `PublishError`, classified as a publish's are.
 */
export interface AccountHelpers {
  boards?(request: HelperRequest): Promise<Board[]>;
  createBoard?(request: HelperRequest, board: CreateBoard): Promise<Board>;
  /** One board; a board the account cannot see is a PublishError with code `resource.not_found`. */
  board?(request: HelperRequest, boardId: string): Promise<Board>;
  /** Changes a board's name, description or privacy; answers the board as it is now. */
  updateBoard?(request: HelperRequest, boardId: string, changes: UpdateBoard): Promise<Board>;
  /** Deletes a board (and its Pins, on Pinterest). */
  deleteBoard?(request: HelperRequest, boardId: string): Promise<void>;
  creatorInfo?(request: HelperRequest): Promise<CreatorInfo>;
  limits?(request: HelperRequest): Promise<AccountLimits>;
}

/** Whom an account's credentials belong to on the platform: never a secret (it travels through history). */
export interface VerifiedProfile {
  /** The platform's id of the user, bot or key (a DID, a user id, a public key). */
  id: string;
  username?: string;
  name?: string;
  pictureUrl?: string;
}

/** How an adapter is set up: where its platform is, how long a call may take. */
export interface AdapterOptions {
  /**
   * The platform API's base URL: `POSTFLOW_<PLATFORM>_API_URL` when set (a proxy, a test fake),
   * else the official one. Self-hosted platforms (Mastodon, Bluesky) read theirs from the account.
   */
  baseUrl?: string;
  /** How long one call may take before its answer counts as lost. @default 60 s */
  timeoutMs?: number;
  /** Settings by environment variable: OAuth clients (`POSTFLOW_<PLATFORM>_CLIENT_ID`, `_SECRET`). */
  env?: Record<string, string | undefined>;
  /**
   * How calls to servers an account names (Mastodon's `instance_url`, Bluesky's `service`) are
   * guarded against SSRF. @default public https addresses only (`PUBLIC_ONLY`)
   */
  outbound?: OutboundPolicy;
}

/** Thrown by adapters for every failure, already classified. */
export class PublishError extends Error {
  readonly failure: PublishFailure;

  constructor(failure: PublishFailure, options?: { cause?: unknown }) {
    super(failure.message, options);
    this.name = 'PublishError';
    this.failure = failure;
  }
}

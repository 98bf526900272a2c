import { accountNotFound, ApiError, postNotFound, validationError } from '../api/errors';
import {
  applyParsedUpdate,
  type MediaLookup,
  type NormaliseContext,
  normaliseParsedPost,
  type ParsedCreatePost,
  parseCreatePost,
  parsePostUpdate,
  queuePlacement,
} from '../api/normalise';
import { PLATFORM_RULES } from '../api/platform-rules';
import { newPostId, postIdForKey } from '../api/post-id';
import { pageOf, parsePostListQuery, type PostListQuery, type PostPage } from '../api/post-list-query';
import { initialPostState, isSettled, toPostResource } from '../api/post-resource';
import type { PlatformConstraints } from '../api/resources';
import type { PostResource, PostSpec, PostStatus, UnpublishResult } from '../api/types';
import { rejectSchema } from '../api/schemas';
import { platformConstraints, type ValidationReport, validatePostBody } from '../api/validate';
import { zodIssues } from '../api/zod-issues';
import type { PostGateway } from '../gateway';
import { AVAILABLE_PLATFORMS } from '../platforms/descriptors';
import type { Store } from '../store/types';
import { type RetryOptions, STATE_INVALID } from '../workflows/messages';
import { ownBrand } from './brands';
import { callbackUrlOf, PostCallbacks } from './post-callback';
import { PostInputs } from './post-inputs';
import { PostKeys, postGone } from './post-keys';
import { QueuePlanner } from './queue-planner';
import { queueOfAccounts } from '../store/queue-lookup';
import type { AccountHelperService } from './account-helpers';
import { creatorIssues } from './creator-checks';
import { withMetrics } from './post-metrics';

export interface PostsServiceOptions {
  /** Accept media and callback URLs on plain http and private addresses. @default false */
  allowPrivateUrls?: boolean;
  /** How long the store remembers a post's idempotency key. @default DEFAULT_IDEMPOTENCY_KEY_DAYS */
  idempotencyKeyDays?: number;
}

export interface PostsServiceDeps {
  store: Store;
  gateway: PostGateway;
  /** TikTok posts are checked against the creator's settings. @default not checked at creation */
  accountHelpers?: AccountHelperService;
  options?: PostsServiceOptions;
}

export interface CreateOptions {
  /**
   * Maps to the post id: repeating a request with the same key returns the same post, whatever
   * its body. The key is remembered for `idempotencyKeyDays`.
   */
  idempotencyKey?: string;
  /** For a publish-now post, wait up to this long for every target to settle. @default 0 */
  waitMs?: number;
  /**
   * The id of the API key creating the post: kept with a post that needs approval, so that a
   * brand's `approval_by_other_key` refuses it as approver.
   */
  authorKeyId?: string;
}

/** Who approves or rejects a post: the API key's id (absent for a library or CLI caller). */
export interface ApproverOptions {
  keyId?: string;
}

/** The answer of `delete`: per-target outcomes, and the post as it remains (null: gone). */
export interface DeleteResult {
  deleted: boolean;
  results: UnpublishResult[];
  post: PostResource | null;
}

/**
 * The posts of the contract, for one acting user per call: the checks the store answers
 * (accounts, media, ownership, idempotency keys, deleted targets) around the post workflows the
 * gateway runs. Every entry point (HTTP API, CLI, library) goes through here, so all validate alike.
 */
export class PostsService {
  private readonly inputs: PostInputs;
  private readonly callbacks: PostCallbacks;
  private readonly keys: PostKeys;
  private readonly queues: QueuePlanner;

  constructor(private readonly deps: PostsServiceDeps) {
    const { store, options = {} } = deps;
    this.queues = new QueuePlanner(deps);
    const allowPrivateUrls = options.allowPrivateUrls ?? false;
    this.inputs = new PostInputs({ store, allowPrivateUrls });
    this.callbacks = new PostCallbacks({ store, allowPrivateUrls });
    this.keys = new PostKeys({ store, idempotencyKeyDays: options.idempotencyKeyDays });
  }

  private get workflows() {
    return this.deps.gateway.workflows;
  }

  /**
   * Creates a post from a `POST /v1/posts` body (either dialect). Bad input throws an `ApiError`
   * and starts nothing. Returns the post and whether this call created it.
   */
  async create(
    userId: string,
    body: unknown,
    options: CreateOptions = {},
  ): Promise<{ post: PostResource; created: boolean }> {
    const key = options.idempotencyKey;
    const id = key ? postIdForKey(userId, key) : newPostId();
    // Parsed once: the lookups, the normaliser and the callback read this, not the body.
    const parsed = parseCreatePost(body);
    const callbackUrl = callbackUrlOf(parsed, body);
    if (key) {
      const replayed = await this.replayOf(userId, key, id, callbackUrl);
      if (replayed) return { post: replayed, created: false };
    }
    const context: NormaliseContext = {
      id,
      userId,
      now: new Date(),
      account: await this.inputs.accounts(userId, parsed),
      media: await this.inputs.media(userId, parsed),
      ...(options.authorKeyId ? { authorKeyId: options.authorKeyId } : {}),
    };
    const { spec, moved } = await this.placed(userId, parsed, context);
    await this.callbacks.register(userId, callbackUrl, spec.id);
    if (!(await this.workflows.start(spec))) {
      if (key) await this.keys.remember(userId, key, id);
      return { post: await this.get(userId, id), created: false };
    }
    // A post put at the head of its queue moved others down a slot: their workflows follow now.
    await this.queues.rescheduleMoved(moved);
    // Recorded once the run exists: a crash before this line leaves the run, which the next
    // repeat finds by its derived id and records then; nothing is recorded for a post never started.
    if (key) await this.keys.remember(userId, key, id);
    if (spec.mode === 'now' && options.waitMs) {
      return { post: await this.waitForResult(userId, id, { timeoutMs: options.waitMs }), created: true };
    }
    return { post: toPostResource(initialPostState(spec, spec.createdAt)), created: true };
  }

  /**
   * The spec of a new post. A queued one (`queue`) is checked in full first, with a stand-in
   * instant, so that a body with problems takes no slot; then its queue's slot is reserved and
   * becomes its instant. A crash after the reservation leaves the slot held by a post that never
   * started: a repeat with the same idempotency key takes the same slot, and otherwise the queue
   * frees it (QueuePlanner.settle).
   */
  private async placed(userId: string, parsed: ParsedCreatePost, given: NormaliseContext) {
    const context = { ...given, recycles: true };
    const placement = parsed.success ? queuePlacement(parsed.data) : undefined;
    const accountIds = parsed.data?.targets?.map((t) => t.account_id) ?? parsed.data?.account_ids ?? [];
    if (!placement) {
      const spec = normaliseParsedPost(parsed, context);
      await this.checkCreators(userId, spec, parsed, context.media);
      // An evergreen post's rounds go into its accounts' queue: it must have one now.
      if (spec.recycle) await queueOfAccounts(this.deps.store, userId, accountIds, 'recycle');
      return { spec, moved: [] };
    }
    await this.checkCreators(
      userId,
      normaliseParsedPost(parsed, { ...context, queuedAt: standInSlot(context.now) }),
      parsed,
      context.media,
    );
    const queue = await queueOfAccounts(this.deps.store, userId, accountIds);
    const { slotAt, moved } = await this.queues.reserve(queue, context.id, placement, context.now);
    return { spec: normaliseParsedPost(parsed, { ...context, queuedAt: slotAt }), moved };
  }

  /** Refuses TikTok targets the creator's current settings would refuse (services/creator-checks.ts). */
  private async checkCreators(
    userId: string,
    spec: PostSpec,
    parsed: ParsedCreatePost,
    media: MediaLookup | undefined,
  ): Promise<void> {
    const issues = await creatorIssues(this.deps.accountHelpers, userId, spec, parsed, media);
    if (issues.length) throw validationError(issues);
  }

  /** A dry run of `create`: every problem and warning, nothing created (no queue slot taken). */
  async validate(userId: string, body: unknown): Promise<ValidationReport> {
    const parsed = parseCreatePost(body);
    const now = new Date();
    const context = {
      now,
      account: await this.inputs.accounts(userId, parsed),
      media: await this.inputs.media(userId, parsed),
      queuedAt: standInSlot(now),
      recycles: true,
    };
    const report = validatePostBody(body, context, AVAILABLE_PLATFORMS, parsed);
    if (!report.valid || !parsed.success) return report;
    // A body valid by the rules is checked against the TikTok creators' settings too.
    let spec: PostSpec;
    try {
      spec = normaliseParsedPost(parsed, { ...context, id: newPostId(), userId });
    } catch {
      return report; // a platforms[]-only check names no account to ask about
    }
    const issues = await creatorIssues(this.deps.accountHelpers, userId, spec, parsed, context.media);
    if (!issues.length) return report;
    return {
      ...report,
      valid: false,
      errors: issues.map(({ field, code, message, platform }) => ({
        platform: platform ?? null,
        field,
        code,
        message,
      })),
    };
  }

  /** `GET /v1/posts/validate`: the constraints of one platform, or of all; 400 for an unknown one. */
  constraints(platform?: string): Record<string, PlatformConstraints> {
    const wanted = platform ? [platform] : Object.keys(PLATFORM_RULES);
    const data: Record<string, PlatformConstraints> = {};
    for (const name of wanted) {
      const constraints = platformConstraints(name);
      if (!constraints) {
        throw new ApiError(
          400,
          'validation.field_invalid',
          `Unknown platform "${name}"; use one of ${Object.keys(PLATFORM_RULES).join(', ')}.`,
          { field: 'platform' },
        );
      }
      data[name] = constraints;
    }
    return data;
  }

  /**
   * The Post resource; 404 `post.not_found` for unknown ids, other users' posts, and posts
   * deleted from every platform. Targets deleted from their platform are left out.
   */
  async get(userId: string, idOrPlatformId: string): Promise<PostResource> {
    const id = idOrPlatformId.startsWith('post_')
      ? idOrPlatformId
      : await this.byPlatformPostId(userId, idOrPlatformId);
    const post = await this.workflows.post(id);
    if (post.user_id !== userId) throw postNotFound(id);
    const measured = withMetrics(post, await this.deps.store.metrics.latest(id));
    const deleted = new Set(await this.deps.store.unpublished.accounts(id));
    if (deleted.size === 0) return measured;
    const live = withoutTargets(measured, deleted);
    if (live.targets.length === 0) throw postNotFound(id);
    return live;
  }

  /**
   * `DELETE /v1/posts/{id}`: cancels a draft, scheduled or failed post; deletes a published or
   * partial one from its platforms (only `platform`'s copies when given), each target with its
   * outcome. Targets that cannot be deleted stay live and the post keeps them.
   */
  async delete(
    userId: string,
    id: string,
    { platform, accountId }: { platform?: string; accountId?: string } = {},
  ): Promise<DeleteResult> {
    const post = await this.mutable(userId, id);
    if (post.status === 'publishing') {
      throw new ApiError(409, STATE_INVALID, 'The post is being published; delete it once it has settled.', {
        id,
        status: post.status,
      });
    }
    const live = post.targets.filter(
      (t) =>
        t.status === 'published' &&
        t.platform_post_id &&
        (!platform || t.platform === platform) &&
        (!accountId || t.account_id === accountId),
    );
    if (live.length === 0) {
      if (platform || accountId) return { deleted: false, results: [], post };
      const cancelled = post.status === 'cancelled' ? post : await this.workflows.cancel(id);
      await this.leaveQueue(id);
      return { deleted: true, results: [], post: cancelled };
    }
    const results = await this.workflows.unpublish(
      id,
      live.map((t) => ({
        accountId: t.account_id,
        platform: t.platform,
        platformPostId: t.platform_post_id!,
        ...(typeof t.metadata.page_id === 'string' ? { pageId: t.metadata.page_id } : {}),
      })),
      { platform, accountId },
    );
    const remaining = await this.getIfFound(userId, id);
    // Nothing left live: end a partial post's retry window too.
    if (
      remaining &&
      remaining.targets.every((t) => t.status !== 'published') &&
      remaining.status === 'partial'
    ) {
      await this.workflows.cancel(id).catch(() => undefined);
    }
    return {
      deleted: results.every((r) => r.outcome === 'deleted'),
      results,
      post: remaining ?? null,
    };
  }

  /**
   * `POST /v1/posts/{id}/unpublish`: deletes a published post from its platforms (every account's
   * copy, or `accountId`'s) and keeps the post. 409 when nothing of it is published; 501 when a
   * platform does not allow deleting it (it stays live there).
   */
  async unpublish(userId: string, id: string, accountId?: string): Promise<UnpublishResult[]> {
    const post = await this.get(userId, id);
    if (accountId && !post.account_ids.includes(accountId)) throw accountNotFound(accountId, 'account_id');
    if (!post.targets.some((t) => t.status === 'published' && (!accountId || t.account_id === accountId))) {
      throw new ApiError(
        409,
        STATE_INVALID,
        'Nothing of this post is published; cancel it with DELETE instead.',
        {
          id: post.id,
          status: post.status,
        },
      );
    }
    const { results } = await this.delete(userId, id, accountId ? { accountId } : {});
    const unsupported = results.filter((r) => r.outcome === 'not_supported');
    if (unsupported.length) {
      throw new ApiError(
        501,
        'resource.not_supported',
        `${unsupported.map((r) => r.platform).join(', ')} does not allow deleting this post; it stays live there.`,
        { results },
      );
    }
    return results;
  }

  /**
   * Applies a `PATCH` body: reschedule and/or edit a draft or scheduled post; while it publishes,
   * move the targets still waiting for their own instant (the workflow refuses anything else).
   */
  async update(userId: string, id: string, body: unknown): Promise<PostResource> {
    await this.mutable(userId, id);
    const spec = await this.workflows.spec(id);
    const now = new Date();
    const parsed = parsePostUpdate(body);
    const next = applyParsedUpdate(spec, parsed, now, await this.inputs.patchMedia(userId, parsed));
    const onlyReschedule =
      next.content === spec.content &&
      next.platformOptions === spec.platformOptions &&
      next.targets === spec.targets;
    // A post given its own instant leaves its queue slot; an edit of its content keeps it.
    const leaves = next.scheduledAt !== spec.scheduledAt || next.mode !== spec.mode;
    if (onlyReschedule && next.scheduledAt && next.scheduledAt !== spec.scheduledAt) {
      const moved = await this.workflows.reschedule(id, next.scheduledAt);
      await this.leaveQueue(id);
      return moved;
    }
    const edited = await this.workflows.edit(id, next);
    if (leaves) await this.leaveQueue(id);
    return edited;
  }

  /** Cancels a draft or scheduled post (409 `post.state_invalid` once delivery started). */
  async cancel(userId: string, id: string): Promise<PostResource> {
    await this.mutable(userId, id);
    const cancelled = await this.workflows.cancel(id);
    await this.leaveQueue(id);
    return cancelled;
  }

  /**
   * Publishes a draft or scheduled post now. With `waitMs`, then waits up to that long for it to
   * settle (as `waitForResult`) and returns it as it is then.
   */
  async publishNow(userId: string, id: string, { waitMs }: { waitMs?: number } = {}): Promise<PostResource> {
    await this.mutable(userId, id);
    const post = await this.workflows.publishNow(id);
    await this.leaveQueue(id);
    return waitMs === undefined ? post : this.waitForResult(userId, id, { timeoutMs: waitMs });
  }

  /**
   * Re-runs the failed targets of a `partial` or `failed` post; targets the platform may already
   * have published are looked up first (`force`: see `RetryOptions`).
   */
  async retry(userId: string, id: string, options: RetryOptions = {}): Promise<PostResource> {
    await this.mutable(userId, id);
    return this.workflows.retryFailed(id, options);
  }

  /**
   * `POST /v1/posts/{id}/approve`: a post pending approval goes out at its instant, or at once
   * when that passed (within its approval window). A post approved already is answered as it is
   * (see `repeated`); otherwise 409 unless it is pending approval; 403 `approval.same_key` for
   * the author's key where the post requires another.
   */
  async approve(userId: string, id: string, { keyId }: ApproverOptions = {}): Promise<PostResource> {
    await this.mutable(userId, id);
    return this.workflows
      .approve(id, keyId ? { keyId } : {})
      .catch((err: unknown) => this.repeated(userId, id, err, { status: 'approved' }));
  }

  /**
   * `POST /v1/posts/{id}/reject` (`{ reason }`): the post will not be published. A post rejected
   * already with the same reason is answered as it is; with another reason it is a 409 naming the
   * first. As `approve` otherwise.
   */
  async reject(
    userId: string,
    id: string,
    body: unknown,
    { keyId }: ApproverOptions = {},
  ): Promise<PostResource> {
    const parsed = rejectSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    await this.mutable(userId, id);
    const { reason } = parsed.data;
    const post = await this.workflows
      .reject(id, { ...(keyId ? { keyId } : {}), reason })
      .catch((err: unknown) => this.repeated(userId, id, err, { status: 'rejected', reason }));
    await this.leaveQueue(id);
    return post;
  }

  /**
   * Frees the queue slot of a post that no longer waits for it (cancelled, rejected, published
   * now, given its own instant). The post changed already, so a store failure here must not turn
   * the answer into an error: the slot is then freed by the queue's next settle (QueuePlanner).
   */
  private async leaveQueue(id: string): Promise<void> {
    await this.queues.release(id).catch(() => undefined);
  }

  /**
   * A decision the workflow refused because the post is no longer pending approval: when the post
   * already carries this very decision, the request is a repeat (a retry after a 503 or a lost
   * answer, whose first try went through), answered 200 with the post as it is now, with no second
   * event. This lives here rather than in the workflow's Update validator: the workflow stays as
   * it is (no new history for repeats, nothing to reason about for replay), and the repeat costs
   * one query, only on the path that was a 409 anyway. The key that repeats is not checked: the
   * answer changes nothing, and `approved_by` / `rejected_by` name the key that decided. Anything
   * else stays a 409 saying where the post stands.
   */
  private async repeated(
    userId: string,
    id: string,
    err: unknown,
    decision: { status: 'approved' } | { status: 'rejected'; reason: string },
  ): Promise<PostResource> {
    if (!(err instanceof ApiError) || err.code !== STATE_INVALID || err.meta?.status === 'pending_approval') {
      throw err;
    }
    const post = await this.get(userId, id);
    const approval = post.approval;
    if (approval?.status !== decision.status) throw notPending(decision.status, post);
    if (decision.status === 'rejected' && approval.rejected_reason !== decision.reason) {
      throw new ApiError(
        409,
        STATE_INVALID,
        `The post was rejected already, with the reason "${approval.rejected_reason}"; a rejection cannot be changed. GET /v1/posts/${id} shows its approval.`,
        { id, status: post.status, rejected_reason: approval.rejected_reason },
      );
    }
    return post;
  }

  /**
   * A page of the user's posts (`GET /v1/posts`): filtered by visibility, sorted, cut at the
   * cursor. Posts started without Postflow's search attributes are not listed. `brand_id` lists
   * the posts targeting the brand's accounts as they are now (a target's account is not recorded
   * with its brand).
   */
  async list(userId: string, query: PostListQuery = {}): Promise<PostPage> {
    // The gateway starts the posts, so it knows whether their text is indexed.
    if (!this.deps.gateway.indexesText && query.search?.trim()) throw searchUnavailable();
    const filter = parsePostListQuery(query);
    if (filter.brandId) {
      const { store } = this.deps;
      await ownBrand(store, userId, filter.brandId, 'brand_id');
      const accounts = await store.listAccounts(userId, { brandId: filter.brandId });
      filter.brandAccountIds = accounts.map((a) => a.id);
    }
    const matches = await this.deps.gateway.visibility.list(userId, filter);
    const { page, pagination } = pageOf(matches, filter);
    const posts = await Promise.all(page.map((c) => this.getIfFound(userId, c.id)));
    return { data: posts.filter((p): p is PostResource => !!p), pagination };
  }

  /** Posts of the user that may still publish with a media file (to come, or retryable). */
  usingMedia(userId: string, mediaId: string): Promise<string[]> {
    return this.deps.gateway.visibility.usingMedia(userId, mediaId);
  }

  /** How many of the user's posts were created in [from, to), by their status now. */
  countCreated(userId: string, from: Date, to: Date): Promise<Record<PostStatus, number>> {
    return this.deps.gateway.visibility.countCreated(userId, from, to);
  }

  /** Waits until the post is settled or `timeoutMs` passes, then returns it as it is. */
  async waitForResult(
    userId: string,
    id: string,
    { timeoutMs }: { timeoutMs: number },
  ): Promise<PostResource> {
    const post = await this.get(userId, id);
    if (isSettled(post.status)) return post;
    try {
      return await this.workflows.awaitSettled(id, timeoutMs);
    } catch (err) {
      // The workflow closed meanwhile (a published post completes at once), or no worker took
      // the update in time: either way, report the post as it is now.
      if (err instanceof ApiError && (err.code === 'post.not_found' || err.status === 503))
        return this.get(userId, id);
      throw err;
    }
  }

  /**
   * The post an idempotency key already made, or undefined when it made none. The store remembers
   * the key for `idempotencyKeyDays`, however long Temporal keeps the run: a key it remembers whose
   * run is gone (past the namespace's retention) is refused with 409 `idempotency.post_gone`, never
   * published again. A run found without a record (made before keys were recorded, or by a process
   * that stopped between starting it and recording the key) is recorded now.
   */
  private async replayOf(
    userId: string,
    key: string,
    id: string,
    callbackUrl: unknown,
  ): Promise<PostResource | undefined> {
    const recorded = await this.keys.recorded(userId, key);
    if (!(await this.workflows.exists(id))) {
      if (recorded) throw postGone(recorded);
      return undefined;
    }
    const existing = await this.get(userId, id);
    if (!recorded) await this.keys.remember(userId, key, id);
    // A repeat may come from a new caller waiting for the result (an n8n re-run): call it too.
    await this.callbacks.register(userId, callbackUrl, id);
    return existing;
  }

  /** A post that a change may address: changes take only Postflow's post id (contract §2). */
  private mutable(userId: string, id: string): Promise<PostResource> {
    if (!id.startsWith('post_')) return Promise.reject(postNotFound(id));
    return this.get(userId, id);
  }

  /** The post, or undefined where `get` answers 404. */
  private getIfFound(userId: string, id: string): Promise<PostResource | undefined> {
    return this.get(userId, id).catch((err: unknown) => {
      if (err instanceof ApiError && err.code === 'post.not_found') return undefined;
      throw err;
    });
  }

  /**
   * The post that published `platformPostId` (the contract lets GET take one): 404 when none,
   * 409 `ambiguous_post_id` when several of this user's posts carry it.
   */
  private async byPlatformPostId(userId: string, platformPostId: string): Promise<string> {
    if (!/^[\w.:@+-]{1,200}$/.test(platformPostId)) throw postNotFound(platformPostId);
    const ids = await this.deps.gateway.visibility.publishedAs(userId, platformPostId);
    if (ids.length > 1) {
      throw new ApiError(
        409,
        'ambiguous_post_id',
        `Several posts were published as ${platformPostId}; use the post id.`,
        { id: platformPostId },
      );
    }
    const [id] = ids;
    if (!id) throw postNotFound(platformPostId);
    return id;
  }
}

/** The instant a queued body is checked with before its slot is known: any future one will do. */
function standInSlot(now: Date): string {
  return new Date(now.getTime() + 3_600_000).toISOString();
}

/** The post without the targets deleted from their platforms. */
function withoutTargets(post: PostResource, deleted: ReadonlySet<string>): PostResource {
  return {
    ...post,
    account_ids: post.account_ids.filter((a) => !deleted.has(a)),
    results: post.results.filter((r) => !deleted.has(r.account_id)),
    targets: post.targets.filter((t) => !deleted.has(t.account_id)),
  };
}

/** A refused decision: says what the post's status allows and how to see where it stands. */
function notPending(decision: 'approved' | 'rejected', post: PostResource): ApiError {
  const { id, status } = post;
  const approval = post.approval
    ? `its approval is ${post.approval.status}`
    : 'it needs no approval (created without requires_approval)';
  return new ApiError(
    409,
    STATE_INVALID,
    `The post is ${status} and ${approval}; only a post in pending_approval can be ${decision}. GET /v1/posts/${id} shows its approval.`,
    { id, status, approval_status: post.approval?.status ?? null },
  );
}

/** With payload encryption the text is not in visibility, so a text search cannot be answered. */
function searchUnavailable(): ApiError {
  return validationError([
    {
      field: 'search',
      code: 'validation.field_invalid',
      message:
        'Text search is unavailable: payload encryption is on, so post text is not indexed (see docs/security.md).',
    },
  ]);
}

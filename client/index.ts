import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { type SearchAttributePair, type UpdateDefinition, WorkflowNotFoundError } from '@temporalio/common';
import { createHash, randomBytes } from 'node:crypto';
import { ApiError, postNotFound, validationError } from '../api/errors';
import { FINAL_POST_EVENTS } from '../api/post-events';
import {
  type AccountInfo,
  applyPostUpdate,
  type MediaLookup,
  mediaOf,
  normaliseCreatePost,
} from '../api/normalise';
import type { MediaInfo } from '../api/platform-rules';
import { checkOutboundUrl } from '../net/guard';
import { initialPostState, isSettled, toPostResource } from '../api/post-resource';
import { type ValidationReport, validatePostBody } from '../api/validate';
import { createPostSchema } from '../api/schemas';
import { AVAILABLE_PLATFORMS } from '../platforms/descriptors';
import type { MediaRef, PostResource, PostSpec, UnpublishJob, UnpublishResult } from '../api/types';
import type { Store } from '../store/types';
import * as messages from '../workflows/messages';
import { initialSearchAttributes, mediaRef, platformPostRef } from '../workflows/search-attributes';
import { type PlatformQueues, routingFor } from '../runtime/platform-queues';
import { toApiError } from './errors';
import { listPosts, type PostListQuery, type PostPage } from './post-list';
import { DEFAULT_IDEMPOTENCY_KEY_DAYS, newPostId, postIdForKey } from './post-id';

export { DEFAULT_IDEMPOTENCY_KEY_DAYS, newPostId, postIdForKey } from './post-id';
export type { PostListQuery, PostPage } from './post-list';

/** The workflow type name other languages start (see docs/workflow-contract.md). */
export const WORKFLOW_TYPE = 'publishPost';
const UNPUBLISH_WORKFLOW_TYPE = 'unpublishPost';
/** The store's idempotency scope of post keys. */
const POST_KEYS = 'posts';
const DAY_MS = 24 * 60 * 60 * 1000;

/** The answer of `posts.delete`: per-target outcomes, and the post as it remains (null: gone). */
export interface DeleteResult {
  deleted: boolean;
  results: UnpublishResult[];
  post: PostResource | null;
}

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
   * How long the store remembers a post's idempotency key, from the request that first used it
   * (`POSTFLOW_IDEMPOTENCY_KEY_DAYS`). Within it a repeat never publishes again, even once the
   * namespace's retention has removed the post's run (docs/decisions.md). @default 90
   */
  idempotencyKeyDays?: number;
}

export interface CreateOptions {
  /**
   * Maps to the post id: repeating a request with the same key returns the same post, whatever
   * its body. The key is remembered for `idempotencyKeyDays`.
   */
  idempotencyKey?: string;
  /** For a publish-now post, wait up to this long for every target to settle. @default 0 */
  waitMs?: number;
}

/**
 * The typed Postflow client over `@temporalio/client`. The HTTP API and the CLI use it, so every
 * entry point validates the same way. Every method works on the posts of one user.
 */
export class PostflowClient {
  readonly taskQueue: string;
  readonly userId: string;
  private readonly rpcTimeoutMs: number;

  constructor(private readonly options: PostflowClientOptions) {
    this.taskQueue = options.taskQueue ?? 'postflow';
    this.userId = options.userId ?? 'usr_default';
    this.rpcTimeoutMs = options.rpcTimeoutMs ?? 10_000;
  }

  /** The same client acting for another user (the HTTP API makes one per request). */
  forUser(userId: string): PostflowClient {
    return new PostflowClient({ ...this.options, userId });
  }

  readonly posts = {
    /**
     * Creates a post from a `POST /v1/posts` body (either dialect). Bad input throws an `ApiError`
     * and starts nothing. Returns the post and whether this call created it.
     */
    create: async (
      body: unknown,
      options: CreateOptions = {},
    ): Promise<{ post: PostResource; created: boolean }> => {
      const key = options.idempotencyKey;
      const id = key ? postIdForKey(this.userId, key) : newPostId();
      if (key) {
        const replayed = await this.replayOf(key, id, body);
        if (replayed) return { post: replayed, created: false };
      }
      const spec = normaliseCreatePost(body, {
        id,
        userId: this.userId,
        now: new Date(),
        account: await this.accountLookup(body),
        media: await this.mediaCheck(body),
      });
      await this.registerCallback(body, spec.id);
      try {
        await this.start(spec);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        if (key) await this.rememberKey(key, id);
        return { post: await this.posts.get(id), created: false };
      }
      // Recorded once the run exists: a crash before this line leaves the run, which the next
      // repeat finds by its derived id and records then; nothing is recorded for a post never started.
      if (key) await this.rememberKey(key, id);
      if (spec.mode === 'now' && options.waitMs) {
        return { post: await this.posts.waitForResult(id, { timeoutMs: options.waitMs }), created: true };
      }
      return { post: toPostResource(initialPostState(spec, spec.createdAt)), created: true };
    },

    /** A dry run of `create`: every problem and warning, nothing created. */
    validate: async (body: unknown): Promise<ValidationReport> =>
      validatePostBody(
        body,
        {
          now: new Date(),
          account: await this.accountLookup(body),
          media: await this.mediaCheck(body),
        },
        AVAILABLE_PLATFORMS,
      ),

    /**
     * The Post resource; 404 `post.not_found` for unknown ids, other users' posts, and posts
     * deleted from every platform. Targets deleted from their platform are left out.
     */
    get: async (idOrPlatformId: string): Promise<PostResource> => {
      const id = idOrPlatformId.startsWith('post_')
        ? idOrPlatformId
        : await this.byPlatformPostId(idOrPlatformId);
      const post = await this.call(id, () => this.handle(id).query(messages.postQuery));
      if (post.user_id !== this.userId) throw postNotFound(id);
      const deleted = new Set(await this.options.store.unpublished.accounts(id));
      if (deleted.size === 0) return post;
      const live = withoutTargets(post, deleted);
      if (live.targets.length === 0) throw postNotFound(id);
      return live;
    },

    /**
     * `DELETE /v1/posts/{id}`: cancels a draft, scheduled or failed post; deletes a published or
     * partial one from its platforms (only `platform`'s copies when given), each target with its
     * outcome. Targets that cannot be deleted stay live and the post keeps them.
     */
    delete: async (
      id: string,
      { platform, accountId }: { platform?: string; accountId?: string } = {},
    ): Promise<DeleteResult> => {
      const post = await this.mutable(id);
      if (post.status === 'publishing') {
        throw new ApiError(
          409,
          messages.STATE_INVALID,
          'The post is being published; delete it once it has settled.',
          {
            id,
            status: post.status,
          },
        );
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
        const cancelled = post.status === 'cancelled' ? post : await this.update(id, messages.cancel);
        return { deleted: true, results: [], post: cancelled };
      }
      const jobs: UnpublishJob[] = live.map((t) => ({
        postId: id,
        accountId: t.account_id,
        platform: t.platform,
        platformPostId: t.platform_post_id!,
        ...(this.options.platformQueues?.[t.platform]
          ? { taskQueue: this.options.platformQueues[t.platform] }
          : {}),
      }));
      const results = await this.options.temporal.workflow.execute<
        (jobs: UnpublishJob[]) => Promise<UnpublishResult[]>
      >(UNPUBLISH_WORKFLOW_TYPE, {
        taskQueue: this.taskQueue,
        workflowId: `unpublish_${id.replace(/^post_/, '')}${[platform, accountId].map((s) => (s ? `_${s}` : '')).join('')}`,
        args: [jobs],
        // A repeated DELETE joins the one running, or tries again the targets still live.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      });
      const remaining = await this.posts.get(id).catch((err: unknown) => {
        if (err instanceof ApiError && err.code === 'post.not_found') return undefined;
        throw err;
      });
      // Nothing left live: end a partial post's retry window too.
      if (
        remaining &&
        remaining.targets.every((t) => t.status !== 'published') &&
        remaining.status === 'partial'
      ) {
        await this.update(id, messages.cancel).catch(() => undefined);
      }
      return {
        deleted: results.every((r) => r.outcome === 'deleted'),
        results,
        post: remaining ?? null,
      };
    },

    /** Applies a `PATCH` body: reschedule and/or edit a draft or scheduled post. */
    update: async (id: string, body: unknown): Promise<PostResource> => {
      await this.mutable(id);
      const spec = await this.call(id, () => this.handle(id).query(messages.specQuery));
      const next = applyPostUpdate(spec, body, new Date(), await this.mediaCheck(body));
      const onlyReschedule = next.content === spec.content && next.platformOptions === spec.platformOptions;
      if (onlyReschedule && next.scheduledAt && next.scheduledAt !== spec.scheduledAt) {
        return this.update(id, messages.reschedule, next.scheduledAt);
      }
      return this.update(id, messages.editPost, next);
    },

    /** Cancels a draft or scheduled post (409 `post.state_invalid` once delivery started). */
    cancel: async (id: string): Promise<PostResource> => {
      await this.mutable(id);
      return this.update(id, messages.cancel);
    },

    /** Publishes a draft or scheduled post now. */
    publishNow: async (id: string): Promise<PostResource> => {
      await this.mutable(id);
      return this.update(id, messages.publishNow);
    },

    /**
     * Re-runs the failed targets of a `partial` or `failed` post; targets the platform may already
     * have published are looked up first (`force`: see `RetryOptions`).
     */
    retry: async (id: string, options: messages.RetryOptions = {}): Promise<PostResource> => {
      await this.mutable(id);
      return this.update(id, messages.retryFailed, options);
    },

    /**
     * A page of this user's posts (`GET /v1/posts`): filtered by visibility, sorted, cut at the
     * cursor. Posts started without Postflow's search attributes are not listed.
     */
    list: async (query: PostListQuery = {}): Promise<PostPage> => {
      if (this.options.indexText === false && query.search?.trim()) throw searchUnavailable();
      return listPosts(this.options.temporal, this.ownPosts(), query, (id) =>
        this.posts.get(id).catch((err: unknown) => {
          if (err instanceof ApiError && err.code === 'post.not_found') return undefined;
          throw err;
        }),
      );
    },

    /** Posts of this user that may still publish with a media file (to come, or retryable). */
    usingMedia: async (mediaId: string): Promise<string[]> => {
      const query = [
        ...this.ownPosts(),
        `PostflowRefs = ${visibilityString(mediaRef(mediaId))}`,
        `PostflowStatus IN ('draft', 'scheduled', 'publishing', 'partial', 'failed')`,
      ].join(' AND ');
      const ids: string[] = [];
      for await (const execution of this.options.temporal.workflow.list({ query })) {
        if (execution.status.name === 'RUNNING') ids.push(execution.workflowId);
        if (ids.length === 10) break;
      }
      return ids;
    },

    /** Waits until the post is settled or `timeoutMs` passes, then returns it as it is. */
    waitForResult: async (id: string, { timeoutMs }: { timeoutMs: number }): Promise<PostResource> => {
      const post = await this.posts.get(id);
      if (isSettled(post.status)) return post;
      try {
        return await this.options.temporal.workflow.withDeadline(
          Date.now() + timeoutMs + this.rpcTimeoutMs,
          () => this.handle(id).executeUpdate(messages.awaitSettled, { args: [timeoutMs] }),
        );
      } catch (err) {
        // The workflow closed meanwhile (a published post completes at once), or no worker took
        // the update in time: either way, report the post as it is now.
        const mapped = toApiError(err, id);
        if (mapped instanceof ApiError && (mapped.code === 'post.not_found' || mapped.status === 503))
          return this.posts.get(id);
        throw mapped;
      }
    },
  };

  /**
   * A create body's `callback_url` becomes a webhook endpoint bound to the post, subscribed to
   * its final events, so the post's own event delivery (durable, signed, retried) calls it. The
   * URL gets `post_id` added, so the receiver knows which post to read. One endpoint per post and
   * URL (its id derives from both), however often the request is repeated.
   */
  private async registerCallback(body: unknown, postId: string): Promise<void> {
    const given = (body as { callback_url?: unknown } | null | undefined)?.callback_url;
    if (typeof given !== 'string') return;
    const refused = await checkOutboundUrl(given, this.options.allowPrivateUrls ?? false);
    if (refused) {
      throw validationError([{ field: 'callback_url', code: 'validation.field_invalid', message: refused }]);
    }
    const url = new URL(given);
    url.searchParams.set('post_id', postId);
    const id = `wh_cb_${createHash('sha256').update(`${postId}\n${given}`).digest('hex').slice(0, 26)}`;
    const webhooks = this.options.store.webhooks;
    if (await webhooks.get(id)) return;
    try {
      await webhooks.create({
        id,
        userId: this.userId,
        url: url.toString(),
        events: FINAL_POST_EVENTS,
        secret: randomBytes(32).toString('hex'),
        postId,
      });
    } catch (err) {
      if (!(await webhooks.get(id))) throw err; // a concurrent repeat made it first: fine
    }
  }

  /** A post that a change may address: changes take only Postflow's post id (contract §2). */
  private mutable(id: string): Promise<PostResource> {
    if (!id.startsWith('post_')) return Promise.reject(postNotFound(id));
    return this.posts.get(id);
  }

  /**
   * The post that published `platformPostId` (the contract lets GET take one): 404 when none,
   * 409 `ambiguous_post_id` when several of this user's posts carry it.
   */
  /** Visibility clauses selecting this user's post workflows (every post query starts with them). */
  private ownPosts(): string[] {
    return [`WorkflowType = '${WORKFLOW_TYPE}'`, `PostflowUserId = ${visibilityString(this.userId)}`];
  }

  private async byPlatformPostId(platformPostId: string): Promise<string> {
    if (!/^[\w.:@+-]{1,200}$/.test(platformPostId)) throw postNotFound(platformPostId);
    const query = [
      ...this.ownPosts(),
      `PostflowRefs = ${visibilityString(platformPostRef(platformPostId))}`,
    ].join(' AND ');
    const ids = new Set<string>();
    for await (const execution of this.options.temporal.workflow.list({ query })) {
      ids.add(execution.workflowId);
      if (ids.size > 1) {
        throw new ApiError(
          409,
          'ambiguous_post_id',
          `Several posts were published as ${platformPostId}; use the post id.`,
          {
            id: platformPostId,
          },
        );
      }
    }
    const [id] = ids;
    if (!id) throw postNotFound(platformPostId);
    return id;
  }

  private handle(id: string) {
    return this.options.temporal.workflow.getHandle(id);
  }

  private async start(spec: PostSpec): Promise<void> {
    // The routing is decided here, once, and travels in the input: the workflow stays a pure
    // function of its history, and a post keeps the queues it started with (docs/decisions.md).
    const platformQueues = routingFor(spec.targets, this.options.platformQueues ?? {});
    await this.options.temporal.workflow.start(WORKFLOW_TYPE, {
      taskQueue: this.taskQueue,
      workflowId: spec.id,
      args: [platformQueues ? { ...spec, platformQueues } : spec],
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
  }

  /**
   * The post an idempotency key already made, or undefined when it made none. The store remembers
   * the key for `idempotencyKeyDays`, however long Temporal keeps the run: a key it remembers whose
   * run is gone (past the namespace's retention) is refused with 409 `idempotency.post_gone`, never
   * published again. A run found without a record (made before keys were recorded, or by a process
   * that stopped between starting it and recording the key) is recorded now.
   */
  private async replayOf(key: string, id: string, body: unknown): Promise<PostResource | undefined> {
    const keys = this.options.store.idempotency;
    const days = this.options.idempotencyKeyDays ?? DEFAULT_IDEMPOTENCY_KEY_DAYS;
    await keys.purge(POST_KEYS, new Date(Date.now() - days * DAY_MS));
    const recorded = await keys.find(this.userId, POST_KEYS, key);
    const existing = await this.findExisting(id);
    if (!existing) {
      if (recorded) throw postGone(recorded);
      return undefined;
    }
    if (!recorded) await this.rememberKey(key, id);
    // A repeat may come from a new caller waiting for the result (an n8n re-run): call it too.
    await this.registerCallback(body, id);
    return existing;
  }

  private async rememberKey(key: string, id: string): Promise<void> {
    await this.options.store.idempotency.reserve(this.userId, POST_KEYS, key, id);
  }

  /** The post whose run has this id; undefined only when Temporal has no such run. */
  private async findExisting(id: string): Promise<PostResource | undefined> {
    try {
      await this.handle(id).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw toApiError(err, id);
    }
    return this.posts.get(id);
  }

  /** Loads the accounts a create body names, for the normaliser's synchronous lookups. */
  private async accountLookup(body: unknown): Promise<(id: string) => AccountInfo | undefined> {
    if (!wellFormed(body)) return () => undefined;
    const b = (typeof body === 'object' && body !== null ? body : {}) as {
      account_ids?: unknown;
      targets?: unknown;
    };
    const ids = [
      ...(Array.isArray(b.account_ids) ? b.account_ids : []),
      ...(Array.isArray(b.targets)
        ? b.targets.map((t) => (t as { account_id?: unknown } | null)?.account_id)
        : []),
    ].filter((id): id is string => typeof id === 'string');
    const accounts = new Map<string, AccountInfo>();
    for (const id of new Set(ids)) {
      const account = await this.options.store.getAccount(id, this.userId);
      if (account) accounts.set(id, { platform: account.platform, status: account.status });
    }
    return (id) => accounts.get(id);
  }

  /**
   * Checks every media item a body names (post level and per target): library media must be the
   * caller's and uploaded; URLs must be public (checked again when the post is published).
   */
  private async mediaCheck(body: unknown): Promise<MediaLookup> {
    if (!wellFormed(body)) return { problem: () => undefined, info: () => undefined };
    const b = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
    const levels = [b, ...(Array.isArray(b.targets) ? b.targets : [])].filter(
      (x): x is Parameters<typeof mediaOf>[0] => typeof x === 'object' && x !== null,
    );
    const problems = new Map<string, string | undefined>();
    const infos = new Map<string, MediaInfo>();
    for (const level of levels) {
      let refs: MediaRef[];
      try {
        refs = (mediaOf(level) ?? []).filter((m) => typeof m?.source === 'string');
      } catch {
        continue; // malformed lists are reported by the schema
      }
      for (const ref of refs) {
        const key = `${ref.source_type}:${ref.source}`;
        if (problems.has(key)) continue;
        const { problem, info } = await this.mediaProblem(ref);
        problems.set(key, problem);
        if (info) infos.set(key, info);
      }
    }
    const keyOf = (media: MediaRef) => `${media.source_type}:${media.source}`;
    return { problem: (media) => problems.get(keyOf(media)), info: (media) => infos.get(keyOf(media)) };
  }

  private async mediaProblem(media: MediaRef): Promise<{ problem?: string; info?: MediaInfo }> {
    if (media.source_type === 'url') {
      const why = await checkOutboundUrl(media.source, this.options.allowPrivateUrls ?? false);
      return why ? { problem: `media URL ${why}` } : {};
    }
    if (media.source_type !== 'media_id') return {};
    const item = await this.options.store.media.get(media.source, this.userId);
    if (!item)
      return { problem: `no media ${media.source} in your library; upload it with POST /v1/media/upload.` };
    if (item.status !== 'ready')
      return {
        problem: `media ${media.source} is ${item.status}; finish its upload with POST /v1/media/${media.source}/verify.`,
      };
    const kind = item.contentType.startsWith('image/')
      ? 'image'
      : item.contentType.startsWith('video/')
        ? 'video'
        : 'unknown';
    return {
      info: {
        kind,
        contentType: item.contentType,
        ...(item.sizeBytes !== null ? { sizeBytes: item.sizeBytes } : {}),
      },
    };
  }

  private async update<Args extends unknown[]>(
    id: string,
    def: UpdateDefinition<PostResource, Args>,
    ...args: Args
  ): Promise<PostResource> {
    // The SDK's overloads split updates with and without arguments; the definitions above are typed.
    return this.call(id, () =>
      this.handle(id).executeUpdate<PostResource, [unknown]>(def.name, {
        args: args as unknown as [unknown],
      }),
    );
  }

  /** Runs one Temporal call for a post with a deadline, translating its errors to the contract's. */
  private async call<T>(id: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.options.temporal.workflow.withDeadline(Date.now() + this.rpcTimeoutMs, fn);
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

/** An id checked for a visibility query: ids never contain quotes, and anything else is refused. */
function visibilityId(value: string): string {
  if (!/^[\w.:@+-]*$/.test(value))
    throw new ApiError(400, 'validation.field_invalid', `"${value}" contains characters ids never have.`);
  return value;
}

const visibilityString = (value: string) => `'${visibilityId(value)}'`;

/** The post without the targets deleted from their platforms. */
function withoutTargets(post: PostResource, deleted: ReadonlySet<string>): PostResource {
  return {
    ...post,
    account_ids: post.account_ids.filter((a) => !deleted.has(a)),
    results: post.results.filter((r) => !deleted.has(r.account_id)),
    targets: post.targets.filter((t) => !deleted.has(t.account_id)),
  };
}

/** A repeat of a key whose post Temporal no longer keeps: refused, so it is not published twice. */
function postGone(id: string): ApiError {
  return new ApiError(
    409,
    'idempotency.post_gone',
    `This Idempotency-Key already created ${id}, which has passed Temporal's retention and can no longer be shown; it was not published again. Send a new key to publish a new post.`,
    { id },
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

/**
 * Whether a post body passes the schema. A body that does not is refused before any account or
 * media lookup is used, so none is made: a hostile body may name a hundred thousand accounts or
 * URLs (each URL a DNS lookup).
 */
function wellFormed(body: unknown): boolean {
  return createPostSchema.safeParse(body ?? {}).success;
}

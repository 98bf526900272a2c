import { Context } from '@temporalio/activity';
import type {
  DeliveryJob,
  DeliveryReceipt,
  PublishFailure,
  ReconcileResult,
  UnpublishJob,
  UnpublishResult,
} from '../api/types';
import { UPLOAD_STEP } from '../api/platform-steps';
import type { MediaLibrary } from '../media';
import { credentialsOnPage } from '../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../platforms/descriptors';
import type { Store } from '../store/types';
import { MediaScratch, resolveMedia, sweepStaleScratch } from './media';
import {
  earlierProgress,
  UPLOAD_SESSION_TTL_MS,
  prepareUploadKey,
  uploadKey,
  uploadLedger,
  type UploadProgress,
} from './uploads';
import { toPublishFailure } from './errors';
import {
  abandoned,
  claimDispatch,
  DISPATCH_FENCE,
  DISPATCH_FENCE_TTL_MS,
  failedUnsent,
  untilInstant,
} from './dispatch-wait';
import { createTokenActivities, settleRevokedToken } from './token-upkeep';
import { tokenExpired } from '../platforms/kit/token-expiry';
import { createWebhookActivities } from './webhooks';
import { createImportActivities } from './post-imports';
import { createRecurringActivities } from './recurring';
import { createRecycleActivities } from './recycle';
import { createOAuthConnectActivities } from './oauth-connect';
import { createCredentialCheckActivities } from './credential-check';
import { createAccountHelperActivities } from './account-helpers';
import { createMetricsActivities } from './metrics';
import type { OAuthSecrets } from '../codec/oauth-secrets';
import {
  type AccountContext,
  type CommentReceipt,
  type CommentRequest,
  isProcessing,
  type PlatformAdapter,
  type Prepared,
  PublishError,
  type PublishRequest,
  type Published,
  type Reusable,
  type StepState,
  type UploadLedger,
} from '../platforms/kit/adapter';
import { type ConcurrencyLimit, concurrencyLimits, SlotWaitTimeout } from './platforms/limiter';
import type { PlatformRegistry } from './platforms/registry';

export interface ActivityDeps {
  store: Store;
  platforms: PlatformRegistry;
  media: MediaLibrary;
  /** Allow webhook URLs on private networks and plain http (development, tests). @default false */
  allowPrivateUrls?: boolean;
  /** Each platform's concurrency limit in this worker. @default from the environment and the rules */
  limit?: (platform: string) => ConcurrencyLimit;
  /** Connecting accounts: PKCE verifiers and sealed codes (the store's secret key). @default none: connections fail */
  oauthSecrets?: OAuthSecrets;
  /** The operator's OAuth clients and endpoint overrides. @default process.env */
  env?: Record<string, string | undefined>;
  /**
   * How a publish call dispatched ahead of its instant waits for it (`job.notBefore`), until the
   * signal aborts. @default the worker's clock (dispatch-wait.ts); a time-skipping test replaces it
   */
  dispatchWait?: (job: DeliveryJob, signal: AbortSignal) => Promise<void>;
}

/**
 * How long a step waits for a free slot under its platform's concurrency limit before giving up
 * (nothing sent, retried): well under the publish call's five-minute limit.
 */
const SLOT_WAIT_MS = 2 * 60_000;

/** Deadlines longer than this are not the publish call's (and would overflow Node's timers). */
const MAX_DEADLINE_MS = 24 * 3_600_000;

/** How often a running publish call reports it is alive, so a dead worker is noticed quickly. */
const HEARTBEAT_EVERY_MS = 2_000;

/**
 * The activities of a post workflow. Credentials never travel through Temporal: each activity
 * loads them by account id when it runs.
 */
export function createActivities({
  store,
  platforms,
  media,
  allowPrivateUrls = false,
  limit = concurrencyLimits(),
  oauthSecrets,
  env = process.env,
  dispatchWait = (job, signal) => untilInstant(job.notBefore!, signal),
}: ActivityDeps) {
  // URL media a killed worker left on this machine's disk; a failure to sweep is no failure to start.
  void sweepStaleScratch().catch(() => undefined);
  // Upload sessions no platform keeps any more; likewise a side matter.
  void store.uploadSessions?.purge(new Date(Date.now() - UPLOAD_SESSION_TTL_MS)).catch(() => undefined);
  // Fences of dispatched calls long past their deadline; likewise.
  void store.idempotency
    .purge(DISPATCH_FENCE.scope, new Date(Date.now() - DISPATCH_FENCE_TTL_MS))
    .catch(() => undefined);
  // One instance, so that a delivery's refresh and a dispatched call's share the in-flight one.
  const tokens = createTokenActivities({ store, platforms });

  /** The request of one step; its media resolved when given where to fetch URL media to. */
  async function request(
    job: DeliveryJob,
    scratch?: MediaScratch,
  ): Promise<{
    req: Omit<PublishRequest, 'signal'>;
    adapter: NonNullable<ReturnType<PlatformRegistry['get']>>;
  }> {
    const adapter = platforms.get(job.target.platform);
    const account = await store.getAccount(job.target.accountId);
    if (!adapter)
      throw publishError(
        'system',
        'internal',
        `platform.${job.target.platform}.unavailable`,
        `This Postflow cannot publish to ${job.target.platform}.`,
      );
    if (!account)
      throw publishError(
        'validation',
        'user',
        'account.not_found',
        `Account ${job.target.accountId} no longer exists.`,
      );
    if (account.status !== 'active') {
      throw publishError(
        'auth',
        'user',
        'account.reconnection_required',
        `Account ${account.id} must be reconnected before it can publish.`,
      );
    }
    const context: AccountContext = {
      id: account.id,
      platform: account.platform,
      name: account.name,
      credentials: onTargetPage(job, await store.accountCredentials(account.id)),
    };
    const content = { ...job.content, ...job.target.overrides };
    return {
      adapter,
      req: {
        postId: job.postId,
        account: context,
        target: job.target,
        content,
        media: scratch
          ? await resolveMedia(content.media, account.userId, {
              store,
              library: media,
              allowPrivateUrls,
              scratch,
            })
          : [],
        ref: `${job.postId}/${job.target.accountId}`,
        // Deliveries started before `startedAt` existed: look back a day.
        since: job.startedAt ?? new Date(Date.now() - 86_400_000).toISOString(),
        uploadSession: (key) => store.uploadSessions.get(key),
        reportLimits: (limits) => reportLimits(account.id, limits),
      },
    };
  }

  /**
   * Pre-staging: the token of a call dispatched ahead, when it would expire by the call's instant,
   * is refreshed while the call waits rather than at the instant (a refresh round trip, then the
   * call again). Best effort: a refresh that fails leaves the call as it was, and the call at the
   * instant refreshes (or fails) as any call does.
   */
  async function freshAtInstant(job: DeliveryJob, account: AccountContext): Promise<AccountContext> {
    const adapter = platforms.get(job.target.platform);
    if (!adapter?.refresh || !tokenExpired(account.credentials, Date.parse(job.notBefore!))) return account;
    try {
      await tokens.refreshAccount(account.id);
    } catch (err) {
      Context.current().log.warn('token not refreshed ahead of the instant', {
        accountId: account.id,
        error: err instanceof Error ? err.message : String(err),
      });
      return account;
    }
    return { ...account, credentials: onTargetPage(job, await store.accountCredentials(account.id)) };
  }

  /**
   * Keeps what a platform's answer said of the account's allowances. Reading them is a side
   * matter: a store failure is logged, and the step goes on.
   */
  async function reportLimits(accountId: string, limits: Record<string, number>): Promise<void> {
    try {
      await store.accountLimits.observe(accountId, limits, new Date().toISOString());
    } catch (err) {
      Context.current().log.warn('account limits not kept', { accountId, error: String(err) });
    }
  }

  /**
   * Runs one step of a delivery on the platform: loads the account, resolves media if the step
   * needs it, waits for a slot under the platform's concurrency limit, heartbeats while it runs
   * (so a dead worker is noticed in seconds), and turns every failure into a classified one.
   */
  async function step<T>(
    job: DeliveryJob,
    options: {
      withMedia: boolean;
      repeatable: boolean;
      details?: () => unknown;
      /** A publish call dispatched ahead (`job.notBefore`): everything before the call is done, then it waits. */
      notBefore?: true;
    },
    call: (adapter: PlatformAdapter, req: PublishRequest) => Promise<T>,
  ): Promise<T> {
    const ctx = Context.current();
    // Each heartbeat carries the step's latest details (an upload's offset), or none.
    const beat = setInterval(() => ctx.heartbeat(options.details?.()), HEARTBEAT_EVERY_MS);
    // Only the publish call has a deadline the workflow counts on (repeatable steps are retried).
    const deadline = options.repeatable ? undefined : withDeadline(ctx);
    let signal = deadline?.signal ?? ctx.cancellationSignal;
    // URL media this step fetches lives on the worker's disk until the step ends, however it ends.
    const scratch = new MediaScratch(signal);
    // A dispatched call sends nothing until it claims its fence: what fails before, failed unsent.
    let unsent = Boolean(options.notBefore && job.notBefore);
    try {
      const { adapter, req } = await request(job, options.withMedia ? scratch : undefined);
      if (options.notBefore && job.notBefore) {
        req.account = await freshAtInstant(job, req.account);
        // Outside the platform's slots: the calls due at one instant queue for them only then.
        await dispatchWait(job, signal);
        // The fence: a workflow that gave up on this call while it waited has claimed it already.
        if (job.dispatchId && (await claimDispatch(store, job.dispatchId, 'called')) !== 'called')
          throw abandoned(job.dispatchId);
        unsent = false;
        // From the instant on, a recall comes too late: the call runs to its answer (or deadline),
        // which the workflow waits for, rather than being cut off with its outcome unknown.
        signal = deadline?.deadlineOnly ?? signal;
      }
      return await limit(job.target.platform).run(() => {
        // Cancelled or past the deadline while queued: the call must not go out any more.
        if (signal.aborted) throw new Error('The activity was cancelled before its turn came.');
        return call(adapter, { ...req, signal });
      }, SLOT_WAIT_MS);
    } catch (err) {
      if (unsent) throw toPublishFailure(failedUnsent(err, ctx.cancellationSignal.aborted, job.notBefore!));
      if (err instanceof SlotWaitTimeout)
        throw toPublishFailure(busy(job.target.platform, err), { retryHere: options.repeatable });
      // A token the platform revoked: the account is marked for reconnection (token-upkeep.ts).
      throw toPublishFailure(await settleRevokedToken(store, job.target.accountId, err), {
        retryHere: options.repeatable,
      });
    } finally {
      clearInterval(beat);
      deadline?.clear();
      await scratch.dispose();
    }
  }

  /**
   * The ledger of the upload this activity (and each of its retries) makes: sessions kept under
   * its key (the activity's for the upload step; for a prepare, the post's, account's and
   * media's, so a prepare run again after a refresh or the operator's retry finds them too),
   * progress heartbeat as it goes, and the latest progress for the periodic heartbeat
   * (`details`), starting from what an earlier attempt reported.
   */
  function resumableUpload(
    job: DeliveryJob,
    step: 'upload' | 'prepare',
  ): { ledger: UploadLedger; details: () => unknown } {
    const ctx = Context.current();
    const key =
      step === 'prepare'
        ? prepareUploadKey(ctx.info.workflowExecution?.workflowId ?? '', job)
        : uploadKey(ctx.info);
    const earlier = earlierProgress(ctx);
    if (earlier)
      ctx.log.info('upload resumes', {
        attempt: ctx.info.attempt,
        offset: earlier.offset,
        size: earlier.size,
      });
    let latest: UploadProgress | undefined = earlier?.upload_key === key ? earlier : undefined;
    const ledger = uploadLedger(store, job, key, (progress) => {
      latest = progress;
      ctx.heartbeat(progress);
    });
    return { ledger, details: () => latest };
  }

  return {
    ...createWebhookActivities({ store, allowPrivateUrls }),
    ...createImportActivities({ store }),
    ...createRecurringActivities({ store }),
    ...createRecycleActivities({ store }),
    ...createOAuthConnectActivities({ store, env, ...(oauthSecrets ? { oauthSecrets } : {}) }),
    ...createCredentialCheckActivities({ platforms, ...(oauthSecrets ? { oauthSecrets } : {}) }),
    ...createAccountHelperActivities({ store, platforms, env }),
    // refreshAccount (deliveries) and the token-upkeep job's renewals.
    ...tokens,
    ...createMetricsActivities({ store, platforms, limit, env }),

    /**
     * Everything before the irreversible call: uploads, containers. Invisible to followers, so
     * any failure may be retried; an unknown outcome here cannot publish anything.
     */
    async prepareTarget(job: DeliveryJob): Promise<PreparedStep> {
      if (!platforms.get(job.target.platform)?.prepare) return { ready: {} };
      // Where prepare is the platform's upload step, a retry after a crash may go on from the
      // upload the dead attempt kept (X's media id and next segment), as uploadTarget does.
      const resumable = UPLOAD_STEP[job.target.platform] === 'prepare';
      const upload = resumable ? resumableUpload(job, 'prepare') : undefined;
      return step(
        job,
        { withMedia: true, repeatable: true, details: upload?.details },
        async (adapter, req) => stepOf(await adapter.prepare!(req, upload?.ledger)),
      );
    },

    /**
     * A long upload whose final chunk is the publish itself (YouTube): every byte but that chunk's,
     * in a platform session kept (sealed) in the store under the activity's own key. Invisible to
     * followers, so retried in place; it heartbeats the offset the platform acknowledged (key and
     * offset only), and a retry on another worker goes on in the same session from the offset the
     * platform says it holds, never from zero. Answers what `publishTarget` finishes from.
     */
    async uploadTarget(job: DeliveryJob): Promise<StepState> {
      const { ledger, details } = resumableUpload(job, 'upload');
      return step(job, { withMedia: true, repeatable: true, details }, async (adapter, req) => {
        if (!adapter.upload) return {};
        return adapter.upload(req, ledger);
      });
    },

    /** Asks the platform again whether what `prepareTarget` made is ready. Read-only. */
    async checkPreparedTarget(job: DeliveryJob, state: StepState): Promise<PreparedStep> {
      return step(job, { withMedia: false, repeatable: true }, async (adapter, req) =>
        stepOf(await adapter.checkPrepared!(req, state)),
      );
    },

    /**
     * Whether what prepare made for a publish call since proven absent can be published now
     * (a Meta container not yet expired): reusing it makes the platform itself refuse a second
     * post should the first call land after all. Read-only; `renew` where the adapter cannot tell.
     */
    async reusePrepared(job: DeliveryJob, prepared: StepState): Promise<Reusable> {
      if (!platforms.get(job.target.platform)?.reusable) return 'renew';
      return step(job, { withMedia: false, repeatable: true }, async (adapter, req) =>
        adapter.reusable!(req, prepared),
      );
    },

    /**
     * Makes the post public on one account. Irreversible: runs with a single attempt. A call
     * dispatched before its instant (`job.notBefore`) loads the account and media first, then
     * waits for the instant in the worker (dispatch-wait.ts).
     */
    async publishTarget(job: DeliveryJob, prepared: StepState = {}): Promise<PublishedStep> {
      const options = {
        withMedia: true,
        repeatable: false,
        ...(job.notBefore ? { notBefore: true as const } : {}),
      };
      return step(job, options, async (adapter, req) =>
        stepOf(onPage(req, await adapter.publish(req, prepared))),
      );
    },

    /**
     * Gives up on a publish call dispatched ahead whose worker went silent (Temporal timed it
     * out): claims its fence, unless the call claimed it first. `abandoned`: the call never went
     * out, and never will; `called`: it may have, and the platform must be looked at.
     */
    async abandonDispatch(dispatchId: string): Promise<'called' | 'abandoned'> {
      return claimDispatch(store, dispatchId, 'abandoned');
    },

    /** Polls a publish the platform finishes on its own time (video processing). Read-only. */
    async checkPublishedTarget(job: DeliveryJob, state: StepState): Promise<PublishedStep> {
      return step(job, { withMedia: false, repeatable: true }, async (adapter, req) =>
        stepOf(onPage(req, await adapter.checkPublished!(req, state))),
      );
    },

    /**
     * Looks for the post on the platform after an unknown outcome. Read-only: transient failures
     * are retried in place; a final one (permissions, an expired token) goes back to the workflow.
     */
    async findPublished(job: DeliveryJob, prepared?: StepState, landsBy?: number): Promise<ReconcileResult> {
      try {
        const { adapter, req } = await request(job);
        if (!adapter.findExisting || adapter.searchable?.(req.account) === false)
          return { searchable: false };
        const signal = Context.current().cancellationSignal;
        const lookup: PublishRequest = {
          ...req,
          signal,
          ...(landsBy !== undefined ? { landsBy: new Date(landsBy).toISOString() } : {}),
        };
        const receipt = await limit(job.target.platform).run(() => adapter.findExisting!(lookup, prepared));
        // A post found with steps still to run (a thread's replies) goes on with them.
        const next = receipt && adapter.continueFound?.({ ...req, signal }, receipt);
        if (next && isProcessing(next)) {
          return {
            searchable: true,
            receipt: null,
            live: { processing: next.processing, pollAfterMs: next.pollAfterMs },
          };
        }
        return { searchable: true, receipt: receipt && onPage(req, receipt) };
      } catch (err) {
        throw toPublishFailure(await settleRevokedToken(store, job.target.accountId, err), {
          retryHere: true,
        });
      }
    },

    /**
     * Makes the post's first comment under the published target. Irreversible like the publish
     * call, with the same deadline: the workflow decides every retry (workflows/first-comment.ts).
     */
    async commentOnTarget(job: DeliveryJob, post: DeliveryReceipt, since: string): Promise<CommentReceipt> {
      return step(job, { withMedia: false, repeatable: false }, (adapter, req) =>
        adapter.comment!(commentRequest(req, post, since)),
      );
    },

    /** Looks for the first comment after an unknown outcome. Read-only, retried in place. */
    async findComment(job: DeliveryJob, post: DeliveryReceipt, since: string): Promise<CommentLookup> {
      if (!platforms.get(job.target.platform)?.findComment) return { searchable: false, comment: null };
      const comment = await step(job, { withMedia: false, repeatable: true }, (adapter, req) =>
        adapter.findComment!(commentRequest(req, post, since)),
      );
      return { searchable: true, comment };
    },

    /**
     * Deletes one published target from its platform and records it, so the Post resource leaves
     * it out. A failure the platform calls final is an outcome; a transient one is thrown, and retried.
     */
    async unpublishTarget(job: UnpublishJob): Promise<UnpublishResult> {
      const result = (outcome: UnpublishResult['outcome'], message?: string): UnpublishResult => ({
        platform: job.platform,
        account_id: job.accountId,
        outcome,
        ...(message ? { message } : {}),
      });
      const adapter = platforms.get(job.platform);
      const account = await store.getAccount(job.accountId);
      if (!adapter?.unpublish)
        return result('not_supported', `${job.platform} offers no way to delete posts.`);
      if (!account) return result('failed', `Account ${job.accountId} no longer exists.`);
      // The page the post went to, with its own token, whichever page is the default now.
      const credentials = await store.accountCredentials(account.id);
      const pages = PLATFORM_DESCRIPTORS.find((d) => d.slug === job.platform)?.oauth?.pages;
      const onItsPage = pages && job.pageId ? credentialsOnPage(pages, credentials, job.pageId) : credentials;
      if (!onItsPage)
        return result(
          'failed',
          `The ${pages!.noun} ${job.pageId} this post went to is no longer in the account's grant; reconnect the account with it, then delete again.`,
        );
      try {
        const outcome = await adapter.unpublish({
          account: { id: account.id, platform: account.platform, name: account.name, credentials: onItsPage },
          platformPostId: job.platformPostId,
          signal: Context.current().cancellationSignal,
        });
        if (outcome === 'not_supported')
          return result('not_supported', `${job.platform} does not allow deleting this post.`);
        await store.unpublished.record(job.postId, job.accountId);
        return result('deleted');
      } catch (err) {
        if (err instanceof PublishError && !err.failure.retryable)
          return result('failed', err.failure.message);
        throw toPublishFailure(err);
      }
    },
  };
}

export type PostflowActivities = ReturnType<typeof createActivities>;

/** A prepare or check step's answer, as the workflow sees it. */
export type PreparedStep = { ready: StepState } | { processing: StepState; pollAfterMs: number };
/** A publish or check step's answer: the receipt, or still processing. */
export type PublishedStep = { receipt: DeliveryReceipt } | { processing: StepState; pollAfterMs: number };

/** What a look for a first comment found; `searchable: false` where the platform cannot be asked. */
export interface CommentLookup {
  searchable: boolean;
  comment: CommentReceipt | null;
}

/** The first comment under `post`, for the account and content a delivery step resolved. */
function commentRequest(req: PublishRequest, post: DeliveryReceipt, since: string): CommentRequest {
  return {
    postId: req.postId,
    account: req.account,
    target: req.target,
    text: req.content.firstComment ?? '',
    post,
    ref: `${req.ref}/first-comment`,
    since,
    signal: req.signal,
    ...(req.reportLimits ? { reportLimits: req.reportLimits } : {}),
  };
}

function stepOf(result: Prepared): PreparedStep;
function stepOf(result: Published): PublishedStep;
function stepOf(result: Prepared | Published): PreparedStep | PublishedStep {
  if (isProcessing(result)) return { processing: result.processing, pollAfterMs: result.pollAfterMs };
  return 'ready' in result ? { ready: result.ready } : { receipt: result };
}

/**
 * The activity's cancellation signal, also aborted at the activity's schedule-to-close deadline
 * when it has one (the publish call): past it, the workflow may already have looked the post up
 * and found nothing, so a call still running here must not land. Node's fetch aborts with it.
 */
function withDeadline(ctx: Context): { signal: AbortSignal; deadlineOnly?: AbortSignal; clear: () => void } {
  const { scheduledTimestampMs, scheduleToCloseTimeoutMs } = ctx.info;
  if (!scheduleToCloseTimeoutMs || scheduleToCloseTimeoutMs > MAX_DEADLINE_MS)
    return { signal: ctx.cancellationSignal, clear: () => {} };
  // Time spent queued, by the server's clock against ours: a worker clock behind the server's
  // counts none (the one-minute landing margin covers a short queue), one ahead only shortens the call.
  const queued = Math.min(Math.max(Date.now() - scheduledTimestampMs, 0), scheduleToCloseTimeoutMs);
  // A timer held here, not AbortSignal.timeout: that one's signal may be collected before it fires.
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error('The publish call reached its deadline.')),
    scheduleToCloseTimeoutMs - queued,
  );
  const signal = AbortSignal.any([ctx.cancellationSignal, deadline.signal]);
  return { signal, deadlineOnly: deadline.signal, clear: () => clearTimeout(timer) };
}

function busy(platform: string, err: SlotWaitTimeout): PublishError {
  return new PublishError(
    {
      category: 'rate_limit',
      caused_by: 'internal',
      code: `platform.${platform}.busy`,
      message: `${platform}: this worker's calls to ${platform} were all busy for ${Math.round(err.waitedMs / 1000)} s; trying again later.`,
      retryable: true,
      outcomeUnknown: false,
    },
    { cause: err },
  );
}

/**
 * A multi-page account's receipt names the page the post went to (`metadata.page_id`): a delete
 * later uses that page's credentials, whichever page is the account's default by then.
 */
function onPage(req: Pick<PublishRequest, 'account'>, published: DeliveryReceipt): DeliveryReceipt;
function onPage(req: Pick<PublishRequest, 'account'>, published: Published): Published;
function onPage(req: Pick<PublishRequest, 'account'>, published: Published): Published {
  if (isProcessing(published)) return published;
  const pages = PLATFORM_DESCRIPTORS.find((d) => d.slug === req.account.platform)?.oauth?.pages;
  const page = pages && req.account.credentials[pages.activeKey];
  return page ? { ...published, metadata: { ...published.metadata, page_id: page } } : published;
}

/**
 * A target's `page_id` (contract: pick a page within a multi-page account) posts on that page of
 * the account's grant instead of its default one; a page the grant lacks fails the target.
 */
function onTargetPage(job: DeliveryJob, credentials: Record<string, string>): Record<string, string> {
  const pageId = job.target.options.page_id;
  const pages = PLATFORM_DESCRIPTORS.find((d) => d.slug === job.target.platform)?.oauth?.pages;
  if (typeof pageId !== 'string' || !pages) return credentials;
  const onPage = credentialsOnPage(pages, credentials, pageId);
  if (onPage) return onPage;
  throw publishError(
    'validation',
    'user',
    'validation.field_invalid',
    `page_id ${pageId} is not a ${pages.noun} this account's grant includes; GET /v1/accounts/${job.target.accountId}/pages lists them.`,
  );
}

function publishError(
  category: PublishFailure['category'],
  causedBy: PublishFailure['caused_by'],
  code: string,
  message: string,
) {
  return new PublishError({
    category,
    caused_by: causedBy,
    code,
    message,
    retryable: false,
    outcomeUnknown: false,
  });
}

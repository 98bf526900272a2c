import { CancelledFailure, isCancellation, patched, sleep, uuid4, workflowInfo } from '@temporalio/workflow';
import type { PreparedStep, PublishedStep } from '../activities';
import type { StepState } from '../platforms/kit/adapter';
import { needsPrepare, takesComments, uploadStep } from '../api/platform-steps';
import {
  DISPATCH_RECALLED,
  type DeliveryCursor,
  type DeliveryError,
  type DeliveryJob,
  type DeliveryMemory,
  type DeliveryReceipt,
  type DeliveryRun,
  type DeliveryState,
  type PublishFailure,
} from '../api/types';
import { type PlatformCalls, platformCalls, PUBLISH_DEADLINE_MS } from './activity-proxies';
import {
  classify,
  errorOf,
  reconnectRequired,
  stillProcessing,
  takenAfterAll,
  timedOut,
  unconfirmed,
} from './delivery-failures';
import type { Dispatch } from './dispatch';
import { commentsUnsupported, postFirstComment, withCommentOutcome } from './first-comment';
import { pollPause } from './processing-wait';
import { type LiveSteps, reconcile } from './reconcile';
import {
  attemptVerdict,
  failedAfterPublishCall,
  failedBeforePublishCall,
  retryDecision,
} from './retry-decision';
import { type RefreshScope, refreshedAfter } from './token-refresh';

/**
 * After its deadline, a publish call a lost worker was still making may yet be processed by the
 * platform for a moment: the lookup that may decide "absent" waits this much longer.
 */
export const LANDING_MARGIN_MS = 60_000;
/** How long a platform may process an upload or a publish (videos) before the delivery gives up on it. */
export const PROCESSING_DEADLINE_MS = 2 * 3_600_000;
/**
 * A run hands over to a new one (continue-as-new) past this many history events, or when
 * Temporal suggests it: well under the server's 51,200-event limit, and small enough that
 * replaying a run stays cheap.
 */
export const HISTORY_BOUND = 5_000;

/**
 * One patch for this revision of the engine (docs/decisions.md "Unknown outcomes are state"): it
 * remembers unknown outcomes across runs, waits out a lost call's deadline, reuses what prepare
 * made, backs off its polls and hands long deliveries over to a new run. One marker per post.
 */
export const EXACTLY_ONCE_PATCH = 'exactly-once-v2';
/** Posts recorded before first comments were made replay without the comment step. */
export const FIRST_COMMENT_PATCH = 'first-comment';
/**
 * Discord took first comments once bot accounts came, Hashnode once `addComment` was used: posts
 * recorded before ended their first comment as comments_unsupported without a call, and replay
 * so. Asked of every first comment, so that any post's history carries the marker.
 */
export const COMMENTS_BY_ACCOUNT_PATCH = 'comments-by-account';
/**
 * Nostr took first comments (NIP-10 reply notes) after COMMENTS_BY_ACCOUNT_PATCH: posts recorded
 * before, with or without that marker, ended a Nostr first comment as comments_unsupported without
 * a call, and replay so. Asked of every first comment, as the one before.
 */
export const NOSTR_COMMENTS_PATCH = 'nostr-comments';
/**
 * Long uploads in an activity of their own (docs/platforms.md "Uploads that survive a crash"):
 * YouTube's upload step before its publish call, X's and LinkedIn's media prepare with the
 * upload options, both on the post's upload queue when it has one. Asked only of targets with
 * media on those platforms; runs recorded before upload the old way, and replay so.
 */
export const RESUMABLE_UPLOAD_PATCH = 'resumable-upload';
/**
 * Facebook's and Instagram's media prepare with the upload options (it may send a video's bytes:
 * `POSTFLOW_META_VIDEO_SOURCE=upload`), after RESUMABLE_UPLOAD_PATCH. A patch of its own: a post
 * recorded before, whose history holds RESUMABLE_UPLOAD_PATCH for another target (X, YouTube),
 * prepared its Meta targets with the prepare options, and replays so.
 */
export const META_UPLOAD_PATCH = 'meta-upload-prepare';
/**
 * TikTok's upload step (a video the post sends as a file, `DeliveryJob.fileUpload`): init and all
 * but the final chunk in `uploadTarget`, the final chunk in the publish call. A patch of its own,
 * asked only of those deliveries: `patched()` answers once per run, so RESUMABLE_UPLOAD_PATCH
 * asked for a YouTube target of the same post would say nothing of whether this run knew TikTok's step.
 */
export const TIKTOK_UPLOAD_PATCH = 'tiktok-upload-step';
/** Platforms whose prepare became an upload after RESUMABLE_UPLOAD_PATCH, and the patch that made it one. */
const UPLOAD_SINCE_PATCH: Readonly<Record<string, string>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, string>, {
    facebook: META_UPLOAD_PATCH,
    instagram: META_UPLOAD_PATCH,
    instagram_business: META_UPLOAD_PATCH,
    tiktok: TIKTOK_UPLOAD_PATCH,
  }),
);
/** Platforms whose `first_comment` was refused without a call before the patch named. */
const COMMENTS_SINCE_PATCH: Readonly<Record<string, string>> = {
  discord: COMMENTS_BY_ACCOUNT_PATCH,
  hashnode: COMMENTS_BY_ACCOUNT_PATCH,
  nostr: NOSTR_COMMENTS_PATCH,
};

/**
 * How a delivery run ended: settled (`published` or `failed`), handed over to a new run, or
 * recalled before its instant (a pre-dispatched delivery, `DeliveryOptions.dispatch`).
 */
export type DeliveryEnd = 'settled' | 'handed-over' | 'recalled';

/** Where and how a delivery runs, beside what it delivers. */
export interface DeliveryOptions {
  /** The platform's own task queue, when the post routes it to one (`PostSpec.platformQueues`). */
  taskQueue?: string;
  /** The post's queue for long uploads (`PostSpec.uploadQueue`). */
  uploadQueue?: string;
  /** Says when the history is long enough to hand over to a new run; by default never. */
  handOver?: () => boolean;
  /**
   * Whether the post's run took the engine patch (post.ts `ENGINE_PATCH`): every patch of this
   * file and reconcile.ts is then taken without being asked. By default not: each is asked.
   */
  enginePatch?: boolean;
  /**
   * Set when the delivery runs before its target's instant (dispatch.ts): the publish call waits
   * for `job.notBefore` in the worker, and until it answers, the post may recall the delivery.
   */
  dispatch?: Dispatch;
  /**
   * What an earlier dispatch of this delivery prepared before a recall stopped it (a staged
   * delivery rescheduled): offered to the platform again (`reusePrepared`) instead of preparing anew.
   */
  staged?: StepState;
}

/**
 * Runs one target's delivery to a final state (`published` or `failed`); never throws.
 *
 * pending → publishing → published | failed, where every failure is classified and:
 * - an unknown outcome ("the platform may have it") is remembered, and reconciled (looked up on
 *   the platform) before any publish call, in this run or any later one;
 * - an expired token is refreshed once;
 * - a rate limit waits its Retry-After, a transient failure an exponential backoff, as durable timers;
 * - anything else is final.
 *
 * The platform's calls go to `taskQueue` when the post routes its platform to a queue of its own
 * (`PostSpec.platformQueues`), else to the workflow's queue. Only the activities' task queue
 * differs, never which commands run, so the routing needs no `patched()` (docs/decisions.md).
 * When `handOver()` says the history is long, the delivery stops before its next wait and leaves
 * where it was in its memory, for the next run (continue-as-new) to pick up.
 */
export async function deliver(
  delivery: DeliveryState,
  job: DeliveryJob,
  touch: () => void,
  {
    taskQueue,
    uploadQueue,
    handOver = () => false,
    enginePatch = false,
    dispatch,
    staged,
  }: DeliveryOptions = {},
): Promise<DeliveryEnd> {
  return new Delivery(
    delivery,
    job,
    touch,
    platformCalls(taskQueue, uploadQueue, { recallable: dispatch !== undefined }),
    handOver,
    enginePatch,
    dispatch,
    staged,
  ).run();
}

/** Whether a run's history is long enough to hand over to a new run. */
export function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength >= HISTORY_BOUND;
}

/** An attempt's end: the receipt, a failure, or a hand-over before a wait. */
type Attempt =
  | { receipt: DeliveryReceipt }
  | { failure: PublishFailure; prepared?: StepState; landsBy?: number }
  | { handedOver: true };

class Delivery {
  /** Runs recorded before this revision replay the engine they ran on: forgetful between runs. */
  private readonly current: boolean;
  private readonly memory: DeliveryMemory;
  private readonly counters: DeliveryRun;
  private readonly job: DeliveryJob;
  private resumeAt: DeliveryCursor | undefined;
  /** What prepare made for a call proven absent since: the next attempt publishes it instead of preparing anew. */
  private reuse: StepState | undefined;

  constructor(
    private readonly state: DeliveryState,
    job: DeliveryJob,
    private readonly touch: () => void,
    private readonly calls: PlatformCalls,
    private readonly historyLong: () => boolean,
    /** The engine patch (DeliveryOptions.enginePatch): every patch below taken, none asked. */
    private readonly enginePatch: boolean,
    /** A delivery dispatched before its instant (DeliveryOptions.dispatch). */
    private readonly dispatch?: Dispatch,
    staged?: StepState,
  ) {
    this.reuse = staged;
    this.current = enginePatch || patched(EXACTLY_ONCE_PATCH);
    if (!this.current) state.engine = undefined;
    this.memory = state.engine ??= {};
    this.resumeAt = this.memory.resume;
    delete this.memory.resume;
    this.counters = this.resumeAt?.run ?? {
      startedAt: new Date().toISOString(),
      attempts: 0,
      refreshed: false,
    };
    this.job = { ...job, startedAt: this.counters.startedAt };
  }

  /**
   * The delivery: publish the post to a final state; once it is live, its first comment. A
   * pre-dispatched delivery that a recall stopped before its publish call ends `recalled`, having
   * sent nothing (the post puts its state back).
   */
  async run(): Promise<DeliveryEnd> {
    let end: DeliveryEnd;
    try {
      end = await this.settle();
    } catch (err) {
      // Whatever a recall interrupted before the publish call (a timer, an activity it cancelled).
      if (!this.dispatch?.recalling) throw err;
      this.dispatch.recalled();
      return 'recalled';
    } finally {
      this.dispatch?.ended();
    }
    if (end === 'settled' && this.state.status === 'published') await this.firstComment();
    return end;
  }

  /** Runs a step before the publish call so that a recall stops it (only while one may come). */
  private recallable<T>(step: () => Promise<T>): Promise<T> {
    return this.dispatch ? this.dispatch.recallable(step) : step();
  }

  /**
   * Publishing: before each publish attempt, settle what the platform may already have; attempt;
   * on failure, do what retry-decision.ts decides (refresh the token, wait and retry, wait and
   * look the post up, or end the target).
   */
  private async settle(): Promise<DeliveryEnd> {
    // A pre-dispatched target stays pending until its publish call answers (publishCall).
    if (!this.dispatch?.open) this.update({ status: 'publishing' });
    for (;;) {
      const cursor = this.resumeAt;
      this.resumeAt = undefined;
      if (cursor?.step === 'attempt') await sleep(Math.max(cursor.wakeAt - Date.now(), 1));
      let found: LiveSteps | undefined;
      if (cursor?.step !== 'preparing' && cursor?.step !== 'live') {
        const settled = await this.settleUnknownOutcome();
        if (settled === 'settled') return 'settled';
        if (settled !== 'publish') found = settled;
        else if (!this.attemptsLeft()) return this.fail();
        else this.countAttempt();
      }
      // A post found live with steps still to run (a thread's replies) goes on with them, as
      // after its publish call; anything else is an attempt (or the rest of one handed over).
      const attempt = found ? await this.untilLive(found, {}) : await this.attempt(cursor);
      if ('handedOver' in attempt) return 'handed-over';
      if ('receipt' in attempt) return this.published(attempt.receipt);

      const { failure } = attempt;
      this.recordFailure(attempt);
      const decision = retryDecision({
        failure,
        attempts: this.counters.attempts,
        tokenRefreshed: this.counters.refreshed,
        outcomeUnknown: Boolean(this.memory.unknown),
      });
      if (decision.next === 'refresh-token') {
        const refreshed = () => refreshedAfter(failure, this.counters, this.job.target.accountId, this.calls);
        if (await this.recallable(refreshed)) continue;
        return this.fail(reconnectRequired(this.job.target.accountId));
      }
      if (decision.next === 'fail') return this.fail();
      // `retry` and `reconcile` both wait; the next turn looks the post up first while the
      // delivery remembers an unknown outcome (settleUnknownOutcome).
      if (this.handsOver({ step: 'attempt', run: this.counters, wakeAt: Date.now() + decision.afterMs }))
        return 'handed-over';
      await this.recallable(() => sleep(decision.afterMs));
    }
  }

  /**
   * The post's `first_comment` (the target's override first), under the live post: made and
   * shown in the receipt's metadata, or a warning; never a failure of the published target.
   */
  private async firstComment(): Promise<void> {
    const { job, state } = this;
    const text = { ...job.content, ...job.target.overrides }.firstComment;
    if (!text || !state.receipt || !(this.enginePatch || patched(FIRST_COMMENT_PATCH))) return;
    // Every patch is asked, whatever the platform, so that every post's history carries them all
    // (under the engine patch none is: its marker stands for them).
    const current = new Map(
      [COMMENTS_BY_ACCOUNT_PATCH, NOSTR_COMMENTS_PATCH].map(
        (id) => [id, this.enginePatch || patched(id)] as const,
      ),
    );
    const since = COMMENTS_SINCE_PATCH[state.platform];
    const takes = takesComments(state.platform) && (since === undefined || current.get(since) === true);
    const outcome = takes
      ? await postFirstComment(job, state.receipt, this.calls)
      : { warning: commentsUnsupported(state.platform) };
    this.update({ receipt: withCommentOutcome(state.receipt, outcome) });
  }

  /**
   * Whether this run may make another publish call. Runs recorded before the outage window
   * failed at the sixth attempt, and replay so.
   */
  private attemptsLeft(): boolean {
    const verdict = attemptVerdict({
      attempts: this.counters.attempts,
      startedAt: this.job.startedAt!,
      now: Date.now(),
    });
    return (
      verdict === 'attempt' || (verdict === 'outage-window' && (this.enginePatch || patched('outage-window')))
    );
  }

  private countAttempt(): void {
    this.counters.attempts += 1;
    this.update({
      attempts: this.state.attempts + 1,
      retries: this.state.retries + (this.counters.attempts > 1 ? 1 : 0),
    });
  }

  /** Shows the failure on the target; a call the platform may have received is remembered across runs. */
  private recordFailure({ failure, prepared, landsBy }: Extract<Attempt, { failure: PublishFailure }>): void {
    this.update({ error: errorOf(failure) });
    if (failure.outcomeUnknown) {
      this.memory.unknown = {
        since: this.counters.startedAt,
        landsBy: landsBy ?? Date.now(),
        ...(prepared ? { prepared } : {}),
      };
    }
  }

  /**
   * Before any publish call: a post the platform may have is looked up. Found → published (found
   * with steps still to run, a thread's replies: those steps, never a publish call); proven
   * absent → publishing may go on, with what that call's prepare made; no way to look → the
   * delivery ends unconfirmed (a person has to look), never publishing again on a guess.
   */
  private async settleUnknownOutcome(): Promise<'settled' | 'publish' | LiveSteps> {
    const unknown = this.memory.unknown;
    if (!unknown) return 'publish';
    const found = await reconcile({ ...this.job, startedAt: unknown.since }, this.calls, unknown, {
      current: this.current,
      enginePatch: this.enginePatch,
    });
    if (found === 'absent') {
      delete this.memory.unknown;
      if (this.current) this.reuse = unknown.prepared;
      return 'publish';
    }
    if (found === 'no-lookup' || found === 'unsearchable') {
      if (found === 'no-lookup' && this.current) this.memory.noLookup = true;
      this.fail(unconfirmed(this.state.platform, found));
      return 'settled';
    }
    if ('processing' in found) {
      delete this.memory.unknown;
      return found;
    }
    this.published(found);
    return 'settled';
  }

  /**
   * One attempt at making the post public, step by step (docs/platforms.md): prepare (uploads,
   * containers) → wait while the platform processes them → publish → wait while it processes
   * the post. Waits are durable timers. What failed before the publish call cannot have published
   * anything; what fails after it never leads to a second publish call here. `cursor` resumes an
   * attempt a previous run handed over in the middle of a wait.
   */
  private async attempt(cursor?: DeliveryCursor): Promise<Attempt> {
    if (!cursor && !(this.enginePatch || patched('platform-steps'))) return this.singleCall();
    if (cursor?.step === 'live') {
      const { processing, pollAfterMs, prepared } = cursor;
      return this.untilLive({ processing, pollAfterMs }, prepared, cursor);
    }
    const preparation = await this.recallable(() => this.preparation(cursor));
    if (!('ready' in preparation)) return preparation;
    const prepared = preparation.ready;
    if (this.dispatch?.open) {
      // Kept if a recall comes now; a staged delivery waits here until its call is due.
      this.dispatch.prepared = prepared;
      await this.dispatch.untilCallTime();
    }
    const call = await this.publishCall(prepared);
    if (!('published' in call)) return call;
    return this.untilLive(call.published, prepared);
  }

  /**
   * Prepare (or reuse what an earlier call proven absent was given), then wait while the platform
   * processes it: what the publish call is given.
   */
  private async preparation(cursor?: DeliveryCursor): Promise<{ ready: StepState } | Attempt> {
    const { job, calls } = this;
    try {
      let step: PreparedStep;
      let polls = 0;
      let deadline: number;
      if (cursor?.step === 'preparing') {
        step = { processing: cursor.processing, pollAfterMs: cursor.pollAfterMs };
        ({ polls, deadline } = cursor);
      } else {
        const reused = await this.reused();
        // The call proven absent landed after all: the post exists, and reconcile finds it.
        if (reused === 'taken')
          return { failure: takenAfterAll(job), prepared: this.reuse, landsBy: Date.now() };
        step = reused ? { ready: reused } : await this.prepare();
        deadline = Date.now() + PROCESSING_DEADLINE_MS;
      }
      while ('processing' in step) {
        const { processing, pollAfterMs } = step;
        if (
          this.handsOver({
            step: 'preparing',
            run: this.counters,
            processing,
            pollAfterMs,
            polls,
            deadline,
          })
        )
          return { handedOver: true };
        await pollPause(this.pollWait(pollAfterMs, polls++), deadline, job);
        step = await calls.checkPreparedTarget(job, processing);
      }
      return { ready: step.ready };
    } catch (err) {
      if (this.dispatch?.recalling) throw new CancelledFailure('recalled');
      return { failure: failedBeforePublishCall(classify(err)) };
    }
  }

  /** The irreversible call, made once per attempt; its failure says when it can no longer land. */
  private async publishCall(prepared: StepState): Promise<{ published: PublishedStep } | Attempt> {
    const calledAt = Date.now();
    const dispatch = this.dispatch?.open ? this.dispatch : undefined;
    const job = dispatch ? { ...this.job, dispatchId: uuid4() } : this.job;
    try {
      const published = dispatch
        ? await dispatch.recallable(() => this.calls.publishTarget(job, prepared))
        : await this.calls.publishTarget(job, prepared);
      this.answered();
      return { published };
    } catch (err) {
      // A recalled call that stopped before calling the platform (or was never picked up).
      if (dispatch?.recalling && stoppedBeforeCall(err)) throw new CancelledFailure('recalled');
      // A dispatched call whose worker went silent: if it had not claimed its fence, it never will.
      if (dispatch && timedOut(err) && (await this.abandoned(job.dispatchId!)))
        return { failure: neverCalled(err) };
      // Only a call that may have published commits the delivery; one that sent nothing (it
      // failed before its fence, or its worker stopped) or was refused may still be recalled.
      if (classify(err).outcomeUnknown) this.answered();
      // A call Temporal gave up on (a lost worker) may still be running somewhere until its
      // deadline; one that ended by itself is over, but for the platform's own processing.
      const landsBy = timedOut(err) ? calledAt + PUBLISH_DEADLINE_MS + LANDING_MARGIN_MS : Date.now();
      return { failure: classify(err), prepared, landsBy };
    }
  }

  /**
   * Whether a dispatched call Temporal gave up on never went out: the workflow claimed its fence
   * first. When the claim cannot be made, the call may have gone out (its outcome stays unknown).
   */
  private async abandoned(dispatchId: string): Promise<boolean> {
    try {
      return (await this.calls.abandonDispatch(dispatchId)) === 'abandoned';
    } catch {
      return false;
    }
  }

  /** The publish call answered: a pre-dispatched target is publishing, and can no longer be recalled. */
  private answered(): void {
    if (!this.dispatch?.open) return;
    this.dispatch.called();
    this.update({ status: 'publishing' });
  }

  /** Posts started before adapters had steps: a single publish call, whose answer was the receipt. */
  private async singleCall(): Promise<Attempt> {
    try {
      const answer = (await this.calls.publishTarget(this.job)) as PublishedStep | DeliveryReceipt;
      if ('receipt' in answer) return { receipt: answer.receipt };
      if ('processing' in answer) return { failure: stillProcessing(this.job) };
      return { receipt: answer };
    } catch (err) {
      return { failure: classify(err) };
    }
  }

  /**
   * What an earlier call proven absent was given, while the platform still takes it (a Meta
   * container publishes once: reusing it is the platform's own guard against that call landing
   * late); `taken` when it did land. Kept until the platform answers, so a failed check asks again.
   */
  private async reused(): Promise<StepState | 'taken' | undefined> {
    const reuse = this.reuse;
    if (!reuse) return undefined;
    const verdict = await this.calls.reusePrepared(this.job, reuse);
    if (verdict === 'taken') return 'taken';
    this.reuse = undefined;
    return verdict === 'reuse' ? reuse : undefined;
  }

  /**
   * A fresh prepare, or nothing when prepare would do nothing. A platform whose upload ends in
   * its publish call (YouTube) uploads all but the final chunk in its own resumable step, whose
   * answer (an opaque key, the size) the publish call finishes from.
   */
  private async prepare(): Promise<PreparedStep> {
    const { target, content, fileUpload } = this.job;
    const upload = uploadStep(target, content, fileUpload === true);
    // A platform that took uploads later has its own patch; the rest are folded into the engine patch.
    const since = UPLOAD_SINCE_PATCH[target.platform];
    const resumable =
      upload !== undefined &&
      (since !== undefined ? patched(since) : this.enginePatch || patched(RESUMABLE_UPLOAD_PATCH));
    if (resumable && upload === 'upload') return { ready: await this.calls.uploadTarget(this.job) };
    if (skipsPrepare(this.job, this.enginePatch)) return { ready: {} };
    return resumable ? this.calls.prepareUpload(this.job) : this.calls.prepareTarget(this.job);
  }

  /**
   * After the publish call, polls the platform while it processes the post. The post may already
   * be live, so no failure here may lead to a second publish call: an expired token is refreshed
   * and the same publish polled again; any other failure ends the attempt as retry-decision.ts
   * `failedAfterPublishCall` says (final, or unknown for reconcile to settle).
   */
  private async untilLive(
    first: PublishedStep,
    prepared: StepState,
    cursor?: Extract<DeliveryCursor, { step: 'live' }>,
  ): Promise<Attempt> {
    const deadline = cursor?.deadline ?? Date.now() + PROCESSING_DEADLINE_MS;
    let polls = cursor?.polls ?? 0;
    let step = first;
    const refresh: RefreshScope = { refreshed: false };
    while ('processing' in step) {
      const { processing, pollAfterMs } = step;
      const here = {
        step: 'live' as const,
        run: this.counters,
        processing,
        pollAfterMs,
        polls,
        deadline,
        prepared,
      };
      if (this.handsOver(here)) return { handedOver: true };
      try {
        await pollPause(this.pollWait(pollAfterMs, polls++), deadline, this.job);
        step = await this.calls.checkPublishedTarget(this.job, processing);
      } catch (err) {
        const failure = classify(err);
        if (await refreshedAfter(failure, refresh, this.job.target.accountId, this.calls)) continue;
        return { failure: failedAfterPublishCall(failure, this.current), prepared };
      }
    }
    return { receipt: step.receipt };
  }

  /**
   * The pause before the next processing check: what the platform suggests, growing by half with
   * every check (a video stuck for hours costs dozens of checks, not thousands of history events).
   */
  private pollWait(pollAfterMs: number, polls: number): number {
    return this.current ? Math.max(pollAfterMs, 1_000 * 1.5 ** polls) : pollAfterMs;
  }

  /**
   * Leaves `cursor` in the delivery's memory when the run should hand over; says whether it did.
   * A delivery that may still be recalled does not: its few steps before the instant stay in this run.
   */
  private handsOver(cursor: DeliveryCursor): boolean {
    if (!this.current || !this.historyLong() || this.dispatch?.open) return false;
    this.memory.resume = cursor;
    return true;
  }

  private published(receipt: DeliveryReceipt): 'settled' {
    delete this.memory.unknown;
    this.update({ status: 'published', receipt, error: undefined });
    return 'settled';
  }

  /**
   * Ends the delivery `failed`. While the platform may have the post, the failure says so
   * (`publishing.delivery.unconfirmed`, with why it could not be settled), whatever else went wrong.
   */
  private fail(error?: DeliveryError): 'settled' {
    // A recall that stopped a step before the publish call is not the delivery's failure.
    if (this.dispatch?.recalling) throw new CancelledFailure('recalled');
    const unknown = this.current && this.memory.unknown;
    const reason = error ?? this.state.error;
    this.update({
      status: 'failed',
      error:
        unknown && reason?.code !== 'publishing.delivery.unconfirmed'
          ? unconfirmed(this.state.platform, reason)
          : reason,
    });
    return 'settled';
  }

  private update(patch: Partial<DeliveryState>): void {
    Object.assign(this.state, patch);
    this.touch();
  }
}

/**
 * A prepare step that would do nothing (no prepare for the platform, or nothing to upload) is not
 * scheduled. Runs recorded before this rule scheduled it, and replay so.
 */
function skipsPrepare(job: DeliveryJob, enginePatch: boolean): boolean {
  return !needsPrepare(job.target, job.content) && (enginePatch || patched('skip-empty-prepare'));
}

/** A dispatched call Temporal gave up on before it claimed its fence: it never called, and never will. */
function neverCalled(err: unknown): PublishFailure {
  return {
    ...classify(err),
    code: DISPATCH_RECALLED,
    message:
      'The worker of the publish call went silent while the call waited for its instant; nothing was sent.',
    outcomeUnknown: false,
  };
}

/** Whether a pre-dispatched publish call ended without calling the platform: recalled, or cancelled before it started. */
function stoppedBeforeCall(err: unknown): boolean {
  return isCancellation(err) || classify(err).code === DISPATCH_RECALLED;
}

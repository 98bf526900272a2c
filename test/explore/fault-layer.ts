import { setTimeout as delay } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import {
  isProcessing,
  type PlatformAdapter,
  PublishError,
  type PublishRequest,
  type Published,
  type StepState,
  type UploadLedger,
} from '../../platforms/kit/adapter';
import type { PublishFailure } from '../../api/types';
import type { Fault, Schedule } from './schedule';

/**
 * Where the exploration's faults meet the real code: a layer around each real adapter (which
 * talks HTTP to its platform's fake), between the real activities and the platform. Every call
 * of an explored account takes the next fault of its schedule; what the fault does depends on the
 * call (below). The platform's own ledger (the fake's) records what really happened, and the
 * layer keeps a log of the calls for the invariants.
 *
 * Faults are injected at this boundary, as the adapters would classify the platform's answers
 * (their own classification is covered by the contract suites, test/contracts/): the
 * exploration is about the engine's decisions, which see only these classifications.
 */
export type CallKind =
  | 'prepare'
  | 'upload'
  | 'checkPrepared'
  | 'publish'
  | 'checkPublished'
  | 'find'
  | 'refresh'
  | 'comment'
  | 'findComment';

/** One platform call of an explored account, as the invariants read it. */
export interface CallRecord {
  k: number;
  kind: CallKind;
  fault: Fault;
  /** The test server's clock when Temporal scheduled the call (simulated time). */
  atMs: number;
  /** publish, comment: whether the platform acted (`lost`, `late`, processing faults still act). */
  acted?: 'now' | 'late' | 'no';
  /** publish, comment: the outcome as the engine learns it; `unknown` when the answer never came. */
  answer?: 'receipt' | 'processing' | 'refused' | 'unknown';
  /** find, findComment: what the look answered. */
  found?: 'present' | 'absent' | 'failed';
  /** checkPublished: the platform failed the publication at this check (it is gone). */
  failedPublication?: boolean;
}

/** What a family lets the layer do to its platform's processing (families.ts). */
export interface ProcessingControl {
  /** Makes the platform process this publication forever; returns the answer the engine sees. */
  forever(published: Published, req: PublishRequest): Promise<Published>;
  /** Makes the platform process this publication a little, then fail it. */
  failing(published: Published, req: PublishRequest): Promise<Published>;
  /** The platform fails the publication now (it is no longer on the ledger). */
  fail(state: StepState): Promise<void>;
}

/** A publish call the platform accepts late, after the worker was cut off from it. */
interface LateCall {
  landAtMs: number;
  land: () => Promise<void>;
}

/** How long after its call a `late` publish lands: inside the publish call's 5-minute limit. */
export const LATE_LANDING_MS = 4 * 60_000;
/** Processing checks of a `processing-failed` publication before the platform fails it. */
const CHECKS_BEFORE_FAILING = 2;

/** What the driver does at each call (operator and world events, world.ts). */
export type BeforeCall = (k: number) => Promise<void>;

/** The state of one explored account: its schedule, its log, what it still has in flight. */
export class AccountPlan {
  readonly calls: CallRecord[] = [];
  private readonly late: LateCall[] = [];
  /** Set by `revoked`: the platform refuses every refresh of this account from now on. */
  private refreshDead = false;
  private readonly failingStates = new Map<string, number>();

  constructor(
    readonly schedule: Schedule,
    readonly beforeCall: BeforeCall,
  ) {}

  /** Lands the late calls due by `nowMs`; all of them when `nowMs` is omitted (the end of time). */
  async landLate(nowMs = Infinity): Promise<void> {
    for (const call of this.late.filter((c) => c.landAtMs <= nowMs)) {
      this.late.splice(this.late.indexOf(call), 1);
      await call.land().catch(() => undefined); // refused on landing: nothing was published
    }
  }

  pendingLate(): number {
    return this.late.length;
  }

  /** Called by the layer: the next call's number and fault, after firing its events. */
  async next(kind: CallKind): Promise<CallRecord> {
    const k = this.calls.length;
    const record: CallRecord = { k, kind, fault: this.schedule.faults[k] ?? 'ok', atMs: simulatedNow() };
    this.calls.push(record);
    await this.beforeCall(k);
    await this.landLate(record.atMs);
    return record;
  }

  isRefreshDead(): boolean {
    return this.refreshDead;
  }

  killRefresh(): void {
    this.refreshDead = true;
  }

  addLate(call: LateCall): void {
    this.late.push(call);
  }

  /** Counts a processing check of a publication set to fail; true once it should fail. */
  checkFailing(state: StepState): boolean {
    const key = publicationOf(state);
    const seen = (this.failingStates.get(key) ?? 0) + 1;
    this.failingStates.set(key, seen);
    return seen === CHECKS_BEFORE_FAILING;
  }

  isFailing(state: StepState): boolean {
    return this.failingStates.has(publicationOf(state));
  }

  markFailing(state: StepState): void {
    this.failingStates.set(publicationOf(state), 0);
  }
}

/** Which publication a processing state is about (its polls change the rest of the state). */
function publicationOf(state: StepState): string {
  return String(state.platform_post_id ?? state.publish_id ?? JSON.stringify(state));
}

/**
 * The test server's clock at the current call: when Temporal scheduled the activity. Time does
 * not skip while an activity runs, so this is the call's instant in simulated time.
 */
function simulatedNow(): number {
  try {
    return Context.current().info.currentAttemptScheduledTimestampMs;
  } catch {
    return Date.now();
  }
}

export class FaultLayer {
  private readonly plans = new Map<string, AccountPlan>();

  /** Explores `accountId` with `schedule`; `beforeCall` fires its events. */
  plan(accountId: string, schedule: Schedule, beforeCall: BeforeCall): AccountPlan {
    const plan = new AccountPlan(schedule, beforeCall);
    this.plans.set(accountId, plan);
    return plan;
  }

  forget(accountId: string): void {
    this.plans.delete(accountId);
  }

  /**
   * The real adapter with the schedule's faults in front of it. Optional steps stay optional
   * (the engine decides from their presence), except `checkPublished`, which processing faults need.
   */
  wrap(
    real: PlatformAdapter,
    processing?: ProcessingControl,
    mapSince?: (since: string) => string,
  ): PlatformAdapter {
    const planOf = (accountId: string) => this.plans.get(accountId);
    const platform = real.platform;
    const adjusted = (req: PublishRequest): PublishRequest =>
      mapSince ? { ...req, since: mapSince(req.since) } : req;

    const wrapped: PlatformAdapter = {
      platform,
      async publish(req, prepared) {
        const plan = planOf(req.account.id);
        if (!plan) return real.publish(req, prepared);
        const call = await plan.next('publish');
        const fault = call.fault;
        const before = failureBefore(platform, fault, plan);
        if (before) {
          call.acted = 'no';
          call.answer = 'refused';
          throw before;
        }
        if (fault === 'late') {
          call.acted = 'late';
          call.answer = 'unknown';
          // The request is on its way when the worker is cut off from Temporal: its heartbeats
          // stop, so Temporal times the call out. The platform accepts the request minutes
          // later, whatever the engine does meanwhile.
          const landing = { ...adjusted(req), signal: new AbortController().signal };
          plan.addLate({
            landAtMs: call.atMs + LATE_LANDING_MS,
            land: async () => void (await real.publish(landing, prepared)),
          });
          await cutOff(req.signal);
          throw new Error('explore: the worker was cut off while the publish call was in flight');
        }
        const published = await real.publish(adjusted(req), prepared);
        call.acted = 'now';
        if (fault === 'lost') {
          call.answer = 'unknown';
          throw new PublishError(unknownOutcome(platform));
        }
        if (fault === 'processing-forever' && processing) {
          call.answer = 'processing';
          return processing.forever(published, req);
        }
        if (fault === 'processing-failed' && processing) {
          call.answer = 'processing';
          const started = await processing.failing(published, req);
          if (isProcessing(started)) plan.markFailing(started.processing);
          return started;
        }
        call.answer = isProcessing(published) ? 'processing' : 'receipt';
        return published;
      },

      async checkPublished(req, state) {
        const plan = planOf(req.account.id);
        if (!plan) return real.checkPublished!(req, state);
        const call = await plan.next('checkPublished');
        const before = readFailure(platform, call.fault, plan);
        if (before) throw before;
        if (processing && plan.isFailing(state) && plan.checkFailing(state)) {
          await processing.fail(state);
          call.failedPublication = true;
        }
        const answer = await real.checkPublished!(req, state);
        return answer;
      },
    };
    if (real.prepare) {
      // A prepare with a ledger is the platform's upload step (X's INIT, APPENDs, FINALIZE): `lost`
      // and `late` cut it partway, after the first piece the platform answered (or, where nothing
      // goes in pieces, once it is done): `lost` drops the connection there, so the retry must go
      // on in the kept upload; `late` cuts the worker off there (its heartbeats stop, Temporal
      // retries the attempt), and that worker goes on with the upload later, as one cut off from
      // Temporal but not from the platform would. Without a ledger they are passing failures.
      wrapped.prepare = async (req, ledger) => {
        const plan = planOf(req.account.id);
        if (!plan) return real.prepare!(req, ledger);
        const call = await plan.next('prepare');
        if (ledger && (call.fault === 'lost' || call.fault === 'late')) {
          await untilFirstPiece(() => real.prepare!(req, cutAtFirstPiece(ledger)));
          if (call.fault === 'lost') throw new PublishError(transient(platform));
          await goesOnLate(plan, call, req, ledger, (r, l) => real.prepare!(r, l));
          throw new Error('explore: the worker was cut off while it uploaded in its prepare');
        }
        const before = readFailure(platform, call.fault, plan);
        if (before) throw before;
        return real.prepare!(req, ledger);
      };
    }
    if (real.upload) {
      // A long upload (YouTube's all-but-final chunks): reversible, retried in place by Temporal.
      // `lost`: the bytes went and the answer was lost, so the retry finds them in the same
      // session; `late`: the worker is cut off mid-upload (its heartbeats stop, Temporal times the
      // attempt out and retries it) and goes on uploading in the same session later, as a worker
      // cut off from Temporal but not from the platform would; neither sends the final chunk.
      wrapped.upload = async (req, ledger) => {
        const plan = planOf(req.account.id);
        if (!plan) return real.upload!(req, ledger);
        const call = await plan.next('upload');
        if (call.fault === 'late') {
          await goesOnLate(plan, call, req, ledger, (r, l) => real.upload!(r, l));
          throw new Error('explore: the worker was cut off while it uploaded');
        }
        if (call.fault === 'lost') {
          await real.upload!(req, ledger);
          throw new PublishError(transient(platform));
        }
        const before = readFailure(platform, call.fault, plan);
        if (before) throw before;
        return real.upload!(req, ledger);
      };
    }
    if (real.reusable) wrapped.reusable = (req, prepared) => real.reusable!(req, prepared);
    if (real.checkPrepared) {
      wrapped.checkPrepared = async (req, state) => {
        const plan = planOf(req.account.id);
        if (!plan) return real.checkPrepared!(req, state);
        const call = await plan.next('checkPrepared');
        const before = readFailure(platform, call.fault, plan);
        if (before) throw before;
        return real.checkPrepared!(req, state);
      };
    }
    if (real.findExisting) {
      wrapped.findExisting = async (req, prepared) => {
        const plan = planOf(req.account.id);
        if (!plan) return real.findExisting!(req, prepared);
        const call = await plan.next('find');
        const before = readFailure(platform, call.fault, plan);
        if (before) {
          call.found = 'failed';
          throw before;
        }
        const found = await real.findExisting!(adjusted(req), prepared);
        call.found = found ? 'present' : 'absent';
        return found;
      };
    }
    if (real.comment) {
      // The first comment is irreversible like the publish call, and meets the same faults.
      wrapped.comment = async (req) => {
        const plan = planOf(req.account.id);
        if (!plan) return real.comment!(req);
        const call = await plan.next('comment');
        const before = failureBefore(platform, call.fault, plan);
        if (before) {
          call.acted = 'no';
          call.answer = 'refused';
          throw before;
        }
        if (call.fault === 'late') {
          call.acted = 'late';
          call.answer = 'unknown';
          const landing = { ...req, signal: new AbortController().signal };
          plan.addLate({
            landAtMs: call.atMs + LATE_LANDING_MS,
            land: async () => void (await real.comment!(landing)),
          });
          await cutOff(req.signal);
          throw new Error('explore: the worker was cut off while the comment call was in flight');
        }
        const made = await real.comment!(req);
        call.acted = 'now';
        call.answer = call.fault === 'lost' ? 'unknown' : 'receipt';
        if (call.fault === 'lost') throw new PublishError(unknownOutcome(platform));
        return made;
      };
    }
    if (real.findComment) {
      wrapped.findComment = async (req) => {
        const plan = planOf(req.account.id);
        if (!plan) return real.findComment!(req);
        const call = await plan.next('findComment');
        const before = readFailure(platform, call.fault, plan);
        if (before) {
          call.found = 'failed';
          throw before;
        }
        const found = await real.findComment!(req);
        call.found = found ? 'present' : 'absent';
        return found;
      };
    }
    if (real.refresh) {
      wrapped.refresh = async (account) => {
        const plan = planOf(account.id);
        if (!plan) return real.refresh!(account);
        const call = await plan.next('refresh');
        if (plan.isRefreshDead() || call.fault === 'refused' || call.fault === 'revoked') {
          throw new PublishError(refreshRefused(platform));
        }
        if (call.fault === 'transient' || call.fault === 'lost' || call.fault === 'late')
          throw new PublishError(transient(platform));
        return real.refresh!(account);
      };
    }
    if (real.unpublish) wrapped.unpublish = (req) => real.unpublish!(req);
    if (real.continueFound) wrapped.continueFound = (req, found) => real.continueFound!(req, found);
    if (real.renewWindowMs !== undefined) wrapped.renewWindowMs = real.renewWindowMs;
    return wrapped;
  }
}

/**
 * Plays a worker cut off from Temporal during the current activity: its heartbeats stop, so
 * Temporal times the activity out (heartbeat timeout, real seconds: time does not skip while an
 * activity runs). A cut-off worker's answer never reaches Temporal, so the attempt ends only once
 * Temporal has timed it out (or cancelled it): an attempt that ended first, on a loaded machine,
 * was taken for a call that was over, not one that could still land (seen in CI).
 */
export async function cutOff(signal: AbortSignal): Promise<void> {
  const ctx = Context.current();
  Object.assign(ctx, { heartbeat: () => undefined });
  let waitMs = (ctx.info.heartbeatTimeoutMs ?? 15_000) + 1_000;
  const giveUpAt = Date.now() + 3 * waitMs + 60_000;
  while (!signal.aborted && Date.now() < giveUpAt) {
    await delay(waitMs, undefined, { signal }).catch(() => undefined); // aborted: Temporal cancelled it
    if (signal.aborted || (await timedOutByTemporal(ctx))) return;
    waitMs = 1_000;
  }
}

/** Whether Temporal is done with the current attempt: it is no longer pending, or a later one is. */
async function timedOutByTemporal(ctx: Context): Promise<boolean> {
  const { workflowExecution, activityId, attempt } = ctx.info;
  if (!workflowExecution) return true;
  try {
    const { raw } = await ctx.client.workflow
      .getHandle(workflowExecution.workflowId, workflowExecution.runId)
      .describe();
    const pending = raw.pendingActivities?.find((a) => a.activityId === activityId);
    return !pending || (pending.attempt ?? 1) > attempt;
  } catch {
    return true; // the run is over
  }
}

/**
 * An upload whose worker is cut off from Temporal (but not from the platform): the attempt goes
 * quiet until Temporal times it out, and the upload goes on LATE_LANDING_MS after the call, in
 * the same ledger, beside whatever the retry does meanwhile.
 */
async function goesOnLate(
  plan: AccountPlan,
  call: CallRecord,
  req: PublishRequest,
  ledger: UploadLedger,
  upload: (req: PublishRequest, ledger: UploadLedger) => Promise<unknown>,
): Promise<void> {
  const landing = { ...req, signal: new AbortController().signal };
  const quiet = { ...ledger, progress: () => undefined };
  plan.addLate({
    landAtMs: call.atMs + LATE_LANDING_MS,
    land: async () => void (await upload(landing, quiet)),
  });
  await cutOff(req.signal);
}

/** Thrown from the first progress an upload reports: the cut of a prepare partway. */
class CutPartway extends Error {}

/** `ledger`, whose first report of progress (a piece the platform answered) cuts the upload there. */
function cutAtFirstPiece(ledger: UploadLedger): UploadLedger {
  let cut = false;
  return {
    ...ledger,
    progress(offset, total) {
      ledger.progress(offset, total);
      if (cut) return;
      cut = true;
      throw new CutPartway();
    },
  };
}

/** Runs an upload until it is cut at its first piece, or to its end; either way its answer is lost. */
async function untilFirstPiece(upload: () => Promise<unknown>): Promise<void> {
  try {
    await upload();
  } catch (err) {
    if (!(err instanceof CutPartway)) throw err;
  }
}

/** A publish call's failure before anything was sent, or undefined when the call goes out. */
function failureBefore(platform: string, fault: Fault, plan: AccountPlan): PublishError | undefined {
  switch (fault) {
    case 'refused':
      return new PublishError(failure(platform, 'validation', 'rejected', 'the post was refused (400).'));
    case 'transient':
      return new PublishError(transient(platform));
    case 'ratelimit-reset':
      return new PublishError({ ...rateLimited(platform), retryAfterMs: 60_000 });
    case 'ratelimit':
      return new PublishError(rateLimited(platform));
    case 'expired':
      return new PublishError(expired(platform));
    case 'revoked':
      plan.killRefresh();
      return new PublishError(revoked(platform));
    default:
      return undefined;
  }
}

/**
 * A read-only call's failure (prepare, checks, look-ups): those change nothing on the platform,
 * so a lost or late one is a passing failure, and `refused` is a final refusal that says nothing
 * about the post (a permission, a scope), not the platform failing it.
 */
function readFailure(platform: string, fault: Fault, plan: AccountPlan): PublishError | undefined {
  switch (fault) {
    case 'refused':
      return new PublishError(failure(platform, 'auth', 'forbidden', 'the call was refused (403).'));
    case 'lost':
    case 'late':
      return new PublishError(transient(platform));
    case 'processing-forever':
    case 'processing-failed':
      return undefined;
    default:
      return failureBefore(platform, fault, plan);
  }
}

function failure(
  platform: string,
  category: PublishFailure['category'],
  code: string,
  message: string,
): PublishFailure {
  return {
    category,
    caused_by: category === 'validation' || category === 'auth' ? 'user' : 'platform',
    code: `platform.${platform}.${code}`,
    message: `${platform} (explored): ${message}`,
    retryable: false,
    outcomeUnknown: false,
  };
}

const transient = (platform: string): PublishFailure => ({
  ...failure(platform, 'platform', 'unavailable', 'the platform is unavailable (503).'),
  retryable: true,
});

const rateLimited = (platform: string): PublishFailure => ({
  ...failure(platform, 'rate_limit', 'rate_limit', 'too many requests (429).'),
  retryable: true,
});

const expired = (platform: string): PublishFailure => ({
  ...failure(platform, 'auth', 'auth', 'the access token expired (401).'),
  refreshable: true,
});

const revoked = (platform: string): PublishFailure => ({
  ...failure(platform, 'auth', 'auth', 'the access token was revoked (401).'),
  refreshable: true,
});

const refreshRefused = (platform: string): PublishFailure =>
  failure(platform, 'auth', 'auth', 'the refresh token was revoked (400 invalid_grant).');

const unknownOutcome = (platform: string): PublishFailure => ({
  ...failure(platform, 'platform', 'unreachable', 'the connection dropped after the request was sent.'),
  category: 'platform',
  retryable: true,
  outcomeUnknown: true,
});

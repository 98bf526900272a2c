import { randomBytes } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { Context } from '@temporalio/activity';
import { createActivities } from '../../activities';
import { ConcurrencyLimit } from '../../activities/platforms/limiter';
import type { PlatformAdapter } from '../../platforms/kit/adapter';
import { ApiError } from '../../api/errors';
import { isSettled } from '../../api/post-resource';
import type { DeliveryJob, PostResource } from '../../api/types';
import { untilInstant } from '../../activities/dispatch-wait';
import { PostflowClient } from '../../client';
import type { Store } from '../../store/types';
import { MediaHost } from '../contracts/run-delivery';
import { tempMedia, tempStore } from '../helpers/fixtures';
import { startQuietTimeSkipping } from '../helpers/time-skipping';
import { type Family, startFamily } from './families';
import { type AccountPlan, cutOff, FaultLayer } from './fault-layer';
import { checkInvariants, type Verdict } from './invariants';
import {
  type EventName,
  FAMILIES,
  type FamilyName,
  labelOf,
  type Schedule,
  type ScheduledEvent,
} from './schedule';

/**
 * The exploration's world: Temporal's time-skipping test server, the real workflow code on two
 * workers (one keeps workflows cached, one replays every task from history, as after a restart),
 * the real activities with the real adapters, each behind the fault layer and in front of its
 * platform's fake, and a real store. Many schedules run at once, each on its own account and post.
 */
export interface WorldOptions {
  /** The Java test server's launcher (test/helpers/tools.ts). */
  testServer: string;
  families?: readonly FamilyName[];
  /**
   * One wide slot limit per platform instead of the worker's per-platform slots, which couple
   * independent schedules (each has its own account): a `late` call holding a slot stops the
   * others' calls, and time with them, since time does not skip while an activity runs. The long
   * form's thousands of schedules need it; the CI form runs on the worker's own slots.
   */
  independentSlots?: boolean;
}

/** The SDK's runtime can be installed once per process; a process may start several worlds. */
let runtimeInstalled = false;
/** The workflow code, bundled once per process however many worlds it starts. */
let bundled: Promise<WorkflowBundleWithSourceMap> | undefined;

/** A post must settle within this much simulated time of each delivery run's start. */
export const SETTLE_BOUND_MS = 6 * 3_600_000;
/** A workflow run's history must stay under this many events (Temporal warns past 10,240). */
export const HISTORY_BOUND = 10_240;
/** How far the driver lets simulated time run between two looks at its post. */
const STEP_MS = 5 * 60_000;
/** How often (in steps) the driver counts the history while it waits. */
const HISTORY_EVERY_STEPS = 6;

/**
 * The world's posts dispatch their publish call this long before a scheduled instant (the longest
 * lead `POSTFLOW_PRE_DISPATCH_SECONDS` takes): long enough in simulated time that a change made
 * while the call waits usually finds it still waiting, however time skips around it.
 */
const EXPLORE_LEAD_MS = 60_000;
/**
 * The world's deliveries that prepare start this long before a scheduled instant (pre-staging,
 * `POSTFLOW_PRE_STAGE`), half way from the post's creation to its instant: the events before the
 * first platform calls (`{ call: 0 }`) meet a staged delivery.
 */
const EXPLORE_STAGE_MS = 5 * 60_000;
/**
 * Simulated time stands still while the dispatched call waits (an activity runs), so the call
 * waits in real time, this long at most.
 */
const EXPLORE_WAIT_MS = 100;

const CACHED_QUEUE = 'explore';
const REPLAY_QUEUE = 'explore-replay';

/** What one schedule did, and what the invariants said about it. */
export interface Outcome {
  schedule: Schedule;
  postId: string;
  status: string;
  targets: PostResource['targets'];
  /** The companion target as the post ended, when the schedule has one. */
  companion?: PostResource['targets'][number];
  /** The events as they happened, with the answer to each (`retryFailed: accepted`, `cancel: post.state_invalid`). */
  log: string[];
  /** The platform calls, `publish:lost`, `find:absent` … */
  calls: string[];
  ledger: string[];
  /** The platform's comments under the post (its first comment). */
  comments: string[];
  historyEvents: number[];
  simulatedMs: number;
  verdict: Verdict;
}

export class World {
  private readonly layer = new FaultLayer();
  private readonly workers: Worker[] = [];
  private running: Array<Promise<void>> = [];
  private counter = 0;
  /** The schedules running now, with their plans (what `stalled()` reports). */
  private readonly inFlight = new Map<
    string,
    { schedule: Schedule; plan: AccountPlan; postId: () => string; phase: string }
  >();
  /** Per account: fires the schedule's `dispatched` events, answered when the promise settles. */
  private readonly onDispatched = new Map<
    string,
    () => { answered: Promise<unknown>; workerLost: boolean }
  >();
  /** The one sleep on the test server in progress, which every waiting driver shares. */
  private tick: Promise<void> | undefined;
  /** Posts terminated while something of theirs still held time (terminateWhenIdle gave up). */
  terminatedWhileHolding = 0;
  private readonly calls = new Set<Promise<unknown>>();
  private readonly nonce = randomBytes(3).toString('hex');

  private constructor(
    readonly env: TestWorkflowEnvironment,
    readonly store: Store,
    private readonly host: MediaHost,
    readonly families: Map<FamilyName, Family>,
    private readonly clients: Record<'cached' | 'replay' | 'cached-files' | 'replay-files', PostflowClient>,
    readonly bundle: WorkflowBundleWithSourceMap,
  ) {}

  static async start(options: WorldOptions): Promise<World> {
    if (!runtimeInstalled) Runtime.install({ logger: new DefaultLogger('ERROR') });
    runtimeInstalled = true;
    const env = await startQuietTimeSkipping(options.testServer);
    bundled ??= bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: new DefaultLogger('ERROR'),
    });
    const bundle = await bundled;
    const { store, dir } = await tempStore();
    const host = await new MediaHost().start();
    const families = new Map<FamilyName, Family>();
    for (const name of options.families ?? FAMILIES)
      families.set(name, await startFamily(name, { store, host }));
    const client = (taskQueue: string, fileUploads?: string[]) =>
      new PostflowClient({
        temporal: env.client,
        store,
        taskQueue,
        searchAttributes: false,
        allowPrivateUrls: true,
        rpcTimeoutMs: 60_000,
        // Scheduled posts dispatch their publish call ahead (dispatchedWait below), and the
        // deliveries that prepare start earlier still: a change meets them while they prepare.
        preDispatchMs: EXPLORE_LEAD_MS,
        preStage: EXPLORE_STAGE_MS,
        ...(fileUploads ? { fileUploads } : {}),
      });
    const world = new World(
      env,
      store,
      host,
      families,
      {
        cached: client(CACHED_QUEUE),
        replay: client(REPLAY_QUEUE),
        // The families whose posts send TikTok videos as files start them with a client set so.
        'cached-files': client(CACHED_QUEUE, ['tiktok']),
        'replay-files': client(REPLAY_QUEUE, ['tiktok']),
      },
      bundle,
    );

    // Fakes stamp posts with the wall clock, the engine's `since` is simulated time, which runs
    // ahead: a look-up searches from before the world began instead (texts are unique per post).
    const began = new Date(Date.now() - 60_000).toISOString();
    const platforms = new Map<string, PlatformAdapter>(
      [...families.values()].map((f) => [f.platform, world.layer.wrap(f.adapter, f.processing, () => began)]),
    );
    // Each schedule has its own account; the worker's per-platform slots (sized for one worker's
    // share of a platform's limits) would couple independent schedules: a late call holding a
    // slot stops every other schedule's calls, and time with them (it does not skip while an
    // activity runs). One wide limit per platform keeps the schedules independent.
    const limits = new Map<string, ConcurrencyLimit>();
    const limit = (platform: string) =>
      limits.get(platform) ?? limits.set(platform, new ConcurrencyLimit(10_000)).get(platform)!;
    const activities = createActivities({
      store,
      platforms,
      media: tempMedia(dir),
      allowPrivateUrls: true,
      ...(options.independentSlots ? { limit } : {}),
      // A published post starts its metrics collection as it settles (that start is part of the
      // settle explored here), and the collection ends at once: its passes would outlive the
      // schedule that published it on the one shared test server. Collections under faults,
      // worker kills and Temporal restarts: test/workflow/metrics-collection.test.ts,
      // test/integration/metrics.test.ts.
      env: { ...process.env, POSTFLOW_METRICS_SCHEDULE: 'off' },
      dispatchWait: (job, signal) => world.dispatchedWait(job, signal),
    });
    for (const [taskQueue, maxCachedWorkflows] of [
      [CACHED_QUEUE, 500],
      [REPLAY_QUEUE, 0],
    ] as const) {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities,
        maxCachedWorkflows,
        maxConcurrentActivityTaskExecutions: 200,
        // A recall reaches a waiting publish call with the answer to its next heartbeat: sent
        // at once here, so that a recall explored while the call waits (dispatchedWait) stops it.
        maxHeartbeatThrottleInterval: '100 milliseconds',
      });
      world.workers.push(worker);
      world.running.push(worker.run());
    }
    return world;
  }

  async stop(): Promise<void> {
    // Schedules a caller gave up on (fast-check's time limit) still run: let them end first, for
    // two minutes (simulated time may have stopped under them, and the whole stop must fit in the
    // 5-minute hook timeout).
    await withinMs(120_000, Promise.allSettled([...this.calls])).catch(() => undefined);
    for (const worker of this.workers) worker.shutdown();
    await Promise.allSettled(this.running);
    this.running = [];
    for (const family of this.families.values()) await family.stop();
    await this.host.stop();
    // A call given up on (withinMs) still runs, and retries; closing its connection under it
    // throws from the retry's timer, into whatever test file runs next in this process.
    await withinMs(30_000, Promise.allSettled([...this.calls])).catch(() => undefined);
    await this.env.teardown();
    await this.store.close();
  }

  /**
   * Tears the world down without waiting for its schedules, for a world whose simulated time has
   * stopped (run.ts): the schedules still running then fail, and are run again elsewhere.
   */
  async abandon(): Promise<void> {
    for (const worker of this.workers) {
      try {
        worker.shutdown();
      } catch {
        // Already stopping.
      }
    }
    await withinMs(60_000, Promise.allSettled(this.running)).catch(() => undefined);
    this.running = [];
    await this.env.teardown().catch(() => undefined);
    for (const family of this.families.values()) await family.stop().catch(() => undefined);
    await this.host.stop().catch(() => undefined);
    await this.store.close().catch(() => undefined);
  }

  /** Whether any post still running holds back time skipping (a pending task or activity). */
  async anyPostHoldsTime(): Promise<boolean> {
    for (const { postId } of this.inFlight.values()) {
      if (postId() && (await this.holdsTimeNow(postId())) !== false) return true;
    }
    return false;
  }

  /**
   * The closed workflows' last history events, grouped (`EVENT_TYPE_… → count`): what a stalled
   * world's leaked hold is looked for in (EXPLORE_DIAGNOSE=1, run.ts).
   */
  async closedTails(): Promise<Map<string, string[]>> {
    const service = this.env.connection.workflowService;
    const { executions } = await service.listClosedWorkflowExecutions({
      namespace: 'default',
      maximumPageSize: 10_000,
    });
    const tails = new Map<string, string[]>();
    for (const e of executions ?? []) {
      const history = await this.env.client.workflow
        .getHandle(e.execution!.workflowId!, e.execution!.runId!)
        .fetchHistory();
      const tail = (history.events ?? [])
        .slice(-4)
        .map((ev) => String(temporal.api.enums.v1.EventType[ev.eventType ?? 0]).replace('EVENT_TYPE_', ''))
        .join(' ');
      tails.set(tail, [...(tails.get(tail) ?? []), e.execution!.workflowId!]);
    }
    return tails;
  }

  /** The test server's clock, or undefined when it does not answer within 10 s. */
  simulatedNow(): Promise<number | undefined> {
    return withinMs(10_000, this.tracked(this.env.currentTimeMs())).catch(() => undefined);
  }

  /** Runs one schedule to its end and checks the invariants on it. */
  run(schedule: Schedule): Promise<Outcome> {
    return this.tracked(this.runSchedule(schedule));
  }

  private async runSchedule(schedule: Schedule): Promise<Outcome> {
    const family = this.families.get(schedule.family);
    if (!family) throw new Error(`family ${schedule.family} is not in this world`);
    const marker = `m${++this.counter}x${this.nonce}`;
    const files = family.fileUploads ? '-files' : '';
    const client = this.clients[`${schedule.replay ? 'replay' : 'cached'}${files}` as const];
    const account = await this.store.createAccount({
      userId: 'usr_default',
      platform: family.platform,
      name: `Explored ${marker}`,
      credentials: family.credentials(),
    });
    const sandbox = this.families.get('sandbox');
    // The sandbox takes no thread: X's threaded posts go without their companion.
    const withCompanionTarget = schedule.companion && !('segments' in family.content(marker));
    if (withCompanionTarget && !sandbox) throw new Error('a companion target needs the sandbox family');
    const companion = withCompanionTarget
      ? await this.store.createAccount({
          userId: 'usr_default',
          platform: 'sandbox',
          name: `Companion ${marker}`,
          credentials: sandbox!.credentials(),
        })
      : undefined;
    const log: string[] = [];
    let postId = '';
    const fire = async (e: ScheduledEvent) => {
      const answer = await this.fireEvent(client, e.event, postId, account.id, family, marker);
      log.push(`${e.event}@${typeof e.at === 'string' ? e.at : `call${e.at.call}`}: ${answer}`);
      return answer;
    };
    const plan = this.layer.plan(account.id, schedule, async (k) => {
      for (const e of schedule.events) {
        if (typeof e.at === 'object' && e.at.call === k) await fire(e);
      }
    });
    let dispatchedEvents = schedule.events.filter((e) => e.at === 'dispatched');
    this.onDispatched.set(account.id, () => {
      const due = dispatchedEvents;
      dispatchedEvents = [];
      return { answered: Promise.all(due.map(fire)), workerLost: due.some((e) => e.event === 'workerLost') };
    });
    const running = { schedule, plan, postId: () => postId, phase: 'creating' };
    this.inFlight.set(marker, running);
    const startedAt = await this.env.currentTimeMs();
    try {
      const dueAt = new Date(startedAt + 10 * 60_000).toISOString();
      const { post } = await client.posts.create(
        companion
          ? companionPostBody(family.content(marker), schedule.start, dueAt, account.id, companion.id)
          : {
              ...family.content(marker),
              ...(schedule.start === 'now' ? { account_ids: [account.id], publish_now: true } : {}),
              ...(schedule.start === 'scheduled' ? { account_ids: [account.id], scheduled_at: dueAt } : {}),
              // The target's own instant: it waits in the delivery step, not (only) in the post's wait.
              ...(schedule.start === 'target'
                ? { targets: [{ account_id: account.id, scheduled_at: dueAt }] }
                : {}),
            },
      );
      postId = post.id;
      const firstRunId = (await this.env.client.workflow.getHandle(postId).describe()).runId;
      for (const e of schedule.events.filter((e) => e.at === 'created')) await fire(e);

      running.phase = 'driving';
      const { final, overdue, historyEvents } = await this.drive(client, postId, firstRunId, schedule, fire);
      running.phase = 'checking';
      await plan.landLate();
      const ledger = await family.ledger(marker, account.id);
      const comments = (await family.comments?.(ledger, account.id)) ?? [];
      const replies = await family.replies?.(ledger, account.id);
      const uploads = await family.uploads?.(marker);
      const companionTarget = final.targets.find((t) => t.account_id === companion?.id);
      const companionLedger = companion ? await sandbox!.ledger(marker, companion.id) : [];
      const verdict = checkInvariants({
        // The first target's checks read its own platform's ledger; the companion has its own.
        post: { ...final, targets: final.targets.filter((t) => t.account_id === account.id) },
        plan,
        ledger,
        comments,
        replies,
        overdue,
        historyEvents,
        historyBound: HISTORY_BOUND,
        log,
        ...(uploads ? { uploads } : {}),
        ...(companionTarget
          ? {
              companion: {
                target: companionTarget,
                ledger: companionLedger,
                comments: (await sandbox!.comments?.(companionLedger, companion!.id)) ?? [],
              },
            }
          : {}),
      });
      return {
        schedule,
        postId,
        status: final.status,
        targets: final.targets,
        ...(companionTarget ? { companion: companionTarget } : {}),
        log,
        calls: callsOf(plan),
        ledger,
        comments,
        historyEvents,
        simulatedMs: (await this.env.currentTimeMs()) - startedAt,
        verdict,
      };
    } finally {
      running.phase = 'terminating';
      this.layer.forget(account.id);
      this.onDispatched.delete(account.id);
      if (postId) await this.terminateWhenIdle(postId);
      this.inFlight.delete(marker);
    }
  }

  /**
   * Terminates the post once nothing of it holds back time skipping (up to a minute of real
   * time). The test server releases the hold of a workflow task or an activity when it completes,
   * fails or times out, never when its workflow is terminated (sdk-java's test server): a
   * termination under one leaves simulated time stopped for good. The look and the termination
   * happen with time skipping held, so no timer can fire between them and schedule a task.
   */
  private async terminateWhenIdle(postId: string): Promise<void> {
    const testService = this.env.connection.testService!;
    const handle = this.env.client.workflow.getHandle(postId);
    const giveUpAt = Date.now() + 60_000;
    for (;;) {
      await this.tracked(testService.lockTimeSkipping({}));
      try {
        const holds = await this.holdsTimeNow(postId);
        if (holds === false || Date.now() > giveUpAt) {
          if (holds !== false) this.terminatedWhileHolding += 1;
          await withinMs(10_000, this.tracked(handle.terminate('exploration over'))).catch(() => undefined);
          return;
        }
      } finally {
        await this.tracked(testService.unlockTimeSkipping({}));
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** A call to the test server, kept until it settles, so `stop` never closes the connection under it. */
  private tracked<T>(call: Promise<T>): Promise<T> {
    this.calls.add(call);
    void call.then(
      () => this.calls.delete(call),
      () => this.calls.delete(call),
    );
    return call;
  }

  /** The schedules still running, with their calls so far: what a watchdog prints when nothing moves. */
  inFlightReport(): string[] {
    return [...this.inFlight.values()].map(
      ({ schedule, plan, postId, phase }) =>
        `${postId() || '(not created)'} ${phase} ${labelOf(schedule)}: ${callsOf(plan).join(' ')}`,
    );
  }

  /**
   * Lets simulated time run until the post settles, firing the `settled` events in order, one
   * each time the post is found settled, within SETTLE_BOUND_MS of each run.
   */
  private async drive(
    client: PostflowClient,
    postId: string,
    firstRunId: string,
    schedule: Schedule,
    fire: (e: ScheduledEvent) => Promise<string>,
  ): Promise<{ final: PostResource; overdue: boolean; historyEvents: number[] }> {
    const onSettle = schedule.events.filter((e) => e.at === 'settled');
    let runStarted = await this.env.currentTimeMs();
    let steps = 0;
    let historyEvents: number[] = [];
    for (;;) {
      const post = await client.posts.get(postId);
      if (process.env.EXPLORE_VERBOSE === '2') {
        process.stdout.write(
          `[explore] ${postId} ${post.status} at ${(await this.env.currentTimeMs()) - runStarted} ms\n`,
        );
      }
      if (isSettled(post.status)) {
        if (!onSettle.length) {
          historyEvents = await historySizes(this.env, postId, firstRunId);
          return { final: post, overdue: false, historyEvents };
        }
        // One event per look at the settled post: what it set going (a retry) runs, and settles, first.
        if ((await fire(onSettle.shift()!)) === 'accepted') runStarted = await this.env.currentTimeMs();
        continue;
      }
      if (++steps % HISTORY_EVERY_STEPS === 0) {
        historyEvents = await historySizes(this.env, postId, firstRunId);
        if (process.env.EXPLORE_VERBOSE) {
          const simulated = Math.round(((await this.env.currentTimeMs()) - runStarted) / 60_000);
          process.stdout.write(
            `[explore] ${postId} ${post.status} after ${simulated} min, history ${historyEvents.join('+')}\n`,
          );
        }
        if (historyEvents.some((n) => n > HISTORY_BOUND))
          return { final: post, overdue: false, historyEvents };
      }
      if ((await this.env.currentTimeMs()) - runStarted > SETTLE_BOUND_MS) {
        historyEvents = await historySizes(this.env, postId, firstRunId);
        return { final: post, overdue: true, historyEvents };
      }
      await this.passTime();
    }
  }

  /**
   * How a publish call dispatched ahead of its instant waits here (ActivityDeps.dispatchWait):
   * first the schedule's `dispatched` events fire, and the call waits for their answers (or for
   * the recall one of them makes); then it waits for its instant as a worker does, measured from
   * the activity's scheduled time (simulated time stands still while it runs), at most
   * EXPLORE_WAIT_MS of real time. It heartbeats meanwhile, so that a recall reaches it (unless
   * the schedule loses its worker there: `workerLost`).
   */
  async dispatchedWait(job: DeliveryJob, signal: AbortSignal): Promise<void> {
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), 50);
    try {
      const events = this.onDispatched.get(job.target.accountId)?.();
      if (events) await Promise.race([events.answered, abortedBy(signal)]);
      // Cut off from Temporal: silent until Temporal gave up on the call, then on to call anyway.
      if (events?.workerLost) await cutOff(new AbortController().signal);
      const instant = Date.parse(job.notBefore!);
      const lead = instant - ctx.info.currentAttemptScheduledTimestampMs;
      await untilInstant(job.notBefore!, signal, () => instant - Math.min(lead, EXPLORE_WAIT_MS));
    } finally {
      clearInterval(beat);
    }
  }

  /**
   * Lets simulated time run by STEP_MS. The test server deadlocks when several clients sleep on
   * it at once, so all the drivers share one sleep at a time.
   */
  private passTime(): Promise<void> {
    this.tick ??= this.env.sleep(STEP_MS).finally(() => (this.tick = undefined));
    return this.tick;
  }

  /**
   * Whether the post's workflow has something pending that holds back time skipping (a workflow
   * task, or an activity that `holdsTime`); undefined when the test server did not answer.
   */
  private async holdsTimeNow(postId: string): Promise<boolean | undefined> {
    const handle = this.env.client.workflow.getHandle(postId);
    const described = await withinMs(10_000, this.tracked(handle.describe())).catch(() => undefined);
    if (!described) return undefined;
    if (described.status.name !== 'RUNNING') return false;
    if (described.raw.pendingActivities?.some(holdsTime)) return true;
    // The test server's describe leaves out the pending workflow task; its history shows it.
    const history = await withinMs(10_000, this.tracked(handle.fetchHistory())).catch(() => undefined);
    if (!history) return undefined;
    return workflowTaskPending(history.events ?? []);
  }

  private async fireEvent(
    client: PostflowClient,
    event: EventName,
    postId: string,
    accountId: string,
    family: Family,
    marker: string,
  ): Promise<string> {
    try {
      switch (event) {
        case 'retryFailed':
          await client.posts.retry(postId);
          break;
        case 'cancel':
          await client.posts.cancel(postId);
          break;
        case 'editPost':
          await client.posts.update(postId, { text: `${String(family.content(marker).text)} (edited)` });
          break;
        case 'publishNow':
          await client.posts.publishNow(postId);
          break;
        case 'reschedule':
          await client.posts.update(postId, {
            scheduled_at: new Date((await this.env.currentTimeMs()) + 20 * 60_000).toISOString(),
          });
          break;
        case 'reconnectRequired':
          await this.store.setAccountStatus(
            accountId,
            'reconnect_required',
            'explored: marked by another post',
          );
          break;
        case 'reconnect':
          await this.store.setAccountStatus(accountId, 'active');
          break;
        case 'workerLost':
          break; // played by dispatchedWait, where it means something
      }
      return 'accepted';
    } catch (err) {
      if (err instanceof ApiError) return err.code;
      throw err;
    }
  }
}

/**
 * A post to the schedule's account and its sandbox companion (targets[]): the family's
 * `platform_data` goes to its own target only, since the sandbox takes none of it.
 */
function companionPostBody(
  content: Record<string, unknown>,
  start: Schedule['start'],
  dueAt: string,
  accountId: string,
  companionId: string,
): Record<string, unknown> {
  const { platform_data: platformData, ...shared } = content;
  const own = start === 'target' ? { scheduled_at: dueAt } : {};
  return {
    ...shared,
    ...(start === 'now' ? { publish_now: true } : {}),
    ...(start === 'scheduled' ? { scheduled_at: dueAt } : {}),
    targets: [
      { account_id: accountId, ...(platformData ? { platform_data: platformData } : {}), ...own },
      { account_id: companionId, ...own },
    ],
  };
}

/**
 * Whether a pending activity holds back time skipping: running, being cancelled, or scheduled for
 * its first attempt. An activity waiting out its retry backoff (a later attempt, not started)
 * waits for time to pass, and holds nothing.
 */
function holdsTime(activity: temporal.api.workflow.v1.IPendingActivityInfo): boolean {
  const { PENDING_ACTIVITY_STATE_SCHEDULED } = temporal.api.enums.v1.PendingActivityState;
  return activity.state !== PENDING_ACTIVITY_STATE_SCHEDULED || (activity.attempt ?? 1) <= 1;
}

/**
 * Whether the history ends with a workflow task scheduled or started and not yet completed
 * (a completion that asks for another task writes the next one's scheduled event with it).
 */
function workflowTaskPending(events: temporal.api.history.v1.IHistoryEvent[]): boolean {
  const { EVENT_TYPE_WORKFLOW_TASK_SCHEDULED, EVENT_TYPE_WORKFLOW_TASK_STARTED } =
    temporal.api.enums.v1.EventType;
  const last = events.at(-1)?.eventType;
  return last === EVENT_TYPE_WORKFLOW_TASK_SCHEDULED || last === EVENT_TYPE_WORKFLOW_TASK_STARTED;
}

/** Resolves once `signal` aborts. */
function abortedBy(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}

/** `promise`, or a rejection after `ms` of real time. */
function withinMs<T>(ms: number, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Events per run of the post's workflow, following continue-as-new from its first run (the
 * engine may continue as new; each run's history must stay bounded).
 */
async function historySizes(
  env: TestWorkflowEnvironment,
  postId: string,
  firstRunId: string,
): Promise<number[]> {
  const sizes: number[] = [];
  let runId: string | undefined = firstRunId;
  while (runId && sizes.length < 100) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow
      .getHandle(postId, runId)
      .fetchHistory();
    const events: temporal.api.history.v1.IHistoryEvent[] = history.events ?? [];
    sizes.push(events.length);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return sizes;
}

/** The platform calls, repeated ones counted (`checkPublished ×1020`). */
function callsOf(plan: AccountPlan): string[] {
  const out: Array<{ call: string; times: number }> = [];
  for (const c of plan.calls) {
    const what =
      c.kind === 'publish' || c.kind === 'comment'
        ? c.answer
        : c.kind === 'find' || c.kind === 'findComment'
          ? c.found
          : undefined;
    const call = `${c.kind}${c.fault === 'ok' ? '' : `[${c.fault}]`}${what ? `→${what}` : ''}`;
    if (out.at(-1)?.call === call) out.at(-1)!.times += 1;
    else out.push({ call, times: 1 });
  }
  return out.map(({ call, times }) => (times > 1 ? `${call} ×${times}` : call));
}

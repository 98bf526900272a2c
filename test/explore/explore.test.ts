import { Worker } from '@temporalio/worker';
import { metricsWorkflowId } from '../../api/metrics-collection';
import { javaTestServer } from '../helpers/tools';
import { checkProperty, describeOutcome, failed, runAll } from './explore-runner';
import { REGRESSIONS } from './regressions';
import {
  enumerate,
  enumerateDispatched,
  FAMILIES,
  type FamilyName,
  type Schedule,
  withCompanion,
} from './schedule';
import { type Outcome, World } from './world';

/**
 * The exploration's CI form (docs/reliability.md, "Exploration"): on Temporal's time-skipping
 * test server, with the real workflow code and activities and each platform's fake,
 * - the named regression schedules (the counterexamples issue 14's defects were found by);
 * - every schedule with one fault on one of the first platform calls, for every family, each
 *   followed by the operator's retry;
 * - fast-check's random schedules (faults and operator and world events anywhere), seeded: two
 *   batches of up to 12, stopped after 45 s;
 * and replays the histories they left, as a restarted worker would.
 * The long form (`npm run explore`) adds every two-fault schedule and ≥ 10,000 in all.
 *
 * `EXPLORE_SCHEDULE='<json>'` runs one printed schedule alone.
 */
/** The families whose scheduled posts the CI form explores pre-dispatched (enumerateDispatched). */
const DISPATCHED_FAMILIES: FamilyName[] = ['sandbox', 'facebook-video', 'youtube', 'tiktok'];

/** Schedules run side by side: beyond this the run is bound by the worker's one thread, not by waits. */
const CONCURRENCY = 64;
/** The first test to read the pool waits for all of it (about 3 minutes here, more on a loaded CI). */
const POOL_TIMEOUT_MS = 20 * 60_000;
const SEED = Number(process.env.EXPLORE_SEED ?? 20_261_203);
const only = process.env.EXPLORE_SCHEDULE
  ? (JSON.parse(process.env.EXPLORE_SCHEDULE) as Schedule)
  : undefined;

jest.setTimeout(300_000);

let world: World;
const histories: Outcome[] = [];

beforeAll(async () => {
  world = await World.start({ testServer: javaTestServer() });
});
afterAll(async () => {
  await world?.stop();
});

/** The failures, printed one by one: a test failing here shows each schedule and how to replay it. */
const counterexamples = (outcomes: Outcome[]) => outcomes.filter(failed).map(describeOutcome);

if (only) {
  test('the given schedule keeps every invariant', async () => {
    const outcome = await world.run(only);
    process.stdout.write(`${describeOutcome(outcome)}\n`);
    expect(counterexamples([outcome])).toEqual([]);
  });
} else {
  // One pool for the regressions, every family's one-fault schedules and the companion ones:
  // time on the test server stands still while any activity runs, so a schedule whose worker is
  // cut off (`late`) holds every other schedule's timers for its heartbeat timeout. Started
  // first and side by side, those holds overlap instead of following one another (about a third
  // of the time of running family after family).
  const oneFault = FAMILIES.map((family) => enumerate(family, 1));
  const companions = withCompanion(enumerate('sandbox', 1));
  const dispatched = DISPATCHED_FAMILIES.map((family) => enumerateDispatched(family));
  const pooled = [
    ...REGRESSIONS.map((r) => r.schedule),
    ...oneFault.flat(),
    ...companions,
    ...dispatched.flat(),
  ];
  let pool: Promise<Map<Schedule, Outcome>>;
  const outcomesOf = async (schedules: readonly Schedule[]) => {
    const outcomes = await pool;
    return schedules.map((s) => outcomes.get(s)!);
  };
  beforeAll(() => {
    const holdsFirst = [...pooled].sort(
      (a, b) => Number(b.faults.includes('late')) - Number(a.faults.includes('late')),
    );
    pool = runAll(world, holdsFirst, CONCURRENCY).then(
      (outcomes) => new Map(holdsFirst.map((s, i) => [s, outcomes[i]!])),
    );
    pool.catch(() => undefined); // awaited by the tests below
  });

  describe('named regressions', () => {
    test.each(REGRESSIONS.map((r, i) => [r.name, i] as const))(
      '%s',
      async (_name, i) => {
        const [outcome] = await outcomesOf([REGRESSIONS[i]!.schedule]);
        histories.push(outcome!);
        expect(counterexamples([outcome!])).toEqual([]);
      },
      POOL_TIMEOUT_MS,
    );
  });

  // Without faults every family publishes (and comments where it does): an exploration whose
  // posts all fail for a reason of its own (a fake the adapter may not reach) proves nothing.
  test.each(FAMILIES.map((f) => [f]))('%s: without faults the post is published', async (family) => {
    const outcome = await world.run({ family, start: 'now', faults: [], events: [] });
    expect([outcome.status, outcome.ledger.length, outcome.verdict.violations]).toEqual(['published', 1, []]);
    const commented = world.families.get(family)!.comments !== undefined;
    expect(outcome.comments).toHaveLength(commented ? 1 : 0);
    // A thread's reply is reported where the family posts one (X): root first, then the reply.
    const threaded = world.families.get(family)!.replies !== undefined;
    expect(((outcome.targets[0]!.metadata.thread_post_ids as string[] | undefined) ?? []).length).toBe(
      threaded ? 2 : 0,
    );
  });

  test.each(FAMILIES.map((f, i) => [f, i] as const))(
    '%s: every one-fault schedule keeps every invariant',
    async (_family, i) => {
      const outcomes = await outcomesOf(oneFault[i]!);
      histories.push(...outcomes.filter((_, k) => k % 8 === 0));
      expect(counterexamples(outcomes)).toEqual([]);
    },
    POOL_TIMEOUT_MS,
  );

  // A post to two accounts, the second without faults: each fault leaves the post partial, and
  // the operator's retry re-runs the failed target beside the published one.
  test(
    'sandbox: every one-fault schedule with a companion target keeps every invariant',
    async () => {
      const outcomes = await outcomesOf(companions);
      histories.push(...outcomes.filter((_, i) => i % 8 === 0));
      expect(outcomes.some((o) => o.log.some((l) => l === 'retryFailed@settled: accepted'))).toBe(true);
      expect(outcomes.map((o) => o.companion?.status).filter((s) => s !== 'published')).toEqual([]);
      // Every post published its companion, so each started its metrics collection as it settled.
      const collection = world.env.client.workflow.getHandle(metricsWorkflowId(outcomes[0]!.postId));
      expect((await collection.describe()).type).toBe('collectPostMetrics');
      expect(counterexamples(outcomes)).toEqual([]);
    },
    POOL_TIMEOUT_MS,
  );

  // Scheduled posts dispatch their publish call ahead of the instant: one family per kind of
  // delivery (a plain call; a container made in prepare; an upload step; processing after the call).
  test.each(DISPATCHED_FAMILIES.map((f, i) => [f, i] as const))(
    '%s, scheduled (pre-dispatched): every one-fault schedule, and every change while the call waits, keeps every invariant',
    async (_family, i) => {
      const outcomes = await outcomesOf(dispatched[i]!);
      histories.push(...outcomes.filter((_, k) => k % 8 === 0));
      // A cancel while the call waits recalls it: the post ends cancelled, with no call made.
      const cancelled = outcomes.filter((o) => o.log.includes('cancel@dispatched: accepted'));
      expect(cancelled.length).toBeGreaterThan(0);
      expect(cancelled.map((o) => [o.status, o.ledger.length])).toEqual(
        cancelled.map(() => ['cancelled', 0]),
      );
      // An edit while the call waits is what goes out, once.
      const edited = outcomes.filter((o) => o.log.includes('editPost@dispatched: accepted'));
      expect(edited.length).toBeGreaterThan(0);
      expect(counterexamples(outcomes)).toEqual([]);
    },
    POOL_TIMEOUT_MS,
  );

  // Two seeded batches (the first two of the four CI ran before; about 25 s each): the one-fault
  // schedules above are what CI must cover, and random ones by the thousand are the long form's.
  test('random schedules (fast-check, seeded) keep every invariant', async () => {
    const result = await checkProperty(world, {
      seed: SEED,
      batches: 2,
      batchSize: 12,
      timeLimitMs: 45_000,
    });
    expect(result.counterexample ?? 'none').toBe('none');
  });

  test('the histories the schedules left replay on the current workflow code', async () => {
    const errors: string[] = [];
    for (const outcome of histories) {
      const history = await world.env.client.workflow.getHandle(outcome.postId).fetchHistory();
      const result = await Worker.runReplayHistory(
        { workflowBundle: world.bundle },
        history,
        outcome.postId,
      ).then(
        () => undefined,
        (err: unknown) => String(err),
      );
      if (result) errors.push(`${outcome.postId}: ${result}`);
    }
    expect(errors).toEqual([]);
  });
}

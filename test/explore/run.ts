/**
 * The exploration's long form from the command line (docs/reliability.md, "Exploration"):
 *
 *   npm run explore                      # every 1- and 2-fault schedule, random ones up to ≥ 10,000
 *   npm run explore -- --seed 1234       # repeat the random schedules of a run
 *   npm run explore -- --total 2000      # a shorter run
 *   npm run explore -- --shards 2        # two processes, each with its own test server
 *   npm run explore -- --batch 100       # a fresh test server every 100 schedules (default 200)
 *
 * Prints each distinct counterexample (shrunk by fast-check, with the JSON to replay it),
 * records the figures for docs/reliability.md (`npm run reliability:figures`), and exits 1 when
 * any schedule broke an invariant.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { recordFigures } from '../helpers/figures';
import { javaTestServer } from '../helpers/tools';
import { describeOutcome, failed, signatureOf } from './explore-runner';
import { LATE_LANDING_MS } from './fault-layer';
import { REGRESSIONS } from './regressions';
import { enumerate, FAMILIES, type FamilyName, type Schedule, scheduleArbitrary } from './schedule';
import { HISTORY_BOUND, type Outcome, SETTLE_BOUND_MS, World } from './world';

interface Settings {
  seed: number;
  total: number;
  concurrency: number;
  /** Processes, each with its own test server and world; the schedules are dealt round-robin. */
  shards: number;
  /** Schedules per test server: each batch starts a fresh one (see `runShard`). */
  batch: number;
  /** Only the first schedules of the plan: a smoke run of the runner itself. */
  first?: number;
  /** In a child: which share of the schedules it runs (`k/n`) and where it writes its results. */
  shard?: { k: number; n: number; out: string };
}

function settingsFrom(args: string[]): Settings {
  const raw = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const value = (name: string, fallback: number) => Number(raw(name) ?? fallback);
  const shard = raw('shard')?.split('/').map(Number);
  return {
    seed: value('seed', Date.now() % 1_000_000),
    total: value('total', 10_000),
    concurrency: value('concurrency', 8),
    shards: value('shards', 1),
    batch: value('batch', 200),
    ...(raw('first') ? { first: value('first', 0) } : {}),
    ...(shard ? { shard: { k: shard[0]!, n: shard[1]!, out: raw('out')! } } : {}),
  };
}

type Kind = 'regression' | '1-fault' | '2-fault' | 'random';
interface Planned {
  kind: Kind;
  schedule: Schedule;
}
/** What a shard reports per schedule: enough for the figures. */
interface Result {
  kind: Kind;
  family: FamilyName;
  violations: string[];
}
interface ShardReport {
  results: Result[];
  counterexamples: string[];
  /** Posts terminated while something of theirs still held time skipping (world.ts). */
  terminatedWhileHolding: number;
  /** Worlds given up on because their simulated time stopped (`runShard`). */
  abandonedWorlds: number;
}

/**
 * Every schedule of the run, in order: the named regressions, every 1- and 2-fault schedule of
 * each family, then fast-check's random schedules (from the seed) up to the total.
 */
function plan(settings: Settings): Planned[] {
  const planned: Planned[] = REGRESSIONS.map((r) => ({ kind: 'regression', schedule: r.schedule }));
  for (const family of FAMILIES) {
    planned.push(...enumerate(family, 1).map((schedule) => ({ kind: '1-fault' as const, schedule })));
    planned.push(...enumerate(family, 2).map((schedule) => ({ kind: '2-fault' as const, schedule })));
  }
  const random = Math.max(settings.total - planned.length, 0);
  const schedules = fc.sample(scheduleArbitrary(), { seed: settings.seed, numRuns: random });
  planned.push(...schedules.map((schedule) => ({ kind: 'random' as const, schedule })));
  return settings.first === undefined ? planned : planned.slice(0, settings.first);
}

/**
 * Runs `planned` on a fresh world (its own test server) per batch of `settings.batch`
 * schedules; shrinks one counterexample per kind of failure.
 *
 * Why fresh worlds: the test server can keep a workflow task's time-skipping hold after its
 * workflow closed (docs/reliability.md, "What keeps the test server moving"); from then on its
 * simulated time runs at wall-clock speed, and a schedule needs hours of it. A world whose time
 * stopped skipping is abandoned, and the schedules it had not finished run again, from the start,
 * on the next one. Only schedules that ran to their end count.
 */
async function runShard(planned: Planned[], settings: Settings, label: string): Promise<ShardReport> {
  const outcomes = new Map<number, Outcome>();
  let failing = 0;
  let terminatedWhileHolding = 0;
  let abandonedWorlds = 0;
  let pending = planned.map((_, i) => i);
  while (pending.length) {
    const batch = pending.slice(0, settings.batch);
    const world = await startWorld();
    const { finished, stalled } = await runUntilStalled(
      world,
      batch.map((i) => planned[i]!.schedule),
      settings,
    );
    finished.forEach((outcome, k) => {
      outcomes.set(batch[k]!, outcome);
      if (failed(outcome)) failing += 1;
    });
    terminatedWhileHolding += world.terminatedWhileHolding;
    if (stalled) {
      abandonedWorlds += 1;
      await world.abandon();
    } else {
      await world.stop().catch(() => undefined);
    }
    pending = pending.filter((i) => !outcomes.has(i));
    console.log(
      `[explore${label}] ${outcomes.size}/${planned.length} schedules, ${failing} failing so far` +
        (stalled
          ? `; simulated time stopped: ${batch.length - finished.size} schedules run again on a fresh test server`
          : ''),
    );
  }
  const ordered = planned.map((_, i) => outcomes.get(i)!);
  // One shrunk counterexample per kind of failure: fast-check shrinks from the first schedule found.
  const firstOf = new Map<string, number>();
  ordered.forEach((outcome, i) => {
    if (failed(outcome) && !firstOf.has(signatureOf(outcome))) firstOf.set(signatureOf(outcome), i);
  });
  const counterexamples: string[] = [];
  for (const [signature, i] of firstOf) {
    const world = await startWorld();
    try {
      const shrunk = await shrink(world, ordered[i]!.schedule, settings.seed);
      counterexamples.push(`${signature} (found by ${planned[i]!.kind})\n${describeOutcome(shrunk)}`);
    } finally {
      await world.stop().catch(() => undefined);
    }
  }
  return {
    results: ordered.map((o, i) => ({
      kind: planned[i]!.kind,
      family: o.schedule.family,
      violations: [...o.verdict.violations],
    })),
    counterexamples,
    terminatedWhileHolding,
    abandonedWorlds,
  };
}

const startWorld = () => World.start({ testServer: javaTestServer(), independentSlots: true });

/** How long simulated time may run no faster than the wall clock before a world counts as stalled. */
const STALL_WINDOW_MS = 60_000;

/**
 * Runs `schedules` on `world`, `settings.concurrency` at a time, until they are all done or its
 * simulated time stops skipping: no faster than the wall clock for STALL_WINDOW_MS (every timer
 * of a schedule would then take its full length in real time). Returns the outcomes by index.
 */
async function runUntilStalled(
  world: World,
  schedules: Schedule[],
  settings: Settings,
): Promise<{ finished: Map<number, Outcome>; stalled: boolean }> {
  const finished = new Map<number, Outcome>();
  let next = 0;
  let stalled = false;
  const lane = async () => {
    while (!stalled && next < schedules.length) {
      const i = next++;
      // A schedule on an abandoned world fails with its connection; it runs again on the next one.
      const outcome = await world.run(schedules[i]!).catch(() => undefined);
      if (outcome && !stalled) finished.set(i, outcome);
    }
  };
  const lanes = Promise.all(Array.from({ length: Math.min(settings.concurrency, schedules.length) }, lane));
  const samples: Array<{ wall: number; simulated: number }> = [];
  let watching: NodeJS.Timeout | undefined;
  const stall = new Promise<void>((resolve) => {
    watching = setInterval(() => {
      void world.simulatedNow().then((simulated) => {
        const wall = Date.now();
        samples.push({ wall, simulated: simulated ?? Number.NaN });
        const first = samples.find((s) => wall - s.wall <= STALL_WINDOW_MS)!;
        const spanned = wall - first.wall >= STALL_WINDOW_MS - 10_000;
        // Unanswered (NaN) counts as stalled too: a test server that stops answering is stuck.
        if (!spanned || simulated! - first.simulated > (wall - first.wall) * 1.5) return undefined;
        // Time crawls: a leaked hold, unless a running post holds it (a `late` call, say).
        return world.anyPostHoldsTime().then(async (holds) => {
          if (holds || stalled) return;
          stalled = true;
          if (process.env.EXPLORE_DIAGNOSE) {
            for (const [tail, ids] of await world.closedTails())
              console.log(`[explore] closed: ${ids.length} × ${tail} (${ids.slice(0, 3).join(' ')})`);
          }
          resolve();
        });
      });
    }, 10_000);
  });
  try {
    await Promise.race([lanes, stall]);
  } finally {
    clearInterval(watching);
  }
  return { finished, stalled };
}

/** Starts one child process per shard and gathers their reports. */
async function runShards(settings: Settings): Promise<ShardReport> {
  const dir = mkdtempSync(join(tmpdir(), 'postflow-explore-'));
  const reports = await Promise.all(
    Array.from({ length: settings.shards }, (_, k) => {
      const out = join(dir, `shard-${k}.json`);
      const args = [
        ...['--seed', String(settings.seed), '--total', String(settings.total)],
        ...[
          '--concurrency',
          String(settings.concurrency),
          '--batch',
          String(settings.batch),
          '--shard',
          `${k}/${settings.shards}`,
          '--out',
          out,
        ],
        ...(settings.first === undefined ? [] : ['--first', String(settings.first)]),
      ];
      const child = spawn(process.execPath, [__filename, ...args], { stdio: 'inherit' });
      return new Promise<ShardReport>((resolve, reject) =>
        child.on('exit', (code) =>
          code === 0
            ? resolve(JSON.parse(readFileSync(out, 'utf8')) as ShardReport)
            : reject(new Error(`explore shard ${k}/${settings.shards} exited with ${code}`)),
        ),
      );
    }),
  );
  return {
    results: reports.flatMap((r) => r.results),
    counterexamples: reports.flatMap((r) => r.counterexamples),
    terminatedWhileHolding: reports.reduce((sum, r) => sum + r.terminatedWhileHolding, 0),
    abandonedWorlds: reports.reduce((sum, r) => sum + r.abandonedWorlds, 0),
  };
}

async function main(): Promise<void> {
  const settings = settingsFrom(process.argv.slice(2));
  const planned = plan(settings);
  if (settings.shard) {
    const { k, n, out } = settings.shard;
    const mine = planned.filter((_, i) => i % n === k);
    writeFileSync(out, JSON.stringify(await runShard(mine, settings, ` ${k}/${n}`)));
    process.exit(0);
  }
  const started = Date.now();
  // The commit explored is the one checked out when the run began (HEAD may move during it).
  const explored = commit();
  const report = settings.shards > 1 ? await runShards(settings) : await runShard(planned, settings, '');
  for (const line of report.counterexamples) console.log(`[explore] counterexample: ${line}`);
  recordFigures('exploration', figures(report, settings, Date.now() - started, explored));
  const bad = report.results.filter((r) => r.violations.length > 0).length;
  console.log(
    `[explore] ${report.results.length} schedules, ${bad} broke an invariant: ${bad ? 'FAILED' : 'PASSED'}`,
  );
  process.exit(bad ? 1 : 0);
}

/** fast-check's shrinking, started from a failing schedule; returns the smallest failing outcome. */
async function shrink(world: World, schedule: Schedule, seed: number): Promise<Outcome> {
  let smallest: Outcome | undefined;
  await fc.check(
    fc.asyncProperty(scheduleArbitrary([schedule.family]), async (candidate) => {
      const outcome = await world.run(candidate);
      if (failed(outcome)) smallest = outcome;
      return !failed(outcome);
    }),
    { seed, numRuns: 1, examples: [[schedule]], interruptAfterTimeLimit: 300_000 },
  );
  return smallest ?? (await world.run(schedule));
}

function figures(
  { results, terminatedWhileHolding, abandonedWorlds }: ShardReport,
  settings: Settings,
  wallMs: number,
  explored: string,
) {
  const rows = FAMILIES.map((family) => {
    const of = results.filter((r) => r.family === family);
    const count = (kind: Kind) => of.filter((r) => r.kind === kind).length;
    const broken = (v: string) => of.filter((r) => r.violations.includes(v)).length;
    return [
      family,
      of.length,
      count('1-fault'),
      count('2-fault'),
      count('random') + count('regression'),
      broken('duplicate'),
      broken('phantom'),
      broken('blind-republish'),
      broken('overdue'),
      broken('history'),
    ];
  });
  return {
    columns: [
      'Family',
      'Schedules',
      '1-fault',
      '2-fault',
      'Random + regressions',
      'Duplicates',
      'Phantoms',
      'Blind republishes',
      'Overdue',
      'History over bound',
    ],
    rows,
    notes: [
      `${results.length} schedules in ${Math.round(wallMs / 60_000)} min (seed ${settings.seed}; ${settings.shards} process${settings.shards > 1 ? 'es' : ''}, ${settings.concurrency} schedules at once in each, a fresh test server every ${settings.batch} schedules), on Temporal's time-skipping test server with the real workflow code and activities and each platform's fake.`,
      `Bounds: every post final within ${SETTLE_BOUND_MS / 3_600_000} h of simulated time per delivery run; at most ${HISTORY_BOUND} history events per run; a late publish lands ${LATE_LANDING_MS / 60_000} min after its call.`,
      `Commit ${explored}. ${terminatedWhileHolding} posts were terminated while something of theirs still held time skipping, after a minute's wait (test/explore/world.ts). ${abandonedWorlds === 1 ? '1 test server was' : `${abandonedWorlds} test servers were`} abandoned when their simulated time stopped; the schedules not finished there ran again, from the start, on a fresh one (test/explore/run.ts).`,
    ],
  };
}

/** The commit the run explored, so the figures say which code they are about. */
function commit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
}

// A call on an abandoned world that the client's retry sends again after its channel closed
// throws from the retry's timer (`runShard`); the schedule it belonged to runs again anyway.
process.on('uncaughtException', (err) => {
  if (err.message === 'Channel has been shut down') return;
  console.error(err);
  process.exit(2);
});

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});

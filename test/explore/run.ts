/**
 * The exploration's long form from the command line (docs/reliability.md, "Exploration"):
 *
 *   npm run explore                      # every 1- and 2-fault schedule, random ones up to ≥ 10,000
 *   npm run explore -- --seed 1234       # repeat the random schedules of a run
 *   npm run explore -- --total 2000      # a shorter run
 *
 * Prints each distinct counterexample (shrunk by fast-check, with the JSON to replay it),
 * records the figures for docs/reliability.md (`npm run reliability:figures`), and exits 1 when
 * any schedule broke an invariant.
 */
import fc from 'fast-check';
import { recordFigures } from '../helpers/figures';
import { javaTestServer } from '../helpers/tools';
import { describeOutcome, failed, runAll, signatureOf } from './explore-runner';
import { LATE_LANDING_MS } from './fault-layer';
import { REGRESSIONS } from './regressions';
import { enumerate, FAMILIES, type Schedule, scheduleArbitrary } from './schedule';
import { HISTORY_BOUND, type Outcome, SETTLE_BOUND_MS, World } from './world';

interface Settings {
  seed: number;
  total: number;
  concurrency: number;
}

function settingsFrom(args: string[]): Settings {
  const value = (name: string, fallback: number) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  return {
    seed: value('seed', Date.now() % 1_000_000),
    total: value('total', 10_000),
    concurrency: value('concurrency', 32),
  };
}

type Kind = 'regression' | '1-fault' | '2-fault' | 'random';

async function main(): Promise<void> {
  const settings = settingsFrom(process.argv.slice(2));
  const started = Date.now();
  const world = await World.start({ testServer: javaTestServer() });
  const results: Array<{ kind: Kind; outcome: Outcome }> = [];
  const progress = (kind: Kind) => (outcome: Outcome, done: number) => {
    results.push({ kind, outcome });
    if (done % 250 === 0)
      console.log(
        `[explore] ${kind}: ${done} schedules, ${results.filter((r) => failed(r.outcome)).length} failing so far`,
      );
  };
  try {
    await runAll(
      world,
      REGRESSIONS.map((r) => r.schedule),
      settings.concurrency,
      progress('regression'),
    );
    for (const family of FAMILIES) {
      await runAll(world, enumerate(family, 1), settings.concurrency, progress('1-fault'));
      await runAll(world, enumerate(family, 2), settings.concurrency, progress('2-fault'));
    }
    const random = Math.max(settings.total - results.length, 0);
    const schedules = fc.sample(scheduleArbitrary(), { seed: settings.seed, numRuns: random });
    await runAll(world, schedules, settings.concurrency, progress('random'));

    // One shrunk counterexample per kind of failure: fast-check shrinks from the first schedule found.
    const firstOf = new Map<string, Outcome>();
    for (const { outcome } of results) {
      if (failed(outcome) && !firstOf.has(signatureOf(outcome))) firstOf.set(signatureOf(outcome), outcome);
    }
    const minimal: string[] = [];
    for (const [signature, outcome] of firstOf) {
      const shrunk = await shrink(world, outcome.schedule, settings.seed);
      minimal.push(`${signature} (found by ${labelOfKind(results, outcome)})\n${describeOutcome(shrunk)}`);
    }
    for (const line of minimal) console.log(`[explore] counterexample: ${line}`);
    recordFigures('exploration', figures(results, settings, Date.now() - started));
    const bad = results.filter((r) => failed(r.outcome)).length;
    console.log(
      `[explore] ${results.length} schedules, ${bad} broke an invariant: ${bad ? 'FAILED' : 'PASSED'}`,
    );
    await world.stop();
    process.exit(bad ? 1 : 0);
  } catch (err) {
    await world.stop().catch(() => undefined);
    throw err;
  }
}

const labelOfKind = (results: Array<{ kind: Kind; outcome: Outcome }>, outcome: Outcome) =>
  results.find((r) => r.outcome === outcome)?.kind ?? 'random';

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

function figures(results: Array<{ kind: Kind; outcome: Outcome }>, settings: Settings, wallMs: number) {
  const rows = FAMILIES.map((family) => {
    const of = results.filter((r) => r.outcome.schedule.family === family);
    const count = (kind: Kind) => of.filter((r) => r.kind === kind).length;
    const broken = (v: string) => of.filter((r) => r.outcome.verdict.violations.includes(v as never)).length;
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
      `${results.length} schedules in ${Math.round(wallMs / 60_000)} min (seed ${settings.seed}, ${settings.concurrency} at once), on Temporal's time-skipping test server with the real workflow code and activities and each platform's fake.`,
      `Bounds: every post final within ${SETTLE_BOUND_MS / 3_600_000} h of simulated time per delivery run; at most ${HISTORY_BOUND} history events per run; a late publish lands ${LATE_LANDING_MS / 60_000} min after its call.`,
    ],
  };
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});

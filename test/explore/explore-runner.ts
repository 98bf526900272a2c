import fc from 'fast-check';
import { labelOf, printSchedule, type Schedule, scheduleArbitrary } from './schedule';
import type { Outcome, World } from './world';

/** Runs schedules `concurrency` at a time on the world; outcomes in the schedules' order. */
export async function runAll(
  world: World,
  schedules: readonly Schedule[],
  concurrency: number,
  onOutcome?: (outcome: Outcome, done: number) => void,
): Promise<Outcome[]> {
  const outcomes: Outcome[] = new Array(schedules.length);
  let next = 0;
  let done = 0;
  // Nothing finished for a minute: say what is still running (a stuck schedule is a finding too).
  let lastDone = -1;
  const watchdog = setInterval(() => {
    if (done === lastDone)
      process.stdout.write(
        `[explore] no schedule finished for 60 s; running:\n  ${world.inFlightReport().join('\n  ')}\n`,
      );
    lastDone = done;
  }, 60_000);
  const lane = async () => {
    while (next < schedules.length) {
      const i = next++;
      outcomes[i] = await world.run(schedules[i]!);
      done += 1;
      onOutcome?.(outcomes[i]!, done);
      if (process.env.EXPLORE_VERBOSE)
        process.stdout.write(`[explore] done ${done}/${schedules.length}: ${labelOf(schedules[i]!)}\n`);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, schedules.length) }, lane));
  } finally {
    clearInterval(watchdog);
  }
  return outcomes;
}

export const failed = (outcome: Outcome) => outcome.verdict.violations.length > 0;

/** A counterexample as printed: its label, what broke, what happened, and the JSON to replay it. */
export function describeOutcome(outcome: Outcome): string {
  return [
    `${labelOf(outcome.schedule)} → ${outcome.status}`,
    ...outcome.targets.flatMap((t) =>
      t.error ? [`  target ${t.status}: ${t.error.code}: ${t.error.message}`] : [],
    ),
    ...outcome.verdict.details.map((d) => `  ✗ ${d}`),
    `  calls: ${outcome.calls.join(' ')}`,
    ...(outcome.log.length ? [`  events: ${outcome.log.join('; ')}`] : []),
    `  replay: EXPLORE_SCHEDULE='${printSchedule(outcome.schedule)}'`,
  ].join('\n');
}

/** What a failure is, for grouping: its violations and family. */
export const signatureOf = (outcome: Outcome) =>
  `${outcome.schedule.family}: ${outcome.verdict.violations.join('+')}`;

export interface PropertyResult {
  schedules: number;
  /** The shrunk counterexample, printed, when the property failed. */
  counterexample?: string;
  seed: number;
}

/**
 * fast-check over batches of schedules, each batch run concurrently: a failing batch shrinks
 * (fewer schedules, fewer faults and events, earlier calls) to a minimal failing schedule.
 */
export async function checkProperty(
  world: World,
  options: { seed: number; batches: number; batchSize: number; timeLimitMs: number },
): Promise<PropertyResult> {
  let schedules = 0;
  let lastFailure: Outcome | undefined;
  const result = await fc.check(
    fc.asyncProperty(
      fc.array(scheduleArbitrary(), { minLength: 1, maxLength: options.batchSize }),
      async (batch) => {
        const outcomes = await runAll(world, batch, options.batchSize);
        schedules += outcomes.length;
        const bad = outcomes.filter(failed);
        // The smallest failing schedule of the batch is what shrinking converges on.
        if (bad.length) lastFailure = bad.sort((a, b) => size(a.schedule) - size(b.schedule))[0];
        return bad.length === 0;
      },
    ),
    { seed: options.seed, numRuns: options.batches, interruptAfterTimeLimit: options.timeLimitMs },
  );
  return {
    schedules,
    seed: options.seed,
    ...(result.failed && lastFailure ? { counterexample: describeOutcome(lastFailure) } : {}),
  };
}

const size = (s: Schedule) => s.faults.filter((f) => f !== 'ok').length + s.events.length;

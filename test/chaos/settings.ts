/**
 * The two forms of the chaos run. The long form is the proof (`npm run chaos`); the short form
 * runs in CI (`test/integration/chaos.test.ts`, `npm run chaos -- --short`). Rates are picked so
 * that the long form reaches its minimums in about a quarter of an hour on two cores: a worker
 * takes a second or two to start from the prebuilt workflow bundle (more on a loaded machine), so
 * two workers are killed in turn.
 */
export interface ChaosSettings {
  form: 'short' | 'long';
  /** Seed of every random choice, printed so that a run can be repeated. */
  seed: number;
  /** Worker processes on the task queue, each killed and restarted on its own. */
  workers: number;
  /** The fault phase ends once all three minimums are reached … */
  minKills: number;
  minRestarts: number;
  minFaultMs: number;
  /** … or after this long, whatever was reached (the run then fails its minimums). */
  maxFaultMs: number;
  /** How long a worker serves (after it polls) before it is killed. */
  killAfterMs: [number, number];
  /** Half the kills are followed by a pause this long before the restart; the others by none. */
  restartPauseMs: [number, number];
  /** Time between two Temporal dev server restarts, and how long the server stays down. */
  serverRestartEveryMs: [number, number];
  serverDownMs: [number, number];
  /** Time between two new posts of the stream. */
  postEveryMs: [number, number];
  /** Sandbox accounts the posts go to (1–4 of them each). */
  sandboxAccounts: number;
  /** Also target the Mastodon and Bluesky fakes (their real adapters) with some posts. */
  fakes: boolean;
  /** After the faults stop: how long every post may take to reach a final state. */
  settleMs: number;
}

const SHORT: Omit<ChaosSettings, 'seed'> = {
  form: 'short',
  workers: 2,
  minKills: 20,
  minRestarts: 3,
  // The server restarts come closer together than the long form's, so that CI reaches the same
  // minimums (20 kills, 3 restarts) in about 75 s of faults rather than two minutes: the three
  // restarts set the pace; the kills (about one every 3 s) come well before.
  minFaultMs: 75_000,
  maxFaultMs: 6 * 60_000,
  killAfterMs: [1_000, 6_000],
  restartPauseMs: [500, 3_000],
  serverRestartEveryMs: [15_000, 25_000],
  serverDownMs: [1_000, 15_000],
  postEveryMs: [800, 2_500],
  sandboxAccounts: 4,
  fakes: true,
  // A publish call Temporal gave up on (its worker killed before the platform had the post) is
  // believed absent only after its deadline plus a margin, about 6 minutes after the call.
  settleMs: 9 * 60_000,
};

const LONG: Omit<ChaosSettings, 'seed'> = {
  ...SHORT,
  form: 'long',
  minKills: 200,
  minRestarts: 20,
  minFaultMs: 10 * 60_000,
  maxFaultMs: 25 * 60_000,
  killAfterMs: [500, 5_000],
  serverRestartEveryMs: [25_000, 45_000],
  postEveryMs: [1_000, 4_000],
  settleMs: 12 * 60_000,
};

/** The settings of a form; `seed` defaults to the clock. */
export function chaosSettings(form: 'short' | 'long', seed = Date.now() % 1_000_000_007): ChaosSettings {
  return { ...(form === 'short' ? SHORT : LONG), seed };
}

/** `--short` picks the short form, `--seed N` repeats a run. */
export function settingsFromArgs(argv: string[]): ChaosSettings {
  const seedAt = argv.indexOf('--seed');
  const seed = seedAt >= 0 ? Number(argv[seedAt + 1]) : undefined;
  if (seed !== undefined && !Number.isSafeInteger(seed)) throw new Error('--seed takes an integer.');
  return chaosSettings(argv.includes('--short') ? 'short' : 'long', seed);
}

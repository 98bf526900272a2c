import { AVAILABLE_PLATFORMS } from '../platforms/descriptors';
import { concurrencyLimits } from '../activities/platforms/limiter';

/**
 * Per-platform task queues (docs/deploy.md, "Sizing per platform"). By default every activity
 * runs on the main task queue and each worker limits its own calls per platform, so N workers
 * make N times the calls. A platform named in `POSTFLOW_PLATFORM_QUEUES` gets its own task queue,
 * `<task queue>-<platform>`, served by workers started with `--platforms`: Temporal then rates
 * the whole queue (`maxTaskQueueActivitiesPerSecond`), whatever the number of workers.
 *
 * Pure functions: the client and the CLI read the environment through them, tests call them directly.
 */

/** Platform slug → the task queue of its platform calls. Platforms not named use the main queue. */
export type PlatformQueues = Readonly<Record<string, string>>;

/** The task queue of one platform's calls: `<task queue>-<platform>`, e.g. `postflow-youtube`. */
export function platformQueueName(taskQueue: string, platform: string): string {
  return `${taskQueue}-${platform}`;
}

/**
 * A comma-separated list of platforms (`youtube, tiktok`), checked against the platforms this
 * build knows; `source` names the setting in the error. Empty or unset: none.
 */
export function parsePlatformList(raw: string | undefined, source: string): string[] {
  const names = (raw ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const known = AVAILABLE_PLATFORMS as readonly string[];
  const unknown = names.filter((name) => !known.includes(name));
  if (unknown.length) {
    throw new Error(
      `${source} names ${unknown.length === 1 ? 'an unknown platform' : 'unknown platforms'} ${unknown.map((n) => `"${n}"`).join(', ')}; use one of: ${known.join(', ')}.`,
    );
  }
  return [...new Set(names)];
}

/** `POSTFLOW_PLATFORM_QUEUES`: the platforms whose calls the client routes to their own queue. */
export function platformQueuesFrom(platforms: readonly string[], taskQueue: string): PlatformQueues {
  return Object.fromEntries(platforms.map((p) => [p, platformQueueName(taskQueue, p)]));
}

/**
 * The routing a new post carries in its input: the queues of the platforms it targets, nothing
 * for the others (they stay on the workflow's queue). Undefined when no target is routed, so a
 * post is started exactly as before the feature when it is off.
 */
export function routingFor(
  targets: ReadonlyArray<{ platform: string }>,
  queues: PlatformQueues,
): PlatformQueues | undefined {
  const routed = Object.fromEntries(
    [...new Set(targets.map((t) => t.platform))].filter((p) => queues[p]).map((p) => [p, queues[p]!]),
  );
  return Object.keys(routed).length ? routed : undefined;
}

/** The Temporal worker settings of one platform's queue. */
export interface PlatformWorkerSettings {
  platform: string;
  taskQueue: string;
  /** At most this many of the platform's activities at once in one worker (its concurrency). */
  maxConcurrentActivityTaskExecutions: number;
  /** Across every worker of the queue, at most this many activities start per second. Unset: no rate. */
  maxTaskQueueActivitiesPerSecond?: number;
}

/**
 * Settings of a `--platforms` worker's queue for `platform`: its concurrency is the same per-worker
 * limit the in-process limiter applies (`POSTFLOW_<PLATFORM>_CONCURRENCY`, else the platform's
 * rules), so the worker never takes a task it would only queue behind its limiter — it stays in
 * Temporal's queue for any free worker; `POSTFLOW_<PLATFORM>_ACTIVITIES_PER_SECOND` is the
 * server-side rate of the whole queue.
 */
export function platformWorkerSettings(
  platform: string,
  taskQueue: string,
  env: Record<string, string | undefined> = process.env,
): PlatformWorkerSettings {
  const rate = positiveNumber(env, `POSTFLOW_${platform.toUpperCase()}_ACTIVITIES_PER_SECOND`);
  return {
    platform,
    taskQueue: platformQueueName(taskQueue, platform),
    maxConcurrentActivityTaskExecutions: concurrencyLimits(env)(platform).max,
    ...(rate !== undefined ? { maxTaskQueueActivitiesPerSecond: rate } : {}),
  };
}

/** A rate such as `2` or `0.5` (one every two seconds); unset or empty: undefined. */
function positiveNumber(env: Record<string, string | undefined>, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`${name} must be a number above 0 (activities per second), got "${raw}".`);
  }
  return value;
}

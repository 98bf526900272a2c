import { AVAILABLE_PLATFORMS } from '../platforms/descriptors';

/**
 * Per-platform task queues (docs/deploy.md, "Sizing per platform"). By default every activity
 * runs on the main task queue and each worker limits its own calls per platform, so N workers
 * make N times the calls. A platform named in `POSTFLOW_PLATFORM_QUEUES` gets its own task queue,
 * `<task queue>-<platform>`, served by workers started with `--platforms`: Temporal then rates
 * the whole queue (`maxTaskQueueActivitiesPerSecond`), whatever the number of workers.
 *
 * Pure functions: the client and the CLI read the environment through them, tests call them directly.
 * The settings of a worker serving such a queue are the worker's (worker/platform-worker-settings.ts).
 */

/** Platform slug → the task queue of its platform calls. Platforms not named use the main queue. */
export type PlatformQueues = Readonly<Record<string, string>>;

/** The task queue of one platform's calls: `<task queue>-<platform>`, e.g. `postflow-youtube`. */
export function platformQueueName(taskQueue: string, platform: string): string {
  return `${taskQueue}-${platform}`;
}

/** The task queue of long uploads (`POSTFLOW_UPLOAD_QUEUE`): `<task queue>-uploads`. */
export function uploadQueueName(taskQueue: string): string {
  return `${taskQueue}-uploads`;
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

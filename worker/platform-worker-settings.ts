import { concurrencyLimits } from '../activities/platforms/limiter';
import { platformQueueName, uploadQueueName } from '../runtime/platform-queues';

/**
 * Activity slots a worker keeps for publish calls waiting for their instant (activities/dispatch-wait.ts)
 * when pre-dispatch is on (`POSTFLOW_PRE_DISPATCH_SECONDS` above 0).
 */
export const DISPATCH_SLOTS = 1_000;

/** DISPATCH_SLOTS with pre-dispatch on, else none. */
function dispatchSlots(env: Record<string, string | undefined>): number {
  return Number(env.POSTFLOW_PRE_DISPATCH_SECONDS ?? 0) > 0 ? DISPATCH_SLOTS : 0;
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
 * Temporal's queue for any free worker — plus, with pre-dispatch on, room for the publish calls
 * dispatched ahead of their instant, which wait in the worker without calling (DISPATCH_SLOTS);
 * `POSTFLOW_<PLATFORM>_ACTIVITIES_PER_SECOND` is the server-side rate of the whole queue.
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
    maxConcurrentActivityTaskExecutions: concurrencyLimits(env)(platform).max + dispatchSlots(env),
    ...(rate !== undefined ? { maxTaskQueueActivitiesPerSecond: rate } : {}),
  };
}

/** Long uploads one `--uploads` worker runs at once by default: each holds a chunk in memory, and a link. */
const UPLOAD_CONCURRENCY = 4;

/**
 * Settings of the upload queue's worker (`postflow worker --uploads`, `POSTFLOW_UPLOAD_QUEUE`):
 * `POSTFLOW_UPLOAD_CONCURRENCY` uploads at once (default 4), whatever their platform; no rate.
 */
export function uploadWorkerSettings(
  taskQueue: string,
  env: Record<string, string | undefined> = process.env,
): PlatformWorkerSettings {
  const raw = env.POSTFLOW_UPLOAD_CONCURRENCY?.trim();
  const max = raw ? Number(raw) : UPLOAD_CONCURRENCY;
  if (!Number.isSafeInteger(max) || max < 1)
    throw new Error(`POSTFLOW_UPLOAD_CONCURRENCY must be a whole number above 0, got "${raw}".`);
  return {
    platform: 'uploads',
    taskQueue: uploadQueueName(taskQueue),
    maxConcurrentActivityTaskExecutions: max,
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

import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import { msToNumber } from '@temporalio/common/lib/time';

/**
 * The Temporal Schedule that runs the token-upkeep job (workflows/token-upkeep.ts). Every worker
 * (`postflow worker`, `postflow dev`) makes sure it exists when it starts: creating it is
 * idempotent (one id per namespace; the second create fails with `ScheduleAlreadyRunning`, which is
 * fine), and a worker started with another interval or task queue updates it. So run every
 * worker with the same `POSTFLOW_TOKEN_UPKEEP_INTERVAL`. The overlap policy SKIP means one job
 * runs at a time, however many workers there are.
 */

export const TOKEN_UPKEEP_SCHEDULE_ID = 'postflow-token-upkeep';
export const TOKEN_UPKEEP_WORKFLOW = 'tokenUpkeep';
const DEFAULT_INTERVAL = '1 day';
/** More often than this would only hammer the platforms' token endpoints. */
const MIN_INTERVAL_MS = 60_000;
/** A run missed while Temporal was down is still taken within this long after it comes back. */
const CATCHUP_WINDOW = '1 day';

/** `POSTFLOW_TOKEN_UPKEEP_INTERVAL` in milliseconds (`1 day`, `12h`, `90m`…), or `off`. */
export function tokenUpkeepIntervalFrom(
  env: Record<string, string | undefined> = process.env,
): number | 'off' {
  const raw = (env.POSTFLOW_TOKEN_UPKEEP_INTERVAL ?? '').trim() || DEFAULT_INTERVAL;
  if (raw.toLowerCase() === 'off') return 'off';
  let ms: number;
  try {
    ms = msToNumber(raw as Parameters<typeof msToNumber>[0]);
  } catch {
    ms = NaN;
  }
  if (!Number.isFinite(ms) || ms < MIN_INTERVAL_MS) {
    throw new Error(
      `POSTFLOW_TOKEN_UPKEEP_INTERVAL must be a duration of at least a minute ("1 day", "12h") or "off", got "${raw}".`,
    );
  }
  return ms;
}

export type ScheduleChange = 'created' | 'updated' | 'unchanged' | 'deleted' | 'off';

/**
 * Creates the schedule, updates it when its interval or task queue differ, or, with `off`,
 * deletes it (so turning the job off takes effect without touching Temporal by hand).
 */
export async function ensureTokenUpkeepSchedule(
  client: Client,
  { taskQueue, interval }: { taskQueue: string; interval: number | 'off' },
): Promise<ScheduleChange> {
  const handle = client.schedule.getHandle(TOKEN_UPKEEP_SCHEDULE_ID);
  if (interval === 'off') {
    try {
      await handle.delete();
      return 'deleted';
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return 'off';
      throw err;
    }
  }
  try {
    await client.schedule.create({
      scheduleId: TOKEN_UPKEEP_SCHEDULE_ID,
      spec: { intervals: [{ every: interval }] },
      action: {
        type: 'startWorkflow',
        workflowType: TOKEN_UPKEEP_WORKFLOW,
        // Runs get this id plus the scheduled time, so a run is easy to find in the UI.
        workflowId: TOKEN_UPKEEP_SCHEDULE_ID,
        taskQueue,
        args: [],
        workflowExecutionTimeout: '6 hours',
      },
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: CATCHUP_WINDOW },
    });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const current = await handle.describe();
  const every = current.spec.intervals?.[0]?.every;
  if (
    current.spec.intervals?.length === 1 &&
    every !== undefined &&
    msToNumber(every) === interval &&
    current.action.taskQueue === taskQueue
  )
    return 'unchanged';
  await handle.update((previous) => ({
    ...previous,
    spec: { intervals: [{ every: interval }] },
    action: { ...previous.action, taskQueue },
  }));
  return 'updated';
}

/**
 * For worker start-up: keeps the schedule as configured and says so in the log. A Temporal that
 * refuses schedules must not keep the worker from publishing, so a failure is only logged.
 */
export async function keepTokenUpkeepScheduled(
  client: Client,
  taskQueue: string,
  log: (line: string) => void,
  env: Record<string, string | undefined> = process.env,
): Promise<void> {
  const interval = tokenUpkeepIntervalFrom(env);
  try {
    const change = await ensureTokenUpkeepSchedule(client, { taskQueue, interval });
    if (interval === 'off') {
      log(
        `Token upkeep: off (POSTFLOW_TOKEN_UPKEEP_INTERVAL=off)${change === 'deleted' ? '; schedule deleted' : ''}.`,
      );
    } else {
      log(
        `Token upkeep: schedule "${TOKEN_UPKEEP_SCHEDULE_ID}" every ${Math.round(interval / 60_000)} min on task queue "${taskQueue}" (${change}).`,
      );
    }
  } catch (err) {
    log(
      `Token upkeep: could not set up the schedule "${TOKEN_UPKEEP_SCHEDULE_ID}" (${err instanceof Error ? err.message : String(err)}); quiet Instagram and Threads accounts will not be renewed.`,
    );
  }
}

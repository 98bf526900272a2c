import {
  type Client,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import type { ScheduleSpec, ScheduleUpdateOptions } from '@temporalio/client';
import { ApiError } from '../api/errors';
import type { OccurrenceJob } from '../workflows/recurring-occurrence';

/** The occurrence workflow's type (workflows/recurring-occurrence.ts). */
export const OCCURRENCE_WORKFLOW_TYPE = 'recurringOccurrence';

/**
 * A missed occurrence (Temporal was down at its instant) is still taken if Temporal is back within
 * this long; older ones are skipped: a post an hour late is still useful, a day late mostly is not.
 */
export const RECURRING_CATCHUP_WINDOW = '1 hour';

/** When a recurring post's Schedule fires, in Temporal's terms (the service turns the API's rule into this). */
export interface ScheduleRule {
  /** Fixed interval: every `everyMs`, at the instants `offsetMs` past each multiple since the epoch. */
  interval?: { everyMs: number; offsetMs: number };
  cron?: string;
  /** IANA zone of `cron`. @default UTC */
  timeZone?: string;
  startAt?: Date;
  endAt?: Date;
  /** Occurrences left before it ends (an end by count). @default unlimited */
  remaining?: number;
}

/** A Schedule as the API shows it. */
export interface ScheduleState {
  paused: boolean;
  nextOccurrences: string[];
  occurrencesTaken: number;
  /** Left of an end by count; undefined without one. */
  remaining?: number;
}

export interface RecurringSchedulesOptions {
  temporal: Client;
  taskQueue: string;
  searchAttributes?: boolean;
  indexText?: boolean;
}

/**
 * Recurring posts' Temporal Schedules, one per recurring post with the recurring post's id. Each
 * fire starts the occurrence workflow (its workflow id: the recurring id plus the nominal instant,
 * appended by Temporal), which starts the occurrence's post.
 *
 * Policies, chosen deliberately (docs/api.md "Recurring posts"): overlap ALLOW_ALL, since each
 * occurrence has its own post and ids and an occurrence still waiting for a worker must not make
 * the next one be skipped (SKIP) or wait behind it (BUFFER); catch-up window
 * `RECURRING_CATCHUP_WINDOW`. A Schedule never starts two runs for one instant, and the post ids
 * make a second start for it a no-op anyway.
 */
export class RecurringSchedules {
  constructor(private readonly options: RecurringSchedulesOptions) {}

  /** Creates the Schedule; one that exists already (a repeated create) is left as it is. */
  async create(id: string, rule: ScheduleRule): Promise<void> {
    const { action, spec, policies, state } = this.scheduleOptions(id, rule, false);
    try {
      await this.options.temporal.schedule.create({ scheduleId: id, action, spec, policies, state });
    } catch (err) {
      if (err instanceof ScheduleAlreadyRunning) return;
      throw refused(err, rule);
    }
  }

  /** Replaces when it fires (and how many are left); keeps whether it is paused. */
  async update(id: string, rule: ScheduleRule): Promise<void> {
    try {
      await this.handle(id).update((previous) => this.scheduleOptions(id, rule, previous.state.paused));
    } catch (err) {
      throw refused(err, rule);
    }
  }

  async pause(id: string): Promise<void> {
    await this.handle(id).pause('Paused through the API.');
  }

  async resume(id: string): Promise<void> {
    await this.handle(id).unpause('Resumed through the API.');
  }

  /** Deletes the Schedule; an absent one is fine (a repeated delete). */
  async delete(id: string): Promise<void> {
    try {
      await this.handle(id).delete();
    } catch (err) {
      if (!(err instanceof ScheduleNotFoundError)) throw err;
    }
  }

  /** The Schedule's state, or undefined when it does not exist. */
  async describe(id: string): Promise<ScheduleState | undefined> {
    try {
      const d = await this.handle(id).describe();
      return {
        paused: d.state.paused,
        nextOccurrences: d.state.paused ? [] : d.info.nextActionTimes.map((t) => t.toISOString()),
        occurrencesTaken: d.info.numActionsTaken,
        ...(d.state.remainingActions !== undefined ? { remaining: d.state.remainingActions } : {}),
      };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return undefined;
      throw err;
    }
  }

  private handle(id: string) {
    return this.options.temporal.schedule.getHandle(id);
  }

  private scheduleOptions(id: string, rule: ScheduleRule, paused: boolean): ScheduleUpdateOptions {
    const job: OccurrenceJob = {
      recurringId: id,
      searchAttributes: this.options.searchAttributes !== false,
      indexText: this.options.indexText !== false,
    };
    const spec: ScheduleSpec = {
      ...(rule.interval
        ? { intervals: [{ every: rule.interval.everyMs, offset: rule.interval.offsetMs }] }
        : {}),
      ...(rule.cron ? { cronExpressions: [rule.cron], timezone: rule.timeZone ?? 'UTC' } : {}),
      ...(rule.startAt ? { startAt: rule.startAt } : {}),
      ...(rule.endAt ? { endAt: rule.endAt } : {}),
    };
    return {
      action: {
        type: 'startWorkflow',
        workflowType: OCCURRENCE_WORKFLOW_TYPE,
        // Temporal appends each occurrence's instant: `rec_…-2026-12-05T09:00:00Z`.
        workflowId: id,
        taskQueue: this.options.taskQueue,
        args: [job],
      },
      spec,
      policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL, catchupWindow: RECURRING_CATCHUP_WINDOW },
      state: { paused, ...(rule.remaining !== undefined ? { remainingActions: rule.remaining } : {}) },
    };
  }
}

/**
 * Temporal refusing the spec (a cron expression its parser does not take: the SDK turns "Invalid
 * schedule spec" into a TypeError with Temporal's reason) is the caller's 400.
 */
function refused(err: unknown, rule: ScheduleRule): unknown {
  const code = (err as { code?: unknown }).code ?? (err as { cause?: { code?: unknown } }).cause?.code;
  // gRPC INVALID_ARGUMENT
  if (!(err instanceof TypeError) && code !== 3) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new ApiError(400, 'validation.field_invalid', `Temporal refused the schedule: ${message}.`, {
    field: rule.cron ? 'cron' : 'interval',
  });
}

import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { ApplicationFailure, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { PostflowActivities } from '../activities';
import { type PostStartSettings, startPost } from './start-post';

/** What a recurring post's Schedule starts each occurrence with (gateway/recurring-schedules.ts). */
export interface OccurrenceJob extends PostStartSettings {
  recurringId: string;
}

/** What an occurrence did: started its post, found it started already, or found its recurring post deleted. */
export type OccurrenceOutcome = 'created' | 'duplicate' | 'deleted';

/** The store's side: a read and an idempotent write, retried freely. */
const { recurringOccurrencePost, recordRecurringOccurrence } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One occurrence of a recurring post, started by its Temporal Schedule: starts the occurrence's
 * post (a normal post workflow, abandoned child, scheduled at the occurrence's nominal instant)
 * and records it. The post's id is derived from the recurring post and that instant, so nothing
 * doubles: a worker killed mid-way resumes from history, and any second run for the same instant
 * (a catch-up, a retry) finds the post started and records the same one.
 */
export async function recurringOccurrence(job: OccurrenceJob): Promise<OccurrenceOutcome> {
  const occurrenceAt = nominalTime();
  const spec = await recurringOccurrencePost(job.recurringId, occurrenceAt);
  if (!spec) return 'deleted';
  const outcome = await startPost(spec, job);
  await recordRecurringOccurrence(job.recurringId, occurrenceAt, spec.id);
  return outcome;
}

/** What Temporal sets on each run a Schedule starts: the run's nominal instant. */
const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
/** `<schedule's workflow id>-<RFC 3339 instant>`: how a Schedule names the runs it starts. */
const SCHEDULED_ID = /-(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z)$/;

/**
 * The occurrence's nominal instant (the time the Schedule's spec gave, not when it ran): the
 * `TemporalScheduledStartTime` search attribute, which is in the run's start event (so a replay
 * reads it too), or else the instant Temporal appends to the workflow id. Not started by a
 * Schedule: refused.
 */
function nominalTime(): string {
  const { workflowId, typedSearchAttributes } = workflowInfo();
  const scheduled = typedSearchAttributes.get(SCHEDULED_START);
  if (scheduled) return new Date(scheduled).toISOString();
  const match = SCHEDULED_ID.exec(workflowId);
  if (!match) {
    throw ApplicationFailure.nonRetryable(
      `${workflowId} is not a run of a recurring post's Schedule (it has no scheduled instant).`,
      'recurring.not_scheduled',
    );
  }
  return new Date(match[1]!).toISOString();
}

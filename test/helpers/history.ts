import type { Client } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

/**
 * The classified failures of a post's platform calls, in order, as its workflow history recorded
 * them (`platform.x.timeout`, `platform.mastodon.rate_limit` …): what happened on the way to a
 * target's final state, which the Post resource does not keep. Assumes payloads are not encrypted.
 */
export async function publishFailureCodes(client: Client, postId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(postId).fetchHistory();
  const codes: string[] = [];
  for (const event of history.events ?? []) {
    const failure = event.activityTaskFailedEventAttributes?.failure;
    const payload = failure?.applicationFailureInfo?.details?.payloads?.[0];
    if (!payload) continue;
    const details = defaultPayloadConverter.fromPayload<{ code?: string }>(payload);
    if (details?.code) codes.push(details.code);
  }
  return codes;
}

/** The activity types a post's workflow scheduled, in order (`prepareTarget`, `publishTarget` …). */
export async function scheduledActivities(client: Client, postId: string): Promise<string[]> {
  const history = await client.workflow.getHandle(postId).fetchHistory();
  return (history.events ?? []).flatMap((event) => {
    const name = event.activityTaskScheduledEventAttributes?.activityType?.name;
    return name ? [name] : [];
  });
}

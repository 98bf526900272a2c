import { proxyActivities, sleep } from '@temporalio/workflow';
import type { PostSpec } from '../api/types';
import type { PostflowActivities } from '../activities';
import { type PostStartSettings, startPost } from './start-post';

/** What `recyclePost` runs on: the published evergreen post, and how posts are started. */
export interface RecycleJob extends PostStartSettings {
  /** The post that published, with its `recycle` (the rounds still to come). */
  spec: PostSpec;
}

/** A round started its post, found it started already, or the rounds ended (and why). */
export type RecycleOutcome = 'created' | 'duplicate' | `ended: ${string}`;

/** The store's side: a slot reservation that is repeatable, retried freely. */
const { queueRecycledRound } = proxyActivities<PostflowActivities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The next round of an evergreen post, started by the post's workflow when it published: waits
 * `after_days`, takes its queue's next free slot, and starts the round's post (a normal post
 * workflow, abandoned child). That post carries the rounds left, so it starts the round after it
 * when it publishes in turn. Nothing doubles: this workflow's id and the round's post id are
 * derived from the original post and the round.
 */
export async function recyclePost(job: RecycleJob): Promise<RecycleOutcome> {
  await sleep(job.spec.recycle!.afterDays * DAY_MS);
  const round = await queueRecycledRound(job.spec, new Date().toISOString());
  if ('ended' in round) return `ended: ${round.ended}`;
  return startPost(round.spec, job);
}

/** The workflow id of an evergreen post's round `round` (1 for the first recycle). */
export const recycleWorkflowId = (originId: string, round: number) =>
  `recycle_${originId.replace(/^post_/, '')}_${round}`;

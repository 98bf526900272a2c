import { ApiError } from '../api/errors';
import { recycledPostId, recycledSpec } from '../api/recycle';
import type { PostSpec } from '../api/types';
import { queueOfAccounts, reserveQueueEnd } from '../store/queue-lookup';
import type { Store } from '../store/types';

/** What became of an evergreen post's next round: its post, queued, or why the rounds end. */
export type RecycledRound = { spec: PostSpec } | { ended: string };

/** The store's side of an evergreen post's rounds (workflows/recycle-post.ts). */
export function createRecycleActivities({ store }: { store: Store }) {
  return {
    /**
     * The next round of a published evergreen post, its queue's next free slot after `dueAt` (the
     * round's workflow's clock) reserved for it.
     * Repeatable: the round's post id is derived, and a slot it holds already is the one it gets.
     * The rounds end when the accounts no longer come to one queue or the queue has no free slot.
     */
    async queueRecycledRound(source: PostSpec, dueAt: string): Promise<RecycledRound> {
      const now = new Date(dueAt);
      const accountIds = source.targets.map((t) => t.accountId);
      try {
        const queue = await queueOfAccounts(store, source.userId, accountIds, 'recycle');
        const id = recycledPostId(source.userId, source.recycle!.originId, source.recycle!.round + 1);
        const slotAt = await reserveQueueEnd(store, queue, id, now);
        if (!slotAt) return { ended: `queue ${queue.id} has no free slot` };
        return { spec: recycledSpec(source, slotAt, now) };
      } catch (err) {
        // The accounts were deleted or left their queue: a lasting answer, not a failure to retry.
        if (err instanceof ApiError) return { ended: err.message };
        throw err;
      }
    },
  };
}

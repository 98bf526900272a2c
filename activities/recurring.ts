import { occurrenceSpec } from '../api/recurring-occurrence';
import type { PostSpec } from '../api/types';
import type { Store } from '../store/types';

/** The store's side of a recurring post's occurrence (workflows/recurring-occurrence.ts). */
export function createRecurringActivities({ store }: { store: Store }) {
  return {
    /**
     * The post of one occurrence: the definition's spec with the occurrence's id and instant, or
     * null when the recurring post was deleted. The id is derived from the recurring post and the
     * instant, so the same occurrence always names the same post.
     */
    async recurringOccurrencePost(recurringId: string, occurrenceAt: string): Promise<PostSpec | null> {
      const found = await store.recurring.get(recurringId);
      return found ? occurrenceSpec(found, occurrenceAt) : null;
    },
    async recordRecurringOccurrence(
      recurringId: string,
      occurrenceAt: string,
      postId: string,
    ): Promise<void> {
      await store.recurring.recordOccurrence(recurringId, occurrenceAt, postId);
    },
  };
}

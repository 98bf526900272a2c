import { accountNotFound, validationError } from '../api/errors';
import { nextFreeSlot } from '../api/queue-slots';
import type { Queue, Store } from './types';

/**
 * The queue a post to `accountIds` takes its slot in: each account's own queue, else its brand's.
 * Every account must come to the same queue: a post has one instant.
 */
export async function queueOfAccounts(
  store: Store,
  userId: string,
  accountIds: readonly string[],
  /** The request field the answer is about: `queue`, or `recycle` (its rounds take slots). */
  field = 'queue',
): Promise<Queue> {
  const byAccount = new Map<string, Queue | undefined>();
  for (const id of accountIds) {
    const account = await store.getAccount(id, userId);
    if (!account) throw accountNotFound(id);
    byAccount.set(
      id,
      (await store.queues.ofAccount(id)) ??
        (account.brandId ? await store.queues.ofBrand(account.brandId) : undefined),
    );
  }
  const missing = [...byAccount].filter(([, q]) => !q).map(([id]) => id);
  if (missing.length) {
    throw validationError([
      {
        field,
        code: 'validation.field_invalid',
        message: `account(s) ${missing.join(', ')} have no queue (neither their own nor their brand's); create one with POST /v1/queues${field === 'queue' ? ', or give scheduled_at' : ''}.`,
      },
    ]);
  }
  const ids = new Set([...byAccount.values()].map((q) => q!.id));
  if (ids.size > 1) {
    throw validationError([
      {
        field,
        code: 'validation.field_invalid',
        message: `the accounts are in different queues (${[...ids].join(', ')}); a queued post takes one slot, so queue one post per queue.`,
      },
    ]);
  }
  return [...byAccount.values()][0]!;
}

/**
 * Reserves the queue's next free slot after `now` for the post (at the end of the queue); the
 * slot it holds already when it has one (a repeat takes the same); undefined when the queue has
 * no free slot.
 */
export async function reserveQueueEnd(
  store: Store,
  queue: Queue,
  postId: string,
  now: Date,
): Promise<string | undefined> {
  return store.queues.locked(queue.id, async (slots) => {
    const held = await slots.of(postId);
    if (held) return held.slotAt;
    const upcoming = await slots.upcoming(now.toISOString());
    const slotAt = nextFreeSlot(queue, now, new Set(upcoming.map((r) => r.slotAt)));
    return slotAt && (await slots.reserve(postId, slotAt)) ? slotAt : undefined;
  });
}

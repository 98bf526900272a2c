import { ApiError } from '../api/errors';
import { slotsAfter, upcomingSlots } from '../api/queue-slots';
import { reserveQueueEnd } from '../store/queue-lookup';
import type { PostGateway } from '../gateway';
import type { Queue, QueueReservation, Store } from '../store/types';

/** Where a new post goes in its queue: the next free slot, or the head (`share next`). */
export type QueuePlacement = 'end' | 'next';

/** A reservation younger than this whose post does not exist is a create still under way. */
const ORPHAN_AFTER_MS = 2 * 60_000;

/** The statuses in which a post still waits for its slot (the reschedule Update takes them). */
const WAITING = new Set(['draft', 'pending_approval', 'scheduled']);

/**
 * Which post holds which slot of a queue. Every change takes the queue's lock in the store (one
 * transaction, so API processes take turns), and the store's key (queue, slot) keeps two posts
 * out of one slot whatever happens. Post workflows learn their new instant through the gateway's
 * reschedule Update after the store committed; `settle` compares each queued post with its slot
 * and repairs what a crash between the two left behind.
 */
export class QueuePlanner {
  constructor(private readonly deps: { store: Store; gateway: PostGateway }) {}

  /**
   * Reserves a slot for a post about to be created and returns its instant. A post that holds a
   * slot already (a repeated request with the same idempotency key) keeps it. `next` takes the
   * first upcoming slot and moves each queued post down into the next slot until a free one; the
   * posts moved are rescheduled once the post is started (`rescheduleMoved`).
   */
  async reserve(
    queue: Queue,
    postId: string,
    placement: QueuePlacement,
    now = new Date(),
  ): Promise<{ slotAt: string; moved: QueueReservation[] }> {
    if (placement === 'end') {
      const slotAt = await reserveQueueEnd(this.deps.store, queue, postId, now);
      if (!slotAt) throw noSlot(queue);
      return { slotAt, moved: [] };
    }
    return this.deps.store.queues.locked(queue.id, async (slots) => {
      const held = await slots.of(postId);
      if (held) return { slotAt: held.slotAt, moved: [] };
      const upcoming = await slots.upcoming(now.toISOString());
      const holder = new Map(upcoming.map((r) => [r.slotAt, r]));
      const moved: QueueReservation[] = [];
      let slotAt: string | undefined;
      for (const slot of slotsAfter(queue, now)) {
        const at = slot.toISOString();
        slotAt ??= at;
        const pushed = holder.get(at);
        if (moved.length) moved[moved.length - 1] = { ...moved[moved.length - 1], slotAt: at };
        if (!pushed) break;
        moved.push({ ...pushed });
      }
      if (!slotAt) throw noSlot(queue);
      await slots.move(moved);
      if (!(await slots.reserve(postId, slotAt))) throw noSlot(queue);
      return { slotAt, moved };
    });
  }

  /**
   * Re-plans a queue after its slots or time zone changed: its queued posts keep their order and
   * take its first upcoming slots, then every queued post is settled (rescheduled where its
   * instant differs). Returns the posts whose Update failed (a 503: run it again).
   */
  async replan(queue: Queue, now = new Date()): Promise<string[]> {
    await this.deps.store.queues.locked(queue.id, async (slots) => {
      const upcoming = await slots.upcoming(now.toISOString());
      const instants = upcomingSlots(queue, now, upcoming.length);
      const moves = upcoming
        .map((r, i) => ({ postId: r.postId, slotAt: instants[i] }))
        .filter((m, i) => m.slotAt !== undefined && m.slotAt !== upcoming[i].slotAt);
      await slots.move(moves);
    });
    return this.settle(queue, now);
  }

  /**
   * Brings each post holding an upcoming slot to its slot's instant: a post that moved is
   * rescheduled (its workflow's reschedule Update); a post that no longer waits (published,
   * cancelled) or no longer exists frees its slot. Returns the ids whose Update failed.
   */
  async settle(queue: Queue, now = new Date()): Promise<string[]> {
    const { store, gateway } = this.deps;
    const failed: string[] = [];
    for (const r of await store.queues.upcoming(queue.id, now.toISOString())) {
      try {
        if (!(await gateway.workflows.exists(r.postId))) {
          if (now.getTime() - Date.parse(r.createdAt) > ORPHAN_AFTER_MS) await this.release(r.postId);
          continue;
        }
        const post = await gateway.workflows.post(r.postId);
        if (!WAITING.has(post.status)) await this.release(r.postId);
        else if (post.scheduled_at !== r.slotAt) await gateway.workflows.reschedule(r.postId, r.slotAt);
      } catch {
        // Temporal could not be asked or did not answer (no worker, a restart: what it answers
        // then varies with timing). The post keeps its instant and the re-plan is repeated.
        failed.push(r.postId);
      }
    }
    return failed;
  }

  /** Reschedules the posts `reserve` moved down (best effort: `settle` repairs a failure). */
  async rescheduleMoved(moved: readonly QueueReservation[]): Promise<void> {
    for (const r of moved)
      await this.deps.gateway.workflows.reschedule(r.postId, r.slotAt).catch(() => undefined);
  }

  /** Frees the slot a post holds, if any (it was cancelled, published now or given an instant). */
  async release(postId: string): Promise<void> {
    const queueId = await this.deps.store.queues.holding(postId);
    if (queueId) await this.deps.store.queues.locked(queueId, (slots) => slots.release(postId));
  }
}

function noSlot(queue: Queue): ApiError {
  return new ApiError(
    409,
    'queue.no_free_slot',
    `Queue ${queue.id} has no free upcoming slot; add slots with PATCH /v1/queues/${queue.id}.`,
    { resource: 'queue', id: queue.id },
  );
}

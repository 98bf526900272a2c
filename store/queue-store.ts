import { ulid } from 'ulid';
import { queueNotFound } from '../api/errors';
import type { WeeklySlot } from '../api/queue-slots';
import type { SqlDatabase, SqlStatements } from './sql';
import type { LockedQueueSlots, Queue, QueueReservation, QueueStore } from './types';

interface QueueRow {
  id: string;
  user_id: string;
  account_id: string | null;
  brand_id: string | null;
  timezone: string;
  slots: string;
  created_at: string;
  updated_at: string;
}

interface ReservationRow {
  post_id: string;
  slot_at: string;
  created_at: string;
}

const now = () => new Date().toISOString();

/** The queues and their reservations over SQLite or PostgreSQL (see `QueueStore`). */
export function queueStore(db: SqlDatabase): QueueStore {
  const one = async (sql: string, params: unknown[]) => {
    const row = await db.get<QueueRow>(`SELECT * FROM queues WHERE ${sql}`, params);
    return row && toQueue(row);
  };
  return {
    async create({ id, userId, accountId, brandId, timezone, slots }) {
      const at = now();
      const queue: Queue = {
        id: id ?? `queue_${ulid()}`,
        userId,
        accountId,
        brandId,
        timezone,
        slots,
        createdAt: at,
        updatedAt: at,
      };
      // The unique indexes on account_id and brand_id refuse a second queue for either.
      const created = await db.run(
        `INSERT INTO queues (id, user_id, account_id, brand_id, timezone, slots, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
        [queue.id, userId, accountId, brandId, timezone, JSON.stringify(slots), at, at],
      );
      return created ? queue : undefined;
    },
    async get(id, userId) {
      const queue = await one('id = ?', [id]);
      return queue && (userId === undefined || queue.userId === userId) ? queue : undefined;
    },
    async list(userId) {
      const rows = await db.all<QueueRow>('SELECT * FROM queues WHERE user_id = ? ORDER BY id', [userId]);
      return rows.map(toQueue);
    },
    ofAccount: (accountId) => one('account_id = ?', [accountId]),
    ofBrand: (brandId) => one('brand_id = ?', [brandId]),
    async update(id, { timezone, slots }) {
      const at = now();
      if (timezone !== undefined)
        await db.run('UPDATE queues SET timezone = ?, updated_at = ? WHERE id = ?', [timezone, at, id]);
      if (slots !== undefined)
        await db.run('UPDATE queues SET slots = ?, updated_at = ? WHERE id = ?', [
          JSON.stringify(slots),
          at,
          id,
        ]);
      return this.get(id);
    },
    async remove(id) {
      return db.transaction(async (tx) => {
        await tx.run('DELETE FROM queue_slots WHERE queue_id = ?', [id]);
        return (await tx.run('DELETE FROM queues WHERE id = ?', [id])) > 0;
      });
    },
    async holding(postId) {
      const row = await db.get<{ queue_id: string }>('SELECT queue_id FROM queue_slots WHERE post_id = ?', [
        postId,
      ]);
      return row?.queue_id;
    },
    upcoming: (queueId, from) => upcoming(db, queueId, from),
    locked(queueId, work) {
      return db.transaction(async (tx) => {
        // A change to the queue's row locks it on PostgreSQL until the transaction ends (SQLite
        // holds the write lock already), so every change to one queue waits for the one before.
        // A queue deleted meanwhile has no slots to take.
        const found = await tx.run('UPDATE queues SET updated_at = updated_at WHERE id = ?', [queueId]);
        if (!found) throw queueNotFound(queueId);
        return work(lockedSlots(tx, queueId));
      });
    },
  };
}

function lockedSlots(tx: SqlStatements, queueId: string): LockedQueueSlots {
  return {
    upcoming: (from) => upcoming(tx, queueId, from),
    async of(postId) {
      const row = await tx.get<ReservationRow>(
        'SELECT post_id, slot_at, created_at FROM queue_slots WHERE queue_id = ? AND post_id = ?',
        [queueId, postId],
      );
      return row && toReservation(row);
    },
    async reserve(postId, slotAt) {
      const inserted = await tx.run(
        'INSERT INTO queue_slots (queue_id, slot_at, post_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
        [queueId, slotAt, postId, now()],
      );
      return inserted > 0;
    },
    async move(moves) {
      // Each post first leaves its slot for a place of its own, so that a post may take the slot
      // another one leaves in this same move.
      for (const { postId } of moves) {
        await tx.run('UPDATE queue_slots SET slot_at = ? WHERE queue_id = ? AND post_id = ?', [
          `moving:${postId}`,
          queueId,
          postId,
        ]);
      }
      for (const { postId, slotAt } of moves) {
        await tx.run('UPDATE queue_slots SET slot_at = ? WHERE queue_id = ? AND post_id = ?', [
          slotAt,
          queueId,
          postId,
        ]);
      }
    },
    async release(postId) {
      return (
        (await tx.run('DELETE FROM queue_slots WHERE queue_id = ? AND post_id = ?', [queueId, postId])) > 0
      );
    },
  };
}

async function upcoming(db: SqlStatements, queueId: string, from: string): Promise<QueueReservation[]> {
  const rows = await db.all<ReservationRow>(
    'SELECT post_id, slot_at, created_at FROM queue_slots WHERE queue_id = ? AND slot_at >= ? ORDER BY slot_at',
    [queueId, from],
  );
  return rows.map(toReservation);
}

function toQueue(r: QueueRow): Queue {
  return {
    id: r.id,
    userId: r.user_id,
    accountId: r.account_id,
    brandId: r.brand_id,
    timezone: r.timezone,
    slots: JSON.parse(r.slots) as WeeklySlot[],
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toReservation(r: ReservationRow): QueueReservation {
  return { postId: r.post_id, slotAt: r.slot_at, createdAt: r.created_at };
}

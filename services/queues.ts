import { ulid } from 'ulid';
import { accountNotFound, ApiError, queueNotFound, validationError } from '../api/errors';
import {
  type CreateQueueBody,
  createQueueSchema,
  QUEUE_UPCOMING_MAX,
  type QueueResource,
  type QueueWithSlots,
  slotGroupsOf,
  updateQueueSchema,
  weeklySlotsOf,
} from '../api/queue-schemas';
import { localIso, upcomingSlots } from '../api/queue-slots';
import { zodIssues } from '../api/zod-issues';
import type { PostGateway } from '../gateway';
import type { Queue, Store } from '../store/types';
import { ownBrand } from './brands';
import { type Created, createOnce, type IdempotencyKeyHeader } from './idempotency';
import { QueuePlanner } from './queue-planner';

export interface QueueServiceDeps {
  store: Store;
  gateway: PostGateway;
}

/** How many upcoming slots `GET /v1/queues/{id}` shows when not asked. */
const DEFAULT_UPCOMING = 10;

export function queueResource(q: Queue): QueueResource {
  return {
    id: q.id,
    account_id: q.accountId,
    brand_id: q.brandId,
    timezone: q.timezone,
    slots: slotGroupsOf(q.slots),
    created_at: q.createdAt,
    updated_at: q.updatedAt,
  };
}

/**
 * Posting queues (docs/api.md "Queues"): weekly slots in a time zone for an account or a brand's
 * accounts. `POST /v1/posts` with `queue` takes a slot (PostsService, through QueuePlanner);
 * here: the queues themselves, what their slots hold, and re-planning when the slots change.
 * Another user's queue is as absent as a missing one.
 */
export class QueueService {
  private readonly planner: QueuePlanner;

  constructor(private readonly deps: QueueServiceDeps) {
    this.planner = new QueuePlanner(deps);
  }

  async create(
    userId: string,
    input: unknown,
    idempotencyKey?: IdempotencyKeyHeader,
  ): Promise<Created<QueueResource>> {
    const { store } = this.deps;
    const parsed = createQueueSchema.safeParse(input ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const body = parsed.data;
    const owner = await this.ownerOf(userId, body);
    const { resource, replayed } = await createOnce(
      store,
      userId,
      'queues',
      idempotencyKey,
      `queue_${ulid()}`,
      (id) => store.queues.get(id, userId),
      async (id) => {
        const queue = await store.queues.create({
          id,
          userId,
          ...owner,
          timezone: body.timezone,
          slots: weeklySlotsOf(body.slots),
        });
        if (!queue) throw await this.taken(owner);
        return queue;
      },
    );
    return { resource: queueResource(resource), replayed };
  }

  async list(userId: string): Promise<{ count: number; data: QueueResource[] }> {
    const data = (await this.deps.store.queues.list(userId)).map(queueResource);
    return { count: data.length, data };
  }

  /**
   * The queue with its next `count` slots and every later slot a post holds, each with its post.
   */
  async get(userId: string, id: string, { count }: { count?: number } = {}): Promise<QueueWithSlots> {
    return this.withSlots(await this.owned(userId, id), count);
  }

  /**
   * Changes the slots or the time zone, then re-plans: the queued posts keep their order and take
   * the first upcoming slots, each post's workflow rescheduled. An empty body re-plans only, which
   * finishes a re-plan a failure cut short (503 `queue.replan_incomplete` names the posts).
   */
  async update(userId: string, id: string, body: unknown): Promise<QueueWithSlots> {
    const queue = await this.owned(userId, id);
    const parsed = updateQueueSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { timezone, slots } = parsed.data;
    const patch = {
      ...(timezone !== undefined ? { timezone } : {}),
      ...(slots !== undefined ? { slots: weeklySlotsOf(slots) } : {}),
    };
    const updated = Object.keys(patch).length ? (await this.deps.store.queues.update(id, patch))! : queue;
    const failed = await this.planner.replan(updated);
    if (failed.length) {
      throw new ApiError(
        503,
        'queue.replan_incomplete',
        `The queue was saved but ${failed.length} queued post(s) could not be rescheduled now (is a worker running?); send PATCH /v1/queues/${id} with {} to finish the re-plan.`,
        { id, post_ids: failed },
      );
    }
    return this.withSlots(updated);
  }

  /** Deletes the queue; its posts keep their instants and leave the queue. */
  async remove(userId: string, id: string): Promise<void> {
    const queue = await this.owned(userId, id);
    await this.deps.store.queues.remove(queue.id);
  }

  private async withSlots(queue: Queue, count = DEFAULT_UPCOMING): Promise<QueueWithSlots> {
    const now = new Date();
    const held = await this.deps.store.queues.upcoming(queue.id, now.toISOString());
    const holder = new Map(held.map((r) => [r.slotAt, r.postId]));
    const instants = new Set(upcomingSlots(queue, now, Math.min(count, QUEUE_UPCOMING_MAX)));
    for (const r of held) instants.add(r.slotAt);
    return {
      ...queueResource(queue),
      upcoming: [...instants].sort().map((at) => ({
        at,
        local_time: localIso(Date.parse(at), queue.timezone),
        post_id: holder.get(at) ?? null,
      })),
    };
  }

  private async ownerOf(
    userId: string,
    { account_id, brand_id }: CreateQueueBody,
  ): Promise<{ accountId: string | null; brandId: string | null }> {
    if (!!account_id === !!brand_id) {
      throw validationError([
        {
          field: 'account_id',
          code: 'validation.field_invalid',
          message:
            'give either account_id (a queue for one account) or brand_id (one for a brand), not both or neither.',
        },
      ]);
    }
    if (account_id) {
      const account = await this.deps.store.getAccount(account_id, userId);
      if (!account) throw accountNotFound(account_id, 'account_id');
      return { accountId: account.id, brandId: null };
    }
    const brand = await ownBrand(this.deps.store, userId, brand_id!, 'brand_id');
    return { accountId: null, brandId: brand.id };
  }

  private async taken(owner: { accountId: string | null; brandId: string | null }): Promise<ApiError> {
    const { store } = this.deps;
    const existing = owner.accountId
      ? await store.queues.ofAccount(owner.accountId)
      : await store.queues.ofBrand(owner.brandId!);
    const what = owner.accountId ? `Account ${owner.accountId}` : `Brand ${owner.brandId}`;
    return new ApiError(
      409,
      'queue.exists',
      `${what} has a queue already (${existing?.id}); change its slots with PATCH /v1/queues/${existing?.id}.`,
      { resource: 'queue', id: existing?.id ?? null, field: owner.accountId ? 'account_id' : 'brand_id' },
    );
  }

  private async owned(userId: string, id: string): Promise<Queue> {
    const queue = await this.deps.store.queues.get(id, userId);
    if (!queue) throw queueNotFound(id);
    return queue;
  }
}

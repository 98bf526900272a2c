import { ApiError } from '../api/errors';
import { DEFAULT_IDEMPOTENCY_KEY_DAYS } from '../store/types';
import type { Store } from '../store/types';

/** The store's idempotency scope of post keys. */
const POST_KEYS = 'posts';
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The store's record of which post each `Idempotency-Key` made. It outlives Temporal's retention
 * (`idempotencyKeyDays`), so a repeat past it is refused rather than published again.
 */
export class PostKeys {
  constructor(private readonly deps: { store: Store; idempotencyKeyDays?: number }) {}

  /** The post id the store remembers for a key; keys older than `idempotencyKeyDays` are forgotten first. */
  async recorded(userId: string, key: string): Promise<string | undefined> {
    const keys = this.deps.store.idempotency;
    const days = this.deps.idempotencyKeyDays ?? DEFAULT_IDEMPOTENCY_KEY_DAYS;
    await keys.purge(POST_KEYS, new Date(Date.now() - days * DAY_MS));
    return keys.find(userId, POST_KEYS, key);
  }

  async remember(userId: string, key: string, id: string): Promise<void> {
    await this.deps.store.idempotency.reserve(userId, POST_KEYS, key, id);
  }
}

/** A repeat of a key whose post Temporal no longer keeps: refused, so it is not published twice. */
export function postGone(id: string): ApiError {
  return new ApiError(
    409,
    'idempotency.post_gone',
    `This Idempotency-Key already created ${id}, which has passed Temporal's retention and can no longer be shown; it was not published again. Send a new key to publish a new post.`,
    { id },
  );
}

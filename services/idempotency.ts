import { ApiError } from '../api/errors';
import type { Store } from '../store/types';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The `Idempotency-Key` header as the request sent it (absent, once, or repeated). */
export type IdempotencyKeyHeader = string | string[] | undefined;

/** What a creating call made, and whether it is what an earlier request with its key made. */
export interface Created<T> {
  resource: T;
  /** True when the key's earlier request made it (the answer carries `Idempotent-Replayed: true`). */
  replayed: boolean;
}

/** The `Idempotency-Key`, checked; undefined when absent. */
export function checkIdempotencyKey(key: IdempotencyKeyHeader): string | undefined {
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !KEY.test(key)) {
    throw new ApiError(
      400,
      'validation.field_invalid',
      'Idempotency-Key must be 1–255 printable ASCII characters.',
      {
        field: 'Idempotency-Key',
      },
    );
  }
  return key;
}

/**
 * Creates a resource at most once per idempotency key: the key is reserved for the new id before
 * anything is created, a repeat returns what the first request made (`replayed`), and a creation
 * that fails releases the key. The key is checked here, after the caller's own checks of the
 * body, so a request with both wrong is told about its body first (posts differ: their route
 * checks the key first, since a repeat is answered whatever its body).
 */
export async function createOnce<T>(
  store: Store,
  userId: string,
  scope: string,
  idempotencyKey: IdempotencyKeyHeader,
  newId: string,
  find: (id: string) => Promise<T | undefined>,
  create: (id: string) => Promise<T>,
): Promise<Created<T>> {
  const key = checkIdempotencyKey(idempotencyKey);
  if (!key) return { resource: await create(newId), replayed: false };
  const holder = await store.idempotency.reserve(userId, scope, key, newId);
  if (holder !== newId) {
    const existing = await find(holder);
    if (!existing) {
      throw new ApiError(
        409,
        'idempotency.in_progress',
        'A request with this Idempotency-Key is still being processed; retry shortly.',
      );
    }
    return { resource: existing, replayed: true };
  }
  try {
    return { resource: await create(newId), replayed: false };
  } catch (err) {
    await store.idempotency.release(userId, scope, key);
    throw err;
  }
}

import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api/errors';
import type { Store } from '../store/types';

const KEY = /^[\x21-\x7e]{1,255}$/;

/** The request's `Idempotency-Key`, checked; undefined when absent. */
export function idempotencyKeyOf(request: FastifyRequest): string | undefined {
  const key = request.headers['idempotency-key'];
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
 * anything is created, a repeat returns what the first request made (`Idempotent-Replayed: true`),
 * and a creation that fails releases the key.
 */
export async function createOnce<T>(
  store: Store,
  request: FastifyRequest,
  reply: FastifyReply,
  scope: string,
  newId: string,
  find: (id: string) => Promise<T | undefined>,
  create: (id: string) => Promise<T>,
): Promise<T> {
  const key = idempotencyKeyOf(request);
  if (!key) return create(newId);
  const holder = await store.idempotency.reserve(request.userId, scope, key, newId);
  if (holder !== newId) {
    const existing = await find(holder);
    if (!existing) {
      throw new ApiError(
        409,
        'idempotency.in_progress',
        'A request with this Idempotency-Key is still being processed; retry shortly.',
      );
    }
    reply.header('Idempotent-Replayed', 'true');
    return existing;
  }
  try {
    return await create(newId);
  } catch (err) {
    await store.idempotency.release(request.userId, scope, key);
    throw err;
  }
}

import { createHash } from 'node:crypto';
import { ulid } from 'ulid';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A new post id: `post_<ULID>`. It is also the post's workflow id. */
export function newPostId(): string {
  return `post_${ulid()}`;
}

/**
 * The post id an idempotency key maps to: `post_` + 26 Crockford base32 characters of
 * SHA-256(user id, key). The same user and key always give the same id, so a repeated request
 * finds the post the first one created; different users never collide.
 */
export function postIdForKey(userId: string, idempotencyKey: string): string {
  const digest = createHash('sha256').update(`${userId}\u0000${idempotencyKey}`).digest();
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of digest) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return `post_${out}`;
}

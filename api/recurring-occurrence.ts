import { postIdForKey } from './post-id';
import type { PostSpec } from './types';

/** What a recurring post's occurrence needs of its definition. */
interface Definition {
  id: string;
  userId: string;
  spec: PostSpec;
}

/**
 * The post id of a recurring post's occurrence: derived (as an idempotency key's is) from the
 * user, the recurring post and the occurrence's nominal instant. Whatever runs the occurrence
 * again (a catch-up after a Temporal restart, a retried start, a worker killed mid-way) names the
 * same post, whose workflow id Temporal refuses to start twice.
 */
export const occurrencePostId = (d: { id: string; userId: string }, occurrenceAt: string) =>
  postIdForKey(d.userId, `recurring ${d.id} ${new Date(occurrenceAt).toISOString()}`);

/** The occurrence's post: the definition's spec, scheduled at the occurrence's instant. */
export function occurrenceSpec(d: Definition, occurrenceAt: string): PostSpec {
  const at = new Date(occurrenceAt).toISOString();
  return {
    ...d.spec,
    id: occurrencePostId(d, at),
    mode: 'scheduled',
    scheduledAt: at,
    createdAt: at,
  };
}

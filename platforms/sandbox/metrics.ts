import { createHash } from 'node:crypto';
import type { PostMetrics } from '../../api/types';

/** How fast a sandbox post's engagement approaches its ceiling: most of it within the first day. */
const GROWTH_HOURS = 8;

/**
 * The sandbox's engagement for a post, `hoursLive` after it was published: each count grows
 * like a real post's (fast at first, then levelling off) towards a ceiling drawn from the post's
 * id, so the same post at the same age always shows the same numbers, and two posts differ.
 */
export function simulatedMetrics(platformPostId: string, hoursLive: number): PostMetrics {
  const seed = createHash('sha256').update(platformPostId).digest();
  const grown = 1 - Math.exp(-Math.max(hoursLive, 0) / GROWTH_HOURS);
  const count = (byte: number, scale: number) => Math.floor((1 + seed[byte]!) * scale * grown);
  return {
    likes: count(0, 2),
    comments: count(1, 0.25),
    shares: count(2, 0.5),
    saves: count(3, 0.25),
    extra: { impressions: count(4, 40) },
  };
}

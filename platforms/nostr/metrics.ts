import type { PostMetrics } from '../kit/adapter';
import type { NostrEvent } from './event';
import { DELETION, TEXT_NOTE } from './note';

/** NIP-18 reposts: of a kind-1 note (6), of any other kind (16). */
const REPOSTS = [6, 16];
/** NIP-25 reactions. */
const REACTION = 7;
/** NIP-57 zap receipts. */
const ZAP_RECEIPT = 9735;
/** Every kind that can refer to a note by an `e` tag and count towards its engagement. */
export const ENGAGEMENT_KINDS = [TEXT_NOTE, DELETION, ...REPOSTS, REACTION, ZAP_RECEIPT];

const eTags = (e: NostrEvent) => e.tags.filter((t) => t[0] === 'e');

/**
 * A note's engagement from the events that refer to it (deduplicated by id across relays):
 * likes are reactions (NIP-25: the last `e` tag names the note) other than `-`, a dislike;
 * comments are kind-1 replies (NIP-10: an `e` tag marked `root` or `reply`, or unmarked, the
 * deprecated positional form; `mention` is no reply); shares are reposts (NIP-18); zaps are zap
 * receipts (NIP-57). `null` once the author asked to delete the note (NIP-09).
 */
export function engagementOf(noteId: string, author: string, events: NostrEvent[]): PostMetrics | null {
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  const refers = unique.filter((e) => eTags(e).some((t) => t[1] === noteId));
  if (refers.some((e) => e.kind === DELETION && e.pubkey === author)) return null;
  const reactions = refers.filter((e) => e.kind === REACTION && eTags(e).at(-1)?.[1] === noteId);
  const dislikes = reactions.filter((e) => e.content === '-').length;
  return {
    likes: reactions.length - dislikes,
    comments: refers.filter(
      (e) =>
        e.kind === TEXT_NOTE &&
        eTags(e).some(
          (t) =>
            t[1] === noteId && (t[3] === undefined || t[3] === '' || t[3] === 'root' || t[3] === 'reply'),
        ),
    ).length,
    shares: refers.filter((e) => REPOSTS.includes(e.kind)).length,
    saves: 0,
    extra: { dislikes, zaps: refers.filter((e) => e.kind === ZAP_RECEIPT).length },
  };
}

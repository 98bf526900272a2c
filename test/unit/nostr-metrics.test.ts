import type { NostrEvent } from '../../platforms/nostr/event';
import { engagementOf } from '../../platforms/nostr/metrics';

const NOTE = 'a'.repeat(64);
const AUTHOR = 'b'.repeat(64);
let seq = 0;
const event = (kind: number, tags: string[][], pubkey = 'c'.repeat(64), content = ''): NostrEvent => ({
  id: String((seq += 1)).padStart(64, '0'),
  pubkey,
  created_at: 1_700_000_000,
  kind,
  tags,
  content,
  sig: 'd'.repeat(128),
});

describe('nostr engagement (platforms/nostr/metrics.ts)', () => {
  test("the author's NIP-09 deletion ends it; someone else's does not", () => {
    expect(engagementOf(NOTE, AUTHOR, [event(5, [['e', NOTE]], AUTHOR)])).toBeNull();
    expect(engagementOf(NOTE, AUTHOR, [event(5, [['e', NOTE]])])).toMatchObject({ likes: 0 });
  });

  test('an event seen on two relays counts once; a reaction counts for the note its last e tag names', () => {
    const like = event(7, [['e', NOTE]], undefined, '+');
    const toReply = event(
      7,
      [
        ['e', NOTE],
        ['e', 'f'.repeat(64)],
      ],
      undefined,
      '+',
    );
    expect(engagementOf(NOTE, AUTHOR, [like, like, toReply])).toEqual({
      likes: 1,
      comments: 0,
      shares: 0,
      saves: 0,
      extra: { dislikes: 0, zaps: 0 },
    });
  });
});

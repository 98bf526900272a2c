import { PublishError } from '../../platforms/kit/adapter';
import { offsetPages, readWindow, searchWindow } from '../../platforms/kit/lookup-window';

/** A newest-first listing of `count` items a minute apart, the newest now, paged by offset. */
const listing = (count: number, size: number) => {
  const now = Date.now();
  const items = Array.from({ length: count }, (_, i) => ({
    id: i,
    at: new Date(now - i * 60_000).toISOString(),
  }));
  const reads: number[] = [];
  const read = offsetPages(async (offset) => {
    reads.push(offset);
    return items.slice(offset, offset + size);
  }, size);
  return { items, reads, read, now };
};

describe('lookup window', () => {
  test('pages until the item is found', async () => {
    const { read, reads } = listing(100, 10);
    const found = await searchWindow({ platform: 'x', what: 'many', read, matches: (i) => i.id === 35 });
    expect(found?.id).toBe(35);
    expect(reads).toEqual([0, 10, 20, 30]);
  });

  test('stops at the first page reaching back past since: absent, without reading further', async () => {
    const { read, reads, now } = listing(100, 10);
    // Since 12 minutes ago, less the 2-minute skew: item 14 is the first older one (page 2).
    const since = new Date(now - 12 * 60_000).toISOString();
    const until = { since, createdAt: (i: { at: string }) => i.at };
    expect(
      await searchWindow({ platform: 'x', what: 'many', read, until, matches: () => false }),
    ).toBeUndefined();
    expect(reads).toEqual([0, 10]);
  });

  test('an item without a time never ends the window', async () => {
    const { read, reads } = listing(30, 10);
    const until = { since: new Date().toISOString(), createdAt: () => undefined };
    expect(await readWindow({ platform: 'x', what: 'many', read, until })).toHaveLength(30);
    expect(reads).toEqual([0, 10, 20, 30]); // a full last page may have more behind it
  });

  test('past the page cap it is unsearchable, never absent', async () => {
    const { read } = listing(1_000, 10);
    const err = await searchWindow({
      platform: 'x',
      what: 'the account has many posts',
      read,
      matches: () => false,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).failure).toMatchObject({
      code: 'platform.x.unsearchable',
      retryable: false,
      outcomeUnknown: false,
    });
  });
});

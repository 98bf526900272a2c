import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../store';
import type { Store } from '../../store/types';

/**
 * The metrics store on a real (SQLite) store: one row per target and scheduled pass, so a pass
 * read again (a worker killed after storing it, the activity retried) is not doubled and answers
 * the numbers stored first; every pass is kept, oldest first; the latest per target is the newest.
 */
let store: Store;

beforeAll(async () => {
  store = await openStore(mkdtempSync(join(tmpdir(), 'metrics-store-')));
});
afterAll(() => store.close());

const counts = (likes: number) => ({ likes, comments: 0, shares: 0, saves: 0, extra: { views: likes * 10 } });
const pass = (accountId: string, dueAt: string, likes: number, syncedAt = dueAt) => ({
  postId: 'post_m',
  accountId,
  dueAt,
  syncedAt,
  metrics: counts(likes),
});

test('a pass read twice stays one row, with the numbers stored first', async () => {
  const first = await store.metrics.record(pass('acc_1', '2026-12-05T10:00:00.000Z', 3));
  const again = await store.metrics.record(
    pass('acc_1', '2026-12-05T10:00:00.000Z', 5, '2026-12-05T10:00:09.000Z'),
  );
  expect(again).toEqual(first);
  expect(await store.metrics.history('post_m')).toEqual([
    {
      accountId: 'acc_1',
      dueAt: '2026-12-05T10:00:00.000Z',
      syncedAt: '2026-12-05T10:00:00.000Z',
      metrics: counts(3),
    },
  ]);
});

test('every pass is kept, oldest first; the latest of each target is its newest pass', async () => {
  await store.metrics.record(pass('acc_1', '2026-12-06T09:00:00.000Z', 8));
  await store.metrics.record(pass('acc_2', '2026-12-05T11:00:00.000Z', 1));
  const history = await store.metrics.history('post_m');
  expect(history.map((h) => [h.accountId, h.dueAt, h.metrics.likes])).toEqual([
    ['acc_1', '2026-12-05T10:00:00.000Z', 3],
    ['acc_2', '2026-12-05T11:00:00.000Z', 1],
    ['acc_1', '2026-12-06T09:00:00.000Z', 8],
  ]);
  const latest = await store.metrics.latest('post_m');
  expect(latest.map((l) => [l.accountId, l.metrics.likes])).toEqual([
    ['acc_1', 8],
    ['acc_2', 1],
  ]);
  expect(await store.metrics.latest('post_other')).toEqual([]);
});

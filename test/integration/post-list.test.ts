import { inDays } from '../helpers/fixtures';
import { Stack } from '../helpers/stack';

/** GET /v1/posts: filters on search attributes, the contract's sorts, cursor pages, per user. */
let stack: Stack;
let accountA: string;
let accountB: string;
const scheduled: string[] = [];
let draft: string;
let published: string;

beforeAll(async () => {
  stack = await new Stack({ POSTFLOW_SYNC_WAIT_MS: '30000' }).start();
  accountA = await stack.createSandboxAccount('A');
  accountB = await stack.createSandboxAccount('B');
  // Created out of schedule order, so sorting is visible.
  for (const [days, account, text] of [
    [3, accountA, 'Spring sale starts'],
    [1, accountB, 'Tuesday update'],
    [2, accountA, 'Our SALE ends soon'],
    [5, accountB, 'Summer launch'],
  ] as const) {
    const { body } = await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text,
      scheduled_at: inDays(days),
    });
    scheduled.push(body.id);
  }
  draft = (await stack.request('POST', '/v1/posts', { text: 'just an idea about sale' })).body.id;
  published = (await stack.request('POST', '/v1/posts', { account_ids: [accountA], text: 'out now' })).body
    .id;
  // Visibility is eventually consistent: wait until all six are listed.
  for (let i = 0; (await list('limit=100')).body.data.length < 6; i++) {
    if (i > 100) throw new Error('posts never showed up in the list');
    await new Promise((r) => setTimeout(r, 100));
  }
});

afterAll(async () => {
  await stack?.stop();
});

const list = (query = '', headers: Record<string, string> = {}) =>
  stack.request('GET', `/v1/posts${query ? `?${query}` : ''}`, undefined, headers);
const ids = (body: { data: Array<{ id: string }> }) => body.data.map((p) => p.id);
// Scheduled in order 1, 2, 3, 5 days: the second, third, first and fourth created.
const bySchedule = () => [scheduled[1], scheduled[2], scheduled[0], scheduled[3]];

test('default: scheduled_asc, posts without a schedule last, full Post resources', async () => {
  const { status, body } = await list();
  expect(status).toBe(200);
  expect(ids(body).slice(0, 4)).toEqual(bySchedule());
  expect(new Set(ids(body).slice(4))).toEqual(new Set([draft, published]));
  expect(body.pagination).toEqual({ has_more: false, limit: 25, next_cursor: '' });
  expect(body.data[0]).toMatchObject({ id: scheduled[1], status: 'scheduled', text: 'Tuesday update' });
});

test('cursor pages walk every post exactly once, in order, for each sort', async () => {
  for (const sort of ['scheduled_asc', 'scheduled_desc', 'created_asc', 'created_desc']) {
    const all = ids((await list(`sort=${sort}&limit=100`)).body);
    const walked: string[] = [];
    let cursor = '';
    for (;;) {
      const { body } = await list(`sort=${sort}&limit=4${cursor ? `&cursor=${cursor}` : ''}`);
      expect(body.data.length).toBeLessThanOrEqual(4);
      walked.push(...ids(body));
      if (!body.pagination.has_more) break;
      cursor = body.pagination.next_cursor;
    }
    expect([sort, walked]).toEqual([sort, all]);
  }
  expect(ids((await list('sort=scheduled_desc')).body).slice(0, 4)).toEqual(bySchedule().reverse());
  const created = ids((await list('sort=created_asc')).body);
  expect(created).toEqual([...scheduled, draft, published]);
});

test('filters: status, account_ids, platform, search words, from/to', async () => {
  expect(ids((await list('status=draft')).body)).toEqual([draft]);
  expect(ids((await list('status=published')).body)).toEqual([published]);
  expect(ids((await list(`account_ids=${accountB}`)).body)).toEqual([scheduled[1], scheduled[3]]);
  expect(ids((await list(`account_ids=${accountA},${accountB}&status=scheduled`)).body)).toEqual(
    bySchedule(),
  );
  expect((await list('platform=sandbox')).body.data).toHaveLength(5);
  expect((await list('platform=instagram')).body.data).toEqual([]);
  // Whole words, any case: "sale" is not "sales".
  expect(ids((await list('search=sale')).body)).toEqual([scheduled[2], scheduled[0], draft]);
  expect(ids((await list('search=SALE%20spring')).body)).toEqual([scheduled[0]]);
  const window = `from=${encodeURIComponent(inDays(1.5))}&to=${encodeURIComponent(inDays(4))}`;
  expect(ids((await list(window)).body)).toEqual([scheduled[2], scheduled[0]]);
  const today = `from=${encodeURIComponent(inDays(-1))}&to=${encodeURIComponent(inDays(0.5))}`;
  expect(new Set(ids((await list(today)).body))).toEqual(new Set([draft, published]));
});

test('bad parameters: 400 with every problem listed', async () => {
  const { status, body } = await list('status=bogus&sort=newest&limit=0&from=yesterday&cursor=zzz');
  expect(status).toBe(400);
  expect(body.error.code).toBe('validation.body_invalid');
  expect(body.error.meta.errors.map((e: { field: string }) => e.field)).toEqual([
    'status',
    'from',
    'sort',
    'limit',
    'cursor',
  ]);
});

test("another user's list holds none of these posts", async () => {
  const other = stack.keyForUser('usr_list_other');
  const { status, body } = await list('', { authorization: `Bearer ${other}` });
  expect(status).toBe(200);
  expect(body.data).toEqual([]);
});

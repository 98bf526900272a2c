import { inDays } from '../helpers/fixtures';
import { importCsv, importFinished } from '../helpers/imports';
import { openApiChecker } from '../helpers/openapi';
import { Stack } from '../helpers/stack';

/** POST /v1/posts/import and GET /v1/posts/imports/{id}, through the real stack. */
let stack: Stack;
let check: (name: string, value: unknown) => void;

beforeAll(async () => {
  stack = await new Stack({ POSTFLOW_SYNC_WAIT_MS: '0' }).start();
  check = await openApiChecker(stack.baseUrl);
});

afterAll(async () => {
  await stack?.stop();
});

const csv = (text: string, query = '') => importCsv(stack, text, query);
const finished = (id: string, timeoutMs?: number) => importFinished(stack, check, id, timeoutMs);

test('a CSV with good and bad rows: every problem with its row; the good rows are published or scheduled', async () => {
  const account = await stack.createSandboxAccount('import');
  const later = inDays(3);
  const file = [
    'text,account_ids,scheduled_at,title,first_comment',
    `"Hello, imports",${account},,,`,
    `Later,${account},${later},A title,`,
    `,${account},,,`,
    `Nowhere,acc_missing,,,`,
    `Too late,${account},2020-01-01T00:00:00Z,,`,
  ].join('\n');

  const dry = await csv(file, '?dry_run=true');
  expect(dry.status).toBe(200);
  check('ImportReport', dry.body);
  expect(dry.body).toMatchObject({ id: null, dry_run: true, counts: { total: 5, valid: 2, failed: 3 } });
  // The dry run created nothing.
  expect((await stack.request('GET', `/v1/posts?account_ids=${account}`)).body.data).toEqual([]);
  expect((await stack.request('GET', `/v1/posts/${dry.body.rows[0].post_id}`)).status).toBe(404);

  const { status, body } = await csv(file);
  expect(status).toBe(202);
  expect(body.id).toMatch(/^imp_/);
  const report = await finished(body.id);
  expect(report.counts).toEqual({ total: 5, valid: 2, pending: 0, created: 2, duplicate: 0, failed: 3 });
  expect(report.errors).toEqual([
    { row: 3, field: 'text', code: 'validation.field_invalid', message: expect.any(String) },
    { row: 4, field: 'account_ids[0]', code: 'account.not_found', message: expect.any(String) },
    {
      row: 5,
      field: 'scheduled_at',
      code: 'validation.field_invalid',
      message: expect.stringMatching(/past/),
    },
  ]);
  // The dry run's ids are the posts' ids: both derive from the row.
  expect(report.rows.map((r: { post_id: string | null }) => r.post_id)).toEqual(
    dry.body.rows.map((r: { post_id: string | null }) => r.post_id),
  );
  const [now, scheduled] = report.rows;
  expect(await stack.waitForPost(now.post_id)).toMatchObject({ status: 'published', text: 'Hello, imports' });
  expect((await stack.request('GET', `/v1/posts/${scheduled.post_id}`)).body).toMatchObject({
    status: 'scheduled',
    title: 'A title',
    scheduled_at: new Date(later).toISOString(),
  });

  // The same file again creates nothing new: its rows are duplicates of the posts made above.
  const again = await csv(file);
  expect(again.status).toBe(202);
  const repeat = await finished(again.body.id);
  expect(repeat.counts).toMatchObject({ created: 0, duplicate: 2, failed: 3 });
  expect((await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data).toHaveLength(1);
});

test('a JSON array of post bodies; a repeated row in one file is one post', async () => {
  const account = await stack.createSandboxAccount('json');
  const row = { text: 'From JSON', account_ids: [account], scheduled_at: inDays(2) };
  const { status, body } = await stack.request('POST', '/v1/posts/import', [
    row,
    { targets: [{ account_id: account, platform_data: { nope: 1 } }], text: 'bad option' },
    row,
    { text: 'with a callback', account_ids: [account], callback_url: 'https://example.com/hook' },
  ]);
  expect(status).toBe(202);
  const report = await finished(body.id);
  expect(report.counts).toMatchObject({ total: 4, created: 1, duplicate: 1, failed: 2 });
  expect(report.rows[2]).toMatchObject({ status: 'duplicate', post_id: report.rows[0].post_id });
  expect(report.errors).toEqual([
    expect.objectContaining({ row: 2, field: expect.stringMatching(/^targets\[0\]\.platform_data/) }),
    expect.objectContaining({ row: 4, field: 'callback_url' }),
  ]);
  expect((await stack.request('GET', `/v1/posts/${report.rows[0].post_id}`)).body.status).toBe('scheduled');
});

test('CSV approval columns: requires_approval and approval_window_minutes, each bad cell its row and field', async () => {
  const account = await stack.createSandboxAccount('approval');
  const later = inDays(2);
  const file = [
    'text,account_ids,scheduled_at,requires_approval,approval_window_minutes',
    `Ask first,${account},${later},TRUE,720`,
    `No need,${account},${later},false,`,
    `Maybe,${account},${later},maybe,`,
    `Too long,${account},${later},true,43201`,
    `Half,${account},${later},true,1.5`,
  ].join('\n');
  const { status, body } = await csv(file);
  expect(status).toBe(202);
  const report = await finished(body.id);
  expect(report.counts).toMatchObject({ total: 5, created: 2, failed: 3 });
  expect(report.errors).toEqual([
    { row: 3, field: 'requires_approval', code: 'validation.field_invalid', message: expect.any(String) },
    {
      row: 4,
      field: 'approval_window_minutes',
      code: 'validation.field_invalid',
      message: expect.stringMatching(/at most 43200/),
    },
    {
      row: 5,
      field: 'approval_window_minutes',
      code: 'validation.field_invalid',
      message: expect.stringMatching(/whole number/),
    },
  ]);
  const [asked, free] = report.rows;
  expect((await stack.request('GET', `/v1/posts/${asked.post_id}`)).body).toMatchObject({
    status: 'pending_approval',
    approval: { status: 'pending', expires_at: new Date(Date.parse(later) + 12 * 3_600_000).toISOString() },
  });
  expect((await stack.request('GET', `/v1/posts/${free.post_id}`)).body).toMatchObject({
    status: 'scheduled',
    approval: null,
  });
});

test('a malformed file, an unknown column or too many rows is refused whole', async () => {
  expect((await csv('text,colour\nhi,red')).body.error).toMatchObject({
    code: 'validation.body_invalid',
    message: expect.stringMatching(/Unknown CSV column "colour"/),
  });
  expect((await csv('text\n"open')).status).toBe(400);
  expect((await stack.request('POST', '/v1/posts/import', { text: 'not a list' })).status).toBe(400);
  const tooMany = await csv(`text\n${'x\n'.repeat(10_001)}`);
  expect([tooMany.status, tooMany.body.error.code]).toEqual([413, 'import.too_many_rows']);
  expect((await csv('text\nhi', '?dry_run=maybe')).body.error.meta.field).toBe('dry_run');
  expect((await stack.request('GET', '/v1/posts/imports/imp_nope')).status).toBe(404);
});

test('a worker killed mid-import: every row is started once, none lost', async () => {
  const account = await stack.createSandboxAccount('crash');
  const at = inDays(5);
  const rows = Array.from({ length: 250 }, (_, i) => `row ${i},${account},${at}`);
  const { body } = await csv(['text,account_ids,scheduled_at', ...rows].join('\n'));
  // Kill the worker once the first page is started (or at once if it is quicker than us).
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const { body: now } = await stack.request('GET', `/v1/posts/imports/${body.id}`);
    if (now.counts.created > 0 || now.status === 'done') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  await stack.stopWorker('SIGKILL');
  await stack.startWorker();
  const report = await finished(body.id, 120_000);
  expect(report.counts).toEqual({
    total: 250,
    valid: 250,
    pending: 0,
    created: 250,
    duplicate: 0,
    failed: 0,
  });
  const ids = new Set(report.rows.map((r: { post_id: string }) => r.post_id));
  expect(ids.size).toBe(250);
  const last = report.rows[249].post_id;
  expect((await stack.request('GET', `/v1/posts/${last}`)).body).toMatchObject({
    status: 'scheduled',
    text: 'row 249',
  });
});

test('an import sent while Temporal is down is refused; the same file sent again after makes each post once', async () => {
  const account = await stack.createSandboxAccount('down');
  const at = inDays(5);
  const file = ['text,account_ids,scheduled_at', ...[0, 1, 2].map((i) => `down ${i},${account},${at}`)].join(
    '\n',
  );
  await stack.temporal.stop();
  const down = await csv(file);
  await stack.startTemporal();
  expect(down.status).toBeGreaterThanOrEqual(500);
  let again = await csv(file);
  while (again.status >= 500) {
    await new Promise((r) => setTimeout(r, 1_000));
    again = await csv(file);
  }
  expect(again.status).toBe(202);
  const report = await finished(again.body.id);
  expect(report.counts).toMatchObject({ total: 3, created: 3, duplicate: 0 });
  const posts = (await stack.request('GET', `/v1/posts?account_ids=${account}`)).body.data;
  expect(posts.map((p: { text: string }) => p.text).sort()).toEqual(['down 0', 'down 1', 'down 2']);
}, 180_000);

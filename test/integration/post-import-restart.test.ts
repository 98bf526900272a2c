import { inDays } from '../helpers/fixtures';
import { importCsv, importFinished } from '../helpers/imports';
import { openApiChecker } from '../helpers/openapi';
import { Stack } from '../helpers/stack';

/**
 * POST /v1/posts/import through a Temporal dev server restart, on the real stack. Its own file
 * (split from post-import.test.ts) so that the PostgreSQL pass (`npm run test:api-on-postgres`)
 * leaves it out: what it proves is Temporal's side (the import's run resumes after the server
 * comes back, each row started once) and it takes over a minute, mostly waiting for the import
 * to resume after the restart. The store's side of a resumed import (row writes repeated by a
 * retried activity) is `post-import.test.ts`'s killed-worker test, and an import refused while
 * the server is down then sent again is its last test: the PostgreSQL pass runs both.
 */
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

test('a Temporal restart mid-import: every row is started once, none lost, and the report completes', async () => {
  const account = await stack.createSandboxAccount('restart');
  const at = inDays(5);
  const rows = Array.from({ length: 400 }, (_, i) => `restart ${i},${account},${at}`);
  const { body } = await csv(['text,account_ids,scheduled_at', ...rows].join('\n'));
  expect(body.status).toBe('running');
  // Stop the server once the first page is started: the rest of the import waits for it.
  let atStop = body;
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline && atStop.counts.created === 0 && atStop.status !== 'done') {
    await new Promise((r) => setTimeout(r, 50));
    atStop = (await stack.request('GET', `/v1/posts/imports/${body.id}`)).body;
  }
  await stack.temporal.stop();
  // The report is the store's: it answers while the server is down (once the client gives up on it).
  const during = await stack.request('GET', `/v1/posts/imports/${body.id}`);
  expect([during.status, during.body.status]).toEqual([200, 'running']);
  await new Promise((r) => setTimeout(r, 2_000));
  await stack.startTemporal();
  const report = await finished(body.id, 180_000);
  expect(atStop.counts.pending).toBeGreaterThan(0);
  expect(report.counts).toEqual({
    total: 400,
    valid: 400,
    pending: 0,
    created: 400,
    duplicate: 0,
    failed: 0,
  });
  expect(new Set(report.rows.map((r: { post_id: string }) => r.post_id)).size).toBe(400);
  // Exactly once, as Temporal saw it: one child start per row in the import's history, no retry.
  const history = await stack.client.workflow
    .getHandle(`import_${body.id.replace(/^imp_/, '')}`)
    .fetchHistory();
  const started = (history.events ?? []).flatMap((e) => {
    const id = e.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId;
    return id ? [id] : [];
  });
  expect(started.sort()).toEqual(report.rows.map((r: { post_id: string }) => r.post_id).sort());
  expect((await stack.request('GET', `/v1/posts/${report.rows[399].post_id}`)).body).toMatchObject({
    status: 'scheduled',
    text: 'restart 399',
  });
}, 240_000);

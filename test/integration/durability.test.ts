import { inMinutes } from '../helpers/fixtures';
import { Stack } from '../helpers/stack';

/**
 * Crashes and restarts delay a post; they never lose or duplicate one.
 * The API answers at once here (no sync wait) so the test controls when the crash happens.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await new Stack({ POSTFLOW_SYNC_WAIT_MS: '0' }).start();
});

afterAll(async () => {
  await stack?.stop();
});

async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 50));
}

const sandboxPosts = async (accountId: string, postId: string) =>
  ((await stack.request('GET', `/v1/sandbox/${accountId}/posts`)).body.data as any[]).filter(
    (p) => p.post_id === postId,
  );

test('a worker killed with SIGKILL mid-fan-out is replaced and every target is published exactly once', async () => {
  const accounts = await Promise.all(['a', 'b', 'c'].map((n) => stack.createSandboxAccount(n)));
  // The sandbox records each post, then takes 5 s to answer: the kill lands between the two.
  const { status, body } = await stack.request('POST', '/v1/posts', {
    account_ids: accounts,
    text: 'survives a crash',
    platform_options: { sandbox: { latency_ms: 5_000 } },
  });
  expect(status).toBe(201);
  expect(body.status).toBe('publishing');

  await stack.waitForPost(body.id, (p) => p.targets.every((t: any) => t.status === 'publishing'));
  await new Promise((r) => setTimeout(r, 1_000));
  await stack.stopWorker('SIGKILL');
  await stack.startWorker();

  const post = await stack.waitForPost(body.id);
  expect(post.status).toBe('published');
  for (const accountId of accounts) {
    const made = await sandboxPosts(accountId, body.id);
    expect(made).toHaveLength(1);
    expect(post.results.find((r: any) => r.account_id === accountId).platform_post_id).toBe(
      made[0].platform_post_id,
    );
  }
});

test('a scheduled post still publishes after the Temporal server restarts', async () => {
  const accountId = await stack.createSandboxAccount('restart');
  const { body } = await stack.request('POST', '/v1/posts', {
    account_ids: [accountId],
    text: 'after the restart',
    scheduled_at: inMinutes(0.4),
  });
  expect(body.status).toBe('scheduled');

  await stack.temporal.stop();
  await stack.startTemporal();

  const post = await stack.waitForPost(body.id);
  expect(post.status).toBe('published');
  expect(Date.parse(post.updated_at)).toBeGreaterThanOrEqual(Date.parse(body.scheduled_at));
  expect(await sandboxPosts(accountId, body.id)).toHaveLength(1);
});

test('a worker stopped with SIGTERM finishes its running publish calls before it exits', async () => {
  const accountId = await stack.createSandboxAccount('graceful');
  const { body } = await stack.request('POST', '/v1/posts', {
    account_ids: [accountId],
    text: 'let me finish',
    platform_options: { sandbox: { latency_ms: 4_000 } },
  });
  // The sandbox records the post, then takes 4 s to answer: stop the worker inside that call.
  await waitFor(async () => (await sandboxPosts(accountId, body.id)).length === 1);

  expect(await stack.stopWorker('SIGTERM')).toBe(0);
  await stack.startWorker();

  const post = await stack.waitForPost(body.id);
  expect(post).toMatchObject({ status: 'published' });
  expect(post.targets[0].attempts).toBe(1);
  expect(await sandboxPosts(accountId, body.id)).toHaveLength(1);
});

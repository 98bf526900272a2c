import { WorkflowNotFoundError } from '@temporalio/common';
import { Stack } from '../helpers/stack';

/**
 * Issue #14, defect 5: a post's Idempotency-Key is remembered by the store, not only by the
 * workflow id, so a repeat after Temporal's retention has removed the run publishes nothing.
 */
let stack: Stack;
let account: string;

beforeAll(async () => {
  stack = await new Stack().start();
  account = await stack.createSandboxAccount();
});

afterAll(async () => {
  await stack?.stop();
});

const published = async (postId: string) =>
  (await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data.filter(
    (p: any) => p.post_id === postId,
  );

/** Removes a post's run from Temporal, as the namespace's retention does once it has passed. */
async function removeRun(workflowId: string): Promise<void> {
  await stack.client.workflowService.deleteWorkflowExecution({
    namespace: stack.namespace,
    workflowExecution: { workflowId },
  });
  // Deletion is asynchronous: wait until Temporal no longer knows the run.
  for (;;) {
    try {
      await stack.client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      throw err;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

test('a repeat with a different body returns the post the key made, and publishes nothing more', async () => {
  const key = { 'idempotency-key': 'n8n-run-3-item-1' };
  const first = await stack.request('POST', '/v1/posts', { account_ids: [account], text: 'first body' }, key);
  expect(first.status).toBe(201);
  const again = await stack.request('POST', '/v1/posts', { account_ids: [account], text: 'other body' }, key);
  expect(again.status).toBe(201);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.body).toMatchObject({ id: first.body.id, text: 'first body' });
  await stack.waitForPost(first.body.id);
  expect(await published(first.body.id)).toHaveLength(1);
});

test('a repeat after the run is gone from Temporal starts nothing and names the post the key made', async () => {
  const key = { 'idempotency-key': 'n8n-run-7-item-0' };
  const payload = { account_ids: [account], text: 'once, even past retention' };
  const first = await stack.request('POST', '/v1/posts', payload, key);
  expect(first.status).toBe(201);
  const id = first.body.id;
  await stack.waitForPost(id, (p) => p.status === 'published');
  await removeRun(id);

  const again = await stack.request('POST', '/v1/posts', payload, key);

  expect(again.status).toBe(409);
  expect(again.body.error).toMatchObject({ code: 'idempotency.post_gone', meta: { id } });
  expect(again.body.error.message).toContain('not published again');
  // Nothing was started under the derived id, and the platform got the post once.
  await expect(stack.client.workflow.getHandle(id).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
  expect(await published(id)).toHaveLength(1);
});

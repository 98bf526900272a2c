import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createPlatformRegistry } from '../../activities/platforms/registry';
import { PostflowClient } from '../../client';
import type { Store } from '../../store/types';
import { inDays } from '../helpers/fixtures';
import { tempStore } from '../helpers/fixtures';
import { javaTestServer } from '../helpers/tools';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let store: Store;
let client: PostflowClient;
let accountId: string;
let taskQueue: string;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: javaTestServer() } },
  });
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  ({ store } = tempStore());
  accountId = (await store.createAccount({ userId: 'usr_default', platform: 'sandbox', name: 'Sandbox' })).id;
});

afterAll(async () => {
  await env?.teardown();
  await store?.close();
});

beforeEach(() => {
  taskQueue = `test-${expect.getState().currentTestName?.replace(/\W+/g, '-')}`;
  // The Java test server cannot register search attributes (no operator service).
  client = new PostflowClient({ temporal: env.client, store, taskQueue, searchAttributes: false });
});

async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({
      store,
      platforms: createPlatformRegistry({ store, publicUrl: 'http://postflow.test' }),
    }),
  });
  return worker.runUntil(fn);
}

test('a post scheduled a week ahead publishes at its instant, not before', async () => {
  const scheduledAt = inDays(7);
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'next week',
    scheduled_at: scheduledAt,
  });
  expect(post.status).toBe('scheduled');

  await withWorker(async () => {
    await env.sleep(7 * 86_400_000 - 60_000);
    expect((await client.posts.get(post.id)).status).toBe('scheduled');
    expect(await store.sandbox.findByRef(accountId, `${post.id}/${accountId}`)).toBeUndefined();

    await env.sleep(120_000);
    const published = await client.posts.waitForResult(post.id, { timeoutMs: 30_000 });
    expect(published.status).toBe('published');
    expect(Date.parse(published.updated_at)).toBeGreaterThanOrEqual(Date.parse(scheduledAt));
    expect(await store.sandbox.findByRef(accountId, `${post.id}/${accountId}`)).toMatchObject({
      text: 'next week',
    });
  });
});

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
import { tempMedia, tempStore } from '../helpers/fixtures';
import { javaTestServer } from '../helpers/tools';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let store: Store;
let dir: string;
let client: PostflowClient;
let accountId: string;
let taskQueue: string;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  ({ store, dir } = await tempStore());
  accountId = (await store.createAccount({ userId: 'usr_default', platform: 'sandbox', name: 'Sandbox' })).id;
});

afterAll(async () => {
  await store?.close();
});

// A server per test: a published post starts its metrics collection, which outlives the test;
// a workflow task left on a queue no worker serves any more stops the time-skipping server
// from skipping (it does not skip while a workflow task is outstanding) for every later test.
beforeEach(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: javaTestServer() } },
  });
});

afterEach(async () => {
  await env?.teardown();
});

beforeEach(() => {
  taskQueue = `test-${expect.getState().currentTestName?.replace(/\W+/g, '-')}`;
  // The Java test server cannot register search attributes (no operator service).
  client = new PostflowClient({ temporal: env.client, store, taskQueue, searchAttributes: false });
});

/** Instants on the test server's clock, which runs ahead of the wall clock as tests skip time. */
async function inDays(days: number): Promise<string> {
  return new Date((await env.currentTimeMs()) + days * 86_400_000).toISOString();
}

async function withWorker<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({
      store,
      platforms: createPlatformRegistry({ store, publicUrl: 'http://postflow.test' }),
      media: tempMedia(dir),
    }),
  });
  return worker.runUntil(fn);
}

test('a post scheduled a week ahead publishes at its instant, not before', async () => {
  const scheduledAt = await inDays(7);
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

const sandboxItem = (postId: string) => store.sandbox.findByRef(accountId, `${postId}/${accountId}`);

test('rescheduling to a later instant moves the publication there', async () => {
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'moved',
    scheduled_at: await inDays(1),
  });

  await withWorker(async () => {
    const later = await inDays(3);
    expect(await client.posts.update(post.id, { scheduled_at: later })).toMatchObject({
      status: 'scheduled',
      scheduled_at: later,
    });

    await env.sleep(2 * 86_400_000);
    expect((await client.posts.get(post.id)).status).toBe('scheduled');
    expect(await sandboxItem(post.id)).toBeUndefined();

    await env.sleep(86_400_000 + 60_000);
    expect((await client.posts.waitForResult(post.id, { timeoutMs: 30_000 })).status).toBe('published');
  });
});

test('rescheduling to an earlier instant publishes then', async () => {
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'sooner',
    scheduled_at: await inDays(30),
  });

  await withWorker(async () => {
    await client.posts.update(post.id, { scheduled_at: await inDays(1) });
    await env.sleep(86_400_000 + 60_000);
    expect((await client.posts.waitForResult(post.id, { timeoutMs: 30_000 })).status).toBe('published');
  });
});

test('a cancelled post never publishes, and its workflow completes', async () => {
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'never mind',
    scheduled_at: await inDays(1),
  });

  await withWorker(async () => {
    expect((await client.posts.cancel(post.id)).status).toBe('cancelled');
    const result = await env.client.workflow.getHandle(post.id).result();
    expect(result.status).toBe('cancelled');
    await env.sleep(2 * 86_400_000);
    expect(await sandboxItem(post.id)).toBeUndefined();
  });
});

test('an edit before the schedule is what gets published', async () => {
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'first draft',
    scheduled_at: await inDays(1),
  });

  await withWorker(async () => {
    expect(await client.posts.update(post.id, { text: 'final words', title: 'Title' })).toMatchObject({
      text: 'final words',
      title: 'Title',
      status: 'scheduled',
    });
    await env.sleep(86_400_000 + 60_000);
    expect((await client.posts.waitForResult(post.id, { timeoutMs: 30_000 })).status).toBe('published');
    expect(await sandboxItem(post.id)).toMatchObject({ text: 'final words', title: 'Title' });
  });
});

test('publish now sends a post scheduled a month ahead at once', async () => {
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'right now',
    scheduled_at: await inDays(30),
  });

  await withWorker(async () => {
    expect((await client.posts.publishNow(post.id)).status).toBe('publishing');
    const published = await client.posts.waitForResult(post.id, { timeoutMs: 30_000 });
    expect(published.status).toBe('published');
    expect(Date.parse(published.updated_at)).toBeLessThan(Date.parse(await inDays(1)));
  });
});

test('changes are refused once delivery has started, with post.state_invalid', async () => {
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'done',
    scheduled_at: await inDays(1),
  });

  await withWorker(async () => {
    await client.posts.publishNow(post.id);
    await client.posts.waitForResult(post.id, { timeoutMs: 30_000 });
    await expect(client.posts.cancel(post.id)).rejects.toMatchObject({
      status: 409,
      code: 'post.state_invalid',
    });
    await expect(client.posts.update(post.id, { text: 'too late' })).rejects.toMatchObject({
      status: 409,
      code: 'post.state_invalid',
    });
  });
});

test('a draft waits without a deadline until it is published', async () => {
  const { post } = await client.posts.create({ targets: [{ account_id: accountId }], text: 'a draft' });
  expect(post.status).toBe('draft');

  await withWorker(async () => {
    await env.sleep(365 * 86_400_000);
    expect((await client.posts.get(post.id)).status).toBe('draft');
    await client.posts.publishNow(post.id);
    expect((await client.posts.waitForResult(post.id, { timeoutMs: 30_000 })).status).toBe('published');
  });
});

test('a post the platform processes after the publish call is checked on durable timers until it is live', async () => {
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'a long video',
    platform_options: { sandbox: { processing_polls: 3, poll_after_s: 600 } },
  });
  const done = await withWorker(async () => {
    await env.sleep(31 * 60_000);
    return client.posts.waitForResult(post.id, { timeoutMs: 30_000 });
  });
  expect(done.status).toBe('published');
  expect(done.targets[0]).toMatchObject({ status: 'published', attempts: 1 });
  // One publish call, then three checks 10 minutes apart: half an hour of the test server's clock.
  const history = await env.client.workflow.getHandle(post.id).fetchHistory();
  const scheduled = history.events!.flatMap((e) =>
    e.activityTaskScheduledEventAttributes ? [e.activityTaskScheduledEventAttributes.activityType!.name] : [],
  );
  expect(scheduled.filter((n) => n === 'publishTarget')).toHaveLength(1);
  expect(scheduled.filter((n) => n === 'checkPublishedTarget')).toHaveLength(3);
  expect(history.events!.filter((e) => e.timerStartedEventAttributes).length).toBeGreaterThanOrEqual(3);
});

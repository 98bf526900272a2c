/**
 * Evergreen posts on a time-skipping server: a published post comes back into its queue
 * `after_days` later, each round with its own text and its own derived post, and the rounds end
 * after `times`. Real workflows and activities; the sandbox stands in for the platform.
 */
import { defaultPayloadConverter } from '@temporalio/common';
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
import { recycledPostId } from '../../api/recycle';
import { PostflowClient } from '../../client';
import type { Store } from '../../store/types';
import { recycleWorkflowId } from '../../workflows/recycle-post';
import { tempMedia, tempStore } from '../helpers/fixtures';
import { javaTestServer } from '../helpers/tools';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let store: Store;
let dir: string;
let client: PostflowClient;
let taskQueue: string;

const USER = 'usr_default';
const DAY = 86_400_000;
const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  ({ store, dir } = await tempStore());
});

afterAll(async () => {
  await store?.close();
});

// A server per test: the Java test server stops skipping time for good once a workflow started
// by an abandoned child that has completed waits on a timer (the rounds' chain does exactly that:
// post → round workflow → round's post); a fresh server per test keeps that out of the others.
beforeEach(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: javaTestServer() } },
  });
  taskQueue = `test-${expect.getState().currentTestName?.replace(/\W+/g, '-')}`;
  // The Java test server cannot register search attributes (no operator service).
  client = new PostflowClient({ temporal: env.client, store, taskQueue, searchAttributes: false });
});

afterEach(async () => {
  await env?.teardown();
});

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

/** A sandbox account with a queue of one slot a day at 09:00 UTC. */
async function queuedAccount(name: string): Promise<string> {
  const { id } = await store.createAccount({ userId: USER, platform: 'sandbox', name });
  await client.queues.create({
    account_id: id,
    timezone: 'UTC',
    slots: [{ days: EVERY_DAY, times: ['09:00'] }],
  });
  return id;
}

const result = (workflowId: string) => env.client.workflow.getHandle(workflowId).result();
const published = (postId: string, account: string) =>
  store.sandbox.findByRef(account, `${postId}/${account}`);

test('a published evergreen post comes back after_days later in its queue, once per round, with each round its text', async () => {
  const account = await queuedAccount('Evergreen');
  const { post } = await client.posts.create({
    account_ids: [account],
    text: 'Our guide to durable timers',
    publish_now: true,
    recycle: {
      after_days: 3,
      times: 2,
      variations: ['Read it again: durable timers', 'Still true: durable timers'],
    },
  });
  expect(post.recycle).toEqual({ after_days: 3, rounds_left: 2, round: 0, origin_id: post.id });

  await withWorker(async () => {
    const original = await client.posts.waitForResult(post.id, { timeoutMs: 60_000 });
    expect(original.status).toBe('published');
    const publishedAt = await env.currentTimeMs();

    // Round 1: after three days, the queue's next 09:00 slot, with the first variation.
    expect(await result(recycleWorkflowId(post.id, 1))).toBe('created');
    const round1 = recycledPostId(USER, post.id, 1);
    // The round waits in its slot; the test publishes it now rather than skip time to it (the
    // Java test server does not skip to timers of workflows this deep in an abandoned chain).
    const queued = await client.posts.get(round1);
    expect(queued.status).toBe('scheduled');
    expect(queued.text).toBe('Read it again: durable timers');
    const slot = Date.parse(queued.scheduled_at!);
    expect(slot).toBeGreaterThanOrEqual(publishedAt + 3 * DAY);
    expect(slot).toBeLessThanOrEqual(publishedAt + 4 * DAY);
    expect(new Date(slot).toISOString().slice(11, 16)).toBe('09:00');
    await client.posts.publishNow(round1);
    const first = await client.posts.waitForResult(round1, { timeoutMs: 30_000 });
    expect(first.status).toBe('published');
    expect(first.recycle).toEqual({ after_days: 3, rounds_left: 1, round: 1, origin_id: post.id });

    // Publishing round 1 started round 2's workflow, waiting its three days with round 1's post.
    const next = env.client.workflow.getHandle(recycleWorkflowId(post.id, 2));
    expect((await next.describe()).status.name).toBe('RUNNING');
    // What it does then, run here as a top-level workflow (the same code on the same input):
    // round 2, the last, whose post carries no rounds left and starts none.
    const [job] = (
      await next.fetchHistory()
    ).events![0]!.workflowExecutionStartedEventAttributes!.input!.payloads!.map((p) =>
      defaultPayloadConverter.fromPayload(p),
    );
    // Ended first: while it waits, the test server would not skip time for the run below.
    await next.terminate('run below as a top-level workflow');
    expect(
      await env.client.workflow.execute('recyclePost', {
        workflowId: `${recycleWorkflowId(post.id, 2)}-here`,
        taskQueue,
        args: [job],
      }),
    ).toBe('created');
    const round2 = recycledPostId(USER, post.id, 2);
    await client.posts.publishNow(round2);
    const second = await client.posts.waitForResult(round2, { timeoutMs: 30_000 });
    expect(second.status).toBe('published');
    expect(second.text).toBe('Still true: durable timers');
    expect(second.recycle).toBeNull();
    await expect(env.client.workflow.getHandle(recycleWorkflowId(post.id, 3)).describe()).rejects.toThrow(
      /not found/i,
    );

    // Each text is on the platform once.
    for (const id of [post.id, round1, round2]) expect(await published(id, account)).toBeTruthy();
    expect((await store.sandbox.list(account)).map((p) => p.text).sort()).toEqual([
      'Our guide to durable timers',
      'Read it again: durable timers',
      'Still true: durable timers',
    ]);
  });
});

test('the rounds end, saying why, when the accounts no longer have a queue', async () => {
  const account = await queuedAccount('Queue removed');
  const { post } = await client.posts.create({
    account_ids: [account],
    text: 'Evergreen until the queue goes',
    publish_now: true,
    recycle: { after_days: 1, times: 3 },
  });
  await withWorker(async () => {
    expect((await client.posts.waitForResult(post.id, { timeoutMs: 60_000 })).status).toBe('published');
    const [queue] = (await client.queues.list()).data.filter((q) => q.account_id === account);
    await client.queues.remove(queue!.id);
    expect(await result(recycleWorkflowId(post.id, 1))).toMatch(/^ended: .*have no queue/);
    await expect(client.posts.get(recycledPostId(USER, post.id, 1))).rejects.toMatchObject({
      status: 404,
    });
  });
});

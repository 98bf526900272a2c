/**
 * Evergreen posts on a time-skipping server: a published post comes back into its queue
 * `after_days` later, each round with its own text and its own derived post, and the rounds end
 * after `times`. Real workflows and activities; the sandbox stands in for the platform.
 */
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
import { recycledPostId, recycledSpec } from '../../api/recycle';
import type { PostSpec } from '../../api/types';
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

/** A workflow's result, once it exists: the post starts its round's workflow just after it settles. */
async function result(workflowId: string): Promise<unknown> {
  const handle = env.client.workflow.getHandle(workflowId);
  for (
    let tries = 0;
    !(await handle.describe().then(
      () => true,
      () => false,
    ));
    tries++
  ) {
    if (tries === 100) throw new Error(`${workflowId} was never started`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return handle.result();
}
/** A post's spec as its workflow holds it. */
const specOf = (postId: string): Promise<PostSpec> =>
  env.client.workflow.getHandle(postId).query<PostSpec>('spec');
const published = (postId: string, account: string) =>
  store.sandbox.findByRef(account, `${postId}/${account}`);

const VARIATIONS = ['Read it again: durable timers', 'Still true: durable timers'];

/** An evergreen post of two rounds to a queued account. */
async function evergreenPost(account: string, body: Record<string, unknown>) {
  const { post } = await client.posts.create({
    account_ids: [account],
    text: 'Our guide to durable timers',
    recycle: { after_days: 3, times: 2, variations: VARIATIONS },
    ...body,
  });
  return post;
}

// The rounds' chain is tested a round per test (a server each): the Java test server stops
// skipping time for good once a workflow deep in a chain of abandoned children (post → round
// workflow → round's post → next round workflow) waits on a timer; the real server has no such
// limit.
test('a published evergreen post comes back after_days later in its queue, as a new post with the next text', async () => {
  const account = await queuedAccount('Evergreen');
  const post = await evergreenPost(account, { publish_now: true });
  expect(post.recycle).toEqual({ after_days: 3, rounds_left: 2, round: 0, origin_id: post.id });

  await withWorker(async () => {
    const original = await client.posts.waitForResult(post.id, { timeoutMs: 60_000 });
    expect(original.status).toBe('published');
    const publishedAt = await env.currentTimeMs();

    // Round 1: three days later, the queue's next 09:00 slot, with the first variation.
    expect(await result(recycleWorkflowId(post.id, 1))).toBe('created');
    const round1 = await client.posts.get(recycledPostId(USER, post.id, 1));
    expect(round1).toMatchObject({
      status: 'scheduled',
      text: VARIATIONS[0],
      account_ids: [account],
      recycle: { after_days: 3, rounds_left: 1, round: 1, origin_id: post.id },
    });
    const slot = Date.parse(round1.scheduled_at!);
    expect(slot).toBeGreaterThanOrEqual(publishedAt + 3 * DAY);
    expect(slot).toBeLessThanOrEqual(publishedAt + 4 * DAY);
    expect(new Date(slot).toISOString().slice(11, 16)).toBe('09:00');
    // The queue shows the round in that slot.
    const [queue] = (await client.queues.list()).data.filter((q) => q.account_id === account);
    expect((await client.queues.get(queue!.id, { count: 20 })).upcoming).toContainEqual(
      expect.objectContaining({ at: round1.scheduled_at, post_id: round1.id }),
    );
    expect((await store.sandbox.list(account)).map((p) => p.text)).toEqual(['Our guide to durable timers']);
    await client.posts.cancel(round1.id);
  });
});

test("the last round's post takes the next text, carries no rounds left, and starts none", async () => {
  const account = await queuedAccount('Last round');
  // Round 1 as the chain makes it (the original's spec as round 1 of two), without waiting for it.
  const original = await evergreenPost(account, {
    scheduled_at: new Date((await env.currentTimeMs()) + 30 * DAY).toISOString(),
  });
  await withWorker(async () => {
    const round1Spec = recycledSpec(
      await specOf(original.id),
      new Date((await env.currentTimeMs()) + DAY).toISOString(),
      new Date(),
    );
    await client.posts.cancel(original.id);
    // Round 2, as round 1's post starts it when it publishes.
    const job = { spec: round1Spec, searchAttributes: false, indexText: false };
    expect(
      await env.client.workflow.execute('recyclePost', {
        workflowId: recycleWorkflowId(original.id, 2),
        taskQueue,
        args: [job],
      }),
    ).toBe('created');
    const round2 = recycledPostId(USER, original.id, 2);
    // The same round again (a retry, a second run) is the same post: nothing doubles. (Without
    // the wait: the server would not skip time to it now that round 2's post waits in its slot.)
    const again = { ...job, spec: { ...round1Spec, recycle: { ...round1Spec.recycle!, afterDays: 0 } } };
    expect(
      await env.client.workflow.execute('recyclePost', {
        workflowId: 'round-2-again',
        taskQueue,
        args: [again],
      }),
    ).toBe('duplicate');
    // It goes out in its slot.
    await result(round2);
    const last = await client.posts.get(round2);
    expect(last).toMatchObject({ status: 'published', text: VARIATIONS[1], recycle: null });
    expect(await published(round2, account)).toBeTruthy();
    await expect(env.client.workflow.getHandle(recycleWorkflowId(original.id, 3)).describe()).rejects.toThrow(
      /not found/i,
    );
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

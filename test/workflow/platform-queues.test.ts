import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities } from '../../activities';
import type { PlatformAdapter } from '../../platforms/kit/adapter';
import { PostflowClient } from '../../client';
import type { Store } from '../../store/types';
import { platformQueuesFrom } from '../../runtime/platform-queues';
import { platformWorkerSettings } from '../../worker/platform-worker-settings';
import { tempMedia, tempStore } from '../helpers/fixtures';
import { temporalCli } from '../helpers/tools';

/**
 * Per-platform task queues, on a real Temporal dev server: a post to a platform routed to its own
 * queue is delivered only by a worker polling that queue; its other targets, and every post when
 * routing is off, by the general worker on the main queue.
 */
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let store: Store;
let dir: string;
let sandboxAccount: string;
let mastodonAccount: string;

/** Every platform call, with the worker that made it. */
interface Call {
  worker: 'general' | 'mastodon pool';
  platform: string;
  step: 'publish' | 'unpublish';
  postId: string;
}
let calls: Call[] = [];

/** A platform that records which worker called it and always succeeds. */
function recordingAdapter(platform: string, worker: Call['worker']): PlatformAdapter {
  return {
    platform,
    async publish(req) {
      calls.push({ worker, platform, step: 'publish', postId: req.postId });
      return {
        platformPostId: `${platform}-${req.postId}`,
        permalink: `https://${platform}.test/${req.postId}`,
        publishedAt: new Date().toISOString(),
      };
    },
    async unpublish(req) {
      calls.push({ worker, platform, step: 'unpublish', postId: req.platformPostId.split('-')[1]! });
      return 'deleted';
    },
  };
}

function activitiesOf(worker: Call['worker']) {
  return createActivities({
    store,
    platforms: new Map(['sandbox', 'mastodon'].map((p) => [p, recordingAdapter(p, worker)])),
    media: tempMedia(dir),
  });
}

const taskQueue = 'postflow-wf';
const queues = platformQueuesFrom(['mastodon'], taskQueue);

/** Posts, workflows and the two platforms' activities on the main queue. */
async function withGeneralWorker<T>(fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: activitiesOf('general'),
  });
  return worker.runUntil(fn);
}

/** What `postflow worker --platforms mastodon` runs: the platform's queue, activities only. */
async function withMastodonPool<T>(fn: () => Promise<T>): Promise<T> {
  const settings = platformWorkerSettings('mastodon', taskQueue, {});
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: settings.taskQueue,
    activities: activitiesOf('mastodon pool'),
    maxConcurrentActivityTaskExecutions: settings.maxConcurrentActivityTaskExecutions,
  });
  return worker.runUntil(fn);
}

const client = (platformQueues = queues) =>
  new PostflowClient({ temporal: env.client, store, taskQueue, platformQueues, searchAttributes: false });

/** The task queue each platform-calling activity of the post was scheduled on, by activity type. */
async function scheduledQueues(workflowId: string): Promise<Array<[string, string]>> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .filter((e) => e.eventType === temporal.api.enums.v1.EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)
    .map((e) => {
      const a = e.activityTaskScheduledEventAttributes!;
      return [a.activityType!.name!, a.taskQueue!.name!];
    });
}

const settledPost = (c: PostflowClient, id: string) => c.posts.waitForResult(id, { timeoutMs: 60_000 });

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: await temporalCli() } },
  });
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  ({ store, dir } = await tempStore());
  sandboxAccount = (await store.createAccount({ userId: 'usr_default', platform: 'sandbox', name: 'S' })).id;
  mastodonAccount = (await store.createAccount({ userId: 'usr_default', platform: 'mastodon', name: 'M' }))
    .id;
}, 180_000);

afterAll(async () => {
  await env?.teardown();
  await store?.close();
});

beforeEach(() => {
  calls = [];
});

test("a routed platform's target waits in its queue until a worker polls it, then that worker alone publishes it", async () => {
  const posts = client();
  const { post } = await posts.posts.create({
    account_ids: [sandboxAccount, mastodonAccount],
    text: 'two queues',
  });

  await withGeneralWorker(async () => {
    // The general worker publishes the sandbox target and leaves mastodon's calls in their queue,
    // although it has mastodon's activities too: it never polls postflow-wf-mastodon.
    for (;;) {
      const now = await posts.posts.get(post.id);
      const queued = (await scheduledQueues(post.id)).some(([, q]) => q === 'postflow-wf-mastodon');
      if (now.targets[0]!.status === 'published' && queued) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect((await posts.posts.get(post.id)).targets.map((t) => [t.platform, t.status])).toEqual([
      ['sandbox', 'published'],
      ['mastodon', 'publishing'],
    ]);
    expect(calls).toEqual([{ worker: 'general', platform: 'sandbox', step: 'publish', postId: post.id }]);

    const settled = await withMastodonPool(() => settledPost(posts, post.id));
    expect(settled.status).toBe('published');
  });

  expect(calls).toEqual([
    { worker: 'general', platform: 'sandbox', step: 'publish', postId: post.id },
    { worker: 'mastodon pool', platform: 'mastodon', step: 'publish', postId: post.id },
  ]);
  // Text posts to these platforms have nothing to prepare: only the publish calls are scheduled.
  const scheduled = await scheduledQueues(post.id);
  expect(scheduled).toHaveLength(2);
  expect(scheduled).toEqual(
    expect.arrayContaining([
      ['publishTarget', 'postflow-wf'],
      ['publishTarget', 'postflow-wf-mastodon'],
    ]),
  );
});

test('a post keeps its routing through an edit, and its delete runs on the same queues', async () => {
  const posts = client();
  const { post } = await posts.posts.create({
    account_ids: [sandboxAccount, mastodonAccount],
    text: 'draft',
    scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
  });

  await withGeneralWorker(() =>
    withMastodonPool(async () => {
      await posts.posts.update(post.id, { text: 'edited' });
      await posts.posts.publishNow(post.id);
      expect((await settledPost(posts, post.id)).status).toBe('published');
      const deleted = await posts.posts.delete(post.id);
      expect(deleted.results.map((r) => [r.platform, r.outcome])).toEqual([
        ['sandbox', 'deleted'],
        ['mastodon', 'deleted'],
      ]);
    }),
  );

  expect(calls.map((c) => [c.worker, c.platform, c.step])).toEqual(
    expect.arrayContaining([
      ['general', 'sandbox', 'publish'],
      ['mastodon pool', 'mastodon', 'publish'],
      ['general', 'sandbox', 'unpublish'],
      ['mastodon pool', 'mastodon', 'unpublish'],
    ]),
  );
  expect(calls).toHaveLength(4);
});

test('with routing off, the general worker makes every call, as before', async () => {
  const posts = client({});
  const { post } = await posts.posts.create({
    account_ids: [sandboxAccount, mastodonAccount],
    text: 'one queue',
  });

  await withGeneralWorker(async () => {
    expect((await settledPost(posts, post.id)).status).toBe('published');
  });

  expect(calls.map((c) => [c.worker, c.platform])).toEqual(
    expect.arrayContaining([
      ['general', 'sandbox'],
      ['general', 'mastodon'],
    ]),
  );
  expect(calls).toHaveLength(2);
  expect(new Set((await scheduledQueues(post.id)).map(([, q]) => q))).toEqual(new Set(['postflow-wf']));
});

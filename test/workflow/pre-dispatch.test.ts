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
import { ApiError } from '../../api/errors';
import type { PlatformAdapter } from '../../platforms/kit/adapter';
import { PostflowClient } from '../../client';
import type { Store } from '../../store/types';
import { PRE_DISPATCH_PATCH } from '../../workflows/dispatch';
import { DISPATCH_FENCE, untilInstant } from '../../activities/dispatch-wait';
import { cutOff } from '../explore/fault-layer';
import { tempMedia, tempStore } from '../helpers/fixtures';
import { temporalCli } from '../helpers/tools';

/**
 * Pre-dispatch (docs/performance.md "Publish on the second"), on a real Temporal dev server in
 * real time: a scheduled post's publish call is dispatched `preDispatchMs` before its instant and
 * waits in the worker, so the platform call goes out at the instant; a change that comes while it
 * waits recalls it before it calls, and one that comes after the call went out is refused.
 */
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let store: Store;
let dir: string;
let account: string;
let worker: Worker;
let running: Promise<void>;

/** Every platform call: when it was made, and the text it published. */
let calls: Array<{ at: number; text: string }> = [];
/** When set, the platform holds each publish call until it is released. */
let gate: Promise<void> | undefined;

const adapter: PlatformAdapter = {
  platform: 'sandbox',
  async publish(req) {
    calls.push({ at: Date.now(), text: String(req.content.text) });
    await gate;
    return {
      platformPostId: `sb-${req.postId}`,
      permalink: `https://sandbox.test/${req.postId}`,
      publishedAt: new Date().toISOString(),
    };
  },
};

const taskQueue = 'pre-dispatch';
/** The text of a post whose worker goes silent while its call waits, and comes back after. */
const LOST = 'worker lost while waiting';
/** The posts whose first dispatched call lost its worker. */
const lost = new Set<string>();
const LEAD_MS = 6_000;
const client = () =>
  new PostflowClient({
    temporal: env.client,
    store,
    taskQueue,
    searchAttributes: false,
    preDispatchMs: LEAD_MS,
    collectMetrics: false,
  });

/** A post due `inMs` from now: with a lead of 6 s, dispatched at once when `inMs` is under it. */
async function scheduledPost(posts: PostflowClient, inMs: number, text = 'on the second') {
  const scheduledAt = new Date(Date.now() + inMs).toISOString();
  const { post } = await posts.posts.create({ account_ids: [account], text, scheduled_at: scheduledAt });
  return { id: post.id, scheduledAt: Date.parse(scheduledAt) };
}

/** Waits until the post's publish activity runs in the worker (it is then waiting for the instant). */
async function untilWaitingInWorker(id: string): Promise<void> {
  const { PENDING_ACTIVITY_STATE_STARTED } = temporal.api.enums.v1.PendingActivityState;
  for (;;) {
    const described = await env.client.workflow.getHandle(id).describe();
    const pending = described.raw.pendingActivities ?? [];
    if (
      pending.some(
        (a) => a.activityType?.name === 'publishTarget' && a.state === PENDING_ACTIVITY_STATE_STARTED,
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function history(id: string) {
  return (await env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
}

const settled = (posts: PostflowClient, id: string) => posts.posts.waitForResult(id, { timeoutMs: 60_000 });

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
  account = (await store.createAccount({ userId: 'usr_default', platform: 'sandbox', name: 'S' })).id;
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({
      store,
      platforms: new Map([['sandbox', adapter]]),
      media: tempMedia(dir),
      // A post whose text says so loses its worker while the call waits (the last test).
      dispatchWait: async (job, signal) => {
        if (job.content.text === LOST && !lost.has(job.postId)) {
          lost.add(job.postId);
          await cutOff(new AbortController().signal);
        }
        await untilInstant(job.notBefore!, signal);
      },
    }),
  });
  running = worker.run();
}, 180_000);

afterAll(async () => {
  worker?.shutdown();
  await running;
  await env?.teardown();
  await store?.close();
});

beforeEach(() => {
  calls = [];
  gate = undefined;
});

test('the publish call is dispatched ahead and waits in the worker: the platform call goes out at the instant, not before, and the post reads scheduled until then', async () => {
  const posts = client();
  const { id, scheduledAt } = await scheduledPost(posts, 4_000);

  await untilWaitingInWorker(id);
  const waiting = await posts.posts.get(id);
  expect(waiting.status).toBe('scheduled');
  expect(waiting.targets.map((t) => t.status)).toEqual(['pending']);
  expect(calls).toEqual([]);

  const post = await settled(posts, id);
  expect(post.status).toBe('published');
  expect(calls).toHaveLength(1);
  expect(calls[0]!.at).toBeGreaterThanOrEqual(scheduledAt);
  const events = await history(id);
  const scheduled = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'publishTarget',
  );
  const scheduledAtMs = Number(scheduled!.eventTime!.seconds) * 1000;
  expect(scheduledAtMs).toBeLessThan(scheduledAt);
  const patches = events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data =
      marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : null;
    return data ? [(JSON.parse(Buffer.from(data).toString()) as { id: string }).id] : [];
  });
  expect(patches).toContain(PRE_DISPATCH_PATCH);
});

test('a cancel while the call waits for its instant recalls it: nothing is published, then or later', async () => {
  const posts = client();
  const { id, scheduledAt } = await scheduledPost(posts, 5_000);
  await untilWaitingInWorker(id);

  const cancelled = await posts.posts.cancel(id);
  expect(cancelled.status).toBe('cancelled');
  await env.client.workflow.getHandle(id).result();
  // Past the instant: the recalled call stays silent.
  await new Promise((r) => setTimeout(r, Math.max(scheduledAt - Date.now(), 0) + 1_500));
  expect(calls).toEqual([]);
  expect((await posts.posts.get(id)).status).toBe('cancelled');
});

test('a reschedule while the call waits recalls it; the post goes out once, at its new instant', async () => {
  const posts = client();
  const { id, scheduledAt } = await scheduledPost(posts, 5_000);
  await untilWaitingInWorker(id);

  const later = new Date(scheduledAt + 4_000).toISOString();
  const moved = await posts.posts.update(id, { scheduled_at: later });
  expect(moved.status).toBe('scheduled');
  expect(moved.scheduled_at).toBe(later);

  expect((await settled(posts, id)).status).toBe('published');
  expect(calls).toHaveLength(1);
  expect(calls[0]!.at).toBeGreaterThanOrEqual(Date.parse(later));
});

test('an edit while the call waits recalls it; the edited text is what goes out, once', async () => {
  const posts = client();
  const { id } = await scheduledPost(posts, 5_000, 'first draft');
  await untilWaitingInWorker(id);

  await posts.posts.update(id, { text: 'edited at the last moment' });

  expect((await settled(posts, id)).status).toBe('published');
  expect(calls.map((c) => c.text)).toEqual(['edited at the last moment']);
});

test('publish now while the call waits: it goes out at once, before the instant, once', async () => {
  const posts = client();
  const { id, scheduledAt } = await scheduledPost(posts, 5_500);
  await untilWaitingInWorker(id);

  await posts.posts.publishNow(id);

  expect((await settled(posts, id)).status).toBe('published');
  expect(calls).toHaveLength(1);
  expect(calls[0]!.at).toBeLessThan(scheduledAt);
});

test('a change that comes after the publish call went out is refused, and the post publishes as it was, once', async () => {
  const posts = client();
  let release!: () => void;
  gate = new Promise((r) => (release = r));
  const { id } = await scheduledPost(posts, 2_000, 'as it was');
  while (calls.length === 0) await new Promise((r) => setTimeout(r, 50));

  const refused = await posts.posts.cancel(id).then(
    () => undefined,
    (err: unknown) => err,
  );
  release();
  expect(refused).toBeInstanceOf(ApiError);
  expect((refused as ApiError).status).toBe(409);
  expect((refused as ApiError).message).toMatch(/instant came before this change/);

  const post = await settled(posts, id);
  expect(post.status).toBe('published');
  expect(calls.map((c) => c.text)).toEqual(['as it was']);
});

test('a worker that goes silent while its call waits never calls once Temporal gave up on it: the fence stops it, and the retry publishes once', async () => {
  const posts = client();
  const { id } = await scheduledPost(posts, 3_000, LOST);

  const post = await settled(posts, id);
  expect(post.status).toBe('published');
  // The silent attempt came back after its heartbeat timeout and found its fence claimed.
  const events = await history(id);
  const dispatchIds = events
    .filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'publishTarget')
    .map((e) => {
      const [job] = e.activityTaskScheduledEventAttributes!.input!.payloads!.map(
        (p) => JSON.parse(Buffer.from(p.data!).toString()) as { dispatchId?: string },
      );
      return job!.dispatchId!;
    });
  expect(dispatchIds).toHaveLength(2);
  const claims = await Promise.all(
    dispatchIds.map((d) => store.idempotency.find(DISPATCH_FENCE.owner, DISPATCH_FENCE.scope, d)),
  );
  expect(claims).toEqual(['abandoned', 'called']);
  expect(calls.map((c) => c.text)).toEqual([LOST]);
});

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
import { specQuery } from '../../workflows/messages';
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

/** Every platform call: when it was made, the text it published, and the container it published (Threads). */
let calls: Array<{ at: number; text: string; container?: string }> = [];
/** Threads' containers, made by its prepare step; and the containers offered to it again. */
let containers: Array<{ at: number; id: string; text: string }> = [];
let offeredAgain: string[] = [];
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

/**
 * A Threads-like platform: prepare makes a container the platform processes for a second, the
 * publish call publishes it, and a container not yet published may be offered again.
 */
const threads: PlatformAdapter = {
  platform: 'threads',
  async prepare(req) {
    const id = `container-${containers.length + 1}`;
    containers.push({ at: Date.now(), id, text: String(req.content.text) });
    return { processing: { id }, pollAfterMs: 1_000 };
  },
  async checkPrepared(_req, state) {
    return { ready: state };
  },
  async reusable(_req, prepared) {
    offeredAgain.push(String(prepared.id));
    return 'reuse';
  },
  async publish(req, prepared) {
    calls.push({ at: Date.now(), text: String(req.content.text), container: String(prepared.id) });
    return {
      platformPostId: `th-${req.postId}`,
      permalink: `https://threads.test/${req.postId}`,
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
/** Pre-staging's lead in these tests (POSTFLOW_PRE_STAGE in seconds): 12 s for every target that prepares. */
const STAGE_MS = 12_000;
let threadsAccount: string;
const client = () =>
  new PostflowClient({
    temporal: env.client,
    store,
    taskQueue,
    searchAttributes: false,
    preDispatchMs: LEAD_MS,
    preStage: STAGE_MS,
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
  threadsAccount = (await store.createAccount({ userId: 'usr_default', platform: 'threads', name: 'T' })).id;
  worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({
      store,
      platforms: new Map([
        ['sandbox', adapter],
        ['threads', threads],
      ]),
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
  containers = [];
  offeredAgain = [];
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

/** A Threads post due `inMs` from now: staged STAGE_MS ahead, its call dispatched LEAD_MS ahead. */
async function stagedPost(posts: PostflowClient, inMs: number, text: string) {
  const scheduledAt = new Date(Date.now() + inMs).toISOString();
  const { post } = await posts.posts.create({
    account_ids: [threadsAccount],
    text,
    scheduled_at: scheduledAt,
  });
  return { id: post.id, scheduledAt: Date.parse(scheduledAt) };
}

async function untilContainers(count: number): Promise<void> {
  while (containers.length < count) await new Promise((r) => setTimeout(r, 50));
}

/**
 * Until the post's staged delivery, its container processed, waits on its timer for its call
 * time: the workflow has seen the container ready (a processing check completed, then a timer).
 */
async function untilStaged(id: string): Promise<void> {
  for (;;) {
    const checks = new Set<string>();
    let checked = false;
    for (const e of await history(id)) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled?.activityType?.name === 'checkPreparedTarget') checks.add(String(e.eventId));
      const completed = e.activityTaskCompletedEventAttributes;
      if (completed && checks.has(String(completed.scheduledEventId))) checked = true;
      if (checked && e.timerStartedEventAttributes) return;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('pre-staging: a target that prepares makes its container ahead of its instant, reads scheduled meanwhile, and its publish call still goes out at the instant', async () => {
  const posts = client();
  const { id, scheduledAt } = await stagedPost(posts, 16_000, 'staged ahead');
  expect((await env.client.workflow.getHandle(id).query(specQuery)).preStageMs).toEqual({
    [threadsAccount]: STAGE_MS,
  });

  await untilContainers(1);
  // Made in the stage window, well before the call's own lead.
  expect(containers[0]!.at).toBeLessThan(scheduledAt - LEAD_MS);
  const staging = await posts.posts.get(id);
  expect(staging.status).toBe('scheduled');
  expect(staging.targets.map((t) => t.status)).toEqual(['pending']);

  const post = await settled(posts, id);
  expect(post.status).toBe('published');
  expect(calls).toEqual([expect.objectContaining({ text: 'staged ahead', container: 'container-1' })]);
  expect(calls[0]!.at).toBeGreaterThanOrEqual(scheduledAt);
  // The publish call was dispatched after the staged container was ready, and before the instant.
  const events = await history(id);
  const dispatched = events.find(
    (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'publishTarget',
  );
  const dispatchedAt = Number(dispatched!.eventTime!.seconds) * 1000;
  expect(dispatchedAt).toBeLessThan(scheduledAt);
  expect(dispatchedAt).toBeGreaterThan(containers[0]!.at);
});

test('pre-staging: a reschedule while staged offers the same container again at the new instant; an edit makes a new one; each publishes once', async () => {
  const posts = client();
  const moved = await stagedPost(posts, 14_000, 'moved');
  await untilStaged(moved.id);
  const later = new Date(Date.now() + 15_000).toISOString();
  await posts.posts.update(moved.id, { scheduled_at: later });

  const edited = await stagedPost(posts, 14_000, 'before the edit');
  await untilContainers(2);
  await posts.posts.update(edited.id, { text: 'after the edit' });

  expect((await settled(posts, edited.id)).status).toBe('published');
  expect((await settled(posts, moved.id)).status).toBe('published');
  // The moved post's container, offered again and published at its new instant; the edited
  // post's first container was left unpublished, and a new one made for the new text.
  expect(offeredAgain).toEqual(['container-1']);
  expect(containers.map((c) => c.text)).toEqual(['moved', 'before the edit', 'after the edit']);
  expect(calls.map((c) => [c.text, c.container]).sort()).toEqual([
    ['after the edit', 'container-3'],
    ['moved', 'container-1'],
  ]);
  expect(calls.find((c) => c.text === 'moved')!.at).toBeGreaterThanOrEqual(Date.parse(later));
});

test('pre-staging: publish now while staged offers the same container again and publishes it at once, once', async () => {
  const posts = client();
  const { id, scheduledAt } = await stagedPost(posts, 14_000, 'right away');
  await untilStaged(id);

  await posts.posts.publishNow(id);

  expect((await settled(posts, id)).status).toBe('published');
  expect(offeredAgain).toEqual(['container-1']);
  expect(containers).toHaveLength(1);
  expect(calls).toEqual([expect.objectContaining({ text: 'right away', container: 'container-1' })]);
  expect(calls[0]!.at).toBeLessThan(scheduledAt);
});

test('pre-staging: a cancel while staged stops the delivery before any publish call: nothing is published, then or later', async () => {
  const posts = client();
  const { id, scheduledAt } = await stagedPost(posts, 14_000, 'never published');
  await untilContainers(1);

  expect((await posts.posts.cancel(id)).status).toBe('cancelled');
  await env.client.workflow.getHandle(id).result();
  await new Promise((r) => setTimeout(r, Math.max(scheduledAt - Date.now(), 0) + 1_500));
  expect(calls).toEqual([]);
  expect((await posts.posts.get(id)).status).toBe('cancelled');
});

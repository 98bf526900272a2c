import type { ChildProcess } from 'node:child_process';
import { temporal } from '@temporalio/proto';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { Stack } from '../helpers/stack';

/**
 * Per-platform task queues through the real stack: the Temporal dev server, `postflow api` and a
 * general `postflow worker` started with `POSTFLOW_PLATFORM_QUEUES=mastodon`, plus a
 * `postflow worker --platforms mastodon`. Mastodon is played by its fake over HTTP, the other
 * target by the sandbox. Which process made each call is read from the posts' histories: each
 * activity's start names the identity (`<pid>@<host>`) of the worker that ran it.
 */
const mastodon = new MastodonFake();
let stack: Stack;
let mastodonWorker: ChildProcess;
const EventType = temporal.api.enums.v1.EventType;

beforeAll(async () => {
  await mastodon.start();
  stack = await new Stack({
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_MASTODON_API_URL: mastodon.url,
    POSTFLOW_PLATFORM_QUEUES: 'mastodon',
    POSTFLOW_MASTODON_ACTIVITIES_PER_SECOND: '20',
  }).start();
  mastodonWorker = await stack.spawnNode(
    [stack.cli, 'worker', '--platforms', 'mastodon'],
    'mastodon-worker',
    /Worker polling task queue \\?"postflow-mastodon/,
  );
}, 180_000);

afterAll(async () => {
  if (mastodonWorker && mastodonWorker.exitCode === null && mastodonWorker.signalCode === null) {
    const exited = new Promise((resolve) => mastodonWorker.once('exit', resolve));
    mastodonWorker.kill('SIGTERM');
    await exited;
  }
  await stack?.stop();
  await mastodon.stop();
});

/** Each activity of the post: its type, the task queue it was scheduled on, the worker that ran it. */
async function activityRuns(postId: string) {
  const events = (await stack.client.workflow.getHandle(postId).fetchHistory()).events ?? [];
  const scheduled = new Map<string, { type: string; queue: string }>();
  const runs: Array<{ type: string; queue: string; identity: string }> = [];
  for (const e of events) {
    if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED) {
      const a = e.activityTaskScheduledEventAttributes!;
      scheduled.set(String(e.eventId), { type: a.activityType!.name!, queue: a.taskQueue!.name! });
    } else if (e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED) {
      const a = e.activityTaskStartedEventAttributes!;
      runs.push({ ...scheduled.get(String(a.scheduledEventId))!, identity: a.identity! });
    }
  }
  return runs;
}

const ranBy = (child: ChildProcess | undefined) => expect.stringMatching(new RegExp(`^${child!.pid}@`));

test('the platform worker says which queue it serves, with its concurrency and the queue rate', () => {
  expect(stack.logs()).toMatch(
    /\[mastodon-worker\].*Worker polling task queue \\?"postflow-mastodon\\?".*mastodon activities only, at most 4 at once in this worker, 20\/s across the queue/,
  );
});

test("Temporal rates the platform's whole queue at the worker's POSTFLOW_<PLATFORM>_ACTIVITIES_PER_SECOND", async () => {
  // The worker sends its rate with its polls; the server applies it to the queue, for every worker.
  const describe = () =>
    stack.client.workflowService.describeTaskQueue({
      namespace: 'default',
      taskQueue: { name: 'postflow-mastodon' },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
      reportConfig: true,
    });
  let answer = await describe();
  while (
    answer.effectiveRateLimit?.rateLimitSource !==
    temporal.api.enums.v1.RateLimitSource.RATE_LIMIT_SOURCE_WORKER
  ) {
    await new Promise((r) => setTimeout(r, 250));
    answer = await describe();
  }
  expect(answer.effectiveRateLimit.requestsPerSecond).toBe(20);
  expect(answer.pollers.map((p) => p.identity)).toEqual([
    expect.stringMatching(new RegExp(`^${mastodonWorker.pid}@`)),
  ]);
});

test('mastodon targets are published by the --platforms worker, sandbox targets by the general worker, each once', async () => {
  const sandbox = await stack.createSandboxAccount();
  const account = await stack.request('POST', '/v1/accounts', {
    platform: 'mastodon',
    name: 'Mastodon',
    credentials: mastodon.credentials(),
  });
  expect(account.status).toBe(201);

  const texts = ['first of three', 'second of three', 'third of three'];
  const created = await Promise.all(
    texts.map((text) =>
      stack.request('POST', '/v1/posts', { account_ids: [sandbox, account.body.id], text }),
    ),
  );
  const posts = await Promise.all(created.map((c) => stack.waitForPost(c.body.id)));

  for (const post of posts) {
    expect(post.targets.map((t: any) => [t.platform, t.status, t.error])).toEqual([
      ['sandbox', 'published', null],
      ['mastodon', 'published', null],
    ]);
    // One publish call per target; the queue decides the worker.
    const publishes = (await activityRuns(post.id))
      .filter((r) => r.type === 'publishTarget')
      .sort((a, b) => a.queue.localeCompare(b.queue));
    expect(publishes).toEqual([
      { type: 'publishTarget', queue: 'postflow', identity: ranBy(stack.worker) },
      { type: 'publishTarget', queue: 'postflow-mastodon', identity: ranBy(mastodonWorker) },
    ]);
    // Every mastodon call (prepare, publish) ran on the platform worker, nothing else did.
    for (const run of await activityRuns(post.id)) {
      expect([run.type, run.queue, run.identity]).toEqual(
        run.queue === 'postflow-mastodon'
          ? [run.type, run.queue, ranBy(mastodonWorker)]
          : [run.type, 'postflow', ranBy(stack.worker)],
      );
    }
  }
  // The fake received each post exactly once.
  expect(texts.map((t) => mastodon.statuses.filter((s) => s.text.includes(t)).length)).toEqual([1, 1, 1]);
  expect(mastodon.statuses).toHaveLength(texts.length);
  expect(posts.map((p) => p.targets[1].platform_post_id).sort()).toEqual(
    mastodon.statuses.map((s) => s.id).sort(),
  );
}, 240_000);

test('a --platforms list naming an unknown platform stops the worker at once with the list of platforms', () => {
  const run = stack.runCli('worker', '--platforms', 'mastodon,mastodn');
  expect(run.status).toBe(1);
  expect(run.stdout + run.stderr).toMatch(
    /--platforms names an unknown platform \\?"mastodn\\?"; use one of: sandbox,/,
  );
});

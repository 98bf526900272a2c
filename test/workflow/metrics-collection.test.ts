import { Context } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import type { WebhookJob } from '../../activities/webhooks';
import type { CollectMetricsInput, MetricsJob, MetricsOutcome } from '../../api/types';
import { javaTestServer } from '../helpers/tools';

/**
 * `collectPostMetrics` on the time-skipping server, its activities scripted: the passes land at
 * +1 h, +24 h and +7 d of the server's clock after the publish, a rate limit delays a pass by
 * the wait the platform asked for (a workflow timer), a deleted target ends the collection, a cancel stops it.
 */
let env: TestWorkflowEnvironment;

beforeAll(() => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
});

// A server per test: work one test's collection abandons (its last webhook delivery) must not
// hold the next test's clock.
beforeEach(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: javaTestServer() } },
  });
});

afterEach(async () => {
  await env?.teardown();
});

const HOUR = 3_600_000;
const SCHEDULE = [HOUR, 24 * HOUR, 7 * 24 * HOUR];
const metrics = (likes: number) => ({ likes, comments: 1, shares: 2, saves: 0, extra: {} });

/**
 * One read as the platform answered it: counts, a rate limit (a wait in ms), gone, or counts
 * while someone cancels the collection.
 */
type Answer = number | { rateLimitMs: number } | 'gone' | { cancelWith: number };

interface Run {
  /** Each read's attempt, on the server's clock (its scheduled time). */
  reads: Array<{ at: number; attempt: number }>;
  /** The pass each read was for (the store's key: one row per target and due time). */
  dueAts: string[];
  events: WebhookJob['event'][];
}

async function collect(id: string, answers: Answer[], events = 0) {
  const run: Run = { reads: [], dueAts: [], events: [] };
  let next = 0;
  const taskQueue = `metrics-${id}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: {
      metricsSchedule: async () => SCHEDULE,
      webhookSubscribers: async () => ['wh_1'],
      sendWebhook: async (job: WebhookJob) => {
        run.events.push(job.event);
        return 'delivered' as const;
      },
      failWebhookDelivery: async () => {},
      collectTargetMetrics: async (_job: MetricsJob, dueAt: string): Promise<MetricsOutcome> => {
        run.dueAts.push(dueAt);
        const { currentAttemptScheduledTimestampMs: at, attempt } = Context.current().info;
        run.reads.push({ at, attempt });
        const answer = answers[next++]!;
        if (answer === 'gone') return { outcome: 'gone' };
        if (typeof answer === 'object' && 'cancelWith' in answer) {
          await env.client.workflow.getHandle(`metrics_${id}`).cancel();
          return {
            outcome: 'synced',
            metrics: metrics(answer.cancelWith),
            syncedAt: new Date(at).toISOString(),
          };
        }
        // The activity classifies a rate limit (activities/metrics.ts) and hands back its wait.
        if (typeof answer === 'object') return { outcome: 'rate_limited', retryAfterMs: answer.rateLimitMs };
        return { outcome: 'synced', metrics: metrics(answer), syncedAt: new Date(at).toISOString() };
      },
    },
  });
  const publishedAt = await env.currentTimeMs();
  const input: CollectMetricsInput = {
    postId: `post_${id}`,
    userId: 'usr_1',
    targets: [
      {
        postId: `post_${id}`,
        accountId: 'acc_1',
        platform: 'mastodon',
        receipt: { platformPostId: '1', permalink: '', publishedAt: new Date(publishedAt).toISOString() },
      },
    ],
  };
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start('collectPostMetrics', {
      taskQueue,
      workflowId: `metrics_${id}`,
      args: [input],
    });
    await handle.result().catch((err: unknown) => {
      if (!(err instanceof WorkflowFailedError)) throw err;
    });
    // The last webhook delivery (a child the collection abandons) finishes before the worker
    // stops: a task left on a queue nobody serves would hold the test server's clock.
    while (run.events.length < events) await new Promise((resolve) => setTimeout(resolve, 50));
  });
  return { ...run, publishedAt };
}

test('reads at +1 h, +24 h and +7 d after the publish, and sends post.metrics_updated each pass', async () => {
  const { reads, events, publishedAt } = await collect('passes', [3, 10, 25], 3);
  expect(reads).toHaveLength(3);
  reads.forEach(({ at }, i) => {
    expect(at).toBeGreaterThanOrEqual(publishedAt + SCHEDULE[i]!);
    if (i + 1 < SCHEDULE.length) expect(at).toBeLessThan(publishedAt + SCHEDULE[i + 1]!);
  });
  expect(events.map((e) => [e.event, e.data.pass, (e.data.targets as any)[0].metrics.likes])).toEqual([
    ['post.metrics_updated', 1, 3],
    ['post.metrics_updated', 2, 10],
    ['post.metrics_updated', 3, 25],
  ]);
  expect(events[0]!.data).toMatchObject({
    post_id: 'post_passes',
    targets: [{ account_id: 'acc_1', platform: 'mastodon', metrics: metrics(3) }],
  });
});

test("a rate limit waits the platform's reset on a durable timer, then reads the same pass again", async () => {
  const wait = 15 * 60_000; // X's window
  const { reads, dueAts, events, publishedAt } = await collect(
    'ratelimit',
    [{ rateLimitMs: wait }, 7, 8, 9],
    3,
  );
  expect(reads).toHaveLength(4);
  expect(reads[1]!.at).toBeGreaterThanOrEqual(reads[0]!.at + wait);
  // The retry is the same pass (same due time), so the store keeps one row for it.
  expect(dueAts[1]).toBe(dueAts[0]);
  expect(dueAts[0]).toBe(new Date(publishedAt + SCHEDULE[0]!).toISOString());
  expect(events.map((e) => [e.data.pass, (e.data.targets as any)[0].metrics.likes])).toEqual([
    [1, 7],
    [2, 8],
    [3, 9],
  ]);
});

test('a target deleted on its platform (fetchMetrics: null) after the first pass is not read again: the collection ends', async () => {
  const { reads, events } = await collect('deleted', [4, 'gone', 99], 1);
  expect(reads).toHaveLength(2);
  expect(events.map((e) => e.data.pass)).toEqual([1]);
});

test('a cancelled collection reads no more', async () => {
  const { reads } = await collect('cancel', [{ cancelWith: 1 }, 2, 3]);
  expect(reads).toHaveLength(1);
});

import type { ChildProcess } from 'node:child_process';
import { recordFigures } from '../helpers/figures';
import { Stack } from '../helpers/stack';

/**
 * SIGTERM while a post fans out to many accounts: `postflow worker` lets running publish calls
 * finish for up to 20 s (`shutdownGraceTime` in worker/worker.ts), exits 0, and nothing is lost or
 * doubled: a new worker carries every target to `published` exactly once. Calls that outlast the
 * grace time are cancelled; their posts were made, so reconcile finds them instead of posting
 * again. And SIGTERM to `postflow api` with a request in flight: the request is answered, the
 * process exits 0.
 */
const GRACE_MS = 20_000;
/** Calls that finish within the grace time, calls that outlast it, calls that are done before SIGTERM. */
const FLEET = [
  { count: 16, latencyMs: 8_000, kind: 'finish within the grace time' },
  { count: 4, latencyMs: 40_000, kind: 'outlast the grace time' },
  { count: 5, latencyMs: 0, kind: 'immediate' },
];

let stack: Stack;

beforeAll(async () => {
  // The API answers at once (no sync wait), so the test controls when SIGTERM lands.
  stack = await new Stack({ POSTFLOW_SYNC_WAIT_MS: '0' }).start();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
});

const sandboxPosts = async (accountId: string, postId: string) =>
  ((await stack.request('GET', `/v1/sandbox/${accountId}/posts`)).body.data as any[]).filter(
    (p) => p.post_id === postId,
  );

/** Sends `signal` and resolves with the exit code and how long the process took to exit. */
async function signalAndTime(child: ChildProcess, signal: NodeJS.Signals) {
  const sent = Date.now();
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  const code = await exited;
  return { code, exitMs: Date.now() - sent };
}

/** What the post's history says of its publish calls so far: how many finished, how many failed. */
async function publishCalls(postId: string) {
  const history = await stack.client.workflow.getHandle(postId).fetchHistory();
  const publishScheduled = new Set<string>();
  let completed = 0;
  let failed = 0;
  for (const event of history.events ?? []) {
    const id = String(event.eventId);
    if (event.activityTaskScheduledEventAttributes?.activityType?.name === 'publishTarget')
      publishScheduled.add(id);
    const done =
      event.activityTaskCompletedEventAttributes ??
      event.activityTaskFailedEventAttributes ??
      event.activityTaskTimedOutEventAttributes ??
      event.activityTaskCanceledEventAttributes;
    if (!done || !publishScheduled.has(String(done.scheduledEventId))) continue;
    if (event.activityTaskCompletedEventAttributes) completed += 1;
    else failed += 1;
  }
  return { scheduled: publishScheduled.size, completed, failed };
}

test(
  'SIGTERM during a fan-out to 25 accounts: the worker exits 0 after its running calls, and a new worker publishes every target exactly once',
  async () => {
    const accounts: Array<{ id: string; latencyMs: number }> = [];
    for (const group of FLEET) {
      for (let i = 0; i < group.count; i++) {
        accounts.push({
          id: await stack.createSandboxAccount(`${group.kind} ${i}`),
          latencyMs: group.latencyMs,
        });
      }
    }
    const { status, body } = await stack.request('POST', '/v1/posts', {
      text: 'fan-out through a graceful shutdown',
      targets: accounts.map((a) => ({
        account_id: a.id,
        platform_data: a.latencyMs ? { latency_ms: a.latencyMs } : {},
      })),
      publish_now: true,
    });
    expect(status).toBe(201);
    const postId: string = body.id;

    // Every call has been made (the sandbox records a post before it answers): the slow ones are running.
    await waitFor(async () => {
      const made = await Promise.all(accounts.map((a) => sandboxPosts(a.id, postId)));
      return made.every((m) => m.length === 1);
    });
    const atSigterm = await stack.request('GET', `/v1/posts/${postId}`);
    const inFlight = atSigterm.body.targets.filter((t: any) => t.status === 'publishing').length;

    const { code, exitMs } = await signalAndTime(stack.worker!, 'SIGTERM');
    expect(code).toBe(0);
    // A worker that hangs is a failure; the bound is loose: the grace time plus a slow machine's margin.
    expect(exitMs).toBeLessThan(GRACE_MS + 60_000);
    const beforeExit = await publishCalls(postId);

    await stack.startWorker();
    const post = await stack.waitForPost(postId, undefined, 5 * 60_000);
    const afterRestart = await publishCalls(postId);

    expect(post.status).toBe('published');
    expect(post.targets.map((t: any) => t.status)).toEqual(accounts.map(() => 'published'));
    let duplicates = 0;
    let lost = 0;
    for (const [i, account] of accounts.entries()) {
      const made = await sandboxPosts(account.id, postId);
      if (made.length === 0) lost += 1;
      if (made.length > 1) duplicates += made.length - 1;
      expect([account.id, made.length]).toEqual([account.id, 1]);
      expect(post.targets[i].platform_post_id).toBe(made[0].platform_post_id);
      // Never a second publish call: the ones cancelled at the end of the grace time were reconciled.
      expect(post.targets[i].attempts).toBe(1);
    }
    const slowWithinGrace = FLEET[0]!.count;
    const immediate = FLEET[2]!.count;
    // Every call that could finish within the grace time did, before the worker exited.
    expect(beforeExit.completed).toBeGreaterThanOrEqual(slowWithinGrace + immediate);
    expect(afterRestart.scheduled).toBe(accounts.length);

    recordFigures('shutdown', {
      columns: [
        'targets',
        'in flight at SIGTERM',
        'finished before exit',
        'cancelled at the end of the grace time',
        'exit code',
        'exit time',
        'settled after restart',
        'lost',
        'duplicates',
      ],
      rows: [
        [
          accounts.length,
          inFlight,
          beforeExit.completed - (accounts.length - inFlight),
          beforeExit.failed,
          code ?? 'signal',
          `${(exitMs / 1000).toFixed(1)} s`,
          `${accounts.length - beforeExit.completed} (found by reconcile)`,
          lost,
          duplicates,
        ],
      ],
      notes: [
        `One post to ${accounts.length} sandbox accounts: ${FLEET.map((g) => `${g.count} answering after ${g.latencyMs / 1000} s`).join(', ')}. SIGTERM once every call was made; grace time ${GRACE_MS / 1000} s.`,
        '"Finished before exit" counts the calls running at SIGTERM that completed before the worker exited; the rest were cancelled when the grace time ran out and settled by reconcile on the new worker, each with a single publish call.',
      ],
    });
  },
  8 * 60_000,
);

test(
  'SIGTERM to the API with a request in flight: the request is answered and the API exits 0',
  async () => {
    // This API waits up to 30 s for a new post to settle before answering: the request is in flight.
    expect((await signalAndTime(stack.api!, 'SIGTERM')).code).toBe(0); // an idle API stops too
    stack.api = await stack.spawnNode([stack.cli, 'api'], 'api', /HTTP API on/, {
      POSTFLOW_SYNC_WAIT_MS: '30000',
    });
    const accountId = await stack.createSandboxAccount('api shutdown');
    const answer = stack.request('POST', '/v1/posts', {
      text: 'answered through a shutdown',
      targets: [{ account_id: accountId, platform_data: { latency_ms: 4_000 } }],
      publish_now: true,
    });
    await waitFor(async () => (await sandboxPostsByText(accountId, 'answered through a shutdown')) > 0);

    const { code } = await signalAndTime(stack.api, 'SIGTERM');
    const { status, body } = await answer;
    expect(code).toBe(0);
    expect(status).toBe(201);
    expect(body.status).toBe('published');
    await stack.startApi();
    expect(await sandboxPostsByText(accountId, 'answered through a shutdown')).toBe(1);
  },
  3 * 60_000,
);

async function sandboxPostsByText(accountId: string, text: string): Promise<number> {
  const { body } = await stack.request('GET', `/v1/sandbox/${accountId}/posts`);
  return (body.data as any[]).filter((p) => p.text === text).length;
}

async function waitFor(done: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting:\n${stack.logs()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

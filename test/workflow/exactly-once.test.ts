import type { temporal } from '@temporalio/proto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { createActivities } from '../../activities';
import { type PlatformAdapter, PublishError } from '../../platforms/kit/adapter';
import { createPlatformRegistry, type PlatformRegistry } from '../../activities/platforms/registry';
import { PostflowClient } from '../../client';
import type { PostResource } from '../../api/types';
import type { Store } from '../../store/types';
import { HISTORY_BOUND } from '../../workflows/delivery';
import { recordFigures } from '../helpers/figures';
import { tempMedia, tempStore } from '../helpers/fixtures';
import { javaTestServer } from '../helpers/tools';

/**
 * Named regressions of issue "Exactly once, proven exhaustively": paths off the tested ones that
 * published a post twice or stranded it. Each ran red on the engine before the fix. The real
 * workflow and activities on the time-skipping server, the sandbox as the platform (its store is
 * the platform's ledger: one item per publication).
 */

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let store: Store;
let dir: string;
let client: PostflowClient;
let taskQueue: string;

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
  client = new PostflowClient({ temporal: env.client, store, taskQueue, searchAttributes: false });
});

const sandboxAccount = async () =>
  (await store.createAccount({ userId: 'usr_default', platform: 'sandbox', name: 'Sandbox' })).id;

/** The sandbox as every test here needs it, with `change` applied to its adapter. */
function platforms(change: (sandbox: PlatformAdapter) => PlatformAdapter = (s) => s): PlatformRegistry {
  const registry = createPlatformRegistry({ store, publicUrl: 'http://postflow.test' });
  return new Map(
    [...registry].map(([slug, adapter]) => [slug, slug === 'sandbox' ? change(adapter) : adapter]),
  );
}

async function withWorker<T>(registry: PlatformRegistry, fn: () => Promise<T>): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({
      store,
      platforms: registry,
      media: tempMedia(dir),
    }),
  });
  return worker.runUntil(fn);
}

/** Waits (in real time, without skipping) until `check` holds. */
async function until(check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('condition never held');
}

/** The workflow's result: a post that ends published completes (time skips meanwhile). */
const result = (id: string) => env.client.workflow.getHandle(id).result() as Promise<PostResource>;

test('an account marked for reconnection while the post processes: unconfirmed, and the retry finds it instead of publishing again', async () => {
  const accountId = await sandboxAccount();
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'processing when the account is marked',
    platform_options: { sandbox: { processing_polls: 3, poll_after_s: 600 } },
  });
  await withWorker(platforms(), async () => {
    // The publish call went through; while the workflow waits to check, token upkeep (or another
    // delivery) marks the account. The checks and the lookup are refused before reaching the platform.
    await until(async () => (await store.sandbox.list(accountId)).length === 1);
    await store.setAccountStatus(accountId, 'reconnect_required', 'test');
    const failed = await waitSettled(post.id);
    expect(failed.status).toBe('failed');
    expect(failed.targets[0]!.error?.code).toBe('publishing.delivery.unconfirmed');

    // The person reconnects and retries: the engine looks first, and finds the post.
    await store.setAccountStatus(accountId, 'active');
    await client.posts.retry(post.id);
    const retried = await waitSettled(post.id);
    expect(retried.status).toBe('published');
    const ledger = await store.sandbox.list(accountId);
    expect(ledger).toHaveLength(1);
    expect(retried.targets[0]!.platform_post_id).toBe(ledger[0]!.platformPostId);
  });
});

test('a token that cannot be refreshed after the publish call: unconfirmed (not reconnection_required), and the retry reconciles', async () => {
  const accountId = await sandboxAccount();
  let expired = true;
  const registry = platforms((sandbox) => ({
    ...sandbox,
    async checkPublished(req, state) {
      if (expired) throw new PublishError(tokenExpired());
      return sandbox.checkPublished!(req, state);
    },
    async refresh() {
      throw new PublishError({
        ...tokenExpired(),
        refreshable: false,
        code: 'account.reconnection_required',
      });
    },
  }));
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'token dies after the publish call',
    platform_options: { sandbox: { processing_polls: 1 } },
  });
  await withWorker(registry, async () => {
    const failed = await waitSettled(post.id);
    expect(failed.status).toBe('failed');
    expect(failed.targets[0]!.error).toMatchObject({ code: 'publishing.delivery.unconfirmed' });
    expect(failed.targets[0]!.error?.message).toMatch(/could not be checked/);

    // The refused refresh marked the account; the person reconnects it, then retries.
    expect((await store.getAccount(accountId))?.status).toBe('reconnect_required');
    expired = false;
    await store.setAccountStatus(accountId, 'active');
    await client.posts.retry(post.id);
    expect((await waitSettled(post.id)).status).toBe('published');
    expect(await store.sandbox.list(accountId)).toHaveLength(1);
  });
});

test('a platform without a lookup: the retry of an unconfirmed target is refused, naming it, unless forced', async () => {
  const accountId = await sandboxAccount();
  const registry = platforms((sandbox) => ({ ...sandbox, findExisting: undefined }));
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'answer lost, nothing to look in',
    platform_options: { sandbox: { failure: 'unknown' } },
  });
  await withWorker(registry, async () => {
    const failed = await waitSettled(post.id);
    expect(failed.targets[0]!.error?.code).toBe('publishing.delivery.unconfirmed');
    expect(await store.sandbox.list(accountId)).toHaveLength(1);

    const refused = await client.posts.retry(post.id).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(refused).toMatchObject({ status: 409, code: 'post.state_invalid' });
    expect((refused as Error).message).toContain(accountId);
    expect(await store.sandbox.list(accountId)).toHaveLength(1);

    // The person looked, found nothing (say they deleted it), and forces the retry.
    await store.sandbox.remove((await store.sandbox.list(accountId))[0]!.platformPostId);
    await client.posts.retry(post.id, { force: true });
    expect((await waitSettled(post.id)).status).toBe('published');
    expect(await store.sandbox.list(accountId)).toHaveLength(1);
  });
});

test('a platform that stays processing for 6 hours: the post ends final, and every run of its history stays bounded', async () => {
  const accounts: string[] = [];
  for (let i = 0; i < 40; i++) accounts.push(await sandboxAccount());
  const { post } = await client.posts.create({
    account_ids: accounts,
    text: 'a video that never finishes processing',
    // 100 checks, 2 minutes apart or more (the engine's pauses grow to 5): over 6 hours.
    platform_options: { sandbox: { processing_polls: 100, poll_after_s: 120 } },
  });
  const firstRun = (await env.client.workflow.getHandle(post.id).describe()).runId;
  await withWorker(platforms(), async () => {
    const final = await result(post.id);
    // The processing deadline passed; the lookup found each post (the sandbox has it): published once.
    expect(final.status).toBe('published');
    for (const accountId of accounts) expect(await store.sandbox.list(accountId)).toHaveLength(1);
  });

  const runs = await historyLengths(post.id, firstRun);
  recordFigures('history-bound', {
    columns: ['run', 'history events'],
    rows: runs.map((length, i) => [i + 1, length]),
    notes: [
      `One post to 40 sandbox accounts whose posts stay "processing" for over 6 hours of the time-skipping server's clock; the processing deadline (2 h) passes, the lookup finds each post: published, one publication each. Hand-over bound: ${HISTORY_BOUND} events.`,
    ],
  });
  expect(runs.length).toBeGreaterThan(1); // it continued as new
  // A run hands over at its next wait past the bound: each delivery finishes the check it is in.
  for (const length of runs) expect(length).toBeLessThan(HISTORY_BOUND + 40 * 10);
});

/** History lengths of each run of a workflow, first to last, following continue-as-new. */
async function historyLengths(workflowId: string, firstRunId: string): Promise<number[]> {
  const lengths: number[] = [];
  let runId: string | undefined = firstRunId;
  while (runId) {
    const history: temporal.api.history.v1.IHistory = await env.client.workflow
      .getHandle(workflowId, runId)
      .fetchHistory();
    const events = history.events ?? [];
    lengths.push(events.length);
    runId = events.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
  }
  return lengths;
}

/** Waits for the post to settle, letting the test server skip time meanwhile. */
async function waitSettled(id: string): Promise<PostResource> {
  for (;;) {
    const post = await client.posts.get(id);
    if (['published', 'partial', 'failed', 'cancelled'].includes(post.status)) return post;
    await env.sleep(60_000);
  }
}

function tokenExpired() {
  return {
    category: 'auth' as const,
    caused_by: 'user' as const,
    code: 'platform.sandbox.auth',
    message: 'Sandbox answered 401: access token expired.',
    retryable: false,
    outcomeUnknown: false,
    refreshable: true,
  };
}

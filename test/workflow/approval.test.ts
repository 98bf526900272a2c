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
/** An account of a brand whose posts need approval by another key than their author's. */
let strictAccountId: string;
let taskQueue: string;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  ({ store, dir } = await tempStore());
  accountId = (await store.createAccount({ userId: 'usr_default', platform: 'sandbox', name: 'Sandbox' })).id;
  const brand = await store.brands.create({
    userId: 'usr_default',
    name: 'Strict',
    approvalByOtherKey: true,
  });
  strictAccountId = (
    await store.createAccount({
      userId: 'usr_default',
      platform: 'sandbox',
      name: 'Strict',
      brandId: brand.id,
    })
  ).id;
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

// Every test ends its posts: the time-skipping server stops skipping while a workflow task waits
// on a task queue no worker polls any more (a later test's sleep would never end).
beforeEach(() => {
  taskQueue = `test-${expect.getState().currentTestName?.replace(/\W+/g, '-')}`;
  // The Java test server cannot register search attributes (no operator service).
  client = new PostflowClient({ temporal: env.client, store, taskQueue, searchAttributes: false });
});

/** Instants on the test server's clock, which runs ahead of the wall clock as tests skip time. */

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

const DAY = 86_400_000;
const published = (postId: string, account = accountId) =>
  store.sandbox.findByRef(account, `${postId}/${account}`);

async function pendingPost(text: string, days: number, extra: Record<string, unknown> = {}) {
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text,
    scheduled_at: await inDays(days),
    requires_approval: true,
    ...extra,
  });
  return post;
}

test('a post that needs approval waits in pending_approval and is not published at its instant', async () => {
  const post = await pendingPost('needs a yes', 1);
  expect(post.status).toBe('pending_approval');
  expect(post.approval).toMatchObject({ required: true, status: 'pending', other_key_required: false });

  await withWorker(async () => {
    await env.sleep(DAY + 60_000);
    expect((await client.posts.get(post.id)).status).toBe('pending_approval');
    expect(await published(post.id)).toBeUndefined();
    await client.posts.cancel(post.id);
  });
});

test('approved before scheduled_at: scheduled, then published at its instant', async () => {
  const post = await pendingPost('approved early', 2);

  await withWorker(async () => {
    const approved = await client.posts.approve(post.id, { keyId: 'key_reviewer' });
    expect(approved).toMatchObject({
      status: 'scheduled',
      approval: { status: 'approved', approved_by: 'key_reviewer' },
    });
    expect(approved.approval?.approved_at).toEqual(expect.any(String));
    await env.sleep(DAY);
    expect(await published(post.id)).toBeUndefined();
    await env.sleep(DAY + 60_000);
    expect((await client.posts.waitForResult(post.id, { timeoutMs: 30_000 })).status).toBe('published');
    expect(await published(post.id)).toMatchObject({ text: 'approved early' });
  });
});

test('approved after scheduled_at, within the window: published at once', async () => {
  const post = await pendingPost('approved late', 1);

  await withWorker(async () => {
    await env.sleep(DAY + 3_600_000);
    expect((await client.posts.approve(post.id)).status).toBe('publishing');
    expect((await client.posts.waitForResult(post.id, { timeoutMs: 30_000 })).status).toBe('published');
  });
});

test('not approved within the window after scheduled_at: expired, never published', async () => {
  const post = await pendingPost('too slow', 1, { approval_window_minutes: 120 });
  expect(post.approval?.expires_at).toBe(
    new Date(Date.parse(post.scheduled_at!) + 2 * 3_600_000).toISOString(),
  );

  await withWorker(async () => {
    await env.sleep(DAY + 2 * 3_600_000 + 60_000);
    const result = await env.client.workflow.getHandle(post.id).result();
    expect(result).toMatchObject({ status: 'expired', approval: { status: 'expired' } });
    await expect(client.posts.approve(post.id)).rejects.toMatchObject({
      status: 409,
      code: 'post.state_invalid',
    });
    expect(await published(post.id)).toBeUndefined();
  });
});

test('rejected: status rejected with the reason, never published', async () => {
  const post = await pendingPost('off brand', 1);

  await withWorker(async () => {
    const rejected = await client.posts.reject(post.id, { reason: 'Wrong logo' }, { keyId: 'key_reviewer' });
    expect(rejected).toMatchObject({
      status: 'rejected',
      approval: { status: 'rejected', rejected_by: 'key_reviewer', rejected_reason: 'Wrong logo' },
    });
    expect((await env.client.workflow.getHandle(post.id).result()).status).toBe('rejected');
    await env.sleep(2 * DAY);
    expect(await published(post.id)).toBeUndefined();
  });
});

test('a reject needs a reason', async () => {
  const post = await pendingPost('why not', 1);
  await withWorker(async () => {
    await expect(client.posts.reject(post.id, { reason: '  ' })).rejects.toMatchObject({
      status: 400,
      code: 'validation.field_invalid',
    });
    expect((await client.posts.get(post.id)).status).toBe('pending_approval');
    await client.posts.cancel(post.id);
  });
});

test('an edit of an approved post returns it to pending_approval; a new instant alone does not', async () => {
  const post = await pendingPost('v1', 2);

  await withWorker(async () => {
    await client.posts.approve(post.id);
    expect(await client.posts.update(post.id, { scheduled_at: await inDays(3) })).toMatchObject({
      status: 'scheduled',
      approval: { status: 'approved' },
    });
    const edited = await client.posts.update(post.id, { text: 'v2' });
    expect(edited).toMatchObject({
      status: 'pending_approval',
      approval: { status: 'pending', approved_at: null },
    });
    await env.sleep(3 * DAY + 60_000);
    expect(await published(post.id)).toBeUndefined();
    await client.posts.approve(post.id);
    expect((await client.posts.waitForResult(post.id, { timeoutMs: 30_000 })).status).toBe('published');
    expect(await published(post.id)).toMatchObject({ text: 'v2' });
  });
});

test('approve and reject are refused unless the post is pending approval; a repeated decision is answered as it is', async () => {
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'no approval needed',
    scheduled_at: await inDays(1),
  });
  expect(post.approval).toBeNull();
  const pending = await pendingPost('once', 1);

  await withWorker(async () => {
    const refused = { status: 409, code: 'post.state_invalid' };
    await expect(client.posts.approve(post.id)).rejects.toMatchObject(refused);
    await expect(client.posts.reject(post.id, { reason: 'no' })).rejects.toMatchObject(refused);
    const approved = await client.posts.approve(pending.id, { keyId: 'key_reviewer' });
    // A retry after a lost answer: the post as it is, approved by the first key.
    expect(await client.posts.approve(pending.id, { keyId: 'key_other' })).toMatchObject({
      status: 'scheduled',
      approval: {
        status: 'approved',
        approved_at: approved.approval?.approved_at,
        approved_by: 'key_reviewer',
      },
    });
    await expect(client.posts.reject(pending.id, { reason: 'too late' })).rejects.toMatchObject({
      ...refused,
      message: expect.stringContaining(
        'its approval is approved; only a post in pending_approval can be rejected',
      ),
    });
    await client.posts.cancel(post.id);
    await client.posts.cancel(pending.id);
  });
});

test('a repeated rejection is answered as it is; another reason or an approval is a 409', async () => {
  const post = await pendingPost('no twice', 1);

  await withWorker(async () => {
    const rejected = await client.posts.reject(post.id, { reason: 'Wrong logo' });
    expect(await client.posts.reject(post.id, { reason: ' Wrong logo ' })).toEqual(rejected);
    await expect(client.posts.reject(post.id, { reason: 'Typo' })).rejects.toMatchObject({
      status: 409,
      code: 'post.state_invalid',
      message: expect.stringContaining('rejected already, with the reason "Wrong logo"'),
    });
    await expect(client.posts.approve(post.id)).rejects.toMatchObject({
      status: 409,
      code: 'post.state_invalid',
      message: expect.stringContaining('The post is rejected and its approval is rejected'),
    });
  });
});

test("a brand's approval_by_other_key refuses the author's key and accepts another", async () => {
  const { post } = await client.posts.create(
    { account_ids: [strictAccountId], text: 'four eyes', scheduled_at: await inDays(1) },
    { authorKeyId: 'key_author' },
  );
  expect(post).toMatchObject({ status: 'pending_approval', approval: { other_key_required: true } });
  await expect(
    client.posts.create({ account_ids: [strictAccountId], text: 'opt out', requires_approval: false }),
  ).rejects.toMatchObject({ status: 400 });

  await withWorker(async () => {
    await expect(client.posts.approve(post.id, { keyId: 'key_author' })).rejects.toMatchObject({
      status: 403,
      code: 'approval.same_key',
    });
    await expect(
      client.posts.reject(post.id, { reason: 'mine' }, { keyId: 'key_author' }),
    ).rejects.toMatchObject({
      status: 403,
      code: 'approval.same_key',
    });
    expect((await client.posts.approve(post.id, { keyId: 'key_reviewer' })).status).toBe('scheduled');
    await env.sleep(DAY + 60_000);
    expect((await client.posts.waitForResult(post.id, { timeoutMs: 30_000 })).status).toBe('published');
  });
});

test('a publish-now post that needs approval goes out as soon as it is approved', async () => {
  const { post } = await client.posts.create({
    account_ids: [accountId],
    text: 'now, if ok',
    requires_approval: true,
  });
  expect(post.status).toBe('pending_approval');

  await withWorker(async () => {
    await env.sleep(3_600_000);
    expect(await published(post.id)).toBeUndefined();
    expect((await client.posts.approve(post.id)).status).toBe('publishing');
    expect((await client.posts.waitForResult(post.id, { timeoutMs: 30_000 })).status).toBe('published');
  });
});

test('cancelling a post pending approval ends it', async () => {
  const post = await pendingPost('withdrawn', 1);
  await withWorker(async () => {
    expect((await client.posts.cancel(post.id)).status).toBe('cancelled');
    expect((await env.client.workflow.getHandle(post.id).result()).status).toBe('cancelled');
  });
});

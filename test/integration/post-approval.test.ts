import { inDays } from '../helpers/fixtures';
import { WebhookReceiver } from '../helpers/receiver';
import { Stack } from '../helpers/stack';

/**
 * Approval before publishing through the real stack: pending_approval, the approve and reject
 * routes with their scope and the brand's other-key rule, the webhooks, expiry, a worker restart.
 */
let stack: Stack;
let receiver: WebhookReceiver;
let account: string;
/** Another key of the same user: the reviewer. */
let reviewer: Record<string, string>;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  // The receiver runs on loopback over http, which only this setting allows.
  stack = await new Stack({ POSTFLOW_ALLOW_PRIVATE_URLS: 'true', POSTFLOW_SYNC_WAIT_MS: '0' }).start();
  account = await stack.createSandboxAccount();
  reviewer = { authorization: `Bearer ${mintKey('posts:read,posts:approve')}` };
  await stack.request('POST', '/v1/webhooks', {
    url: receiver.url,
    events: ['post.approval_requested', 'post.approved', 'post.rejected', 'post.expired'],
  });
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
});

function mintKey(scopes: string): string {
  const run = stack.runCli('keys', 'create', '--scopes', scopes, '--name', `key ${scopes}`);
  if (run.status !== 0) throw new Error(`keys create failed: ${run.stderr}`);
  return (JSON.parse(run.stdout) as { key: string }).key;
}

const webhook = (id: string, event: string) =>
  receiver.waitFor((r) => r.json?.event === event && r.json?.data?.post_id === id);

async function pendingPost(body: Record<string, unknown> = {}) {
  const { status, body: post } = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'please approve',
    publish_now: true,
    requires_approval: true,
    ...body,
  });
  expect(status).toBe(201);
  return post;
}

test('a post that needs approval waits, asks by webhook, and publishes once another key approves it', async () => {
  const post = await pendingPost();
  expect(post).toMatchObject({ status: 'pending_approval', approval: { required: true, status: 'pending' } });
  const asked = await webhook(post.id, 'post.approval_requested');
  expect(asked.json.data).toMatchObject({ status: 'pending_approval', text: 'please approve' });
  expect((await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data).toEqual([]);

  const { status, body } = await stack.request('POST', `/v1/posts/${post.id}/approve`, undefined, reviewer);
  expect(status).toBe(200);
  expect(body).toMatchObject({ status: 'publishing', approval: { status: 'approved' } });
  expect(body.approval.approved_by).toMatch(/^key_/);
  await webhook(post.id, 'post.approved');
  expect((await stack.waitForPost(post.id)).status).toBe('published');
});

const events = (id: string, event: string) =>
  receiver.received.filter((r) => r.json?.event === event && r.json?.data?.post_id === id);

test('approving needs posts:approve; a repeated approval is the post as it is; a rejection of it is a 409', async () => {
  const post = await pendingPost({ publish_now: undefined, scheduled_at: inDays(1) });
  const writer = { authorization: `Bearer ${mintKey('posts:read,posts:write')}` };
  const refused = await stack.request('POST', `/v1/posts/${post.id}/approve`, undefined, writer);
  expect(refused.status).toBe(403);
  expect(JSON.stringify(refused.body)).toContain('posts:approve');

  const first = await stack.request('POST', `/v1/posts/${post.id}/approve`, undefined, reviewer);
  expect(first.body).toMatchObject({ status: 'scheduled', approval: { status: 'approved' } });
  await webhook(post.id, 'post.approved');
  // A retry whose first try went through (a 503 or a lost answer): 200, nothing changes.
  const again = await stack.request('POST', `/v1/posts/${post.id}/approve`, undefined, reviewer);
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body);

  const rejected = await stack.request('POST', `/v1/posts/${post.id}/reject`, { reason: 'no' }, reviewer);
  expect(rejected.status).toBe(409);
  expect(rejected.body.error).toMatchObject({
    code: 'post.state_invalid',
    message: expect.stringContaining('The post is scheduled and its approval is approved'),
    meta: { status: 'scheduled', approval_status: 'approved' },
  });
  // Nor a second event: an edit asks for approval again, and by the time that event came any the
  // repeat could have sent would have too.
  await stack.request('PATCH', `/v1/posts/${post.id}`, { text: 'please approve v2' });
  await receiver.waitFor(() => events(post.id, 'post.approval_requested').length === 2);
  await stack.request('DELETE', `/v1/posts/${post.id}`);
  expect(events(post.id, 'post.approved')).toHaveLength(1);
});

test('a repeated rejection with its reason is the post as it is; another reason or an approval is a 409', async () => {
  const post = await pendingPost();
  const reject = (reason: string) =>
    stack.request('POST', `/v1/posts/${post.id}/reject`, { reason }, reviewer);
  const first = await reject('Off brand');
  expect(first.status).toBe(200);
  await webhook(post.id, 'post.rejected');
  const again = await reject('Off brand');
  expect(again.status).toBe(200);
  expect(again.body).toEqual(first.body);

  const other = await reject('Typo');
  expect(other.status).toBe(409);
  expect(other.body.error).toMatchObject({
    code: 'post.state_invalid',
    message: expect.stringContaining('rejected already, with the reason "Off brand"'),
    meta: { rejected_reason: 'Off brand' },
  });
  const approved = await stack.request('POST', `/v1/posts/${post.id}/approve`, undefined, reviewer);
  expect(approved.status).toBe(409);
  expect(approved.body.error.message).toContain('The post is rejected and its approval is rejected');
  // A post that needs no approval says so.
  const { body: plain } = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'no review',
    scheduled_at: inDays(1),
  });
  const none = await stack.request('POST', `/v1/posts/${plain.id}/approve`, undefined, reviewer);
  expect(none.status).toBe(409);
  expect(none.body.error.message).toContain('it needs no approval');
  await stack.request('DELETE', `/v1/posts/${plain.id}`);
  expect(events(post.id, 'post.rejected')).toHaveLength(1);
});

test("a brand's approval_by_other_key refuses the author's key; reject needs a reason and keeps it", async () => {
  const { body: brand } = await stack.request('POST', '/v1/brands', {
    name: 'Four eyes',
    approval_by_other_key: true,
  });
  expect(brand).toMatchObject({ requires_approval: false, approval_by_other_key: true });
  const { body: strict } = await stack.request('POST', '/v1/accounts', {
    platform: 'sandbox',
    name: 'Strict',
    brand_id: brand.id,
  });
  const { body: post } = await stack.request('POST', '/v1/posts', {
    account_ids: [strict.id],
    text: 'four eyes',
    publish_now: true,
  });
  expect(post).toMatchObject({ status: 'pending_approval', approval: { other_key_required: true } });

  const own = await stack.request('POST', `/v1/posts/${post.id}/approve`);
  expect(own.status).toBe(403);
  expect(own.body.error.code).toBe('approval.same_key');

  const noReason = await stack.request('POST', `/v1/posts/${post.id}/reject`, {}, reviewer);
  expect(noReason.status).toBe(400);
  expect(noReason.body.error.meta.field).toBe('reason');

  const rejected = await stack.request(
    'POST',
    `/v1/posts/${post.id}/reject`,
    { reason: 'Wrong logo' },
    reviewer,
  );
  expect(rejected.status).toBe(200);
  expect(rejected.body).toMatchObject({
    status: 'rejected',
    approval: { status: 'rejected', rejected_reason: 'Wrong logo' },
  });
  expect((await webhook(post.id, 'post.rejected')).json.data.approval.rejected_reason).toBe('Wrong logo');
  expect((await stack.request('GET', `/v1/posts/${post.id}`)).body.status).toBe('rejected');
});

test("a brand's requires_approval is the default of its posts; the post's own value wins", async () => {
  const { body: brand } = await stack.request('POST', '/v1/brands', { name: 'Reviewed' });
  const patched = await stack.request('PATCH', `/v1/brands/${brand.id}`, { requires_approval: true });
  expect(patched.body).toMatchObject({ requires_approval: true, approval_by_other_key: false });
  const { body: acc } = await stack.request('POST', '/v1/accounts', {
    platform: 'sandbox',
    name: 'Reviewed',
    brand_id: brand.id,
  });
  const byDefault = await stack.request('POST', '/v1/posts', {
    account_ids: [acc.id],
    text: 'a',
    publish_now: true,
  });
  expect(byDefault.body.status).toBe('pending_approval');
  const optedOut = await stack.request('POST', '/v1/posts', {
    account_ids: [acc.id],
    text: 'b',
    publish_now: true,
    requires_approval: false,
  });
  expect(optedOut.body.approval).toBeNull();
  const changed = await stack.request('PATCH', `/v1/posts/${byDefault.body.id}`, {
    requires_approval: false,
  });
  expect(changed.status).toBe(400);
  expect(changed.body.error.meta.field).toBe('requires_approval');
  const window = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'c',
    publish_now: true,
    approval_window_minutes: 60,
  });
  expect(window.status).toBe(400);
  expect(window.body.error.meta.field).toBe('approval_window_minutes');
});

test('a post not approved within its window expires and is never published', async () => {
  // Scheduled 4 minutes ago (within the tolerance for past instants) with a 1-minute window.
  const scheduledAt = new Date(Date.now() - 4 * 60_000).toISOString();
  const post = await pendingPost({
    publish_now: undefined,
    scheduled_at: scheduledAt,
    approval_window_minutes: 1,
  });
  await webhook(post.id, 'post.expired');
  const expired = await stack.waitForPost(post.id, (p) => p.status === 'expired');
  expect(expired.approval.status).toBe('expired');
  const late = await stack.request('POST', `/v1/posts/${post.id}/approve`, undefined, reviewer);
  expect(late.status).toBe(409);
});

test('an approval sent after the worker was killed publishes the post', async () => {
  const post = await pendingPost();
  await webhook(post.id, 'post.approval_requested');
  await stack.stopWorker('SIGKILL');
  await stack.startWorker();
  // Until the new worker takes the post over (the dead one's sticky queue times out first), an
  // approval is answered 503 "try again", as the API documents; a client repeats it, and a repeat
  // of an approval that did land meanwhile is answered 200 like the first.
  let answer = await stack.request('POST', `/v1/posts/${post.id}/approve`, undefined, reviewer);
  while (answer.status === 503) {
    await new Promise((r) => setTimeout(r, 1_000));
    answer = await stack.request('POST', `/v1/posts/${post.id}/approve`, undefined, reviewer);
  }
  expect(answer.status).toBe(200);
  const done = await stack.waitForPost(post.id);
  expect(done).toMatchObject({ status: 'published', approval: { status: 'approved' } });
  const copies = (await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data.filter(
    (p: { text: string; platform_post_id: string }) =>
      p.platform_post_id === done.targets[0].platform_post_id,
  );
  expect(copies).toHaveLength(1);
});

test('a post pending approval survives a Temporal restart, and is approved and published after it', async () => {
  const post = await pendingPost({ text: 'after a restart' });
  await webhook(post.id, 'post.approval_requested');
  await stack.temporal.stop();
  await stack.startTemporal();
  expect((await stack.waitForPost(post.id, (p) => p.status === 'pending_approval')).approval.status).toBe(
    'pending',
  );
  let answer = await stack.request('POST', `/v1/posts/${post.id}/approve`, undefined, reviewer);
  while (answer.status === 503) {
    await new Promise((r) => setTimeout(r, 1_000));
    answer = await stack.request('POST', `/v1/posts/${post.id}/approve`, undefined, reviewer);
  }
  expect(answer.status).toBe(200);
  const done = await stack.waitForPost(post.id);
  expect(done.status).toBe('published');
  const copies = (await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data.filter(
    (p: { text: string }) => p.text === 'after a restart',
  );
  expect(copies).toHaveLength(1);
});

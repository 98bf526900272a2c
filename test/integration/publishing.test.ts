import { Stack } from '../helpers/stack';

/**
 * Publishing through the real stack: Temporal dev server, `postflow worker`, `postflow api`,
 * real HTTP, the sandbox platform with injected failures.
 */
let stack: Stack;
let accounts: string[];

beforeAll(async () => {
  stack = await new Stack().start();
  accounts = [
    await stack.createSandboxAccount('one'),
    await stack.createSandboxAccount('two'),
    await stack.createSandboxAccount('three'),
  ];
});

afterAll(async () => {
  await stack?.stop();
});

/** A history as text, with every payload's base64 `data` decoded, so a search sees what it carries. */
function readableHistory(history: unknown): string {
  return JSON.stringify(history, (key, value) =>
    key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : value,
  );
}

const sandboxPosts = async (accountId: string) =>
  (await stack.request('GET', `/v1/sandbox/${accountId}/posts`)).body.data as any[];
const postsOf = async (accountId: string, postId: string) =>
  (await sandboxPosts(accountId)).filter((p) => p.post_id === postId);

test('an immediate post to three accounts publishes once on each and answers 201 published', async () => {
  const { status, body } = await stack.request('POST', '/v1/posts', {
    account_ids: accounts,
    text: 'Hello, three',
  });

  expect(status).toBe(201);
  expect(body).toMatchObject({
    status: 'published',
    text: 'Hello, three',
    account_ids: accounts,
    retry_count: 0,
    error_message: '',
  });
  expect(body.results).toHaveLength(3);
  for (const [i, accountId] of accounts.entries()) {
    expect(body.results[i]).toMatchObject({
      account_id: accountId,
      platform: 'sandbox',
      status: 'published',
      error: '',
    });
    expect(body.targets[i]).toMatchObject({
      account_id: accountId,
      status: 'published',
      attempts: 1,
      error: null,
    });
    const made = await postsOf(accountId, body.id);
    expect(made).toHaveLength(1);
    expect(made[0]).toMatchObject({
      text: 'Hello, three',
      platform_post_id: body.results[i].platform_post_id,
    });
  }
});

test('when one target fails for good the post is partial (207) and names the failure', async () => {
  const { status, body } = await stack.request('POST', '/v1/posts', {
    account_ids: accounts.slice(0, 2),
    text: 'one of two',
    platform_options: { sandbox: { failure: 'validation', only_accounts: [accounts[1]] } },
  });

  expect(status).toBe(207);
  expect(body.status).toBe('partial');
  expect(body.results[0]).toMatchObject({ status: 'published', error: '' });
  expect(body.results[1]).toMatchObject({ status: 'failed', error: expect.stringContaining('rejected') });
  expect(body.targets[1].error).toMatchObject({
    category: 'validation',
    caused_by: 'user',
    code: 'platform.sandbox.rejected',
  });
  expect(body.error_message).toContain(accounts[1]);
  expect(await postsOf(accounts[1], body.id)).toHaveLength(0);
});

test('when every target fails the answer is 422 publishing.delivery.all_failed with the post', async () => {
  const { status, body } = await stack.request('POST', '/v1/posts', {
    account_ids: [accounts[0]],
    text: 'never',
    platform_options: { sandbox: { failure: 'validation' } },
  });

  expect(status).toBe(422);
  expect(body.error.code).toBe('publishing.delivery.all_failed');
  expect(body.error.meta.post).toMatchObject({ status: 'failed' });
  expect(body.request_id).toEqual(expect.any(String));
});

test('a transient failure is retried and counted in retry_count', async () => {
  const { status, body } = await stack.request('POST', '/v1/posts', {
    account_ids: [accounts[0]],
    text: 'third time lucky',
    platform_options: { sandbox: { failure: 'transient', fail_times: 2 } },
  });

  expect(status).toBe(201);
  expect(body).toMatchObject({ status: 'published', retry_count: 2 });
  expect(body.targets[0].attempts).toBe(3);
  expect(await postsOf(accounts[0], body.id)).toHaveLength(1);
});

test('a 429 with Retry-After becomes a durable timer of that length, then the post publishes', async () => {
  const { status, body } = await stack.request('POST', '/v1/posts', {
    account_ids: [accounts[0]],
    text: 'slow down',
    platform_options: { sandbox: { failure: 'rate_limit', retry_after_s: 3 } },
  });

  expect(status).toBe(201);
  expect(body).toMatchObject({ status: 'published', retry_count: 1 });
  const history = await stack.client.workflow.getHandle(body.id).fetchHistory();
  const timers = history
    .events!.filter((e) => e.timerStartedEventAttributes)
    .map((e) => e.timerStartedEventAttributes!.startToFireTimeout);
  expect(timers.map((t) => Number(t!.seconds))).toContain(3);
});

test('an unknown outcome is reconciled: the post made before the answer was lost is not published again', async () => {
  const { status, body } = await stack.request('POST', '/v1/posts', {
    account_ids: [accounts[2]],
    text: 'did it go out?',
    platform_options: { sandbox: { failure: 'unknown' } },
  });

  expect(status).toBe(201);
  expect(body).toMatchObject({ status: 'published', retry_count: 0 });
  expect(body.targets[0].attempts).toBe(1);
  const made = await postsOf(accounts[2], body.id);
  expect(made).toHaveLength(1);
  expect(body.results[0].platform_post_id).toBe(made[0].platform_post_id);
});

test('the first comment is made once under each live post, and a lost answer does not make a second', async () => {
  const { status, body } = await stack.request('POST', '/v1/posts', {
    text: 'Post with a comment',
    publish_now: true,
    first_comment: 'Links in the first comment',
    targets: [
      { account_id: accounts[0] },
      // The comment's answer is lost: looked up, found, not made again.
      {
        account_id: accounts[1],
        first_comment: 'Own comment',
        platform_data: { comment_failure: 'unknown' },
      },
    ],
  });
  expect(status).toBe(201);
  expect(body.status).toBe('published');
  for (const [i, text] of ['Links in the first comment', 'Own comment'].entries()) {
    const target = body.targets[i];
    const made = await postsOf(accounts[i]!, body.id);
    expect(made.map((p) => p.text)).toEqual(['Post with a comment', text]);
    const [post, comment] = made;
    expect(comment.platform_options).toEqual({ in_reply_to: post.platform_post_id });
    expect(target.metadata).toEqual({
      first_comment: {
        id: comment.platform_post_id,
        permalink: expect.stringContaining(comment.platform_post_id),
      },
    });
  }
});

test('a refused first comment is a warning on the published target, never a failure', async () => {
  const { status, body } = await stack.request('POST', '/v1/posts', {
    account_ids: [accounts[2]],
    text: 'Comments are off',
    first_comment: 'Nobody reads this',
    platform_options: { sandbox: { comment_failure: 'validation' } },
  });
  expect(status).toBe(201);
  expect(body.targets[0]).toMatchObject({ status: 'published', error: null });
  expect(body.targets[0].metadata.warnings).toEqual([
    { code: 'platform.sandbox.first_comment_failed', message: expect.stringContaining('Sandbox rejected') },
  ]);
  expect((await postsOf(accounts[2]!, body.id)).map((p) => p.text)).toEqual(['Comments are off']);
});

describe('targets at their own instants (targets[].scheduled_at)', () => {
  const inMs = (ms: number) => new Date(Date.now() + ms).toISOString();
  const settledPost = (p: { status: string }) => !['scheduled', 'publishing'].includes(p.status);

  test('each target goes out at its own instant, in one workflow; the resource shows each instant', async () => {
    const first = inMs(2_000);
    const second = inMs(5_000);
    const { status, body } = await stack.request('POST', '/v1/posts', {
      text: 'Two instants',
      targets: [
        { account_id: accounts[0], scheduled_at: first },
        { account_id: accounts[1], scheduled_at: second },
      ],
    });
    expect(status).toBe(201);
    // Every target has its own instant: the post is scheduled for the earliest.
    expect(body).toMatchObject({ status: 'scheduled', scheduled_at: first });
    expect(body.targets.map((t: any) => t.scheduled_at)).toEqual([first, second]);
    const done = await stack.waitForPost(body.id, settledPost);
    expect(done.status).toBe('published');
    for (const [i, at] of [first, second].entries()) {
      const [made] = await postsOf(accounts[i]!, body.id);
      expect(Date.parse(made.published_at)).toBeGreaterThanOrEqual(Date.parse(at));
    }
  });

  test('a waiting target is moved by PATCH while the post publishes; nothing else may change then', async () => {
    const { body } = await stack.request('POST', '/v1/posts', {
      text: 'Move the second',
      scheduled_at: inMs(1_000),
      targets: [{ account_id: accounts[0] }, { account_id: accounts[2], scheduled_at: inMs(3_600_000) }],
    });
    const publishing = await stack.waitForPost(body.id, (p) => p.targets[0].status === 'published');
    expect(publishing.status).toBe('publishing');
    expect(publishing.targets[1].status).toBe('pending');

    const edit = await stack.request('PATCH', `/v1/posts/${body.id}`, { text: 'changed' });
    expect([edit.status, edit.body.error?.code]).toEqual([409, 'post.state_invalid']);
    const soon = inMs(1_500);
    const moved = await stack.request('PATCH', `/v1/posts/${body.id}`, {
      targets: [{ account_id: accounts[2], scheduled_at: soon }],
    });
    expect(moved.status).toBe(200);
    expect(moved.body.targets[1].scheduled_at).toBe(soon);
    const done = await stack.waitForPost(body.id, settledPost);
    expect(done.status).toBe('published');
    expect(await postsOf(accounts[2]!, body.id)).toHaveLength(1);
  });

  test('targets without an instant need the post to have one, or publish_now', async () => {
    const { status, body } = await stack.request('POST', '/v1/posts', {
      text: 'Half scheduled',
      targets: [{ account_id: accounts[0], scheduled_at: inMs(60_000) }, { account_id: accounts[1] }],
    });
    expect(status).toBe(400);
    expect(body.error.meta.field).toBe('scheduled_at');
    const past = await stack.request('POST', '/v1/posts', {
      text: 'Too late',
      publish_now: true,
      targets: [{ account_id: accounts[0], scheduled_at: '2020-01-01T00:00:00Z' }],
    });
    expect([past.status, past.body.error.meta.field]).toEqual([400, 'targets[0].scheduled_at']);
  });
});

test('an expired token is refreshed once and the post goes out; a revoked one asks for reconnection', async () => {
  const expired = await stack.request('POST', '/v1/posts', {
    account_ids: [accounts[0]],
    text: 'token expired',
    platform_options: { sandbox: { failure: 'auth_expired' } },
  });
  expect(expired.body).toMatchObject({ status: 'published', retry_count: 1 });

  const revokedAccount = await stack.createSandboxAccount('revoked');
  const revoked = await stack.request('POST', '/v1/posts', {
    account_ids: [revokedAccount],
    text: 'token revoked',
    platform_options: { sandbox: { failure: 'auth_revoked' } },
  });
  expect(revoked.status).toBe(422);
  expect(revoked.body.error.meta.post.targets[0].error).toMatchObject({
    category: 'auth',
    code: 'account.reconnection_required',
  });
  expect((await stack.request('GET', `/v1/accounts/${revokedAccount}`)).body).toMatchObject({
    status: 'reconnect_required',
  });

  const refused = await stack.request('POST', '/v1/posts', { account_ids: [revokedAccount], text: 'again' });
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('account.reconnection_required');

  // Reconnecting with fresh credentials makes the account publish again.
  const badBody = await stack.request('POST', `/v1/accounts/${revokedAccount}/reconnect`, { token: 'x' });
  expect(badBody.status).toBe(400);
  const reconnected = await stack.request('POST', `/v1/accounts/${revokedAccount}/reconnect`, {
    credentials: { access_token: 'fresh' },
  });
  expect(reconnected.status).toBe(200);
  expect(reconnected.body).toMatchObject({ id: revokedAccount, status: 'active', reconnect_reason: null });
  const again = await stack.request('POST', '/v1/posts', { account_ids: [revokedAccount], text: 'back' });
  expect(again.body).toMatchObject({ status: 'published' });
});

test('PATCH /v1/accounts/{id} renames an account; unknown fields and accounts are refused', async () => {
  const account = await stack.createSandboxAccount('old name');
  const renamed = await stack.request('PATCH', `/v1/accounts/${account}`, {
    name: 'New name',
    username: '@new',
  });
  expect(renamed.body).toMatchObject({ id: account, name: 'New name', username: '@new', status: 'active' });
  const unknownField = await stack.request('PATCH', `/v1/accounts/${account}`, { platform: 'instagram' });
  expect(unknownField.status).toBe(400);
  expect((await stack.request('PATCH', '/v1/accounts/acc_nope', { name: 'x' })).status).toBe(404);
});

test('retrying a partial post re-runs only its failed target', async () => {
  const { body } = await stack.request('POST', '/v1/posts', {
    account_ids: accounts.slice(0, 2),
    text: 'retry me',
    platform_options: { sandbox: { failure: 'validation', only_accounts: [accounts[1]] } },
  });
  expect(body.status).toBe('partial');

  const retried = await stack.request('POST', `/v1/posts/${body.id}/retry`);
  expect(retried.status).toBe(200);
  expect(retried.body).toMatchObject({ success: true, post: { status: 'publishing' } });

  const settled = await stack.waitForPost(body.id);
  expect(settled.status).toBe('partial');
  expect(settled.targets[0].attempts).toBe(1); // the published target was left alone
  expect(settled.targets[1].attempts).toBe(2);
  expect(await postsOf(accounts[0], body.id)).toHaveLength(1);

  const published = await stack.request('POST', '/v1/posts', {
    account_ids: [accounts[0]],
    text: 'all good',
  });
  const nothingToRetry = await stack.request('POST', `/v1/posts/${published.body.id}/retry`);
  expect(nothingToRetry.status).toBe(409);
  expect(nothingToRetry.body.error.code).toBe('post.state_invalid');
});

test('posts are indexed by status, accounts and user for visibility queries', async () => {
  const { body } = await stack.request('POST', '/v1/posts', {
    account_ids: [accounts[1]],
    text: 'find me',
    scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
  });
  const query = `PostflowStatus = "scheduled" AND PostflowAccountIds = "${accounts[1]}" AND PostflowUserId = "usr_default"`;
  expect(await listedUntilFound(query, body.id)).toContain(body.id);

  await stack.request('DELETE', `/v1/posts/${body.id}`);
  expect(await listedUntilFound(`PostflowStatus = "cancelled"`, body.id)).toContain(body.id);
});

/**
 * The workflow ids a visibility query lists, polled for up to 30 s until `id` is among them:
 * visibility is eventually consistent (on a PostgreSQL-backed cluster it trails by moments).
 */
async function listedUntilFound(query: string, id: string): Promise<string[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found: string[] = [];
    for await (const wf of stack.client.workflow.list({ query })) found.push(wf.workflowId);
    if (found.includes(id) || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('account credentials never enter the workflow history', async () => {
  const created = await stack.request('POST', '/v1/accounts', {
    platform: 'sandbox',
    name: 'secretive',
    credentials: { access_token: 'tok_super_secret_123', refresh_token: 'ref_super_secret_456' },
  });
  const { body } = await stack.request('POST', '/v1/posts', {
    account_ids: [created.body.id],
    text: 'no secrets',
    platform_options: { sandbox: { failure: 'auth_expired' } },
  });
  expect(body.status).toBe('published');

  const history = readableHistory(await stack.client.workflow.getHandle(body.id).fetchHistory());
  expect(history).toContain('no secrets');
  expect(history).not.toMatch(/super_secret|sbx_tok_/);
});

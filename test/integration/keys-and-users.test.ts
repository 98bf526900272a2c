import { Stack } from '../helpers/stack';
import { KEY_TRUST_MS } from '../../services/keys';

/** Scoped, revocable API keys made with the CLI, and users who never see each other's resources. */
let stack: Stack;

beforeAll(async () => {
  stack = await new Stack().start();
});

afterAll(async () => {
  await stack?.stop();
});

function keys(...args: string[]): { status: number | null; stdout: string } {
  return stack.runCli('keys', ...args);
}

const as = (key: string) => ({ authorization: `Bearer ${key}` });

test('a key limited to posts:read can read posts but not create them (403 auth.insufficient_scope)', async () => {
  const created = keys('create', '--scopes', 'posts:read', '--name', 'reader');
  expect(created.status).toBe(0);
  const reader = JSON.parse(created.stdout);
  expect(reader).toMatchObject({
    key: expect.stringMatching(/^sapi_key_[0-9a-f]{62}$/),
    scopes: ['posts:read'],
  });

  const account = await stack.createSandboxAccount();
  const { body: post } = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'readable',
  });
  expect((await stack.request('GET', `/v1/posts/${post.id}`, undefined, as(reader.key))).status).toBe(200);

  const refused = await stack.request(
    'POST',
    '/v1/posts',
    { account_ids: [account], text: 'no' },
    as(reader.key),
  );
  expect(refused.status).toBe(403);
  expect(refused.body.error).toMatchObject({
    code: 'auth.insufficient_scope',
    meta: { required_scope: 'posts:write' },
  });
  expect(
    (await stack.request('GET', '/v1/accounts', undefined, as(reader.key))).body.error.meta.required_scope,
  ).toBe('accounts:read');
});

test('GET /v1/me answers any valid key with its user and scopes', async () => {
  const reader = JSON.parse(keys('create', '--scopes', 'media:read', '--user', 'usr_me').stdout);
  const { status, body } = await stack.request('GET', '/v1/me', undefined, as(reader.key));
  expect(status).toBe(200);
  expect(body).toEqual({ service: 'postflow', user_id: 'usr_me', key_id: reader.id, scopes: ['media:read'] });
});

test('a key revoked by the CLI is refused within the API’s trust bound, and listing keys never shows a key', async () => {
  const { key, id } = JSON.parse(keys('create').stdout);
  expect((await stack.request('GET', '/v1/accounts', undefined, as(key))).status).toBe(200);

  expect(keys('revoke', id).status).toBe(0);
  // The API trusts a key it found for KEY_TRUST_MS: the CLI's revocation reaches it within that.
  const until = Date.now() + KEY_TRUST_MS + 1_000;
  let refused = await stack.request('GET', '/v1/accounts', undefined, as(key));
  while (refused.status !== 401 && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 200));
    refused = await stack.request('GET', '/v1/accounts', undefined, as(key));
  }
  expect(refused.status).toBe(401);
  expect(refused.body.error.code).toBe('auth.invalid_key');

  const listed = keys('list');
  expect(JSON.parse(listed.stdout)).toEqual(
    expect.arrayContaining([expect.objectContaining({ id, revoked_at: expect.any(String) })]),
  );
  expect(listed.stdout).not.toContain(key);
  expect(keys('revoke', id).status).toBe(1);
  expect(keys('create', '--scopes', 'posts:everything').status).toBe(2);
});

test("another user's key sees none of this user's posts, accounts or sandbox, and cannot use them", async () => {
  const other = JSON.parse(keys('create', '--user', 'usr_other').stdout).key;
  const account = await stack.createSandboxAccount('mine');
  const { body: post } = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'mine',
    scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
  });

  for (const [method, path] of [
    ['GET', `/v1/posts/${post.id}`],
    ['PATCH', `/v1/posts/${post.id}`],
    ['DELETE', `/v1/posts/${post.id}`],
    ['POST', `/v1/posts/${post.id}/publish`],
    ['GET', `/v1/accounts/${account}`],
    ['GET', `/v1/sandbox/${account}/posts`],
  ]) {
    const res = await stack.request(
      method,
      path,
      method === 'PATCH' ? { text: 'hijack' } : undefined,
      as(other),
    );
    expect([method, path, res.status]).toEqual([method, path, 404]);
  }
  expect((await stack.request('GET', '/v1/accounts', undefined, as(other))).body).toEqual({
    count: 0,
    data: [],
  });
  const borrow = await stack.request(
    'POST',
    '/v1/posts',
    { account_ids: [account], text: 'borrowed' },
    as(other),
  );
  expect(borrow.status).toBe(404);
  expect(borrow.body.error.code).toBe('account.not_found');

  // The owner's post is untouched.
  expect((await stack.request('GET', `/v1/posts/${post.id}`)).body).toMatchObject({
    status: 'scheduled',
    text: 'mine',
  });
});

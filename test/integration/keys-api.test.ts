import { WebhookReceiver } from '../helpers/receiver';
import { Stack } from '../helpers/stack';
import { USER_SCOPES } from '../../store/types';

/**
 * Keys, users and usage over the API: /v1/keys (minting no scope the minter lacks, revoking at
 * once), /v1/users/me and /v1/usage, through the real stack.
 */
let stack: Stack;
let receiver: WebhookReceiver;
const QUOTA = 5_000_000;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  stack = await new Stack({
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_STORAGE_LIMIT_BYTES: String(QUOTA),
    POSTFLOW_SYNC_WAIT_MS: '30000',
  }).start();
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });

/** A key minted with the CLI for `user` (with `scopes`, or else the user scopes). */
function cliKey(user: string, scopes?: readonly string[]): { id: string; key: string } {
  const run = stack.runCli(
    'keys',
    'create',
    '--user',
    user,
    ...(scopes ? ['--scopes', scopes.join(',')] : []),
  );
  if (run.status !== 0) throw new Error(`keys create failed: ${run.stdout} ${run.stderr}`);
  return JSON.parse(run.stdout);
}

/** A key of `user` that manages keys, holding every user scope too. */
const adminKey = (user: string) => cliKey(user, [...USER_SCOPES, 'keys:manage']).key;

test('the /v1/keys routes need keys:manage, which no key gets unless it is named', async () => {
  const plain = cliKey('usr_plain').key;
  expect((await stack.request('GET', '/v1/me', undefined, as(plain))).body.scopes).not.toContain(
    'keys:manage',
  );
  for (const [method, path, body] of [
    ['GET', '/v1/keys'],
    ['POST', '/v1/keys', { name: 'x' }],
    ['DELETE', '/v1/keys/key_anything'],
  ] as const) {
    const res = await stack.request(method, path, body, as(plain));
    expect([method, res.status, res.body.error.code, res.body.error.meta.required_scope]).toEqual([
      method,
      403,
      'auth.insufficient_scope',
      'keys:manage',
    ]);
  }
});

test('a narrower key minted over the API works within its scopes; its key is shown once, never listed', async () => {
  const admin = adminKey('usr_minter');
  const account = (
    await stack.request('POST', '/v1/accounts', { platform: 'sandbox', name: 'Mine' }, as(admin))
  ).body.id;

  const minted = await stack.request(
    'POST',
    '/v1/keys',
    { name: 'reader', scopes: ['posts:read'] },
    as(admin),
  );
  expect(minted.status).toBe(201);
  expect(minted.body).toEqual({
    id: expect.stringMatching(/^key_/),
    name: 'reader',
    scopes: ['posts:read'],
    created_at: expect.any(String),
    revoked_at: null,
    raw_key: expect.stringMatching(/^sapi_key_[0-9a-f]{62}$/),
  });
  const reader = minted.body.raw_key as string;

  expect((await stack.request('GET', '/v1/me', undefined, as(reader))).body).toMatchObject({
    user_id: 'usr_minter',
    key_id: minted.body.id,
    scopes: ['posts:read'],
  });
  expect((await stack.request('GET', '/v1/posts', undefined, as(reader))).status).toBe(200);
  const refused = await stack.request(
    'POST',
    '/v1/posts',
    { account_ids: [account], text: 'no' },
    as(reader),
  );
  expect(refused.status).toBe(403);
  expect(refused.body.error.meta.required_scope).toBe('posts:write');

  const listed = await stack.request('GET', '/v1/keys', undefined, as(admin));
  expect(listed.status).toBe(200);
  expect(listed.body.data).toEqual(
    expect.arrayContaining([
      {
        id: minted.body.id,
        name: 'reader',
        scopes: ['posts:read'],
        created_at: expect.any(String),
        revoked_at: null,
      },
    ]),
  );
  expect(listed.body.count).toBe(listed.body.data.length);
  const text = JSON.stringify(listed.body);
  expect(text).not.toContain(reader);
  expect(text).not.toContain(admin);
  expect(text).not.toContain('raw_key');

  // Without scopes: the user scopes the minter holds, never keys:manage.
  const plain = await stack.request('POST', '/v1/keys', { name: 'default' }, as(admin));
  expect(plain.status).toBe(201);
  expect(plain.body.scopes).toEqual([...USER_SCOPES]);
});

test('a key never gives a scope it lacks, nor payloads:decode; bad bodies name their field', async () => {
  const narrow = cliKey('usr_narrow', ['posts:read', 'keys:manage']).key;
  const mint = (body: unknown) => stack.request('POST', '/v1/keys', body, as(narrow));

  const wider = await mint({ name: 'wider', scopes: ['posts:read', 'posts:write'] });
  expect(wider.status).toBe(403);
  expect(wider.body.error).toMatchObject({
    code: 'auth.insufficient_scope',
    meta: { required_scope: 'posts:write' },
  });
  expect(wider.body.error.message).toContain('posts:write');

  const decode = await mint({ name: 'ops', scopes: ['payloads:decode'] });
  expect(decode.status).toBe(400);
  expect(decode.body.error).toMatchObject({ code: 'validation.field_invalid', meta: { field: 'scopes' } });
  expect(decode.body.error.message).toContain('postflow keys create');

  const unknown = await mint({ name: 'x', scopes: ['posts:everything'] });
  expect([unknown.status, unknown.body.error.meta.field]).toEqual([400, 'scopes']);
  const noName = await mint({ scopes: ['posts:read'] });
  expect([noName.status, noName.body.error.meta.field]).toEqual([400, 'name']);
  const extra = await mint({ name: 'x', expires_at: '2030-01-01T00:00:00Z' });
  expect([extra.status, extra.body.error.meta.field]).toEqual([400, 'expires_at']);

  // Its own scopes it may give, keys:manage included.
  const same = await mint({ name: 'same', scopes: ['keys:manage', 'posts:read'] });
  expect(same.status).toBe(201);
  expect(same.body.scopes).toEqual(['keys:manage', 'posts:read']);

  // Nothing was minted by the refused requests.
  const names = (await stack.request('GET', '/v1/keys', undefined, as(narrow))).body.data.map(
    (k: any) => k.name,
  );
  expect(names).not.toEqual(expect.arrayContaining(['wider']));
  expect(names.filter((n: string) => ['wider', 'ops', 'x'].includes(n))).toEqual([]);
});

test("revoking takes effect on the next request, the calling key's own too; another user's key is a 404", async () => {
  const admin = adminKey('usr_revoker');
  const { id, raw_key: minted } = (
    await stack.request('POST', '/v1/keys', { name: 'short-lived', scopes: ['accounts:read'] }, as(admin))
  ).body;
  expect((await stack.request('GET', '/v1/accounts', undefined, as(minted))).status).toBe(200);

  expect((await stack.request('DELETE', `/v1/keys/${id}`, undefined, as(admin))).status).toBe(204);
  const after = await stack.request('GET', '/v1/accounts', undefined, as(minted));
  expect([after.status, after.body.error.code]).toEqual([401, 'auth.invalid_key']);
  const listed = (await stack.request('GET', '/v1/keys', undefined, as(admin))).body.data;
  expect(listed.find((k: any) => k.id === id).revoked_at).toEqual(expect.any(String));
  // Revoked already, unknown, or another user's: 404, and the other user's key still works.
  const other = cliKey('usr_bystander');
  for (const target of [id, 'key_unknown', other.id]) {
    const res = await stack.request('DELETE', `/v1/keys/${target}`, undefined, as(admin));
    expect([target, res.status, res.body.error.code]).toEqual([target, 404, 'resource.not_found']);
  }
  expect((await stack.request('GET', '/v1/me', undefined, as(other.key))).status).toBe(200);

  // A key revoking itself: answered, then refused from the next request on.
  const self = (await stack.request('GET', '/v1/me', undefined, as(admin))).body.key_id;
  expect((await stack.request('DELETE', `/v1/keys/${self}`, undefined, as(admin))).status).toBe(204);
  const gone = await stack.request('GET', '/v1/keys', undefined, as(admin));
  expect([gone.status, gone.body.error.code]).toEqual([401, 'auth.invalid_key']);
});

test('GET and PATCH /v1/users/me: name and email round trip; bad and unknown fields are refused', async () => {
  const key = cliKey('usr_profile').key;
  const me = await stack.request('GET', '/v1/users/me', undefined, as(key));
  expect(me.status).toBe(200);
  expect(me.body).toEqual({ id: 'usr_profile', name: null, email: null, created_at: expect.any(String) });

  const patched = await stack.request(
    'PATCH',
    '/v1/users/me',
    { name: ' Ada ', email: 'ada@example.com' },
    as(key),
  );
  expect(patched.status).toBe(200);
  expect(patched.body).toEqual({ ...me.body, name: 'Ada', email: 'ada@example.com' });
  expect((await stack.request('GET', '/v1/users/me', undefined, as(key))).body).toEqual(patched.body);

  for (const [body, field] of [
    [{ email: 'not-an-email' }, 'email'],
    [{ name: '' }, 'name'],
    [{ timezone: 'Europe/Paris' }, 'timezone'],
    [{ id: 'usr_else' }, 'id'],
  ] as const) {
    const res = await stack.request('PATCH', '/v1/users/me', body, as(key));
    expect([field, res.status, res.body.error.meta.field]).toEqual([field, 400, field]);
  }
  // null clears a field; what is left out stays.
  const cleared = await stack.request('PATCH', '/v1/users/me', { email: null }, as(key));
  expect(cleared.body).toMatchObject({ name: 'Ada', email: null });

  // Reading needs no scope; changing needs users:manage.
  const reader = cliKey('usr_profile', ['media:read']).key;
  expect((await stack.request('GET', '/v1/users/me', undefined, as(reader))).body.name).toBe('Ada');
  const refused = await stack.request('PATCH', '/v1/users/me', { name: 'Eve' }, as(reader));
  expect([refused.status, refused.body.error.meta.required_scope]).toEqual([403, 'users:manage']);
});

test('GET /v1/usage counts posts this month, media storage, accounts and webhooks, with the quota', async () => {
  const key = cliKey('usr_usage').key;
  const usage = async () => (await stack.request('GET', '/v1/usage', undefined, as(key))).body;
  const now = new Date();
  const before = await usage();
  expect(before).toEqual({
    period: {
      start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)).toISOString(),
      end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)).toISOString(),
    },
    posts: {
      created: 0,
      by_status: {
        draft: 0,
        pending_approval: 0,
        scheduled: 0,
        publishing: 0,
        published: 0,
        partial: 0,
        failed: 0,
        cancelled: 0,
        rejected: 0,
        expired: 0,
      },
    },
    storage: { used_bytes: 0, limit_bytes: QUOTA, media_count: 0 },
    accounts: { count: 0 },
    webhooks: { count: 0 },
  });

  const account = (await stack.request('POST', '/v1/accounts', { platform: 'sandbox', name: 'U' }, as(key)))
    .body.id;
  const post = await stack.request('POST', '/v1/posts', { account_ids: [account], text: 'counted' }, as(key));
  expect(post.body.status).toBe('published');
  // The targets dialect without publish_now or scheduled_at makes a draft.
  const draft = await stack.request(
    'POST',
    '/v1/posts',
    { targets: [{ account_id: account }], text: 'later' },
    as(key),
  );
  expect(draft.status).toBe(201);

  const form = new FormData();
  form.append('file', new Blob([Buffer.alloc(4096, 1)], { type: 'image/png' }), 'a.png');
  const uploaded = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: as(key),
    body: form,
  });
  expect(uploaded.status).toBe(201);
  const hook = await stack.request(
    'POST',
    '/v1/webhooks',
    { url: receiver.url, events: ['post.published'] },
    as(key),
  );
  expect(hook.status).toBe(201);

  // Posts are counted in Temporal's visibility, which shows a post a moment after it is created.
  const deadline = Date.now() + 30_000;
  let after = await usage();
  while (after.posts.created < 2 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    after = await usage();
  }
  expect(after).toMatchObject({
    posts: { created: 2, by_status: { published: 1, draft: 1, failed: 0 } },
    storage: { used_bytes: 4096, limit_bytes: QUOTA, media_count: 1 },
    accounts: { count: 1 },
    webhooks: { count: 1 },
  });
  // Only this user's: another user's usage is untouched.
  expect((await stack.request('GET', '/v1/usage', undefined, as(cliKey('usr_idle').key))).body).toMatchObject(
    {
      posts: { created: 0 },
      storage: { used_bytes: 0 },
      accounts: { count: 0 },
    },
  );
});

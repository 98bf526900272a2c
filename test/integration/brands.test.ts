import { inDays } from '../helpers/fixtures';
import { Stack } from '../helpers/stack';

/**
 * Brands (contract §4, "Brands group accounts") through the real stack: CRUD per user, accounts
 * put in and taken out of a brand, and the accounts and posts lists filtered by brand.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await new Stack().start();
});

afterAll(async () => {
  await stack?.stop();
});

const as = (key: string) => ({ authorization: `Bearer ${key}` });

async function createBrand(name: string, headers: Record<string, string> = {}): Promise<string> {
  const { status, body } = await stack.request('POST', '/v1/brands', { name }, headers);
  expect(status).toBe(201);
  return body.id;
}

const accountIds = (body: { count: number; data: Array<{ id: string }> }) => {
  expect(body.count).toBe(body.data.length);
  return body.data.map((a) => a.id);
};

test('create, list, read, rename and delete a brand', async () => {
  const created = await stack.request('POST', '/v1/brands', { name: '  Acme  ' });
  expect(created.status).toBe(201);
  expect(created.body).toEqual({
    id: expect.stringMatching(/^brand_[0-9A-HJKMNP-TV-Z]{26}$/),
    name: 'Acme',
    requires_approval: false,
    approval_by_other_key: false,
    created_at: expect.any(String),
  });
  const id = created.body.id;

  expect(await stack.request('GET', `/v1/brands/${id}`)).toMatchObject({ status: 200, body: created.body });
  const listed = await stack.request('GET', '/v1/brands');
  expect(listed.status).toBe(200);
  expect(listed.body.data).toContainEqual(created.body);
  expect(listed.body.count).toBe(listed.body.data.length);

  const renamed = await stack.request('PATCH', `/v1/brands/${id}`, { name: 'Acme Inc' });
  expect(renamed).toMatchObject({ status: 200, body: { ...created.body, name: 'Acme Inc' } });
  // An empty change is no change.
  expect(await stack.request('PATCH', `/v1/brands/${id}`, {})).toMatchObject({
    status: 200,
    body: { name: 'Acme Inc' },
  });

  expect((await stack.request('DELETE', `/v1/brands/${id}`)).status).toBe(204);
  const gone = await stack.request('GET', `/v1/brands/${id}`);
  expect([gone.status, gone.body.error.code, gone.body.code]).toEqual([404, 'brand.not_found', 'not_found']);
  expect((await stack.request('DELETE', `/v1/brands/${id}`)).status).toBe(404);
});

test('an Idempotency-Key makes a second create return the first brand', async () => {
  const headers = { 'idempotency-key': 'brand-once' };
  const first = await stack.request('POST', '/v1/brands', { name: 'Once' }, headers);
  const again = await stack.request('POST', '/v1/brands', { name: 'Once' }, headers);
  expect([first.status, again.status]).toEqual([201, 201]);
  expect(again.body).toEqual(first.body);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
});

test('bad bodies are 400s naming the field', async () => {
  const brand = await createBrand('Bodies');
  const cases: [string, string, unknown, string, string][] = [
    ['POST', '/v1/brands', {}, 'name', 'validation.field_required'],
    ['POST', '/v1/brands', { name: '   ' }, 'name', 'validation.field_invalid'],
    ['POST', '/v1/brands', { name: 'x'.repeat(201) }, 'name', 'validation.field_invalid'],
    ['POST', '/v1/brands', { name: 7 }, 'name', 'validation.field_invalid'],
    // Nothing else about a brand is stored, so nothing else is accepted.
    ['POST', '/v1/brands', { name: 'ok', color: 'red' }, 'color', 'validation.field_invalid'],
    ['PATCH', `/v1/brands/${brand}`, { name: '' }, 'name', 'validation.field_invalid'],
    ['PATCH', `/v1/brands/${brand}`, { accounts: [] }, 'accounts', 'validation.field_invalid'],
  ];
  for (const [method, path, body, field, code] of cases) {
    const res = await stack.request(method, path, body);
    expect([
      method,
      JSON.stringify(body),
      res.status,
      res.body.error.code,
      res.body.error.meta?.field,
    ]).toEqual([method, JSON.stringify(body), 400, code, field]);
  }
  const unknownField = await stack.request('POST', '/v1/brands', { name: 'ok', color: 'red' });
  expect(unknownField.body.error.message).toContain('color');
  expect((await stack.request('GET', `/v1/brands/${brand}`)).body.name).toBe('Bodies');
  // An unknown brand is a 404 whatever the body.
  const unknown = await stack.request('PATCH', '/v1/brands/brand_nope', { name: '' });
  expect([unknown.status, unknown.body.error.code]).toEqual([404, 'brand.not_found']);
});

test("another user's brand is a 404 everywhere, and their list holds none of ours", async () => {
  const brand = await createBrand('Mine');
  const other = as(stack.keyForUser('usr_brand_other'));
  for (const [method, path, body] of [
    ['GET', `/v1/brands/${brand}`],
    ['PATCH', `/v1/brands/${brand}`, { name: 'stolen' }],
    ['DELETE', `/v1/brands/${brand}`],
    ['GET', `/v1/accounts?brand_id=${brand}`],
    ['GET', `/v1/posts?brand_id=${brand}`],
  ] as const) {
    const res = await stack.request(method, path, body, other);
    expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 404, 'brand.not_found']);
  }
  // Nor can they put their accounts in it.
  const theirs = await stack.request(
    'POST',
    '/v1/accounts',
    { platform: 'sandbox', name: 'theirs', brand_id: brand },
    other,
  );
  expect([theirs.status, theirs.body.error.code, theirs.body.error.meta.field]).toEqual([
    404,
    'brand.not_found',
    'brand_id',
  ]);
  expect((await stack.request('GET', '/v1/brands', undefined, other)).body).toEqual({ count: 0, data: [] });
  expect((await stack.request('GET', `/v1/brands/${brand}`)).body.name).toBe('Mine');
});

test('brands use the account scopes: accounts:read to read, accounts:manage to change', async () => {
  const brand = await createBrand('Scoped');
  const reader = JSON.parse(stack.runCli('keys', 'create', '--scopes', 'accounts:read').stdout).key;
  const poster = JSON.parse(stack.runCli('keys', 'create', '--scopes', 'posts:read,posts:write').stdout).key;
  expect((await stack.request('GET', '/v1/brands', undefined, as(reader))).status).toBe(200);
  expect((await stack.request('GET', `/v1/brands/${brand}`, undefined, as(reader))).status).toBe(200);
  for (const [key, method, path, body, needed] of [
    [poster, 'GET', '/v1/brands', undefined, 'accounts:read'],
    [poster, 'GET', `/v1/brands/${brand}`, undefined, 'accounts:read'],
    [reader, 'POST', '/v1/brands', { name: 'x' }, 'accounts:manage'],
    [reader, 'PATCH', `/v1/brands/${brand}`, { name: 'x' }, 'accounts:manage'],
    [reader, 'DELETE', `/v1/brands/${brand}`, undefined, 'accounts:manage'],
  ] as const) {
    const res = await stack.request(method, path, body, as(key));
    expect([method, path, res.status, res.body.error.meta.required_scope]).toEqual([
      method,
      path,
      403,
      needed,
    ]);
  }
  expect((await stack.request('GET', `/v1/brands/${brand}`)).body.name).toBe('Scoped');
});

test('accounts join a brand on create or PATCH, leave it with null, and list by brand', async () => {
  const brand = await createBrand('Accounts');
  const empty = await createBrand('Empty');
  const created = await stack.request('POST', '/v1/accounts', {
    platform: 'sandbox',
    name: 'Branded',
    brand_id: brand,
  });
  expect(created.status).toBe(201);
  expect(created.body.brand_id).toBe(brand);
  const inBrand = created.body.id;
  const loose = await stack.createSandboxAccount('Loose');
  expect((await stack.request('GET', `/v1/accounts/${loose}`)).body.brand_id).toBeNull();

  expect(accountIds((await stack.request('GET', `/v1/accounts?brand_id=${brand}`)).body)).toEqual([inBrand]);
  expect((await stack.request('GET', `/v1/accounts?brand_id=${empty}`)).body).toEqual({ count: 0, data: [] });
  // An empty brand_id is no filter; unknown parameters are ignored, as before.
  const all = accountIds((await stack.request('GET', '/v1/accounts?brand_id=&colour=red')).body);
  expect(all).toEqual(expect.arrayContaining([inBrand, loose]));

  const moved = await stack.request('PATCH', `/v1/accounts/${loose}`, { brand_id: brand, name: 'Joined' });
  expect(moved).toMatchObject({ status: 200, body: { brand_id: brand, name: 'Joined' } });
  expect(accountIds((await stack.request('GET', `/v1/accounts?brand_id=${brand}`)).body).sort()).toEqual(
    [inBrand, loose].sort(),
  );
  // A PATCH without brand_id leaves it; null takes the account out.
  expect((await stack.request('PATCH', `/v1/accounts/${loose}`, { name: 'Still in' })).body.brand_id).toBe(
    brand,
  );
  const left = await stack.request('PATCH', `/v1/accounts/${loose}`, { brand_id: null });
  expect(left).toMatchObject({ status: 200, body: { brand_id: null, name: 'Still in' } });
  expect(accountIds((await stack.request('GET', `/v1/accounts?brand_id=${brand}`)).body)).toEqual([inBrand]);
});

test('account brand_id errors name the field, and change nothing', async () => {
  const account = await stack.createSandboxAccount('Unchanged');
  for (const [method, path, body, status, code] of [
    [
      'POST',
      '/v1/accounts',
      { platform: 'sandbox', name: 'x', brand_id: 'brand_nope' },
      404,
      'brand.not_found',
    ],
    ['PATCH', `/v1/accounts/${account}`, { name: 'x', brand_id: 'brand_nope' }, 404, 'brand.not_found'],
    ['PATCH', `/v1/accounts/${account}`, { brand_id: '' }, 400, 'validation.field_invalid'],
    ['PATCH', `/v1/accounts/${account}`, { brand_id: 7 }, 400, 'validation.field_invalid'],
    [
      'POST',
      '/v1/accounts',
      { platform: 'sandbox', name: 'x', brand_id: ['a'] },
      400,
      'validation.field_invalid',
    ],
    ['GET', '/v1/accounts?brand_id=brand_nope', undefined, 404, 'brand.not_found'],
    ['GET', '/v1/accounts?brand_id=a&brand_id=b', undefined, 400, 'validation.field_invalid'],
  ] as const) {
    const res = await stack.request(method, path, body);
    expect([method, path, res.status, res.body.error.code, res.body.error.meta.field]).toEqual([
      method,
      path,
      status,
      code,
      'brand_id',
    ]);
  }
  expect((await stack.request('GET', `/v1/accounts/${account}`)).body).toMatchObject({
    name: 'Unchanged',
    brand_id: null,
  });
  const names = (await stack.request('GET', '/v1/accounts')).body.data.map((a: { name: string }) => a.name);
  expect(names).not.toContain('x');
});

test('a brand with accounts is not deleted (409 brand.in_use naming them) until it is empty', async () => {
  const brand = await createBrand('Busy');
  const first = (
    await stack.request('POST', '/v1/accounts', { platform: 'sandbox', name: 'a', brand_id: brand })
  ).body.id;
  const second = (
    await stack.request('POST', '/v1/accounts', { platform: 'sandbox', name: 'b', brand_id: brand })
  ).body.id;

  const refused = await stack.request('DELETE', `/v1/brands/${brand}`);
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatchObject({
    code: 'brand.in_use',
    meta: { resource: 'brand', id: brand, account_ids: [first, second].sort() },
  });
  expect(refused.body.error.message).toContain('"brand_id": null');
  expect((await stack.request('GET', `/v1/brands/${brand}`)).status).toBe(200);
  expect((await stack.request('GET', `/v1/accounts/${first}`)).body.brand_id).toBe(brand);

  await stack.request('PATCH', `/v1/accounts/${first}`, { brand_id: null });
  expect((await stack.request('DELETE', `/v1/accounts/${second}`)).status).toBe(204);
  expect((await stack.request('DELETE', `/v1/brands/${brand}`)).status).toBe(204);
  expect((await stack.request('GET', `/v1/accounts/${first}`)).body.brand_id).toBeNull();
});

test("GET /v1/posts?brand_id= lists the posts targeting the brand's accounts", async () => {
  const brand = await createBrand('Posting');
  const empty = await createBrand('Quiet');
  const post = async (accounts: string[], text: string, days: number) =>
    (await stack.request('POST', '/v1/posts', { account_ids: accounts, text, scheduled_at: inDays(days) }))
      .body.id as string;
  const branded = (
    await stack.request('POST', '/v1/accounts', { platform: 'sandbox', name: 'p1', brand_id: brand })
  ).body.id;
  const other = await stack.createSandboxAccount('p2');
  const onlyBrand = await post([branded], 'brand only', 1);
  const both = await post([branded, other], 'both accounts', 2);
  const onlyOther = await post([other], 'other only', 3);

  const list = (query: string) => stack.request('GET', `/v1/posts?${query}`);
  const ids = async (query: string) => {
    const res = await list(query);
    expect(res.status).toBe(200);
    return res.body.data.map((p: { id: string }) => p.id);
  };
  // Visibility is eventually consistent: wait until the three are listed.
  for (let i = 0; (await ids(`account_ids=${branded},${other}`)).length < 3; i++) {
    if (i > 100) throw new Error('posts never showed up in the list');
    await new Promise((r) => setTimeout(r, 100));
  }

  expect(await ids(`brand_id=${brand}`)).toEqual([onlyBrand, both]);
  expect(await ids(`brand_id=${empty}`)).toEqual([]);
  // With the other filters: each must hold.
  expect(await ids(`brand_id=${brand}&account_ids=${other}`)).toEqual([both]);
  expect(await ids(`brand_id=${brand}&search=only`)).toEqual([onlyBrand]);
  expect(await ids(`brand_id=${brand}&status=published`)).toEqual([]);

  // The brand's accounts as they are now: moving an account in brings its posts along.
  await stack.request('PATCH', `/v1/accounts/${other}`, { brand_id: brand });
  expect(await ids(`brand_id=${brand}`)).toEqual([onlyBrand, both, onlyOther]);

  for (const [query, status, code] of [
    ['brand_id=brand_nope', 404, 'brand.not_found'],
    ['brand_id=no%20spaces', 400, 'validation.field_invalid'],
    ['brand_id=a&brand_id=b', 400, 'validation.field_invalid'],
  ] as const) {
    const res = await list(query);
    expect([query, res.status, res.body.error.code, res.body.error.meta.field]).toEqual([
      query,
      status,
      code,
      'brand_id',
    ]);
  }
});

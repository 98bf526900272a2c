import { API_SCOPES } from '../../store/types';
import { inDays } from '../helpers/fixtures';
import { WebhookReceiver } from '../helpers/receiver';
import { Stack } from '../helpers/stack';
import { KEY_TRUST_MS } from '../../services/keys';

/**
 * Issue #6's auth matrix, the cases keys-and-users.test.ts and http-api.test.ts leave out: each
 * scope missing on each kind of resource, a revoked key on every resource, and another user's
 * media, webhook, account and post changes, all refused with the contract's codes.
 */
let stack: Stack;
const receiver = new WebhookReceiver();
let owned: { account: string; media: string; webhook: string; post: string };

const as = (key: string) => ({ authorization: `Bearer ${key}` });

beforeAll(async () => {
  await receiver.start();
  stack = await new Stack({ POSTFLOW_ALLOW_PRIVATE_URLS: 'true' }).start();
  const account = await stack.createSandboxAccount('owner');
  const form = new FormData();
  form.append(
    'file',
    new Blob([Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;')], { type: 'image/gif' }),
    'a.gif',
  );
  const media = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: as(stack.apiKey),
    body: form,
  });
  expect(media.status).toBe(201);
  const webhook = await stack.request('POST', '/v1/webhooks', {
    url: receiver.url,
    events: ['post.published'],
  });
  expect(webhook.status).toBe(201);
  const post = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'owned',
    scheduled_at: inDays(1),
  });
  owned = { account, media: ((await media.json()) as any).id, webhook: webhook.body.id, post: post.body.id };
});

afterAll(async () => {
  await stack?.stop();
  await receiver.stop();
});

/** One route or more per scope, with a body where the route takes one. */
const ROUTES: Record<string, [string, string, unknown?][]> = {
  'posts:read': [
    ['GET', '/v1/posts'],
    ['GET', '/v1/posts/{post}'],
  ],
  'posts:write': [
    ['POST', '/v1/posts', { account_ids: ['{account}'], text: 'x' }],
    ['PATCH', '/v1/posts/{post}', { text: 'x' }],
    ['POST', '/v1/posts/{post}/publish'],
    ['POST', '/v1/posts/{post}/retry'],
    ['DELETE', '/v1/posts/{post}'],
  ],
  'posts:approve': [
    ['POST', '/v1/posts/{post}/approve'],
    ['POST', '/v1/posts/{post}/reject', { reason: 'x' }],
  ],
  'media:read': [
    ['GET', '/v1/media'],
    ['GET', '/v1/media/{media}'],
    ['GET', '/v1/media/storage'],
  ],
  'media:write': [
    ['GET', '/v1/media/upload-url?media_type=image/png&filename=a.png'],
    ['DELETE', '/v1/media/{media}'],
  ],
  'accounts:read': [
    ['GET', '/v1/accounts'],
    ['GET', '/v1/accounts/{account}'],
    ['GET', '/v1/accounts/{account}/boards'],
    ['GET', '/v1/accounts/{account}/creator-info'],
    ['GET', '/v1/accounts/{account}/limits'],
  ],
  'accounts:manage': [
    ['POST', '/v1/accounts', { platform: 'sandbox', name: 'x' }],
    ['POST', '/v1/accounts/{account}/boards', { name: 'x' }],
    ['PATCH', '/v1/accounts/{account}', { name: 'x' }],
    ['DELETE', '/v1/accounts/{account}'],
  ],
  'webhooks:manage': [
    ['GET', '/v1/webhooks'],
    ['GET', '/v1/webhooks/{webhook}'],
    ['DELETE', '/v1/webhooks/{webhook}'],
  ],
};

const fill = (path: string) => path.replace(/\{(\w+)\}/g, (_, name: keyof typeof owned) => owned[name]);
const fillBody = (body: unknown) => (body === undefined ? undefined : JSON.parse(fill(JSON.stringify(body))));

test('a key lacking a scope is refused on every route that needs it (403 auth.insufficient_scope), and nothing changes', async () => {
  for (const [needed, routes] of Object.entries(ROUTES)) {
    const others = API_SCOPES.filter((s) => s !== needed && s !== 'payloads:decode').join(',');
    const { key } = JSON.parse(stack.runCli('keys', 'create', '--scopes', others).stdout);
    for (const [method, path, body] of routes) {
      const res = await stack.request(method, fill(path), fillBody(body), as(key));
      expect([method, path, res.status, res.body.error?.code, res.body.error?.meta?.required_scope]).toEqual([
        method,
        path,
        403,
        'auth.insufficient_scope',
        needed,
      ]);
    }
  }
  // The refused DELETEs and PATCHes left everything as it was.
  expect((await stack.request('GET', `/v1/posts/${owned.post}`)).body).toMatchObject({
    status: 'scheduled',
    text: 'owned',
  });
  expect((await stack.request('GET', `/v1/media/${owned.media}`)).status).toBe(200);
  expect((await stack.request('GET', `/v1/webhooks/${owned.webhook}`)).status).toBe(200);
  expect((await stack.request('GET', `/v1/accounts/${owned.account}`)).body.name).toBe('owner');
});

test('a revoked key is refused on every kind of resource (401 auth.invalid_key)', async () => {
  const { key, id } = JSON.parse(stack.runCli('keys', 'create').stdout);
  expect((await stack.request('GET', '/v1/me', undefined, as(key))).status).toBe(200);
  expect(stack.runCli('keys', 'revoke', id).status).toBe(0);
  // The API trusts a key it found for KEY_TRUST_MS: the CLI's revocation reaches it within that.
  const until = Date.now() + KEY_TRUST_MS + 1_000;
  while ((await stack.request('GET', '/v1/me', undefined, as(key))).status !== 401 && Date.now() < until)
    await new Promise((r) => setTimeout(r, 200));
  for (const [method, path] of [
    ['GET', '/v1/me'],
    ['GET', '/v1/posts/{post}'],
    ['POST', '/v1/posts/{post}/publish'],
    ['GET', '/v1/media/{media}'],
    ['GET', '/v1/accounts/{account}'],
    ['GET', '/v1/webhooks/{webhook}'],
  ]) {
    const res = await stack.request(method, fill(path), undefined, as(key));
    expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 401, 'auth.invalid_key']);
  }
  expect((await stack.request('GET', `/v1/posts/${owned.post}`)).body.status).toBe('scheduled');
});

test("another user's media, webhook, account and post cannot be read, changed or used (404 with the resource's code)", async () => {
  const other = stack.keyForUser('usr_intruder');
  const cases: [string, string, unknown, string][] = [
    ['GET', '/v1/media/{media}', undefined, 'media.not_found'],
    ['DELETE', '/v1/media/{media}', undefined, 'media.not_found'],
    ['POST', '/v1/media/{media}/verify', undefined, 'media.not_found'],
    ['GET', '/v1/webhooks/{webhook}', undefined, 'resource.not_found'],
    ['PATCH', '/v1/webhooks/{webhook}', { is_active: false }, 'resource.not_found'],
    ['DELETE', '/v1/webhooks/{webhook}', undefined, 'resource.not_found'],
    ['POST', '/v1/webhooks/{webhook}/test', undefined, 'resource.not_found'],
    ['GET', '/v1/webhooks/{webhook}/deliveries', undefined, 'resource.not_found'],
    ['PATCH', '/v1/accounts/{account}', { name: 'stolen' }, 'account.not_found'],
    ['POST', '/v1/accounts/{account}/reconnect', { credentials: { access_token: 'x' } }, 'account.not_found'],
    ['DELETE', '/v1/accounts/{account}', undefined, 'account.not_found'],
    ['GET', '/v1/accounts/{account}/boards', undefined, 'account.not_found'],
    ['POST', '/v1/accounts/{account}/boards', { name: 'x' }, 'account.not_found'],
    ['GET', '/v1/accounts/{account}/creator-info', undefined, 'account.not_found'],
    ['GET', '/v1/accounts/{account}/limits', undefined, 'account.not_found'],
    ['POST', '/v1/posts/{post}/retry', undefined, 'post.not_found'],
    ['POST', '/v1/posts/{post}/approve', undefined, 'post.not_found'],
    ['POST', '/v1/posts/{post}/reject', { reason: 'x' }, 'post.not_found'],
  ];
  for (const [method, path, body, code] of cases) {
    const res = await stack.request(method, fill(path), body, as(other));
    expect([method, path, res.status, res.body.error.code]).toEqual([method, path, 404, code]);
  }
  // Nor can their posts use this user's media (a body naming unknown media is a 400).
  const borrow = await stack.request(
    'POST',
    '/v1/posts',
    { account_ids: [await otherAccount(other)], text: 'borrowed', media_ids: [owned.media] },
    as(other),
  );
  expect([borrow.status, borrow.body.error.code]).toEqual([400, 'media.not_found']);
  // Their lists hold none of it.
  for (const path of ['/v1/media', '/v1/webhooks', '/v1/accounts']) {
    const listed = JSON.stringify((await stack.request('GET', path, undefined, as(other))).body);
    const leaked = Object.values(owned).filter((id) => listed.includes(id));
    expect([path, leaked]).toEqual([path, []]);
  }
  expect((await stack.request('GET', `/v1/webhooks/${owned.webhook}`)).body.is_active).toBe(true);
  expect((await stack.request('GET', `/v1/accounts/${owned.account}`)).body.name).toBe('owner');
  expect((await stack.request('GET', `/v1/media/${owned.media}`)).status).toBe(200);
});

async function otherAccount(key: string): Promise<string> {
  const res = await stack.request('POST', '/v1/accounts', { platform: 'sandbox', name: 'theirs' }, as(key));
  return res.body.id;
}

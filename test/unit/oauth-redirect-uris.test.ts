import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MAX_REDIRECT_URIS,
  RedirectUriService,
  redirectUriProblem,
} from '../../services/oauth-redirect-uris';
import { openStore } from '../../store';
import type { Store } from '../../store/types';

/**
 * `/v1/oauth/redirect-uris` rules on a real (SQLite) store: what a redirect URI may be, one entry
 * per user and URI, each user's own, and the operator's list valid for everyone.
 */
let store: Store;
let service: RedirectUriService;
const OPERATOR = 'https://operator.example/back';

beforeAll(async () => {
  store = await openStore(mkdtempSync(join(tmpdir(), 'redirect-uris-')));
  service = new RedirectUriService(store, [OPERATOR]);
});
afterAll(() => store.close());

test.each([
  'https://app.example/connected',
  'https://app.example:8443/cb?tenant=1',
  'http://localhost:3000/cb',
  'http://127.0.0.1/cb',
  'http://[::1]:8080/cb',
])('%s can be a redirect URI', (uri) => {
  expect(redirectUriProblem(uri)).toBeUndefined();
});

test.each([
  ['app.example/connected', /not an absolute URL/],
  ['/relative/path', /not an absolute URL/],
  ['https://app.example/cb#done', /no fragment/],
  ['https://app.example/cb#', /no fragment/],
  ['http://app.example/cb', /use https; plain http is allowed only on the loopback/],
  ['http://localhost.evil.example/cb', /use https/],
  ['http://10.0.0.1/cb', /use https/],
  ['javascript:alert(1)', /scheme "javascript:"/],
  ['ftp://app.example/cb', /scheme "ftp:"/],
  ['https://user:pw@app.example/cb', /no user name or password/],
])('%s is refused, saying why', (uri, why) => {
  expect(redirectUriProblem(uri)).toMatch(why);
});

test('add names the field on refusal, and refuses unknown fields', async () => {
  await expect(service.add('usr_a', { redirect_uri: 'http://app.example/cb' })).rejects.toMatchObject({
    status: 400,
    code: 'validation.field_invalid',
    meta: { field: 'redirect_uri' },
  });
  await expect(service.add('usr_a', {})).rejects.toMatchObject({
    status: 400,
    meta: { field: 'redirect_uri' },
  });
  await expect(
    service.add('usr_a', { redirect_uri: 'https://app.example/cb', scopes: 'all' }),
  ).rejects.toMatchObject({ status: 400 });
  expect((await service.list('usr_a')).count).toBe(0);
});

test("a user's URIs are theirs, once each, matched exactly; the operator's serve everyone", async () => {
  const first = await service.add('usr_a', { redirect_uri: 'https://app.example/cb' });
  expect(first).toMatchObject({ created: true, resource: { redirect_uri: 'https://app.example/cb' } });
  expect(first.resource.id).toMatch(/^ruri_/);
  const again = await service.add('usr_a', { redirect_uri: 'https://app.example/cb' });
  expect(again).toEqual({ created: false, resource: first.resource });
  expect(await service.list('usr_a')).toEqual({ count: 1, data: [first.resource] });
  expect(await service.list('usr_b')).toEqual({ count: 0, data: [] });

  expect(await service.allowed('usr_a', 'https://app.example/cb')).toBe(true);
  expect(await service.allowed('usr_b', 'https://app.example/cb')).toBe(false);
  expect(await service.allowed('usr_a', 'https://app.example/cb/')).toBe(false);
  expect(await service.allowed('usr_a', 'https://app.example/cb?x=1')).toBe(false);
  expect(await service.allowed('usr_b', OPERATOR)).toBe(true);

  await expect(service.remove('usr_b', first.resource.id)).rejects.toMatchObject({
    status: 404,
    code: 'resource.not_found',
  });
  await service.remove('usr_a', first.resource.id);
  expect(await service.allowed('usr_a', 'https://app.example/cb')).toBe(false);
  await expect(service.remove('usr_a', first.resource.id)).rejects.toMatchObject({ status: 404 });
});

test(`one user registers ${MAX_REDIRECT_URIS} at most; the same one again still answers`, async () => {
  for (let i = 0; i < MAX_REDIRECT_URIS; i += 1)
    await service.add('usr_many', { redirect_uri: `https://app.example/cb/${i}` });
  await expect(
    service.add('usr_many', { redirect_uri: 'https://app.example/cb/more' }),
  ).rejects.toMatchObject({
    status: 400,
    meta: { field: 'redirect_uri' },
  });
  expect(await service.add('usr_many', { redirect_uri: 'https://app.example/cb/0' })).toMatchObject({
    created: false,
  });
});

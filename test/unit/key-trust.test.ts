import { ApiError } from '../../api/errors';
import { KeyService } from '../../services/keys';
import { USER_SCOPES, type Store } from '../../store/types';
import { tempStore } from '../helpers/fixtures';

/**
 * Keys found in the store are trusted for a short while (KEY_TRUST_MS), so a request does not
 * read the store for its key every time; a key revoked through the same service is refused at
 * once, one revoked elsewhere once the trust runs out.
 */
let store: Store;
let reads = 0;

beforeAll(async () => {
  ({ store } = await tempStore());
  const find = store.findApiKey.bind(store);
  store.findApiKey = (key) => {
    reads++;
    return find(key);
  };
});

afterAll(() => store?.close());

beforeEach(() => {
  reads = 0;
});

const refused = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (err: unknown) => err as ApiError,
  );

test('a key found once is trusted for a while: later requests do not read the store; scopes are still checked', async () => {
  const keys = new KeyService({ store, trustMs: 60_000 });
  const { key } = await keys.create('usr_a', { name: 'a', scopes: ['posts:read'] });
  await keys.authenticate(key, 'posts:read');
  await keys.authenticate(key, 'posts:read');
  expect(reads).toBe(1);
  expect((await refused(keys.authenticate(key, 'posts:write')))?.status).toBe(403);
});

test('a key revoked through the same service is refused from the next request on', async () => {
  const keys = new KeyService({ store, trustMs: 60_000 });
  const { id, key } = await keys.create('usr_b', { name: 'b' });
  await keys.authenticate(key, 'posts:read');
  await keys.revokeOf('usr_b', id);
  expect((await refused(keys.authenticate(key, 'posts:read')))?.code).toBe('auth.invalid_key');
});

test('a key revoked elsewhere (the CLI, another replica) is refused once its trust runs out', async () => {
  const api = new KeyService({ store, trustMs: 200 });
  const cli = new KeyService({ store, trustMs: 200 });
  const { id, key } = await cli.create('usr_c', { name: 'c', scopes: [...USER_SCOPES] });
  await api.authenticate(key, 'posts:read');
  expect(await cli.revoke(id)).toBe(true);
  // Still trusted by the API process, within the bound …
  await expect(api.authenticate(key, 'posts:read')).resolves.toMatchObject({ keyId: id });
  await new Promise((r) => setTimeout(r, 250));
  // … and refused after it.
  expect((await refused(api.authenticate(key, 'posts:read')))?.code).toBe('auth.invalid_key');
});

test('an unknown key is never remembered: a key made meanwhile works at once', async () => {
  const keys = new KeyService({ store, trustMs: 60_000 });
  expect((await refused(keys.authenticate('sapi_key_unknown', 'posts:read')))?.status).toBe(401);
  expect((await refused(keys.authenticate('sapi_key_unknown', 'posts:read')))?.status).toBe(401);
  expect(reads).toBe(2);
});

import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { openPostgresDatabase } from '../../store/postgres-database';
import { MIGRATIONS, SCHEMA } from '../../store/schema';
import { SecretBox } from '../../store/secret-box';
import { newMediaId } from '../../store/media-id';
import { openSqlStore } from '../../store/sql-store';
import { openSqliteDatabase } from '../../store/sqlite-database';
import type { SqlDatabase } from '../../store/sql';
import { type Store, USER_SCOPES } from '../../store/types';
import { DATABASES, type DatabaseKind, tempStore } from '../helpers/fixtures';
import { freshPostgresDatabase } from '../helpers/postgres';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';

/** One suite, two databases: the same code and migrations must behave the same on both. */
describe.each(DATABASES)('store on %s', (kind: DatabaseKind) => {
  let store: Store;
  beforeAll(async () => {
    ({ store } = await tempStore(kind));
  });
  afterAll(() => store.close());

  test('accounts: create, read per user, credentials sealed, status, delete', async () => {
    const account = await store.createAccount({
      userId: 'usr_a',
      platform: 'sandbox',
      name: 'Main',
      credentials: { access_token: 'tok-1' },
    });
    expect(account).toMatchObject({ id: expect.stringMatching(/^acc_/), status: 'active', username: null });
    expect(await store.getAccount(account.id)).toEqual(account);
    expect(await store.getAccount(account.id, 'usr_a')).toEqual(account);
    expect(await store.getAccount(account.id, 'usr_b')).toBeUndefined();
    expect(await store.listAccounts('usr_a')).toEqual([account]);
    expect(await store.listAccounts('usr_b')).toEqual([]);
    expect(await store.accountCredentials(account.id)).toEqual({ access_token: 'tok-1' });

    await store.updateAccountCredentials(account.id, { access_token: 'tok-2', refresh_token: 'r' });
    expect(await store.accountCredentials(account.id)).toEqual({ access_token: 'tok-2', refresh_token: 'r' });
    await store.setAccountStatus(account.id, 'reconnect_required', 'token revoked');
    expect(await store.getAccount(account.id)).toMatchObject({
      status: 'reconnect_required',
      reconnectReason: 'token revoked',
    });
    expect(await store.deleteAccount(account.id)).toBe(true);
    expect(await store.deleteAccount(account.id)).toBe(false);
    expect(await store.accountCredentials(account.id)).toEqual({});
  });

  test('upload sessions: the first kept under a key stays, sealed at rest; updated; dropped; purged by age', async () => {
    const url = 'https://upload.example/upload?upload_id=SECRET-capability';
    const upload = { accountId: 'acc_up', platform: 'youtube', session: url };
    expect(await store.uploadSessions.keep('upl_a', upload)).toBe(url);
    // A second attempt racing the first gets the first's session.
    expect(await store.uploadSessions.keep('upl_a', { ...upload, session: `${url}-2` })).toBe(url);
    expect(await store.uploadSessions.get('upl_a')).toBe(url);
    expect(await store.uploadSessions.get('upl_b')).toBeUndefined();
    // A session recording where the upload stands (TikTok's) is replaced as chunks are acknowledged.
    await store.uploadSessions.update('upl_a', `${url}#acknowledged=10`);
    expect(await store.uploadSessions.get('upl_a')).toBe(`${url}#acknowledged=10`);
    await store.uploadSessions.update('upl_b', url);
    expect(await store.uploadSessions.get('upl_b')).toBeUndefined();
    await store.uploadSessions.drop('upl_a');
    expect(await store.uploadSessions.get('upl_a')).toBeUndefined();
    await store.uploadSessions.keep('upl_c', upload);
    expect(await store.uploadSessions.purge(new Date(Date.now() - 60_000))).toBe(0);
    expect(await store.uploadSessions.purge(new Date(Date.now() + 60_000))).toBe(1);
    expect(await store.uploadSessions.get('upl_c')).toBeUndefined();
  });

  test('connection tokens: the first kept under a connection stays; settled without the token; dropped; purged by age', async () => {
    const grant = { platform: 'twitter', credentials: { access_token: 'at-1', refresh_token: 'rt-1' } };
    expect(await store.connectionTokens.keep('conn_a', grant)).toEqual(grant.credentials);
    // A second attempt racing the first gets the first's token.
    expect(
      await store.connectionTokens.keep('conn_a', { ...grant, credentials: { access_token: 'at-2' } }),
    ).toEqual(grant.credentials);
    expect(await store.connectionTokens.get('conn_a')).toEqual({ credentials: grant.credentials });
    expect(await store.connectionTokens.get('conn_b')).toBeUndefined();
    // The account saved: the token goes, what was saved stays.
    await store.connectionTokens.settle('conn_a', { accountId: 'acc_a', created: true, username: 'u' });
    expect(await store.connectionTokens.get('conn_a')).toEqual({
      connected: { accountId: 'acc_a', created: true, username: 'u' },
    });
    await store.connectionTokens.drop('conn_a');
    expect(await store.connectionTokens.get('conn_a')).toBeUndefined();
    await store.connectionTokens.keep('conn_c', grant);
    expect(await store.connectionTokens.purge(new Date(Date.now() - 60_000))).toBe(0);
    expect(await store.connectionTokens.purge(new Date(Date.now() + 60_000))).toBe(1);
    expect(await store.connectionTokens.get('conn_c')).toBeUndefined();
  });

  test('brands: per user, accounts in them, deleted only once empty', async () => {
    const brand = await store.brands.create({ userId: 'usr_br', name: 'Acme' });
    expect(brand).toMatchObject({ id: expect.stringMatching(/^brand_/), name: 'Acme' });
    expect(await store.brands.get(brand.id, 'usr_br')).toEqual(brand);
    expect(await store.brands.get(brand.id, 'usr_other')).toBeUndefined();
    expect(await store.brands.list('usr_br')).toEqual([brand]);
    expect(await store.brands.update(brand.id, { name: 'Acme Inc' })).toEqual({ ...brand, name: 'Acme Inc' });

    const inside = await store.createAccount({
      userId: 'usr_br',
      platform: 'sandbox',
      name: 'In',
      brandId: brand.id,
    });
    const outside = await store.createAccount({ userId: 'usr_br', platform: 'sandbox', name: 'Out' });
    expect([inside.brandId, outside.brandId]).toEqual([brand.id, null]);
    expect(await store.listAccounts('usr_br', { brandId: brand.id })).toEqual([inside]);
    expect(await store.updateAccount(outside.id, { brandId: brand.id })).toMatchObject({ brandId: brand.id });
    expect((await store.listAccounts('usr_br', { brandId: brand.id })).map((a) => a.id)).toEqual(
      [inside.id, outside.id].sort(),
    );

    expect(await store.brands.remove(brand.id)).toBe('in_use');
    await store.updateAccount(outside.id, { brandId: null });
    await store.deleteAccount(inside.id);
    expect(await store.brands.remove(brand.id)).toBe('deleted');
    expect(await store.brands.remove(brand.id)).toBe('missing');
    expect(await store.getAccount(outside.id)).toMatchObject({ brandId: null });
  });

  test('API keys: stored hashed, found while not revoked, scoped', async () => {
    const before = await store.countApiKeys();
    const keyId = await store.addApiKey('usr_k', 'sapi_key_secret', 'ci', ['posts:read']);
    expect(await store.findApiKey('sapi_key_secret')).toEqual({
      keyId,
      userId: 'usr_k',
      scopes: ['posts:read'],
    });
    expect(await store.findApiKey('sapi_key_other')).toBeUndefined();
    expect(await store.countApiKeys()).toBe(before + 1);
    const [listed] = await store.listApiKeys('usr_k');
    expect(listed).toMatchObject({ keyId, name: 'ci', revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain('sapi_key_secret');
    expect(await store.revokeApiKey(keyId)).toBe(true);
    expect(await store.revokeApiKey(keyId)).toBe(false);
    expect(await store.findApiKey('sapi_key_secret')).toBeUndefined();
    expect(await store.countApiKeys()).toBe(before);
  });

  test('idempotency: the first reservation wins, a release frees the key', async () => {
    const results = await Promise.all(
      ['res_1', 'res_2', 'res_3'].map((id) => store.idempotency.reserve('usr_i', 'accounts', 'k1', id)),
    );
    expect(new Set(results).size).toBe(1);
    expect(await store.idempotency.find('usr_i', 'accounts', 'k1')).toBe(results[0]);
    expect(await store.idempotency.find('usr_other', 'accounts', 'k1')).toBeUndefined();
    await store.idempotency.release('usr_i', 'accounts', 'k1');
    expect(await store.idempotency.reserve('usr_i', 'accounts', 'k1', 'res_9')).toBe('res_9');
  });

  test('idempotency: a purge removes the keys of one scope recorded before the cutoff, and only those', async () => {
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    await store.idempotency.reserve('usr_p', 'posts', 'old', 'post_OLD');
    await store.idempotency.reserve('usr_p', 'accounts', 'old', 'acc_OLD');
    await tick();
    const cutoff = new Date();
    await tick();
    await store.idempotency.reserve('usr_p', 'posts', 'new', 'post_NEW');

    expect(await store.idempotency.purge('posts', cutoff)).toBe(1);
    expect(await store.idempotency.find('usr_p', 'posts', 'old')).toBeUndefined();
    expect(await store.idempotency.find('usr_p', 'posts', 'new')).toBe('post_NEW');
    expect(await store.idempotency.find('usr_p', 'accounts', 'old')).toBe('acc_OLD');
    // A purged key is free again.
    expect(await store.idempotency.reserve('usr_p', 'posts', 'old', 'post_AGAIN')).toBe('post_AGAIN');
    expect(await store.idempotency.purge('posts', cutoff)).toBe(0);
  });

  test('API keys: without named scopes a key gets the user scopes, never payloads:decode', async () => {
    await store.addApiKey('usr_d', 'sapi_key_default_scopes', 'default');
    expect((await store.findApiKey('sapi_key_default_scopes'))?.scopes).toEqual([...USER_SCOPES]);
    expect(USER_SCOPES).not.toContain('payloads:decode');
  });

  test('webhooks: endpoints, subscribers, secrets and the delivery log', async () => {
    const endpoint = await store.webhooks.create({
      userId: 'usr_w',
      url: 'https://example.com/hook',
      events: ['post.published', 'post.failed'],
      secret: 'whsec_1',
    });
    expect(await store.webhooks.get(endpoint.id, 'usr_x')).toBeUndefined();
    expect(await store.webhooks.secret(endpoint.id)).toBe('whsec_1');
    expect((await store.webhooks.subscribers('usr_w', 'post.failed', 'post_1')).map((e) => e.id)).toEqual([
      endpoint.id,
    ]);
    expect(await store.webhooks.subscribers('usr_w', 'post.updated', 'post_1')).toEqual([]);
    await store.webhooks.update(endpoint.id, { isActive: false });
    expect(await store.webhooks.subscribers('usr_w', 'post.failed', 'post_1')).toEqual([]);
    expect(await store.webhooks.list('usr_w')).toEqual([{ ...endpoint, isActive: false }]);

    const delivery = { id: 'del_1', endpointId: endpoint.id, event: 'post.failed' };
    await store.webhooks.recordAttempt(delivery, { statusCode: 500, error: 'HTTP 500', succeeded: false });
    await store.webhooks.recordAttempt(delivery, { statusCode: 200, error: null, succeeded: true });
    await store.webhooks.finish('del_1', 'succeeded');
    expect(await store.webhooks.deliveries(endpoint.id, 10)).toEqual([
      expect.objectContaining({ id: 'del_1', attempts: 2, status: 'succeeded', lastStatusCode: 200 }),
    ]);
    const callback = await store.webhooks.create({
      userId: 'usr_w',
      url: 'https://example.com/resume',
      events: ['post.published'],
      secret: 's',
      postId: 'post_mine',
    });
    expect(
      (await store.webhooks.subscribers('usr_w', 'post.published', 'post_mine')).map((e) => e.id),
    ).toEqual([callback.id]);
    expect(await store.webhooks.subscribers('usr_w', 'post.published', 'post_other')).toEqual([]);
    expect(await store.webhooks.remove(endpoint.id)).toBe(true);
    expect(await store.webhooks.get(endpoint.id)).toBeUndefined();
  });

  test('media: newest first by cursor, status, size and duration, usage, per user', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const id = newMediaId(Date.now() + i);
      ids.push(id);
      await store.media.create({
        id,
        userId: 'usr_m',
        filename: `f${i}.png`,
        contentType: 'image/png',
        sizeBytes: i === 4 ? null : 100 + i,
        status: i === 4 ? 'pending' : 'ready',
        storageKey: `usr_m/${id}`,
        ...(i === 0 ? { durationSec: 12.5 } : {}),
      });
    }
    expect(await store.media.get(ids[0])).toMatchObject({ durationSec: 12.5 });
    expect(await store.media.get(ids[1])).toMatchObject({ durationSec: null });
    const first = await store.media.list('usr_m', { limit: 2 });
    expect(first.map((m) => m.id)).toEqual([ids[4], ids[3]]);
    const second = await store.media.list('usr_m', { after: first[1].id, limit: 10 });
    expect(second.map((m) => m.id)).toEqual([ids[2], ids[1], ids[0]]);
    expect(await store.media.usage('usr_m')).toEqual({ usedBytes: 100 + 101 + 102 + 103, count: 4 });

    await store.media.setStatus(ids[4], 'ready', 2_500_000_000, 3_600.04);
    expect(await store.media.get(ids[4])).toMatchObject({
      status: 'ready',
      sizeBytes: 2_500_000_000,
      durationSec: 3_600.04,
    });
    // A later status change without them keeps what was known of the bytes.
    await store.media.setStatus(ids[4], 'failed');
    expect(await store.media.get(ids[4])).toMatchObject({
      status: 'failed',
      sizeBytes: 2_500_000_000,
      durationSec: 3_600.04,
    });
    expect(await store.media.get(ids[4], 'usr_other')).toBeUndefined();
    expect(await store.media.remove(ids[4])).toBe(true);
    expect(await store.media.remove(ids[4])).toBe(false);
    expect(await store.media.list('usr_other', { limit: 10 })).toEqual([]);
  });

  test('recurring posts: per user, replaced whole, removed; occurrences recorded once, newest first', async () => {
    const spec = {
      id: 'post_recurring',
      userId: 'usr_a',
      mode: 'now' as const,
      content: { text: 'again', media: [] },
      platformOptions: {},
      targets: [],
      createdAt: '2030-01-01T00:00:00.000Z',
    };
    const definition = {
      id: 'rec_1',
      userId: 'usr_a',
      body: { account_ids: ['acc_1'], text: 'again' },
      spec,
      rule: { cron: '0 9 * * *', time_zone: 'Europe/Berlin', end: { count: 3 } },
      createdAt: '2030-01-01T00:00:00.000Z',
      updatedAt: '2030-01-01T00:00:00.000Z',
    };
    await store.recurring.create(definition);
    await store.recurring.create({ ...definition, body: { text: 'a repeat changes nothing' } });
    expect(await store.recurring.get('rec_1')).toEqual(definition);
    expect(await store.recurring.get('rec_1', 'usr_a')).toEqual(definition);
    expect(await store.recurring.get('rec_1', 'usr_b')).toBeUndefined();
    expect(await store.recurring.list('usr_a')).toEqual([definition]);
    expect(await store.recurring.list('usr_b')).toEqual([]);
    const changed = {
      ...definition,
      body: { text: 'new' },
      rule: { interval: { every: 2, unit: 'days' as const } },
    };
    await store.recurring.update({ ...changed, updatedAt: '2030-01-02T00:00:00.000Z' });
    expect(await store.recurring.get('rec_1')).toMatchObject({ body: { text: 'new' }, rule: changed.rule });

    await store.recurring.recordOccurrence('rec_1', '2030-01-01T09:00:00.000Z', 'post_a');
    await store.recurring.recordOccurrence('rec_1', '2030-01-02T09:00:00.000Z', 'post_b');
    await store.recurring.recordOccurrence('rec_1', '2030-01-01T09:00:00.000Z', 'post_a');
    expect(await store.recurring.occurrences('rec_1', 10)).toEqual([
      { occurrenceAt: '2030-01-02T09:00:00.000Z', postId: 'post_b' },
      { occurrenceAt: '2030-01-01T09:00:00.000Z', postId: 'post_a' },
    ]);
    expect(await store.recurring.occurrences('rec_1', 1)).toHaveLength(1);
    expect(await store.recurring.countOccurrences('rec_1')).toBe(2);
    expect(await store.recurring.remove('rec_1')).toBe(true);
    expect(await store.recurring.remove('rec_1')).toBe(false);
    expect(await store.recurring.get('rec_1')).toBeUndefined();
  });

  test('sandbox: records, finds by ref, counts attempts durably', async () => {
    const item = {
      platformPostId: 'sbx_1',
      accountId: 'acc_s',
      ref: 'post_1/acc_s',
      text: 'hello',
      title: null,
      media: [{ sourceType: 'media_id', source: 'm1', contentType: 'image/png', sizeBytes: 3 }],
      options: {},
      publishedAt: new Date().toISOString(),
    };
    await store.sandbox.record(item);
    expect(await store.sandbox.findByRef('acc_s', 'post_1/acc_s')).toEqual(item);
    expect(await store.sandbox.get('sbx_1')).toEqual(item);
    expect(await store.sandbox.list('acc_s')).toEqual([item]);
    expect([await store.sandbox.nextAttempt('r'), await store.sandbox.nextAttempt('r')]).toEqual([1, 2]);
  });
});

describe.each(DATABASES)('migrations on %s', (kind: DatabaseKind) => {
  const open = async (): Promise<SqlDatabase> =>
    kind === 'postgres'
      ? openPostgresDatabase(await freshPostgresDatabase())
      : openSqliteDatabase(join(mkdtempSync(join(tmpdir(), 'postflow-mig-')), 'postflow.db'));

  test('a database made by an older version is brought up to date, its data kept', async () => {
    const db = await open();
    // The schema as version 3 left it, with an account in it.
    await db.migrate(SCHEMA, MIGRATIONS.slice(0, 3));
    await db.run(
      "INSERT INTO accounts (id, user_id, platform, name, status, created_at) VALUES ('acc_old', 'usr_o', 'sandbox', 'Old', 'active', '2026-01-01T00:00:00.000Z')",
    );
    const store = await openSqlStore(db, new SecretBox(randomBytes(32)));
    try {
      expect(await store.getAccount('acc_old')).toMatchObject({
        name: 'Old',
        status: 'active',
        brandId: null,
      });
      expect(await store.media.list('usr_o', { limit: 1 })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  test('bootstrap keys made with every scope lose payloads:decode; keys minted with it keep it', async () => {
    const db = await open();
    await db.migrate(SCHEMA, MIGRATIONS.slice(0, 7));
    // Every scope of that time (keys:manage and users:manage came later).
    const every =
      'posts:read posts:write media:read media:write accounts:read accounts:manage webhooks:manage payloads:decode';
    const add = (id: string, name: string, scopes: string) =>
      db.run(
        "INSERT INTO api_keys (id, user_id, name, key_hash, scopes, created_at) VALUES (?, 'usr_default', ?, ?, ?, '2026-01-01T00:00:00.000Z')",
        [id, name, `hash_${id}`, scopes],
      );
    await add('key_first', 'first start', every);
    await add('key_env', 'POSTFLOW_API_KEY', every);
    await add('key_ops', 'temporal-ui', 'payloads:decode');
    await add('key_all', 'ops-everything', every);
    const store = await openSqlStore(db, new SecretBox(randomBytes(32)));
    try {
      const scopes = Object.fromEntries((await store.listApiKeys()).map((k) => [k.keyId, k.scopes]));
      expect(scopes).toEqual({
        key_all: every.split(' '),
        // users:manage and posts:approve came later: keys keep the scopes of their time.
        key_env: USER_SCOPES.filter((s) => s !== 'users:manage' && s !== 'posts:approve'),
        key_first: USER_SCOPES.filter((s) => s !== 'users:manage' && s !== 'posts:approve'),
        key_ops: ['payloads:decode'],
      });
    } finally {
      await store.close();
    }
  });
  test('users: each user of a key or account before migration 10 gets a row from their first one', async () => {
    const db = await open();
    await db.migrate(SCHEMA, MIGRATIONS.slice(0, 9));
    await db.run(
      "INSERT INTO api_keys (id, user_id, name, key_hash, scopes, created_at) VALUES ('key_a', 'usr_k', 'a', 'h_a', 'posts:read', '2026-02-01T00:00:00.000Z'), ('key_b', 'usr_k', 'b', 'h_b', 'posts:read', '2026-01-01T00:00:00.000Z')",
    );
    await db.run(
      "INSERT INTO accounts (id, user_id, platform, name, status, created_at) VALUES ('acc_1', 'usr_acc', 'sandbox', 'A', 'active', '2026-03-01T00:00:00.000Z')",
    );
    const store = await openSqlStore(db, new SecretBox(randomBytes(32)));
    try {
      expect(await store.users.get('usr_k')).toEqual({
        id: 'usr_k',
        name: null,
        email: null,
        createdAt: '2026-01-01T00:00:00.000Z',
      });
      expect((await store.users.get('usr_acc'))?.createdAt).toBe('2026-03-01T00:00:00.000Z');
      // A new user's first key makes their row; a later key leaves it as it was.
      await store.addApiKey('usr_new', 'sapi_key_new_user', 'first');
      const made = await store.users.get('usr_new');
      await store.addApiKey('usr_new', 'sapi_key_new_user_2', 'second');
      expect(await store.users.get('usr_new')).toEqual(made);
      expect(await store.users.update('usr_new', { name: 'New', email: 'n@example.com' })).toMatchObject({
        name: 'New',
        email: 'n@example.com',
      });
      expect(await store.users.update('usr_new', { email: null })).toMatchObject({
        name: 'New',
        email: null,
      });
    } finally {
      await store.close();
    }
  });
});

test('PostgreSQL: processes migrating a new database at once agree on one schema', async () => {
  const url = await freshPostgresDatabase();
  const box = new SecretBox(randomBytes(32));
  const stores = await Promise.all(
    Array.from({ length: 5 }, async () => openSqlStore(await openPostgresDatabase(url), box)),
  );
  try {
    expect(await Promise.all(stores.map((s) => s.countApiKeys()))).toEqual([0, 0, 0, 0, 0]);
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
});

test("a connection's token is sealed at rest: the database never holds it", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'postflow-connection-tokens-'));
  const db = openSqliteDatabase(join(dir, 'postflow.db'));
  const store = await openSqlStore(db, new SecretBox(randomBytes(32)));
  try {
    await store.connectionTokens.keep('conn_sealed', {
      platform: 'twitter',
      credentials: { access_token: 'SECRET-token', refresh_token: 'SECRET-refresh' },
    });
    const rows = await db.all<Record<string, string>>('SELECT * FROM connection_tokens');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('SECRET');
    expect(rows[0]).toMatchObject({ connection_id: 'conn_sealed', platform: 'twitter' });
    await store.connectionTokens.settle('conn_sealed', { accountId: 'acc_s', created: true });
    const settled = await db.all<Record<string, string | null>>('SELECT * FROM connection_tokens');
    expect(settled[0]).toMatchObject({
      credentials: null,
      connected: '{"accountId":"acc_s","created":true}',
    });
  } finally {
    await store.close();
  }
});

test('an upload session is sealed at rest: the database never holds its URL', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'postflow-upload-sessions-'));
  const db = openSqliteDatabase(join(dir, 'postflow.db'));
  const store = await openSqlStore(db, new SecretBox(randomBytes(32)));
  try {
    const url = 'https://upload.example/upload?upload_id=SECRET-capability';
    await store.uploadSessions.keep('upl_sealed', { accountId: 'acc_up', platform: 'youtube', session: url });
    const rows = await db.all<Record<string, string>>('SELECT * FROM upload_sessions');
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('SECRET');
    expect(rows[0]).toMatchObject({ key: 'upl_sealed', account_id: 'acc_up', platform: 'youtube' });
  } finally {
    await store.close();
  }
});

import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import type { SecretBox } from './secret-box';
import {
  API_SCOPES,
  type Account,
  type AccountStatus,
  type ApiScope,
  type NewAccount,
  type SandboxItem,
  type Store,
} from './types';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS accounts (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  platform TEXT NOT NULL,
  name TEXT NOT NULL,
  username TEXT,
  status TEXT NOT NULL DEFAULT 'active',
  reconnect_reason TEXT,
  credentials TEXT,
  created_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS accounts_user ON accounts (user_id);
CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  key_hash TEXT NOT NULL UNIQUE,
  created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sandbox_posts (
  platform_post_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  ref TEXT NOT NULL,
  body TEXT NOT NULL,
  published_at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sandbox_posts_account ON sandbox_posts (account_id, published_at);
CREATE INDEX IF NOT EXISTS sandbox_posts_ref ON sandbox_posts (account_id, ref);
CREATE TABLE IF NOT EXISTS sandbox_attempts (
  ref TEXT PRIMARY KEY,
  attempts INTEGER NOT NULL
);
`;

/**
 * Changes to the schema after its first version, applied in order and recorded in
 * `PRAGMA user_version`, so an existing `postflow.db` is brought up to date on open.
 */
const MIGRATIONS: string[] = [
  // 1: scoped and revocable API keys
  `ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT '${API_SCOPES.join(' ')}';
   ALTER TABLE api_keys ADD COLUMN revoked_at TEXT;`,
  // 2: webhook endpoints and their delivery log
  `CREATE TABLE webhook_endpoints (
     id TEXT PRIMARY KEY,
     user_id TEXT NOT NULL,
     url TEXT NOT NULL,
     events TEXT NOT NULL,
     secret TEXT NOT NULL,
     is_active INTEGER NOT NULL DEFAULT 1,
     created_at TEXT NOT NULL
   );
   CREATE INDEX webhook_endpoints_user ON webhook_endpoints (user_id);
   CREATE TABLE webhook_deliveries (
     id TEXT PRIMARY KEY,
     endpoint_id TEXT NOT NULL,
     event TEXT NOT NULL,
     status TEXT NOT NULL,
     attempts INTEGER NOT NULL,
     last_status_code INTEGER,
     last_error TEXT,
     created_at TEXT NOT NULL,
     updated_at TEXT NOT NULL
   );
   CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at);`,
  // 3: idempotency keys of creating requests
  `CREATE TABLE idempotency_keys (
     user_id TEXT NOT NULL,
     scope TEXT NOT NULL,
     key TEXT NOT NULL,
     resource_id TEXT NOT NULL,
     created_at TEXT NOT NULL,
     PRIMARY KEY (user_id, scope, key)
   );`,
];

function whileBusy(setup: () => void, forMs = 15_000): void {
  const deadline = Date.now() + forMs;
  for (;;) {
    try {
      return setup();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
    }
  }
}

/**
 * Brings the schema up to date. The API and the worker may open the file at the same moment, so
 * reading the version and applying what is missing happen in one write-locked transaction.
 */
function migrate(db: Database.Database): void {
  db.transaction(() => {
    db.exec(SCHEMA);
    const version = db.pragma('user_version', { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) db.exec(MIGRATIONS[v]);
    db.pragma(`user_version = ${MIGRATIONS.length}`);
  }).immediate();
}

interface AccountRow {
  id: string;
  user_id: string;
  platform: string;
  name: string;
  username: string | null;
  status: AccountStatus;
  reconnect_reason: string | null;
  created_at: string;
}

/** API keys are stored as SHA-256 hashes: they are long random strings, so no salt or KDF is needed. */
export function hashApiKey(rawKey: string): string {
  return createHash('sha256').update(rawKey).digest('hex');
}

/**
 * The embedded store: one SQLite file (WAL mode, so the API and worker processes share it).
 */
export function openSqliteStore(path: string, box: SecretBox): Store {
  const db = new Database(path, { timeout: 5000 });
  // The API and the worker may open a new file at the same moment; setting it up takes locks that
  // SQLite's busy timeout does not always wait for, so setup retries for a while.
  whileBusy(() => {
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits, not a crash.
    db.pragma('synchronous = NORMAL');
    migrate(db);
  });

  const toAccount = (r: AccountRow): Account => ({
    id: r.id,
    userId: r.user_id,
    platform: r.platform,
    name: r.name,
    username: r.username,
    status: r.status,
    reconnectReason: r.reconnect_reason,
    createdAt: r.created_at,
  });
  const accountColumns = 'id, user_id, platform, name, username, status, reconnect_reason, created_at';
  const nextAttempt = db.prepare(
    `INSERT INTO sandbox_attempts (ref, attempts) VALUES (?, 1)
     ON CONFLICT (ref) DO UPDATE SET attempts = attempts + 1 RETURNING attempts`,
  );

  return {
    async createAccount(input: NewAccount) {
      const account: Account = {
        id: input.id ?? `acc_${ulid()}`,
        userId: input.userId,
        platform: input.platform,
        name: input.name,
        username: input.username ?? null,
        status: 'active',
        reconnectReason: null,
        createdAt: new Date().toISOString(),
      };
      db.prepare(
        `INSERT INTO accounts (id, user_id, platform, name, username, status, credentials, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      ).run(
        account.id,
        account.userId,
        account.platform,
        account.name,
        account.username,
        account.status,
        box.seal(JSON.stringify(input.credentials ?? {})),
        account.createdAt,
      );
      return account;
    },
    async getAccount(id, userId) {
      const row = db.prepare(`SELECT ${accountColumns} FROM accounts WHERE id = ?`).get(id) as
        AccountRow | undefined;
      return row && (userId === undefined || row.user_id === userId) ? toAccount(row) : undefined;
    },
    async listAccounts(userId) {
      const rows = db
        .prepare(`SELECT ${accountColumns} FROM accounts WHERE user_id = ? ORDER BY id`)
        .all(userId);
      return (rows as AccountRow[]).map(toAccount);
    },
    async accountCredentials(id) {
      const row = db.prepare('SELECT credentials FROM accounts WHERE id = ?').get(id) as
        { credentials: string } | undefined;
      return row?.credentials ? (JSON.parse(box.open(row.credentials)) as Record<string, string>) : {};
    },
    async updateAccountCredentials(id, credentials) {
      db.prepare('UPDATE accounts SET credentials = ? WHERE id = ?').run(
        box.seal(JSON.stringify(credentials)),
        id,
      );
    },
    async setAccountStatus(id, status, reason) {
      db.prepare('UPDATE accounts SET status = ?, reconnect_reason = ? WHERE id = ?').run(
        status,
        reason ?? null,
        id,
      );
    },

    async deleteAccount(id) {
      return db.prepare('DELETE FROM accounts WHERE id = ?').run(id).changes > 0;
    },

    async addApiKey(userId, rawKey, name, scopes = API_SCOPES) {
      const id = `key_${ulid()}`;
      db.prepare(
        'INSERT INTO api_keys (id, user_id, name, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)',
      ).run(id, userId, name, hashApiKey(rawKey), scopes.join(' '), new Date().toISOString());
      return id;
    },
    async findApiKey(rawKey) {
      const row = db
        .prepare('SELECT id, user_id, scopes FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL')
        .get(hashApiKey(rawKey)) as KeyRow | undefined;
      return (
        row && {
          keyId: row.id,
          userId: row.user_id,
          scopes: row.scopes.split(' ').filter(Boolean) as ApiScope[],
        }
      );
    },
    async countApiKeys() {
      return (
        db.prepare('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL').get() as { n: number }
      ).n;
    },
    async listApiKeys(userId) {
      const rows = (
        userId === undefined
          ? db.prepare('SELECT * FROM api_keys ORDER BY id').all()
          : db.prepare('SELECT * FROM api_keys WHERE user_id = ? ORDER BY id').all(userId)
      ) as KeyRow[];
      return rows.map((r) => ({
        keyId: r.id,
        userId: r.user_id,
        name: r.name,
        scopes: r.scopes.split(' ').filter(Boolean) as ApiScope[],
        createdAt: r.created_at,
        revokedAt: r.revoked_at,
      }));
    },
    async revokeApiKey(keyId) {
      const result = db
        .prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL')
        .run(new Date().toISOString(), keyId);
      return result.changes > 0;
    },

    idempotency: {
      async find(userId, scope, key) {
        const row = db
          .prepare('SELECT resource_id FROM idempotency_keys WHERE user_id = ? AND scope = ? AND key = ?')
          .get(userId, scope, key) as { resource_id: string } | undefined;
        return row?.resource_id;
      },
      async reserve(userId, scope, key, resourceId) {
        db.prepare(
          'INSERT OR IGNORE INTO idempotency_keys (user_id, scope, key, resource_id, created_at) VALUES (?, ?, ?, ?, ?)',
        ).run(userId, scope, key, resourceId, new Date().toISOString());
        return (await this.find(userId, scope, key))!;
      },
      async release(userId, scope, key) {
        db.prepare('DELETE FROM idempotency_keys WHERE user_id = ? AND scope = ? AND key = ?').run(
          userId,
          scope,
          key,
        );
      },
    },

    webhooks: {
      async create({ id, userId, url, events, secret }) {
        const endpoint = {
          id: id ?? `wh_${ulid()}`,
          userId,
          url,
          events,
          isActive: true,
          createdAt: new Date().toISOString(),
        };
        db.prepare(
          'INSERT INTO webhook_endpoints (id, user_id, url, events, secret, is_active, created_at) VALUES (?, ?, ?, ?, ?, 1, ?)',
        ).run(endpoint.id, userId, url, events.join(' '), box.seal(secret), endpoint.createdAt);
        return endpoint;
      },
      async get(id, userId) {
        const row = db.prepare('SELECT * FROM webhook_endpoints WHERE id = ?').get(id) as
          EndpointRow | undefined;
        return row && (userId === undefined || row.user_id === userId) ? toEndpoint(row) : undefined;
      },
      async list(userId) {
        return (
          db
            .prepare('SELECT * FROM webhook_endpoints WHERE user_id = ? ORDER BY id')
            .all(userId) as EndpointRow[]
        ).map(toEndpoint);
      },
      async update(id, patch) {
        const row = db.prepare('SELECT * FROM webhook_endpoints WHERE id = ?').get(id) as
          EndpointRow | undefined;
        if (!row) return undefined;
        const next = { ...toEndpoint(row), ...patch };
        db.prepare('UPDATE webhook_endpoints SET url = ?, events = ?, is_active = ? WHERE id = ?').run(
          next.url,
          next.events.join(' '),
          next.isActive ? 1 : 0,
          id,
        );
        return next;
      },
      async remove(id) {
        return db.prepare('DELETE FROM webhook_endpoints WHERE id = ?').run(id).changes > 0;
      },
      async secret(id) {
        const row = db.prepare('SELECT secret FROM webhook_endpoints WHERE id = ?').get(id) as
          { secret: string } | undefined;
        return row && box.open(row.secret);
      },
      async subscribers(userId, event) {
        const rows = db
          .prepare('SELECT * FROM webhook_endpoints WHERE user_id = ? AND is_active = 1 ORDER BY id')
          .all(userId) as EndpointRow[];
        return rows.map(toEndpoint).filter((e) => e.events.includes(event));
      },
      async recordAttempt(delivery, outcome) {
        const now = new Date().toISOString();
        db.prepare(
          `INSERT INTO webhook_deliveries (id, endpoint_id, event, status, attempts, last_status_code, last_error, created_at, updated_at)
           VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET attempts = attempts + 1, status = excluded.status,
             last_status_code = excluded.last_status_code, last_error = excluded.last_error, updated_at = excluded.updated_at`,
        ).run(
          delivery.id,
          delivery.endpointId,
          delivery.event,
          outcome.succeeded ? 'succeeded' : 'pending',
          outcome.statusCode,
          outcome.error,
          now,
          now,
        );
      },
      async finish(deliveryId, status) {
        db.prepare('UPDATE webhook_deliveries SET status = ?, updated_at = ? WHERE id = ?').run(
          status,
          new Date().toISOString(),
          deliveryId,
        );
      },
      async deliveries(endpointId, limit) {
        const rows = db
          .prepare(
            'SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at DESC, id LIMIT ?',
          )
          .all(endpointId, limit) as DeliveryRow[];
        return rows.map((r) => ({
          id: r.id,
          endpointId: r.endpoint_id,
          event: r.event,
          status: r.status,
          attempts: r.attempts,
          lastStatusCode: r.last_status_code,
          lastError: r.last_error,
          createdAt: r.created_at,
          updatedAt: r.updated_at,
        }));
      },
    },

    sandbox: {
      async record(item: SandboxItem) {
        const { platformPostId, accountId, ref, publishedAt, ...body } = item;
        db.prepare(
          'INSERT INTO sandbox_posts (platform_post_id, account_id, ref, body, published_at) VALUES (?, ?, ?, ?, ?)',
        ).run(platformPostId, accountId, ref, JSON.stringify(body), publishedAt);
      },
      async list(accountId) {
        const rows = db
          .prepare('SELECT * FROM sandbox_posts WHERE account_id = ? ORDER BY published_at, platform_post_id')
          .all(accountId) as SandboxRow[];
        return rows.map(toSandboxItem);
      },
      async findByRef(accountId, ref) {
        const row = db
          .prepare('SELECT * FROM sandbox_posts WHERE account_id = ? AND ref = ?')
          .get(accountId, ref) as SandboxRow | undefined;
        return row && toSandboxItem(row);
      },
      async get(platformPostId) {
        const row = db
          .prepare('SELECT * FROM sandbox_posts WHERE platform_post_id = ?')
          .get(platformPostId) as SandboxRow | undefined;
        return row && toSandboxItem(row);
      },
      async nextAttempt(ref) {
        return (nextAttempt.get(ref) as { attempts: number }).attempts;
      },
    },

    async close() {
      db.close();
    },
  };
}

interface EndpointRow {
  id: string;
  user_id: string;
  url: string;
  events: string;
  is_active: number;
  created_at: string;
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

function toEndpoint(r: EndpointRow) {
  return {
    id: r.id,
    userId: r.user_id,
    url: r.url,
    events: r.events.split(' ').filter(Boolean),
    isActive: r.is_active === 1,
    createdAt: r.created_at,
  };
}

interface KeyRow {
  id: string;
  user_id: string;
  name: string;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
}

interface SandboxRow {
  platform_post_id: string;
  account_id: string;
  ref: string;
  body: string;
  published_at: string;
}

function toSandboxItem(row: SandboxRow): SandboxItem {
  return {
    platformPostId: row.platform_post_id,
    accountId: row.account_id,
    ref: row.ref,
    publishedAt: row.published_at,
    ...(JSON.parse(row.body) as Omit<SandboxItem, 'platformPostId' | 'accountId' | 'ref' | 'publishedAt'>),
  };
}

/** A new API key in the contract's format: `sapi_key_` + 62 hex characters. */
export function generateApiKey(): string {
  return `sapi_key_${randomBytes(31).toString('hex')}`;
}

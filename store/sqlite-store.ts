import Database from 'better-sqlite3';
import { createHash, randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import type { SecretBox } from './secret-box';
import type { Account, AccountStatus, NewAccount, SandboxItem, Store } from './types';

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
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits, not a crash.
  db.pragma('synchronous = NORMAL');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);

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
        id: `acc_${ulid()}`,
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

    async addApiKey(userId, rawKey, name) {
      const id = `key_${ulid()}`;
      db.prepare('INSERT INTO api_keys (id, user_id, name, key_hash, created_at) VALUES (?, ?, ?, ?, ?)').run(
        id,
        userId,
        name,
        hashApiKey(rawKey),
        new Date().toISOString(),
      );
      return id;
    },
    async findApiKey(rawKey) {
      const row = db
        .prepare('SELECT id, user_id FROM api_keys WHERE key_hash = ?')
        .get(hashApiKey(rawKey)) as { id: string; user_id: string } | undefined;
      return row && { keyId: row.id, userId: row.user_id };
    },
    async countApiKeys() {
      return (db.prepare('SELECT count(*) AS n FROM api_keys').get() as { n: number }).n;
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

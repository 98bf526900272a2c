import { ulid } from 'ulid';
import { hashApiKey } from './api-keys';
import { queueStore } from './queue-store';
import { redirectUriStore } from './redirect-uri-store';
import { MIGRATIONS, SCHEMA } from './schema';
import type { SecretBox } from './secret-box';
import type { SqlDatabase } from './sql';
import type { Issue } from '../api/errors';
import type { OAuthConnected } from '../api/oauth-connection';
import type { RecurrenceRule } from '../api/recurring';
import type { PostMetrics, PostSpec, StoredMetrics } from '../api/types';
import {
  type Account,
  type AccountStatus,
  type ApiScope,
  type Brand,
  type DeliveryStatus,
  type MediaItem,
  type MediaStatus,
  type NewAccount,
  type RecurringDefinition,
  type SandboxItem,
  type Store,
  type StoredImportOutcome,
  type User,
  USER_SCOPES,
  type WebhookEndpoint,
} from './types';

const now = () => new Date().toISOString();
/** Import rows written per INSERT statement. */
const IMPORT_ROWS_PER_INSERT = 100;

/**
 * The store over SQLite or PostgreSQL: the same statements and migrations for both. Credentials
 * and webhook secrets are sealed with `box` before they reach the database.
 */
export async function openSqlStore(db: SqlDatabase, box: SecretBox): Promise<Store> {
  await db.migrate(SCHEMA, MIGRATIONS);
  const accountColumns =
    'id, user_id, platform, name, username, status, reconnect_reason, brand_id, created_at, profile_picture_url, bio, login_id, page_name';

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
        brandId: input.brandId ?? null,
        createdAt: now(),
        profilePictureUrl: input.profile?.profilePictureUrl ?? null,
        bio: input.profile?.bio ?? null,
        loginId: input.profile?.loginId ?? null,
        pageName: input.profile?.pageName ?? null,
      };
      await db.run(
        `INSERT INTO accounts (id, user_id, platform, name, username, status, credentials, brand_id, created_at,
           profile_picture_url, bio, login_id, page_name)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          account.id,
          account.userId,
          account.platform,
          account.name,
          account.username,
          account.status,
          box.seal(JSON.stringify(input.credentials ?? {})),
          account.brandId,
          account.createdAt,
          account.profilePictureUrl,
          account.bio,
          account.loginId,
          account.pageName,
        ],
      );
      return account;
    },
    async getAccount(id, userId) {
      const row = await db.get<AccountRow>(`SELECT ${accountColumns} FROM accounts WHERE id = ?`, [id]);
      return row && (userId === undefined || row.user_id === userId) ? toAccount(row) : undefined;
    },
    async listAccounts(userId, { brandId } = {}) {
      const rows =
        brandId === undefined
          ? await db.all<AccountRow>(`SELECT ${accountColumns} FROM accounts WHERE user_id = ? ORDER BY id`, [
              userId,
            ])
          : await db.all<AccountRow>(
              `SELECT ${accountColumns} FROM accounts WHERE user_id = ? AND brand_id = ? ORDER BY id`,
              [userId, brandId],
            );
      return rows.map(toAccount);
    },
    async activeAccountsOn(platforms) {
      if (!platforms.length) return [];
      const rows = await db.all<AccountRow>(
        `SELECT ${accountColumns} FROM accounts WHERE status = 'active' AND platform IN (${platforms.map(() => '?').join(', ')}) ORDER BY id`,
        [...platforms],
      );
      return rows.map(toAccount);
    },
    async accountCredentials(id) {
      const row = await db.get<{ credentials: string | null }>(
        'SELECT credentials FROM accounts WHERE id = ?',
        [id],
      );
      return row?.credentials ? (JSON.parse(box.open(row.credentials)) as Record<string, string>) : {};
    },
    async updateAccountCredentials(id, credentials) {
      await db.run('UPDATE accounts SET credentials = ? WHERE id = ?', [
        box.seal(JSON.stringify(credentials)),
        id,
      ]);
    },
    async setAccountStatus(id, status, reason) {
      await db.run('UPDATE accounts SET status = ?, reconnect_reason = ? WHERE id = ?', [
        status,
        reason ?? null,
        id,
      ]);
    },
    async updateAccount(id, patch) {
      if (patch.name !== undefined)
        await db.run('UPDATE accounts SET name = ? WHERE id = ?', [patch.name, id]);
      if (patch.username !== undefined)
        await db.run('UPDATE accounts SET username = ? WHERE id = ?', [patch.username, id]);
      if (patch.brandId !== undefined)
        await db.run('UPDATE accounts SET brand_id = ? WHERE id = ?', [patch.brandId, id]);
      for (const [key, column] of PROFILE_COLUMNS) {
        const value = patch[key];
        if (value !== undefined) await db.run(`UPDATE accounts SET ${column} = ? WHERE id = ?`, [value, id]);
      }
      const row = await db.get<AccountRow>(`SELECT ${accountColumns} FROM accounts WHERE id = ?`, [id]);
      return row && toAccount(row);
    },
    async deleteAccount(id) {
      await db.run('DELETE FROM account_limits WHERE account_id = ?', [id]);
      return (await db.run('DELETE FROM accounts WHERE id = ?', [id])) > 0;
    },

    async addApiKey(userId, rawKey, name, scopes = USER_SCOPES) {
      const id = `key_${ulid()}`;
      const at = now();
      // A user exists from their first key on.
      await db.run('INSERT INTO users (id, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING', [userId, at]);
      await db.run(
        'INSERT INTO api_keys (id, user_id, name, key_hash, scopes, created_at) VALUES (?, ?, ?, ?, ?, ?)',
        [id, userId, name, hashApiKey(rawKey), scopes.join(' '), at],
      );
      return id;
    },
    async findApiKey(rawKey) {
      const row = await db.get<KeyRow>(
        'SELECT id, user_id, scopes FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL',
        [hashApiKey(rawKey)],
      );
      return row && { keyId: row.id, userId: row.user_id, scopes: toScopes(row.scopes) };
    },
    async countApiKeys() {
      const row = await db.get<{ n: number }>('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL');
      return Number(row?.n ?? 0);
    },
    async listApiKeys(userId) {
      const rows =
        userId === undefined
          ? await db.all<KeyRow>('SELECT * FROM api_keys ORDER BY id')
          : await db.all<KeyRow>('SELECT * FROM api_keys WHERE user_id = ? ORDER BY id', [userId]);
      return rows.map((r) => ({
        keyId: r.id,
        userId: r.user_id,
        name: r.name,
        scopes: toScopes(r.scopes),
        createdAt: r.created_at,
        revokedAt: r.revoked_at,
      }));
    },
    async revokeApiKey(keyId, userId) {
      const active = 'UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL';
      const changed =
        userId === undefined
          ? await db.run(active, [now(), keyId])
          : await db.run(`${active} AND user_id = ?`, [now(), keyId, userId]);
      return changed > 0;
    },

    users: {
      async get(id) {
        const row = await db.get<UserRow>('SELECT * FROM users WHERE id = ?', [id]);
        return row && toUser(row);
      },
      async update(id, patch) {
        for (const field of ['name', 'email'] as const) {
          if (patch[field] !== undefined)
            await db.run(`UPDATE users SET ${field} = ? WHERE id = ?`, [patch[field], id]);
        }
        return this.get(id);
      },
    },

    async counts(userId) {
      const row = await db.get<{ accounts: number; webhooks: number }>(
        `SELECT (SELECT count(*) FROM accounts WHERE user_id = ?) AS accounts,
                (SELECT count(*) FROM webhook_endpoints WHERE user_id = ?) AS webhooks`,
        [userId, userId],
      );
      return { accounts: Number(row?.accounts ?? 0), webhooks: Number(row?.webhooks ?? 0) };
    },

    idempotency: {
      async find(userId, scope, key) {
        const row = await db.get<{ resource_id: string }>(
          'SELECT resource_id FROM idempotency_keys WHERE user_id = ? AND scope = ? AND key = ?',
          [userId, scope, key],
        );
        return row?.resource_id;
      },
      async reserve(userId, scope, key, resourceId) {
        await db.run(
          `INSERT INTO idempotency_keys (user_id, scope, key, resource_id, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING`,
          [userId, scope, key, resourceId, now()],
        );
        return (await this.find(userId, scope, key))!;
      },
      async release(userId, scope, key) {
        await db.run('DELETE FROM idempotency_keys WHERE user_id = ? AND scope = ? AND key = ?', [
          userId,
          scope,
          key,
        ]);
      },
      async purge(scope, createdBefore) {
        return db.run('DELETE FROM idempotency_keys WHERE scope = ? AND created_at < ?', [
          scope,
          createdBefore.toISOString(),
        ]);
      },
    },

    webhooks: {
      async create({ id, userId, url, events, secret, postId }) {
        const endpoint: WebhookEndpoint = {
          id: id ?? `wh_${ulid()}`,
          userId,
          url,
          events,
          isActive: true,
          postId: postId ?? null,
          createdAt: now(),
        };
        await db.run(
          'INSERT INTO webhook_endpoints (id, user_id, url, events, secret, is_active, post_id, created_at) VALUES (?, ?, ?, ?, ?, 1, ?, ?)',
          [endpoint.id, userId, url, events.join(' '), box.seal(secret), endpoint.postId, endpoint.createdAt],
        );
        return endpoint;
      },
      async get(id, userId) {
        const row = await db.get<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = ?', [id]);
        return row && (userId === undefined || row.user_id === userId) ? toEndpoint(row) : undefined;
      },
      async list(userId) {
        const rows = await db.all<EndpointRow>(
          'SELECT * FROM webhook_endpoints WHERE user_id = ? ORDER BY id',
          [userId],
        );
        return rows.map(toEndpoint);
      },
      async update(id, patch) {
        const row = await db.get<EndpointRow>('SELECT * FROM webhook_endpoints WHERE id = ?', [id]);
        if (!row) return undefined;
        const next = { ...toEndpoint(row), ...patch };
        await db.run('UPDATE webhook_endpoints SET url = ?, events = ?, is_active = ? WHERE id = ?', [
          next.url,
          next.events.join(' '),
          next.isActive ? 1 : 0,
          id,
        ]);
        return next;
      },
      async remove(id) {
        return (await db.run('DELETE FROM webhook_endpoints WHERE id = ?', [id])) > 0;
      },
      async secret(id) {
        const row = await db.get<{ secret: string }>('SELECT secret FROM webhook_endpoints WHERE id = ?', [
          id,
        ]);
        return row && box.open(row.secret);
      },
      async subscribers(userId, event, postId) {
        const rows = await db.all<EndpointRow>(
          'SELECT * FROM webhook_endpoints WHERE user_id = ? AND is_active = 1 AND (post_id IS NULL OR post_id = ?) ORDER BY id',
          [userId, postId ?? null],
        );
        return rows.map(toEndpoint).filter((e) => e.events.includes(event));
      },
      async recordAttempt(delivery, outcome) {
        const at = now();
        await db.run(
          `INSERT INTO webhook_deliveries (id, endpoint_id, event, status, attempts, last_status_code, last_error, created_at, updated_at)
           VALUES (?, ?, ?, ?, 1, ?, ?, ?, ?)
           ON CONFLICT (id) DO UPDATE SET attempts = webhook_deliveries.attempts + 1, status = excluded.status,
             last_status_code = excluded.last_status_code, last_error = excluded.last_error, updated_at = excluded.updated_at`,
          [
            delivery.id,
            delivery.endpointId,
            delivery.event,
            outcome.succeeded ? 'succeeded' : 'pending',
            outcome.statusCode,
            outcome.error,
            at,
            at,
          ],
        );
      },
      async finish(deliveryId, status) {
        await db.run('UPDATE webhook_deliveries SET status = ?, updated_at = ? WHERE id = ?', [
          status,
          now(),
          deliveryId,
        ]);
      },
      async deliveries(endpointId, limit) {
        const rows = await db.all<DeliveryRow>(
          'SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at DESC, id LIMIT ?',
          [endpointId, limit],
        );
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

    media: {
      async create(item) {
        const created: MediaItem = { ...item, durationSec: item.durationSec ?? null, createdAt: now() };
        await db.run(
          `INSERT INTO media (id, user_id, filename, content_type, size_bytes, duration_sec, status, storage_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [
            item.id,
            item.userId,
            item.filename,
            item.contentType,
            item.sizeBytes,
            created.durationSec,
            item.status,
            item.storageKey,
            created.createdAt,
          ],
        );
        return created;
      },
      async get(id, userId) {
        const row = await db.get<MediaRow>('SELECT * FROM media WHERE id = ?', [id]);
        return row && (userId === undefined || row.user_id === userId) ? toMedia(row) : undefined;
      },
      async list(userId, { after, limit }) {
        // Media ids are time-ordered (UUIDv7), so "newest first after the cursor" is an index range.
        const rows =
          after === undefined
            ? await db.all<MediaRow>('SELECT * FROM media WHERE user_id = ? ORDER BY id DESC LIMIT ?', [
                userId,
                limit,
              ])
            : await db.all<MediaRow>(
                'SELECT * FROM media WHERE user_id = ? AND id < ? ORDER BY id DESC LIMIT ?',
                [userId, after, limit],
              );
        return rows.map(toMedia);
      },
      async setStatus(id, status, sizeBytes, durationSec) {
        await db.run(
          `UPDATE media SET status = ?, size_bytes = COALESCE(?, size_bytes),
             duration_sec = COALESCE(?, duration_sec) WHERE id = ?`,
          [status, sizeBytes ?? null, durationSec ?? null, id],
        );
      },
      async remove(id) {
        return (await db.run('DELETE FROM media WHERE id = ?', [id])) > 0;
      },
      async usage(userId) {
        const row = await db.get<{ used: number | null; n: number }>(
          "SELECT sum(size_bytes) AS used, count(*) AS n FROM media WHERE user_id = ? AND status = 'ready'",
          [userId],
        );
        return { usedBytes: Number(row?.used ?? 0), count: Number(row?.n ?? 0) };
      },
    },

    queues: queueStore(db),
    redirectUris: redirectUriStore(db),

    brands: {
      async create({ id, userId, name, requiresApproval = false, approvalByOtherKey = false }) {
        const brand: Brand = {
          id: id ?? `brand_${ulid()}`,
          userId,
          name,
          requiresApproval,
          approvalByOtherKey,
          createdAt: now(),
        };
        await db.run(
          `INSERT INTO brands (id, user_id, name, requires_approval, approval_by_other_key, created_at)
           VALUES (?, ?, ?, ?, ?, ?)`,
          [brand.id, userId, name, Number(requiresApproval), Number(approvalByOtherKey), brand.createdAt],
        );
        return brand;
      },
      async get(id, userId) {
        const row = await db.get<BrandRow>('SELECT * FROM brands WHERE id = ?', [id]);
        return row && (userId === undefined || row.user_id === userId) ? toBrand(row) : undefined;
      },
      async list(userId) {
        const rows = await db.all<BrandRow>('SELECT * FROM brands WHERE user_id = ? ORDER BY id', [userId]);
        return rows.map(toBrand);
      },
      async update(id, { name, requiresApproval, approvalByOtherKey }) {
        if (name !== undefined) await db.run('UPDATE brands SET name = ? WHERE id = ?', [name, id]);
        if (requiresApproval !== undefined)
          await db.run('UPDATE brands SET requires_approval = ? WHERE id = ?', [
            Number(requiresApproval),
            id,
          ]);
        if (approvalByOtherKey !== undefined)
          await db.run('UPDATE brands SET approval_by_other_key = ? WHERE id = ?', [
            Number(approvalByOtherKey),
            id,
          ]);
        return this.get(id);
      },
      async remove(id) {
        const deleted = await db.run(
          'DELETE FROM brands WHERE id = ? AND NOT EXISTS (SELECT 1 FROM accounts WHERE brand_id = ?)',
          [id, id],
        );
        if (deleted > 0) return 'deleted';
        return (await this.get(id)) ? 'in_use' : 'missing';
      },
    },

    unpublished: {
      async record(postId, accountId) {
        await db.run(
          'INSERT INTO unpublished_targets (post_id, account_id, deleted_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
          [postId, accountId, now()],
        );
      },
      async accounts(postId) {
        const rows = await db.all<{ account_id: string }>(
          'SELECT account_id FROM unpublished_targets WHERE post_id = ? ORDER BY account_id',
          [postId],
        );
        return rows.map((r) => r.account_id);
      },
    },

    metrics: {
      async record(pass) {
        // The first read of a scheduled pass stays: a repeat (a worker killed after storing) is
        // answered with the stored numbers, so the webhook and the API tell the same story.
        await db.run(
          `INSERT INTO post_metrics (post_id, account_id, due_at, synced_at, metrics) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (post_id, account_id, due_at) DO NOTHING`,
          [pass.postId, pass.accountId, pass.dueAt, pass.syncedAt, JSON.stringify(pass.metrics)],
        );
        const row = await db.get<MetricsRow>(
          'SELECT account_id, due_at, synced_at, metrics FROM post_metrics WHERE post_id = ? AND account_id = ? AND due_at = ?',
          [pass.postId, pass.accountId, pass.dueAt],
        );
        return storedMetrics(row!);
      },
      async latest(postId) {
        const rows = await db.all<MetricsRow>(
          `SELECT account_id, due_at, synced_at, metrics FROM post_metrics p WHERE post_id = ?
           AND due_at = (SELECT MAX(due_at) FROM post_metrics q WHERE q.post_id = p.post_id AND q.account_id = p.account_id)
           ORDER BY account_id`,
          [postId],
        );
        return rows.map(storedMetrics);
      },
      async history(postId) {
        const rows = await db.all<MetricsRow>(
          'SELECT account_id, due_at, synced_at, metrics FROM post_metrics WHERE post_id = ? ORDER BY due_at, account_id',
          [postId],
        );
        return rows.map(storedMetrics);
      },
    },

    uploadSessions: {
      async keep(key, { accountId, platform, session }) {
        await db.run(
          `INSERT INTO upload_sessions (key, account_id, platform, session, created_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (key) DO NOTHING`,
          [key, accountId, platform, box.seal(session), now()],
        );
        return (await this.get(key)) ?? session;
      },
      async get(key) {
        const row = await db.get<{ session: string }>('SELECT session FROM upload_sessions WHERE key = ?', [
          key,
        ]);
        return row && box.open(row.session);
      },
      async drop(key) {
        await db.run('DELETE FROM upload_sessions WHERE key = ?', [key]);
      },
      async update(key, session) {
        await db.run('UPDATE upload_sessions SET session = ? WHERE key = ?', [box.seal(session), key]);
      },
      async purge(createdBefore) {
        return db.run('DELETE FROM upload_sessions WHERE created_at < ?', [createdBefore.toISOString()]);
      },
    },

    connectionTokens: {
      async keep(connectionId, { platform, credentials }) {
        await db.run(
          `INSERT INTO connection_tokens (connection_id, platform, credentials, created_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (connection_id) DO NOTHING`,
          [connectionId, platform, box.seal(JSON.stringify(credentials)), now()],
        );
        return (await this.get(connectionId))?.credentials ?? credentials;
      },
      async get(connectionId) {
        const row = await db.get<{ credentials: string | null; connected: string | null }>(
          'SELECT credentials, connected FROM connection_tokens WHERE connection_id = ?',
          [connectionId],
        );
        if (row?.connected) return { connected: JSON.parse(row.connected) as OAuthConnected };
        if (row?.credentials)
          return { credentials: JSON.parse(box.open(row.credentials)) as Record<string, string> };
        return undefined;
      },
      async settle(connectionId, connected) {
        await db.run(
          'UPDATE connection_tokens SET credentials = NULL, connected = ? WHERE connection_id = ?',
          [JSON.stringify(connected), connectionId],
        );
      },
      async drop(connectionId) {
        await db.run('DELETE FROM connection_tokens WHERE connection_id = ?', [connectionId]);
      },
      async purge(createdBefore) {
        return db.run('DELETE FROM connection_tokens WHERE created_at < ?', [createdBefore.toISOString()]);
      },
    },

    accountLimits: {
      async observe(accountId, limits, observedAt) {
        // Two deliveries of one account may answer out of order: the later answer wins.
        await db.run(
          `INSERT INTO account_limits (account_id, limits, observed_at) VALUES (?, ?, ?)
           ON CONFLICT (account_id) DO UPDATE SET limits = excluded.limits, observed_at = excluded.observed_at
           WHERE excluded.observed_at > account_limits.observed_at`,
          [accountId, JSON.stringify(limits), observedAt],
        );
      },
      async get(accountId) {
        const row = await db.get<{ limits: string; observed_at: string }>(
          'SELECT limits, observed_at FROM account_limits WHERE account_id = ?',
          [accountId],
        );
        return row
          ? { limits: JSON.parse(row.limits) as Record<string, number>, observedAt: row.observed_at }
          : undefined;
      },
    },

    imports: {
      async create({ id, userId, createdAt, rows }) {
        // Many rows per statement (a 10,000-row import is 100 of them); well under PostgreSQL's
        // 65,535 parameters.
        for (let start = 0; start < rows.length; start += IMPORT_ROWS_PER_INSERT) {
          const batch = rows.slice(start, start + IMPORT_ROWS_PER_INSERT);
          await db.run(
            `INSERT INTO post_import_rows (import_id, row_index, post_id, outcome, problems, spec)
             VALUES ${batch.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')} ON CONFLICT DO NOTHING`,
            batch.flatMap((r) => [
              id,
              r.row,
              r.postId,
              r.outcome,
              r.problems.length ? JSON.stringify(r.problems) : null,
              r.spec ? box.seal(JSON.stringify(r.spec)) : null,
            ]),
          );
        }
        await db.run(
          'INSERT INTO post_imports (id, user_id, status, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING',
          [id, userId, 'running', createdAt],
        );
      },
      async get(id, userId) {
        const found = await db.get<{
          id: string;
          user_id: string;
          status: 'running' | 'done';
          created_at: string;
        }>('SELECT id, user_id, status, created_at FROM post_imports WHERE id = ? AND user_id = ?', [
          id,
          userId,
        ]);
        if (!found) return undefined;
        const rows = await db.all<{
          row_index: number;
          post_id: string | null;
          outcome: StoredImportOutcome;
          problems: string | null;
        }>(
          'SELECT row_index, post_id, outcome, problems FROM post_import_rows WHERE import_id = ? ORDER BY row_index',
          [id],
        );
        return {
          id: found.id,
          userId: found.user_id,
          status: found.status,
          createdAt: found.created_at,
          rows: rows.map((r) => ({
            row: Number(r.row_index),
            postId: r.post_id,
            outcome: r.outcome,
            problems: r.problems ? (JSON.parse(r.problems) as Issue[]) : [],
          })),
        };
      },
      async pending(id, afterRow, limit) {
        const rows = await db.all<{ row_index: number; spec: string }>(
          `SELECT row_index, spec FROM post_import_rows
           WHERE import_id = ? AND outcome = 'pending' AND row_index > ? ORDER BY row_index LIMIT ?`,
          [id, afterRow, limit],
        );
        return rows.map((r) => ({
          row: Number(r.row_index),
          spec: JSON.parse(box.open(r.spec)) as PostSpec,
        }));
      },
      async settle(id, outcomes) {
        for (const { row, outcome } of outcomes) {
          await db.run(
            `UPDATE post_import_rows SET outcome = ?, spec = NULL
             WHERE import_id = ? AND row_index = ? AND outcome = 'pending'`,
            [outcome, id, row],
          );
        }
      },
      async finish(id) {
        await db.run("UPDATE post_imports SET status = 'done' WHERE id = ?", [id]);
      },
    },

    recurring: {
      async create(r) {
        await db.run(
          `INSERT INTO recurring_posts (id, user_id, body, spec, rule, created_at, updated_at)
           VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
          [
            r.id,
            r.userId,
            box.seal(JSON.stringify(r.body)),
            box.seal(JSON.stringify(r.spec)),
            JSON.stringify(r.rule),
            r.createdAt,
            r.updatedAt,
          ],
        );
      },
      async get(id, userId) {
        const row = await db.get<RecurringRow>(
          `SELECT id, user_id, body, spec, rule, created_at, updated_at FROM recurring_posts WHERE id = ?${userId === undefined ? '' : ' AND user_id = ?'}`,
          userId === undefined ? [id] : [id, userId],
        );
        return row && recurringFrom(row, box);
      },
      async list(userId) {
        const rows = await db.all<RecurringRow>(
          'SELECT id, user_id, body, spec, rule, created_at, updated_at FROM recurring_posts WHERE user_id = ? ORDER BY id',
          [userId],
        );
        return rows.map((r) => recurringFrom(r, box));
      },
      async update(r) {
        await db.run('UPDATE recurring_posts SET body = ?, spec = ?, rule = ?, updated_at = ? WHERE id = ?', [
          box.seal(JSON.stringify(r.body)),
          box.seal(JSON.stringify(r.spec)),
          JSON.stringify(r.rule),
          r.updatedAt,
          r.id,
        ]);
      },
      async remove(id) {
        return (await db.run('DELETE FROM recurring_posts WHERE id = ?', [id])) > 0;
      },
      async recordOccurrence(recurringId, occurrenceAt, postId) {
        await db.run(
          `INSERT INTO recurring_occurrences (recurring_id, occurrence_at, post_id) VALUES (?, ?, ?)
           ON CONFLICT DO NOTHING`,
          [recurringId, occurrenceAt, postId],
        );
      },
      async occurrences(recurringId, limit) {
        const rows = await db.all<{ occurrence_at: string; post_id: string }>(
          `SELECT occurrence_at, post_id FROM recurring_occurrences WHERE recurring_id = ?
           ORDER BY occurrence_at DESC LIMIT ?`,
          [recurringId, limit],
        );
        return rows.map((r) => ({ occurrenceAt: r.occurrence_at, postId: r.post_id }));
      },
      async countOccurrences(recurringId) {
        const row = await db.get<{ n: number | string }>(
          'SELECT count(*) AS n FROM recurring_occurrences WHERE recurring_id = ?',
          [recurringId],
        );
        return Number(row?.n ?? 0);
      },
    },

    sandbox: {
      async record(item: SandboxItem) {
        const { platformPostId, accountId, ref, publishedAt, ...body } = item;
        await db.run(
          'INSERT INTO sandbox_posts (platform_post_id, account_id, ref, body, published_at) VALUES (?, ?, ?, ?, ?)',
          [platformPostId, accountId, ref, JSON.stringify(body), publishedAt],
        );
      },
      async list(accountId) {
        const rows = await db.all<SandboxRow>(
          'SELECT * FROM sandbox_posts WHERE account_id = ? ORDER BY published_at, platform_post_id',
          [accountId],
        );
        return rows.map(toSandboxItem);
      },
      async findByRef(accountId, ref) {
        const row = await db.get<SandboxRow>('SELECT * FROM sandbox_posts WHERE account_id = ? AND ref = ?', [
          accountId,
          ref,
        ]);
        return row && toSandboxItem(row);
      },
      async get(platformPostId) {
        const row = await db.get<SandboxRow>('SELECT * FROM sandbox_posts WHERE platform_post_id = ?', [
          platformPostId,
        ]);
        return row && toSandboxItem(row);
      },
      async remove(platformPostId) {
        return (await db.run('DELETE FROM sandbox_posts WHERE platform_post_id = ?', [platformPostId])) > 0;
      },
      async nextAttempt(ref) {
        const row = await db.get<{ attempts: number }>(
          `INSERT INTO sandbox_attempts (ref, attempts) VALUES (?, 1)
           ON CONFLICT (ref) DO UPDATE SET attempts = sandbox_attempts.attempts + 1 RETURNING attempts`,
          [ref],
        );
        return Number(row!.attempts);
      },
    },

    async close() {
      await db.close();
    },
  };
}

/** The account's profile fields and their columns (fixed names: safe in the statement). */
const PROFILE_COLUMNS = [
  ['profilePictureUrl', 'profile_picture_url'],
  ['bio', 'bio'],
  ['loginId', 'login_id'],
  ['pageName', 'page_name'],
] as const;

interface AccountRow {
  id: string;
  user_id: string;
  platform: string;
  name: string;
  username: string | null;
  status: AccountStatus;
  reconnect_reason: string | null;
  brand_id: string | null;
  created_at: string;
  profile_picture_url: string | null;
  bio: string | null;
  login_id: string | null;
  page_name: string | null;
}

function toAccount(r: AccountRow): Account {
  return {
    id: r.id,
    userId: r.user_id,
    platform: r.platform,
    name: r.name,
    username: r.username,
    status: r.status,
    reconnectReason: r.reconnect_reason,
    brandId: r.brand_id,
    createdAt: r.created_at,
    profilePictureUrl: r.profile_picture_url,
    bio: r.bio,
    loginId: r.login_id,
    pageName: r.page_name,
  };
}

interface BrandRow {
  id: string;
  user_id: string;
  name: string;
  requires_approval: number | string;
  approval_by_other_key: number | string;
  created_at: string;
}

const toBrand = (r: BrandRow): Brand => ({
  id: r.id,
  userId: r.user_id,
  name: r.name,
  requiresApproval: Number(r.requires_approval) === 1,
  approvalByOtherKey: Number(r.approval_by_other_key) === 1,
  createdAt: r.created_at,
});

interface KeyRow {
  id: string;
  user_id: string;
  name: string;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
}

interface UserRow {
  id: string;
  name: string | null;
  email: string | null;
  created_at: string;
}

const toUser = (r: UserRow): User => ({ id: r.id, name: r.name, email: r.email, createdAt: r.created_at });

const toScopes = (scopes: string) => scopes.split(' ').filter(Boolean) as ApiScope[];

interface EndpointRow {
  id: string;
  user_id: string;
  url: string;
  events: string;
  is_active: number;
  post_id: string | null;
  created_at: string;
}

function toEndpoint(r: EndpointRow): WebhookEndpoint {
  return {
    id: r.id,
    userId: r.user_id,
    url: r.url,
    events: r.events.split(' ').filter(Boolean),
    isActive: Number(r.is_active) === 1,
    postId: r.post_id,
    createdAt: r.created_at,
  };
}

interface DeliveryRow {
  id: string;
  endpoint_id: string;
  event: string;
  status: DeliveryStatus;
  attempts: number;
  last_status_code: number | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
}

interface MediaRow {
  id: string;
  user_id: string;
  filename: string;
  content_type: string;
  size_bytes: number | null;
  duration_sec: number | null;
  status: MediaStatus;
  storage_key: string;
  created_at: string;
}

function toMedia(r: MediaRow): MediaItem {
  return {
    id: r.id,
    userId: r.user_id,
    filename: r.filename,
    contentType: r.content_type,
    sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes),
    durationSec: r.duration_sec === null ? null : Number(r.duration_sec),
    status: r.status,
    storageKey: r.storage_key,
    createdAt: r.created_at,
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

interface RecurringRow {
  id: string;
  user_id: string;
  body: string;
  spec: string;
  rule: string;
  created_at: string;
  updated_at: string;
}

function recurringFrom(row: RecurringRow, box: SecretBox): RecurringDefinition {
  return {
    id: row.id,
    userId: row.user_id,
    body: JSON.parse(box.open(row.body)) as Record<string, unknown>,
    spec: JSON.parse(box.open(row.spec)) as PostSpec,
    rule: JSON.parse(row.rule) as RecurrenceRule,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

interface MetricsRow {
  account_id: string;
  due_at: string;
  synced_at: string;
  metrics: string;
}

function storedMetrics(row: MetricsRow): StoredMetrics {
  return {
    accountId: row.account_id,
    dueAt: row.due_at,
    syncedAt: row.synced_at,
    metrics: JSON.parse(row.metrics) as PostMetrics,
  };
}

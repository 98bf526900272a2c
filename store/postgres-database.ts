import { Pool, types } from 'pg';
import type { SqlDatabase } from './sql';

// count(*) and BIGINT columns arrive as strings by default; every figure Postflow stores fits a double.
types.setTypeParser(types.builtins.INT8, (value) => Number(value));

/** Any number: the advisory lock that serialises schema migrations across processes. */
const MIGRATION_LOCK = 0x706f7374; // "post"

/**
 * PostgreSQL, for deployments with several workers and API replicas (`DATABASE_URL`). The same
 * statements as SQLite; only the placeholders are rewritten (`?` → `$n`).
 */
export async function openPostgresDatabase(url: string): Promise<SqlDatabase> {
  const pool = new Pool({ connectionString: url, max: 10 });
  // An idle client that loses its connection emits 'error'; the next query reconnects.
  pool.on('error', () => undefined);
  const texts = new Map<string, string>();
  const text = (sql: string) => {
    let rewritten = texts.get(sql);
    if (rewritten === undefined) {
      let n = 0;
      texts.set(sql, (rewritten = sql.replace(/\?/g, () => `$${++n}`)));
    }
    return rewritten;
  };
  const query = (sql: string, params: readonly unknown[]) => pool.query(text(sql), params as unknown[]);

  return {
    dialect: 'postgres',
    async all<Row>(sql: string, params: readonly unknown[] = []) {
      return (await query(sql, params)).rows as Row[];
    },
    async get<Row>(sql: string, params: readonly unknown[] = []) {
      return (await query(sql, params)).rows[0] as Row | undefined;
    },
    async run(sql, params = []) {
      return (await query(sql, params)).rowCount ?? 0;
    },
    async migrate(base, migrations) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await client.query(base);
        await client.query('CREATE TABLE IF NOT EXISTS postflow_schema (version INTEGER NOT NULL)');
        const row = (await client.query<{ version: number }>('SELECT version FROM postflow_schema')).rows[0];
        for (let v = row?.version ?? 0; v < migrations.length; v++) await client.query(migrations[v]);
        await client.query('DELETE FROM postflow_schema');
        await client.query('INSERT INTO postflow_schema (version) VALUES ($1)', [migrations.length]);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async transaction(work) {
      const client = await pool.connect();
      const run = async (sql: string, params: readonly unknown[] = []) =>
        client.query(text(sql), params as unknown[]);
      try {
        await client.query('BEGIN');
        const result = await work({
          all: async <Row>(sql: string, params?: readonly unknown[]) =>
            (await run(sql, params)).rows as Row[],
          get: async <Row>(sql: string, params?: readonly unknown[]) =>
            (await run(sql, params)).rows[0] as Row | undefined,
          run: async (sql, params) => (await run(sql, params)).rowCount ?? 0,
        });
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    async close() {
      await pool.end();
    },
  };
}

import { randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SecretBox } from './secret-box';
import { openPostgresDatabase } from './postgres-database';
import { openSqlStore } from './sql-store';
import { openSqliteDatabase } from './sqlite-database';
import type { Store } from './types';

export type * from './types';
export { SecretBox } from './secret-box';
export { generateApiKey, hashApiKey } from './api-keys';

/**
 * The key that encrypts credentials at rest: `POSTFLOW_SECRET_KEY` (32 bytes, base64), or a key
 * created once in `<home>/secret.key` (mode 0600) for the embedded setup.
 */
export function loadSecretKey(home: string, fromEnv = process.env.POSTFLOW_SECRET_KEY): Buffer {
  if (fromEnv) return Buffer.from(fromEnv, 'base64');
  const file = join(home, 'secret.key');
  if (!existsSync(file)) {
    mkdirSync(home, { recursive: true });
    // Write aside, then link into place: the API and the worker may start together, and neither
    // must ever read a half-written key.
    const draft = `${file}.${process.pid}`;
    writeFileSync(draft, randomBytes(32).toString('base64'), { mode: 0o600 });
    try {
      linkSync(draft, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      unlinkSync(draft);
    }
  }
  return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
}

/**
 * Opens the store: PostgreSQL when `databaseUrl` is given (`DATABASE_URL=postgres://…`), else the
 * embedded SQLite file `<home>/postflow.db`. Either way the schema is brought up to date first.
 */
export async function openStore(home: string, databaseUrl?: string): Promise<Store> {
  mkdirSync(home, { recursive: true });
  const box = new SecretBox(loadSecretKey(home));
  const db = databaseUrl
    ? await openPostgresDatabase(databaseUrl)
    : openSqliteDatabase(join(home, 'postflow.db'));
  try {
    return await openSqlStore(db, box);
  } catch (err) {
    await db.close();
    throw err;
  }
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { type MediaLibrary, openMediaLibrary } from '../../media';
import { SecretBox } from '../../store/secret-box';
import { openPostgresDatabase } from '../../store/postgres-database';
import { openSqlStore } from '../../store/sql-store';
import { openSqliteDatabase } from '../../store/sqlite-database';
import type { Store } from '../../store/types';
import { freshPostgresDatabase } from './postgres';

export type DatabaseKind = 'sqlite' | 'postgres';
export const DATABASES: DatabaseKind[] = ['sqlite', 'postgres'];

/** A fresh, real store: a SQLite file in a temporary folder, or a new PostgreSQL database. */
export async function tempStore(kind: DatabaseKind = 'sqlite'): Promise<{ store: Store; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'postflow-test-'));
  const db =
    kind === 'postgres'
      ? await openPostgresDatabase(await freshPostgresDatabase())
      : openSqliteDatabase(join(dir, 'postflow.db'));
  return { store: await openSqlStore(db, new SecretBox(randomBytes(32))), dir };
}

/** A media library on disk in `dir`, with a throwaway signing key. */
export function tempMedia(dir: string, publicUrl = 'http://postflow.test'): MediaLibrary {
  return openMediaLibrary({ home: dir, publicUrl }, randomBytes(32));
}

export const inDays = (days: number, from = Date.now()) => new Date(from + days * 86_400_000).toISOString();
export const inMinutes = (minutes: number, from = Date.now()) =>
  new Date(from + minutes * 60_000).toISOString();

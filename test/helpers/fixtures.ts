import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { openSqliteStore } from '../../store/sqlite-store';
import { SecretBox } from '../../store/secret-box';
import type { Store } from '../../store/types';

/** A fresh, real SQLite store in a temporary folder. */
export function tempStore(): { store: Store; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'postflow-test-'));
  return { store: openSqliteStore(join(dir, 'postflow.db'), new SecretBox(randomBytes(32))), dir };
}

export const inDays = (days: number, from = Date.now()) => new Date(from + days * 86_400_000).toISOString();
export const inMinutes = (minutes: number, from = Date.now()) =>
  new Date(from + minutes * 60_000).toISOString();

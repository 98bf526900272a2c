import { ulid } from 'ulid';
import type { SqlDatabase } from './sql';
import type { RedirectUri, Store } from './types';

interface RedirectUriRow {
  id: string;
  user_id: string;
  uri: string;
  created_at: string;
}

const toEntry = (row: RedirectUriRow): RedirectUri => ({
  id: row.id,
  userId: row.user_id,
  uri: row.uri,
  createdAt: row.created_at,
});

/** Users' registered redirect URIs over SQLite or PostgreSQL (see `Store['redirectUris']`). */
export function redirectUriStore(db: SqlDatabase): Store['redirectUris'] {
  const find = async (userId: string, uri: string) => {
    const row = await db.get<RedirectUriRow>(
      'SELECT * FROM oauth_redirect_uris WHERE user_id = ? AND uri = ?',
      [userId, uri],
    );
    return row && toEntry(row);
  };
  return {
    async add(userId, uri) {
      const entry: RedirectUri = {
        id: `ruri_${ulid()}`,
        userId,
        uri,
        createdAt: new Date().toISOString(),
      };
      // The unique (user_id, uri) index decides between two adds of the same URI at once.
      const inserted = await db.run(
        `INSERT INTO oauth_redirect_uris (id, user_id, uri, created_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (user_id, uri) DO NOTHING`,
        [entry.id, userId, uri, entry.createdAt],
      );
      if (inserted > 0) return { entry, created: true };
      return { entry: (await find(userId, uri))!, created: false };
    },
    async list(userId) {
      const rows = await db.all<RedirectUriRow>(
        'SELECT * FROM oauth_redirect_uris WHERE user_id = ? ORDER BY id',
        [userId],
      );
      return rows.map(toEntry);
    },
    async has(userId, uri) {
      return (await find(userId, uri)) !== undefined;
    },
    async remove(id, userId) {
      return (await db.run('DELETE FROM oauth_redirect_uris WHERE id = ? AND user_id = ?', [id, userId])) > 0;
    },
  };
}

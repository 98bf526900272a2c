import Database from 'better-sqlite3';
import type { SqlDatabase } from './sql';

/**
 * The embedded database: one SQLite file in WAL mode, shared by the API and worker processes.
 * Statements are prepared once and cached; better-sqlite3 is synchronous, which suits a local file.
 */
export function openSqliteDatabase(path: string): SqlDatabase {
  const db = new Database(path, { timeout: 5000 });
  const statements = new Map<string, Database.Statement>();
  const prepare = (sql: string) => {
    let statement = statements.get(sql);
    if (!statement) statements.set(sql, (statement = db.prepare(sql)));
    return statement;
  };
  // The API and the worker may open a new file at the same moment; setting it up takes locks that
  // SQLite's busy timeout does not always wait for, so setup retries for a while.
  whileBusy(() => {
    db.pragma('journal_mode = WAL');
    // In WAL mode NORMAL never corrupts the file; a power cut may lose the last commits, not a crash.
    db.pragma('synchronous = NORMAL');
  });

  return {
    dialect: 'sqlite',
    async all<Row>(sql: string, params: readonly unknown[] = []) {
      return prepare(sql).all(...params) as Row[];
    },
    async get<Row>(sql: string, params: readonly unknown[] = []) {
      return prepare(sql).get(...params) as Row | undefined;
    },
    async run(sql, params = []) {
      return prepare(sql).run(...params).changes;
    },
    async migrate(base, migrations) {
      // Reading the version and applying what is missing happen in one write-locked transaction.
      whileBusy(() =>
        db
          .transaction(() => {
            db.exec(base);
            const version = db.pragma('user_version', { simple: true }) as number;
            for (let v = version; v < migrations.length; v++) db.exec(migrations[v]);
            db.pragma(`user_version = ${migrations.length}`);
          })
          .immediate(),
      );
    },
    async close() {
      db.close();
    },
  };
}

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

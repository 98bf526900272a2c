import Database from 'better-sqlite3';
import type { SqlDatabase, SqlStatements } from './sql';

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

  const raw: SqlStatements = {
    async all<Row>(sql: string, params: readonly unknown[] = []) {
      return prepare(sql).all(...params) as Row[];
    },
    async get<Row>(sql: string, params: readonly unknown[] = []) {
      return prepare(sql).get(...params) as Row | undefined;
    },
    async run(sql, params = []) {
      return prepare(sql).run(...params).changes;
    },
  };
  // One connection serves the whole process: while a transaction is open, its statements are the
  // only ones that run, so no other request's change joins it (or its rollback). Transactions
  // queue behind each other here, and behind other processes' at BEGIN IMMEDIATE.
  let open: Promise<void> | undefined;
  let lastTransaction: Promise<void> = Promise.resolve();

  return {
    dialect: 'sqlite',
    async all<Row>(sql: string, params: readonly unknown[] = []) {
      while (open) await open;
      return raw.all<Row>(sql, params);
    },
    async get<Row>(sql: string, params: readonly unknown[] = []) {
      while (open) await open;
      return raw.get<Row>(sql, params);
    },
    async run(sql, params = []) {
      while (open) await open;
      return raw.run(sql, params);
    },
    async transaction(work) {
      const before = lastTransaction;
      let end!: () => void;
      const ended = new Promise<void>((resolve) => (end = resolve));
      lastTransaction = before.then(() => ended);
      await before;
      while (open) await open;
      open = ended;
      try {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(raw);
          db.exec('COMMIT');
          return result;
        } catch (err) {
          db.exec('ROLLBACK');
          throw err;
        }
      } finally {
        open = undefined;
        end();
      }
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

/**
 * The little SQL surface the store needs, implemented once for the embedded SQLite file and once
 * for PostgreSQL. Statements are written once, in the SQL both understand, with `?` placeholders.
 */
export interface SqlDatabase extends SqlStatements {
  readonly dialect: 'sqlite' | 'postgres';
  /**
   * Brings the schema up to date: `base` (idempotent DDL), then each migration not applied yet,
   * all under one lock, so processes opening a new database together agree on one result.
   */
  migrate(base: string, migrations: readonly string[]): Promise<void>;
  /**
   * Runs `work` in one transaction on statements of its own (`tx`): committed when it resolves,
   * rolled back when it throws. On SQLite the transaction takes the write lock at once (BEGIN
   * IMMEDIATE) and the process's other statements wait for it; on PostgreSQL rows `tx` changes
   * stay locked against other transactions until it ends, which is what serialises them.
   */
  transaction<T>(work: (tx: SqlStatements) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The statements: on the database, or inside one of its transactions. */
export interface SqlStatements {
  all<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  get<Row>(sql: string, params?: readonly unknown[]): Promise<Row | undefined>;
  /** Runs a change; resolves to the number of rows it touched. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
}

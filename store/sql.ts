/**
 * The little SQL surface the store needs, implemented once for the embedded SQLite file and once
 * for PostgreSQL. Statements are written once, in the SQL both understand, with `?` placeholders.
 */
export interface SqlDatabase {
  readonly dialect: 'sqlite' | 'postgres';
  all<Row>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
  get<Row>(sql: string, params?: readonly unknown[]): Promise<Row | undefined>;
  /** Runs a change; resolves to the number of rows it touched. */
  run(sql: string, params?: readonly unknown[]): Promise<number>;
  /**
   * Brings the schema up to date: `base` (idempotent DDL), then each migration not applied yet,
   * all under one lock, so processes opening a new database together agree on one result.
   */
  migrate(base: string, migrations: readonly string[]): Promise<void>;
  close(): Promise<void>;
}

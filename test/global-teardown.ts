import { POSTGRES_DIR_ENV, stopPostgres } from './helpers/postgres';

/** Stops the PostgreSQL server the global setup started. */
export default function globalTeardown(): void {
  const dir = process.env[POSTGRES_DIR_ENV];
  if (dir) stopPostgres(dir);
}

import { rmSync } from 'node:fs';
import { POSTGRES_DIR_ENV, stopPostgres } from './helpers/postgres';
import { TEMPORAL_CLUSTER_HOME_ENV, TemporalCluster } from './helpers/temporal-cluster';

/** Stops the Temporal cluster (cluster mode) and the PostgreSQL server that the global setup started. */
export default async function globalTeardown(): Promise<void> {
  const clusterHome = process.env[TEMPORAL_CLUSTER_HOME_ENV];
  if (clusterHome) {
    // Its databases go with the PostgreSQL server below.
    await TemporalCluster.attach(clusterHome).stopServer();
    rmSync(clusterHome, { recursive: true, force: true });
  }
  const dir = process.env[POSTGRES_DIR_ENV];
  if (dir) stopPostgres(dir);
}

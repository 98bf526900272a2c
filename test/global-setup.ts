import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../runtime/config';
import { POSTGRES_DIR_ENV, POSTGRES_URL_ENV, startPostgres } from './helpers/postgres';
import { clusterMode, freePort } from './helpers/stack';
import { TEMPORAL_CLUSTER_HOME_ENV, TemporalCluster } from './helpers/temporal-cluster';
import { temporalServer } from './helpers/temporal-server';
import { ghostHome } from './helpers/ghost';
import { pdsHome } from './helpers/pds';
import { javaTestServer, motoServer, n8nInstall, node24, temporalCli } from './helpers/tools';

/**
 * Runs once before any test file: builds the CLI the integration tests start as processes, and
 * builds or resolves the servers they run against, and starts the PostgreSQL server that the store
 * and API tests also run on (each test file makes its own database in it).
 */
export default async function globalSetup(): Promise<void> {
  // `npm test` runs jest three times (SQLite, PostgreSQL, cluster); its later passes set
  // POSTFLOW_TEST_REUSE_DIST=1 and use the build the first pass just made, rather than spend
  // half a minute making the same one twice more.
  const reuse = process.env.POSTFLOW_TEST_REUSE_DIST === '1' && builtAlready();
  if (reuse) process.stderr.write('[setup] dist/ reused (POSTFLOW_TEST_REUSE_DIST=1)\n');
  else {
    // A clean build: tsc leaves the output of deleted or moved sources behind, which could shadow new modules.
    rmSync(join(projectRoot(), 'dist'), { recursive: true, force: true });
    const tsc = spawnSync(
      process.execPath,
      [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
      {
        cwd: projectRoot(),
        stdio: 'inherit',
      },
    );
    if (tsc.status !== 0) throw new Error('Building dist/ failed.');
    // As `npm run build` does: workers spawned by the tests load prebuilt workflow bundles.
    const bundles = spawnSync(
      process.execPath,
      [join(projectRoot(), 'dist', 'worker', 'build-workflow-bundles.js')],
      {
        stdio: 'inherit',
      },
    );
    if (bundles.status !== 0) throw new Error('Building the workflow bundles failed.');
  }
  await temporalCli();
  await temporalServer();
  javaTestServer();
  motoServer();
  // The three npm installs (minutes each on a first run) go side by side, after the Node 24 two of
  // them share is in place.
  await node24();
  await Promise.all([n8nInstall(), pdsHome(), ghostHome()]);
  const postgres = startPostgres(await freePort());
  process.env[POSTGRES_URL_ENV] = postgres.url;
  process.env[POSTGRES_DIR_ENV] = postgres.dir;
  // `POSTFLOW_TEST_TEMPORAL=cluster`: one production-shaped Temporal for every stack (test/helpers/stack.ts).
  if (clusterMode()) {
    const cluster = await TemporalCluster.start({
      postgresUrl: postgres.url,
      log: (line) => process.stderr.write(`[temporal-cluster] ${line}\n`),
    });
    process.env[TEMPORAL_CLUSTER_HOME_ENV] = cluster.home;
  }
  // scripts/jest-lanes.mjs starts its second lane once dist/ and the tools are in place.
  const setupDone = process.env.POSTFLOW_TEST_SETUP_DONE;
  if (setupDone) writeFileSync(setupDone, '');
}

/** Whether dist/ holds the CLI and prebuilt workflow bundles (a build to reuse). */
function builtAlready(): boolean {
  const bundles = join(projectRoot(), 'dist', 'workflow-bundles');
  return (
    existsSync(join(projectRoot(), 'dist', 'cli', 'postflow.js')) &&
    existsSync(bundles) &&
    readdirSync(bundles).some((f) => f.endsWith('.js'))
  );
}

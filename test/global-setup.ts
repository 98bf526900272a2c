import { spawnSync } from 'node:child_process';
import { projectRoot } from '../worker/config';
import { javaTestServer, temporalCli } from './helpers/tools';

/**
 * Runs once before any test file: builds the CLI the integration tests start as processes, and
 * builds or resolves the servers they run against.
 */
export default async function globalSetup(): Promise<void> {
  const tsc = spawnSync(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json'],
    {
      cwd: projectRoot(),
      stdio: 'inherit',
    },
  );
  if (tsc.status !== 0) throw new Error('Building dist/ failed.');
  await temporalCli();
  javaTestServer();
}

import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runGoWithProgress } from './go-command';

/** The newest Temporal CLI that `go install` can build (later tags carry a replace directive). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/**
 * Returns the path of the Temporal CLI, building it with `go install` into `<toolsDir>/bin` the
 * first time. `TEMPORAL_CLI` points at an existing binary instead. The build takes minutes on two
 * cores, so it reports progress every few seconds.
 */
export async function ensureTemporalCli(toolsDir: string, log: (line: string) => void): Promise<string> {
  if (process.env.TEMPORAL_CLI) return process.env.TEMPORAL_CLI;
  const binary = join(toolsDir, 'bin', 'temporal');
  if (existsSync(binary)) return binary;

  // Build into a private folder and move the result, so an interrupted build leaves nothing half-made.
  const staging = join(toolsDir, `bin.building-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  log(`Building the Temporal CLI (${TEMPORAL_CLI_MODULE}) with go install; first run only, a few minutes…`);
  const started = Date.now();
  const { code, tail } = await runGoWithProgress(['install', '-v', TEMPORAL_CLI_MODULE], {
    env: { GOBIN: staging },
    log,
  });
  if (code !== 0 || !existsSync(join(staging, 'temporal'))) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`go install ${TEMPORAL_CLI_MODULE} failed (exit ${code}):\n${tail.join('\n')}`);
  }
  mkdirSync(join(toolsDir, 'bin'), { recursive: true });
  renameSync(join(staging, 'temporal'), binary);
  rmSync(staging, { recursive: true, force: true });
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s: ${binary}`);
  return binary;
}

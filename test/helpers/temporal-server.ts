import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig, projectRoot } from '../../runtime/config';
import { runGoWithProgress } from '../../runtime/go-command';

/** The server version the Temporal CLI v1.5.1 embeds, so both builds share Go's module and build caches. */
export const TEMPORAL_SERVER_VERSION = '1.29.1';

/** The Go module (go.mod with `tool` directives) that pins the server and its SQL tool. */
export const TEMPORAL_SERVER_MODULE_DIR = join(projectRoot(), 'deploy', 'temporal-server');

export interface TemporalServerBinaries {
  /** `temporal-server` (go.temporal.io/server/cmd/server). */
  server: string;
  /** `temporal-sql-tool` (go.temporal.io/server/cmd/tools/sql), with the schemas embedded. */
  sqlTool: string;
}

const log = (line: string) => process.stderr.write(`[tools] ${line}\n`);

/**
 * The Temporal server and its SQL schema tool, built with `go build` from deploy/temporal-server
 * into `.tools/temporal-server-<version>/` on first use (a few minutes on two cores, progress is
 * printed), reused after.
 */
export async function temporalServer(): Promise<TemporalServerBinaries> {
  const home = join(loadConfig().toolsDir, `temporal-server-${TEMPORAL_SERVER_VERSION}`);
  const binaries = { server: join(home, 'temporal-server'), sqlTool: join(home, 'temporal-sql-tool') };
  if (existsSync(binaries.server) && existsSync(binaries.sqlTool)) return binaries;

  // Build into a private folder and move it into place, so an interrupted build leaves nothing half-made.
  const staging = `${home}.building-${process.pid}`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  log(
    `Building the Temporal server ${TEMPORAL_SERVER_VERSION} and temporal-sql-tool with go build (first run only, a few minutes)…`,
  );
  const started = Date.now();
  const { code, tail } = await runGoWithProgress(
    [
      'build',
      '-v',
      '-o',
      `${staging}/`,
      'go.temporal.io/server/cmd/server',
      'go.temporal.io/server/cmd/tools/sql',
    ],
    { cwd: TEMPORAL_SERVER_MODULE_DIR, log },
  );
  if (code !== 0 || !existsSync(join(staging, 'server')) || !existsSync(join(staging, 'sql'))) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `go build of the Temporal server ${TEMPORAL_SERVER_VERSION} failed (exit ${code}):\n${tail.join('\n')}`,
    );
  }
  renameSync(join(staging, 'server'), join(staging, 'temporal-server'));
  renameSync(join(staging, 'sql'), join(staging, 'temporal-sql-tool'));
  rmSync(home, { recursive: true, force: true });
  renameSync(staging, home);
  log(`Temporal server built in ${Math.round((Date.now() - started) / 1000)} s: ${home}`);
  return binaries;
}

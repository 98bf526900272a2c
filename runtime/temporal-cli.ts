import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { runGoWithProgress } from './go-command';
import { DEFAULT_DOWNLOAD_URL, TEMPORAL_EXE, downloadTemporalCli } from './temporal-cli-download';

/** The newest Temporal CLI that `go install` can build (later tags carry a replace directive). */
export const TEMPORAL_CLI_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';

/** The oldest Go that builds TEMPORAL_CLI_MODULE (its go.mod's `go` line). */
const GO_MINIMUM = { major: 1, minor: 25 };

const WAYS_OUT =
  'Either set TEMPORAL_CLI to a Temporal CLI binary (or put a `temporal` on PATH), install Go ≥ 1.25 ' +
  '(the CLI is then built once), or allow internet access to temporal.download (the official release ' +
  'is then downloaded once).';

/**
 * Returns the path of the Temporal CLI, the first of: `TEMPORAL_CLI`; a `temporal` on PATH; the one
 * in `<toolsDir>/bin` from an earlier start; one built there with `go install` when Go ≥ 1.25 is
 * installed; the official release downloaded there (`POSTFLOW_TEMPORAL_DOWNLOAD_URL`, default
 * temporal.download). Logs which one and why. `env` is the environment to read (tests give theirs).
 */
export async function ensureTemporalCli(
  toolsDir: string,
  log: (line: string) => void,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  const chosen = (binary: string, why: string) => {
    log(`Temporal CLI: ${binary} (${why})`);
    return binary;
  };

  if (env.TEMPORAL_CLI) {
    const problem = notExecutable(env.TEMPORAL_CLI);
    if (problem)
      throw new Error(
        `TEMPORAL_CLI is ${env.TEMPORAL_CLI}, which ${problem}. Point TEMPORAL_CLI at the Temporal CLI binary, or unset it.`,
      );
    return chosen(env.TEMPORAL_CLI, 'from TEMPORAL_CLI');
  }
  const onPath = findOnPath(TEMPORAL_EXE, env);
  if (onPath) return chosen(onPath, 'found on PATH');
  const inTools = join(toolsDir, 'bin', TEMPORAL_EXE);
  if (existsSync(inTools)) return chosen(inTools, 'in the tools folder from an earlier start');

  const go = goVersion(env);
  if (go.usable) return chosen(await buildWithGo(toolsDir, log, env), `built with ${go.version}`);

  const baseUrl = env.POSTFLOW_TEMPORAL_DOWNLOAD_URL || DEFAULT_DOWNLOAD_URL;
  log(`No Temporal CLI on PATH or in ${toolsDir}/bin and ${go.why}: downloading the official release once…`);
  try {
    return chosen(await downloadTemporalCli({ toolsDir, baseUrl, log }), `downloaded from ${baseUrl}`);
  } catch (error) {
    throw new Error(
      `No Temporal CLI: TEMPORAL_CLI is not set, there is no \`temporal\` on PATH or in ${toolsDir}/bin, ` +
        `${go.why}, and the download failed: ${(error as Error).message}\n${WAYS_OUT}`,
    );
  }
}

/** Why `path` cannot be run, or undefined when it can. */
function notExecutable(path: string): string | undefined {
  try {
    if (!statSync(path).isFile()) return 'is not a file';
    accessSync(path, constants.X_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'is not executable';
  }
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    if (!notExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The `go` on the environment's PATH, and whether it is new enough to build the CLI. */
function goVersion(
  env: NodeJS.ProcessEnv,
): { usable: true; version: string } | { usable: false; why: string } {
  const run = spawnSync('go', ['version'], { env, encoding: 'utf8', timeout: 30_000 });
  if (run.error || run.status !== 0) return { usable: false, why: 'Go is not installed' };
  const match = /go(\d+)\.(\d+)\S*/.exec(run.stdout);
  if (!match) return { usable: false, why: `\`go version\` answered "${run.stdout.trim()}"` };
  const [major, minor] = [Number(match[1]), Number(match[2])];
  if (major > GO_MINIMUM.major || (major === GO_MINIMUM.major && minor >= GO_MINIMUM.minor))
    return { usable: true, version: match[0] };
  return { usable: false, why: `Go is ${match[0]}, older than 1.25` };
}

/** Builds the CLI with `go install`; minutes on two cores, so it reports progress every few seconds. */
async function buildWithGo(toolsDir: string, log: (line: string) => void, env: NodeJS.ProcessEnv) {
  const binary = join(toolsDir, 'bin', TEMPORAL_EXE);
  // Build into a private folder and move the result, so an interrupted build leaves nothing half-made.
  const staging = join(toolsDir, `bin.building-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  log(`Building the Temporal CLI (${TEMPORAL_CLI_MODULE}) with go install; first run only, a few minutes…`);
  const started = Date.now();
  const { code, tail } = await runGoWithProgress(['install', '-v', TEMPORAL_CLI_MODULE], {
    env: { ...env, GOBIN: staging },
    log,
  });
  if (code !== 0 || !existsSync(join(staging, TEMPORAL_EXE))) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(
      `go install ${TEMPORAL_CLI_MODULE} failed (exit ${code}):\n${tail.join('\n')}\n${WAYS_OUT}`,
    );
  }
  mkdirSync(join(toolsDir, 'bin'), { recursive: true });
  renameSync(join(staging, TEMPORAL_EXE), binary);
  rmSync(staging, { recursive: true, force: true });
  log(`Temporal CLI built in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

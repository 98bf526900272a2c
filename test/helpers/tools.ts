import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { loadConfig, projectRoot } from '../../runtime/config';
import { ensureTemporalCli } from '../../runtime/temporal-cli';

const toolsDir = () => loadConfig().toolsDir;
const log = (line: string) => process.stderr.write(`[tools] ${line}\n`);

/** The Temporal CLI (dev server), built on first use. */
export function temporalCli(): Promise<string> {
  return ensureTemporalCli(toolsDir(), log);
}

/**
 * A launcher for Temporal's Java time-skipping test server, resolved from Maven Central on first
 * use. It `exec`s java so that the SDK's SIGKILL on teardown reaches the JVM itself.
 */
export function javaTestServer(): string {
  const home = join(toolsDir(), 'java-test-server');
  const launcher = join(toolsDir(), 'bin', 'temporal-test-server');
  if (existsSync(launcher)) return launcher;

  const staging = join(home, `lib.resolving-${process.pid}`);
  mkdirSync(staging, { recursive: true });
  copyFileSync(join(projectRoot(), 'test', 'tools', 'temporal-test-server.pom.xml'), join(home, 'pom.xml'));
  log('Resolving the Temporal Java test server from Maven Central (first run only)…');
  const mvn = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      join(home, 'pom.xml'),
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${staging}`,
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  if (mvn.status !== 0 || readdirSync(staging).length === 0) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`mvn could not resolve io.temporal:temporal-test-server (exit ${mvn.status}).`);
  }
  rmSync(join(home, 'lib'), { recursive: true, force: true });
  renameSync(staging, join(home, 'lib'));
  mkdirSync(join(toolsDir(), 'bin'), { recursive: true });
  // Quick-start JVM flags: the SDK gives the server 5 s to answer. The class path is found from
  // the launcher's own place, so a .tools directory reached through a symlink or moved still works.
  writeFileSync(
    launcher,
    `#!/bin/sh\nexec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp "$(dirname "$0")/../java-test-server/lib/*" io.temporal.testserver.TestServer "$@"\n`,
  );
  chmodSync(launcher, 0o755);
  log(`Java test server ready: ${launcher}`);
  return launcher;
}

/**
 * moto's S3-compatible server (PyPI `moto[server]`), in a virtualenv under .tools made on first
 * use; returns the virtualenv's python (run it as `python -m moto.server`).
 */
export function motoServer(): string {
  const venv = join(toolsDir(), 'moto-venv');
  const python = join(venv, 'bin', 'python');
  if (existsSync(join(venv, '.ready'))) return python;
  log('Installing moto (an S3-compatible server for the media tests) from PyPI (first run only)…');
  rmSync(venv, { recursive: true, force: true });
  for (const [command, args] of [
    ['python3', ['-m', 'venv', venv]],
    [
      join(venv, 'bin', 'python'),
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', 'moto[server]==5.2.5'],
    ],
  ] as const) {
    const run = spawnSync(command, [...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${run.status}).`);
  }
  writeFileSync(join(venv, '.ready'), '');
  log(`moto ready in ${venv}`);
  return python;
}

/** Node 24 (the project runs on 20): current n8n and the Bluesky PDS need it. */
export const NODE24_VERSION = '24.22.3';

/** A Node 24 from the npm package `node-<platform>-<arch>`, installed into .tools on first use. */
export async function node24(): Promise<{ binary: string; home: string }> {
  const name = `node-${process.platform}-${process.arch}`;
  const dir = join(toolsDir(), `node-${NODE24_VERSION}`);
  const home = join(dir, 'node_modules', name);
  const binary = join(home, 'bin', 'node');
  if (!existsSync(join(dir, '.ready'))) {
    log(`Installing Node ${NODE24_VERSION} (${name}) from npm (first run only)…`);
    await npmInstall(dir, [`${name}@${NODE24_VERSION}`]);
    writeFileSync(join(dir, '.ready'), '');
  }
  return { binary, home };
}

/**
 * The environment that makes npm (and node-gyp under it) use that Node 24: first on PATH, and its
 * own headers for native builds, so nothing is downloaded (this machine's npmrc pins nodedir).
 */
export function node24Env(node: { home: string }): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PATH: `${join(node.home, 'bin')}:${process.env.PATH}`,
    npm_config_nodedir: node.home,
  };
}

/** Runs npm with `args` in `dir`, printing a heartbeat every 30 s (installs take minutes). */
export async function npm(dir: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const started = Date.now();
  const ticker = setInterval(() => log(`  … ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], {
        cwd: dir,
        env,
        stdio: ['ignore', 'inherit', 'inherit'],
      });
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`npm ${args.join(' ')} failed (exit ${code}).`);
  } finally {
    clearInterval(ticker);
  }
}

/** `npm install --save-exact` of `packages` into a fresh private package at `dir`. */
export async function npmInstall(
  dir: string,
  packages: string[],
  env: NodeJS.ProcessEnv = process.env,
  manifest: object = {},
): Promise<void> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ private: true, ...manifest }));
  await npm(dir, ['install', ...packages, '--save-exact'], env);
}

/**
 * The n8n the community node's end-to-end tests run in: the newest 2.x this registry serves.
 * `POSTFLOW_N8N_VERSION=2.8.4 npm run test:n8n-floor` runs them on the oldest version tested.
 */
export const N8N_VERSION = process.env.POSTFLOW_N8N_VERSION ?? '2.41.1';

/** n8n after 2.35 requires Node >= 24. */
function n8nNeedsNode24(version: string): boolean {
  const [major, minor] = version.split('.').map(Number);
  return major > 2 || (major === 2 && minor > 35);
}

/** How to run n8n: the Node binary and n8n's own bin script. */
export interface N8nInstall {
  node: string;
  binary: string;
}

/**
 * A real n8n, installed from npm into .tools on first use (several minutes; progress is printed).
 * On Node 24 the install skips lifecycle scripts (some download prebuilt binaries from sites this
 * machine cannot reach) and then builds the two native modules n8n loads, sqlite3 and isolated-vm,
 * from source against that Node's headers. `xlsx` is overridden to the registry's package: n8n 2.8
 * fetches it from a CDN otherwise (2.41 has no xlsx, so there the override does nothing). The
 * install counts as ready once the native modules it has load.
 */
export async function n8nInstall(): Promise<N8nInstall> {
  const home = join(toolsDir(), `n8n-${N8N_VERSION}`);
  const binary = join(home, 'node_modules', 'n8n', 'bin', 'n8n');
  const node = n8nNeedsNode24(N8N_VERSION) ? await node24() : undefined;
  const install = { node: node?.binary ?? process.execPath, binary };
  if (existsSync(join(home, '.ready'))) return install;

  log(
    `Installing n8n ${N8N_VERSION} from npm for the community node's end-to-end tests (first run only, ~6 min)…`,
  );
  const started = Date.now();
  rmSync(home, { recursive: true, force: true });
  const manifest = { overrides: { xlsx: '0.18.5' } };
  if (!node) {
    await npmInstall(home, [`n8n@${N8N_VERSION}`], process.env, manifest);
  } else {
    const env = { ...node24Env(node), JOBS: '2' };
    await npmInstall(home, [`n8n@${N8N_VERSION}`, '--ignore-scripts'], env, manifest);
    log('Building sqlite3 and isolated-vm for Node 24 from source…');
    await npm(home, ['rebuild', 'sqlite3', 'isolated-vm'], env);
  }
  const natives = ['sqlite3', 'isolated-vm'].filter((name) => existsSync(join(home, 'node_modules', name)));
  const check = spawnSync(install.node, ['-e', natives.map((name) => `require('${name}');`).join(' ')], {
    cwd: home,
    encoding: 'utf8',
  });
  if (check.status !== 0)
    throw new Error(`n8n ${N8N_VERSION}'s native modules do not load:\n${check.stderr}`);
  writeFileSync(join(home, '.ready'), '');
  log(`n8n ${N8N_VERSION} ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return install;
}

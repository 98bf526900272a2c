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
  // Quick-start JVM flags: the SDK gives the server 5 s to answer.
  writeFileSync(
    launcher,
    `#!/bin/sh\nexec java -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto -cp '${join(home, 'lib')}/*' io.temporal.testserver.TestServer "$@"\n`,
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

/** The n8n version the community node's end-to-end tests run in (it runs on Node 20). */
export const N8N_VERSION = '2.8.4';

/**
 * A real n8n, installed from npm into .tools on first use (several minutes; progress is printed).
 * `xlsx` is overridden to the registry's package: n8n 2.8 fetches it from a CDN otherwise.
 */
export async function n8nBinary(): Promise<string> {
  const home = join(toolsDir(), `n8n-${N8N_VERSION}`);
  const binary = join(home, 'node_modules', 'n8n', 'bin', 'n8n');
  if (existsSync(join(home, '.ready'))) return binary;
  log(
    `Installing n8n ${N8N_VERSION} from npm for the community node's end-to-end tests (first run only, ~6 min)…`,
  );
  mkdirSync(home, { recursive: true });
  writeFileSync(join(home, 'package.json'), JSON.stringify({ private: true, overrides: { xlsx: '0.18.5' } }));
  const started = Date.now();
  const ticker = setInterval(() => log(`  … ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      const child = spawn(
        'npm',
        ['install', `n8n@${N8N_VERSION}`, '--no-audit', '--no-fund', '--loglevel=error'],
        {
          cwd: home,
          stdio: ['ignore', 'inherit', 'inherit'],
        },
      );
      child.on('error', reject);
      child.on('exit', resolve);
    });
    if (code !== 0) throw new Error(`npm install n8n@${N8N_VERSION} failed (exit ${code}).`);
  } finally {
    clearInterval(ticker);
  }
  writeFileSync(join(home, '.ready'), '');
  log(`n8n ${N8N_VERSION} ready in ${Math.round((Date.now() - started) / 1000)} s`);
  return binary;
}

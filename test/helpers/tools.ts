import { spawnSync } from 'node:child_process';
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
import { loadConfig, projectRoot } from '../../worker/config';
import { ensureTemporalCli } from '../../worker/temporal-cli';

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

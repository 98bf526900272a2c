import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config';

/** The schemathesis release the API fuzzing test runs (PyPI); bump it deliberately. */
export const SCHEMATHESIS_VERSION = '4.32.5';

const log = (line: string) => process.stderr.write(`[tools] ${line}\n`);

/**
 * schemathesis (PyPI), in a virtualenv under .tools made on first use; returns its `st` command.
 * The virtualenv's name carries the version, so a bump installs next to the old one.
 */
export function schemathesisCli(): string {
  const venv = join(loadConfig().toolsDir, `schemathesis-${SCHEMATHESIS_VERSION}-venv`);
  const st = join(venv, 'bin', 'st');
  if (existsSync(join(venv, '.ready'))) return st;
  log(`Installing schemathesis ${SCHEMATHESIS_VERSION} from PyPI (first run only)…`);
  rmSync(venv, { recursive: true, force: true });
  for (const [command, args] of [
    ['python3', ['-m', 'venv', venv]],
    [
      join(venv, 'bin', 'python'),
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        `schemathesis==${SCHEMATHESIS_VERSION}`,
      ],
    ],
  ] as const) {
    const run = spawnSync(command, [...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (run.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${run.status}).`);
  }
  writeFileSync(join(venv, '.ready'), '');
  log(`schemathesis ready in ${venv}`);
  return st;
}

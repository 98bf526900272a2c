import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { freePort } from './ports';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config';
import { answers, stopChild, untilServing } from './child-process';

/** The open-source relay the Nostr adapter is checked against (PyPI `nostr-relay`, Python). */
export const NOSTR_RELAY_VERSION = '1.14';

const log = (line: string) => process.stderr.write(`[nostr-relay] ${line}\n`);

/** nostr-relay in a virtualenv under .tools, made on first use (~1 min); returns its command. */
export function nostrRelayCommand(): string {
  const venv = join(loadConfig().toolsDir, `nostr-relay-${NOSTR_RELAY_VERSION}`);
  const command = join(venv, 'bin', 'nostr-relay');
  if (existsSync(join(venv, '.ready'))) return command;
  log(`Installing nostr-relay ${NOSTR_RELAY_VERSION} from PyPI (first run only, ~1 min)…`);
  rmSync(venv, { recursive: true, force: true });
  for (const [program, args] of [
    ['python3', ['-m', 'venv', venv]],
    [
      join(venv, 'bin', 'python'),
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        `nostr-relay==${NOSTR_RELAY_VERSION}`,
      ],
    ],
  ] as const) {
    const run = spawnSync(program, [...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (run.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (exit ${run.status}).`);
  }
  writeFileSync(join(venv, '.ready'), '');
  log(`nostr-relay ready in ${venv}`);
  return command;
}

export interface RunningRelay {
  /** `ws://127.0.0.1:<port>` */
  url: string;
  stop(): Promise<void>;
}

/**
 * A real relay on a free loopback port (uvicorn), its SQLite database in a temporary directory,
 * checking signatures and event times as it does by default; `stop()` ends it and removes the data.
 */
export async function startNostrRelay(): Promise<RunningRelay> {
  const command = nostrRelayCommand();
  const data = mkdtempSync(join(tmpdir(), 'postflow-nostr-'));
  const port = await freePort();
  const config = join(data, 'config.yaml');
  writeFileSync(
    config,
    [
      'DEBUG: false',
      'relay_name: postflow test relay',
      'storage:',
      `  sqlalchemy.url: sqlite+aiosqlite:///${join(data, 'nostr.sqlite3')}`,
      '  validators:',
      '    - nostr_relay.validators.is_not_too_large',
      '    - nostr_relay.validators.is_signed',
      '    - nostr_relay.validators.is_recent',
      'gunicorn:',
      `  bind: 127.0.0.1:${port}`,
      '  workers: 1',
      '  loglevel: warning',
      'verification:',
      '  nip05_verification: disabled',
      'authentication:',
      '  enabled: false',
      '',
    ].join('\n'),
  );
  const child = spawn(command, ['-c', config, 'serve', '--use-uvicorn'], {
    cwd: data,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => stopChild(child).finally(() => rmSync(data, { recursive: true, force: true }));
  try {
    await untilServing(
      child,
      'nostr-relay',
      answers(`http://127.0.0.1:${port}/`, { headers: { accept: 'application/nostr+json' } }),
      { timeoutMs: 60_000, everyMs: 200 },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { url: `ws://127.0.0.1:${port}`, stop };
}

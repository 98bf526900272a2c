import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config';
import { freePort } from './ports';
import { answers, stopChild, untilServing } from './child-process';

/** The Matrix homeserver the Matrix adapter is checked against (PyPI `matrix-synapse`, Python ≥ 3.10). */
export const SYNAPSE_VERSION = '1.163.2';

const log = (line: string) => process.stderr.write(`[synapse] ${line}\n`);
const SHARED_SECRET = 'postflow-test-registration';

/** Synapse in a virtualenv under .tools, made on first use (~20 s from cached wheels, minutes without); returns its python. */
export function synapsePython(): string {
  const venv = join(loadConfig().toolsDir, `synapse-${SYNAPSE_VERSION}`);
  const python = join(venv, 'bin', 'python');
  if (existsSync(join(venv, '.ready'))) return python;
  log(`Installing matrix-synapse ${SYNAPSE_VERSION} from PyPI (first run only)…`);
  const started = Date.now();
  rmSync(venv, { recursive: true, force: true });
  for (const [program, args] of [
    ['python3', ['-m', 'venv', venv]],
    [
      python,
      [
        '-m',
        'pip',
        'install',
        '--quiet',
        '--disable-pip-version-check',
        `matrix-synapse==${SYNAPSE_VERSION}`,
      ],
    ],
  ] as const) {
    const run = spawnSync(program, [...args], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (run.status !== 0) throw new Error(`${program} ${args.join(' ')} failed (exit ${run.status}).`);
  }
  writeFileSync(join(venv, '.ready'), '');
  log(`Synapse ready in ${venv} (${Math.round((Date.now() - started) / 1000)} s)`);
  return python;
}

export interface RunningSynapse {
  /** `http://127.0.0.1:<port>`: the client API's base URL. */
  url: string;
  /** The homeserver's name (the `:server` part of user and room ids). */
  serverName: string;
  /** Registers a user (shared-secret registration) and logs it in with a refresh token. */
  user(name: string): Promise<MatrixLogin>;
  stop(): Promise<void>;
}

export interface MatrixLogin {
  user_id: string;
  device_id: string;
  access_token: string;
  refresh_token: string;
  expires_in_ms: number;
}

/**
 * A real Synapse on a free loopback port, SQLite in a temporary directory, registration only by
 * shared secret, access tokens that expire (so logins come with refresh tokens) and rate limits
 * raised out of the tests' way; `stop()` ends it and removes its data.
 */
export async function startSynapse(): Promise<RunningSynapse> {
  const python = synapsePython();
  const data = mkdtempSync(join(tmpdir(), 'postflow-synapse-'));
  const port = await freePort();
  const serverName = 'postflow.test';
  const config = join(data, 'homeserver.yaml');
  const unlimited = '{per_second: 1000, burst_count: 1000}';
  writeFileSync(
    config,
    [
      `server_name: "${serverName}"`,
      `pid_file: ${join(data, 'homeserver.pid')}`,
      'listeners:',
      `  - port: ${port}`,
      "    bind_addresses: ['127.0.0.1']",
      '    type: http',
      '    tls: false',
      '    resources:',
      '      - names: [client]',
      '        compress: false',
      'database:',
      '  name: sqlite3',
      '  args:',
      `    database: ${join(data, 'homeserver.db')}`,
      `media_store_path: ${join(data, 'media')}`,
      `signing_key_path: ${join(data, 'signing.key')}`,
      `registration_shared_secret: "${SHARED_SECRET}"`,
      'report_stats: false',
      'macaroon_secret_key: "postflow-test-macaroon"',
      'form_secret: "postflow-test-form"',
      'trusted_key_servers: []',
      'suppress_key_server_warning: true',
      'enable_metrics: false',
      'refreshable_access_token_lifetime: 10m',
      `rc_message: ${unlimited}`,
      `rc_login: {address: ${unlimited}, account: ${unlimited}, failed_attempts: ${unlimited}}`,
      '',
    ].join('\n'),
  );
  const keys = spawnSync(python, ['-m', 'synapse.app.homeserver', '-c', config, '--generate-keys'], {
    cwd: data,
    encoding: 'utf8',
  });
  if (keys.status !== 0) throw new Error(`synapse --generate-keys failed:\n${keys.stderr}`);
  const child = spawn(python, ['-m', 'synapse.app.homeserver', '-c', config], {
    cwd: data,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () => stopChild(child).finally(() => rmSync(data, { recursive: true, force: true }));
  const url = `http://127.0.0.1:${port}`;
  try {
    await untilServing(child, 'synapse', answers(`${url}/_matrix/client/versions`), {
      timeoutMs: 90_000,
      everyMs: 250,
    });
  } catch (err) {
    await stop();
    throw err;
  }
  return { url, serverName, user: (name) => register(python, url, name), stop };
}

/** `register_new_matrix_user` (shared secret), then a password login asking for a refresh token. */
async function register(python: string, url: string, name: string): Promise<MatrixLogin> {
  const password = `pw-${name}-postflow`;
  const script = join(python, '..', 'register_new_matrix_user');
  const run = spawnSync(script, ['-u', name, '-p', password, '--no-admin', '-k', SHARED_SECRET, url], {
    encoding: 'utf8',
  });
  if (run.status !== 0) throw new Error(`register_new_matrix_user failed:\n${run.stderr}${run.stdout}`);
  const response = await fetch(`${url}/_matrix/client/v3/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      type: 'm.login.password',
      identifier: { type: 'm.id.user', user: name },
      password,
      refresh_token: true,
    }),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as MatrixLogin;
}

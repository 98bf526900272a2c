import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ulid } from 'ulid';

/** Set by the global setup for every test file: the throwaway PostgreSQL server's admin URL. */
export const POSTGRES_URL_ENV = 'POSTFLOW_TEST_POSTGRES_URL';
/** Where that server lives, for the global teardown (which runs in the same process). */
export const POSTGRES_DIR_ENV = 'POSTFLOW_TEST_POSTGRES_DIR';

/**
 * PostgreSQL's server programs: `POSTFLOW_PG_BIN`, else Debian's `/usr/lib/postgresql/<major>/bin`
 * (the `postgresql` package, which `.ci/run` installs).
 */
function postgresBin(): string {
  if (process.env.POSTFLOW_PG_BIN) return process.env.POSTFLOW_PG_BIN;
  const root = '/usr/lib/postgresql';
  const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  const bin = majors.map((m) => join(root, m, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  if (!bin)
    throw new Error(
      'PostgreSQL server programs not found: install Debian\'s "postgresql" package (`.ci/run` does) or set POSTFLOW_PG_BIN.',
    );
  return bin;
}

export interface PostgresServer {
  url: string;
  /** The folder holding the cluster, its socket and log: `stopPostgres` needs only this. */
  dir: string;
}

/**
 * Starts a private PostgreSQL cluster in a temporary folder (trust auth, loopback only) for the
 * test run. PostgreSQL refuses to run as root, so as root it runs as the `postgres` user.
 */
export function startPostgres(port: number): PostgresServer {
  const dir = mkdtempSync(join(tmpdir(), 'postflow-pg-'));
  if (userInfo().uid === 0) {
    const ids = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(ids.stdout.trim()), Number(gid.stdout.trim()));
  }
  const data = join(dir, 'data');
  const run = (program: string, args: string[]) => runPostgresProgram(program, args, dir);
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8']);
  run('pg_ctl', [
    '-D',
    data,
    '-l',
    join(dir, 'server.log'),
    '-w',
    '-o',
    `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`,
    'start',
  ]);
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir };
}

export function stopPostgres(dir: string): void {
  runPostgresProgram('pg_ctl', ['-D', join(dir, 'data'), '-m', 'immediate', '-w', 'stop'], dir);
  rmSync(dir, { recursive: true, force: true });
}

function runPostgresProgram(program: string, args: string[], cwd: string): void {
  const path = join(postgresBin(), program);
  const asRoot = userInfo().uid === 0;
  const result = asRoot
    ? spawnSync('runuser', ['-u', 'postgres', '--', path, ...args], { encoding: 'utf8', cwd })
    : spawnSync(path, args, { encoding: 'utf8', cwd });
  if (result.status !== 0)
    throw new Error(`${program} failed (${result.status}): ${result.stderr || result.stdout}`);
}

/** A new, empty database on the test server; its URL. */
export async function freshPostgresDatabase(): Promise<string> {
  const admin = process.env[POSTGRES_URL_ENV];
  if (!admin) throw new Error(`${POSTGRES_URL_ENV} is not set: the test global setup starts PostgreSQL.`);
  const name = `postflow_${ulid().toLowerCase()}`;
  const client = new Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  return admin.replace(/\/postgres$/, `/${name}`);
}

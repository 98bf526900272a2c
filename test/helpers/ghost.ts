import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config';
import { freePort } from './ports';
import { npm } from './tools';
import { answers, stopChild, untilServing } from './child-process';

/** The Ghost the Ghost adapter is checked against: the newest 5.x, the Admin API version it is written for. */
export const GHOST_VERSION = '5.130.4';

const log = (line: string) => process.stderr.write(`[ghost] ${line}\n`);
const OWNER = { name: 'Postflow Owner', email: 'owner@example.com', password: 'kx7-Lamp-River-93z' };

/**
 * Ghost from npm in .tools, on first use (~6 min: the download, then sqlite3 built from source).
 * The `ghost` package is not installable as a dependency (it names a tarball of its own by a
 * relative path), so it is unpacked and its production dependencies installed in place, as
 * ghost-cli does, but with npm: its yarn.lock names GitHub tarballs this machine cannot fetch, its
 * `resolutions` become npm `overrides`, and peer ranges are not enforced (bookshelf's names an
 * older knex). Install scripts are skipped, since they download prebuilt binaries from GitHub;
 * sqlite3, the one native module Ghost needs for a SQLite site, is then built from source.
 */
export async function ghostHome(): Promise<string> {
  const home = join(loadConfig().toolsDir, `ghost-${GHOST_VERSION}`);
  if (existsSync(join(home, '.ready'))) return home;
  log(`Installing Ghost ${GHOST_VERSION} from npm (first run only, ~6 min)…`);
  const started = Date.now();
  rmSync(home, { recursive: true, force: true });
  const staging = mkdtempSync(join(tmpdir(), 'postflow-ghost-pack-'));
  try {
    await npm(staging, ['pack', `ghost@${GHOST_VERSION}`]);
    cpSync(staging, home, { recursive: true });
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  const untar = spawnSync('tar', ['xzf', `ghost-${GHOST_VERSION}.tgz`, '--strip-components=1'], {
    cwd: home,
  });
  if (untar.status !== 0) throw new Error(`tar could not unpack ghost-${GHOST_VERSION}.tgz: ${untar.stderr}`);
  rmSync(join(home, `ghost-${GHOST_VERSION}.tgz`));

  const manifestPath = join(home, 'package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as Record<string, Record<string, string>>;
  const overrides = Object.fromEntries(
    Object.entries(manifest.resolutions ?? {}).filter(([, version]) => !version.startsWith('file:')),
  );
  delete manifest.devDependencies;
  delete manifest.resolutions;
  writeFileSync(manifestPath, JSON.stringify({ ...manifest, overrides }, null, 2));

  log('Installing its dependencies…');
  await npm(home, ['install', '--omit=dev', '--legacy-peer-deps', '--ignore-scripts']);
  log('Building sqlite3 from source…');
  await npm(home, ['rebuild', 'sqlite3'], { ...process.env, JOBS: '2' });
  const loads = spawnSync(process.execPath, ['-e', "require('sqlite3')"], { cwd: home, encoding: 'utf8' });
  if (loads.status !== 0) throw new Error(`Ghost's sqlite3 does not load:\n${loads.stderr}`);
  writeFileSync(join(home, '.ready'), '');
  log(`Ghost ready in ${home} (${Math.round((Date.now() - started) / 1000)} s)`);
  return home;
}

export interface RunningGhost {
  /** `http://127.0.0.1:<port>`: the site's address, and its Admin API's `admin_url`. */
  url: string;
  /** A custom integration's Admin API key (`<id>:<secret>`), as an account holds it. */
  adminApiKey: string;
  stop(): Promise<void>;
}

/**
 * A real Ghost on a free loopback port (development mode: SQLite in a temporary directory, which
 * also holds its content), its owner set up and a custom integration made through the Admin API
 * (as Ghost Admin does it: owner setup, a session, `POST /integrations/`); `stop()` ends it and
 * removes its data.
 */
export async function startGhost(): Promise<RunningGhost> {
  const home = await ghostHome();
  const data = mkdtempSync(join(tmpdir(), 'postflow-ghost-'));
  cpSync(join(home, 'content'), join(data, 'content'), { recursive: true }); // the default theme
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, ['index.js'], {
    cwd: home,
    stdio: ['ignore', 'pipe', 'pipe'],
    // Ghost's configuration from the environment (nconf, `__` between levels).
    env: {
      ...process.env,
      NODE_ENV: 'development',
      url,
      server__host: '127.0.0.1',
      server__port: String(port),
      database__client: 'sqlite3',
      database__connection__filename: join(data, 'ghost.db'),
      paths__contentPath: join(data, 'content'),
      // A new session would wait for a code sent by email otherwise.
      security__staffDeviceVerification: 'false',
      privacy__useUpdateCheck: 'false',
      logging__level: 'warn',
    },
  });
  const stop = () => stopChild(child).finally(() => rmSync(data, { recursive: true, force: true }));
  try {
    await untilServing(child, 'ghost', answers(`${url}/ghost/api/admin/site/`), {
      timeoutMs: 120_000,
      everyMs: 500,
    });
    return { url, adminApiKey: await integrationKey(url), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** Sets the site up (its owner), signs in and makes a custom integration: its Admin API key. */
async function integrationKey(url: string): Promise<string> {
  const admin = `${url}/ghost/api/admin`;
  // Ghost's session checks each request's Origin against the one it signed in from.
  const headers: Record<string, string> = { 'content-type': 'application/json', origin: url };
  const send = async (path: string, body: unknown): Promise<Response> =>
    fetch(`${admin}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const ok = async (response: Response, what: string) => {
    if (!response.ok) throw new Error(`${what}: ${response.status} ${await response.text()}`);
    return response;
  };
  await ok(
    await send('/authentication/setup/', { setup: [{ ...OWNER, blogTitle: 'Postflow tests' }] }),
    'setup',
  );
  const session = await ok(
    await send('/session/', { username: OWNER.email, password: OWNER.password }),
    'sign-in',
  );
  headers.cookie = session.headers
    .getSetCookie()
    .map((cookie) => cookie.split(';')[0])
    .join('; ');
  // Now and then the first request after signing in is refused (403, "Unable to determine the
  // authenticated user"), the next one not: it is asked again, for at most 10 s.
  let made = await send('/integrations/?include=api_keys', { integrations: [{ name: 'Postflow' }] });
  for (let tries = 1; made.status === 403 && tries < 20; tries++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    made = await send('/integrations/?include=api_keys', { integrations: [{ name: 'Postflow' }] });
  }
  const { integrations } = (await (await ok(made, 'new integration')).json()) as {
    integrations: Array<{ api_keys: Array<{ type: string; secret: string }> }>;
  };
  // The Admin API serves an admin key's secret as the whole key, `<id>:<secret>`.
  const key = integrations[0]?.api_keys.find((k) => k.type === 'admin')?.secret;
  if (!key) throw new Error(`the new integration has no Admin API key: ${JSON.stringify(integrations)}`);
  return key;
}

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../runtime/config';
import { freePort } from './ports';
import { stopChild } from './child-process';

const log = (line: string) => process.stderr.write(`[wordpress] ${line}\n`);

/** Debian's packages the real WordPress runs on (`.ci/run` installs them up front). */
const DEBIAN_PACKAGES = ['wordpress', 'php-cli', 'php-mysql', 'mariadb-server'];
const DEBIAN_WORDPRESS = '/usr/share/wordpress';
const ADMIN = { user: 'postflow', password: 'postflow-test-admin', email: 'admin@postflow.test' };

/**
 * Debian's `wordpress`, PHP and MariaDB, installed with apt-get when any is missing (the first run
 * on a fresh machine: about half a minute here, apt's progress is printed). As root, or through sudo.
 */
function ensureDebianPackages(): void {
  const missing = !has('php') || !has('mariadbd') || !existsSync(join(DEBIAN_WORDPRESS, 'wp-load.php'));
  if (!missing) return;
  log(`Installing Debian's ${DEBIAN_PACKAGES.join(', ')} with apt-get (first run only)…`);
  const started = Date.now();
  const sudo = process.getuid?.() === 0 ? [] : ['sudo'];
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['apt-get', 'update', '-qq'],
    ['apt-get', 'install', '-y', '-q', '--no-install-recommends', ...DEBIAN_PACKAGES],
  ]) {
    const [program, ...rest] = [...sudo, ...args];
    const run = spawnSync(program!, rest, { env, stdio: ['ignore', 2, 'inherit'] });
    if (run.status !== 0) throw new Error(`${args.join(' ')} failed (exit ${run.status}).`);
  }
  log(`Debian packages installed (${Math.round((Date.now() - started) / 1000)} s)`);
}

const has = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;

/**
 * WordPress's files in .tools, copied from Debian's package on first use (symlinks followed, so the
 * copy is self-contained), with the helper's own PHP: a `wp-config.php` that takes the database and
 * the site's address from the environment (each run has its own), a router for PHP's built-in
 * server and the install script. Those three are written on every call, so a change to them here
 * takes effect without a new copy.
 */
export function wordpressDir(): string {
  ensureDebianPackages();
  const version = /\$wp_version = '([^']+)'/.exec(
    readFileSync(join(DEBIAN_WORDPRESS, 'wp-includes', 'version.php'), 'utf8'),
  )?.[1];
  const dir = join(loadConfig().toolsDir, `wordpress-${version ?? 'debian'}`);
  if (!existsSync(join(dir, '.ready'))) {
    log(`Copying WordPress ${version} from ${DEBIAN_WORDPRESS} into ${dir} (first run only)…`);
    // Copied aside and renamed into place: a run stopped halfway leaves no half copy behind.
    const staging = `${dir}.copying-${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    cpSync(DEBIAN_WORDPRESS, staging, { recursive: true, dereference: true });
    writeFileSync(join(staging, '.ready'), '');
    rmSync(dir, { recursive: true, force: true });
    renameSync(staging, dir);
    log(`WordPress ready in ${dir}`);
  }
  for (const [name, text] of [
    ['wp-config.php', WP_CONFIG],
    ['postflow-router.php', ROUTER],
    ['postflow-install.php', INSTALL],
  ] as const) {
    const file = join(dir, name);
    if (!existsSync(file) || readFileSync(file, 'utf8') !== text) writeFileSync(file, text);
  }
  return dir;
}

/** Every run's database and address come from the environment PHP is started with. */
const WP_CONFIG = `<?php
// Written by Postflow's test helper (test/helpers/wordpress.ts): one site per test run.
define('DB_NAME', 'wordpress');
define('DB_USER', 'root');
define('DB_PASSWORD', '');
define('DB_HOST', 'localhost:' . getenv('TEST_WORDPRESS_DB_SOCKET'));
define('DB_CHARSET', 'utf8mb4');
define('DB_COLLATE', '');
define('WP_HOME', getenv('TEST_WORDPRESS_URL'));
define('WP_SITEURL', getenv('TEST_WORDPRESS_URL'));
// Application passwords need HTTPS, except on a site whose environment is 'local'.
define('WP_ENVIRONMENT_TYPE', 'local');
define('AUTOMATIC_UPDATER_DISABLED', true);
define('WP_HTTP_BLOCK_EXTERNAL', true);
define('DISABLE_WP_CRON', true);
foreach (['AUTH_KEY', 'SECURE_AUTH_KEY', 'LOGGED_IN_KEY', 'NONCE_KEY', 'AUTH_SALT', 'SECURE_AUTH_SALT', 'LOGGED_IN_SALT', 'NONCE_SALT'] as $key) {
  define($key, 'postflow-test-' . $key);
}
$table_prefix = 'wp_';
if (!defined('ABSPATH')) define('ABSPATH', __DIR__ . '/');
require_once ABSPATH . 'wp-settings.php';
`;

/**
 * Pretty permalinks on PHP's built-in server: files as they are, uploads from the run's folder,
 * every other path to index.php.
 */
const ROUTER = `<?php
$path = parse_url($_SERVER['REQUEST_URI'], PHP_URL_PATH);
if ($path !== '/' && is_file(__DIR__ . $path)) return false;
if (str_starts_with($path, '/uploads/') && !str_contains($path, '..')) {
  $file = getenv('TEST_WORDPRESS_UPLOADS') . substr($path, strlen('/uploads'));
  if (is_file($file)) {
    header('Content-Type: ' . mime_content_type($file));
    readfile($file);
    return true;
  }
}
$_SERVER['SCRIPT_NAME'] = '/index.php';
$_SERVER['SCRIPT_FILENAME'] = __DIR__ . '/index.php';
require __DIR__ . '/index.php';
`;

/**
 * Installs the site (wp_install, as the installer's second step does), turns on pretty permalinks,
 * keeps uploads in the run's folder (served at /uploads) and prints, as JSON, the administrator's
 * id and an application password of theirs.
 */
const INSTALL = `<?php
define('WP_INSTALLING', true);
$_SERVER['HTTP_HOST'] = parse_url(getenv('TEST_WORDPRESS_URL'), PHP_URL_HOST) . ':' . parse_url(getenv('TEST_WORDPRESS_URL'), PHP_URL_PORT);
require __DIR__ . '/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
[, $title, $user, $password, $email] = $argv;
$result = wp_install($title, $user, $email, true, '', wp_slash($password));
update_option('permalink_structure', '/%postname%/');
update_option('upload_path', getenv('TEST_WORDPRESS_UPLOADS'));
update_option('upload_url_path', getenv('TEST_WORDPRESS_URL') . '/uploads');
flush_rewrite_rules();
[$application_password] = WP_Application_Passwords::create_new_application_password($result['user_id'], ['name' => 'postflow']);
echo json_encode(['user_id' => $result['user_id'], 'application_password' => $application_password]);
`;

export interface RunningWordPress {
  /** `http://127.0.0.1:<port>`: the site's address (its REST API at /wp-json). */
  url: string;
  /** The administrator's login name. */
  username: string;
  /** An application password of the administrator, as WordPress shows it (groups of four). */
  applicationPassword: string;
  /** The administrator's user id. */
  userId: number;
  stop(): Promise<void>;
}

/**
 * A real WordPress: a private MariaDB (its own data folder, a unix socket, no network) and PHP's
 * built-in server on a free loopback port, installed afresh with an administrator who has an
 * application password; `stop()` ends both and removes their data.
 */
export async function startWordPress(): Promise<RunningWordPress> {
  const site = wordpressDir();
  const data = mkdtempSync(join(tmpdir(), 'postflow-wordpress-'));
  const processes: ChildProcess[] = [];
  const stop = async () => {
    for (const child of processes.reverse()) await stopChild(child, { group: true });
    rmSync(data, { recursive: true, force: true });
  };
  try {
    const socket = join(data, 'mariadb.sock');
    await startMariaDb(data, socket, processes);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const uploads = join(data, 'uploads');
    mkdirSync(uploads);
    const env = {
      ...process.env,
      TEST_WORDPRESS_DB_SOCKET: socket,
      TEST_WORDPRESS_URL: url,
      TEST_WORDPRESS_UPLOADS: uploads,
    };
    const install = spawnSync(
      'php',
      [join(site, 'postflow-install.php'), 'Postflow test site', ADMIN.user, ADMIN.password, ADMIN.email],
      { cwd: site, env, encoding: 'utf8' },
    );
    const installed = /\{.*\}\s*$/.exec(install.stdout ?? '')?.[0];
    if (install.status !== 0 || !installed)
      throw new Error(`WordPress install failed (${install.status}):\n${install.stderr}${install.stdout}`);
    const { user_id: userId, application_password: applicationPassword } = JSON.parse(installed) as {
      user_id: number;
      application_password: string;
    };
    const php = spawn('php', ['-S', `127.0.0.1:${port}`, '-t', site, join(site, 'postflow-router.php')], {
      cwd: site,
      env: { ...env, PHP_CLI_SERVER_WORKERS: '2' },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group: the server forks its workers, which stop with it
    });
    processes.push(php);
    await ready(php, `${url}/wp-json/`, 'php -S');
    return { url, username: ADMIN.user, applicationPassword, userId, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** A MariaDB server of the run's own (root without a password, socket only), with the site's database. */
async function startMariaDb(data: string, socket: string, processes: ChildProcess[]): Promise<void> {
  const datadir = join(data, 'mariadb');
  const init = spawnSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      '--user=root',
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
    ],
    { encoding: 'utf8' },
  );
  if (init.status !== 0) throw new Error(`mariadb-install-db failed:\n${init.stderr}${init.stdout}`);
  const server = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--socket=${socket}`,
      `--pid-file=${join(data, 'mariadb.pid')}`,
      '--skip-networking',
      '--user=root',
      '--innodb-flush-log-at-trx-commit=0',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
  );
  processes.push(server);
  const output: string[] = [];
  server.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  server.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (server.exitCode !== null)
      throw new Error(`mariadbd exited (${server.exitCode}):\n${output.join('').slice(-3000)}`);
    const create = spawnSync(
      'mariadb',
      ['--no-defaults', `--socket=${socket}`, '-uroot', '-e', 'CREATE DATABASE IF NOT EXISTS wordpress'],
      { encoding: 'utf8' },
    );
    if (create.status === 0) return;
    if (Date.now() > deadline)
      throw new Error(`mariadbd did not start in 60 s:\n${output.join('').slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Resolves once `url` answers; rejects with the process's output if it exits first. */
async function ready(child: ChildProcess, url: string, name: string): Promise<void> {
  const output: string[] = [];
  child.stdout!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => output.push(chunk.toString()));
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`${name} exited (${child.exitCode}):\n${output.join('').slice(-3000)}`);
    const up = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (up) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${name} did not answer in 30 s:\n${output.join('').slice(-3000)}`);
}

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_NODE_FLAGS } from '../../runtime/api-node-flags';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../../runtime/worker-process';
import { projectRoot } from '../../runtime/config';
import { type DevServer, startDevServer } from '../../runtime/dev-server';
import { POST_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { freshPostgresDatabase } from '../helpers/postgres';
import { freePort } from '../helpers/ports';
import { temporalCli } from '../helpers/tools';

/**
 * The process files people deploy with (Procfile, the systemd units and their environment file)
 * run as documented: each command starts its process against a Temporal server and a shared
 * PostgreSQL store, the processes publish a post together, and SIGTERM stops them cleanly.
 */
const root = projectRoot();
const read = (path: string) => readFileSync(join(root, path), 'utf8');

/** `name: command` lines of the Procfile. */
function procfile(): Record<string, string> {
  return Object.fromEntries(
    read('Procfile')
      .split('\n')
      .filter((line) => /^[a-z][\w-]*:\s/.test(line))
      .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trim()]),
  );
}

/** A systemd unit's `[Service]` settings. */
function unit(name: string): Record<string, string> {
  return Object.fromEntries(
    read(`deploy/systemd/${name}`)
      .split('\n')
      .filter((line) => /^[A-Z]\w*=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
}

/** The example environment file, with this test's own values where the example has placeholders. */
function environment(overrides: Record<string, string>): Record<string, string> {
  const example = Object.fromEntries(
    read('deploy/postflow.env.example')
      .split('\n')
      .filter((line) => /^[A-Z_]+=/.test(line))
      .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
  );
  const env = { ...example, ...overrides };
  delete env.POSTFLOW_S3_BUCKET; // media on disk in this test; the S3 path has its own suite
  return env;
}

let temporal: DevServer;
let env: Record<string, string>;
let apiUrl: string;
const apiKey = `sapi_key_${randomBytes(31).toString('hex')}`;
const running: ChildProcess[] = [];
const outputs = new Map<ChildProcess, string[]>();

/** Resolves once a started process has printed a line matching `pattern`. */
async function printed(child: ChildProcess, pattern: RegExp): Promise<void> {
  while (!pattern.test(outputs.get(child)!.join(''))) await new Promise((r) => setTimeout(r, 200));
}

beforeAll(async () => {
  const home = mkdtempSync(join(tmpdir(), 'postflow-deploy-'));
  const port = await freePort();
  temporal = await startDevServer({
    binary: await temporalCli(),
    port: await freePort(),
    searchAttributes: POST_SEARCH_ATTRIBUTES,
  });
  apiUrl = `http://127.0.0.1:${port}`;
  env = environment({
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    DATABASE_URL: await freshPostgresDatabase(),
    POSTFLOW_SECRET_KEY: randomBytes(32).toString('base64'),
    POSTFLOW_HOME: home,
    POSTFLOW_HOST: '127.0.0.1',
    POSTFLOW_PORT: String(port),
    POSTFLOW_PUBLIC_URL: apiUrl,
    POSTFLOW_API_KEY: apiKey,
  });
});

afterAll(async () => {
  await Promise.all(running.map((child) => stop(child)));
  await temporal?.stop();
});

/** Runs a process file's command line as the runner would (a shell in the install folder). */
function start(command: string, ready: RegExp, extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn('sh', ['-c', `exec ${command}`], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  const output: string[] = [];
  outputs.set(child, output);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`"${command}" did not start:\n${output.join('')}`)),
      60_000,
    );
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      if (ready.test(output.join(''))) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`"${command}" exited with ${code}:\n${output.join('')}`)));
  });
}

function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: response.status, body: (await response.json()) as any };
}

test('the Procfile and the systemd units start workers and an API that publish together, and stop on SIGTERM', async () => {
  const processes = procfile();
  expect(Object.keys(processes).sort()).toEqual(['api', 'worker']);
  const workerUnit = unit('postflow-worker.service');
  const apiUnit = unit('postflow-api.service');
  expect(workerUnit).toMatchObject({ EnvironmentFile: '/etc/postflow/postflow.env', KillSignal: 'SIGTERM' });
  expect(apiUnit.ExecStart).toContain(
    `node ${API_NODE_FLAGS.join(' ')} /opt/postflow/dist/cli/postflow.js api`,
  );
  expect(processes.api).toBe(`node ${API_NODE_FLAGS.join(' ')} dist/cli/postflow.js api`);
  // The worker's memory settings (runtime/worker-process.ts), in both files.
  const workerEnv = Object.entries(WORKER_ENV).map(([name, value]) => `${name}=${value}`);
  expect(workerUnit.Environment).toBe(workerEnv.join(' '));
  expect(workerUnit.ExecStart).toBe(
    `/usr/bin/env node ${WORKER_NODE_FLAGS.join(' ')} /opt/postflow/dist/cli/postflow.js worker`,
  );
  expect(processes.worker).toBe(
    `env ${workerEnv.join(' ')} node ${WORKER_NODE_FLAGS.join(' ')} dist/cli/postflow.js worker`,
  );

  const worker = await start(processes.worker!, /Worker polling/);
  // A second worker as systemd runs it, from the unit's ExecStart in this checkout.
  const systemdWorker = await start(
    workerUnit.ExecStart!.replaceAll('/opt/postflow', root),
    /Worker polling/,
  );
  const api = await start(processes.api!, /HTTP API on/);

  const account = await call('POST', '/v1/accounts', { platform: 'sandbox', name: 'deployed' });
  expect(account.status).toBe(201);
  const post = await call('POST', '/v1/posts', { account_ids: [account.body.id], text: 'from the Procfile' });
  expect(post.status).toBe(201);
  expect(post.body).toMatchObject({ status: 'published' });

  expect(await stop(api)).toBe(0);
  expect(await stop(worker)).toBe(0);
  expect(await stop(systemdWorker)).toBe(0);
});

test("the platform worker template serves its platform's own queue", async () => {
  const platformUnit = unit('postflow-platform-worker@.service');
  expect(platformUnit).toMatchObject({
    EnvironmentFile: '/etc/postflow/postflow.env',
    KillSignal: 'SIGTERM',
    // The worker's memory settings (runtime/worker-process.ts), as in the main worker's unit.
    Environment: Object.entries(WORKER_ENV)
      .map(([name, value]) => `${name}=${value}`)
      .join(' '),
  });
  expect(platformUnit.ExecStart).toContain(`node ${WORKER_NODE_FLAGS.join(' ')} /opt/postflow`);
  // systemd puts the instance name (after the @) where the unit says %i.
  const command = platformUnit.ExecStart!.replaceAll('/opt/postflow', root).replaceAll('%i', 'sandbox');

  const general = await start(procfile().worker!, /Worker polling/);
  // A 10 s sync wait (30 s by default) is ample for the routed post to answer published, and the
  // queued post below answers publishing once it has run out: the test waits it out in full.
  const api = await start(procfile().api!, /HTTP API on/, {
    POSTFLOW_PLATFORM_QUEUES: 'sandbox',
    POSTFLOW_SYNC_WAIT_MS: '10000',
  });
  // No worker polls the sandbox's queue yet: the API says so, with the command that fixes it.
  await printed(
    api,
    /No worker polls task queue \\?"postflow-sandbox\\?".*postflow worker --platforms sandbox/,
  );

  const sandboxWorker = await start(command, /Worker polling task queue \\?"postflow-sandbox\\?"/);
  const account = await call('POST', '/v1/accounts', { platform: 'sandbox', name: 'routed' });
  const post = await call('POST', '/v1/posts', {
    account_ids: [account.body.id],
    text: 'through its own queue',
  });
  expect(post.status).toBe(201);
  expect(post.body).toMatchObject({ status: 'published' });

  // Without the platform worker, nothing serves postflow-sandbox: a new post waits.
  expect(await stop(sandboxWorker)).toBe(0);
  const waiting = await call('POST', '/v1/posts', { account_ids: [account.body.id], text: 'queued' });
  expect(waiting.body.status).toBe('publishing');

  expect(await stop(api)).toBe(0);
  expect(await stop(general)).toBe(0);
});

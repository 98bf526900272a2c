import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { projectRoot } from '../../runtime/config';
import { inMinutes } from '../helpers/fixtures';
import { freshPostgresDatabase, POSTGRES_URL_ENV } from '../helpers/postgres';
import { freePort } from '../helpers/ports';
import { freshNamespace, TemporalCluster } from '../helpers/temporal-cluster';

/**
 * The production layout on a production-shaped Temporal: the real Temporal server with
 * PostgreSQL persistence and SQL visibility (test/helpers/temporal-cluster.ts), two
 * `postflow worker` and two `postflow api` processes, and one PostgreSQL store they share.
 */
jest.setTimeout(300_000);

const apiKey = `sapi_key_${randomBytes(31).toString('hex')}`;
const cli = join(projectRoot(), 'dist', 'cli', 'postflow.js');
let cluster: TemporalCluster;
let namespace: string;
let env: Record<string, string>;
let temporal: { connection: Connection; client: Client };
const apis: string[] = [];
const workers: ChildProcess[] = [];
const running: ChildProcess[] = [];
const output: string[] = [];

beforeAll(async () => {
  const postgresUrl = process.env[POSTGRES_URL_ENV];
  if (!postgresUrl)
    throw new Error(`${POSTGRES_URL_ENV} is not set: the jest global setup starts PostgreSQL.`);
  cluster = await TemporalCluster.start({ postgresUrl });
  namespace = freshNamespace();
  await cluster.createNamespace(namespace);
  env = {
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: namespace,
    DATABASE_URL: await freshPostgresDatabase(),
    POSTFLOW_SECRET_KEY: randomBytes(32).toString('base64'),
    POSTFLOW_HOME: mkdtempSync(join(tmpdir(), 'postflow-topology-')),
    POSTFLOW_API_KEY: apiKey,
    POSTFLOW_TASK_QUEUE: 'postflow',
    // Answer at once, so posts are still running when a worker is killed.
    POSTFLOW_SYNC_WAIT_MS: '0',
  };
  const ports = [await freePort(), await freePort()];
  const started = await Promise.all([
    start('worker-1', ['worker'], /Worker polling/),
    start('worker-2', ['worker'], /Worker polling/),
    ...ports.map((port, i) =>
      start(`api-${i + 1}`, ['api'], /HTTP API on/, {
        POSTFLOW_PORT: String(port),
        POSTFLOW_PUBLIC_URL: `http://127.0.0.1:${port}`,
      }),
    ),
  ]);
  workers.push(started[0], started[1]);
  apis.push(...ports.map((port) => `http://127.0.0.1:${port}`));
  const connection = await Connection.connect({ address: cluster.address });
  temporal = { connection, client: new Client({ connection, namespace }) };
});

afterAll(async () => {
  await temporal?.connection.close();
  await Promise.all(running.map((child) => stop(child)));
  await cluster?.destroy();
});

/** Starts `postflow <args>` against the cluster and the shared store; resolves when it prints `ready`. */
function start(label: string, args: string[], ready: RegExp, extra: Record<string, string> = {}) {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env, ...extra },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  return new Promise<ChildProcess>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start:\n${logs()}`)), 90_000);
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
        output.push(`[${label}] ${line}`);
        if (output.length > 300) output.shift();
        if (ready.test(line)) {
          clearTimeout(timer);
          resolve(child);
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code}:\n${logs()}`));
    });
  });
}

const logs = () => `${output.slice(-80).join('\n')}\n--- Temporal server ---\n${cluster?.logTail(20) ?? ''}`;

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  return exited;
}

async function call(api: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${api}${path}`, {
    method,
    headers: { authorization: `Bearer ${apiKey}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as any };
}

async function settled(api: string, id: string, timeoutMs = 240_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await call(api, 'GET', `/v1/posts/${id}`);
    if (status === 200 && !['scheduled', 'publishing', 'draft'].includes(body.status)) return body;
    if (Date.now() > deadline)
      throw new Error(`post ${id} did not settle: ${JSON.stringify(body)}\n${logs()}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Waits until some post has a publish step running on a worker; that worker's pid. */
async function workerRunningAStep(postIds: string[]): Promise<{ pid: number; postId: string }> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    for (const postId of postIds) {
      const described = await temporal.client.workflow.getHandle(postId).describe();
      for (const activity of described.raw.pendingActivities ?? []) {
        const identity = activity.lastWorkerIdentity ?? '';
        // 2 = PENDING_ACTIVITY_STATE_STARTED; the SDK's default identity is `<pid>@<host>`.
        if (activity.state === 2 && /^\d+@/.test(identity))
          return { pid: Number(identity.split('@')[0]), postId };
      }
    }
    if (Date.now() > deadline) throw new Error(`no publish step started:\n${logs()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The pids of the workers that completed workflow tasks or activities of a post. */
async function workerPidsIn(postId: string): Promise<Set<number>> {
  const history = await temporal.client.workflow.getHandle(postId).fetchHistory();
  const pids = new Set<number>();
  for (const event of history.events ?? []) {
    const identity =
      event.workflowTaskCompletedEventAttributes?.identity ??
      event.activityTaskStartedEventAttributes?.identity ??
      undefined;
    if (identity && /^\d+@/.test(identity)) pids.add(Number(identity.split('@')[0]));
  }
  return pids;
}

test('posts made through two API processes are read through the other and published exactly once by two workers, one killed with SIGKILL mid-run', async () => {
  const [api1, api2] = apis;
  const accounts: string[] = [];
  for (const [i, name] of ['north', 'south', 'east'].entries()) {
    const made = await call(apis[i % 2], 'POST', '/v1/accounts', { platform: 'sandbox', name });
    expect(made.status).toBe(201);
    accounts.push(made.body.id);
  }
  // Accounts live in the shared store: each API lists the other's.
  for (const api of [api1, api2]) {
    const listed = await call(api, 'GET', '/v1/accounts');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(accounts[2]);
  }

  // Alternate APIs; every fourth post is scheduled to fire after the kill below.
  const posts: Array<{ id: string; targets: string[]; scheduled: boolean }> = [];
  for (let i = 0; i < 8; i++) {
    const scheduled = i % 4 === 3;
    const targets = i % 2 === 0 ? accounts : accounts.slice(0, 2);
    const made = await call(apis[i % 2], 'POST', '/v1/posts', {
      account_ids: targets,
      text: `topology post ${i}`,
      // The sandbox records the post, then answers after this delay: a kill can land in between.
      platform_options: { sandbox: { latency_ms: 3_000 } },
      ...(scheduled ? { scheduled_at: inMinutes(0.75) } : {}),
    });
    expect(made.status).toBe(201);
    expect(made.body.status).toBe(scheduled ? 'scheduled' : 'publishing');
    const readBack = await call(apis[(i + 1) % 2], 'GET', `/v1/posts/${made.body.id}`);
    expect(readBack.status).toBe(200);
    expect(readBack.body).toMatchObject({ id: made.body.id, text: `topology post ${i}` });
    posts.push({ id: made.body.id, targets, scheduled });
  }

  // Kill whichever worker is running a publish step right now.
  const { pid: victimPid, postId: interrupted } = await workerRunningAStep(
    posts.filter((p) => !p.scheduled).map((p) => p.id),
  );
  const victim = workers.find((w) => w.pid === victimPid);
  const survivor = workers.find((w) => w.pid !== victimPid)!;
  expect(victim).toBeDefined();
  const killed = new Promise((resolve) => victim!.once('exit', resolve));
  victim!.kill('SIGKILL');
  await killed;

  for (const [i, post] of posts.entries()) {
    const final = await settled(apis[(i + 1) % 2], post.id);
    expect(final.status).toBe('published');
    for (const accountId of post.targets) {
      const ledger = await call(apis[i % 2], 'GET', `/v1/sandbox/${accountId}/posts`);
      const made = (ledger.body.data as any[]).filter((p) => p.post_id === post.id);
      expect(made).toHaveLength(1);
      expect(final.results.find((r: any) => r.account_id === accountId).platform_post_id).toBe(
        made[0].platform_post_id,
      );
    }
  }

  // The killed worker was running a step of `interrupted`; the survivor finished that post and
  // published the scheduled posts, which fired after the kill.
  expect(await workerPidsIn(interrupted)).toContain(survivor.pid);
  for (const post of posts.filter((p) => p.scheduled))
    expect(await workerPidsIn(post.id)).toContain(survivor.pid);
  // Listing goes through SQL visibility (updated moments after the post settles): both APIs list
  // all eight posts as published.
  for (const api of [api1, api2]) {
    const deadline = Date.now() + 60_000;
    let ids: string[] = [];
    while (Date.now() < deadline) {
      const listed = await call(api, 'GET', '/v1/posts?status=published&limit=50');
      expect(listed.status).toBe(200);
      ids = (listed.body.data as any[]).map((p) => p.id);
      if (posts.every((post) => ids.includes(post.id))) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(new Set(ids)).toEqual(new Set(posts.map((post) => post.id)));
  }
});

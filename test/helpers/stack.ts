import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { API_NODE_FLAGS } from '../../runtime/api-node-flags';
import { WORKER_ENV, WORKER_NODE_FLAGS } from '../../runtime/worker-process';
import { projectRoot } from '../../runtime/config';
import { type DevServer, startDevServer } from '../../runtime/dev-server';
import { POST_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { freshPostgresDatabase } from './postgres';
import { freePort } from './ports';
import { freshNamespace, TEMPORAL_CLUSTER_HOME_ENV, TemporalCluster } from './temporal-cluster';
import { temporalCli } from './tools';

export { freePort } from './ports';

export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

/**
 * `POSTFLOW_TEST_TEMPORAL=cluster`: stacks run against the production-shaped Temporal server the
 * jest global setup starts (PostgreSQL persistence, SQL visibility), each in its own namespace.
 */
export const clusterMode = () => process.env.POSTFLOW_TEST_TEMPORAL === 'cluster';

/**
 * The whole Postflow stack as a user runs it, in separate processes: a Temporal dev server with
 * its SQLite file (or, in cluster mode, a fresh namespace on the shared Temporal cluster),
 * `postflow worker` and `postflow api` (the built CLI), all on free ports.
 */
export class Stack {
  readonly apiKey = `sapi_key_${'0123456789abcdef'.repeat(4).slice(0, 62)}`;
  readonly home = mkdtempSync(join(tmpdir(), 'postflow-stack-'));
  temporal!: DevServer;
  temporalPort!: number;
  apiPort!: number;
  worker?: ChildProcess;
  api?: ChildProcess;
  client!: Client;
  /** The Temporal namespace the processes and `client` use: `default` on the dev server. */
  namespace = 'default';
  /** In cluster mode, the shared cluster (its server is restarted by `temporal.stop()` + `startTemporal()`). */
  cluster?: TemporalCluster;
  private readonly output: string[] = [];
  /** Every process this stack started, so none outlives it. */
  private readonly spawned: ChildProcess[] = [];

  private readonly extraEnv: Record<string, string>;

  constructor(extraEnv: Record<string, string> = {}) {
    this.extraEnv = { ...extraEnv };
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  /** Starts everything; if any part fails, stops the parts already running before rethrowing. */
  async start(): Promise<this> {
    try {
      // `POSTFLOW_TEST_DATABASE=postgres` runs the stack on a new PostgreSQL database instead of SQLite.
      if (process.env.POSTFLOW_TEST_DATABASE === 'postgres' && !this.extraEnv.DATABASE_URL) {
        this.extraEnv.DATABASE_URL = await freshPostgresDatabase();
      }
      if (clusterMode()) {
        const home = process.env[TEMPORAL_CLUSTER_HOME_ENV];
        if (!home)
          throw new Error(
            `${TEMPORAL_CLUSTER_HOME_ENV} is not set: the jest global setup starts the cluster.`,
          );
        this.cluster = TemporalCluster.attach(home);
        this.namespace = freshNamespace();
        this.extraEnv.TEMPORAL_NAMESPACE = this.namespace;
      } else {
        this.temporalPort = await freePort();
      }
      this.apiPort = await freePort();
      await this.startTemporal();
      if (this.cluster) await this.cluster.createNamespace(this.namespace);
      await Promise.all([this.startWorker(), this.startApi()]);
      const connection = await Connection.connect({ address: this.temporal.address });
      this.client = new Client({ connection, namespace: this.namespace });
      return this;
    } catch (err) {
      await this.stop().catch(() => undefined);
      throw err;
    }
  }

  async startTemporal(): Promise<void> {
    if (this.cluster) {
      const cluster = this.cluster;
      await cluster.startServer();
      this.temporalPort = Number(cluster.address.split(':').pop());
      this.temporal = {
        address: cluster.address,
        // Another process may have started the server: only its pid is known (the bench reads it).
        process: { pid: cluster.pid } as DevServer['process'],
        stop: () => cluster.stopServer(),
      };
      return;
    }
    this.temporal = await startDevServer({
      binary: await temporalCli(),
      dbFile: join(this.home, 'temporal.db'),
      port: this.temporalPort,
      searchAttributes: POST_SEARCH_ATTRIBUTES,
    });
  }

  async startWorker(): Promise<void> {
    this.worker = await this.spawnNode(
      [...WORKER_NODE_FLAGS, this.cli, 'worker'],
      'worker',
      /Worker polling/,
      {
        ...WORKER_ENV,
      },
    );
  }

  async startApi(): Promise<void> {
    this.api = await this.spawnNode([...API_NODE_FLAGS, this.cli, 'api'], 'api', /HTTP API on/);
  }

  /** Runs a `postflow` CLI command against this stack's store (e.g. `keys create`); its stdout. */
  runCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const run = spawnSync(process.execPath, [this.cli, ...args], {
      env: { ...process.env, POSTFLOW_HOME: this.home, ...this.extraEnv },
      encoding: 'utf8',
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  }

  /** A new API key of another user, with every scope. */
  keyForUser(userId: string): string {
    const run = this.runCli('keys', 'create', '--user', userId, '--name', 'test');
    if (run.status !== 0) throw new Error(`keys create failed: ${run.stderr}`);
    return (JSON.parse(run.stdout) as { key: string }).key;
  }

  /** The built `postflow` CLI. */
  get cli(): string {
    return join(projectRoot(), 'dist', 'cli', 'postflow.js');
  }

  /** Kills the worker process abruptly (SIGKILL) or asks it to stop (SIGTERM); resolves on exit. */
  async stopWorker(signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
    return stopProcess(this.worker, signal);
  }

  async request<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<HttpResponse<T>> {
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.apiKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  }

  /** Uploads a file through `POST /v1/media/upload`; its media id. */
  async upload(bytes: Buffer, contentType: string, filename: string): Promise<string> {
    const form = new FormData();
    form.set('file', new Blob([bytes], { type: contentType }), filename);
    const response = await fetch(`${this.baseUrl}/v1/media/upload`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.apiKey}` },
      body: form,
    });
    const body = await response.text();
    if (response.status !== 201) throw new Error(`upload failed: ${response.status} ${body}`);
    return (JSON.parse(body) as { media_id: string }).media_id;
  }

  async createSandboxAccount(name = 'Sandbox'): Promise<string> {
    const { status, body } = await this.request('POST', '/v1/accounts', { platform: 'sandbox', name });
    if (status !== 201) throw new Error(`account creation failed: ${status} ${JSON.stringify(body)}`);
    return body.id;
  }

  /** Polls GET /v1/posts/{id} until `done` holds (for posts that settle after the response). */
  async waitForPost(
    id: string,
    done: (post: any) => boolean = (p) => !['scheduled', 'publishing', 'draft'].includes(p.status),
    timeoutMs = 90_000,
  ) {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { status, body } = await this.request('GET', `/v1/posts/${id}`);
      if (status === 200 && done(body)) return body;
      if (Date.now() > deadline)
        throw new Error(`post ${id} did not settle: ${status} ${JSON.stringify(body)}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  async stop(): Promise<void> {
    // The test's client connection is left open, not closed: the SDK's gRPC retry interceptor
    // schedules a retry with a timer it never cancels, and a retry that fires after `close()`
    // throws "Channel has been shut down" from that timer, an uncaught exception that fails the
    // suite (seen in the fault matrix). An idle channel costs nothing; jest exits with
    // `forceExit`. (The readiness probes have no retry interceptor instead: runtime/dev-server.ts.)
    await Promise.all([stopProcess(this.api, 'SIGTERM'), stopProcess(this.worker, 'SIGTERM')]);
    // The shared cluster outlives each stack; the global teardown stops it.
    if (!this.cluster) await this.temporal?.stop();
    await Promise.all(this.spawned.map((child) => stopProcess(child, 'SIGKILL')));
    // Each stack's home (store, Temporal's SQLite file, media) would otherwise pile up in /tmp.
    rmSync(this.home, { recursive: true, force: true, maxRetries: 3 });
  }

  /** The last lines the Postflow processes printed, for failure messages. */
  logs(): string {
    return this.output.join('\n');
  }

  /**
   * Starts a Node.js process configured for this stack (home, Temporal address, API port and key)
   * and resolves once it prints a line matching `ready`.
   */
  async spawnNode(
    args: string[],
    label: string,
    ready: RegExp,
    env: Record<string, string> = {},
  ): Promise<ChildProcess> {
    const child = spawn(process.execPath, args, {
      env: {
        ...process.env,
        POSTFLOW_HOME: this.home,
        TEMPORAL_ADDRESS: this.temporal.address,
        POSTFLOW_PORT: String(this.apiPort),
        POSTFLOW_API_KEY: this.apiKey,
        POSTFLOW_TASK_QUEUE: 'postflow',
        ...this.extraEnv,
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.spawned.push(child);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} did not start:\n${this.logs()}`)), 60_000);
      const onLine = (chunk: Buffer) => {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
          this.output.push(`[${label}] ${line}`);
          if (this.output.length > 200) this.output.shift();
          if (ready.test(line)) {
            clearTimeout(timer);
            resolve(child);
          }
        }
      };
      child.stdout!.on('data', onLine);
      child.stderr!.on('data', onLine);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited with ${code}:\n${this.logs()}`));
      });
    });
  }
}

async function stopProcess(child: ChildProcess | undefined, signal: NodeJS.Signals): Promise<number | null> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill(signal);
  return exited;
}

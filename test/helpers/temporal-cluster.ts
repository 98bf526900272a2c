import { spawn, spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { msToTs } from '@temporalio/common/lib/time';
import { Client as PgClient } from 'pg';
import { ulid } from 'ulid';
import { ensureSearchAttributes } from '../../runtime/search-attributes';
import { POST_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { freePort } from './ports';
import { TEMPORAL_SERVER_MODULE_DIR, temporalServer } from './temporal-server';

/**
 * A production-shaped Temporal for tests: the real `temporal-server` (built by temporalServer())
 * with PostgreSQL persistence and SQL visibility in fresh databases, all services in one process,
 * the frontend on its own port. Its state lives in PostgreSQL, so it can be stopped and started
 * again like a production deployment.
 *
 * The server process is detached and described by `<home>/cluster.json`, so a process other than
 * the one that started it (the jest global setup starts it, test files restart it) can stop and
 * start it: `TemporalCluster.attach(home)`.
 */

/** The jest global setup's shared cluster, in cluster mode: its home folder. */
export const TEMPORAL_CLUSTER_HOME_ENV = 'POSTFLOW_TEST_TEMPORAL_CLUSTER_HOME';

/** Namespaces are re-read by every service this often (deploy/temporal-server/dynamicconfig.yaml). */
const NAMESPACE_REFRESH_MS = 500;

const GRPC_ALREADY_EXISTS = 6;

interface ClusterState {
  address: string;
  /** The running server's pid, or null while stopped. */
  pid: number | null;
  server: string;
  configRoot: string;
  logFile: string;
  postgresUrl: string;
  databases: string[];
}

export interface StartClusterOptions {
  /** An admin URL of the PostgreSQL server that holds Temporal's databases. */
  postgresUrl: string;
  /** Progress lines (schema setup, start). */
  log?: (line: string) => void;
  /** Seconds to wait for the frontend to answer. @default 120 */
  startTimeoutS?: number;
}

export class TemporalCluster {
  private constructor(
    readonly home: string,
    private state: ClusterState,
  ) {}

  /** Creates the databases and schemas, renders the config with free ports, and starts the server. */
  static async start(options: StartClusterOptions): Promise<TemporalCluster> {
    const log = options.log ?? (() => undefined);
    const binaries = await temporalServer();
    const home = mkdtempSync(join(tmpdir(), 'postflow-temporal-cluster-'));
    const pg = new URL(options.postgresUrl);
    const suffix = ulid().toLowerCase();
    const databases = [`temporal_${suffix}`, `temporal_visibility_${suffix}`];
    const [dbName, visibilityDbName] = databases;

    log(`Setting up Temporal's schemas in ${databases.join(' and ')} with temporal-sql-tool…`);
    const sqlTool = (database: string, ...command: string[]) => {
      const run = spawnSync(
        binaries.sqlTool,
        [
          '--plugin',
          'postgres12',
          '--ep',
          pg.hostname,
          '--port',
          pg.port || '5432',
          '--user',
          decodeURIComponent(pg.username),
          '--db',
          database,
          ...command,
        ],
        // The password goes by environment, not on a command line others can read.
        { encoding: 'utf8', env: { ...process.env, SQL_PASSWORD: decodeURIComponent(pg.password) } },
      );
      if (run.status !== 0)
        throw new Error(
          `temporal-sql-tool ${command[0]} on ${database} failed (exit ${run.status}):\n${run.stdout}${run.stderr}`,
        );
    };
    for (const [database, schema] of [
      [dbName, 'postgresql/v12/temporal'],
      [visibilityDbName, 'postgresql/v12/visibility'],
    ]) {
      sqlTool(database, 'create-database', '--defaultdb', pg.pathname.slice(1) || 'postgres');
      // Version tables at 0.0, then every versioned step of the schema embedded in the tool.
      sqlTool(database, 'setup-schema', '--version', '0.0');
      sqlTool(database, 'update-schema', '--schema-name', schema);
    }

    const port = () => freePort().then(String);
    const membershipPort = () => freeSmallintPort().then(String);
    const values: Record<string, string> = {
      LOG_LEVEL: 'warn',
      NUM_HISTORY_SHARDS: '4',
      DB_NAME: dbName,
      VISIBILITY_DB_NAME: visibilityDbName,
      DB_ADDRESS: `${pg.hostname}:${pg.port || '5432'}`,
      DB_USER: decodeURIComponent(pg.username),
      DB_PASSWORD: JSON.stringify(decodeURIComponent(pg.password)),
      DYNAMIC_CONFIG_FILE: join(TEMPORAL_SERVER_MODULE_DIR, 'dynamicconfig.yaml'),
    };
    for (const name of [
      'FRONTEND_PORT',
      'FRONTEND_HTTP_PORT',
      'HISTORY_PORT',
      'MATCHING_PORT',
      'WORKER_PORT',
      'METRICS_PORT',
    ])
      values[name] = await port();
    for (const name of ['FRONTEND', 'HISTORY', 'MATCHING', 'WORKER'])
      values[`${name}_MEMBERSHIP_PORT`] = await membershipPort();
    const configRoot = join(home, 'server');
    mkdirSync(join(configRoot, 'config'), { recursive: true });
    writeFileSync(
      join(configRoot, 'config', 'cluster.yaml'),
      renderTemplate(readFileSync(join(TEMPORAL_SERVER_MODULE_DIR, 'config.template.yaml'), 'utf8'), values),
      { mode: 0o600 },
    );

    const cluster = new TemporalCluster(home, {
      address: `127.0.0.1:${values.FRONTEND_PORT}`,
      pid: null,
      server: binaries.server,
      configRoot,
      logFile: join(home, 'server.log'),
      postgresUrl: options.postgresUrl,
      databases,
    });
    log(`Starting the Temporal server (frontend ${cluster.address}, log ${cluster.state.logFile})…`);
    await cluster.startServer(options.startTimeoutS ?? 120);
    return cluster;
  }

  /** The cluster another process started, from its home folder. */
  static attach(home: string): TemporalCluster {
    return new TemporalCluster(
      home,
      JSON.parse(readFileSync(join(home, 'cluster.json'), 'utf8')) as ClusterState,
    );
  }

  get address(): string {
    return this.state.address;
  }

  /** The server process's pid (for resource figures); the server must be running. */
  get pid(): number {
    this.reload();
    if (this.state.pid === null) throw new Error('The Temporal cluster is stopped.');
    return this.state.pid;
  }

  get running(): boolean {
    this.reload();
    return this.state.pid !== null && alive(this.state.pid);
  }

  /** Starts the server process (again) on the same ports and databases; resolves once the frontend answers. */
  async startServer(timeoutS = 120): Promise<void> {
    this.reload();
    if (this.state.pid !== null && alive(this.state.pid)) return;
    const out = openSync(this.state.logFile, 'a');
    const child = spawn(
      this.state.server,
      ['--root', this.state.configRoot, '--config', 'config', '--env', 'cluster', '--allow-no-auth', 'start'],
      // Detached with its output in a file: it must outlive the process that starts it (see above).
      { detached: true, stdio: ['ignore', out, out] },
    );
    closeSync(out);
    child.unref();
    this.state.pid = child.pid!;
    this.save();
    const deadline = Date.now() + timeoutS * 1000;
    for (;;) {
      if (!alive(child.pid!)) {
        this.state.pid = null;
        this.save();
        throw new Error(`The Temporal server exited during start-up:\n${this.logTail()}`);
      }
      if (await frontendAnswers(this.address)) return;
      if (Date.now() > deadline) {
        await this.stopServer();
        throw new Error(
          `The Temporal server did not answer on ${this.address} in ${timeoutS} s:\n${this.logTail()}`,
        );
      }
      await sleep(500);
    }
  }

  /** Stops the server process (SIGTERM, then SIGKILL after 20 s); its state stays in PostgreSQL. */
  async stopServer(): Promise<void> {
    this.reload();
    const pid = this.state.pid;
    if (pid === null) return;
    if (alive(pid)) {
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + 20_000;
      while (alive(pid)) {
        if (Date.now() > deadline) process.kill(pid, 'SIGKILL');
        await sleep(200);
      }
    }
    this.state.pid = null;
    this.save();
  }

  /**
   * Registers a namespace with Postflow's search attributes and resolves once the frontend accepts
   * queries on them (services learn of namespaces and their attributes on their next refresh).
   */
  async createNamespace(namespace: string): Promise<void> {
    const connection = await Connection.connect({ address: this.address });
    try {
      await retry(`registering namespace ${namespace}`, () =>
        connection.workflowService
          .registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') })
          // A retried call whose first attempt went through finds it registered.
          .catch((err: { code?: number }) => {
            if (err.code !== GRPC_ALREADY_EXISTS) throw err;
          }),
      );
      await retry(`adding search attributes to ${namespace}`, () =>
        ensureSearchAttributes(connection, namespace, POST_SEARCH_ATTRIBUTES),
      );
      await retry(`querying ${namespace} by Postflow's search attributes`, () =>
        connection.workflowService.countWorkflowExecutions({ namespace, query: probeQuery() }),
      );
      // The frontend has refreshed; give the other services' registries the same refresh.
      await sleep(2 * NAMESPACE_REFRESH_MS);
    } finally {
      await connection.close();
    }
  }

  /** Stops the server and drops its databases and folder. */
  async destroy(): Promise<void> {
    await this.stopServer();
    const admin = new PgClient({ connectionString: this.state.postgresUrl });
    await admin.connect();
    try {
      for (const database of this.state.databases)
        await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
    rmSync(this.home, { recursive: true, force: true });
  }

  /** The server log's last lines, for error messages. */
  logTail(lines = 40): string {
    if (!existsSync(this.state.logFile)) return '(no server log)';
    return readFileSync(this.state.logFile, 'utf8').split('\n').slice(-lines).join('\n');
  }

  private save(): void {
    writeFileSync(join(this.home, 'cluster.json'), JSON.stringify(this.state, null, 2), { mode: 0o600 });
  }

  private reload(): void {
    const file = join(this.home, 'cluster.json');
    if (existsSync(file)) this.state = JSON.parse(readFileSync(file, 'utf8')) as ClusterState;
  }
}

/** A fresh namespace name for one test stack. */
export function freshNamespace(): string {
  return `postflow-test-${ulid().toLowerCase()}`;
}

/** Fills `${NAME}` placeholders; a placeholder without a value is an error, not an empty string. */
export function renderTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\$\{([A-Z0-9_]+)\}/g, (_, name: string) => {
    if (!(name in values)) throw new Error(`No value for \${${name}} in the Temporal config template.`);
    return values[name];
  });
}

/** A visibility query naming every Postflow search attribute (rejected until the namespace knows them all). */
function probeQuery(): string {
  return POST_SEARCH_ATTRIBUTES.map((key) =>
    key.type === SearchAttributeType.DATETIME
      ? `${key.name} > '2000-01-01T00:00:00Z'`
      : `${key.name} = 'probe'`,
  ).join(' AND ');
}

const handedOut = new Set<number>();

/**
 * A free loopback port below 32768. Membership ports are stored in a PostgreSQL SMALLINT column
 * (cluster_membership.rpc_port), so the kernel's ephemeral ports (32768 and up) are refused there.
 */
async function freeSmallintPort(): Promise<number> {
  for (;;) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    if (handedOut.has(port)) continue;
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer()
        .once('error', () => resolve(false))
        .listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
}

/** Whether a process runs (a zombie, exited but not yet reaped, counts as gone). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

async function frontendAnswers(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    // No retry interceptor: this probe polls by itself, and the SDK's retry timer is not cancelled
    // when the deadline ends the call, so it would fire after `close()` and throw "Channel has been
    // shut down" from a timer (an uncaught exception; CI saw it fail a suite).
    connection = await Connection.connect({ address, connectTimeout: 1000, interceptors: [] });
    // The system namespace exists once the frontend has its persistence and namespace registry.
    await connection.withDeadline(Date.now() + 2000, () =>
      connection!.workflowService.describeNamespace({ namespace: 'temporal-system' }),
    );
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

/** Retries a call the freshly started cluster may refuse for a few seconds (shards still loading, caches cold). */
async function retry<T>(what: string, call: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await call();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what} failed: ${(err as Error).message}`);
      await sleep(250);
    }
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

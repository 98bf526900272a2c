import { type ChildProcess, spawn } from 'node:child_process';
import { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import type { SearchAttributeKeys } from './search-attributes';

export interface DevServerOptions {
  binary: string;
  /** SQLite file; omit for an in-memory server (tests). */
  dbFile?: string;
  port: number;
  /** Search attributes registered at start (Postflow's: `POST_SEARCH_ATTRIBUTES`, workflows/search-attributes.ts). */
  searchAttributes: SearchAttributeKeys;
  /** Web UI port; omit for a headless server. */
  uiPort?: number;
  namespace?: string;
  ip?: string;
  log?: (line: string) => void;
  /** Seconds to wait for the server to answer. @default 60 */
  startTimeoutS?: number;
}

export interface DevServer {
  address: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** CLI names of search attribute types (`temporal server start-dev --search-attribute Name=Type`). */
const CLI_TYPE: Record<string, string> = {
  [SearchAttributeType.KEYWORD]: 'Keyword',
  [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
  [SearchAttributeType.DATETIME]: 'Datetime',
  [SearchAttributeType.TEXT]: 'Text',
  [SearchAttributeType.INT]: 'Int',
  [SearchAttributeType.DOUBLE]: 'Double',
  [SearchAttributeType.BOOL]: 'Bool',
};

/** `--search-attribute` arguments registering search attributes on a dev server. */
export function searchAttributeArgs(keys: SearchAttributeKeys): string[] {
  return keys.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE[key.type]}`]);
}

/**
 * Starts `temporal server start-dev` and resolves once its frontend answers. With `dbFile` its
 * state survives restarts, so scheduled posts still fire after one.
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(options.port),
    '--namespace',
    options.namespace ?? 'default',
    '--log-level',
    'warn',
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
    // SQLite in WAL mode: far fewer fsyncs, and what the SDK's own stress tests use.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...searchAttributeArgs(options.searchAttributes),
  ];
  const child = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  const collect = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) {
      output.push(line);
      if (output.length > 50) output.shift();
      options.log?.(line);
    }
  };
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((done) => child.once('exit', (code) => done(code)));

  const address = `${ip}:${options.port}`;
  const deadline = Date.now() + (options.startTimeoutS ?? 60) * 1000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`Temporal dev server exited with code ${child.exitCode}:\n${output.join('\n')}`);
    }
    if (await answers(address)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`Temporal dev server did not answer on ${address} in time:\n${output.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    address,
    process: child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

async function answers(address: string): Promise<boolean> {
  let connection: Connection | undefined;
  try {
    // No retry interceptor: this probe polls by itself, and the SDK's retry timer is not cancelled
    // when the deadline ends the call, so it would fire after `close()` and throw "Channel has been
    // shut down" from a timer (an uncaught exception; CI saw it fail a suite).
    connection = await Connection.connect({ address, connectTimeout: 1000, interceptors: [] });
    await connection.withDeadline(Date.now() + 2000, () =>
      connection!.workflowService.describeNamespace({ namespace: 'default' }),
    );
    return true;
  } catch {
    return false;
  } finally {
    await connection?.close();
  }
}

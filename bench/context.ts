import { Client, Connection } from '@temporalio/client';
import { PostflowClient } from '../client';
import { openStore } from '../store';
import type { Store } from '../store/types';
import { Stack } from '../test/helpers/stack';

/** Sizes of one bench run: `short` keeps CI honest in a few minutes, `full` is what gets published. */
export interface Settings {
  form: 'short' | 'full';
  targets: number[];
  /** Length of one throughput measurement (posts kept in flight, replaced as they complete). */
  secondsPerRun: number;
  repetitions: number;
  /** Fixed latency of the sandbox's publish call and of the baseline's no-op activity. */
  latencyMs: number;
  precision: { posts: number; windowS: number; burst: number };
  apiClients: number[];
  apiSecondsPerLevel: number;
  sleepingPosts: number[];
  workers: number[];
  /** Rows of the bulk-import phase's file (and of its baseline's single creates). */
  importRows: number;
  /** MiB of the media phase's video (uploaded, then published to YouTube's fake). */
  mediaMib: number;
  /** Rounds of the media phase, each Postflow and its baseline back to back (medians). */
  mediaRounds: number;
  /**
   * Also measure memory and steady throughput with Temporal's heap-sized workflow cache beside
   * Postflow's bounded default (worker/workflow-cache.ts). Full form only: it doubles the memory
   * phase, and CI's short form stays fast.
   */
  cacheBaseline: boolean;
  /** OAuth connections of the connect phase (phases/oauth-connect.ts), each beside a bare one. */
  oauthConnects: number;
  /**
   * The media precision phase (phases/media-precision.ts): video posts per way, the window they
   * are due over, how long Threads' fake processes each container (s), and the stage lead (s; the
   * gateway's table when unset). Full form only: its posts must be created minutes ahead.
   */
  mediaPrecision?: { posts: number; windowS: number; processingS: [number, number]; stageS?: number };
}

export const SETTINGS: Record<'short' | 'full', Settings> = {
  short: {
    form: 'short',
    targets: [1, 5, 20],
    secondsPerRun: 3,
    repetitions: 2,
    latencyMs: 20,
    precision: { posts: 150, windowS: 20, burst: 100 },
    apiClients: [1, 10, 50],
    apiSecondsPerLevel: 2,
    sleepingPosts: [0, 100, 500],
    workers: [1, 2],
    importRows: 200,
    mediaMib: 128,
    mediaRounds: 2,
    cacheBaseline: false,
    oauthConnects: 5,
  },
  full: {
    form: 'full',
    targets: [1, 5, 20],
    secondsPerRun: 10,
    repetitions: 3,
    latencyMs: 20,
    precision: { posts: 10_000, windowS: 600, burst: 1_000 },
    apiClients: [1, 10, 50],
    apiSecondsPerLevel: 10,
    sleepingPosts: [0, 1_000, 10_000],
    workers: [1, 2, 4],
    importRows: 10_000,
    mediaMib: 2048,
    mediaRounds: 5,
    cacheBaseline: true,
    oauthConnects: 30,
    mediaPrecision: { posts: 50, windowS: 120, processingS: [30, 120] },
  },
};

export const TASK_QUEUE = 'postflow';

/** A running stack plus direct clients to it, shared by the phases. */
/**
 * The pre-dispatch lead the precision phase measures (`POSTFLOW_PRE_DISPATCH_SECONDS`): long enough
 * for a burst's dispatches to be done before its instant on this machine.
 */
export const PRE_DISPATCH_MS = 30_000;

export interface BenchContext {
  settings: Settings;
  stack: Stack;
  store: Store;
  temporal: Client;
  client: PostflowClient;
  /** The same client with pre-dispatch on (PRE_DISPATCH_MS): its scheduled posts are dispatched ahead. */
  preDispatchClient: PostflowClient;
  accounts: string[];
  log: (line: string) => void;
  close(): Promise<void>;
}

/** `workerEnv`: more environment for the stack's `postflow worker` (e.g. its workflow cache). */
export async function openContext(
  settings: Settings,
  log: (line: string) => void,
  accountCount: number,
  workerEnv: Record<string, string> = {},
): Promise<BenchContext> {
  // The workers keep slots for the precision phase's dispatched calls (pre-dispatch on).
  const stack = await new Stack({
    POSTFLOW_SYNC_WAIT_MS: '0',
    POSTFLOW_PRE_DISPATCH_SECONDS: String(PRE_DISPATCH_MS / 1000),
    ...workerEnv,
  }).start();
  const accounts: string[] = [];
  for (let i = 0; i < accountCount; i++) accounts.push(await stack.createSandboxAccount(`bench-${i}`));
  const store = await openStore(stack.home);
  const connection = await Connection.connect({ address: stack.temporal.address });
  // On the production-shaped Temporal the stack has a namespace of its own (`default` on the dev server).
  const temporal = new Client({ connection, namespace: stack.namespace });
  // The baseline collects no metrics, so neither do the bench's posts: a published post's
  // collection is a workflow of its own, and its cost is not the delivery's (docs/performance.md).
  const client = new PostflowClient({ temporal, store, taskQueue: TASK_QUEUE, collectMetrics: false });
  const preDispatchClient = new PostflowClient({
    temporal,
    store,
    taskQueue: TASK_QUEUE,
    collectMetrics: false,
    preDispatchMs: PRE_DISPATCH_MS,
  });
  return {
    settings,
    stack,
    store,
    temporal,
    client,
    preDispatchClient,
    accounts,
    log,
    async close() {
      await connection.close();
      await store.close();
      await stack.stop();
    },
  };
}

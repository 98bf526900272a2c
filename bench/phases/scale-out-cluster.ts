import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client as PgClient } from 'pg';
import { startPostgres, stopPostgres } from '../../test/helpers/postgres';
import { freePort } from '../../test/helpers/ports';
import { TEMPORAL_CLUSTER_HOME_ENV, TemporalCluster } from '../../test/helpers/temporal-cluster';
import { TEMPORAL_SERVER_VERSION } from '../../test/helpers/temporal-server';
import { type BenchContext, openContext, type Settings } from '../context';
import { cpuSeconds, postgresCpuSeconds } from '../cpu';
import { round } from '../stats';
import { postflowThroughput, stopChild, useBenchWorkers } from './ceiling';
import { measureScaleOut, SCALE_OUT_TARGETS } from './scale-out';

/**
 * The scale-out step again, on the production-shaped Temporal (test/helpers/temporal-cluster.ts):
 * the real `temporal-server` with PostgreSQL persistence and SQL visibility, on a private
 * PostgreSQL server started for this step, the bench's stack in a namespace of its own. Only the
 * Temporal side differs from the dev-server step: same bench workers, same SQLite store, same
 * posts. Everything started here is stopped and deleted before it returns.
 */
export async function measureScaleOutOnCluster(settings: Settings, log: (line: string) => void) {
  const started = Date.now();
  const elapsed = () => `${Math.round((Date.now() - started) / 1000)} s`;
  const cleanups: Array<() => Promise<void> | void> = [];
  // In reverse order: workers, stack, Temporal server and its databases, PostgreSQL. A signal and
  // the step's own end may both ask: they share one clean-up, and both wait for all of it.
  let cleaning: Promise<void> | undefined;
  const cleanUp = () =>
    (cleaning ??= (async () => {
      for (const cleanup of cleanups.reverse()) {
        try {
          await cleanup();
        } catch (err) {
          log(`  cleanup step failed: ${(err as Error).message}`);
        }
      }
    })());
  // The server and PostgreSQL run detached from this process: an interrupted bench stops them too.
  const onSignal = (signal: NodeJS.Signals) => {
    log(`  ${signal}: stopping the production-shaped Temporal…`);
    // Posts in flight fail as their server goes (some from gRPC timers, uncaught): only stopping matters now.
    const ignore = () => undefined;
    process.on('uncaughtException', ignore).on('unhandledRejection', ignore);
    void cleanUp().finally(() => {
      log('  stopped and removed; exiting.');
      process.exit(130);
    });
  };
  process.once('SIGINT', onSignal).once('SIGTERM', onSignal);
  try {
    log('  starting a private PostgreSQL server…');
    const postgres = startPostgres(await freePort());
    cleanups.push(() => stopPostgres(postgres.dir));
    const postgresVersion = await serverVersion(postgres.url);

    const cluster = await TemporalCluster.start({ postgresUrl: postgres.url, log: (l) => log(`  ${l}`) });
    cleanups.push(() => cluster.destroy());
    log(`  Temporal server up (${elapsed()}); starting the stack in a namespace of its own…`);

    const ctx = await withClusterStack(cluster, () => openContext(settings, log, SCALE_OUT_TARGETS));
    cleanups.push(async () => {
      await ctx.close();
      rmSync(ctx.stack.home, { recursive: true, force: true });
    });
    log(`  stack up in namespace ${ctx.stack.namespace} (${elapsed()}); warming up…`);

    // The dev-server step runs on a warm server and workers; warm this one the same way.
    let workers = await warmUp(ctx);
    cleanups.push(() => Promise.all(workers.map(stopChild)).then(() => undefined));
    const scale = await measureScaleOut(ctx, workers, async () => ({
      temporal: await cpuSeconds(cluster.pid),
      postgres: await postgresCpuSeconds(join(postgres.dir, 'data')),
    }));
    workers = scale.workers;
    log(`  measured (${elapsed()}); stopping the stack, the Temporal server and PostgreSQL…`);
    return {
      scale_out_cluster_posts_per_s: scale.scale_out_posts_per_s,
      scale_out_cluster_cpu_share: scale.scale_out_cpu_share,
      scale_out_cluster_cpu_ms_per_post: scale.scale_out_cpu_ms_per_post,
      scale_out_cluster_backend:
        `temporal-server ${TEMPORAL_SERVER_VERSION} (all services in one process, ${historyShards(cluster)} history shards), ` +
        `PostgreSQL ${postgresVersion} persistence and SQL visibility on the same machine`,
    };
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    await cleanUp();
    log(`  production-shaped Temporal stopped and removed (${elapsed()} in all).`);
  }
}

/**
 * Starts a Stack against `cluster`: the Stack takes cluster mode and the cluster's home from the
 * environment (as under jest's global setup), so they are set for its start only.
 */
async function withClusterStack<T>(cluster: TemporalCluster, start: () => Promise<T>): Promise<T> {
  const saved = {
    POSTFLOW_TEST_TEMPORAL: process.env.POSTFLOW_TEST_TEMPORAL,
    [TEMPORAL_CLUSTER_HOME_ENV]: process.env[TEMPORAL_CLUSTER_HOME_ENV],
  };
  process.env.POSTFLOW_TEST_TEMPORAL = 'cluster';
  process.env[TEMPORAL_CLUSTER_HOME_ENV] = cluster.home;
  try {
    return await start();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

/** One bench worker, then a couple of seconds of posts: JIT, workflow cache and server caches warm. */
async function warmUp(ctx: BenchContext) {
  const workers = await useBenchWorkers(ctx, 1, []);
  const warm = await postflowThroughput(ctx, SCALE_OUT_TARGETS, 3);
  ctx.log(`  warm-up: ${round(warm.perSecond)} posts/s`);
  return workers;
}

async function serverVersion(url: string): Promise<string> {
  const client = new PgClient({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ server_version: string }>('SHOW server_version');
    return rows[0].server_version.split(' ')[0];
  } finally {
    await client.end();
  }
}

/** The number of history shards the cluster's rendered config gives it. */
function historyShards(cluster: TemporalCluster): string {
  const config = readFileSync(join(cluster.home, 'server', 'config', 'cluster.yaml'), 'utf8');
  return /numHistoryShards:\s*(\d+)/.exec(config)?.[1] ?? '?';
}

import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createPlatformRegistry } from '../activities/platforms/registry';
import { configuredMediaLibrary } from '../cli/services';
import { openStore } from '../store';
import { loadConfig } from '../runtime/config';
import { TEMPORAL_DEFAULT, maxCachedWorkflowsFrom } from '../worker/workflow-cache';
import { baselineActivities } from './baseline/activities';

/**
 * A Postflow worker that also runs the baseline workflow, so both are measured on the same
 * process, server and settings. Configured like `postflow worker` (environment).
 */
async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const store = await openStore(config.home, config.databaseUrl);
  const connection = await NativeConnection.connect({ address: config.temporalAddress ?? '127.0.0.1:7233' });
  // The same workflow cache as `postflow worker` (POSTFLOW_MAX_CACHED_WORKFLOWS).
  const cache = maxCachedWorkflowsFrom();
  const worker = await Worker.create({
    connection,
    namespace: config.namespace,
    taskQueue: config.taskQueue,
    workflowsPath: require.resolve('./baseline'),
    activities: {
      ...createActivities({
        store,
        platforms: createPlatformRegistry({ store, publicUrl: config.publicUrl }),
        media: configuredMediaLibrary(config),
      }),
      ...baselineActivities,
    },
    ...(cache === TEMPORAL_DEFAULT ? {} : { maxCachedWorkflows: cache }),
  });
  const stop = () => worker.shutdown();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.log(`Worker polling task queue "${config.taskQueue}" (bench, workflow cache ${cache}).`);
  await worker.run();
  await connection.close();
  await store.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

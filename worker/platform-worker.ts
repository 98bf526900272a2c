import { Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createPlatformRegistry } from '../activities/platforms/registry';
import { observeActivities } from './activity-observer';
import { processMetrics } from '../runtime/metrics';
import type { PlatformWorkerSettings } from './platform-worker-settings';
import { activeTracing } from '../runtime/tracing';
import type { PostflowWorkerOptions } from './worker';

export interface PlatformWorkersOptions extends Omit<PostflowWorkerOptions, 'taskQueue'> {
  /** One entry per platform queue to serve (`platformWorkerSettings`). */
  queues: PlatformWorkerSettings[];
}

/**
 * The workers of `postflow worker --platforms …`: one Temporal worker per platform queue, all in
 * this process and on one connection. They run activities only — the post workflows stay with the
 * general workers on the main queue, which schedule the platform's calls onto these queues.
 *
 * Each worker takes at most the platform's concurrency at once, and asks the server to dispatch
 * no more than the platform's activities per second across every worker of the queue. All
 * workers of a queue should be given the same rate: the server keeps the last poller's.
 */
export async function createPlatformWorkers(options: PlatformWorkersOptions): Promise<Worker[]> {
  const platforms = createPlatformRegistry({
    store: options.store,
    publicUrl: options.publicUrl,
    allowPrivateUrls: options.allowPrivateUrls ?? false,
  });
  const metrics = options.metrics ?? processMetrics();
  const tracing = activeTracing()?.worker();
  // One set of activities for the process: concurrent deliveries of one account on different
  // queues' workers here still share a token refresh.
  const activities = createActivities({
    store: options.store,
    platforms,
    media: options.media,
    allowPrivateUrls: options.allowPrivateUrls ?? false,
  });
  const workers: Worker[] = [];
  for (const queue of options.queues) {
    workers.push(
      await Worker.create({
        connection: options.connection,
        namespace: options.namespace,
        taskQueue: queue.taskQueue,
        // No workflowsPath: this worker polls for activity tasks only.
        activities,
        ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
        interceptors: { activity: [...(tracing?.activity ?? []), observeActivities(metrics)] },
        maxConcurrentActivityTaskExecutions: queue.maxConcurrentActivityTaskExecutions,
        ...(queue.maxTaskQueueActivitiesPerSecond !== undefined
          ? { maxTaskQueueActivitiesPerSecond: queue.maxTaskQueueActivitiesPerSecond }
          : {}),
        // As the general worker: let running publish calls finish on SIGTERM.
        shutdownGraceTime: '20 seconds',
      }),
    );
  }
  return workers;
}

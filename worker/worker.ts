import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createPlatformRegistry } from '../activities/platforms/registry';
import type { MediaLibrary } from '../media';
import type { Store } from '../store/types';

export interface PostflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  store: Store;
  media: MediaLibrary;
  publicUrl: string;
  allowPrivateUrls?: boolean;
}

/**
 * A Postflow worker: runs post workflows and their activities on one task queue. Run as many as
 * needed, on any machines; Temporal spreads the work between them.
 */
export async function createPostflowWorker(options: PostflowWorkerOptions): Promise<Worker> {
  const platforms = createPlatformRegistry({ store: options.store, publicUrl: options.publicUrl });
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities({
      store: options.store,
      platforms,
      media: options.media,
      allowPrivateUrls: options.allowPrivateUrls ?? false,
    }),
    // On SIGTERM, let running publish calls finish instead of leaving their outcome unknown.
    shutdownGraceTime: '20 seconds',
  });
}

export { NativeConnection };

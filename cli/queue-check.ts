import type { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { PlatformQueues } from '../runtime/platform-queues';

/** The key under which the upload queue (`POSTFLOW_UPLOAD_QUEUE`) is checked beside the platforms'. */
export const UPLOADS = 'uploads';

/** Workers usually start beside the API: give them this long to poll before looking. */
export const QUEUE_CHECK_DELAY_MS = 15_000;

/**
 * Warns once, shortly after the API starts, about each platform queue new posts are routed to
 * (`POSTFLOW_PLATFORM_QUEUES`) that no worker polls: those posts would wait in Temporal without a
 * word until a `postflow worker --platforms …` appears; likewise the upload queue (key `uploads`). Temporal lists a queue's pollers of the
 * last few minutes. Returns a function that cancels a check not yet made.
 */
export function warnAboutUnservedQueues(
  connection: Connection,
  namespace: string,
  queues: PlatformQueues,
  warn: (line: string) => void,
  delayMs = QUEUE_CHECK_DELAY_MS,
): () => void {
  if (!Object.keys(queues).length) return () => {};
  const check = async () => {
    for (const [platform, name] of Object.entries(queues)) {
      try {
        const { pollers } = await connection.workflowService.describeTaskQueue({
          namespace,
          taskQueue: { name },
          taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
        });
        if (pollers.length) continue;
        warn(
          platform === UPLOADS
            ? `No worker polls task queue "${name}": uploads of posts with media will wait there until one does ` +
                `(postflow worker --uploads), or unset POSTFLOW_UPLOAD_QUEUE.`
            : `No worker polls task queue "${name}": ${platform} posts will wait there until one does ` +
                `(postflow worker --platforms ${platform}), or remove ${platform} from POSTFLOW_PLATFORM_QUEUES.`,
        );
      } catch {
        // The API works without this check; Temporal being unreachable shows up elsewhere.
      }
    }
  };
  const timer = setTimeout(() => void check(), delayMs);
  timer.unref();
  return () => clearTimeout(timer);
}

import type { DataConverter } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createPlatformRegistry } from '../activities/platforms/registry';
import type { MediaLibrary } from '../media';
import type { OAuthSecrets } from '../codec/oauth-secrets';
import type { Store } from '../store/types';
import { observeActivities } from './activity-observer';
import { deliverySinks } from './delivery-sinks';
import { type PostflowMetrics, processMetrics } from '../runtime/metrics';
import { activeTracing } from '../runtime/tracing';
import { POSTFLOW_WORKFLOW_INTERCEPTORS, workflowCodeOptions } from './workflow-bundle';
import { DEFAULT_MAX_CACHED_WORKFLOWS, TEMPORAL_DEFAULT } from './workflow-cache';
import { DISPATCH_SLOTS } from './platform-worker-settings';

export interface PostflowWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  store: Store;
  media: MediaLibrary;
  publicUrl: string;
  allowPrivateUrls?: boolean;
  /** Payload codec (encryption) and failure converter; the client must use the same. @default Temporal's */
  dataConverter?: DataConverter;
  /** Where the worker's metrics go. @default this process's */
  metrics?: PostflowMetrics;
  /**
   * Workflows kept in memory between their tasks (`POSTFLOW_MAX_CACHED_WORKFLOWS`, worker/workflow-cache.ts);
   * `temporal-default`: the SDK's heap-sized default. @default DEFAULT_MAX_CACHED_WORKFLOWS
   */
  maxCachedWorkflows?: number | typeof TEMPORAL_DEFAULT;
  /** Connecting accounts over OAuth (the API's, from the same secret key). @default none: connections fail */
  oauthSecrets?: OAuthSecrets;
  /**
   * Keep DISPATCH_SLOTS more activity slots for publish calls waiting for their instant
   * (`POSTFLOW_PRE_DISPATCH_SECONDS` set). @default false: the SDK's 100
   */
  preDispatch?: boolean;
}

/** The SDK's default number of activities a worker runs at once. */
const DEFAULT_ACTIVITY_SLOTS = 100;

/**
 * A Postflow worker: runs post workflows and their activities on one task queue. Run as many as
 * needed, on any machines; Temporal spreads the work between them.
 */
export async function createPostflowWorker(options: PostflowWorkerOptions): Promise<Worker> {
  const platforms = createPlatformRegistry({
    store: options.store,
    publicUrl: options.publicUrl,
    allowPrivateUrls: options.allowPrivateUrls ?? false,
  });
  const metrics = options.metrics ?? processMetrics();
  const tracing = activeTracing()?.worker();
  // Tracing's interceptors come first, so Postflow's run inside the spans.
  const code = workflowCodeOptions({
    interceptorModules: [...(tracing?.workflowModules ?? []), POSTFLOW_WORKFLOW_INTERCEPTORS],
    failureConverterPath: options.dataConverter?.failureConverterPath,
  });
  const cache = options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS;
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    ...('workflowBundle' in code
      ? { workflowBundle: code.workflowBundle }
      : { workflowsPath: code.workflowsPath }),
    ...(options.dataConverter ? { dataConverter: options.dataConverter } : {}),
    activities: createActivities({
      store: options.store,
      platforms,
      media: options.media,
      allowPrivateUrls: options.allowPrivateUrls ?? false,
      ...(options.oauthSecrets ? { oauthSecrets: options.oauthSecrets } : {}),
    }),
    // Logs with post, account and platform on every line; delivery metrics; with tracing on, spans
    // for workflows and activities that continue the trace of the request (docs/observability.md).
    // The workflow interceptors are in the prebuilt bundle when there is one.
    interceptors: {
      activity: [...(tracing?.activity ?? []), observeActivities(metrics)],
      ...('workflowModules' in code ? { workflowModules: code.workflowModules } : {}),
    },
    sinks: { ...tracing?.sinks, ...deliverySinks(metrics) },
    // On SIGTERM, let running publish calls finish instead of leaving their outcome unknown.
    shutdownGraceTime: '20 seconds',
    // With pre-dispatch, room beside the SDK's default for publish calls dispatched ahead of their
    // instant, which wait here holding a slot (a burst due at one instant), while others still
    // get theirs; the platform calls go through each platform's concurrency limit at the instant.
    ...(options.preDispatch
      ? { maxConcurrentActivityTaskExecutions: DEFAULT_ACTIVITY_SLOTS + DISPATCH_SLOTS }
      : {}),
    // Bounded: each cached workflow costs memory; past the bound the least recently used is
    // evicted and replayed from its history on its next task (a sleeping post: once, when due).
    // The shared V8 context (`reuseV8Context`, the SDK's default) and the sticky queue's 10 s
    // timeout stay: a context per workflow costs more, and the timeout only matters when a worker dies.
    ...(cache === TEMPORAL_DEFAULT ? {} : { maxCachedWorkflows: cache }),
  });
}

export { NativeConnection };

import { waitsForInstant } from '../api/post-resource';
import type { PostSpec, PreStage } from '../api/types';
import { type PlatformQueues, routingFor } from '../runtime/platform-queues';
import { fixedLead, stagedLeads } from './stage-leads';

/**
 * A post's spec as its workflow starts with it: what the starting client decides from its
 * configuration (the platforms' task queues, whether analytics collect) is decided here, once, and
 * travels in the input, so the workflow stays a pure function of its history and a post keeps what
 * it started with (docs/decisions.md).
 */
export function startedSpec(
  spec: PostSpec,
  options: {
    platformQueues?: PlatformQueues;
    uploadQueue?: string;
    fileUploads?: string[];
    collectMetrics?: boolean;
    preDispatchMs?: number;
    /** Pre-stage the deliveries that prepare, when dispatched ahead (stage-leads.ts). @default true */
    preStage?: PreStage;
  },
): PostSpec {
  const platformQueues = routingFor(spec.targets, options.platformQueues ?? {});
  // Decided now, like the queues: a post keeps how its videos travel whatever the workers say later.
  const fileUploads = (options.fileUploads ?? []).filter((p) => spec.targets.some((t) => t.platform === p));
  const preDispatchMs = options.preDispatchMs && waitsForInstant(spec) ? options.preDispatchMs : 0;
  const started: PostSpec = {
    ...spec,
    ...(platformQueues ? { platformQueues } : {}),
    // Only posts that upload anything carry the upload queue: the others start as before.
    ...(options.uploadQueue && hasMedia(spec) ? { uploadQueue: options.uploadQueue } : {}),
    ...(fileUploads.length ? { fileUploads } : {}),
    ...(options.collectMetrics === false ? { collectMetrics: false as const } : {}),
    // Only posts that wait for an instant may be dispatched ahead of it: the others start as before.
    ...(preDispatchMs ? { preDispatchMs } : {}),
  };
  // Whether its deliveries are staged is decided now too; their leads follow the post's edits (restaged).
  if (!preDispatchMs || options.preStage === false) return started;
  return { ...started, preStageMs: stagedLeads(started, preDispatchMs, fixedLead(options.preStage)) };
}

/** Whether any target of the post, with its overrides, has media to upload. */
function hasMedia(spec: PostSpec): boolean {
  return spec.targets.some((t) => (({ ...spec.content, ...t.overrides }).media ?? []).length > 0);
}

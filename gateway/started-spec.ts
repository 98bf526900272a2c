import type { PostSpec } from '../api/types';
import { type PlatformQueues, routingFor } from '../runtime/platform-queues';

/**
 * A post's spec as its workflow starts with it: what the starting client decides from its
 * configuration (the platforms' task queues, whether analytics collect) is decided here, once, and
 * travels in the input, so the workflow stays a pure function of its history and a post keeps what
 * it started with (docs/decisions.md).
 */
export function startedSpec(
  spec: PostSpec,
  options: { platformQueues?: PlatformQueues; collectMetrics?: boolean },
): PostSpec {
  const platformQueues = routingFor(spec.targets, options.platformQueues ?? {});
  return {
    ...spec,
    ...(platformQueues ? { platformQueues } : {}),
    ...(options.collectMetrics === false ? { collectMetrics: false as const } : {}),
  };
}

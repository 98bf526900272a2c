/**
 * How many workflows a worker keeps in memory between their workflow tasks (Temporal's
 * `maxCachedWorkflows`). A cached workflow's next task runs at once; an evicted one is replayed
 * from its history first (a post's history is tens of events). Temporal's own default is sized from
 * the heap (about 2,300 with a 4 GB heap), and every cached workflow holds its own copy of the
 * workflow code's module state: a worker with thousands of scheduled posts grew to gigabytes
 * (docs/performance.md, "Worker memory"). Postflow bounds it instead; docs/deploy.md says what
 * the size trades.
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

/** `POSTFLOW_MAX_CACHED_WORKFLOWS`'s value for Temporal's heap-sized default (the old behaviour). */
export const TEMPORAL_DEFAULT = 'temporal-default';

/**
 * `POSTFLOW_MAX_CACHED_WORKFLOWS`: a whole number (0 turns the cache off: every workflow task
 * replays its history), or `temporal-default`, which leaves the size to the Temporal SDK.
 * Unset or empty: {@link DEFAULT_MAX_CACHED_WORKFLOWS}.
 */
export function maxCachedWorkflowsFrom(
  env: Record<string, string | undefined> = process.env,
): number | typeof TEMPORAL_DEFAULT {
  const raw = (env.POSTFLOW_MAX_CACHED_WORKFLOWS ?? '').trim();
  if (raw === '') return DEFAULT_MAX_CACHED_WORKFLOWS;
  if (raw === TEMPORAL_DEFAULT) return TEMPORAL_DEFAULT;
  const value = Number(raw);
  // Temporal takes 0 (no cache) or at least 2, and silently raises 1 to 2.
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value === 1) {
    throw new Error(
      `POSTFLOW_MAX_CACHED_WORKFLOWS must be 0 (no cache), a whole number of at least 2 (default ${DEFAULT_MAX_CACHED_WORKFLOWS}) or "${TEMPORAL_DEFAULT}", got "${raw}".`,
    );
  }
  return value;
}

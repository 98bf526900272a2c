import type { PlatformBody } from '../kit/http';
import { type GraphCall, type GraphError, isGone } from './graph';

/**
 * One read of a media object's insights (`GET /{media-id}/insights?metric=a,b,…`), as Instagram
 * (developers.facebook.com/docs/instagram-platform/reference/instagram-media/insights) and Threads
 * (developers.facebook.com/docs/threads/insights, "Media Insights") document it: `data` holds one
 * entry per metric, `{name, period, values: [{value}], title, description, id}` (newer metrics may
 * carry `total_value: {value}` instead). A metric with no data yet is left out of `data` ("an
 * empty data set instead of 0"), so it reads 0. `null`: the media is gone (Graph 100/33 or 404).
 */
export async function mediaInsights(
  api: GraphCall,
  id: string,
  metrics: readonly string[],
): Promise<Record<string, number> | null> {
  let body: PlatformBody;
  try {
    body = await api('GET', `/${encodeURIComponent(id)}/insights`, { metric: metrics.join(',') });
  } catch (err) {
    if (isGone(err)) return null;
    throw err;
  }
  const counts: Record<string, number> = Object.fromEntries(metrics.map((m) => [m, 0]));
  for (const entry of Array.isArray(body.data) ? (body.data as PlatformBody[]) : []) {
    const name = String(entry.name ?? '');
    if (!(name in counts)) continue;
    const value = Array.isArray(entry.values) ? entry.values[0]?.value : entry.total_value?.value;
    counts[name] = typeof value === 'number' && Number.isFinite(value) ? value : 0;
  }
  return counts;
}

/** A Graph 100 that is not "does not exist" (100/33): here, a metric this media does not have. */
export function refusedMetric(err: unknown): boolean {
  const e = err as Partial<GraphError>;
  return e.metaCode === 100 && e.metaSubcode !== 33;
}

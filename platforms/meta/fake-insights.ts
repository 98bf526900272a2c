import type { FakeRequest, FakeResponse } from '../kit/fake-platform';
import { MetaGraphFake } from './fake-graph';

/**
 * `GET /{media-id}/insights?metric=…` as Instagram and Threads answer it: one entry per metric
 * asked that has data, `{name, period: 'lifetime', values: [{value}], title, description, id}`;
 * a metric the media does not have is a Graph 100. Counts come from `engagement` (0 where unset).
 */
export function insightsAnswer(
  req: FakeRequest,
  id: string,
  known: readonly string[],
  engagement: ReadonlyMap<string, Record<string, number>>,
): FakeResponse {
  const asked = (req.query.get('metric') ?? '').split(',').filter(Boolean);
  if (!asked.length) return MetaGraphFake.error(400, 100, '(#100) The parameter metric is required');
  const unknown = asked.find((m) => !known.includes(m));
  // Instagram's wording for a metric the media's product type (a story) does not have.
  if (unknown)
    return MetaGraphFake.error(
      400,
      100,
      `(#100) The Media Insights API does not support the ${unknown} metric for this media product type.`,
    );
  const counts = engagement.get(id) ?? {};
  return {
    status: 200,
    body: {
      data: asked.map((name) => ({
        name,
        period: 'lifetime',
        values: [{ value: counts[name] ?? 0 }],
        title: name,
        description: name,
        id: `${id}/insights/${name}/lifetime`,
      })),
    },
  };
}

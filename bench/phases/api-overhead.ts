import { newPostId } from '../../client';
import { normaliseCreatePost } from '../../api/normalise';
import { PostGateway } from '../../gateway';
import { type BenchContext, TASK_QUEUE } from '../context';
import { load, percentile, round } from '../stats';

interface Figures {
  p50: number;
  p99: number;
  per_s: number;
}

const figures = ({ latencies, perSecond }: { latencies: number[]; perSecond: number }): Figures => ({
  p50: round(percentile(latencies, 50)),
  p99: round(percentile(latencies, 99)),
  per_s: round(perSecond, 1),
});

/**
 * `POST /v1/posts` (scheduled) and `GET /v1/posts/{id}` through the HTTP API, beside the bare
 * Temporal calls they stand on (`workflow.start`, `query`) at the same concurrency, in the same run.
 */
export async function measureApiOverhead(ctx: BenchContext) {
  const { stack, settings } = ctx;
  const accountId = ctx.accounts[0];
  const tomorrow = () => new Date(Date.now() + 86_400_000).toISOString();
  const body = () => ({ account_ids: [accountId], text: 'bench', scheduled_at: tomorrow() });
  const account = () => ({ platform: 'sandbox', status: 'active' as const });
  const spec = () =>
    normaliseCreatePost(body(), { id: newPostId(), userId: 'usr_default', now: new Date(), account });

  const { body: existing } = await stack.request('POST', '/v1/posts', body());
  const handle = ctx.temporal.workflow.getHandle(existing.id);
  await handle.query('post'); // the worker has the post in its cache from here on

  // The bare start is the gateway's, as the API's is: the same workflow start with the same search
  // attributes, so only the HTTP layer, the checks and the store differ.
  const gateway = new PostGateway({ temporal: ctx.temporal, taskQueue: TASK_QUEUE });
  const ms = settings.apiSecondsPerLevel * 1000;
  const byClients: Record<string, Record<string, Figures>> = {};
  for (const clients of settings.apiClients) {
    const apiCreate = await load(clients, ms, async () => {
      const res = await fetch(`${stack.baseUrl}/v1/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body()),
      });
      if (res.status !== 201) throw new Error(`POST /v1/posts answered ${res.status}`);
      await res.arrayBuffer();
    });
    const bareStart = await load(clients, ms, async () => {
      await gateway.workflows.start(spec());
    });
    const apiGet = await load(clients, ms, async () => {
      const res = await fetch(`${stack.baseUrl}/v1/posts/${existing.id}`, {
        headers: { authorization: `Bearer ${stack.apiKey}` },
      });
      if (res.status !== 200) throw new Error(`GET /v1/posts/{id} answered ${res.status}`);
      await res.arrayBuffer();
    });
    const bareQuery = await load(clients, ms, async () => {
      await handle.query('post');
    });
    byClients[clients] = {
      api_create: figures(apiCreate),
      bare_start: figures(bareStart),
      api_get: figures(apiGet),
      bare_query: figures(bareQuery),
    };
    const f = byClients[clients];
    ctx.log(
      `  ${clients} clients: create ${f.api_create.p50}/${f.bare_start.p50} ms, get ${f.api_get.p50}/${f.bare_query.p50} ms (API/bare p50)`,
    );
  }
  const top = byClients[Math.max(...settings.apiClients)];
  return {
    api_create_ms: { p50: top.api_create.p50, p99: top.api_create.p99 },
    bare_start_ms: { p50: top.bare_start.p50, p99: top.bare_start.p99 },
    api_get_ms: { p50: top.api_get.p50, p99: top.api_get.p99 },
    bare_query_ms: { p50: top.bare_query.p50, p99: top.bare_query.p99 },
    api_create_overhead: round(top.api_create.p50 / top.bare_start.p50 - 1, 3),
    api: byClients,
  };
}

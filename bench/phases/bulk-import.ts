import type { BenchContext } from '../context';
import { pool, round, rssMb } from '../stats';

/** Concurrent callers of the baseline: a script sending a file's rows one `POST /v1/posts` each. */
const BASELINE_CLIENTS = 10;

/** Peak RSS (MB) of the API and the worker while `work` runs, sampled every 100 ms. */
async function withPeakRss<T>(ctx: BenchContext, work: () => Promise<T>) {
  const peak = { api: 0, worker: 0 };
  const sample = async () => {
    peak.api = Math.max(peak.api, await rssMb(ctx.stack.api!.pid!));
    peak.worker = Math.max(peak.worker, await rssMb(ctx.stack.worker!.pid!));
  };
  let running = true;
  const sampler = (async () => {
    while (running) {
      await sample();
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  try {
    return { result: await work(), peak };
  } finally {
    running = false;
    await sampler;
    await sample();
  }
}

/** N scheduled rows, as the import's CSV lines and as the baseline's `POST /v1/posts` bodies. */
function rowsOf(ctx: BenchContext, prefix: string) {
  const at = new Date(Date.now() + 7 * 86_400_000).toISOString();
  return Array.from({ length: ctx.settings.importRows }, (_, i) => ({
    text: `${prefix} ${i}`,
    account_ids: [ctx.accounts[0]],
    scheduled_at: at,
  }));
}

const rssNow = async (ctx: BenchContext) => ({
  api: await rssMb(ctx.stack.api!.pid!),
  worker: await rssMb(ctx.stack.worker!.pid!),
});

/**
 * `POST /v1/posts/import` with N scheduled rows as CSV, on a fresh stack: the dry run (every row
 * checked, nothing stored), then the import, timed to its 202 (checked and stored) and to `done`
 * in its report (every row's post started by the import workflow), with the API's and the worker's
 * peak RSS meanwhile. Its baseline is `measureSingleCreates` on another fresh stack of the run.
 */
export async function measureBulkImport(ctx: BenchContext) {
  const { stack } = ctx;
  const rows = rowsOf(ctx, 'imported');
  const file = [
    'text,account_ids,scheduled_at',
    ...rows.map((r) => `${r.text},${r.account_ids[0]},${r.scheduled_at}`),
  ].join('\n');
  const post = (query: string) =>
    fetch(`${stack.baseUrl}/v1/posts/import${query}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'text/csv' },
      body: file,
    });
  const atStart = await rssNow(ctx);

  const t = performance.now();
  const dry = await post('?dry_run=true');
  if (dry.status !== 200) throw new Error(`dry run answered ${dry.status}`);
  await dry.arrayBuffer();
  const dryRunMs = performance.now() - t;

  const { result, peak } = await withPeakRss(ctx, async () => {
    const started = performance.now();
    const res = await post('');
    if (res.status !== 202) throw new Error(`import answered ${res.status}: ${await res.text()}`);
    const { id } = (await res.json()) as { id: string };
    const acceptedMs = performance.now() - started;
    for (;;) {
      const { body } = await stack.request('GET', `/v1/posts/imports/${id}`);
      if (body.status === 'done') {
        if (body.counts.created !== rows.length) throw new Error(`import: ${JSON.stringify(body.counts)}`);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    return { acceptedMs, doneMs: performance.now() - started };
  });
  return {
    dry_run_s: round(dryRunMs / 1000, 2),
    accepted_s: round(result.acceptedMs / 1000, 2),
    done_s: round(result.doneMs / 1000, 1),
    rows_per_s: round(rows.length / (result.doneMs / 1000), 1),
    rss_mb: { at_start: atStart, peak },
  };
}

/**
 * The baseline: the same N rows as N `POST /v1/posts` calls from 10 concurrent clients (a script
 * walking the file; each 201 is a started post), with the same peak RSS sampling.
 */
export async function measureSingleCreates(ctx: BenchContext) {
  const { stack } = ctx;
  const rows = rowsOf(ctx, 'single');
  const atStart = await rssNow(ctx);
  const { result, peak } = await withPeakRss(ctx, async () => {
    const t = performance.now();
    await pool(rows, BASELINE_CLIENTS, async (row) => {
      const res = await fetch(`${stack.baseUrl}/v1/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(row),
      });
      if (res.status !== 201) throw new Error(`POST /v1/posts answered ${res.status}`);
      await res.arrayBuffer();
    });
    return performance.now() - t;
  });
  return {
    done_s: round(result / 1000, 1),
    rows_per_s: round(rows.length / (result / 1000), 1),
    rss_mb: { at_start: atStart, peak },
  };
}

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PostflowClient } from '../../client';
import { ThreadsFake } from '../../platforms/meta/threads/fake';
import { type BenchContext, openContext, PRE_DISPATCH_MS, type Settings, TASK_QUEUE } from '../context';
import { distribution, percentile, pool, round } from '../stats';

/**
 * Schedule precision of media posts whose platform processes them before they can be published:
 * video posts to Threads' fake, whose containers process for 30–120 s (Threads documents about
 * 30 s on average), spread over a window. The lag is from `scheduled_at` to the `threads_publish`
 * call. The same posts three ways, interleaved in one run: at the instant (no lead), with the
 * publish call dispatched ahead only (pre-dispatch, `POSTFLOW_PRE_STAGE=off`), and pre-staged
 * (the container made and processed minutes ahead, by the lead the gateway's table gives Threads
 * video, or `stageS` when the settings set one).
 */
export async function measureMediaPrecision(settings: Settings, log: (line: string) => void) {
  const { posts, windowS, processingS, stageS } = settings.mediaPrecision!;
  const threads = new ThreadsFake();
  await threads.start();
  // Each container's processing time, spread over the range in a fixed order.
  let made = 0;
  const [least, most] = processingS;
  threads.videoProcessingMs = () => (least + ((made++ * 37) % (most - least + 1))) * 1000;
  const video = await serveVideo();
  const ctx = await openContext(settings, log, 0, {
    POSTFLOW_THREADS_API_URL: threads.url,
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
  });
  try {
    const account = await ctx.stack.request('POST', '/v1/accounts', {
      platform: 'threads',
      name: 'bench-threads',
      credentials: threads.credentials(),
    });
    if (account.status !== 201)
      throw new Error(`the Threads account was refused: ${JSON.stringify(account.body)}`);
    const ways = {
      at_instant: client(ctx, {}),
      pre_dispatch: client(ctx, { preDispatchMs: PRE_DISPATCH_MS, preStage: false }),
      pre_staged: client(ctx, {
        preDispatchMs: PRE_DISPATCH_MS,
        preStage: stageS === undefined ? true : stageS * 1000,
      }),
    };
    // The first post is due once the longest lead has passed after every post was created.
    const leadMs = (stageS ?? 300) * 1000 + 20_000;
    const t0 = Date.now() + leadMs;
    const due = new Map<string, { way: keyof typeof ways; at: number }>();
    log(`  creating ${posts} video posts each way; the first is due in ${Math.round(leadMs / 1000)} s`);
    const plan = (Object.keys(ways) as Array<keyof typeof ways>).flatMap((way) =>
      Array.from({ length: posts }, (_, i) => ({
        way,
        i,
        at: t0 + Math.floor((i * windowS * 1000) / posts),
      })),
    );
    await pool(plan, 10, async ({ way, i, at }) => {
      const text = `media on time ${way} ${i}`;
      await ways[way].posts.create({
        account_ids: [account.body.id],
        text,
        media: [{ source_type: 'url', source: video.url }],
        scheduled_at: new Date(at).toISOString(),
      });
      due.set(text, { way, at });
    });
    if (Date.now() > t0) log(`  warning: creation overran the lead time by ${Date.now() - t0} ms`);

    // Until every post is out: the last is due at the window's end and may process for `most` s more.
    const deadline = t0 + windowS * 1000 + most * 1000 + 300_000;
    const published = () => threads.published.filter((p) => due.has(p.text));
    while (published().length < due.size && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1000));
    if (published().length < due.size)
      throw new Error(`only ${published().length} of ${due.size} media posts were published by the deadline`);
    const lagsOf = (way: keyof typeof ways) =>
      published()
        .filter((p) => due.get(p.text)!.way === way)
        .map((p) => threads.publishedAt.get(p.id)! - due.get(p.text)!.at);
    const lags = (way: keyof typeof ways) => {
      const values = lagsOf(way);
      return {
        p50: round(percentile(values, 50)),
        p99: round(percentile(values, 99)),
        max: round(Math.max(...values)),
      };
    };
    const result = {
      media_fire_lag_ms: lags('pre_staged'),
      media_fire_lag_pre_dispatch_only_ms: lags('pre_dispatch'),
      media_fire_lag_at_instant_ms: lags('at_instant'),
      media_fire_lag_distribution_ms: {
        pre_staged: distribution(lagsOf('pre_staged')),
        pre_dispatch_only: distribution(lagsOf('pre_dispatch')),
        at_instant: distribution(lagsOf('at_instant')),
      },
      media_precision_posts: posts,
      media_processing_s: processingS,
      media_stage_s: stageS ?? 'table',
    };
    for (const [name, lag] of [
      ['pre-staged', result.media_fire_lag_ms],
      ['pre-dispatch only', result.media_fire_lag_pre_dispatch_only_ms],
      ['at the instant', result.media_fire_lag_at_instant_ms],
    ] as const)
      log(`  ${name}: lag p50 ${lag.p50} ms, p99 ${lag.p99} ms, max ${lag.max} ms`);
    return result;
  } finally {
    await ctx.close();
    await video.stop();
    await threads.stop();
  }
}

/** A client of the bench's stack starting posts as `options` say (no metrics, as elsewhere in the bench). */
function client(ctx: BenchContext, options: { preDispatchMs?: number; preStage?: boolean | number }) {
  return new PostflowClient({
    temporal: ctx.temporal,
    store: ctx.store,
    taskQueue: TASK_QUEUE,
    collectMetrics: false,
    allowPrivateUrls: true,
    ...options,
  });
}

/** A video Threads fetches by URL: a few bytes served as `video/mp4` (the fake only checks its type). */
async function serveVideo(): Promise<{ url: string; stop: () => Promise<void> }> {
  const bytes = Buffer.alloc(4096, 1);
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length });
    res.end(bytes);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/clip.mp4`,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

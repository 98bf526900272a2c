import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadConfig, projectRoot } from '../runtime/config';
import { temporalCli } from '../test/helpers/tools';
import { type BenchContext, openContext, SETTINGS, type Settings } from './context';
import { describeMachine } from './machine';
import { measureApiOverhead } from './phases/api-overhead';
import { measureBulkImport, measureSingleCreates } from './phases/bulk-import';
import { CACHES, measureCacheTrade } from './phases/cache-trade';
import { measureCeiling, stopChild, useBenchWorkers } from './phases/ceiling';
import { measureMediaPrecision } from './phases/media-precision';
import { measureMediaTransfer } from './phases/media-transfer';
import { measureMemory } from './phases/memory';
import { measureOAuthConnect } from './phases/oauth-connect';
import { measurePrecisionBothWays } from './phases/precision';
import { measureQueueSlots } from './phases/queue-slots';
import { measureScaleOut } from './phases/scale-out';
import { measureScaleOutOnCluster } from './phases/scale-out-cluster';
import { renderMarkdown } from './report';
import { round } from './stats';

/**
 * `npm run bench` (full form, results in bench/results/) or `npm run bench -- --short` (CI form,
 * results in bench/results/short/). Every figure is measured beside its baseline in the same run.
 */
async function main(): Promise<void> {
  const short = process.argv.includes('--short');
  const settings = SETTINGS[short ? 'short' : 'full'];
  const outDir = join(projectRoot(), 'bench', 'results', ...(short ? ['short'] : []));
  const log = (line: string) => console.log(line);
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const started = Date.now();
  const machine = describeMachine(await temporalCli());
  log(`Postflow bench, ${settings.form} form, on ${machine.cpu} (${machine.cores} cores)`);

  // A long run that fails late keeps what it measured: each phase's figures so far, in partial.json.
  const checkpoint = (soFar: Record<string, unknown>) => {
    mkdirSync(outDir, { recursive: true });
    writeFileSync(join(outDir, 'partial.json'), `${JSON.stringify(soFar, null, 2)}\n`);
  };
  const ctx = await openContext(settings, log, Math.max(...settings.targets));
  let figures: Record<string, unknown> = {};
  try {
    log('Ceiling ratio and history cost…');
    let workers = await useBenchWorkers(ctx, 1, []);
    const ceiling = await measureCeiling(ctx);
    let cacheTrade = {};
    if (settings.cacheBaseline) {
      log(`Steady throughput, workflow cache ${CACHES.bounded} beside Temporal's default…`);
      const { workers: running, ...trade } = await measureCacheTrade(ctx, workers);
      workers = running;
      cacheTrade = trade;
    }
    log('Scale-out on the dev server…');
    const scale = await measureScaleOut(ctx, workers);
    workers = scale.workers;
    await Promise.all(workers.map(stopChild));
    await ctx.stack.startWorker();
    // Precision before the API phase: the API phase leaves thousands of sleeping posts behind.
    log('Schedule precision, at the instant and dispatched ahead…');
    const precision = await measurePrecisionBothWays(ctx);
    log('API overhead…');
    const api = await measureApiOverhead(ctx);
    log('Queue slots taken by concurrent adds…');
    const queue = await measureQueueSlots(ctx);
    figures = {
      ...ceiling,
      ...cacheTrade,
      scale_out_posts_per_s: scale.scale_out_posts_per_s,
      scale_out_cpu_share: scale.scale_out_cpu_share,
      scale_out_cpu_ms_per_post: scale.scale_out_cpu_ms_per_post,
      ...api,
      ...queue,
      ...precision,
    };
    checkpoint(figures);
  } finally {
    await ctx.close();
  }

  log('Scale-out on the production-shaped Temporal (PostgreSQL persistence, SQL visibility)…');
  const cluster = await measureScaleOutOnCluster(settings, log);
  figures = {
    ...figures,
    ...cluster,
    scale_out_cluster_vs_dev: relativeTo(
      cluster.scale_out_cluster_posts_per_s,
      figures.scale_out_posts_per_s as Record<string, number>,
    ),
  };

  checkpoint(figures);

  log('OAuth connect round trip, beside a bare client…');
  figures = { ...figures, ...(await measureOAuthConnect(settings, log)) };
  checkpoint(figures);

  log(`Memory with sleeping posts (workflow cache ${CACHES.bounded})…`);
  figures = { ...figures, ...(await memoryWith(settings, log, CACHES.bounded)) };
  if (settings.cacheBaseline) {
    log("Memory with sleeping posts, Temporal's default workflow cache (the baseline)…");
    const { worker_rss_mb } = await memoryWith(settings, log, CACHES.temporal);
    figures = { ...figures, worker_rss_mb_temporal_cache: worker_rss_mb };
  }

  checkpoint(figures);

  log(`Bulk import of ${settings.importRows} rows, beside as many single creates…`);
  figures = { ...figures, ...(await bulkImport(settings, log)) };
  checkpoint(figures);

  if (settings.mediaPrecision) {
    log(
      'Media posts on the second: Threads videos processing 30–120 s, pre-staged, dispatched ahead only, at the instant…',
    );
    figures = { ...figures, ...(await measureMediaPrecision(settings, log)) };
    checkpoint(figures);
  }

  log(`Media: a ${settings.mediaMib} MiB video uploaded and published, beside curl and a bare client…`);
  figures = { ...figures, ...(await measureMediaTransfer(settings, log)) };

  const result = {
    generated_at: new Date().toISOString(),
    duration_s: Math.round((Date.now() - started) / 1000),
    machine,
    settings,
    ...figures,
  };
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'latest.json'), `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(join(outDir, 'latest.md'), renderMarkdown(result));
  rmSync(join(outDir, 'partial.json'), { force: true });
  drawChart(join(outDir, 'latest.json'), join(outDir, 'latest.png'), log);
  log(`Results in ${outDir}/latest.{json,md,png} (${result.duration_s} s).`);
}

/** The memory phase on a fresh stack whose worker has this `POSTFLOW_MAX_CACHED_WORKFLOWS`. */
async function memoryWith(settings: Settings, log: (line: string) => void, cache: string) {
  const ctx = await openContext(settings, log, 1, { POSTFLOW_MAX_CACHED_WORKFLOWS: cache });
  try {
    return await measureMemory(ctx);
  } finally {
    await ctx.close();
  }
}

/**
 * The import and its baseline, each on a fresh stack (a process's RSS seldom shrinks, and the
 * posts one side leaves would weigh on the other).
 */
async function bulkImport(settings: Settings, log: (line: string) => void) {
  const run = async <T>(measure: (ctx: BenchContext) => Promise<T>) => {
    const ctx = await openContext(settings, log, 1);
    try {
      return await measure(ctx);
    } finally {
      await ctx.close();
    }
  };
  const imported = await run(measureBulkImport);
  const single = await run(measureSingleCreates);
  log(
    `  import: dry run ${imported.dry_run_s} s, accepted ${imported.accepted_s} s, every post started ` +
      `${imported.done_s} s (${imported.rows_per_s} rows/s); single creates ${single.done_s} s ` +
      `(${single.rows_per_s} rows/s); peak RSS API ${imported.rss_mb.peak.api} / ${single.rss_mb.peak.api} MB, ` +
      `worker ${imported.rss_mb.peak.worker} / ${single.rss_mb.peak.worker} MB`,
  );
  return {
    import_rows: settings.importRows,
    import: imported,
    import_single_creates: single,
    import_vs_single_creates: round(imported.rows_per_s / single.rows_per_s, 2),
  };
}

/** Each figure of `figures` over the same key's figure in `baseline`. */
function relativeTo(figures: Record<string, number>, baseline: Record<string, number>) {
  return Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v / baseline[k], 2)]));
}

/** Draws the chart with matplotlib, in a virtualenv under .tools made on first use. */
function drawChart(source: string, target: string, log: (line: string) => void): void {
  const venv = join(loadConfig().toolsDir, 'bench-venv');
  const python = join(venv, 'bin', 'python');
  if (!existsSync(join(venv, '.ready'))) {
    log('Installing matplotlib for the chart (first run only)…');
    execFileSync('python3', ['-m', 'venv', venv], { stdio: 'inherit' });
    execFileSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', 'matplotlib==3.11.2'],
      { stdio: 'inherit' },
    );
    writeFileSync(join(venv, '.ready'), '');
  }
  execFileSync(python, [join(projectRoot(), 'bench', 'chart.py'), source, target], { stdio: 'inherit' });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

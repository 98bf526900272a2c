/** Renders bench/results/latest.json as the Markdown table docs/performance.md quotes. */
export function renderMarkdown(r: any): string {
  const n = Object.keys(r.ceiling_ratio);
  const api = r.api as Record<string, Record<string, { p50: number; p99: number; per_s: number }>>;
  const lines = [
    `# Postflow benchmark (${r.settings.form} form, ${r.generated_at})`,
    '',
    `Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memory_gb} GB; Node ${r.machine.node}; ` +
      `Temporal SDK ${r.machine.temporal_sdk}; ${r.machine.temporal_server} (${r.machine.temporal_backend}).`,
    `Settings: sandbox and baseline latency ${r.settings.latencyMs} ms, ${r.settings.repetitions} repetitions (medians).`,
    '',
    '## Ceiling ratio and history cost',
    '',
    '| targets | Postflow posts/s | baseline posts/s | ratio | events per post | baseline events | minimum |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...n.map(
      (k) =>
        `| ${k} | ${r.postflow_posts_per_s[k]} | ${r.baseline_posts_per_s[k]} | **${r.ceiling_ratio[k]}** | ${r.history_events[k]} | ${r.baseline_history_events[k]} | ${r.history_minimum[k]} |`,
    ),
    '',
    '## Schedule precision',
    '',
    `${r.precision_posts} posts over ${r.settings.precision.windowS} s and a burst of ${r.precision_burst} due in the same second; ` +
      'lag from scheduled_at to the publish call:',
    '',
    '| publish call | lag p50 ms | p99 ms | max ms | burst drained, s |',
    '| --- | --- | --- | --- | --- |',
    ...(r.fire_lag_pre_dispatch_ms
      ? [
          `| dispatched ${r.pre_dispatch_s} s ahead | **${r.fire_lag_pre_dispatch_ms.p50}** | **${r.fire_lag_pre_dispatch_ms.p99}** | ${r.fire_lag_pre_dispatch_ms.max} | ${r.burst_1000_drain_pre_dispatch_s} |`,
        ]
      : []),
    `| at the instant (baseline) | ${r.fire_lag_ms.p50} | ${r.fire_lag_ms.p99} | ${r.fire_lag_ms.max} | ${r.burst_1000_drain_s} |`,
    '',
    ...(r.media_fire_lag_ms
      ? [
          `Video posts to Threads' fake, ${r.media_precision_posts} each way, each container processing ` +
            `${r.media_processing_s[0]}–${r.media_processing_s[1]} s; lag from scheduled_at to threads_publish:`,
          '',
          '| video post | lag p50 ms | p99 ms | max ms |',
          '| --- | --- | --- | --- |',
          ...(
            [
              [
                `pre-staged (${r.media_stage_s === 'table' ? "the gateway's table" : `${r.media_stage_s} s`})`,
                r.media_fire_lag_ms,
                true,
              ],
              [`dispatched ${r.pre_dispatch_s} s ahead only`, r.media_fire_lag_pre_dispatch_only_ms, false],
              ['at the instant', r.media_fire_lag_at_instant_ms, false],
            ] as Array<[string, { p50: number; p99: number; max: number }, boolean]>
          ).map(([way, lag, bold]) =>
            bold
              ? `| ${way} | **${lag.p50}** | **${lag.p99}** | ${lag.max} |`
              : `| ${way} | ${lag.p50} | ${lag.p99} | ${lag.max} |`,
          ),
          '',
        ]
      : []),
    '## API overhead (latency ms p50 / p99, calls/s)',
    '',
    '| clients | POST /v1/posts | bare workflow.start | GET /v1/posts/{id} | bare query |',
    '| --- | --- | --- | --- | --- |',
    ...Object.entries(api).map(
      ([c, f]) =>
        `| ${c} | ${f.api_create.p50} / ${f.api_create.p99} (${f.api_create.per_s}/s) | ${f.bare_start.p50} / ${f.bare_start.p99} (${f.bare_start.per_s}/s) | ` +
        `${f.api_get.p50} / ${f.api_get.p99} (${f.api_get.per_s}/s) | ${f.bare_query.p50} / ${f.bare_query.p99} (${f.bare_query.per_s}/s) |`,
    ),
    '',
    `At 50 clients the API adds **${Math.round(r.api_create_overhead * 100)} %** to the bare start (p50).`,
    '',
    ...queueSlots(r),
    ...memory(r),
    ...scaleOut(r),
    ...oauthConnect(r),
    ...bulkImport(r),
    ...mediaTransfer(r),
  ];
  return lines.join('\n');
}

/** Memory, and in the full form the workflow cache's trade beside Temporal's default cache. */
function memory(r: any): string[] {
  const old = r.worker_rss_mb_temporal_cache as Record<string, number> | undefined;
  return [
    '## Memory (RSS MB) with sleeping posts',
    '',
    `Worker with its default workflow cache${old ? "; beside it, the same with Temporal's heap-sized cache (before)" : ''}.`,
    '',
    `| sleeping posts | worker | ${old ? "worker, Temporal's cache | " : ''}Temporal dev server |`,
    `| --- | --- | ${old ? '--- | ' : ''}--- |`,
    ...Object.keys(r.worker_rss_mb).map(
      (k) => `| ${k} | ${r.worker_rss_mb[k]} | ${old ? `${old[k]} | ` : ''}${r.temporal_rss_mb[k]} |`,
    ),
    '',
    ...(r.cache_bounded_posts_per_s === undefined
      ? []
      : [
          `Steady throughput (5-target posts, one worker, medians, same run): bounded cache ` +
            `**${r.cache_bounded_posts_per_s}** posts/s, Temporal's cache **${r.cache_temporal_default_posts_per_s}** posts/s.`,
          '',
        ]),
  ];
}

/**
 * Scale-out on the dev server and, measured in the same run, on the production-shaped Temporal
 * (its "server" counts the Temporal server and the PostgreSQL processes).
 */
function scaleOut(r: any): string[] {
  const workers = Object.keys(r.scale_out_posts_per_s);
  const cpu = (share: { server: number; workers: number }) => `${share.server} / ${share.workers}`;
  const perPost = (figures: Record<string, { server: number; workers: number }> | undefined, k: string) =>
    figures ? `${figures[k].server} / ${figures[k].workers}` : '—';
  if (!r.scale_out_cluster_posts_per_s)
    return [
      '## Scale-out (5-target posts)',
      '',
      '| workers | posts/s | CPU share server / workers | CPU ms per post server / workers |',
      '| --- | --- | --- | --- |',
      ...workers.map(
        (k) =>
          `| ${k} | ${r.scale_out_posts_per_s[k]} | ${cpu(r.scale_out_cpu_share[k])} | ${perPost(r.scale_out_cpu_ms_per_post, k)} |`,
      ),
      '',
    ];
  return [
    '## Scale-out (5-target posts)',
    '',
    `Dev server (the baseline), then the production-shaped Temporal: ${r.scale_out_cluster_backend}. ` +
      "There the server's CPU counts the Temporal server and every PostgreSQL process (PostgreSQL's part in brackets).",
    '',
    '| workers | dev server posts/s | CPU share server / workers | CPU ms per post server / workers |' +
      ' cluster posts/s | CPU share server (PostgreSQL) / workers | CPU ms per post server / workers | cluster / dev server |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...workers.map((k) => {
      const share = r.scale_out_cluster_cpu_share[k];
      return (
        `| ${k} | ${r.scale_out_posts_per_s[k]} | ${cpu(r.scale_out_cpu_share[k])} | ${perPost(r.scale_out_cpu_ms_per_post, k)} | ` +
        `${r.scale_out_cluster_posts_per_s[k]} | ${share.server} (${share.postgres}) / ${share.workers} | ` +
        `${perPost(r.scale_out_cluster_cpu_ms_per_post, k)} | **${r.scale_out_cluster_vs_dev[k]}** |`
      );
    }),
    '',
  ];
}

/** The bulk-import phase beside its baseline of single creates (absent from older results). */
function bulkImport(r: any): string[] {
  if (!r.import) return [];
  const i = r.import;
  const s = r.import_single_creates;
  return [
    `## Bulk import (${r.import_rows} scheduled rows, CSV)`,
    '',
    '| | checked | accepted (202) | every post started | rows/s | peak RSS API / worker (MB) |',
    '| --- | --- | --- | --- | --- | --- |',
    `| \`POST /v1/posts/import\` | ${i.dry_run_s} s (dry run) | ${i.accepted_s} s | ${i.done_s} s | **${i.rows_per_s}** | ${i.rss_mb.peak.api} / ${i.rss_mb.peak.worker} |`,
    `| baseline: \`POST /v1/posts\` per row, 10 clients | — | — | ${s.done_s} s | ${s.rows_per_s} | ${s.rss_mb.peak.api} / ${s.rss_mb.peak.worker} |`,
    '',
    `The import makes its posts at **${r.import_vs_single_creates}×** the rate of single creates. ` +
      `RSS at the start: API ${i.rss_mb.at_start.api} / ${s.rss_mb.at_start.api} MB, worker ${i.rss_mb.at_start.worker} / ${s.rss_mb.at_start.worker} MB (import / baseline stacks).`,
    '',
  ];
}

/** The media phase beside its loopback baselines (absent from older results). */
function mediaTransfer(r: any): string[] {
  if (r.media_mib === undefined) return [];
  return [
    `## Media (a ${r.media_mib} MiB video)`,
    '',
    ...(r.media_rounds
      ? [
          `Median of ${r.media_rounds} rounds, each Postflow and its baseline back to back; ratios of the rounds: ` +
            `upload ${r.media_upload_vs_baseline_range.join('–')}, publish ${r.media_publish_vs_baseline_range.join('–')}. ` +
            'Peak RSS growth: the largest round.',
          '',
        ]
      : []),
    '| | Postflow MB/s | baseline MB/s | ratio | peak RSS growth |',
    '| --- | --- | --- | --- | --- |',
    `| upload: 64 MiB parts to the signed upload URL | ${r.media_upload_mb_s} | ${r.media_upload_baseline_mb_s} (curl to a bare server writing to disk) | **${r.media_upload_vs_baseline}** | API ${r.media_api_rss_growth_mb} MB |`,
    `| publish: YouTube resumable upload, session to final chunk | ${r.media_publish_mb_s} | ${r.media_publish_baseline_mb_s} (a bare client in a process of its own: the same chunks streamed from disk to the same fake) | **${r.media_publish_vs_baseline}** | worker ${r.media_worker_rss_growth_mb} MB |`,
    '',
    `The post itself, \`POST /v1/posts\` to published, took ${r.media_publish_post_s} s.`,
    '',
  ];
}

/** Queue slots taken by concurrent adds, beside plain scheduled creates (absent from older results). */
function queueSlots(r: any): string[] {
  if (!r.queue_add_ms) return [];
  const q = r.queue_add_ms;
  const b = r.queue_add_baseline_ms;
  return [
    `## Queue slots (${r.queue_adds} adds at once, each to a different slot)`,
    '',
    '| | latency p50 / p99 ms | all answered, ms |',
    '| --- | --- | --- |',
    `| \`POST /v1/posts\` with \`"queue": true\` | ${q.p50} / ${q.p99} | **${q.all_done_ms}** |`,
    `| baseline: \`POST /v1/posts\` with the same \`scheduled_at\` | ${b.p50} / ${b.p99} | ${b.all_done_ms} |`,
    '',
    `Taking the slots costs **${r.queue_add_vs_baseline}×** the time of the plain creates.`,
    '',
  ];
}

/** The OAuth connect round trip beside a bare client's platform calls (absent from older results). */
function oauthConnect(r: any): string[] {
  if (!r.oauth_connect_ms) return [];
  const p = r.oauth_connect_ms;
  const b = r.oauth_connect_baseline_ms;
  return [
    `## OAuth connect round trip (X's fake, ${r.oauth_connects} connections each way)`,
    '',
    '| | p50 ms | p99 ms |',
    '| --- | --- | --- |',
    `| connect → consent → Postflow's callback → account | **${p.p50}** | ${p.p99} |`,
    `| baseline: consent with PKCE, token, user, by a bare client | ${b.p50} | ${b.p99} |`,
    '',
    `Postflow adds **${r.oauth_connect_added_ms} ms** (p50) to the platform's own round trips.`,
    '',
  ];
}

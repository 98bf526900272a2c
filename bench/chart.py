"""Draws bench/results/latest.json as a PNG: ceiling, API latency, memory, scale-out (dev server and cluster)."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

source, target = sys.argv[1], sys.argv[2]
r = json.load(open(source))
fig, ax = plt.subplots(2, 2, figsize=(12, 8))
fig.suptitle(f"Postflow bench ({r['settings']['form']}) — {r['machine']['cpu']}, {r['machine']['cores']} cores")

n = list(r["ceiling_ratio"].keys())
x = range(len(n))
a = ax[0][0]
a.bar([i - 0.2 for i in x], [r["postflow_posts_per_s"][k] for k in n], 0.4, label="Postflow")
a.bar([i + 0.2 for i in x], [r["baseline_posts_per_s"][k] for k in n], 0.4, label="baseline fan-out")
a.set_xticks(list(x), [f"{k} targets\nratio {r['ceiling_ratio'][k]}" for k in n])
a.set_ylabel("posts / s")
a.set_title("Throughput against the ceiling")
a.legend()

a = ax[0][1]
clients = list(r["api"].keys())
for key, label in [("api_create", "POST /v1/posts"), ("bare_start", "workflow.start"), ("api_get", "GET /v1/posts/{id}"), ("bare_query", "query")]:
    a.plot(clients, [r["api"][c][key]["p50"] for c in clients], marker="o", label=f"{label} p50")
a.set_xlabel("concurrent clients")
a.set_ylabel("ms")
a.set_title("API latency beside the bare Temporal call")
a.legend(fontsize=8)

a = ax[1][0]
sleeping = list(r["worker_rss_mb"].keys())
a.plot(sleeping, [r["worker_rss_mb"][k] for k in sleeping], marker="o", label="worker")
if "worker_rss_mb_temporal_cache" in r:
    a.plot(sleeping, [r["worker_rss_mb_temporal_cache"][k] for k in sleeping], marker="o", label="worker, Temporal's cache")
a.plot(sleeping, [r["temporal_rss_mb"][k] for k in sleeping], marker="o", label="Temporal dev server")
a.set_xlabel("sleeping posts")
a.set_ylabel("RSS MB")
a.set_title("Memory")
a.legend()

a = ax[1][1]
workers = list(r["scale_out_posts_per_s"].keys())
x = range(len(workers))
if "scale_out_cluster_posts_per_s" in r:
    a.bar([i - 0.2 for i in x], [r["scale_out_posts_per_s"][k] for k in workers], 0.4, label="dev server")
    a.bar([i + 0.2 for i in x], [r["scale_out_cluster_posts_per_s"][k] for k in workers], 0.4,
          label="temporal-server + PostgreSQL")
    # Headroom above the bars for the legend.
    a.set_ylim(0, 1.3 * max(list(r["scale_out_posts_per_s"].values()) + list(r["scale_out_cluster_posts_per_s"].values())))
    a.legend(fontsize=8, loc="upper left")
else:
    a.bar(list(x), [r["scale_out_posts_per_s"][k] for k in workers])
a.set_xticks(list(x), workers)
a.set_xlabel("worker processes")
a.set_ylabel("5-target posts / s")
a.set_title(f"Scale-out; fire lag p99 {r['fire_lag_ms']['p99']} ms")

fig.tight_layout()
fig.savefig(target, dpi=100)

"""Draws bench/results/latest.json as a PNG: ceiling, API latency, memory, scale-out (dev server and
cluster), and the fire-lag distributions (each way of the precision phases)."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

source, target = sys.argv[1], sys.argv[2]
r = json.load(open(source))
fig, ax = plt.subplots(3, 2, figsize=(12, 12))
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
a.set_title("Scale-out")



def lag_distribution(a, ways, title):
    """Each way's lag (x, ms, symmetric log) against the share of posts at most that late (y)."""
    for label, dist in ways:
        if not dist:
            continue
        points = sorted(dist.items(), key=lambda kv: float(kv[0][1:]))
        a.plot([v for _, v in points], [float(k[1:]) for k, _ in points], marker="o", markersize=3, label=label)
    a.set_xscale("symlog", linthresh=10)
    a.axvline(1000, color="grey", linestyle=":", linewidth=1)
    a.text(1000, 50, " 1 s", color="grey", fontsize=8)
    a.set_xlabel("lag from scheduled_at to the publish call, ms (symlog)")
    a.set_ylabel("percentile of posts")
    a.set_title(title)
    a.legend(fontsize=8, loc="center right")


dist = r.get("fire_lag_distribution_ms", {})
lag_distribution(
    ax[2][0],
    [(f"dispatched {r.get('pre_dispatch_s')} s ahead", dist.get("pre_dispatch")), ("at the instant", dist.get("at_instant"))],
    f"Fire lag, {r['precision_posts']} posts + a burst of {r['precision_burst']}",
)
media = r.get("media_fire_lag_distribution_ms", {})
if media:
    lag_distribution(
        ax[2][1],
        [("pre-staged", media.get("pre_staged")), ("dispatched ahead only", media.get("pre_dispatch_only")),
         ("at the instant", media.get("at_instant"))],
        f"Video posts to Threads, processing {r['media_processing_s'][0]}-{r['media_processing_s'][1]} s",
    )
else:
    ax[2][1].axis("off")

fig.tight_layout()
fig.savefig(target, dpi=100)

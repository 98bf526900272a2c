import type { z } from 'zod';
import type { postMetricsResourceSchema } from '../api/resources';
import type { PostMetrics, PostResource, StoredMetrics } from '../api/types';
import { renderMetricsChart } from '../charts/metrics-chart';
import type { Store } from '../store/types';

/** `GET /v1/posts/{id}/metrics`: each target's latest collected metrics. */
export type PostMetricsResource = z.infer<typeof postMetricsResourceSchema>;

/** One pass of a target's collection: when it was due (publish + the schedule's offset) and read. */
export interface MetricsPass {
  due_at: string;
  synced_at: string;
  metrics: PostMetrics;
}

/** A post's collected metrics over time: every pass of each target, oldest first (a chart's data). */
export interface PostMetricsSeries {
  post_id: string;
  targets: Array<{
    account_id: string;
    platform: string;
    /** False where the platform's metrics are not read: its `passes` stay empty. */
    metrics_supported: boolean;
    passes: MetricsPass[];
  }>;
}

export interface PostMetricsDeps {
  store: Store;
  /** The post as `GET /v1/posts/{id}` answers it: resolves platform post ids, 404 and 409. */
  getPost: (userId: string, idOrPlatformId: string) => Promise<PostResource>;
}

/**
 * A post's collected metrics (analytics), read from the store the collection writes
 * (workflows/collect-metrics.ts). The post is looked up as `GET /v1/posts/{id}` does, so the same
 * ids, owners and deleted targets apply.
 */
export class PostMetricsService {
  constructor(private readonly deps: PostMetricsDeps) {}

  /** Each target's latest metrics (`metrics: null` until its first pass). */
  async current(userId: string, id: string): Promise<PostMetricsResource> {
    const post = await this.deps.getPost(userId, id);
    return {
      post_id: post.id,
      targets: post.targets.map((t) => ({
        account_id: t.account_id,
        platform: t.platform,
        status: t.status,
        platform_post_id: t.platform_post_id,
        metrics: t.metrics,
        metrics_synced_at: t.metrics_synced_at,
        metrics_supported: t.metrics_supported,
      })),
    };
  }

  /** Every stored pass of each target, oldest first: the engagement curve. */
  async series(userId: string, id: string): Promise<PostMetricsSeries> {
    return this.seriesOf(await this.deps.getPost(userId, id));
  }

  /** The engagement curves as a PNG (`GET /v1/posts/{id}/metrics.png`). */
  async chart(userId: string, id: string): Promise<Buffer> {
    const post = await this.deps.getPost(userId, id);
    return metricsChart(post, await this.seriesOf(post));
  }

  private async seriesOf(post: PostResource): Promise<PostMetricsSeries> {
    const passes = await this.deps.store.metrics.history(post.id);
    return {
      post_id: post.id,
      targets: post.targets.map((t) => ({
        account_id: t.account_id,
        platform: t.platform,
        metrics_supported: t.metrics_supported,
        passes: passes
          .filter((p) => p.accountId === t.account_id)
          .map((p) => ({ due_at: p.dueAt, synced_at: p.syncedAt, metrics: p.metrics })),
      })),
    };
  }
}

/**
 * `GET /v1/posts/{id}/metrics.png`: the series drawn as engagement curves (charts/), one panel per
 * target whose platform reports metrics, on the time each pass was read.
 */
export function metricsChart(post: Pick<PostResource, 'text'>, series: PostMetricsSeries): Buffer {
  const title = post.text?.split('\n')[0]?.trim() || series.post_id;
  return renderMetricsChart({
    title,
    targets: series.targets
      .filter((t) => t.metrics_supported)
      .map((t) => ({
        label: `${t.platform} · ${t.account_id}`,
        passes: t.passes.map((p) => ({ at: p.synced_at, metrics: p.metrics })),
      })),
  });
}

/** The post with each target's latest stored pass as its `metrics` and `metrics_synced_at`. */
export function withMetrics(post: PostResource, latest: readonly StoredMetrics[]): PostResource {
  if (latest.length === 0) return post;
  return {
    ...post,
    targets: post.targets.map((t) => {
      const pass = latest.find((m) => m.accountId === t.account_id);
      return pass ? { ...t, metrics: pass.metrics, metrics_synced_at: pass.syncedAt } : t;
    }),
  };
}

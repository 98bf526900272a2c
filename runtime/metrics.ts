import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { POST_STATUSES, type PostStatus } from '../api/types';

/** Counts posts of one status; the API asks Temporal's visibility store. */
export type PostCounter = (status: PostStatus) => Promise<number>;

/** How long a scrape waits for the post counts before answering with the last known ones. */
const COUNT_TIMEOUT_MS = 5_000;

/**
 * Postflow's own metrics (Prometheus, via prom-client); docs/observability.md lists them. One
 * registry per process: `postflow dev` runs the worker and the API in one and serves both sets.
 */
export class PostflowMetrics {
  readonly registry = new Registry();

  /** Deliveries that ended, by platform and final outcome (`published` or `failed`). */
  readonly deliveries = new Counter({
    name: 'postflow_deliveries_total',
    help: 'Deliveries (one post to one account) that ended, by platform and outcome (published, failed).',
    labelNames: ['platform', 'outcome'] as const,
    registers: [this.registry],
  });

  /**
   * Retries: `publish` — a publish call the workflow made again after a failure that proved nothing
   * was published; `step` — Temporal retrying a prepare, check or reconcile step.
   */
  readonly retries = new Counter({
    name: 'postflow_retries_total',
    help: 'Automatic retries, by platform and kind (publish: the publish call again; step: a prepare, check or reconcile step again).',
    labelNames: ['platform', 'kind'] as const,
    registers: [this.registry],
  });

  readonly reconciles = new Counter({
    name: 'postflow_reconciles_total',
    help: 'Look-ups of a post on its platform after an unknown outcome, by platform and outcome (found, absent, unsearchable, error).',
    labelNames: ['platform', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly fireLag = new Histogram({
    name: 'postflow_fire_lag_seconds',
    help: 'Scheduled posts: seconds from scheduled_at until the delivery was published, by platform.',
    labelNames: ['platform'] as const,
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600],
    registers: [this.registry],
  });

  readonly platformRequests = new Histogram({
    name: 'postflow_platform_request_duration_seconds',
    help: 'HTTP calls to platform APIs, by platform and status (the HTTP status, or "error" when no answer came).',
    labelNames: ['platform', 'status'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });

  readonly httpRequests = new Counter({
    name: 'postflow_http_requests_total',
    help: 'Requests the HTTP API answered, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpDuration = new Histogram({
    name: 'postflow_http_request_duration_seconds',
    help: 'Time the HTTP API took to answer, by method, route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  private postCounter: PostCounter | undefined;
  private readonly lastCounts = new Map<PostStatus, number>();

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'postflow_' });
    const countPosts = () => this.countPosts();
    new Gauge({
      name: 'postflow_posts',
      help: 'Posts Temporal knows, by status (counted in its visibility store at each scrape; served by the API).',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        for (const [status, count] of await countPosts()) this.set({ status }, count);
      },
    });
  }

  /** Lets the `postflow_posts` gauge count posts (the API process has the Temporal client for it). */
  countPostsWith(counter: PostCounter): void {
    this.postCounter = counter;
  }

  /** The current counts; on a slow or failed count, the last ones known (none before the first). */
  private async countPosts(): Promise<Map<PostStatus, number>> {
    const counter = this.postCounter;
    if (!counter) return this.lastCounts;
    const counted = Promise.all(POST_STATUSES.map(async (s) => [s, await counter(s)] as const));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), COUNT_TIMEOUT_MS);
    });
    try {
      const counts = await Promise.race([counted, timeout]);
      for (const [status, count] of counts ?? []) this.lastCounts.set(status, count);
    } catch {
      // Temporal unreachable: the scrape still answers, with the last counts.
    } finally {
      clearTimeout(timer);
    }
    return this.lastCounts;
  }
}

let processMetricsInstance: PostflowMetrics | undefined;

/** This process's metrics (created on first use). */
export function processMetrics(): PostflowMetrics {
  return (processMetricsInstance ??= new PostflowMetrics());
}

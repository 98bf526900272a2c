import type { Stack } from '../helpers/stack';
import { callApi } from './api';
import { type Random, sleep } from './random';
import type { ChaosSettings } from './settings';

export type ChaosPlatform = 'sandbox' | 'mastodon' | 'bluesky';

export interface ChaosAccount {
  id: string;
  platform: ChaosPlatform;
}

/** A post the stream asked for, and what the API said to it. */
export interface StreamedPost {
  /** Unique in the run; in the post's text, so the fakes' ledgers can be matched to it. */
  marker: string;
  idempotencyKey: string;
  targets: ChaosAccount[];
  scheduledAt?: string;
  /** Set once the API accepted the post (201, or 200 for a replay). */
  id?: string;
  acceptedAt?: number;
  /** Tries beyond the first (the API was down or refused with a 5xx, or the answer was lost). */
  retries: number;
  /** Answers marked `Idempotent-Replayed`: the post existed already (an earlier try created it). */
  replayed: number;
  /** A 4xx other than "try again": the stream sent something wrong; the run fails. */
  refused?: string;
}

const CLIENT_TIMEOUT_MS = 5_000;

/** Answers after which a client tries the same request again with the same key. */
const tryAgain = (status: number) => status === 0 || status >= 500 || [408, 409, 425, 429].includes(status);

/**
 * The stream of posts: one every few seconds, immediate or scheduled, to 1–4 accounts, some with
 * sandbox latency (so kills land mid-publish) or injected failures that pass on retry. Each is
 * created through the HTTP API with an Idempotency-Key and retried with the same key until the
 * API accepts it, as a client would while Temporal is down.
 */
export class PostStream {
  readonly posts: StreamedPost[] = [];
  private readonly creations: Promise<void>[] = [];
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    private readonly stack: Stack,
    private readonly settings: ChaosSettings,
    private readonly random: Random,
    private readonly accounts: ChaosAccount[],
    private readonly tag: string,
  ) {}

  start(): void {
    this.running = (async () => {
      while (!this.stopped) {
        this.creations.push(this.create(this.next()));
        await sleep(this.random.between(this.settings.postEveryMs));
      }
    })();
  }

  /** Stops making new posts and waits until every post made so far was accepted, or `deadline`. */
  async finish(deadline: number): Promise<void> {
    this.stopped = true;
    this.deadline = deadline;
    await this.running;
    await Promise.all(this.creations);
  }

  private deadline = Infinity;

  private next(): StreamedPost {
    const n = this.posts.length + 1;
    const sandbox = this.accounts.filter((a) => a.platform === 'sandbox');
    const fakes = this.accounts.filter((a) => a.platform !== 'sandbox');
    const count = this.random.between([1, 4]);
    const onFakes =
      fakes.length > 0 && this.random.chance(0.3)
        ? this.random.between([1, Math.min(fakes.length, count)])
        : 0;
    const targets = [...this.random.pick(sandbox, count - onFakes), ...this.random.pick(fakes, onFakes)];
    const post: StreamedPost = {
      marker: `[chaos ${this.tag} #${n}]`,
      idempotencyKey: `chaos-${this.tag}-${n}`,
      targets,
      retries: 0,
      replayed: 0,
      ...(this.random.chance(0.4)
        ? { scheduledAt: new Date(Date.now() + this.random.between([3_000, 60_000])).toISOString() }
        : {}),
    };
    this.posts.push(post);
    return post;
  }

  /** Sandbox misbehaviour for a post: latency, failures that pass on retry, processing. */
  private sandboxOptions(post: StreamedPost): Record<string, unknown> {
    const sandboxIds = post.targets.filter((t) => t.platform === 'sandbox').map((t) => t.id);
    const options: Record<string, unknown> = {};
    if (this.random.chance(0.4)) options.latency_ms = this.random.between([500, 6_000]);
    const roll = this.random.next();
    if (roll < 0.2) Object.assign(options, { failure: 'transient', fail_times: this.random.between([1, 2]) });
    else if (roll < 0.3) Object.assign(options, { failure: 'unknown' });
    else if (roll < 0.35) Object.assign(options, { failure: 'rate_limit', retry_after_s: 1 });
    else if (roll < 0.45)
      Object.assign(options, { processing_polls: this.random.between([1, 2]), poll_after_s: 1 });
    if (options.failure && sandboxIds.length > 1 && this.random.chance(0.5)) {
      options.only_accounts = this.random.pick(sandboxIds, 1);
    }
    return options;
  }

  private async create(post: StreamedPost): Promise<void> {
    const body = {
      account_ids: post.targets.map((t) => t.id),
      text: `Chaos run post ${post.marker}`,
      ...(post.scheduledAt ? { scheduled_at: post.scheduledAt } : {}),
      ...(post.targets.some((t) => t.platform === 'sandbox')
        ? { platform_options: { sandbox: this.sandboxOptions(post) } }
        : {}),
    };
    for (let attempt = 0; ; attempt++) {
      // A client that gives up after 5 s: while the server is down the API holds the request
      // longer, so the retry races the first try, which may still create the post.
      const answer = await callApi(
        this.stack,
        'POST',
        '/v1/posts',
        body,
        { 'idempotency-key': post.idempotencyKey },
        CLIENT_TIMEOUT_MS,
      );
      if (answer.status === 200 || answer.status === 201) {
        post.id = answer.body.id;
        post.acceptedAt = Date.now();
        if (answer.headers.get('idempotent-replayed') === 'true') post.replayed += 1;
        return;
      }
      if (!tryAgain(answer.status)) {
        post.refused = `${answer.status} ${JSON.stringify(answer.body)}`;
        return;
      }
      if (Date.now() > this.deadline) return;
      post.retries += 1;
      await sleep(this.random.between([300, 1_500]));
    }
  }
}

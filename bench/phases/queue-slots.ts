import type { BenchContext } from '../context';
import { percentile, round } from '../stats';

/** Posts sent at once in each round, as issue #19 asks ("50 concurrent adds"). */
export const QUEUE_ADDS = 50;

/** A slot every hour, all week: far more upcoming slots than one round takes. */
const HOURLY_ALL_WEEK = [
  {
    days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
    times: Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, '0')}:00`),
  },
];

interface Round {
  latencies: number[];
  wallMs: number;
  instants: string[];
}

/**
 * Queue slot assignment under concurrent adds: QUEUE_ADDS `POST /v1/posts` with `"queue": true`
 * sent at once to one account's queue, beside the same number of plain scheduled creates at the
 * same instants for another account (the baseline: everything but taking a slot). Each round has
 * fresh accounts, the two sides back to back, the baseline first in every other round. Every
 * queued round must give its posts QUEUE_ADDS different slots, or the phase fails.
 */
export async function measureQueueSlots(ctx: BenchContext) {
  const { stack, settings } = ctx;
  const queued: Round[] = [];
  const baseline: Round[] = [];
  for (let round = 0; round < settings.repetitions; round++) {
    const queuedAccount = await stack.createSandboxAccount(`queue-${round}`);
    const plainAccount = await stack.createSandboxAccount(`plain-${round}`);
    const { status } = await stack.request('POST', '/v1/queues', {
      account_id: queuedAccount,
      timezone: 'UTC',
      slots: HOURLY_ALL_WEEK,
    });
    if (status !== 201) throw new Error(`POST /v1/queues answered ${status}`);

    const addToQueue = () =>
      addAtOnce(ctx, () => ({ account_ids: [queuedAccount], text: 'queued', queue: true }));
    // The baseline's instants are the queued side's, or the next hours when it has not run yet.
    const plainCreates = (instants: string[]) =>
      addAtOnce(ctx, (i) => ({ account_ids: [plainAccount], text: 'scheduled', scheduled_at: instants[i] }));
    if (round % 2 === 0) {
      const q = await addToQueue();
      queued.push(q);
      baseline.push(await plainCreates(q.instants));
    } else {
      const hours = Array.from({ length: QUEUE_ADDS }, (_, i) => nextHour(i));
      baseline.push(await plainCreates(hours));
      queued.push(await addToQueue());
    }
    const slots = new Set(queued.at(-1)!.instants);
    if (slots.size !== QUEUE_ADDS)
      throw new Error(`${QUEUE_ADDS} concurrent adds took ${slots.size} different slots`);
  }
  const summary = (rounds: Round[]) => {
    const latencies = rounds.flatMap((r) => r.latencies);
    const walls = rounds.map((r) => r.wallMs).sort((a, b) => a - b);
    return {
      p50: round(percentile(latencies, 50)),
      p99: round(percentile(latencies, 99)),
      all_done_ms: round(walls[Math.floor(walls.length / 2)]),
    };
  };
  const q = summary(queued);
  const b = summary(baseline);
  ctx.log(
    `  ${QUEUE_ADDS} adds at once: queued p50 ${q.p50} / p99 ${q.p99} ms, all in ${q.all_done_ms} ms; ` +
      `scheduled p50 ${b.p50} / p99 ${b.p99} ms, all in ${b.all_done_ms} ms`,
  );
  return {
    queue_adds: QUEUE_ADDS,
    queue_add_ms: q,
    queue_add_baseline_ms: b,
    queue_add_vs_baseline: round(q.all_done_ms / b.all_done_ms, 3),
  };
}

/** The hour boundary `i` hours after the next one, as an ISO instant. */
function nextHour(i: number): string {
  const hour = 3_600_000;
  return new Date((Math.floor(Date.now() / hour) + 1 + i) * hour).toISOString();
}

/** QUEUE_ADDS creates sent at once; each one's latency, the whole, and the instants answered. */
async function addAtOnce(ctx: BenchContext, body: (i: number) => Record<string, unknown>): Promise<Round> {
  const started = performance.now();
  const answers = await Promise.all(
    Array.from({ length: QUEUE_ADDS }, async (_, i) => {
      const t = performance.now();
      const res = await fetch(`${ctx.stack.baseUrl}/v1/posts`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ctx.stack.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(body(i)),
      });
      const post = (await res.json()) as { scheduled_at?: string };
      if (res.status !== 201)
        throw new Error(`POST /v1/posts answered ${res.status}: ${JSON.stringify(post)}`);
      return { ms: performance.now() - t, instant: String(post.scheduled_at) };
    }),
  );
  return {
    latencies: answers.map((a) => a.ms),
    wallMs: performance.now() - started,
    instants: answers.map((a) => a.instant),
  };
}

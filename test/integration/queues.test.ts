import { freePort } from '../helpers/ports';
import { Stack } from '../helpers/stack';

/**
 * Queues through the real stack: slots taken by parallel posts through two API processes (never
 * one slot twice), share-next, a freed slot, a re-plan when the slots change (each post's workflow
 * rescheduled), a re-plan finished after a worker SIGKILL, and a queued create repeated across a
 * Temporal restart that makes one post in one slot, and an evergreen post's next round.
 */
let stack: Stack;
/** A second API process on the same store and Temporal. */
let otherApi: string;

const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
/** The UTC weekday two days from now: every slot on it is a day or more away, so nothing publishes. */
const later = WEEKDAYS[new Date(Date.now() + 2 * 86_400_000).getUTCDay()];
const times = (...hours: number[]) => hours.map((h) => `${String(h).padStart(2, '0')}:00`);

beforeAll(async () => {
  stack = await new Stack({ POSTFLOW_SYNC_WAIT_MS: '0' }).start();
  const port = await freePort();
  await stack.spawnNode([stack.cli, 'api'], 'api2', /HTTP API on/, { POSTFLOW_PORT: String(port) });
  otherApi = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await stack?.stop();
});

async function through(base: string, method: string, path: string, body?: unknown, headers = {}) {
  const response = await fetch(`${base}${path}`, {
    method,
    headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined };
}

async function queueFor(hours: number[]) {
  const account = await stack.createSandboxAccount();
  const { status, body } = await stack.request('POST', '/v1/queues', {
    account_id: account,
    timezone: 'UTC',
    slots: [{ days: [later], times: times(...hours) }],
  });
  expect(status).toBe(201);
  return { account, queue: body.id as string };
}

const queued = async (account: string, text: string, queue: boolean | 'next' = true) => {
  const { status, body } = await stack.request('POST', '/v1/posts', { account_ids: [account], text, queue });
  expect(status).toBe(201);
  return body;
};

const upcoming = async (queue: string) =>
  (await stack.request('GET', `/v1/queues/${queue}?count=24`)).body.upcoming as Array<{
    at: string;
    post_id: string | null;
  }>;

const scheduledAt = async (id: string) => (await stack.request('GET', `/v1/posts/${id}`)).body.scheduled_at;

test('twelve posts added at once through two API processes take twelve different slots, in slot order', async () => {
  const { account, queue } = await queueFor([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17]);
  const answers = await Promise.all(
    Array.from({ length: 12 }, (_, i) =>
      through(i % 2 ? otherApi : stack.baseUrl, 'POST', '/v1/posts', {
        account_ids: [account],
        text: `parallel ${i}`,
        add_to_queue: true,
      }),
    ),
  );
  expect(answers.map((a) => a.status)).toEqual(Array(12).fill(201));
  const instants = answers.map((a) => a.body.scheduled_at as string);
  expect(new Set(instants).size).toBe(12);
  // The twelve first slots, each held by one of them.
  const slots = (await upcoming(queue)).slice(0, 12);
  expect(slots.map((s) => s.at)).toEqual([...instants].sort());
  // Every slot holds the post whose workflow waits for that instant.
  for (const slot of slots) expect(await scheduledAt(slot.post_id!)).toBe(slot.at);
});

test('share next takes the first slot and moves the queued posts down; a cancelled post frees its slot', async () => {
  const { account, queue } = await queueFor([9, 12, 15, 18]);
  const first = await queued(account, 'first');
  const second = await queued(account, 'second');
  const [s9, s12, s15, s18] = (await upcoming(queue)).map((s) => s.at);
  expect([first.scheduled_at, second.scheduled_at]).toEqual([s9, s12]);

  const urgent = await queued(account, 'urgent', 'next');
  expect(urgent.scheduled_at).toBe(s9);
  expect(await scheduledAt(first.id)).toBe(s12);
  expect(await scheduledAt(second.id)).toBe(s15);

  expect((await stack.request('DELETE', `/v1/posts/${first.id}`)).status).toBe(200);
  expect((await upcoming(queue)).slice(0, 4).map((s) => s.post_id)).toEqual([
    urgent.id,
    null,
    second.id,
    null,
  ]);
  const refill = await queued(account, 'refill');
  expect(refill.scheduled_at).toBe(s12);
  // Publishing a queued post now frees its slot too.
  await stack.request('POST', `/v1/posts/${refill.id}/publish`);
  expect((await upcoming(queue)).find((s) => s.at === s12)!.post_id).toBeNull();
  expect(s18).toBeDefined();
});

test('new slots re-plan the queued posts in their order, each workflow rescheduled', async () => {
  const { account, queue } = await queueFor([9, 12, 15]);
  const posts = [await queued(account, 'a'), await queued(account, 'b'), await queued(account, 'c')];
  const { status, body } = await stack.request('PATCH', `/v1/queues/${queue}`, {
    timezone: 'Europe/Berlin',
    slots: [{ days: [later], times: ['07:30', '08:30', '10:30'] }],
  });
  expect(status).toBe(200);
  expect(body.slots).toEqual([{ days: [later], times: ['07:30', '08:30', '10:30'] }]);
  const held = body.upcoming.filter((s: { post_id: string | null }) => s.post_id);
  expect(held.map((s: { post_id: string }) => s.post_id)).toEqual(posts.map((p) => p.id));
  for (const slot of held) {
    expect(slot.local_time).toMatch(/T(07|08|10):30:00\+0[12]:00$/);
    expect(await scheduledAt(slot.post_id)).toBe(slot.at);
  }
});

test('a queued post names the fields that clash, and an account without a queue is told how to make one', async () => {
  const { account } = await queueFor([9]);
  const clash = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'x',
    queue: true,
    scheduled_at: new Date(Date.now() + 86_400_000).toISOString(),
  });
  expect(clash.status).toBe(400);
  expect(JSON.stringify(clash.body)).toContain('scheduled_at');
  const loose = await stack.createSandboxAccount();
  const none = await stack.request('POST', '/v1/posts', { account_ids: [loose], text: 'x', queue: true });
  expect(none.status).toBe(400);
  expect(JSON.stringify(none.body)).toContain('POST /v1/queues');
  const twice = await stack.request('POST', '/v1/queues', {
    account_id: account,
    timezone: 'UTC',
    slots: [{ days: ['mon'], times: ['09:00'] }],
  });
  expect(twice.status).toBe(409);
  const badZone = await stack.request('POST', '/v1/queues', {
    account_id: loose,
    timezone: 'Mars/Olympus',
    slots: [{ days: ['mon'], times: ['25:00'] }],
  });
  expect(badZone.status).toBe(400);
  expect(JSON.stringify(badZone.body)).toMatch(
    /timezone[\s\S]*slots\[0\]\.times\[0\]|slots\[0\]\.times\[0\][\s\S]*timezone/,
  );
});

test('a brand queue serves its accounts: a post to two of them takes one slot', async () => {
  const brand = (await stack.request('POST', '/v1/brands', { name: 'Queued brand' })).body.id;
  const a = await stack.createSandboxAccount();
  const b = await stack.createSandboxAccount();
  for (const id of [a, b]) await stack.request('PATCH', `/v1/accounts/${id}`, { brand_id: brand });
  const queue = (
    await stack.request('POST', '/v1/queues', {
      brand_id: brand,
      timezone: 'UTC',
      slots: [{ days: [later], times: ['10:00'] }],
    })
  ).body.id;
  const post = (await stack.request('POST', '/v1/posts', { account_ids: [a, b], text: 'both', queue: true }))
    .body;
  expect((await upcoming(queue))[0].post_id).toBe(post.id);
});

test('a re-plan cut short by a killed worker is finished by repeating it; nothing is lost or doubled', async () => {
  const { account, queue } = await queueFor([9, 12]);
  const posts = [await queued(account, 'p1'), await queued(account, 'p2')];
  await stack.stopWorker('SIGKILL');
  const cut = await stack.request('PATCH', `/v1/queues/${queue}`, {
    slots: [{ days: [later], times: ['10:00', '11:00'] }],
  });
  // The worker back before any assertion, so a failure here cannot take the next tests' worker.
  await stack.startWorker();
  expect(cut.status).toBe(503);
  expect(cut.body.error.code).toBe('queue.replan_incomplete');
  let answer = await stack.request('PATCH', `/v1/queues/${queue}`, {});
  while (answer.status === 503) {
    await new Promise((r) => setTimeout(r, 1_000));
    answer = await stack.request('PATCH', `/v1/queues/${queue}`, {});
  }
  expect(answer.status).toBe(200);
  const held = answer.body.upcoming.filter((s: { post_id: string | null }) => s.post_id);
  expect(held.map((s: { post_id: string }) => s.post_id)).toEqual(posts.map((p) => p.id));
  for (const slot of held) expect(await scheduledAt(slot.post_id)).toBe(slot.at);
}, 180_000);

test('a queued create repeated across a Temporal restart makes one post in one slot', async () => {
  const { account, queue } = await queueFor([9, 12]);
  await stack.temporal.stop();
  const body = { account_ids: [account], text: 'across a restart', queue: true };
  const key = { 'idempotency-key': 'queued-across-restart' };
  const down = await stack.request('POST', '/v1/posts', body, key);
  expect(down.status).toBeGreaterThanOrEqual(500);
  await stack.startTemporal();
  let answer = await stack.request('POST', '/v1/posts', body, key);
  while (answer.status >= 500) {
    await new Promise((r) => setTimeout(r, 1_000));
    answer = await stack.request('POST', '/v1/posts', body, key);
  }
  expect(answer.status).toBe(201);
  const slots = await upcoming(queue);
  expect(slots.filter((s) => s.post_id)).toEqual([{ ...slots[0], post_id: answer.body.id }]);
  expect(answer.body.scheduled_at).toBe(slots[0].at);
  const again = await stack.request('POST', '/v1/posts', body, key);
  expect(again.body.id).toBe(answer.body.id);
}, 180_000);

test('an evergreen post published across a worker SIGKILL and a Temporal restart starts one durable next round', async () => {
  const { account } = await queueFor([9]);
  await stack.stopWorker('SIGKILL');
  const created = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'evergreen',
    recycle: { after_days: 3, times: 2 },
  });
  await stack.temporal.stop();
  await stack.startTemporal();
  await stack.startWorker();
  expect(created.status).toBe(201);
  const post = await stack.waitForPost(created.body.id);
  expect(post.status).toBe('published');
  expect(post.recycle).toEqual({ after_days: 3, rounds_left: 2, round: 0, origin_id: post.id });

  // The first round waits in its own workflow, on a durable timer of after_days; no second one.
  const origin = post.id.replace(/^post_/, '');
  const round = stack.client.workflow.getHandle(`recycle_${origin}_1`);
  let description = await round.describe().catch(() => undefined);
  for (let i = 0; !description && i < 60; i++) {
    await new Promise((r) => setTimeout(r, 500));
    description = await round.describe().catch(() => undefined);
  }
  expect(description?.status.name).toBe('RUNNING');
  const { events } = await round.fetchHistory();
  const timers = (events ?? []).filter((e) => e.timerStartedEventAttributes);
  expect(timers.map((e) => Number(e.timerStartedEventAttributes!.startToFireTimeout!.seconds))).toEqual([
    3 * 86_400,
  ]);
  await expect(stack.client.workflow.getHandle(`recycle_${origin}_2`).describe()).rejects.toThrow(
    /not found/i,
  );
}, 180_000);

import { Stack } from '../helpers/stack';

/**
 * Recurring posts through the real stack (API, Temporal Schedules, worker): each occurrence is one
 * normal post, published once, also when the worker is killed or Temporal restarts while the
 * Schedule fires; pause, resume, edit, delete; the API's checks. Schedules here fire every two
 * seconds (a cron expression with a seconds field).
 */
let stack: Stack;

beforeAll(async () => {
  stack = await new Stack({ POSTFLOW_SYNC_WAIT_MS: '0' }).start();
});

afterAll(async () => {
  await stack?.stop();
});

const EVERY_TWO_SECONDS = '*/2 * * * * * *';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function createRecurring(body: Record<string, unknown>) {
  const { status, body: created } = await stack.request('POST', '/v1/recurring-posts', body);
  expect({ status, created }).toMatchObject({ status: 201 });
  return created;
}

/** The occurrences once `done` holds for them. */
async function occurrencesWhen(id: string, done: (list: any[]) => boolean, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await stack.request('GET', `/v1/recurring-posts/${id}/occurrences?limit=100`);
    if (status === 200 && done(body.data)) return body.data as any[];
    if (Date.now() > deadline) throw new Error(`occurrences of ${id}: ${status} ${JSON.stringify(body)}`);
    await sleep(250);
  }
}

async function sandboxTexts(account: string): Promise<string[]> {
  const { body } = await stack.request('GET', `/v1/sandbox/${account}/posts`);
  return body.data.map((p: { text: string }) => p.text);
}

/** Every occurrence's post published, and the account holding exactly one copy of each. */
async function expectPublishedOnce(account: string, occurrences: any[], text: string) {
  for (const o of occurrences) {
    const post = await stack.waitForPost(o.post_id);
    expect(post).toMatchObject({ id: o.post_id, status: 'published', text, scheduled_at: o.occurrence_at });
  }
  expect(new Set(occurrences.map((o) => o.post_id)).size).toBe(occurrences.length);
  expect(new Set(occurrences.map((o) => o.occurrence_at)).size).toBe(occurrences.length);
  expect((await sandboxTexts(account)).filter((t) => t === text)).toHaveLength(occurrences.length);
}

test('a cron recurring post with an end by count publishes each occurrence once as a normal post, then completes', async () => {
  const account = await stack.createSandboxAccount('count');
  const created = await createRecurring({
    post: { account_ids: [account], text: 'three times' },
    cron: EVERY_TWO_SECONDS,
    time_zone: 'Europe/Berlin',
    end: { count: 3 },
  });
  expect(created).toMatchObject({
    object: 'recurring_post',
    status: 'active',
    cron: EVERY_TWO_SECONDS,
    time_zone: 'Europe/Berlin',
    interval: null,
    end: { count: 3 },
    post: { account_ids: [account], text: 'three times' },
  });
  expect(created.id).toMatch(/^rec_/);
  expect(created.next_occurrences.length).toBeGreaterThan(0);

  const occurrences = await occurrencesWhen(created.id, (l) => l.length === 3);
  await expectPublishedOnce(account, occurrences, 'three times');
  // No fourth: the Schedule took its three actions.
  await sleep(4_500);
  expect(await occurrencesWhen(created.id, () => true)).toHaveLength(3);
  const done = (await stack.request('GET', `/v1/recurring-posts/${created.id}`)).body;
  expect(done).toMatchObject({ status: 'completed', occurrences: 3, next_occurrences: [] });
  const listed = (await stack.request('GET', '/v1/recurring-posts')).body;
  expect(listed.data.map((r: { id: string }) => r.id)).toContain(created.id);
});

test('pause stops occurrences, resume brings them back, an edit changes the next posts, delete ends it', async () => {
  const account = await stack.createSandboxAccount('pause');
  const { id } = await createRecurring({
    post: { account_ids: [account], text: 'before the edit' },
    cron: EVERY_TWO_SECONDS,
  });
  await occurrencesWhen(id, (l) => l.length >= 1);

  const paused = await stack.request('POST', `/v1/recurring-posts/${id}/pause`);
  expect(paused.body).toMatchObject({ status: 'paused', next_occurrences: [] });
  // An occurrence already started when it was paused may still land: count after it settles.
  await sleep(2_500);
  const atPause = (await occurrencesWhen(id, () => true)).length;
  await sleep(5_000);
  expect(await occurrencesWhen(id, () => true)).toHaveLength(atPause);

  const edited = await stack.request('PATCH', `/v1/recurring-posts/${id}`, {
    post: { account_ids: [account], text: 'after the edit' },
  });
  expect(edited.body).toMatchObject({ status: 'paused', post: { text: 'after the edit' } });
  const resumed = await stack.request('POST', `/v1/recurring-posts/${id}/resume`);
  expect(resumed.body.status).toBe('active');
  const later = await occurrencesWhen(id, (l) => l.length >= atPause + 2);
  const newest = await stack.waitForPost(later[0].post_id);
  expect(newest).toMatchObject({ status: 'published', text: 'after the edit' });

  expect((await stack.request('DELETE', `/v1/recurring-posts/${id}`)).status).toBe(204);
  expect((await stack.request('GET', `/v1/recurring-posts/${id}`)).status).toBe(404);
  expect((await stack.request('DELETE', `/v1/recurring-posts/${id}`)).status).toBe(404);
  await sleep(2_500);
  const atDelete = (await sandboxTexts(account)).length;
  await sleep(5_000);
  expect(await sandboxTexts(account)).toHaveLength(atDelete);
  // The posts it created stay.
  expect((await stack.request('GET', `/v1/posts/${later[0].post_id}`)).status).toBe(200);
});

test('a worker killed while the Schedule fires loses and doubles no occurrence', async () => {
  const account = await stack.createSandboxAccount('sigkill');
  const { id } = await createRecurring({
    post: { account_ids: [account], text: 'through a SIGKILL' },
    cron: EVERY_TWO_SECONDS,
    end: { count: 4 },
  });
  await occurrencesWhen(id, (l) => l.length >= 1);
  await stack.stopWorker('SIGKILL');
  // The Schedule keeps firing: its occurrences wait for a worker (overlap ALLOW_ALL: none skipped).
  await sleep(4_500);
  await stack.startWorker();
  const occurrences = await occurrencesWhen(id, (l) => l.length === 4, 90_000);
  await expectPublishedOnce(account, occurrences, 'through a SIGKILL');
});

test('a Temporal restart while the Schedule fires loses and doubles no occurrence', async () => {
  const account = await stack.createSandboxAccount('restart');
  const { id } = await createRecurring({
    post: { account_ids: [account], text: 'through a restart' },
    cron: EVERY_TWO_SECONDS,
    end: { count: 4 },
  });
  await occurrencesWhen(id, (l) => l.length >= 1);
  await stack.temporal.stop();
  await sleep(3_000);
  await stack.startTemporal();
  // Occurrences missed while it was down are caught up (within the one-hour catch-up window).
  const occurrences = await occurrencesWhen(id, (l) => l.length === 4, 90_000);
  await expectPublishedOnce(account, occurrences, 'through a restart');
  await sleep(3_000);
  expect(await occurrencesWhen(id, () => true)).toHaveLength(4);
});

test('an interval recurring post starts one interval from now, or at start_at', async () => {
  const account = await stack.createSandboxAccount('interval');
  const before = Date.now();
  const daily = await createRecurring({
    post: { account_ids: [account], text: 'daily' },
    interval: { every: 1, unit: 'days' },
  });
  expect(Date.parse(daily.start_at) - before).toBeGreaterThanOrEqual(86_400_000 - 1_000);
  expect(daily.next_occurrences[0]).toBe(daily.start_at);
  expect(daily).toMatchObject({
    interval: { every: 1, unit: 'days' },
    cron: null,
    time_zone: null,
    end: null,
  });

  const startAt = '2031-03-01T09:30:00.000Z';
  const weekly = await createRecurring({
    post: { account_ids: [account], text: 'weekly' },
    interval: { every: 2, unit: 'weeks' },
    start_at: startAt,
    end: { until: '2031-06-01T00:00:00Z' },
  });
  expect(weekly.next_occurrences.slice(0, 2)).toEqual([startAt, '2031-03-15T09:30:00.000Z']);

  const changed = await stack.request('PATCH', `/v1/recurring-posts/${weekly.id}`, {
    cron: '0 9 * * 1',
    time_zone: 'America/New_York',
  });
  expect(changed.body).toMatchObject({ cron: '0 9 * * 1', interval: null, time_zone: 'America/New_York' });
  // 09:00 in New York in March 2031 (EST before the 9th, EDT after): Mondays on or after start_at.
  expect(changed.body.next_occurrences[0]).toBe('2031-03-03T14:00:00.000Z');
  expect(changed.body.next_occurrences[1]).toBe('2031-03-10T13:00:00.000Z');
  // An Idempotency-Key makes a repeated create return the first one.
  const keyed = { post: { account_ids: [account], text: 'keyed' }, cron: '0 9 * * *' };
  const first = await stack.request('POST', '/v1/recurring-posts', keyed, { 'Idempotency-Key': 'rec-1' });
  const again = await stack.request('POST', '/v1/recurring-posts', keyed, { 'Idempotency-Key': 'rec-1' });
  expect([first.status, again.status, again.headers.get('idempotent-replayed')]).toEqual([201, 201, 'true']);
  expect(again.body.id).toBe(first.body.id);
  for (const r of [daily, weekly, first.body]) await stack.request('DELETE', `/v1/recurring-posts/${r.id}`);
});

test('every field is checked: unknown fields, the rule, the post, the cron as Temporal reads it', async () => {
  const account = await stack.createSandboxAccount('checks');
  const post = { account_ids: [account], text: 'checked' };
  const refused = async (body: unknown, status: number, field: string, code = 'validation.field_invalid') => {
    const answer = await stack.request('POST', '/v1/recurring-posts', body);
    const seen = {
      status: answer.status,
      code: answer.body?.error?.code,
      field: answer.body?.error?.meta?.field,
    };
    // The whole answer when it differs: what the caller was told.
    expect({ ...seen, body: seen.field === field ? undefined : answer.body }).toEqual({
      status,
      code,
      field,
      body: undefined,
    });
  };
  await refused({ post, cron: '0 9 * * *', colour: 'red' }, 400, 'colour');
  await refused({ post: { ...post, colour: 'red' }, cron: '0 9 * * *' }, 400, 'post.colour');
  await refused({ post }, 400, 'interval', 'validation.field_required');
  await refused({ post, cron: '0 9 * * *', interval: { every: 1, unit: 'days' } }, 400, 'cron');
  await refused({ post, interval: { every: 1, unit: 'fortnights' } }, 400, 'interval.unit');
  await refused({ post, interval: { every: 0, unit: 'days' } }, 400, 'interval.every');
  await refused({ post, interval: { every: 1, unit: 'days' }, time_zone: 'Europe/Berlin' }, 400, 'time_zone');
  await refused({ post, cron: '0 9 * * *', time_zone: 'Mars/Olympus' }, 400, 'time_zone');
  await refused({ post, cron: 'every day' }, 400, 'cron');
  await refused({ post, cron: '99 * * * *' }, 400, 'cron');
  await refused(
    { post: { ...post, scheduled_at: '2031-01-01T00:00:00Z' }, cron: '0 9 * * *' },
    400,
    'post.scheduled_at',
  );
  await refused({ post: { ...post, publish_now: true }, cron: '0 9 * * *' }, 400, 'post.publish_now');
  await refused({ post: { ...post, queue: true }, cron: '0 9 * * *' }, 400, 'post.queue');
  await refused({ post: { ...post, add_to_queue: true }, cron: '0 9 * * *' }, 400, 'post.add_to_queue');
  await refused(
    { post: { account_ids: [account] }, cron: '0 9 * * *' },
    400,
    'post.text',
    'validation.field_required',
  );
  await refused(
    { post: { ...post, account_ids: ['acc_nope'] }, cron: '0 9 * * *' },
    404,
    'post.account_ids[0]',
    'account.not_found',
  );
  await refused({ post, cron: '0 9 * * *', end: { count: 2, until: '2031-01-01T00:00:00Z' } }, 400, 'end');
  await refused(
    { post, cron: '0 9 * * *', start_at: '2031-01-02T00:00:00Z', end: { until: '2031-01-01T00:00:00Z' } },
    400,
    'end.until',
  );

  expect((await stack.request('GET', '/v1/recurring-posts/rec_nope')).status).toBe(404);
  const other = await stack.request('GET', '/v1/recurring-posts', undefined, {
    authorization: `Bearer ${stack.keyForUser('usr_other')}`,
  });
  expect(other.body).toEqual({ count: 0, data: [] });
  const { id } = await createRecurring({ post, cron: '0 9 * * *' });
  const patched = await stack.request('PATCH', `/v1/recurring-posts/${id}`, { every: 2 });
  expect(patched.status).toBe(400);
  expect(patched.body.error.meta.field).toBe('every');
  const bad = await stack.request('GET', `/v1/recurring-posts/${id}/occurrences?limit=0`);
  expect(bad.status).toBe(400);
  await stack.request('DELETE', `/v1/recurring-posts/${id}`);
});

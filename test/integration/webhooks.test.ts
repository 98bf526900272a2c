import { inDays } from '../helpers/fixtures';
import { signaturesValid, WebhookReceiver } from '../helpers/receiver';
import { openApiChecker } from '../helpers/openapi';
import { Stack } from '../helpers/stack';

/** Webhooks through the real stack: registration with a test ping, signed post events, the log. */
let stack: Stack;
let receiver: WebhookReceiver;
let account: string;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  // The receiver runs on loopback over http, which only this setting allows.
  stack = await new Stack({ POSTFLOW_ALLOW_PRIVATE_URLS: 'true', POSTFLOW_SYNC_WAIT_MS: '30000' }).start();
  account = await stack.createSandboxAccount();
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
});

const ofPost = (id: string, event: string) => (r: { json: any }) =>
  r.json?.event === event && r.json?.data?.post_id === id;

test('registering sends a signed test ping and shows the secret once', async () => {
  const { status, body } = await stack.request('POST', '/v1/webhooks', {
    url: receiver.url,
    events: ['post.published'],
  });
  expect(status).toBe(201);
  expect(body).toMatchObject({
    id: expect.stringMatching(/^wh_/),
    url: receiver.url,
    events: ['post.published'],
    is_active: true,
    secret: expect.stringMatching(/^[0-9a-f]{64}$/),
  });

  const ping = await receiver.waitFor(
    (r) => r.json?.event === 'webhook.test' && r.json.data.webhook_id === body.id,
  );
  expect(signaturesValid(ping, body.secret)).toBe(true);
  expect(ping.headers['x-socialapi-delivery']).toBeUndefined();

  const listed = await stack.request('GET', '/v1/webhooks');
  expect(listed.body.data.map((w: any) => w.id)).toContain(body.id);
  expect(JSON.stringify(listed.body)).not.toContain(body.secret);
  expect((await stack.request('GET', `/v1/webhooks/${body.id}`)).body).not.toHaveProperty('secret');
  const check = await openApiChecker(stack.baseUrl);
  check('Webhook', (await stack.request('GET', `/v1/webhooks/${body.id}`)).body);
  await stack.request('DELETE', `/v1/webhooks/${body.id}`);
});

test('an endpoint that does not answer the ping with 2xx is not saved', async () => {
  const before = (await stack.request('GET', '/v1/webhooks')).body.count;
  receiver.answerWith(500);
  const { status, body } = await stack.request('POST', '/v1/webhooks', {
    url: receiver.url,
    events: ['post.failed'],
  });
  expect(status).toBe(400);
  expect(body.error).toMatchObject({
    code: 'webhook.verification_failed',
    meta: { field: 'url', status_code: 500 },
  });
  expect((await stack.request('GET', '/v1/webhooks')).body.count).toBe(before);

  const bad = await stack.request('POST', '/v1/webhooks', { url: 'not a url', events: ['post.nope'] });
  expect(bad.status).toBe(400);
  expect(bad.body.error.meta.errors.map((e: any) => e.field)).toEqual(
    expect.arrayContaining(['url', 'events[0]']),
  );
});

test('post events arrive signed, once per subscribed event, with a delivery id and in the log', async () => {
  const hook = (
    await stack.request('POST', '/v1/webhooks', {
      url: receiver.url,
      events: ['post.scheduled', 'post.updated', 'post.deleted', 'post.published'],
    })
  ).body;

  const scheduled = (
    await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text: 'events',
      scheduled_at: inDays(1),
    })
  ).body;
  const first = await receiver.waitFor(ofPost(scheduled.id, 'post.scheduled'));
  expect(first.json.data).toMatchObject({
    status: 'scheduled',
    scheduled_at: scheduled.scheduled_at,
    targets: [{ account_id: account, platform: 'sandbox' }],
  });
  expect(signaturesValid(first, hook.secret)).toBe(true);
  expect(first.headers['x-socialapi-event']).toBe('post.scheduled');
  expect(first.headers['x-socialapi-delivery']).toMatch(/^dlv_/);

  await stack.request('PATCH', `/v1/posts/${scheduled.id}`, { text: 'events, edited' });
  expect((await receiver.waitFor(ofPost(scheduled.id, 'post.updated'))).json.data.changed_fields).toEqual([
    'text',
  ]);
  await stack.request('DELETE', `/v1/posts/${scheduled.id}`);
  expect((await receiver.waitFor(ofPost(scheduled.id, 'post.deleted'))).json.data).toMatchObject({
    status: 'cancelled',
    was_status: 'scheduled',
  });

  const now = (await stack.request('POST', '/v1/posts', { account_ids: [account], text: 'published' })).body;
  const published = await receiver.waitFor(ofPost(now.id, 'post.published'));
  expect(published.json.data.results[0]).toMatchObject({
    account_id: account,
    status: 'published',
    platform_post_id: now.results[0].platform_post_id,
  });

  const log = await stack.request('GET', `/v1/webhooks/${hook.id}/deliveries`);
  expect(log.body.data.length).toBeGreaterThanOrEqual(4);
  expect(
    log.body.data.every(
      (d: any) => d.status === 'succeeded' && d.attempts === 1 && d.last_status_code === 200,
    ),
  ).toBe(true);
  const check = await openApiChecker(stack.baseUrl);
  for (const delivery of log.body.data) check('WebhookDelivery', delivery);
  await stack.request('DELETE', `/v1/webhooks/${hook.id}`);
});

test('partial, failed and retried posts have their events; unsubscribed and inactive endpoints get nothing', async () => {
  const failures = (
    await stack.request('POST', '/v1/webhooks', {
      url: receiver.url,
      events: ['post.partial', 'post.failed', 'post.retried'],
    })
  ).body;
  const paused = (
    await stack.request('POST', '/v1/webhooks', { url: `${receiver.url}?paused`, events: ['post.failed'] })
  ).body;
  expect(
    (await stack.request('PATCH', `/v1/webhooks/${paused.id}`, { is_active: false })).body.is_active,
  ).toBe(false);
  const second = await stack.createSandboxAccount('second');

  const partial = (
    await stack.request('POST', '/v1/posts', {
      account_ids: [account, second],
      text: 'half',
      platform_options: { sandbox: { failure: 'validation', only_accounts: [second] } },
    })
  ).body;
  const partialEvent = await receiver.waitFor(ofPost(partial.id, 'post.partial'));
  expect(partialEvent.json.data.results[1]).toMatchObject({
    status: 'failed',
    error_code: 'platform.sandbox.rejected',
  });

  await stack.request('POST', `/v1/posts/${partial.id}/retry`);
  expect((await receiver.waitFor(ofPost(partial.id, 'post.retried'))).json.data.retried_count).toBe(1);

  const failed = (
    await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text: 'none',
      platform_options: { sandbox: { failure: 'validation' } },
    })
  ).body;
  expect(failed.error.meta.post.status).toBe('failed');
  await receiver.waitFor(ofPost(failed.error.meta.post_id, 'post.failed'));

  await new Promise((r) => setTimeout(r, 1000));
  expect(
    receiver.received.filter(
      (r) => r.json?.event === 'post.published' && [partial.id].includes(r.json.data.post_id),
    ),
  ).toHaveLength(0);
  expect(
    receiver.received.filter(
      (r) => r.headers['x-socialapi-delivery'] && String(r.json?.data?.post_id) === failed.error.meta.post_id,
    ),
  ).toHaveLength(1);
  await stack.request('DELETE', `/v1/webhooks/${failures.id}`);
  await stack.request('DELETE', `/v1/webhooks/${paused.id}`);
});

test('the events catalog, the test endpoint, idempotent registration and ownership', async () => {
  const catalog = (await stack.request('GET', '/v1/webhooks/events')).body.data.map((e: any) => e.event);
  expect(catalog).toEqual(
    expect.arrayContaining([
      'post.scheduled',
      'post.published',
      'post.partial',
      'post.failed',
      'post.updated',
      'post.deleted',
      'post.retried',
      'post.approval_requested',
      'post.approved',
      'post.rejected',
      'post.expired',
    ]),
  );

  const body = { url: receiver.url, events: ['post.published'] };
  const first = await stack.request('POST', '/v1/webhooks', body, { 'idempotency-key': 'hook-1' });
  const again = await stack.request('POST', '/v1/webhooks', body, { 'idempotency-key': 'hook-1' });
  expect(again.body.id).toBe(first.body.id);
  expect(again.headers.get('idempotent-replayed')).toBe('true');
  expect(again.body).not.toHaveProperty('secret');

  expect((await stack.request('POST', `/v1/webhooks/${first.body.id}/test`)).body).toMatchObject({
    success: true,
    status_code: 200,
  });
  expect((await stack.request('DELETE', `/v1/webhooks/${first.body.id}`)).status).toBe(200);
  expect((await stack.request('GET', `/v1/webhooks/${first.body.id}`)).status).toBe(404);

  const acc1 = await stack.request(
    'POST',
    '/v1/accounts',
    { platform: 'sandbox', name: 'once' },
    { 'idempotency-key': 'acc-1' },
  );
  const acc2 = await stack.request(
    'POST',
    '/v1/accounts',
    { platform: 'sandbox', name: 'once' },
    { 'idempotency-key': 'acc-1' },
  );
  expect(acc2.body.id).toBe(acc1.body.id);
});

test("a post's callback_url receives that post's final event only, signed, and shows as a post-bound endpoint", async () => {
  const callbackUrl = `${receiver.url}/callback-1`;
  const { body: post } = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'call me back',
    callback_url: callbackUrl,
  });
  expect(post.status).toBe('published');
  await stack.request('POST', '/v1/posts', { account_ids: [account], text: 'not mine' });

  const call = await receiver.waitFor((r) => r.path.startsWith('/hooks/callback-1'));
  expect(call.json).toMatchObject({ event: 'post.published', data: { post_id: post.id } });
  const endpoint = (await stack.request('GET', '/v1/webhooks')).body.data.find(
    (w: { post_id: string | null }) => w.post_id === post.id,
  );
  expect(endpoint).toMatchObject({
    url: `${callbackUrl}?post_id=${post.id}`,
    events: expect.arrayContaining(['post.published']),
  });
  await new Promise((r) => setTimeout(r, 1000));
  expect(receiver.received.filter((r) => r.path.startsWith('/hooks/callback-1'))).toHaveLength(1);
  expect(call.path).toBe(`/hooks/callback-1?post_id=${post.id}`);

  const refused = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'x',
    callback_url: 'not a url',
  });
  expect(refused.status).toBe(400);
  expect(refused.body.error.meta.field).toBe('callback_url');
});

import { WebhookReceiver } from '../helpers/receiver';
import { Stack } from '../helpers/stack';

/**
 * Analytics through the real stack (API, worker, Temporal dev server, the sandbox platform, whose
 * metrics grow with the post's age): passes at +2 s and +4 s after the publish
 * (POSTFLOW_METRICS_SCHEDULE), stored, answered by GET /v1/posts/{id}/metrics and sent as
 * post.metrics_updated and drawn by GET /v1/posts/{id}/metrics.png; a worker SIGKILLed, or the
 * Temporal server restarted, while a collection waits loses and doubles no pass.
 */
let stack: Stack;
let receiver: WebhookReceiver;
let account: string;

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  stack = await new Stack({
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_SYNC_WAIT_MS: '30000',
    POSTFLOW_METRICS_SCHEDULE: '2s,4s',
  }).start();
  account = await stack.createSandboxAccount();
  await stack.request('POST', '/v1/webhooks', { url: receiver.url, events: ['post.metrics_updated'] });
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
});

const passesOf = (postId: string) =>
  receiver.received.filter((r) => r.json?.event === 'post.metrics_updated' && r.json.data.post_id === postId);

/** GET /v1/posts/{id}/metrics.png: a PNG (signature and IHDR checked), as bytes. */
async function chart(id: string): Promise<Buffer> {
  const response = await fetch(`${stack.baseUrl}/v1/posts/${id}/metrics.png`, {
    headers: { authorization: `Bearer ${stack.apiKey}` },
  });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('image/png');
  const png = Buffer.from(await response.arrayBuffer());
  expect(png.subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  expect(png.readUInt32BE(16)).toBeGreaterThan(0);
  return png;
}

async function publish(text: string): Promise<string> {
  const made = await stack.request('POST', '/v1/posts', { account_ids: [account], text });
  expect(made.status).toBe(201);
  expect(made.body.status).toBe('published');
  return made.body.id;
}

test('each pass is stored, answered by GET /v1/posts/{id}/metrics and sent as post.metrics_updated', async () => {
  const id = await publish('count my likes');
  const before = await stack.request('GET', `/v1/posts/${id}/metrics`);
  expect(before.status).toBe(200);
  expect(before.body.targets[0]).toMatchObject({ account_id: account, metrics_supported: true });
  const emptyChart = await chart(id);

  const second = await receiver.waitFor((r) => passesOf(id).includes(r) && r.json.data.pass === 2);
  const { status, body } = await stack.request('GET', `/v1/posts/${id}/metrics`);
  expect(status).toBe(200);
  expect(body).toEqual({
    post_id: id,
    targets: [
      {
        account_id: account,
        platform: 'sandbox',
        status: 'published',
        platform_post_id: expect.any(String),
        metrics: second.json.data.targets[0].metrics,
        metrics_synced_at: second.json.data.targets[0].metrics_synced_at,
        metrics_supported: true,
      },
    ],
  });
  expect(Object.keys(body.targets[0].metrics).sort()).toEqual([
    'comments',
    'extra',
    'likes',
    'saves',
    'shares',
  ]);
  // The Post resource shows the same latest pass.
  const post = await stack.request('GET', `/v1/posts/${id}`);
  expect(post.body.targets[0].metrics).toEqual(body.targets[0].metrics);
  expect(passesOf(id).map((r) => r.json.data.pass)).toEqual([1, 2]);
  // A platform post id finds the same post.
  const byPlatformId = await stack.request('GET', `/v1/posts/${body.targets[0].platform_post_id}/metrics`);
  expect(byPlatformId.body.post_id).toBe(id);
  // The chart is drawn from the stored passes: not the picture of a post with none.
  expect((await chart(id)).equals(emptyChart)).toBe(false);
});

test('a worker SIGKILLed while a collection waits: every pass lands once when a worker is back', async () => {
  const id = await publish('survive a crash');
  expect(await stack.stopWorker('SIGKILL')).not.toBe(0);
  // Both passes fall due while no worker runs.
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  await stack.startWorker();
  await receiver.waitFor((r) => passesOf(id).includes(r) && r.json.data.pass === 2, 60_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // a doubled pass would show by now
  expect(passesOf(id).map((r) => r.json.data.pass)).toEqual([1, 2]);
  const { body } = await stack.request('GET', `/v1/posts/${id}/metrics`);
  expect(body.targets[0].metrics).not.toBeNull();
});

test('a Temporal restart while passes fall due: each pass lands once when the server is back', async () => {
  const id = await publish('survive a server restart');
  await stack.temporal.stop();
  await new Promise((resolve) => setTimeout(resolve, 5_000));
  await stack.startTemporal();
  await receiver.waitFor((r) => passesOf(id).includes(r) && r.json.data.pass === 2, 90_000);
  await new Promise((resolve) => setTimeout(resolve, 2_000)); // a doubled pass would show by now
  expect(passesOf(id).map((r) => r.json.data.pass)).toEqual([1, 2]);
}, 150_000);

test('the chart of an unknown post is the contract 404, not an image', async () => {
  const { status, body } = await stack.request(
    'GET',
    '/v1/posts/post_01M00000000000000000000000/metrics.png',
  );
  expect(status).toBe(404);
  expect(body.error.code).toBe('post.not_found');
});

import type { ChildProcess } from 'node:child_process';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver';
import { type Sample, scrape, total } from '../helpers/prometheus';
import { freePort, Stack } from '../helpers/stack';

/**
 * Logs, metrics and traces of the real stack (Temporal dev server, `postflow worker`, `postflow
 * api`), read the way an operator's tools read them: spans sent by OTLP/HTTP to a receiver, both
 * processes' metrics endpoints scraped, and the worker's JSON log lines parsed from its stdout.
 * Posts go to a Mastodon fake over HTTP, so the trace reaches a real platform call.
 */
class ObservedStack extends Stack {
  readonly workerLines: string[] = [];
  readonly apiLines: string[] = [];

  constructor(
    env: Record<string, string>,
    readonly ports: { workerMetrics: number; temporalMetrics: number; apiMetrics: number },
  ) {
    super(env);
  }

  override async startWorker(): Promise<void> {
    this.worker = await this.spawnNode([this.cli, 'worker'], 'worker', /Worker polling/, {
      POSTFLOW_METRICS_ADDR: `127.0.0.1:${this.ports.workerMetrics}`,
      POSTFLOW_WORKER_METRICS_ADDR: `127.0.0.1:${this.ports.temporalMetrics}`,
    });
    capture(this.worker, this.workerLines);
  }

  override async startApi(): Promise<void> {
    this.api = await this.spawnNode([this.cli, 'api'], 'api', /HTTP API on/, {
      POSTFLOW_METRICS_ADDR: `127.0.0.1:${this.ports.apiMetrics}`,
    });
    capture(this.api, this.apiLines);
  }
}

/** Keeps every complete stdout line of a process from now on. */
function capture(child: ChildProcess, lines: string[]): void {
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString('utf8')).split('\n');
    rest = parts.pop()!;
    lines.push(...parts.filter(Boolean));
  });
}

const mastodon = new MastodonFake();
const otlp = new OtlpReceiver();
let stack: ObservedStack;
let credentials: Record<string, string>;
let account: string;

beforeAll(async () => {
  await Promise.all([mastodon.start(), otlp.start()]);
  const ports = {
    workerMetrics: await freePort(),
    temporalMetrics: await freePort(),
    apiMetrics: await freePort(),
  };
  stack = await new ObservedStack(
    {
      POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
      POSTFLOW_LOG_LEVEL: 'info',
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.endpoint,
      // Export spans every 100 ms instead of every 5 s.
      OTEL_BSP_SCHEDULE_DELAY: '100',
    },
    ports,
  ).start();
  credentials = mastodon.credentials();
  const created = await stack.request('POST', '/v1/accounts', {
    platform: 'mastodon',
    name: 'Observed',
    credentials,
  });
  expect(created.status).toBe(201);
  account = created.body.id;
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([mastodon.stop(), otlp.stop()]);
});

const byId = (spans: ReceivedSpan[]) => new Map(spans.map((s) => [s.spanId, s]));

/** The span and its ancestors, root last. */
function ancestry(span: ReceivedSpan, spans: ReceivedSpan[]): ReceivedSpan[] {
  const index = byId(spans);
  const chain = [span];
  for (let s = index.get(span.parentSpanId); s; s = index.get(s.parentSpanId)) chain.push(s);
  return chain;
}

test('one trace links the HTTP request, the workflow, its activities and the platform call', async () => {
  const created = await stack.request('POST', '/v1/posts', { account_ids: [account], text: 'Traced' });
  expect(created.status).toBe(201);
  const postId: string = created.body.id;

  const platformSpanOf = (spans: ReceivedSpan[]) =>
    spans.find(
      (s) =>
        s.name === 'POST mastodon' &&
        ancestry(s, spans).some(
          (a) => a.attributes.temporalWorkflowId === postId && a.name.startsWith('RunActivity'),
        ),
    );
  const spans = await otlp.waitFor((all) => {
    const call = platformSpanOf(all);
    return !!call && !!ancestry(call, all).find((s) => s.name === 'POST /v1/posts');
  });
  const call = platformSpanOf(spans)!;
  const chain = ancestry(call, spans).reverse(); // root first

  // One trace, rooted at the API's request span, through every layer in order.
  expect(new Set(chain.map((s) => s.traceId)).size).toBe(1);
  expect(chain[0]).toMatchObject({
    name: 'POST /v1/posts',
    service: 'postflow-api',
    kind: 2,
    parentSpanId: '',
  });
  expect(chain[0]!.attributes).toMatchObject({ 'http.route': '/v1/posts', 'http.response.status_code': 201 });
  const names = chain.map((s) => s.name);
  const order = [
    'POST /v1/posts',
    'StartWorkflow:publishPost',
    'RunWorkflow:publishPost',
    'StartActivity:publishTarget',
    'RunActivity:publishTarget',
    'POST mastodon',
  ].map((name) => names.indexOf(name));
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  const service = (name: string) => chain.find((s) => s.name === name)!.service;
  expect(service('StartWorkflow:publishPost')).toBe('postflow-api');
  expect(service('RunWorkflow:publishPost')).toBe('postflow-worker');
  expect(service('RunActivity:publishTarget')).toBe('postflow-worker');

  // The platform call: a client span with the platform, method, host and path, never a query string.
  expect(call.kind).toBe(3);
  expect(call.attributes).toMatchObject({
    'postflow.platform': 'mastodon',
    'postflow.irreversible': true,
    'http.request.method': 'POST',
    'server.address': '127.0.0.1',
    'url.path': '/api/v1/statuses',
    'http.response.status_code': 200,
  });
  // No span carries a secret.
  expect(JSON.stringify(spans)).not.toContain(credentials.access_token);
  expect(JSON.stringify(spans)).not.toContain(stack.apiKey);
});

test("a caller's W3C traceparent becomes the parent of the request's span", async () => {
  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
  const parent = '00f067aa0ba902b7';
  const response = await stack.request('GET', `/v1/accounts/${account}`, undefined, {
    traceparent: `00-${traceId}-${parent}-01`,
  });
  expect(response.status).toBe(200);
  const spans = await otlp.waitFor((all) => all.some((s) => s.traceId === traceId));
  expect(spans.find((s) => s.traceId === traceId)).toMatchObject({
    name: 'GET /v1/accounts/:id',
    parentSpanId: parent,
    service: 'postflow-api',
  });
});

describe('metrics', () => {
  let worker: Sample[];
  let temporal: Sample[];
  let api: Sample[];
  let before: { worker: Sample[]; api: Sample[] };

  beforeAll(async () => {
    before = {
      worker: await scrape(`http://127.0.0.1:${stack.ports.workerMetrics}/metrics`),
      api: await scrape(`http://127.0.0.1:${stack.ports.apiMetrics}/metrics`),
    };
    const publish = async (text: string, extra: Record<string, unknown> = {}) => {
      const created = await stack.request('POST', '/v1/posts', { account_ids: [account], text, ...extra });
      expect([201, 422]).toContain(created.status);
      // A post that failed everywhere answers 422, with the post in the error's meta.
      return stack.waitForPost(created.body.id ?? created.body.error.meta.post.id);
    };
    // A 503 before the publish: retried by the workflow (a publish retry), then published.
    mastodon.inject({ method: 'POST', path: '/api/v1/statuses' }, { status: 503, body: { error: 'down' } });
    expect((await publish('Retried once')).status).toBe('published');
    // The answer is lost after the status was made: reconciled (found), never posted twice.
    mastodon.inject({ method: 'POST', path: '/api/v1/statuses' }, { kind: 'lose-answer' });
    expect((await publish('Answer lost')).status).toBe('published');
    // A scheduled post: its fire lag is observed.
    expect(
      (await publish('Scheduled', { scheduled_at: new Date(Date.now() + 3_000).toISOString() })).status,
    ).toBe('published');
    // A failure for good: the platform refuses the post.
    mastodon.inject(
      { method: 'POST', path: '/api/v1/statuses' },
      { status: 422, body: { error: 'Validation failed' } },
    );
    expect((await publish('Refused')).status).toBe('failed');

    worker = await scrape(`http://127.0.0.1:${stack.ports.workerMetrics}/metrics`);
    temporal = await scrape(`http://127.0.0.1:${stack.ports.temporalMetrics}/metrics`);
    // Visibility may index the last status change a moment after the post answers.
    const deadline = Date.now() + 10_000;
    do {
      api = await scrape(`http://127.0.0.1:${stack.ports.apiMetrics}/metrics`);
    } while (total(api, 'postflow_posts', { status: 'failed' }) < 1 && Date.now() < deadline);
  });

  const delta = (now: Sample[], then: Sample[], name: string, labels: Record<string, string>) =>
    total(now, name, labels) - total(then, name, labels);

  test("the worker's Postflow metrics count deliveries, retries, reconciles and the fire lag, by platform", () => {
    const d = (name: string, labels: Record<string, string>) => delta(worker, before.worker, name, labels);
    expect(d('postflow_deliveries_total', { platform: 'mastodon', outcome: 'published' })).toBe(3);
    expect(d('postflow_deliveries_total', { platform: 'mastodon', outcome: 'failed' })).toBe(1);
    expect(d('postflow_retries_total', { platform: 'mastodon', kind: 'publish' })).toBe(1);
    expect(d('postflow_reconciles_total', { platform: 'mastodon', outcome: 'found' })).toBe(1);
    expect(d('postflow_fire_lag_seconds_count', { platform: 'mastodon' })).toBe(1);
    const lag = d('postflow_fire_lag_seconds_sum', { platform: 'mastodon' });
    expect(lag).toBeGreaterThanOrEqual(0);
    expect(lag).toBeLessThan(60);
    expect(
      d('postflow_platform_request_duration_seconds_count', { platform: 'mastodon', status: '503' }),
    ).toBe(1);
    expect(
      d('postflow_platform_request_duration_seconds_count', { platform: 'mastodon', status: '422' }),
    ).toBe(1);
    expect(
      d('postflow_platform_request_duration_seconds_count', { platform: 'mastodon', status: '200' }),
    ).toBeGreaterThanOrEqual(3);
    // Process metrics come along.
    expect(total(worker, 'postflow_process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  test("the worker's Temporal runtime metrics are served on their own address", () => {
    const names = new Set(temporal.map((s) => s.name));
    expect(names).toContain('temporal_worker_start');
    const completed = temporal.filter(
      (s) => s.name === 'temporal_workflow_completed' && s.labels.workflow_type === 'publishPost',
    );
    expect(completed.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThanOrEqual(4);
    expect(
      total(temporal, 'temporal_activity_execution_latency_count', {
        activity_type: 'publishTarget',
        task_queue: 'postflow',
      }),
    ).toBeGreaterThanOrEqual(5);
  });

  test("the API's metrics count requests by route and status, and posts by status", () => {
    const d = (labels: Record<string, string>) =>
      delta(api, before.api, 'postflow_http_requests_total', labels);
    expect(d({ method: 'POST', route: '/v1/posts', status: '201' })).toBe(3);
    expect(d({ method: 'POST', route: '/v1/posts', status: '422' })).toBe(1);
    expect(d({ method: 'GET', route: '/v1/posts/:id' })).toBeGreaterThanOrEqual(1);
    expect(
      total(api, 'postflow_http_request_duration_seconds_count', { route: '/v1/posts' }),
    ).toBeGreaterThanOrEqual(4);
    // Counted in Temporal's visibility store at the scrape: every post of this file.
    expect(total(api, 'postflow_posts', { status: 'published' })).toBe(4);
    expect(total(api, 'postflow_posts', { status: 'failed' })).toBe(1);
    expect(total(api, 'postflow_posts', { status: 'scheduled' })).toBe(0);
  });
});

describe('logs', () => {
  test("the worker logs JSON lines; a post's lines carry its post, account, platform, workflow and activity ids", async () => {
    const created = await stack.request('POST', '/v1/posts', { account_ids: [account], text: 'Logged' });
    expect(created.status).toBe(201);
    const postId: string = created.body.id;
    const deadline = Date.now() + 10_000;
    const linesOf = () =>
      stack.workerLines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((l) => l.post_id === postId);
    while (!linesOf().some((l) => l.msg === 'Delivery settled') && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }

    // Every line the worker printed is one JSON object with a level, a time and a message.
    for (const line of stack.workerLines) {
      expect(JSON.parse(line)).toEqual(
        expect.objectContaining({ level: expect.any(Number), time: expect.any(String) }),
      );
    }
    const lines = linesOf();
    const published = lines.find((l) => l.msg === 'Activity completed' && l.activityType === 'publishTarget');
    expect(published).toMatchObject({
      post_id: postId,
      account_id: account,
      platform: 'mastodon',
      workflowId: postId,
      runId: expect.any(String),
      activityId: expect.any(String),
      outcome: 'published',
      trace_id: expect.stringMatching(/^[0-9a-f]{32}$/),
    });
    expect(published).not.toHaveProperty('taskToken');
    expect(lines.find((l) => l.msg === 'Delivery settled')).toMatchObject({
      post_id: postId,
      account_id: account,
      platform: 'mastodon',
      workflowId: postId,
      runId: published!.runId,
      outcome: 'published',
      sdkComponent: 'workflow',
    });
  });

  test('the API logs one line per request with its request id, never headers or bodies', async () => {
    await stack.request('GET', '/v1/me', undefined, { 'x-request-id': 'req-observed-1' });
    const deadline = Date.now() + 5_000;
    const find = () => stack.apiLines.map((l) => JSON.parse(l)).find((l) => l.reqId === 'req-observed-1');
    while (!find() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(find()).toMatchObject({ msg: 'Request answered', method: 'GET', route: '/v1/me', status: 200 });
  });

  test('no secret reaches a log line: not the API key, not the platform token', () => {
    const everything = [...stack.workerLines, ...stack.apiLines, stack.logs()].join('\n');
    expect(everything).toContain('Activity completed'); // the logs were captured
    expect(everything).not.toContain(stack.apiKey);
    expect(everything).not.toContain(credentials.access_token);
  });
});

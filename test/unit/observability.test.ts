import { Writable } from 'node:stream';
import { postRefOf } from '../../worker/activity-observer';
import { recordDeliveries } from '../../worker/delivery-sinks';
import { createLogger, loggingOptionsFrom } from '../../runtime/logging';
import { PostflowMetrics } from '../../runtime/metrics';
import { parseHostPort, serveMetrics } from '../../runtime/metrics-server';
import { TemporalPinoLogger } from '../../runtime/temporal-logger';
import { parsePrometheus, total } from '../helpers/prometheus';

/** A logger writing JSON lines into an array. */
function capturedLogger(level = 'trace') {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(
        ...chunk
          .toString('utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l)),
      );
      done();
    },
  });
  return { logger: createLogger({ format: 'json', level, destination }), lines };
}

describe('logging configuration', () => {
  test('JSON at info by default, pretty for `postflow dev`, both overridable', () => {
    expect(loggingOptionsFrom({})).toEqual({ format: 'json', level: 'info' });
    expect(loggingOptionsFrom({}, 'dev')).toEqual({ format: 'pretty', level: 'info' });
    expect(loggingOptionsFrom({ POSTFLOW_LOG_FORMAT: 'json', POSTFLOW_LOG_LEVEL: 'DEBUG' }, 'dev')).toEqual({
      format: 'json',
      level: 'debug',
    });
    expect(() => loggingOptionsFrom({ POSTFLOW_LOG_FORMAT: 'xml' })).toThrow(/POSTFLOW_LOG_FORMAT/);
    expect(() => loggingOptionsFrom({ POSTFLOW_LOG_LEVEL: 'loud' })).toThrow(/POSTFLOW_LOG_LEVEL/);
  });

  test('a credential that slips into a line is masked', () => {
    const { logger, lines } = capturedLogger();
    logger.info(
      { account: { credentials: { access_token: 'tok_secret' } }, headers: { authorization: 'Bearer k' } },
      'oops',
    );
    expect(JSON.stringify(lines)).not.toMatch(/tok_secret|Bearer k/);
    expect(lines[0]).toMatchObject({
      msg: 'oops',
      service: 'postflow',
      account: { credentials: '[redacted]' },
    });
  });
});

describe("the Temporal SDK's lines", () => {
  test('keep their level and metadata, gain post_id on a post workflow, runId on activities, lose the task token', () => {
    const { logger, lines } = capturedLogger('debug');
    const sdk = new TemporalPinoLogger(logger);
    sdk.info('Delivery settled', {
      sdkComponent: 'workflow',
      workflowType: 'publishPost',
      workflowId: 'post_01',
      runId: 'run-1',
      account_id: 'acc_1',
    });
    sdk.warn('Activity failed', {
      workflowType: 'publishPost',
      workflowId: 'post_01',
      workflowRunId: 'run-1',
      activityId: '3',
      taskToken: 'c2VjcmV0',
      error: new Error('platform down'),
    });
    sdk.trace('below the level');
    sdk.debug('webhook', { workflowType: 'deliverWebhook', workflowId: 'dlv_1' });
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'Delivery settled',
      post_id: 'post_01',
      account_id: 'acc_1',
    });
    expect(lines[1]).toMatchObject({
      level: 40,
      post_id: 'post_01',
      runId: 'run-1',
      activityId: '3',
      error: { message: 'platform down', type: 'Error' },
    });
    expect(lines[1]).not.toHaveProperty('taskToken');
    expect(lines[2]).not.toHaveProperty('post_id');
  });
});

test("an activity's post, account and platform come from its job, never its content", () => {
  const job = {
    postId: 'post_1',
    target: { accountId: 'acc_1', platform: 'mastodon' },
    content: { text: 'x' },
  };
  expect(postRefOf('publishTarget', [job])).toEqual({
    post_id: 'post_1',
    account_id: 'acc_1',
    platform: 'mastodon',
  });
  expect(postRefOf('unpublishTarget', [{ postId: 'post_1', accountId: 'acc_2', platform: 'x' }])).toEqual({
    post_id: 'post_1',
    account_id: 'acc_2',
    platform: 'x',
  });
  expect(postRefOf('refreshAccount', ['acc_3'])).toEqual({ account_id: 'acc_3' });
  expect(postRefOf('webhookSubscribers', ['usr_1', 'post.published', 'post_1'])).toEqual({});
});

describe('metrics', () => {
  test('a settled delivery run counts outcomes, publish retries and the fire lag of a scheduled post', async () => {
    const metrics = new PostflowMetrics();
    const now = Date.parse('2030-01-01T09:00:02.500Z');
    recordDeliveries(
      metrics,
      {
        postId: 'post_1',
        scheduledAt: '2030-01-01T09:00:00Z',
        deliveries: [
          { accountId: 'a', platform: 'mastodon', outcome: 'published', attempts: 3, retries: 2 },
          { accountId: 'b', platform: 'twitter', outcome: 'failed', attempts: 1, retries: 0 },
        ],
      },
      now,
    );
    // Published before its time (publish now): no lag.
    recordDeliveries(
      metrics,
      {
        postId: 'post_2',
        scheduledAt: '2030-01-01T10:00:00Z',
        deliveries: [{ accountId: 'a', platform: 'mastodon', outcome: 'published', attempts: 1, retries: 0 }],
      },
      now,
    );
    const samples = parsePrometheus(await metrics.registry.metrics());
    expect(total(samples, 'postflow_deliveries_total', { platform: 'mastodon', outcome: 'published' })).toBe(
      2,
    );
    expect(total(samples, 'postflow_deliveries_total', { platform: 'twitter', outcome: 'failed' })).toBe(1);
    expect(total(samples, 'postflow_retries_total', { platform: 'mastodon', kind: 'publish' })).toBe(2);
    expect(total(samples, 'postflow_fire_lag_seconds_count', { platform: 'mastodon' })).toBe(1);
    expect(total(samples, 'postflow_fire_lag_seconds_sum', { platform: 'mastodon' })).toBe(2.5);
    expect(total(samples, 'postflow_fire_lag_seconds_count', { platform: 'twitter' })).toBe(0);
  });

  test('posts by status are counted at each scrape; when counting fails, the last counts stay', async () => {
    const metrics = new PostflowMetrics();
    let fail = false;
    metrics.countPostsWith(async (status) => {
      if (fail) throw new Error('Temporal unreachable');
      return status === 'published' ? 7 : 0;
    });
    const server = await serveMetrics(metrics.registry, '127.0.0.1:0', 'POSTFLOW_METRICS_ADDR');
    try {
      const scrapeOnce = async () =>
        parsePrometheus(await (await fetch(`http://${server.address}/metrics`)).text());
      expect(total(await scrapeOnce(), 'postflow_posts', { status: 'published' })).toBe(7);
      fail = true;
      expect(total(await scrapeOnce(), 'postflow_posts', { status: 'published' })).toBe(7);
      expect((await fetch(`http://${server.address}/other`)).status).toBe(404);
    } finally {
      await server.close();
    }
  });

  test('addresses are host:port', () => {
    expect(parseHostPort('127.0.0.1:9464', 'X')).toEqual({ host: '127.0.0.1', port: 9464 });
    expect(parseHostPort('[::1]:9464', 'X')).toEqual({ host: '::1', port: 9464 });
    expect(() => parseHostPort('9464', 'POSTFLOW_METRICS_ADDR')).toThrow(
      /POSTFLOW_METRICS_ADDR must be host:port/,
    );
  });
});

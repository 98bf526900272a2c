import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createPlatformRegistry } from '../../activities/platforms/registry';
import type { Store } from '../../store/types';
import { tempMedia, tempStore } from '../helpers/fixtures';
import { WebhookReceiver } from '../helpers/receiver';
import { javaTestServer } from '../helpers/tools';

/** The delivery schedule of webhooks (contract §6), with time skipping and a real HTTP receiver. */
let env: TestWorkflowEnvironment;
let store: Store;
let dir: string;
let receiver: WebhookReceiver;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: javaTestServer() } },
  });
  ({ store, dir } = await tempStore());
  receiver = await new WebhookReceiver().start();
});

afterAll(async () => {
  await env?.teardown();
  await store?.close();
  await receiver?.stop();
});

async function deliver(deliveryId: string) {
  const endpoint = await store.webhooks.create({
    userId: 'usr_1',
    url: receiver.url,
    events: ['post.published'],
    secret: 'secret',
  });
  const taskQueue = `webhooks-${deliveryId}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: createActivities({
      store,
      platforms: createPlatformRegistry({ store, publicUrl: 'http://x' }),
      media: tempMedia(dir),
      allowPrivateUrls: true,
    }),
  });
  const job = {
    deliveryId,
    endpointId: endpoint.id,
    event: { event: 'post.published' as const, data: { post_id: 'post_1' } },
  };
  const result = await worker.runUntil(
    env.client.workflow.execute('deliverWebhook', { taskQueue, workflowId: deliveryId, args: [job] }),
  );
  return { result, log: await store.webhooks.deliveries(endpoint.id, 10) };
}

test('a receiver that fails four times gets the event on the fifth attempt, hours later', async () => {
  receiver.answerWith(500, 503, 502, 500);
  const start = await env.currentTimeMs();
  const { result, log } = await deliver('dlv_retry');
  expect(result).toBe('delivered');
  expect(log[0]).toMatchObject({ status: 'succeeded', attempts: 5, lastStatusCode: 200 });
  // 30 s + 5 min + 30 min + 3 h of durable waiting went by on the server's clock.
  expect((await env.currentTimeMs()) - start).toBeGreaterThanOrEqual(
    30_000 + 300_000 + 1_800_000 + 10_800_000,
  );
  const attempts = receiver.received.filter((r) => r.headers['x-socialapi-delivery'] === 'dlv_retry');
  expect(attempts).toHaveLength(5);
});

test('after the last attempt the delivery is logged as failed', async () => {
  receiver.answerWith(500, 500, 500, 500, 500);
  const { result, log } = await deliver('dlv_fail');
  expect(result).toBe('failed');
  expect(log[0]).toMatchObject({ status: 'failed', attempts: 5, lastStatusCode: 500 });
});

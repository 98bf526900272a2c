import { createHash, randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { createPlatformRegistry } from '../../activities/platforms/registry';
import { uploadKey } from '../../activities/uploads';
import type { DeliveryJob } from '../../api/types';
import type { StepState } from '../../platforms/kit/adapter';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { readSession } from '../../platforms/tiktok/upload';
import type { Store } from '../../store/types';
import { MediaHost } from '../contracts/run-delivery';
import { tempMedia, tempStore } from '../helpers/fixtures';
import { PUBLISH_DEADLINE_MS } from '../../workflows/activity-proxies';

/**
 * TikTok's upload step as Temporal runs it (activities/index.ts `uploadTarget`), against the
 * TikTok fake with the real store: an attempt cancelled mid-upload (what a heartbeat timeout does
 * to a worker that lost Temporal), then the retry, which Temporal gives the same activity identity
 * and the last heartbeat's details. TikTok cannot be asked what an upload URL holds: the retry
 * goes on from the chunk the sealed session records, in the same session, with no second init.
 */
const MiB = 1024 * 1024;
const CHUNK = 10 * MiB;
/** Four chunks: three in the step, the final one (with the remainder) in the publish call. */
const film = randomBytes(4 * CHUNK + 7_000);
const filmHash = createHash('sha256').update(film).digest('hex');

let store: Store;
let fake: TikTokFake;
let host: MediaHost;
let activities: ReturnType<typeof createActivities>;
let job: DeliveryJob;

beforeAll(async () => {
  const temp = await tempStore();
  store = temp.store;
  fake = await new TikTokFake().start();
  host = await new MediaHost().start();
  // The worker's own setting is pull: the post's decision (fileUpload) is what runs the step.
  const env = {
    POSTFLOW_TIKTOK_API_URL: fake.url,
    POSTFLOW_TIKTOK_CLIENT_ID: 'client-key-1',
    POSTFLOW_TIKTOK_CLIENT_SECRET: 'client-secret-1',
  };
  activities = createActivities({
    store,
    platforms: createPlatformRegistry({
      store,
      publicUrl: 'http://postflow.test',
      env,
      allowPrivateUrls: true,
    }),
    media: tempMedia(temp.dir),
    allowPrivateUrls: true,
  });
  const account = await store.createAccount({
    userId: 'usr_default',
    platform: 'tiktok',
    name: 'Clips',
    credentials: fake.credentials(),
  });
  const [file] = host.serve([{ contentType: 'video/mp4', bytes: film }]);
  job = {
    postId: 'post_tiktok1',
    target: { accountId: account.id, platform: 'tiktok', options: { privacy_level: 'PUBLIC_TO_EVERYONE' } },
    content: { text: 'a clip', media: [file!.ref] },
    fileUpload: true,
  };
});

afterAll(async () => {
  await fake?.stop();
  await host?.stop();
  await store?.close();
});

const identity = {
  activityId: '7',
  workflowExecution: { workflowId: 'post_tiktok1', runId: 'run-1' },
  heartbeatTimeoutMs: 30_000,
};

test('a TikTok upload attempt stopped mid-way is resumed by the next from the recorded chunk: one init, no range twice beyond the one in flight', async () => {
  const first = new MockActivityEnvironment({ ...identity, attempt: 1 });
  const beats: unknown[] = [];
  first.on('heartbeat', (details: unknown) => beats.push(details));
  // A slow link, so the attempt is stopped with chunks still to send however busy the machine is.
  fake.chunkDelayMs = 300;
  const running = first.run(activities.uploadTarget, job);
  const acknowledged = () =>
    Math.max(0, ...beats.map((b) => (b as { offset?: number } | undefined)?.offset ?? 0));
  while (acknowledged() < 2 * CHUNK) await new Promise((r) => setTimeout(r, 5));
  first.cancel();
  await expect(running).rejects.toBeDefined();
  fake.chunkDelayMs = 0;

  const key = uploadKey(identity);
  const last = beats.filter(Boolean).at(-1) as { upload_key: string; offset: number; size: number };
  expect(last).toEqual({ upload_key: key, offset: expect.any(Number), size: film.length });
  // The upload URL is sealed in the store, never in what is heartbeat (history on a failed attempt).
  expect(JSON.stringify(beats)).not.toMatch(/upload_id|127\.0\.0\.1|publish_id/);
  const kept = readSession(await store.uploadSessions.get(key));
  expect(kept).toMatchObject({ publish_id: fake.fileUploads()[0]!.publishId });
  expect(kept!.acknowledged).toBeGreaterThanOrEqual(last.offset);

  const second = new MockActivityEnvironment({ ...identity, attempt: 2, heartbeatDetails: last });
  const ready = (await second.run(activities.uploadTarget, job)) as StepState;
  expect(ready).toMatchObject({ upload_key: key, size: film.length, offset: 3 * CHUNK });
  expect(JSON.stringify(ready)).not.toMatch(/upload_id|http/);
  expect(fake.fileUploads()).toHaveLength(1);

  const publish = new MockActivityEnvironment({
    activityId: '8',
    workflowExecution: identity.workflowExecution,
    scheduledTimestampMs: Date.now(),
    scheduleToCloseTimeoutMs: PUBLISH_DEADLINE_MS,
    startToCloseTimeoutMs: PUBLISH_DEADLINE_MS,
  });
  const published = await publish.run(activities.publishTarget, job, ready);
  const [post] = fake.fileUploads();
  expect(published).toMatchObject({ processing: { publish_id: post!.publishId } });
  // One init; every range kept once; at most one sent twice (the chunk in flight at the stop).
  expect(fake.fileUploads()).toHaveLength(1);
  const ranges = [...fake.rangeBytes().get(post!.publishId)!.values()];
  expect(ranges).toHaveLength(4);
  expect(ranges.every((r) => r.kept === r.sent / r.puts)).toBe(true);
  expect(ranges.filter((r) => r.puts > 1).length).toBeLessThanOrEqual(1);
  expect(ranges.reduce((sum, r) => sum + r.sent, 0) - film.length).toBeLessThanOrEqual(CHUNK);
  expect(post!.upload).toMatchObject({ received: film.length, sha256: filmHash });
});

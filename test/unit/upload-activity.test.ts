import { createHash, randomBytes } from 'node:crypto';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import { createPlatformRegistry } from '../../activities/platforms/registry';
import { prepareUploadKey, uploadKey } from '../../activities/uploads';
import type { DeliveryJob } from '../../api/types';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import type { StepState } from '../../platforms/kit/adapter';
import type { Store } from '../../store/types';
import { MediaHost } from '../contracts/run-delivery';
import { tempMedia, tempStore } from '../helpers/fixtures';
import { PUBLISH_DEADLINE_MS } from '../../workflows/activity-proxies';

/**
 * The upload step as Temporal runs it (activities/index.ts `uploadTarget`), against the YouTube
 * fake with the real store: an attempt cancelled mid-upload (what a heartbeat timeout does to a
 * worker that lost Temporal; a killed worker simply stops), then the retry, which Temporal gives
 * the same activity identity and the last heartbeat's details.
 */
const CHUNK = 256 * 1024;
const film = randomBytes(5 * CHUNK + 7_000);
const filmHash = createHash('sha256').update(film).digest('hex');

let store: Store;
let fake: YoutubeFake;
let host: MediaHost;
let activities: ReturnType<typeof createActivities>;
let job: DeliveryJob;

beforeAll(async () => {
  const temp = await tempStore();
  store = temp.store;
  fake = await new YoutubeFake().start();
  host = await new MediaHost().start();
  const env = {
    POSTFLOW_YOUTUBE_API_URL: fake.url,
    POSTFLOW_YOUTUBE_CLIENT_ID: fake.client.id,
    POSTFLOW_YOUTUBE_CLIENT_SECRET: fake.client.secret,
    POSTFLOW_YOUTUBE_TOKEN_URL: `${fake.url}/token`,
    POSTFLOW_YOUTUBE_CHUNK_BYTES: String(CHUNK),
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
    platform: 'youtube',
    name: 'Films',
    credentials: fake.credentials(),
  });
  const [file] = host.serve([{ contentType: 'video/mp4', bytes: film }]);
  job = {
    postId: 'post_upload1',
    target: { accountId: account.id, platform: 'youtube', options: {} },
    content: { text: 'a film', title: 'A film', media: [file!.ref] },
  };
});

afterAll(async () => {
  await fake?.stop();
  await host?.stop();
  await store?.close();
});

/** The same activity (workflow, run, activity id) as Temporal gives every attempt of it. */
const identity = {
  activityId: '7',
  workflowExecution: { workflowId: 'post_upload1', runId: 'run-1' },
  heartbeatTimeoutMs: 30_000,
};

test('an upload attempt stopped mid-way is resumed by the next in the same session; heartbeats carry only the key and offset', async () => {
  const first = new MockActivityEnvironment({ ...identity, attempt: 1 });
  const beats: unknown[] = [];
  first.on('heartbeat', (details: unknown) => beats.push(details));
  // A slow link, so the attempt is stopped with chunks still to send however busy the machine is.
  fake.chunkDelayMs = 200;
  const running = first.run(activities.uploadTarget, job);
  // Stopped once the attempt has heard three chunks acknowledged (its heartbeat says so).
  const acknowledged = () =>
    Math.max(0, ...beats.map((b) => (b as { offset?: number } | undefined)?.offset ?? 0));
  while (acknowledged() < 3 * CHUNK) await new Promise((r) => setTimeout(r, 5));
  first.cancel();
  await expect(running).rejects.toBeDefined();
  fake.chunkDelayMs = 0;

  const key = uploadKey(identity);
  const last = beats.filter(Boolean).at(-1) as { upload_key: string; offset: number; size: number };
  expect(last).toEqual({ upload_key: key, offset: expect.any(Number), size: film.length });
  expect(last.offset).toBeGreaterThanOrEqual(3 * CHUNK);
  // The session URL is sealed in the store, never in what is heartbeat (history on a failed attempt).
  expect(JSON.stringify(beats)).not.toMatch(/upload_id|127\.0\.0\.1/);
  expect(await store.uploadSessions.get(key)).toMatch(/upload_id=/);

  const sentBefore = fake.chunks.length;
  const second = new MockActivityEnvironment({ ...identity, attempt: 2, heartbeatDetails: last });
  const ready = (await second.run(activities.uploadTarget, job)) as StepState;
  expect(ready).toEqual({ upload_key: key, size: film.length, offset: 5 * CHUNK });
  // The retry asked the session and went on from its offset: nothing kept was sent again.
  expect(fake.chunks[sentBefore]!.first).toBeGreaterThanOrEqual(last.offset);

  const publish = new MockActivityEnvironment({
    activityId: '8',
    workflowExecution: identity.workflowExecution,
    scheduledTimestampMs: Date.now(),
    scheduleToCloseTimeoutMs: PUBLISH_DEADLINE_MS,
    startToCloseTimeoutMs: PUBLISH_DEADLINE_MS,
  });
  const published = await publish.run(activities.publishTarget, job, ready);
  expect(published).toMatchObject({ processing: { video_id: fake.videos[0]!.id } });
  expect(fake.sessionsOpened).toHaveLength(1);
  const [bytes] = [...fake.sessionBytes().values()];
  expect(bytes!.kept).toBe(film.length);
  expect(bytes!.sent - film.length).toBeLessThanOrEqual(CHUNK);
  expect(fake.videos).toHaveLength(1);
  expect(fake.videos[0]!.sha256).toBe(filmHash);
});

test('the upload key is stable across attempts and differs between activities and runs', () => {
  const key = uploadKey(identity);
  expect(key).toMatch(/^upl_[0-9a-f]{32}$/);
  expect(uploadKey({ ...identity })).toBe(key);
  expect(uploadKey({ ...identity, activityId: '9' })).not.toBe(key);
  expect(
    uploadKey({ ...identity, workflowExecution: { workflowId: 'post_upload1', runId: 'run-2' } }),
  ).not.toBe(key);
});

test("a prepare's upload key is one per post, account and media, whichever activity or run prepares", () => {
  const key = prepareUploadKey('post_upload1', job);
  expect(key).toMatch(/^upl_[0-9a-f]{32}$/);
  // The same key for a refreshed prepare, the operator's retry, a later run of the post's workflow:
  // none of those is in it.
  expect(prepareUploadKey('post_upload1', { ...job, startedAt: '2026-12-06T20:00:00.000Z' })).toBe(key);
  expect(prepareUploadKey('post_upload2', job)).not.toBe(key);
  expect(
    prepareUploadKey('post_upload1', { ...job, target: { ...job.target, accountId: 'acc_other' } }),
  ).not.toBe(key);
  // An edit that changes the media starts afresh, in the post's content or the target's overrides.
  const other = { source_type: 'url', source: 'https://media.example/other.mp4' } as const;
  expect(prepareUploadKey('post_upload1', { ...job, content: { ...job.content, media: [other] } })).not.toBe(
    key,
  );
  expect(
    prepareUploadKey('post_upload1', { ...job, target: { ...job.target, overrides: { media: [other] } } }),
  ).not.toBe(key);
  // Never the key of an upload step's activity.
  expect(key).not.toBe(uploadKey(identity));
});

import { randomBytes } from 'node:crypto';
import { FacebookFake } from '../../platforms/meta/facebook/fake';
import { InstagramFake } from '../../platforms/meta/instagram/fake';
import { Stack } from '../helpers/stack';

/**
 * Issue #21: Facebook and Instagram video by upload (`POSTFLOW_META_VIDEO_SOURCE=upload`) through
 * the real stack (Temporal dev server, `postflow worker`, `postflow api`), with the default disk
 * storage: library videos Meta never fetches (no `video_url`, no `file_url`), their bytes sent by
 * the worker in the media prepare, which runs as an upload (heartbeat-bounded); a worker killed
 * mid-upload costs a new prepare, which goes on in the upload session (Facebook) or the container
 * (Instagram) the dead one kept, never a second post.
 */
const MiB = 1024 * 1024;
const instagram = new InstagramFake();
const facebook = new FacebookFake();
let stack: Stack;

beforeAll(async () => {
  await Promise.all([instagram.start(), facebook.start()]);
  // The reel's container is FINISHED once its bytes are in: no minute-long status poll.
  instagram.videoProcessingReads = 0;
  stack = await new Stack({
    POSTFLOW_SYNC_WAIT_MS: '0',
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_META_VIDEO_SOURCE: 'upload',
    POSTFLOW_INSTAGRAM_API_URL: instagram.url,
    POSTFLOW_FACEBOOK_API_URL: facebook.url,
    POSTFLOW_FACEBOOK_CLIENT_ID: facebook.client.id,
  }).start();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([instagram.stop(), facebook.stop()]);
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const settled = (p: { status: string }) => !['scheduled', 'publishing'].includes(p.status);

async function account(platform: string, credentials: Record<string, string>): Promise<string> {
  const created = await stack.request('POST', '/v1/accounts', { platform, name: platform, credentials });
  expect(created.status).toBe(201);
  return created.body.id;
}

test('a 9 MiB reel and a 9 MiB Page video from disk storage: sent by the worker, each byte once, one post each', async () => {
  const reel = randomBytes(9 * MiB + 11);
  const clip = randomBytes(9 * MiB + 22);
  const [reelId, clipId] = [
    await stack.upload(reel, 'video/mp4', 'reel.mp4'),
    await stack.upload(clip, 'video/mp4', 'clip.mp4'),
  ];
  const created = await stack.request('POST', '/v1/posts', {
    text: 'Sent, not pulled',
    targets: [
      {
        account_id: await account('instagram', instagram.credentials()),
        media_ids: [reelId],
        platform_data: { content_type: 'reel' },
      },
      { account_id: await account('facebook', facebook.credentials()), media_ids: [clipId] },
    ],
    publish_now: true,
  });
  expect(created.status).toBeLessThan(300);
  const post = await stack.waitForPost(created.body.id, settled, 120_000);
  expect(post.targets.map((t: { status: string }) => t.status)).toEqual(['published', 'published']);

  const container = [...instagram.containers.values()].at(-1)!;
  expect(container.params).toMatchObject({ upload_type: 'resumable', media_type: 'REELS' });
  expect(container.params.video_url).toBeUndefined();
  expect(instagram.uploads.overlaps(container.id)).toBe(false);
  expect(instagram.uploads.files.get(container.id)!.bytes.equals(reel)).toBe(true);
  expect(instagram.published).toHaveLength(1);

  const [session] = facebook.uploads.files.keys();
  expect(facebook.uploads.overlaps(session!)).toBe(false);
  expect(facebook.uploads.files.get(session!)!.bytes.equals(clip)).toBe(true);
  const videos = facebook.published.filter((p) => p.kind === 'video');
  expect(videos).toHaveLength(1);
  expect(videos[0]!.params.file_url).toBeUndefined();
  expect(videos[0]!.params.fbuploader_video_file_chunk).toEqual(expect.stringMatching(/^2:/));
}, 180_000);

test('a worker SIGKILLed mid-upload: the next worker goes on in the kept session from where Meta stands; one Page video', async () => {
  facebook.uploads.files.clear();
  const before = facebook.published.length;
  facebook.chunkDelayMs = 400;
  const clip = randomBytes(9 * MiB);
  const created = await stack.request('POST', '/v1/posts', {
    text: 'Killed mid-upload',
    targets: [
      {
        account_id: await account('facebook', facebook.credentials()),
        media_ids: [await stack.upload(clip, 'video/mp4', 'killed.mp4')],
      },
    ],
    publish_now: true,
  });
  expect(created.status).toBeLessThan(300);
  const held = () => [...facebook.uploads.files.values()].reduce((sum, f) => sum + f.held, 0);
  while (held() === 0) await pause(50);
  await stack.stopWorker('SIGKILL');
  expect(facebook.published).toHaveLength(before);
  await stack.startWorker();
  facebook.chunkDelayMs = 0;

  const post = await stack.waitForPost(created.body.id, settled, 150_000);
  expect(post.targets[0].status).toBe('published');
  // One session: the retry asked Meta where it stood and sent only what Meta did not hold.
  const [session, ...others] = [...facebook.uploads.files.keys()];
  expect(others).toHaveLength(0);
  expect(facebook.uploads.overlaps(session!)).toBe(false);
  expect(facebook.uploads.files.get(session!)!.bytes.equals(clip)).toBe(true);
  expect(facebook.requests.some((r) => r.method === 'GET' && r.path.includes('/upload:'))).toBe(true);
  expect(facebook.published.slice(before).filter((p) => p.kind === 'video')).toHaveLength(1);
}, 240_000);

test('a worker SIGKILLed mid-upload to rupload: the next worker goes on in the kept container from the last answered chunk; one reel', async () => {
  const CHUNK = 4 * MiB;
  instagram.uploads.files.clear();
  const before = { containers: instagram.containers.size, published: instagram.published.length };
  const reel = randomBytes(6 * CHUNK + 7);
  const accountId = await account('instagram', instagram.credentials());
  const mediaId = await stack.upload(reel, 'video/mp4', 'killed-reel.mp4');
  // A slow link: chunks are still going out when the worker is killed.
  instagram.bodyBytesPerSecond = 4 * MiB;
  const created = await stack.request('POST', '/v1/posts', {
    text: 'A reel killed mid-upload',
    targets: [{ account_id: accountId, media_ids: [mediaId], platform_data: { content_type: 'reel' } }],
    publish_now: true,
  });
  expect(created.status).toBeLessThan(300);
  const held = () => [...instagram.uploads.files.values()].reduce((sum, f) => sum + f.held, 0);
  while (held() < 2 * CHUNK) await pause(20);
  await stack.stopWorker('SIGKILL');
  expect(instagram.published).toHaveLength(before.published);
  instagram.bodyBytesPerSecond = 0;
  await stack.startWorker();

  const post = await stack.waitForPost(created.body.id, settled, 150_000);
  expect(post.targets[0].status).toBe('published');
  // One container: the retry went on in the one the dead worker kept.
  const made = [...instagram.containers.values()].slice(before.containers);
  expect(made).toHaveLength(1);
  const upload = instagram.uploads.files.get(made[0]!.id)!;
  expect(upload.bytes.equals(reel)).toBe(true);
  // No range twice beyond the chunk in flight when the worker died (sent again to its own offset).
  const starts = upload.ranges.map((r) => r.start);
  expect(starts.length - new Set(starts).size).toBeLessThanOrEqual(1);
  expect(instagram.uploads.received(made[0]!.id)).toBeLessThanOrEqual(reel.length + CHUNK);
  expect(instagram.published.slice(before.published)).toHaveLength(1);
}, 240_000);

import { createHash, randomBytes } from 'node:crypto';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { historyText } from '../helpers/history-text';
import { Stack } from '../helpers/stack';

/**
 * Issue #21 for TikTok: a worker SIGKILLed in the middle of a FILE_UPLOAD video
 * (`POSTFLOW_TIKTOK_VIDEO_SOURCE=upload`). Init and every chunk but the final one run in the
 * upload step (`uploadTarget`), which records each chunk TikTok acknowledged in its sealed
 * session; Temporal notices the dead worker by the heartbeat timeout, and the retry, on the next
 * worker, goes on in the same session from the recorded chunk. The publish call sends the final
 * chunk. The fake shows one init (one publish_id), no range sent twice beyond the chunk in flight
 * when the worker died, and one post with every byte in order.
 */
const MiB = 1024 * 1024;
const CHUNK = 10 * MiB;
/** Five chunks (the last with the remainder): the kill comes after the third, at 60 %. */
const film = randomBytes(5 * CHUNK + 4_321);
const filmHash = createHash('sha256').update(film).digest('hex');

let stack: Stack;
const fake = new TikTokFake();

beforeAll(async () => {
  await fake.start();
  // A slow link: each chunk is taken 400 ms after it arrives, so the kill lands mid-upload.
  fake.chunkDelayMs = 400;
  fake.processingPolls = 0;
  stack = await new Stack({
    POSTFLOW_SYNC_WAIT_MS: '0',
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_TIKTOK_API_URL: fake.url,
    POSTFLOW_TIKTOK_CLIENT_ID: 'client-key-1',
    POSTFLOW_TIKTOK_CLIENT_SECRET: 'client-secret-1',
    POSTFLOW_TIKTOK_VIDEO_SOURCE: 'upload',
  }).start();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await fake.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A file over the direct upload's 50 MB: by the signed upload URL, then verified. */
async function uploadLarge(bytes: Buffer): Promise<string> {
  const url = await stack.request('GET', '/v1/media/upload-url?media_type=video/mp4&filename=clip.mp4');
  expect(url.status).toBe(200);
  const { media_id: id, upload_url: uploadUrl } = url.body as { media_id: string; upload_url: string };
  const put = await fetch(uploadUrl, {
    method: 'PUT',
    body: bytes,
    headers: { 'content-type': 'video/mp4' },
  });
  expect(put.status).toBeLessThan(300);
  const verified = await stack.request('POST', `/v1/media/${id}/verify`);
  expect(verified.status).toBeLessThan(300);
  return id;
}

test('a worker SIGKILLed at 60 % of a TikTok upload: the next worker goes on in the same session; one init, one publish_id, one post', async () => {
  const video = await uploadLarge(film);
  const account = await stack.request('POST', '/v1/accounts', {
    platform: 'tiktok',
    name: 'Clips',
    credentials: fake.credentials(),
  });
  expect(account.status).toBe(201);
  const created = await stack.request('POST', '/v1/posts', {
    text: 'The whole clip',
    targets: [{ account_id: account.body.id, media_ids: [video] }],
    platform_options: { tiktok: { privacy_level: 'PUBLIC_TO_EVERYONE' } },
    publish_now: true,
  });
  expect(created.status).toBeLessThan(300);

  // Three chunks of five taken: kill the worker while the fourth is on its way.
  const received = () => fake.fileUploads()[0]?.upload?.received ?? 0;
  while (received() < 3 * CHUNK) await pause(50);
  await stack.stopWorker('SIGKILL');
  const [session] = fake.fileUploads();
  const atKill = session!.upload!.chunks.length;
  const heldAtKill = session!.upload!.received;
  expect(session!.upload!.sha256).toBeUndefined();
  await stack.startWorker();

  const post = await stack.waitForPost(
    created.body.id,
    (p) => !['scheduled', 'publishing'].includes(p.status),
  );
  expect(post.status).toBe('published');
  // The upload's retry is not a delivery attempt: the publish call ran once.
  expect(post.targets[0]).toMatchObject({ status: 'published', attempts: 1 });

  // One init, one publish_id: the retry went on in the session the killed worker opened.
  expect(fake.fileUploads()).toHaveLength(1);
  expect(fake.posts).toHaveLength(1);
  const ranges = [...fake.rangeBytes().get(session!.publishId)!.values()];
  expect(ranges).toHaveLength(5);
  // Every range kept once; nothing sent twice but (at most) the chunk in flight at the kill.
  expect(ranges.every((r) => r.kept === r.sent / r.puts)).toBe(true);
  expect(ranges.filter((r) => r.puts > 1).length).toBeLessThanOrEqual(1);
  expect(ranges.reduce((sum, r) => sum + r.sent, 0) - film.length).toBeLessThanOrEqual(CHUNK);
  // The retry went on from the chunk recorded: the last one TikTok held at the kill at the earliest
  // (the worker may have died between its 206 and recording it: sent again, answered 416, held).
  expect(session!.upload!.chunks.slice(atKill)[0]!.first).toBeGreaterThanOrEqual(heldAtKill - CHUNK);
  expect(session!.upload).toMatchObject({ received: film.length, sha256: filmHash });
  expect(post.targets[0].platform_post_id).toBe(session!.id);

  // History holds the upload's key and offset, never the upload URL (a capability).
  const history = await historyText(stack, created.body.id);
  expect(history).toContain('upload_key');
  expect(history).not.toContain('upload_id=');
  expect(history).not.toContain('upload_url');
}, 180_000);

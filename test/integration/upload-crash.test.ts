import { createHash, randomBytes } from 'node:crypto';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import { historyText } from '../helpers/history-text';
import { Stack } from '../helpers/stack';

/**
 * Issue #21, slice 3: a worker SIGKILLed in the middle of a YouTube upload. The upload runs in an
 * activity of its own (`uploadTarget`) that heartbeats where it stands; Temporal notices the dead
 * worker by the heartbeat timeout, and the retry, on the next worker, goes on in the same upload
 * session from the offset YouTube acknowledges. The fake shows one session, no byte sent twice
 * beyond the chunk in flight when the worker died, and one video with every byte in order.
 */
const MiB = 1024 * 1024;
const CHUNK = MiB;
/** Ten chunks and a bit: the kill comes after the sixth. */
const film = randomBytes(10 * CHUNK + 4_321);
const filmHash = createHash('sha256').update(film).digest('hex');

let stack: Stack;
const fake = new YoutubeFake();

beforeAll(async () => {
  await fake.start();
  // A slow link: each chunk is taken 400 ms after it arrives, so the kill lands mid-upload.
  fake.chunkDelayMs = 400;
  fake.processingPolls = 0;
  stack = await new Stack({
    POSTFLOW_SYNC_WAIT_MS: '0',
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_YOUTUBE_API_URL: fake.url,
    POSTFLOW_YOUTUBE_CLIENT_ID: fake.client.id,
    POSTFLOW_YOUTUBE_CLIENT_SECRET: fake.client.secret,
    POSTFLOW_YOUTUBE_TOKEN_URL: `${fake.url}/token`,
    POSTFLOW_YOUTUBE_CHUNK_BYTES: String(CHUNK),
  }).start();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await fake.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a worker SIGKILLed at 60 % of a YouTube upload: the next worker resumes the same session at 60 %; one session, one video', async () => {
  const video = await stack.upload(film, 'video/mp4', 'film.mp4');
  const account = await stack.request('POST', '/v1/accounts', {
    platform: 'youtube',
    name: 'Film channel',
    credentials: fake.credentials(),
  });
  expect(account.status).toBe(201);
  const created = await stack.request('POST', '/v1/posts', {
    text: 'The whole film',
    targets: [{ account_id: account.body.id, media_ids: [video], title: 'The whole film' }],
    publish_now: true,
  });
  expect(created.status).toBeLessThan(300);

  // Six chunks of ten kept: kill the worker while the seventh is on its way.
  while (fake.chunks.filter((c) => c.kept > 0).length < 6) await pause(50);
  await stack.stopWorker('SIGKILL');
  const atKill = fake.chunks.length;
  expect(fake.videos).toHaveLength(0);
  await stack.startWorker();

  const post = await stack.waitForPost(
    created.body.id,
    (p) => !['scheduled', 'publishing'].includes(p.status),
  );
  expect(post.status).toBe('published');
  // The upload's retry is not a delivery attempt: the publish call ran once.
  expect(post.targets[0]).toMatchObject({ status: 'published', attempts: 1 });

  // One session; the retry went on in it, from where YouTube said it stood.
  expect(fake.sessionsOpened).toHaveLength(1);
  const [bytes] = [...fake.sessionBytes().values()];
  expect(bytes!.kept).toBe(film.length);
  // Nothing sent twice but (at most) the chunk in flight when the worker died.
  expect(bytes!.sent - film.length).toBeLessThanOrEqual(CHUNK);
  const firsts = fake.chunks.map((c) => c.first);
  expect(new Set(firsts).size).toBeGreaterThanOrEqual(firsts.length - 1);
  // The retry asked the session where it stood before sending anything.
  expect(fake.statusQueries).toBeGreaterThanOrEqual(1);
  expect(fake.chunks.slice(atKill)[0]!.first).toBeGreaterThanOrEqual(6 * CHUNK);

  expect(fake.videos).toHaveLength(1);
  expect(fake.videos[0]).toMatchObject({
    id: post.targets[0].platform_post_id,
    bytes: film.length,
    sha256: filmHash,
  });

  // History holds the upload's key and offset, never the session URL (a capability).
  const history = await historyText(stack, created.body.id);
  expect(history).toContain('upload_key');
  expect(history).not.toContain('upload_id=');
  expect(history).not.toContain('/upload/youtube/v3/videos');
}, 180_000);

import { createHash, randomBytes } from 'node:crypto';
import { LinkedInFake } from '../../platforms/linkedin/fake';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { TwitterFake } from '../../platforms/twitter/fake';
import { Stack } from '../helpers/stack';

/**
 * Issue #21: uploads that run in the media prepare (the descriptors' `uploadStep: 'prepare'`),
 * through the real stack, with a worker SIGKILLed mid-upload:
 * - a platform that takes a file in one streamed request (Mastodon here; Pinterest, Reddit, Slack
 *   and Matrix alike) costs a new prepare that sends the file again, never a second post (that
 *   such a request may outlast a call's timeout while its bytes keep going out:
 *   test/unit/streamed-form.test.ts);
 * - X's chunked upload goes on in the same media id from the segment the dead attempt kept;
 * - LinkedIn's goes on in the same video, sending only the parts the dead attempt kept no ETag for.
 */
const MiB = 1024 * 1024;
/** LinkedIn's part size (its Videos API cuts 4 MB parts); the fake's video is ready at once. */
const LINKEDIN_PART = 4 * MiB;
const mastodon = new MastodonFake();
const x = new TwitterFake();
const linkedin = new LinkedInFake(undefined, LINKEDIN_PART, 0);
let stack: Stack;

beforeAll(async () => {
  await Promise.all([mastodon.start(), x.start(), linkedin.start()]);
  stack = await new Stack({
    POSTFLOW_SYNC_WAIT_MS: '0',
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_TWITTER_API_URL: x.url,
    POSTFLOW_LINKEDIN_API_URL: linkedin.url,
  }).start();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([mastodon.stop(), x.stop(), linkedin.stop()]);
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const settled = (p: { status: string }) => !['scheduled', 'publishing'].includes(p.status);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** A new account on `platform` and `video` uploaded to the library: the account and media ids. */
async function accountWithVideo(
  platform: string,
  name: string,
  credentials: Record<string, string>,
  video: Buffer,
) {
  const account = await stack.request('POST', '/v1/accounts', { platform, name, credentials });
  expect(account.status).toBe(201);
  return {
    accountId: account.body.id as string,
    mediaId: await stack.upload(video, 'video/mp4', 'slow.mp4'),
  };
}

test('a worker SIGKILLed mid-request: the next worker prepares again and sends the whole file; one status', async () => {
  const video = randomBytes(6 * MiB + 5);
  const { accountId, mediaId } = await accountWithVideo(
    'mastodon',
    'slow instance',
    mastodon.credentials(),
    video,
  );
  // A slow link: the request is still arriving when the worker is killed.
  mastodon.bodyBytesPerSecond = 2 * MiB;
  const created = await stack.request('POST', '/v1/posts', {
    text: 'One request, killed halfway',
    account_ids: [accountId],
    media_ids: [mediaId],
    publish_now: true,
  });
  expect(created.status).toBeLessThan(300);

  const started = mastodon.bodyBytesRead;
  while (mastodon.bodyBytesRead - started < video.length / 3) await pause(20);
  await stack.stopWorker('SIGKILL');
  expect(mastodon.media.size).toBe(0);
  expect(mastodon.statuses).toHaveLength(0);
  mastodon.bodyBytesPerSecond = 0;
  await stack.startWorker();

  const post = await stack.waitForPost(created.body.id, settled, 150_000);
  expect(post.targets[0].status).toBe('published');
  // One status, with the retry's whole file. The cut request stored nothing, or a medium no status
  // uses: the kernel may hold the rest of its body in the socket's buffers when the worker dies,
  // and deliver it after (the fresh CI of 2026-12-06 saw this).
  expect(mastodon.statuses).toHaveLength(1);
  const [used, ...more] = mastodon.statuses[0]!.mediaIds;
  expect(more).toEqual([]);
  expect(mastodon.media.get(used!)).toMatchObject({ bytes: video.length, sha256: sha256(video) });
  expect([...mastodon.media.keys()].filter((id) => id !== used).length).toBeLessThanOrEqual(1);
  // The cut request's bytes, then the whole file again.
  expect(mastodon.bodyBytesRead - started).toBeGreaterThan(video.length + video.length / 3);
}, 240_000);

test('a worker SIGKILLed mid-upload to X: the next worker appends from the kept segment to the same media id; one post', async () => {
  const SEGMENT = 4 * MiB;
  const video = randomBytes(6 * SEGMENT + 5);
  const { accountId, mediaId } = await accountWithVideo('twitter', 'slow link to X', x.credentials(), video);
  const appends = () => x.requests.filter((r) => r.path.endsWith('/append')).length;
  const before = { requests: x.requests.length, appends: appends(), bytes: x.bodyBytesRead };
  // A slow link: segments are still going out when the worker is killed.
  x.bodyBytesPerSecond = 4 * MiB;
  const created = await stack.request('POST', '/v1/posts', {
    text: 'A chunked upload, killed halfway',
    account_ids: [accountId],
    media_ids: [mediaId],
    publish_now: true,
  });
  expect(created.status).toBeLessThan(300);

  while (appends() - before.appends < 3) await pause(20);
  await stack.stopWorker('SIGKILL');
  expect(x.posts.filter((p) => p.text === 'A chunked upload, killed halfway')).toHaveLength(0);
  x.bodyBytesPerSecond = 0;
  await stack.startWorker();

  const post = await stack.waitForPost(created.body.id, settled, 150_000);
  expect(post.targets[0].status).toBe('published');
  const requests = x.requests.slice(before.requests);
  // One upload: initialized once; the retry appended to the same media id.
  expect(requests.filter((r) => r.path.endsWith('/initialize'))).toHaveLength(1);
  const tweet = x.posts.filter((p) => p.text === 'A chunked upload, killed halfway');
  expect(tweet).toHaveLength(1);
  const media = x.media.get(tweet[0]!.mediaIds[0]!)!;
  expect(media).toMatchObject({ totalBytes: video.length, sha256: sha256(video), finalized: true });
  // Segments X took twice: at most the one in flight when the worker died.
  expect(media.bytesIn).toBeLessThanOrEqual(video.length + SEGMENT);
  // What went over the wire: the file once, plus at most the segment cut and the one sent again.
  expect(x.bodyBytesRead - before.bytes).toBeLessThan(video.length + 2 * SEGMENT + MiB);
}, 240_000);

test('a worker SIGKILLed mid-upload to LinkedIn: the next worker sends the parts without an ETag to the same video; one post', async () => {
  const video = randomBytes(6 * LINKEDIN_PART + 5);
  const { accountId, mediaId } = await accountWithVideo(
    'linkedin',
    'slow link to LinkedIn',
    linkedin.credentials(),
    video,
  );
  const text = 'A video in parts, killed halfway';
  const videos = () => [...linkedin.assets.values()].filter((a) => a.kind === 'video');
  const partsIn = () => linkedin.requests.filter((r) => r.method === 'PUT').length;
  const before = { videos: videos().length, parts: partsIn(), bytes: linkedin.bodyBytesRead };
  // A slow link: parts are still going out when the worker is killed.
  linkedin.bodyBytesPerSecond = 4 * MiB;
  const created = await stack.request('POST', '/v1/posts', {
    text,
    account_ids: [accountId],
    media_ids: [mediaId],
    publish_now: true,
  });
  expect(created.status).toBeLessThan(300);

  while (partsIn() - before.parts < 3) await pause(20);
  await stack.stopWorker('SIGKILL');
  expect(linkedin.posts.filter((p) => p.text === text)).toHaveLength(0);
  linkedin.bodyBytesPerSecond = 0;
  await stack.startWorker();

  const post = await stack.waitForPost(created.body.id, settled, 150_000);
  expect(post.targets[0].status).toBe('published');
  // One upload: initialized once; the retry sent the rest of its parts to the same video.
  expect(videos()).toHaveLength(before.videos + 1);
  const published = linkedin.posts.filter((p) => p.text === text);
  expect(published).toHaveLength(1);
  const asset = linkedin.assets.get(published[0]!.media[0]!)!;
  const parts = [...asset.parts.values()];
  expect(asset.status).toBe('AVAILABLE');
  expect(sha256(Buffer.concat(parts.map((p) => p.bytes!)))).toBe(sha256(video));
  // Parts LinkedIn took twice: at most the one in flight when the worker died.
  expect(parts.every((p) => p.puts <= 2)).toBe(true);
  expect(parts.reduce((sum, p) => sum + p.puts, 0)).toBeLessThanOrEqual(parts.length + 1);
  // What went over the wire: the file once, plus at most the part cut and the one sent again.
  expect(linkedin.bodyBytesRead - before.bytes).toBeLessThan(video.length + 2 * LINKEDIN_PART + MiB);
}, 240_000);

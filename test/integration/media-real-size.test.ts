import { readFileSync } from 'node:fs';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { TwitterFake } from '../../platforms/twitter/fake';
import { GeneratedFile, uploadToLibrary } from '../helpers/large-file';
import { Stack } from '../helpers/stack';

/**
 * Issue #21, end to end: a real-size video generated as it is read (never committed, never held
 * whole), uploaded in parts to the media library through the real API, then published through the
 * real stack to YouTube (resumable session), TikTok (FILE_UPLOAD chunks) and X (chunked media
 * upload), each fake counting the bytes it took and hashing them in order.
 *
 * Its size is `POSTFLOW_TEST_VIDEO_MIB`: 1 GiB in `npm test`, 2 GiB in
 * `npm run test:media-real-size` (the size; about a minute). X takes videos up to 512 MB,
 * so past that X gets a second file of exactly its limit.
 */
const MiB = 1024 * 1024;
const SIZE = Number(process.env.POSTFLOW_TEST_VIDEO_MIB ?? 1024) * MiB + 4_321;
const X_MAX = 512 * MiB;
/** A minute long: within X's 140 s, over TikTok's 3 s floor, under the fake creator's 600 s. */
const SECONDS = 60;

const youtube = new YoutubeFake();
const tiktok = new TikTokFake();
const x = new TwitterFake();
let stack: Stack;
const accounts: Record<string, string> = {};

beforeAll(async () => {
  await Promise.all([youtube.start(), tiktok.start(), x.start()]);
  youtube.processingPolls = 0;
  stack = await new Stack({
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_YOUTUBE_API_URL: youtube.url,
    POSTFLOW_YOUTUBE_CLIENT_ID: youtube.client.id,
    POSTFLOW_YOUTUBE_CLIENT_SECRET: youtube.client.secret,
    POSTFLOW_YOUTUBE_TOKEN_URL: `${youtube.url}/token`,
    POSTFLOW_TIKTOK_API_URL: tiktok.url,
    POSTFLOW_TIKTOK_CLIENT_ID: 'client-key-1',
    POSTFLOW_TIKTOK_CLIENT_SECRET: 'client-secret-1',
    POSTFLOW_TIKTOK_VIDEO_SOURCE: 'upload',
    POSTFLOW_TWITTER_API_URL: x.url,
  }).start();
  const credentials = {
    youtube: youtube.credentials(),
    tiktok: tiktok.credentials(),
    twitter: x.credentials(),
  };
  for (const [platform, creds] of Object.entries(credentials)) {
    const { status, body } = await stack.request('POST', '/v1/accounts', {
      platform,
      name: platform,
      credentials: creds,
    });
    expect(status).toBe(201);
    accounts[platform] = body.id;
  }
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([youtube.stop(), tiktok.stop(), x.stop()]);
});

/** A process's resident memory now (VmRSS) or at its peak so far (VmHWM), in bytes. */
function memoryOf(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)![1]) * 1024;
}

test(`a ${Math.round(SIZE / MiB)} MiB video uploads in parts and publishes to YouTube, TikTok and X, each byte sent once, memory flat`, async () => {
  const api = stack.request.bind(stack);
  const video = GeneratedFile.mp4(SIZE, SECONDS);
  const videoHash = await video.sha256();
  const apiBefore = memoryOf(stack.api!.pid!, 'VmRSS');
  const videoId = await uploadToLibrary(api, video, 'real-size.mp4', 64 * MiB, videoHash);
  const apiGrowth = memoryOf(stack.api!.pid!, 'VmHWM') - apiBefore;

  const forX = SIZE <= X_MAX ? video : GeneratedFile.mp4(X_MAX, SECONDS);
  const forXHash = forX === video ? videoHash : await forX.sha256();
  const forXId = forX === video ? videoId : await uploadToLibrary(api, forX, 'for-x.mp4', 64 * MiB, forXHash);

  const workerBefore = memoryOf(stack.worker!.pid!, 'VmRSS');
  const created = await api('POST', '/v1/posts', {
    text: 'A real-size video',
    targets: [
      { account_id: accounts.youtube, media_ids: [videoId], title: 'A real-size video' },
      {
        account_id: accounts.tiktok,
        media_ids: [videoId],
        platform_data: { privacy_level: 'PUBLIC_TO_EVERYONE' },
      },
      { account_id: accounts.twitter, media_ids: [forXId] },
    ],
    publish_now: true,
  });
  expect([200, 201, 202]).toContain(created.status);
  const post = await stack.waitForPost(
    created.body.id,
    (p) => !['scheduled', 'publishing'].includes(p.status),
    900_000,
  );
  const workerGrowth = memoryOf(stack.worker!.pid!, 'VmHWM') - workerBefore;
  expect(post.targets.map((t: any) => [t.platform, t.status, t.error?.message ?? null])).toEqual([
    ['youtube', 'published', null],
    ['tiktok', 'published', null],
    ['twitter', 'published', null],
  ]);

  // YouTube: one session, every byte sent once, the video the file.
  expect(youtube.videos).toHaveLength(1);
  expect(youtube.videos[0]).toMatchObject({ bytes: SIZE, sha256: videoHash });
  expect([...youtube.sessionBytes().values()]).toEqual([expect.objectContaining({ sent: SIZE, kept: SIZE })]);
  // TikTok: one FILE_UPLOAD, every chunk once, in order.
  expect(tiktok.posts).toHaveLength(1);
  const upload = tiktok.posts[0]!.upload!;
  expect(upload).toMatchObject({ videoSize: SIZE, received: SIZE, sha256: videoHash });
  expect(upload.chunks.reduce((sum, c) => sum + c.last - c.first + 1, 0)).toBe(SIZE);
  // X: one media item, every segment once, then the post.
  const media = [...x.media.values()].filter((m) => m.category === 'tweet_video');
  expect(media).toHaveLength(1);
  expect(media[0]).toMatchObject({ totalBytes: forX.size, bytesIn: forX.size, sha256: forXHash });
  expect(media[0]!.segments.changedAfterHashing).toBe(0);
  expect(x.posts).toHaveLength(1);

  // Neither process held a file: they grew by parts and chunks in flight and by those the garbage
  // collector had yet to free (the worker ran three transfers at once: about 290 MiB measured
  // with 2 GiB files, 4.5 GiB sent), not by the video.
  console.log(
    `media-real-size: ${Math.round(SIZE / MiB)} MiB; API grew ${Math.round(apiGrowth / MiB)} MiB uploading, ` +
      `worker ${Math.round(workerGrowth / MiB)} MiB publishing`,
  );
  expect(apiGrowth).toBeLessThan(200 * MiB);
  expect(workerGrowth).toBeLessThan(400 * MiB);
}, 1_800_000);

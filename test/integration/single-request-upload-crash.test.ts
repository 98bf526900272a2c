import { createHash, randomBytes } from 'node:crypto';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { Stack } from '../helpers/stack';

/**
 * Issue #21: a platform that takes a file in one streamed request (Mastodon here; Pinterest,
 * Reddit, Slack and Matrix alike) through the real stack. The request runs in the media prepare,
 * as an upload, and a worker killed mid-request costs a new prepare that sends the file again,
 * never a second post. (That such a request may outlast a call's timeout while its bytes keep
 * going out: test/unit/streamed-form.test.ts.)
 */
const MiB = 1024 * 1024;
const mastodon = new MastodonFake();
let stack: Stack;

beforeAll(async () => {
  await mastodon.start();
  stack = await new Stack({
    POSTFLOW_SYNC_WAIT_MS: '0',
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
  }).start();
}, 120_000);

afterAll(async () => {
  await stack?.stop();
  await mastodon.stop();
});

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const settled = (p: { status: string }) => !['scheduled', 'publishing'].includes(p.status);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

test('a worker SIGKILLed mid-request: the next worker prepares again and sends the whole file; one status', async () => {
  const video = randomBytes(6 * MiB + 5);
  const account = await stack.request('POST', '/v1/accounts', {
    platform: 'mastodon',
    name: 'slow instance',
    credentials: mastodon.credentials(),
  });
  expect(account.status).toBe(201);
  const mediaId = await stack.upload(video, 'video/mp4', 'slow.mp4');
  // A slow link: the request is still arriving when the worker is killed.
  mastodon.bodyBytesPerSecond = 2 * MiB;
  const created = await stack.request('POST', '/v1/posts', {
    text: 'One request, killed halfway',
    account_ids: [account.body.id],
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
  // The cut request stored nothing; the retry's whole file is the one medium, in the one status.
  const media = [...mastodon.media.entries()];
  expect(media).toHaveLength(1);
  expect(media[0]![1]).toMatchObject({ bytes: video.length, sha256: sha256(video) });
  expect(mastodon.statuses).toHaveLength(1);
  expect(mastodon.statuses[0]!.mediaIds).toEqual([media[0]![0]]);
  // The cut request's bytes, then the whole file again.
  expect(mastodon.bodyBytesRead - started).toBeGreaterThan(video.length + video.length / 3);
}, 240_000);

import {
  isProcessing,
  type PlatformAdapter,
  type Prepared,
  type PublishRequest,
  type Published,
} from '../../platforms/kit/adapter';
import { createFacebookAdapter } from '../../platforms/meta/facebook/adapter';
import { createGoogleAdapter } from '../../platforms/google/business/adapter';
import { createInstagramAdapter } from '../../platforms/meta/instagram/adapter';
import { createThreadsAdapter } from '../../platforms/meta/threads/adapter';
import { REPLY_TRIES } from '../../platforms/kit/thread';
import { createTwitterAdapter } from '../../platforms/twitter/adapter';
import type { DeliveryReceipt } from '../../api/types';
import { FacebookFake } from '../../platforms/meta/facebook/fake';
import { GoogleBusinessFake } from '../../platforms/google/business/fake';
import { googleError } from '../../platforms/google/fake-api';
import { InstagramFake } from '../../platforms/meta/instagram/fake';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { ThreadsFake } from '../../platforms/meta/threads/fake';
import { TwitterFake, X_CLIENT_FORBIDDEN } from '../../platforms/twitter/fake';
import { FAKE_MP4, MediaHost, PNG_1X1, publishRequest } from './run-delivery';

/**
 * "Once the platform has the post, the target is published" (docs/platforms.md "Live means
 * published"): a step after the publish call that fails for good ends in a receipt with a
 * warning, never in a failure the user would answer by publishing again. Transient failures of
 * most of those steps are thrown, for Temporal to retry the step in place; a thread's reply is
 * tried again as a step of its own, a bounded number of times (kit/thread.ts).
 */

const text = (t: string) => ({ text: t, media: [] });
const X_RATE_LIMITED = {
  status: 429,
  body: { title: 'Too Many Requests', detail: 'Too Many Requests', type: 'about:blank', status: 429 },
  headers: { 'retry-after': '30' },
};
/** A permission refusal as Meta words it: final, not refreshable. */
const META_PERMISSION = MetaGraphFake.error(400, 10, 'Application does not have permission for this action');

const processingOf = (step: Published) => {
  if (!isProcessing(step)) throw new Error('expected a step still processing');
  return step.processing;
};

/** The publish call, then the steps after it, until a receipt: what the workflow runs (no Temporal). */
async function publishAndCheck(
  adapter: PlatformAdapter,
  req: PublishRequest,
  prepared: Prepared = { ready: {} },
  beforeChecks: () => void = () => {},
): Promise<DeliveryReceipt> {
  let step = prepared;
  while (isProcessing(step)) step = await adapter.checkPrepared!(req, step.processing);
  let published = await adapter.publish(req, step.ready);
  beforeChecks();
  for (let polls = 0; isProcessing(published); polls++) {
    if (polls > 20) throw new Error('never finished');
    published = await adapter.checkPublished!(req, published.processing);
  }
  return published;
}

describe('X: a thread reply refused for good', () => {
  let fake: TwitterFake;
  const adapter = () => createTwitterAdapter({ baseUrl: fake.url });
  const account = () => ({ id: 'acc_x', platform: 'twitter', name: 'X', credentials: fake.credentials() });
  let n = 0;
  /** X refuses duplicate texts: every post of every thread here is unique. */
  const thread = (segments: string[]) => {
    n += 1;
    return publishRequest(account(), text(`Thread ${n}`), { thread: segments.map((t) => `${t} ${n}`) }, []);
  };

  beforeAll(async () => {
    fake = await new TwitterFake().start();
  });
  afterAll(() => fake.stop());

  test('a whole thread reports every post id, root first', async () => {
    const receipt = await publishAndCheck(adapter(), thread(['two', 'three']));
    const posts = fake.posts.slice(-3);
    expect(receipt).toMatchObject({
      platformPostId: posts[0]!.id,
      metadata: { thread_post_ids: posts.map((p) => p.id) },
    });
    expect(receipt.warnings).toBeUndefined();
  });

  test('a post without a thread carries no thread metadata', async () => {
    const receipt = await publishAndCheck(
      adapter(),
      publishRequest(account(), text(`Single ${++n}`), {}, []),
    );
    expect(receipt.metadata).toBeUndefined();
    expect(receipt.warnings).toBeUndefined();
  });

  test('the second reply refused: the root, the first reply, where it stopped, and a warning', async () => {
    const req = thread(['two', 'three', 'four']);
    const start = fake.posts.length;
    const published = await adapter().publish(req, {});
    const root = fake.posts.at(-1)!;
    const next = await adapter().checkPublished!(req, processingOf(published));
    const first = fake.posts.at(-1)!;
    fake.inject({ method: 'POST', path: '/2/tweets' }, X_CLIENT_FORBIDDEN);
    const result = await adapter().checkPublished!(req, processingOf(next));
    expect(isProcessing(result)).toBe(false);
    expect(result).toMatchObject({
      platformPostId: root.id,
      permalink: expect.stringContaining(`/status/${root.id}`),
      metadata: { thread_post_ids: [root.id, first.id], thread_failed_at_index: 2 },
      warnings: [
        {
          code: 'platform.twitter.thread_incomplete',
          message: expect.stringContaining('part 3 of the thread'),
        },
      ],
    });
    // Exactly the root and one reply exist; nothing was posted twice.
    expect(fake.posts.slice(start).map((p) => [p.text, p.replyTo])).toEqual([
      [root.text, undefined],
      [`two ${n}`, root.id],
    ]);
  });

  test('the first reply refused at its lookup (no read access): the root alone is the receipt', async () => {
    const req = thread(['two']);
    const start = fake.posts.length;
    const published = await adapter().publish(req, {});
    fake.inject({ method: 'GET', path: /^\/2\/users\/\d+\/tweets$/ }, X_CLIENT_FORBIDDEN);
    const result = (await adapter().checkPublished!(req, processingOf(published))) as DeliveryReceipt;
    const root = fake.posts.at(-1)!;
    expect(result).toMatchObject({
      platformPostId: root.id,
      metadata: { thread_post_ids: [root.id], thread_failed_at_index: 1 },
      warnings: [{ code: 'platform.twitter.thread_incomplete' }],
    });
    expect(fake.posts.length - start).toBe(1);
  });

  test('a reply rate-limited is tried again as a step of its own after the reset, and the thread then completes', async () => {
    const req = thread(['two']);
    const published = await adapter().publish(req, {});
    fake.inject({ method: 'POST', path: '/2/tweets' }, X_RATE_LIMITED);
    const retry = await adapter().checkPublished!(req, processingOf(published));
    expect(retry).toMatchObject({ pollAfterMs: 30_000, processing: { reply_tries: 1 } });
    const receipt = (await adapter().checkPublished!(req, processingOf(retry))) as DeliveryReceipt;
    expect(receipt.metadata).toEqual({ thread_post_ids: [expect.any(String), expect.any(String)] });
    expect(fake.posts.filter((p) => p.text === req.content.text)).toHaveLength(1);
    expect(fake.posts.filter((p) => p.text === `two ${n}`)).toHaveLength(1);
  });

  test('a reply failing for a passing reason every time ends the thread after REPLY_TRIES tries, with a warning', async () => {
    const req = thread(['two']);
    let step = await adapter().publish(req, {});
    const root = fake.posts.at(-1)!;
    fake.inject(
      { method: 'POST', path: '/2/tweets' },
      { status: 503, body: { title: 'Service Unavailable' } },
      REPLY_TRIES,
    );
    const pauses: number[] = [];
    while (isProcessing(step)) {
      step = await adapter().checkPublished!(req, step.processing);
      if (isProcessing(step)) pauses.push(step.pollAfterMs);
    }
    expect(pauses).toHaveLength(REPLY_TRIES - 1);
    // A doubling backoff between tries, never shorter than the one before.
    expect(pauses).toEqual([...pauses].sort((a, b) => a - b));
    expect(step).toMatchObject({
      platformPostId: root.id,
      metadata: { thread_post_ids: [root.id], thread_failed_at_index: 1 },
      warnings: [
        {
          code: 'platform.twitter.thread_incomplete',
          message: expect.stringContaining(`after ${REPLY_TRIES} tries, part 2 of the thread`),
        },
      ],
    });
    expect(fake.posts.filter((p) => p.replyTo === root.id)).toHaveLength(0);
  });
});

describe('Facebook: the permalink or video status read refused after publishing', () => {
  let fake: FacebookFake;
  const host = new MediaHost();
  const adapter = () => createFacebookAdapter({ baseUrl: fake.url });
  const account = () => ({
    id: 'acc_fb',
    platform: 'facebook',
    name: 'Page',
    credentials: fake.credentials(),
  });

  beforeAll(async () => {
    await host.start();
    fake = await new FacebookFake().start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  test('a feed post: the link built from its id, a warning, one post', async () => {
    const req = publishRequest(account(), text('Live, link denied'), {}, []);
    // Both reads of the new post (at publish, then in checkPublished) are refused.
    fake.inject({ method: 'GET', path: /\/\d+_\d+$/ }, META_PERMISSION, 2);
    const receipt = await publishAndCheck(adapter(), req);
    const post = fake.published.at(-1)!;
    const [page, id] = post.id.split('_');
    expect(receipt).toMatchObject({
      platformPostId: post.id,
      permalink: `https://www.facebook.com/${page}/posts/${id}`,
      warnings: [
        { code: 'platform.facebook.permalink_unavailable', message: expect.stringContaining('code 10') },
      ],
    });
    expect(Date.parse(receipt.publishedAt)).not.toBeNaN();
    expect(fake.published.filter((p) => p.message === 'Live, link denied')).toHaveLength(1);
  });

  test('a video whose status read is refused: published with the video link and a warning', async () => {
    const req = publishRequest(
      account(),
      text('Clip, status denied'),
      {},
      host.serve([{ contentType: 'video/mp4', bytes: FAKE_MP4 }]),
    );
    const prepared = await adapter().prepare!(req);
    const receipt = await publishAndCheck(adapter(), req, prepared, () =>
      fake.inject({ method: 'GET', path: /\/\d+$/ }, META_PERMISSION),
    );
    const video = fake.published.at(-1)!;
    expect(receipt).toMatchObject({
      platformPostId: video.id,
      permalink: `https://www.facebook.com/${fake.credentials().page_id}/videos/${video.id}/`,
      warnings: [{ code: 'platform.facebook.video_status_unavailable' }],
    });
    expect(fake.published.filter((p) => p.id === video.id)).toHaveLength(1);
  });

  test('a transient failure of the read is still thrown, for the step to be retried', async () => {
    const req = publishRequest(account(), text('Live, link flaky'), {}, []);
    fake.inject(
      { method: 'GET', path: /\/\d+_\d+$/ },
      MetaGraphFake.error(500, 2, 'Service temporarily unavailable'),
      2,
    );
    const published = await adapter().publish(req, {});
    await expect(adapter().checkPublished!(req, processingOf(published))).rejects.toMatchObject({
      failure: { retryable: true },
    });
  });
});

/** Instagram and Threads: a post published from a container, its permalink read refused for good. */
describe.each([
  {
    platform: 'instagram',
    start: () => new InstagramFake().start(),
    adapter: (url: string) => createInstagramAdapter({ baseUrl: url }),
    options: { content_type: 'feed' },
    ledger: (fake: InstagramFake | ThreadsFake) => (fake as InstagramFake).published.map((m) => m.id),
  },
  {
    platform: 'threads',
    start: () => new ThreadsFake().start(),
    adapter: (url: string) => createThreadsAdapter({ baseUrl: url }),
    options: {},
    ledger: (fake: InstagramFake | ThreadsFake) => (fake as ThreadsFake).published.map((p) => p.id),
  },
])(
  '$platform: the permalink read refused after publishing',
  ({ platform, start, adapter, options, ledger }) => {
    let fake: InstagramFake | ThreadsFake;
    const host = new MediaHost();

    beforeAll(async () => {
      await host.start();
      fake = await start();
    });
    afterAll(async () => {
      await fake.stop();
      await host.stop();
    });

    test('the receipt has the id, no permalink, the time, and a warning; one post', async () => {
      const account = { id: `acc_${platform}`, platform, name: platform, credentials: fake.credentials() };
      const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
      const req = publishRequest(
        account,
        { text: 'Live, link denied', media: media.map((m) => m.ref) },
        options,
        media,
      );
      const before = ledger(fake).length;
      const receipt = await publishAndCheck(
        adapter(fake.url),
        req,
        await adapter(fake.url).prepare!(req),
        () => {},
      );
      expect(receipt.warnings).toBeUndefined(); // sanity: without a fault the receipt is complete

      const again = publishRequest(
        account,
        { text: 'Live, link denied twice', media: media.map((m) => m.ref) },
        options,
        media,
      );
      let prepared = await adapter(fake.url).prepare!(again);
      while (isProcessing(prepared))
        prepared = await adapter(fake.url).checkPrepared!(again, prepared.processing);
      // From here on every read of a node is refused: at publish, then in checkPublished.
      fake.inject({ method: 'GET', path: /\/\d+$/ }, META_PERMISSION, 2);
      const live = await publishAndCheck(adapter(fake.url), again, prepared);
      const ids = ledger(fake);
      expect(live).toMatchObject({
        platformPostId: ids.at(-1),
        permalink: '',
        warnings: [{ code: `platform.${platform}.permalink_unavailable` }],
      });
      expect(Date.parse(live.publishedAt)).not.toBeNaN();
      expect(ids.length - before).toBe(2);
    });
  },
);

describe('Google: the review status read refused after publishing', () => {
  let fake: GoogleBusinessFake;
  const host = new MediaHost();
  const PHOTO = Buffer.concat([PNG_1X1, Buffer.alloc(11 * 1024)]);

  beforeAll(async () => {
    await host.start();
    fake = await new GoogleBusinessFake().start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  test('a post under review stays published, with its name and a warning; one post', async () => {
    const adapter = createGoogleAdapter({
      baseUrl: fake.url,
      env: {
        POSTFLOW_GOOGLE_CLIENT_ID: fake.client.id,
        POSTFLOW_GOOGLE_CLIENT_SECRET: fake.client.secret,
        POSTFLOW_GOOGLE_TOKEN_URL: `${fake.url}/token`,
      },
    });
    const account = { id: 'acc_google', platform: 'google', name: 'Bakery', credentials: fake.credentials() };
    const req = publishRequest(
      account,
      text('Fresh bread'),
      {},
      host.serve([{ contentType: 'image/png', bytes: PHOTO }]),
    );
    const receipt = await publishAndCheck(adapter, req, undefined, () =>
      fake.inject(
        { method: 'GET', path: /\/localPosts\/[^/]+$/ },
        googleError(403, 'PERMISSION_DENIED', 'The caller does not have permission'),
      ),
    );
    expect(receipt).toMatchObject({
      platformPostId: fake.posts.at(-1)!.name,
      warnings: [{ code: 'platform.google.review_unconfirmed' }],
    });
    expect(Date.parse(receipt.publishedAt)).not.toBeNaN();
    expect(fake.posts.filter((p) => p.summary === 'Fresh bread')).toHaveLength(1);
  });
});

import { isProcessing, PublishError, type StepState } from '../../platforms/kit/adapter';
import { createInstagramAdapter } from '../../platforms/meta/instagram/adapter';
import { InstagramFake } from '../../platforms/meta/instagram/fake';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { instagramContract, mp4, png } from './instagram-subject';
import { instagramUploadSuite } from './instagram-upload';
import { commentRequest, MediaHost, publishRequest, runDelivery } from './run-delivery';

instagramContract({
  platform: 'instagram',
  startFake: () => new InstagramFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createInstagramAdapter({ baseUrl, timeoutMs }),
  refreshes: true,
});

describe('instagram specifics', () => {
  let fake: InstagramFake;
  const host = new MediaHost();
  const adapter = () => createInstagramAdapter({ baseUrl: fake.url });
  const account = () => ({
    id: 'acc_ig',
    platform: 'instagram',
    name: 'IG',
    credentials: fake.credentials(),
  });
  beforeAll(async () => {
    await host.start();
    fake = await new InstagramFake().start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  test('a carousel: children by URL, the video polled while processing, then the CAROUSEL container', async () => {
    const req = publishRequest(
      account(),
      { text: 'Two items', media: [] },
      { content_type: 'carousel' },
      host.serve([png, mp4]),
    );
    const prepared = await adapter().prepare!(req);
    expect(prepared).toMatchObject({ processing: { pending: [expect.any(String)] }, pollAfterMs: 60_000 });
    const receipt = await runDelivery(adapter(), req);
    const post = fake.published.at(-1)!;
    expect(post).toMatchObject({
      id: receipt.platformPostId,
      mediaType: 'CAROUSEL_ALBUM',
      items: 2,
      caption: 'Two items',
    });
    const children = [...fake.containers.values()].filter((c) => c.carouselItem).slice(-2);
    expect(children.map((c) => c.params.image_url ?? c.params.video_url)).toEqual(
      expect.arrayContaining([expect.stringMatching(/\.png$/), expect.stringMatching(/\.mp4$/)]),
    );
    expect(children.map((c) => c.params.media_type)).toEqual(expect.arrayContaining(['VIDEO']));
    expect(receipt.permalink).toMatch(/^https:\/\/www\.instagram\.com\/p\//);
  });

  test('a feed video goes out as a reel shared to the feed; reel options are mapped', async () => {
    const options = { content_type: 'feed', video_cover_timestamp_ms: 1500, collaborators: ['@ana', 'bo'] };
    await runDelivery(
      adapter(),
      publishRequest(account(), { text: 'Clip', media: [] }, options, host.serve([mp4])),
    );
    expect(fake.published.at(-1)!.params).toMatchObject({
      media_type: 'REELS',
      share_to_feed: 'true',
      thumb_offset: '1500',
      caption: 'Clip',
      collaborators: '["ana","bo"]',
    });
  });

  test('a story takes no caption, and reconcile finds it among the stories', async () => {
    const req = publishRequest(
      account(),
      { text: 'Ignored', media: [] },
      { content_type: 'stories' },
      host.serve([png]),
    );
    const receipt = await runDelivery(adapter(), req);
    expect(fake.published.at(-1)).toMatchObject({ mediaType: 'STORIES', caption: '' });
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);
  });

  test("a story's first comment is refused for good, without a call: stories take no comments", async () => {
    const req = publishRequest(
      account(),
      { text: '', media: [] },
      { content_type: 'stories' },
      host.serve([png]),
    );
    const receipt = await runDelivery(adapter(), req);
    const calls = fake.requests.length;
    await expect(adapter().comment!(commentRequest(req, receipt, 'Swipe up'))).rejects.toMatchObject({
      failure: { category: 'validation', code: 'platform.instagram.story_comment', retryable: false },
    });
    expect(fake.requests.length).toBe(calls);
    expect(fake.comments.under(receipt.platformPostId)).toEqual([]);
  });

  /** A story's prepare, then a publish call whose outcome is unknown (`hang`: it never arrived). */
  const storyUnknown = async (fault: 'hang' | 'lose-answer') => {
    const req = publishRequest(
      account(),
      { text: '', media: [] },
      { content_type: 'stories' },
      host.serve([png]),
    );
    let step = await adapter().prepare!(req);
    while (isProcessing(step)) step = await adapter().checkPrepared!(req, step.processing);
    fake.inject({ method: 'POST', path: /\/media_publish$/ }, { kind: fault });
    const publisher = createInstagramAdapter({
      baseUrl: fake.url,
      timeoutMs: fault === 'hang' ? 1_000 : 15_000,
    });
    const err = await publisher.publish(req, step.ready).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).failure.outcomeUnknown).toBe(true);
    return { req, prepared: step.ready as StepState };
  };

  test('a story reconciles by its container, not by "any story since the delivery began"', async () => {
    const { req, prepared } = await storyUnknown('hang');
    const someoneElses = fake.postFromApp('STORIES', ''); // posted in the app meanwhile
    // The old search would take that story for ours; the FINISHED container says ours is absent.
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(someoneElses.id);
    expect(await adapter().findExisting!(req, prepared)).toBeNull();
    const receipt = await runDelivery(adapter(), req);
    expect(
      fake.published.filter((m) => m.id === receipt.platformPostId && m.mediaType === 'STORIES'),
    ).toHaveLength(1);
  });

  test("a published story is told from the account's other stories by when its container was ready", async () => {
    fake.postFromApp('STORIES', '', new Date(Date.now() - 90_000));
    const { req, prepared } = await storyUnknown('lose-answer');
    const ours = fake.published.at(-1)!;
    fake.postFromApp('STORIES', '', new Date(Date.now() + 60_000));
    expect((await adapter().findExisting!(req, prepared))?.platformPostId).toBe(ours.id);
  });

  test('a container Meta cannot fetch fails for good, naming the media', async () => {
    const req = publishRequest(
      account(),
      { text: 'Gone', media: [] },
      { content_type: 'feed' },
      host.serve([png]),
    );
    req.media[0]!.publicUrl = async () => `${host.url}/missing.png`;
    await expect(runDelivery(adapter(), req)).rejects.toMatchObject({
      failure: { category: 'validation', code: 'platform.instagram.media_rejected', retryable: false },
    });
  });

  test('the daily publishing limit is a rate limit to retry a day later', async () => {
    fake.inject(
      { method: 'POST', path: /\/media_publish$/ },
      MetaGraphFake.error(
        400,
        9,
        'You reached maximum number of posts that is allowed to be published by Content Publishing API.',
        {
          subcode: 2207042,
        },
      ),
    );
    const req = publishRequest(
      account(),
      { text: 'One more', media: [] },
      { content_type: 'feed' },
      host.serve([png]),
    );
    await expect(runDelivery(adapter(), req)).rejects.toMatchObject({
      failure: { category: 'rate_limit', code: 'platform.instagram.publish_limit', retryAfterMs: 86_400_000 },
    });
  });

  test('a checkpointed account is not refreshable: the user must sign in to Instagram', async () => {
    fake.inject(
      { method: 'POST', path: /\/media_publish$/ },
      MetaGraphFake.error(400, 190, 'The user has not confirmed', { subcode: 464 }),
    );
    const req = publishRequest(
      account(),
      { text: 'Blocked', media: [] },
      { content_type: 'feed' },
      host.serve([png]),
    );
    const failure = await runDelivery(adapter(), req).catch((e) => e.failure);
    expect(failure).toMatchObject({ category: 'auth', code: 'platform.instagram.reconnect' });
    expect(failure.refreshable).toBeUndefined();
  });

  test('refresh: ig_refresh_token with the long-lived token, which lands in both token fields', async () => {
    const acc = account();
    const fresh = await adapter().refresh!(acc);
    expect(fresh.access_token).not.toBe(acc.credentials.access_token);
    expect(fresh.refresh_token).toBe(fresh.access_token);
    expect(Date.parse(fresh.expires_at!) - Date.now()).toBeGreaterThan(59 * 86_400_000);
    const token = acc.credentials.access_token!;
    const withoutRefresh = { ...acc, credentials: { user_id: fake.userId, access_token: token } };
    expect((await adapter().refresh!(withoutRefresh)).access_token).toBeTruthy();
  });

  test('a token in its last week is refreshed before publishing', async () => {
    const acc = account();
    acc.credentials.expires_at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const req = publishRequest(acc, { text: 'Soon', media: [] }, { content_type: 'feed' }, host.serve([png]));
    await expect(runDelivery(adapter(), req)).rejects.toMatchObject({
      failure: { category: 'auth', refreshable: true },
    });
  });
});

instagramUploadSuite({
  platform: 'instagram',
  startFake: () => new InstagramFake().start(),
  adapter: (options) => createInstagramAdapter(options),
});

import { createFacebookAdapter } from '../../platforms/meta/facebook/adapter';
import { FacebookFake } from '../../platforms/meta/facebook/fake';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { adapterContract } from './adapter-contract';
import {
  commentRequest,
  FAKE_MP4,
  MediaHost,
  PNG_1X1,
  publishRequest,
  runDelivery,
  type TestMedia,
} from './run-delivery';

const urls = (n: number) => Array(n).fill({ source_type: 'url', source: 'https://e.x/a.png' });
const text = (t: string) => ({ text: t, media: [] });
const png: TestMedia = { contentType: 'image/png', bytes: PNG_1X1 };
const mp4: TestMedia = { contentType: 'video/mp4', bytes: FAKE_MP4 };

adapterContract({
  platform: 'facebook',
  startFake: () => new FacebookFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createFacebookAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({ id: 'acc_fb', platform: 'facebook', name: 'Page', credentials: fake.credentials() }),
  post: {
    content: { text: 'Two photos from Postflow', media: urls(2) },
    options: { min_age: 18 },
    media: [png, png],
  },
  invalid: [
    { name: 'nothing to post', content: text(''), options: {}, fields: ['text'] },
    { name: 'eleven photos', content: { text: 'hi', media: urls(11) }, options: {}, fields: ['media_ids'] },
    {
      name: 'a video with a photo',
      content: { text: 'hi', media: urls(2) },
      options: {},
      media: [{ kind: 'video' }, { kind: 'image' }],
      fields: ['media'],
    },
    {
      name: 'a link with media, a CTA without a link',
      content: { text: 'hi', media: urls(1) },
      options: { link: 'https://postflow.dev', cta_type: 'LEARN_MORE' },
      fields: ['platform_data.link'],
    },
    {
      name: 'ages out of range and reversed',
      content: text('hi'),
      options: { min_age: 30, max_age: 21, cta_type: 'learn more' },
      fields: ['platform_data.max_age', 'platform_data.cta_type'],
    },
    {
      name: 'a reel',
      content: text('hi'),
      options: { content_type: 'reel' },
      fields: ['platform_data.content_type'],
    },
  ],
  publishCall: { method: 'POST', path: /\/feed$/ },
  published: (fake) => fake.published.map((p) => ({ id: p.id, text: p.message, media: p.items })),
  errors: {
    validation: MetaGraphFake.error(400, 100, '(#100) Invalid parameter'),
    auth: MetaGraphFake.error(400, 190, 'Error validating access token: The session has been invalidated.', {
      subcode: 460,
    }),
    rateLimit: {
      ...MetaGraphFake.error(400, 32, 'Page request limit reached', {
        headers: {
          'x-business-use-case-usage': JSON.stringify({
            '104857600123456': [
              {
                type: 'pages',
                call_count: 100,
                total_cputime: 20,
                total_time: 30,
                estimated_time_to_regain_access: 12,
              },
            ],
          }),
        },
      }),
      expectedRetryAfterMs: 12 * 60_000,
    },
    server: MetaGraphFake.error(500, 1, 'An unknown error has occurred.', { transient: true }),
  },
  comments: {
    call: { method: 'POST', path: /^\/v25\.0\/[\d_]+\/comments$/ },
    under: (fake, id) => fake.comments.under(id),
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('facebook specifics', () => {
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

  test('a link post with a call to action and an audience goes to the feed', async () => {
    const options = { link: 'https://postflow.dev', cta_type: 'LEARN_MORE', min_age: 18, max_age: 40 };
    const receipt = await runDelivery(adapter(), publishRequest(account(), text('Read this'), options, []));
    expect(fake.published.at(-1)).toMatchObject({ id: receipt.platformPostId, kind: 'status' });
    expect(fake.published.at(-1)!.params).toMatchObject({
      message: 'Read this',
      link: 'https://postflow.dev',
      call_to_action: JSON.stringify({ type: 'LEARN_MORE', value: { link: 'https://postflow.dev' } }),
      feed_targeting: JSON.stringify({ age_min: 18, age_max: 40 }),
    });
  });

  test('several photos are uploaded unpublished first, then attached to one post', async () => {
    const req = publishRequest(account(), text('Album'), {}, host.serve([png, png, png]));
    const prepared = await adapter().prepare!(req);
    expect(fake.unpublishedPhotos.size).toBe(3);
    expect(fake.published.filter((p) => p.message === 'Album')).toHaveLength(0);
    expect(prepared).toMatchObject({
      ready: { shape: 'album', photos: [expect.any(String), expect.any(String), expect.any(String)] },
    });
    await runDelivery(adapter(), { ...req, content: text('Album') });
    expect(fake.published.at(-1)).toMatchObject({ kind: 'album', items: 3, message: 'Album' });
  });

  test('one photo is one published photo, with its alt text; the receipt is its post', async () => {
    const req = publishRequest(account(), text('A pixel'), { alt_text: 'One pixel' }, host.serve([png]));
    const receipt = await runDelivery(adapter(), req);
    expect(fake.published.at(-1)).toMatchObject({
      id: receipt.platformPostId,
      kind: 'photo',
      message: 'A pixel',
    });
    expect(fake.published.at(-1)!.params.alt_text_custom).toBe('One pixel');
  });

  test('a video is published by URL and polled until processed; reconcile finds it among the videos', async () => {
    const req = publishRequest(account(), text('A clip'), { title: 'Clip' }, host.serve([mp4]));
    const prepared = await adapter().prepare!(req);
    const published = await adapter().publish(req, (prepared as { ready: Record<string, string> }).ready);
    expect(published).toMatchObject({ processing: { video_id: expect.any(String) }, pollAfterMs: 10_000 });
    const state = (published as { processing: Record<string, string> }).processing;
    expect(await adapter().checkPublished!(req, state)).toMatchObject({ processing: state });
    const receipt = await adapter().checkPublished!(req, state);
    expect(receipt).toMatchObject({
      platformPostId: state.video_id,
      permalink: expect.stringMatching(/^https:\/\/www\.facebook\.com\//),
    });
    expect(fake.published.at(-1)!.params).toMatchObject({ title: 'Clip', description: 'A clip' });
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(state.video_id);
  });

  test('a dead Page token is not refreshable: the Page must be reconnected', async () => {
    fake.inject({ method: 'POST', path: /\/feed$/ }, MetaGraphFake.invalidToken);
    const failure = await runDelivery(adapter(), publishRequest(account(), text('x'), {}, [])).catch(
      (e) => e.failure,
    );
    expect(failure).toMatchObject({ category: 'auth', code: 'platform.facebook.auth', retryable: false });
    expect(failure.refreshable).toBeUndefined();
  });

  test('a duplicate post (506) fails for good', async () => {
    fake.inject(
      { method: 'POST', path: /\/feed$/ },
      MetaGraphFake.error(400, 506, 'Duplicate status message'),
    );
    const failure = await runDelivery(adapter(), publishRequest(account(), text('Again'), {}, [])).catch(
      (e) => e.failure,
    );
    expect(failure).toMatchObject({
      category: 'validation',
      code: 'platform.facebook.duplicate',
      retryable: false,
    });
  });
});

describe('facebook lookups on a busy Page', () => {
  test('a post and its first comment behind full pages are found; past 250 posts unsearchable, never absent', async () => {
    const fake = await new FacebookFake().start();
    try {
      const adapter = createFacebookAdapter({ baseUrl: fake.url });
      const account = { id: 'acc_fb', platform: 'facebook', name: 'Page', credentials: fake.credentials() };
      const req = publishRequest(account, text('Behind the chatter'), {}, []);
      fake.inject({ method: 'POST', path: /\/feed$/ }, { kind: 'lose-answer' });
      await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      for (let i = 0; i < 100; i++) fake.postFromApp(`From the app ${i}`);
      const receipt = (await adapter.findExisting!(req))!;
      expect(receipt.platformPostId).toBe(fake.published.find((p) => p.message === 'Behind the chatter')!.id);

      const first = commentRequest(req, receipt, 'The first comment');
      const made = await adapter.comment!(first);
      for (let i = 0; i < 120; i++) fake.comments.chatter(receipt.platformPostId, `Nice ${i}`);
      expect((await adapter.findComment!(first))?.commentId).toBe(made.commentId);

      for (let i = 0; i < 200; i++) fake.postFromApp(`More from the app ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.facebook.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

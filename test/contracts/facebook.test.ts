import { randomBytes } from 'node:crypto';
import { failureOf } from '../helpers/failure';
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
  testMediaFile,
  type TestMedia,
  UploadSessions,
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
    // As the engine looks (activities/index.ts findPublished): no media resolved, with what
    // prepare made, or (a delivery from before that was passed) without it.
    const lookup = { ...req, media: [] };
    const ready = (prepared as { ready: Record<string, string> }).ready;
    expect((await adapter().findExisting!(lookup, ready))?.platformPostId).toBe(state.video_id);
    expect((await adapter().findExisting!(lookup))?.platformPostId).toBe(state.video_id);
  });

  test('a video whose publish answer was lost is found among the videos while it still processes', async () => {
    const req = publishRequest(account(), text('A lost clip'), { title: 'Clip' }, host.serve([mp4]));
    const prepared = (await adapter().prepare!(req)) as { ready: Record<string, string> };
    fake.inject({ method: 'POST', path: /\/videos$/ }, { kind: 'lose-answer' });
    await expect(adapter().publish(req, prepared.ready)).rejects.toMatchObject({
      failure: { outcomeUnknown: true },
    });
    const video = fake.published.at(-1)!;
    expect(video).toMatchObject({ kind: 'video', message: 'A lost clip' });
    expect(video.pollsLeft).toBeGreaterThan(0);
    const found = await adapter().findExisting!({ ...req, media: [] }, prepared.ready);
    expect(found?.platformPostId).toBe(video.id);
    // A text post of the same words is looked for among the posts, where the video is not.
    expect(await adapter().findExisting!({ ...req, media: [] }, { shape: 'text' })).toBeNull();
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

describe('facebook videos by upload (POSTFLOW_META_VIDEO_SOURCE=upload)', () => {
  let fake: FacebookFake;
  const MiB = 1024 * 1024;
  const env = () => ({ POSTFLOW_META_VIDEO_SOURCE: 'upload', POSTFLOW_FACEBOOK_CLIENT_ID: fake.client.id });
  const adapter = () => createFacebookAdapter({ baseUrl: fake.url, timeoutMs: 5_000, env: env() });
  const account = () => ({
    id: 'acc_fb',
    platform: 'facebook',
    name: 'Page',
    credentials: fake.credentials(),
  });
  // Postflow's URL is one Meta cannot reach: an upload never hands it out.
  const clip = (bytes: Buffer) => {
    const file = testMediaFile(
      { contentType: 'video/mp4', bytes },
      { source_type: 'url', source: 'https://private.invalid/clip.mp4' },
    );
    return { file, req: publishRequest(account(), text('Uploaded clip'), { title: 'Clip' }, [file]) };
  };
  const sessions = () => [...fake.uploads.files.keys()];
  const chunks = { method: 'POST', path: /\/upload:/, withBody: true };
  beforeEach(async () => {
    fake = await new FacebookFake().start();
  });
  afterEach(async () => {
    await fake.stop();
  });

  test('a 9 MiB video: a session, three chunks each sent once, the Page video made from the handle', async () => {
    const movie = randomBytes(9 * MiB + 77);
    const { file, req } = clip(movie);
    const prepared = await adapter().prepare!(req);
    // Prepare sent every byte and made nothing on the Page.
    expect(fake.published).toHaveLength(0);
    expect(prepared).toMatchObject({ ready: { shape: 'video', handle: expect.stringMatching(/^2:/) } });
    const receipt = await runDelivery(adapter(), req);
    const [first, second] = sessions();
    expect(fake.uploads.files.get(first!)!.ranges).toEqual([
      { start: 0, end: 4 * MiB },
      { start: 4 * MiB, end: 8 * MiB },
      { start: 8 * MiB, end: movie.length },
    ]);
    expect(fake.uploads.files.get(second!)!.bytes.equals(movie)).toBe(true);
    const video = fake.published.at(-1)!;
    expect(video).toMatchObject({ id: receipt.platformPostId, kind: 'video', message: 'Uploaded clip' });
    expect(video.params.fbuploader_video_file_chunk).toMatch(/^2:/);
    expect(video.params.file_url).toBeUndefined();
    expect(file.usage).toMatchObject({ loads: 0, bytesRead: 2 * movie.length });
  });

  test('a dropped connection mid-transfer resumes from the file_offset Meta answers: no byte twice', async () => {
    const movie = randomBytes(9 * MiB);
    // Meta took the second chunk and the connection dropped before its answer came back.
    fake.inject({ ...chunks, after: 1 }, { kind: 'lose-answer' });
    await runDelivery(adapter(), clip(movie).req);
    const [session] = sessions();
    expect(fake.uploads.files.get(session!)!.ranges.map((r) => r.start)).toEqual([0, 4 * MiB, 8 * MiB]);
    expect(fake.uploads.overlaps(session!)).toBe(false);
    expect(fake.uploads.received(session!)).toBe(movie.length);
    expect(fake.uploads.files.get(session!)!.bytes.equals(movie)).toBe(true);
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.includes('/upload:'))).toHaveLength(1);
    expect(fake.published.filter((p) => p.kind === 'video')).toHaveLength(1);
  });

  test('the answer with the handle lost: a plain retry of the prepare, nothing published', async () => {
    fake.inject({ ...chunks, after: 2 }, { kind: 'lose-answer' });
    const failure = await failureOf(adapter().prepare!(clip(randomBytes(9 * MiB)).req));
    expect(failure).toMatchObject({
      code: 'platform.facebook.upload_incomplete',
      retryable: true,
      outcomeUnknown: false,
    });
    expect(fake.uploads.overlaps(sessions()[0]!)).toBe(false);
    expect(fake.published).toHaveLength(0);
  });

  test('a prepare retried after its attempt ended mid-transfer asks the kept session and goes on from there', async () => {
    const movie = randomBytes(9 * MiB + 5);
    const { req } = clip(movie);
    const uploads = new UploadSessions();
    const ledger = uploads.ledger('upl_fb');
    // The third chunk meets throttling, which goes back to the engine: the attempt ends there.
    fake.inject({ ...chunks, after: 2 }, MetaGraphFake.error(400, 32, 'Page request limit reached'));
    await expect(adapter().prepare!(req, ledger)).rejects.toThrow();
    expect(JSON.parse((await ledger.session())!)).toEqual({ session: sessions()[0], size: movie.length });
    expect(uploads.progress.map((p) => p.offset)).toEqual([4 * MiB, 8 * MiB]);

    const prepared = await adapter().prepare!(req, ledger);
    expect(prepared).toMatchObject({ ready: { shape: 'video', handle: expect.stringMatching(/^2:/) } });
    // One session: Meta was asked once where it stood, and only the last chunk went again.
    expect(sessions()).toHaveLength(1);
    const [session] = sessions();
    expect(fake.uploads.files.get(session!)!.ranges.map((r) => r.start)).toEqual([0, 4 * MiB, 8 * MiB]);
    expect(fake.uploads.overlaps(session!)).toBe(false);
    expect(fake.uploads.files.get(session!)!.bytes.equals(movie)).toBe(true);
    expect(fake.requests.filter((r) => r.method === 'GET' && r.path.includes('/upload:'))).toHaveLength(1);
    expect(await ledger.session()).toBeUndefined();
  });

  test('with a kept session whose handle answer was lost, the retry opens a new session instead of asking forever', async () => {
    const movie = randomBytes(MiB);
    const { req } = clip(movie);
    const ledger = new UploadSessions().ledger('upl_fb_lost');
    fake.inject(chunks, { kind: 'lose-answer' });
    await expect(adapter().prepare!(req, ledger)).rejects.toThrow(/file handle was lost/);
    expect(await ledger.session()).toBeUndefined();
    expect(await adapter().prepare!(req, ledger)).toMatchObject({
      ready: { handle: expect.stringMatching(/^2:/) },
    });
    expect(sessions()).toHaveLength(2);
  });

  test('an expired session is replaced once, from byte 0; nothing is published meanwhile', async () => {
    const movie = randomBytes(MiB);
    fake.inject(chunks, MetaGraphFake.notFound('upload:gone'));
    await runDelivery(adapter(), clip(movie).req);
    expect(sessions()).toHaveLength(2);
    expect(fake.uploads.received(sessions()[1]!)).toBe(movie.length);
  });

  test('errors: a dead Page token means reconnecting, throttling goes to the engine, no app id is refused', async () => {
    fake.inject(chunks, MetaGraphFake.invalidToken);
    expect(await failureOf(adapter().prepare!(clip(randomBytes(MiB)).req))).toMatchObject({
      category: 'auth',
      reconnect: true,
      retryable: false,
    });
    fake.inject(chunks, MetaGraphFake.error(400, 32, 'Page request limit reached'));
    expect(await failureOf(adapter().prepare!(clip(randomBytes(MiB)).req))).toMatchObject({
      category: 'rate_limit',
      retryable: true,
    });
    const noApp = createFacebookAdapter({ baseUrl: fake.url, env: { POSTFLOW_META_VIDEO_SOURCE: 'upload' } });
    expect(await failureOf(noApp.prepare!(clip(randomBytes(MiB)).req))).toMatchObject({
      category: 'validation',
      code: 'platform.facebook.upload_unconfigured',
      message: expect.stringContaining('POSTFLOW_FACEBOOK_CLIENT_ID'),
    });
    expect(fake.published).toHaveLength(0);
  });

  test('the session refuses bytes without the OAuth header or at the wrong file_offset', async () => {
    const token = fake.credentials().access_token!;
    const opened = await fetch(`${fake.url}/v25.0/${fake.client.id}/uploads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ file_name: 'a.mp4', file_length: '10', file_type: 'video/mp4' }),
    }).then((r) => r.json() as Promise<{ id: string }>);
    const send = (headers: Record<string, string>) =>
      fetch(`${fake.url}/v25.0/${opened.id}`, { method: 'POST', headers, body: 'abcde' });
    expect(await (await send({ file_offset: '0' })).json()).toMatchObject({ error: { code: 190 } });
    expect(await (await send({ authorization: `OAuth ${token}`, file_offset: '5' })).json()).toMatchObject({
      error: { code: 100 },
    });
    expect(await (await send({ authorization: `OAuth ${token}`, file_offset: '0' })).json()).toEqual({
      id: opened.id,
      file_offset: 5,
    });
  });

  test('photos are still pulled, and a setting other than pull or upload stops the worker at start', async () => {
    const host = await new MediaHost().start();
    try {
      await runDelivery(adapter(), publishRequest(account(), text('A pixel'), {}, host.serve([png])));
      expect(fake.published.at(-1)).toMatchObject({ kind: 'photo' });
      expect(sessions()).toHaveLength(0);
    } finally {
      await host.stop();
    }
    expect(() => createFacebookAdapter({ env: { POSTFLOW_META_VIDEO_SOURCE: 'both' } })).toThrow(
      'POSTFLOW_META_VIDEO_SOURCE must be "pull" or "upload"; got "both".',
    );
  });
});

import { PublishError } from '../../platforms/kit/adapter';
import { PIECE_BYTES } from '../../platforms/kit/media-reader';
import { createTikTokAdapter } from '../../platforms/tiktok/adapter';
import type { MediaRef } from '../../api/types';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { adapterContract, type ContractSubject } from './adapter-contract';
import { createHash, randomBytes } from 'node:crypto';
import { readSession, sessionText } from '../../platforms/tiktok/upload';
import {
  FAKE_MP4,
  MediaHost,
  UploadSessions,
  PNG_1X1,
  publishRequest,
  runDelivery,
  testMediaFile,
  type TestMedia,
} from './run-delivery';

const env = { POSTFLOW_TIKTOK_CLIENT_ID: 'client-key-1', POSTFLOW_TIKTOK_CLIENT_SECRET: 'client-secret-1' };
const url: MediaRef = { source_type: 'url', source: 'https://e.x/m' };
const text = (t: string, media = 1) => ({ text: t, media: Array(media).fill(url) });
const image = { kind: 'image' as const, contentType: 'image/jpeg' };
const video = { kind: 'video' as const, contentType: 'video/mp4' };
const publicPost = { privacy_level: 'PUBLIC_TO_EVERYONE' };

const subject: ContractSubject<TikTokFake> = {
  platform: 'tiktok',
  startFake: () => new TikTokFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createTikTokAdapter({ baseUrl, timeoutMs, env }),
  account: (fake) => ({
    id: 'acc_tiktok',
    platform: 'tiktok',
    name: 'TikTok',
    credentials: fake.credentials(),
  }),
  post: {
    content: { text: 'A clip from Postflow 🎬 #postflow', media: [url] },
    options: publicPost,
    media: [{ contentType: 'video/mp4', bytes: FAKE_MP4 }],
  },
  invalid: [
    { name: 'a caption over 2200 UTF-16 units', content: text('😀'.repeat(1101)), fields: ['text'] },
    { name: 'no media', content: text('hi', 0), fields: ['media_ids'] },
    { name: 'no privacy level', content: text('hi'), options: {}, fields: ['platform_data.privacy_level'] },
    {
      name: 'an unknown privacy level',
      content: text('hi'),
      options: { privacy_level: 'EVERYONE' },
      fields: ['platform_data.privacy_level'],
    },
    { name: 'a video with an image', content: text('hi', 2), media: [video, image], fields: ['media'] },
    { name: 'two videos', content: text('hi', 2), media: [video, video], fields: ['media'] },
    { name: 'a single photo', content: text('hi'), media: [image], fields: ['media'] },
    {
      name: 'PNG photos',
      content: text('hi', 2),
      media: [image, { kind: 'image', contentType: 'image/png' }],
      fields: ['media[1]'],
    },
    {
      name: 'a photo title over 90',
      content: { ...text('hi', 2), title: 'x'.repeat(91) },
      media: [image, image],
      fields: ['title'],
    },
    {
      name: 'private branded content',
      content: text('hi'),
      options: { privacy_level: 'SELF_ONLY', brand_content_toggle: true },
      fields: ['platform_data.brand_content_toggle'],
    },
    {
      name: 'options of the wrong type',
      content: text('hi', 2),
      options: { ...publicPost, disable_comment: 'yes', photo_cover_index: 2, media_type: 'carousel' },
      fields: [
        'platform_data.disable_comment',
        'platform_data.photo_cover_index',
        'platform_data.media_type',
      ],
    },
  ],
  publishCall: { method: 'POST', path: '/v2/post/publish/video/init/' },
  // A FILE_UPLOAD post is published once its last chunk arrived.
  published: (fake) =>
    fake.posts
      .filter((p) => !p.failReason && (!p.upload || p.upload.sha256))
      .map((p) => ({ id: p.id, text: p.text, media: p.media })),
  errors: {
    validation: {
      status: 400,
      body: { data: {}, error: { code: 'invalid_params', message: 'Invalid post_info.', log_id: 'l1' } },
    },
    auth: {
      status: 401,
      body: {
        data: {},
        error: { code: 'access_token_invalid', message: 'The token is invalid.', log_id: 'l2' },
      },
    },
    rateLimit: {
      status: 429,
      body: { data: {}, error: { code: 'rate_limit_exceeded', message: 'Too many requests.', log_id: 'l3' } },
      expectedRetryAfterMs: 60_000,
    },
    server: {
      status: 500,
      body: { data: {}, error: { code: 'internal_error', message: 'Something went wrong.', log_id: 'l4' } },
    },
  },
  reconciles: false,
  refreshes: true,
  unpublishes: false,
};

adapterContract(subject);

// Videos sent in FILE_UPLOAD chunks: the final chunk is the call that publishes.
const uploading = { ...env, POSTFLOW_TIKTOK_VIDEO_SOURCE: 'upload' };
adapterContract({
  ...subject,
  adapter: ({ baseUrl, timeoutMs }) => createTikTokAdapter({ baseUrl, timeoutMs, env: uploading }),
  mode: 'FILE_UPLOAD',
  publishCall: { method: 'PUT', path: '/upload/' },
});

describe('tiktok specifics', () => {
  let fake: TikTokFake;
  let host: MediaHost;
  const adapter = () => createTikTokAdapter({ baseUrl: fake.url, timeoutMs: 1_000, env });
  const account = () => ({ id: 'acc_t', platform: 'tiktok', name: 'T', credentials: fake.credentials() });
  const request = (options: Record<string, unknown>, media: TestMedia[], title?: string) =>
    publishRequest(
      account(),
      { text: 'Postflow on TikTok', media: media.map(() => url), ...(title ? { title } : {}) },
      options,
      host.serve(media),
    );
  const failureOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    return (err as PublishError).failure;
  };
  const clip = [{ contentType: 'video/mp4', bytes: FAKE_MP4 }];
  const photos = [
    { contentType: 'image/jpeg', bytes: PNG_1X1 },
    { contentType: 'image/jpeg', bytes: PNG_1X1 },
  ];

  beforeEach(async () => {
    fake = await new TikTokFake().start();
    host = await new MediaHost().start();
  });
  afterEach(async () => {
    await fake.stop();
    await host.stop();
  });

  describe('videos by FILE_UPLOAD (POSTFLOW_TIKTOK_VIDEO_SOURCE=upload)', () => {
    const uploader = () => createTikTokAdapter({ baseUrl: fake.url, timeoutMs: 5_000, env: uploading });
    const MiB = 1024 * 1024;
    const deliver = async (bytes: Buffer) => {
      const file = testMediaFile({ contentType: 'video/mp4', bytes });
      const req = publishRequest(account(), { text: 'Uploaded', media: [file.ref] }, publicPost, [file]);
      const receipt = await runDelivery(uploader(), req);
      return { file, receipt, post: fake.posts.at(-1)! };
    };
    const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

    test('a video over two chunks: 10 MiB chunks, the remainder in the last, each byte once, never loaded', async () => {
      const movie = randomBytes(25 * MiB + 321);
      const { file, receipt, post } = await deliver(movie);
      expect(post.sourceInfo).toEqual({
        source: 'FILE_UPLOAD',
        video_size: movie.length,
        chunk_size: 10 * MiB,
        total_chunk_count: 2,
      });
      expect(post.upload!.chunks).toEqual([
        { first: 0, last: 10 * MiB - 1, bytes: 10 * MiB, status: 206 },
        { first: 10 * MiB, last: movie.length - 1, bytes: movie.length - 10 * MiB, status: 201 },
      ]);
      expect(post.upload).toMatchObject({ received: movie.length, sha256: sha(movie) });
      // Each chunk is read as it goes out, a piece at a time.
      const pieces = (bytes: number) => Math.ceil(bytes / PIECE_BYTES);
      const reads = pieces(10 * MiB) + pieces(movie.length - 10 * MiB);
      expect(file.usage).toEqual({ loads: 0, opens: 1, reads, bytesRead: movie.length });
      expect(receipt.platformPostId).toBe(post.id);
      // The init call did not name Postflow's URL: nothing for TikTok to pull, no domain to verify.
      expect(JSON.stringify(post.sourceInfo)).not.toMatch(/http/);
    });

    test('a video under the chunk size goes whole, as one chunk of its own size', async () => {
      const movie = randomBytes(3 * MiB);
      const { post } = await deliver(movie);
      expect(post.sourceInfo).toMatchObject({ chunk_size: movie.length, total_chunk_count: 1 });
      expect(post.upload!.chunks).toEqual([
        { first: 0, last: movie.length - 1, bytes: movie.length, status: 201 },
      ]);
      expect(post.upload!.sha256).toBe(sha(movie));
    });

    test('a failed chunk before the last publishes nothing and is a plain retry; a lost final answer is unknown', async () => {
      const req = (movie: Buffer) => {
        const file = testMediaFile({ contentType: 'video/mp4', bytes: movie });
        return publishRequest(account(), { text: 'Faulty', media: [file.ref] }, publicPost, [file]);
      };
      const prepared = await uploader().prepare!(req(FAKE_MP4));
      const ready = (prepared as { ready: Record<string, string> }).ready;
      fake.inject({ method: 'PUT', path: '/upload/' }, { status: 503, body: '' });
      expect(await failureOf(uploader().publish(req(randomBytes(21 * MiB)), ready))).toMatchObject({
        retryable: true,
        outcomeUnknown: false,
      });
      expect(fake.posts.at(-1)!.upload!.received).toBe(0);
      expect(fake.posts.at(-1)!.upload!.sha256).toBeUndefined();

      // One chunk, the last: TikTok took it, the answer never came back.
      const movie = randomBytes(3 * MiB);
      fake.inject({ method: 'PUT', path: '/upload/' }, { kind: 'lose-answer' });
      expect(await failureOf(uploader().publish(req(movie), ready))).toMatchObject({ outcomeUnknown: true });
      expect(fake.posts.at(-1)!.upload!.sha256).toBe(sha(movie));
    });

    describe('in an upload step of its own (the post carries fileUploads: tiktok)', () => {
      /** Pull is the worker's setting: the post's own decision (the upload step) is what counts. */
      const stepAdapter = () => createTikTokAdapter({ baseUrl: fake.url, timeoutMs: 5_000, env });
      const stepRequest = (movie: Buffer) => {
        const file = testMediaFile({ contentType: 'video/mp4', bytes: movie });
        return publishRequest(account(), { text: 'Stepped', media: [file.ref] }, publicPost, [file]);
      };
      /** Four chunks: three in the step, the final one (with the remainder) in the publish call. */
      const movie = randomBytes(40 * MiB + 4_321);

      test('init and every chunk but the final one in the step; the publish call sends only the final chunk, in the same session', async () => {
        const uploads = new UploadSessions();
        const receipt = await runDelivery(stepAdapter(), stepRequest(movie), uploads, true);
        expect(fake.fileUploads()).toHaveLength(1);
        const [post] = fake.fileUploads();
        expect(post!.upload!.chunks.map((c) => c.status)).toEqual([206, 206, 206, 201]);
        expect(post!.upload).toMatchObject({ received: movie.length, sha256: sha(movie) });
        expect(receipt.platformPostId).toBe(post!.id);
        // Each chunk's progress was reported, and the kept session names where the upload stood.
        expect(uploads.progress.map((p) => p.offset)).toEqual([0, 10 * MiB, 20 * MiB, 30 * MiB]);
        expect(readSession(uploads.sessions.get('upl_contract'))).toMatchObject({
          publish_id: post!.publishId,
          acknowledged: 30 * MiB,
        });
      });

      test('a retried step goes on in the kept session from the acknowledged chunk; a chunk TikTok took whose answer was lost (416 when sent again) counts as held', async () => {
        const uploads = new UploadSessions();
        const ledger = uploads.ledger('upl_retry');
        // The first chunk reaches TikTok, the answer never comes back: the attempt fails.
        fake.inject({ method: 'PUT', path: '/upload/' }, { kind: 'lose-answer' });
        const first = await failureOf(stepAdapter().upload!(stepRequest(movie), ledger));
        expect(first).toMatchObject({ retryable: true, outcomeUnknown: false });
        expect(readSession(await ledger.session())).toMatchObject({ acknowledged: 0 });

        const ready = await stepAdapter().upload!(stepRequest(movie), ledger);
        expect(ready).toMatchObject({ upload_key: 'upl_retry', size: movie.length, offset: 30 * MiB });
        expect(JSON.stringify(ready)).not.toMatch(/upload_id|http/);
        expect(fake.fileUploads()).toHaveLength(1);
        const session = fake.fileUploads()[0]!.publishId;
        const ranges = fake.rangeBytes().get(session)!;
        // The chunk whose answer was lost went again (416: TikTok held it); every other once.
        expect(ranges.get(`0-${10 * MiB - 1}`)).toEqual({ puts: 2, sent: 20 * MiB, kept: 10 * MiB });
        expect([...ranges.values()].slice(1).map((r) => r.puts)).toEqual([1, 1]);
        expect(fake.fileUploads()[0]!.upload!.received).toBe(30 * MiB);

        const published = await stepAdapter().publish(
          { ...stepRequest(movie), uploadSession: (key) => uploads.get(key) },
          ready,
        );
        expect(published).toMatchObject({ processing: { publish_id: session } });
        expect(fake.fileUploads()[0]!.upload!.sha256).toBe(sha(movie));
      });

      test('an upload URL near its hour is given up before the final chunk: the step opens a new session, the publish call refuses (nothing sent)', async () => {
        const uploads = new UploadSessions();
        const ledger = uploads.ledger('upl_old');
        await stepAdapter().upload!(stepRequest(movie), ledger);
        const kept = readSession(await ledger.session())!;
        const hourAgo = { ...kept, opened_at: Date.now() - 3_600_000 };
        await ledger.update(sessionText(hourAgo));

        // The publish call: a plain retry, no chunk sent, nothing published.
        const puts = fake.fileUploads()[0]!.upload!.chunks.length;
        const refused = await failureOf(
          stepAdapter().publish(
            { ...stepRequest(movie), uploadSession: (key) => uploads.get(key) },
            { upload_key: 'upl_old', privacy_level: 'PUBLIC_TO_EVERYONE' },
          ),
        );
        expect(refused).toMatchObject({
          code: 'platform.tiktok.upload_session_expired',
          retryable: true,
          outcomeUnknown: false,
        });
        expect(fake.fileUploads()[0]!.upload!.chunks).toHaveLength(puts);

        // The step again: a new init, from byte 0; the old session never gets its final chunk.
        const ready = await stepAdapter().upload!(stepRequest(movie), ledger);
        expect(fake.fileUploads()).toHaveLength(2);
        expect(readSession(await ledger.session())!.publish_id).toBe(fake.fileUploads()[1]!.publishId);
        expect(ready).toMatchObject({ offset: 30 * MiB });
        expect(fake.fileUploads()[0]!.upload!.sha256).toBeUndefined();
      });
    });

    test('photos are still pulled, and a setting other than pull or upload stops the worker at start', async () => {
      await runDelivery(uploader(), request(publicPost, photos, 'Two'));
      expect(fake.posts.at(-1)!.sourceInfo).toMatchObject({ source: 'PULL_FROM_URL' });
      expect(() => createTikTokAdapter({ env: { POSTFLOW_TIKTOK_VIDEO_SOURCE: 'push' } })).toThrow(
        'POSTFLOW_TIKTOK_VIDEO_SOURCE must be "pull" or "upload"; got "push".',
      );
    });
  });

  test('a photo post goes to content/init with the images pulled by URL, and links to the photo', async () => {
    const receipt = await runDelivery(
      adapter(),
      request({ ...publicPost, photo_cover_index: 1 }, photos, 'Two'),
    );
    const post = fake.posts.at(-1)!;
    expect(post).toMatchObject({ kind: 'photo', media: 2, title: 'Two', text: 'Postflow on TikTok' });
    expect(post.sourceInfo).toMatchObject({ source: 'PULL_FROM_URL', photo_cover_index: 1 });
    expect((post.sourceInfo.photo_images as string[])[0]).toMatch(new RegExp(`^${host.url}/media/`));
    expect(receipt.platformPostId).toBe(post.id);
    expect(receipt.permalink).toBe(`https://www.tiktok.com/@postflow.creator/photo/${post.id}`);
  });

  test('polls the status until the publish completes, and keeps the 19-digit post id exact', async () => {
    fake.processingPolls = 3;
    const receipt = await runDelivery(adapter(), request(publicPost, clip));
    expect(fake.requests.filter((r) => r.path === '/v2/post/publish/status/fetch/')).toHaveLength(4);
    expect(receipt.platformPostId).toMatch(/^\d{19}$/);
    expect(receipt.platformPostId).toBe(fake.posts.at(-1)!.id);
    expect(receipt.permalink).toBe(
      `https://www.tiktok.com/@postflow.creator/video/${receipt.platformPostId}`,
    );
  });

  test('refuses a privacy level the creator is not offered, before the irreversible call', async () => {
    const failure = await failureOf(
      runDelivery(adapter(), request({ privacy_level: 'FOLLOWER_OF_CREATOR' }, clip)),
    );
    expect(failure).toMatchObject({
      category: 'validation',
      code: 'platform.tiktok.privacy_level_option_mismatch',
      retryable: false,
      outcomeUnknown: false,
    });
    expect(fake.requests.some((r) => r.path.endsWith('/init/'))).toBe(false);
  });

  test('interactions stay off unless asked for, and off when the creator turned them off', async () => {
    fake.creator = { ...fake.creator, comment_disabled: true };
    const options = {
      ...publicPost,
      disable_comment: false,
      disable_duet: false,
      video_cover_timestamp_ms: 1500,
    };
    await runDelivery(adapter(), request({ ...options, is_aigc: true }, clip));
    expect(fake.posts.at(-1)!.postInfo).toMatchObject({
      privacy_level: 'PUBLIC_TO_EVERYONE',
      disable_comment: true,
      disable_duet: false,
      disable_stitch: true,
      video_cover_timestamp_ms: 1500,
      brand_content_toggle: false,
      is_aigc: true,
    });
  });

  test('a private post has no public id: the receipt keeps the publish id and links the profile', async () => {
    const receipt = await runDelivery(adapter(), request({ privacy_level: 'SELF_ONLY' }, clip));
    expect(receipt.platformPostId).toBe(fake.posts.at(-1)!.publishId);
    expect(receipt.permalink).toBe('https://www.tiktok.com/@postflow.creator');
  });

  test('a FAILED publish is final and proves nothing was published', async () => {
    const failure = await failureOf(
      runDelivery(adapter(), request(publicPost, [{ contentType: 'video/x-msvideo', bytes: FAKE_MP4 }])),
    );
    expect(failure).toMatchObject({
      category: 'validation',
      code: 'platform.tiktok.media_rejected',
      retryable: false,
      outcomeUnknown: false,
    });
    expect(failure.message).toContain('file_format_check_failed');
  });

  test('an unverified media domain is an operator problem, not retried', async () => {
    fake.verifiedPrefixes = ['https://media.postflow.example/'];
    const failure = await failureOf(runDelivery(adapter(), request(publicPost, clip)));
    expect(failure).toMatchObject({
      category: 'system',
      code: 'platform.tiktok.url_ownership_unverified',
      retryable: false,
      outcomeUnknown: false,
    });
  });

  test('the daily post cap fails the post instead of retrying', async () => {
    fake.inject(
      { path: '/v2/post/publish/video/init/' },
      {
        status: 403,
        body: { data: {}, error: { code: 'spam_risk_too_many_posts', message: 'Daily cap.', log_id: 'x' } },
      },
    );
    const failure = await failureOf(runDelivery(adapter(), request(publicPost, clip)));
    expect(failure).toMatchObject({ category: 'rate_limit', retryable: false, outcomeUnknown: false });
  });

  test('a failing status check after init never looks like "nothing was published"', async () => {
    fake.inject(
      { path: '/v2/post/publish/status/fetch/' },
      { status: 503, body: { data: {}, error: { code: 'x' } } },
    );
    const failure = await failureOf(runDelivery(adapter(), request(publicPost, clip)));
    expect(failure).toMatchObject({ category: 'platform', retryable: true, outcomeUnknown: true });
  });

  test('the refresh grant sends client_key and client_secret in the form; a wrong client is refused', async () => {
    const acc = account();
    const fresh = await createTikTokAdapter({ baseUrl: fake.url, env }).refresh!(acc);
    expect(fresh).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(Date.parse(fresh.expires_at!)).toBeGreaterThan(Date.now());
    const wrong = createTikTokAdapter({
      baseUrl: fake.url,
      env: { POSTFLOW_TIKTOK_CLIENT_ID: 'client-key-1', POSTFLOW_TIKTOK_CLIENT_SECRET: 'nope' },
    });
    const refused = await failureOf(
      wrong.refresh!({ ...acc, credentials: { ...acc.credentials, ...fresh } }),
    );
    expect(refused).toMatchObject({ category: 'auth', code: 'account.reconnection_required' });
  });
});

import { createHash, randomBytes } from 'node:crypto';
import type { PublishError } from '../../platforms/kit/adapter';
import { createYoutubeAdapter } from '../../platforms/google/youtube/adapter';
import { googleError } from '../../platforms/google/fake-api';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import { adapterContract } from './adapter-contract';
import {
  commentRequest,
  FAKE_MP4,
  MediaHost,
  PNG_1X1,
  publishRequest,
  runDelivery,
  testMediaFile,
  UploadSessions,
} from './run-delivery';

const fakes: YoutubeFake[] = [];
const envOf = (fake: YoutubeFake) => ({
  POSTFLOW_YOUTUBE_CLIENT_ID: fake.client.id,
  POSTFLOW_YOUTUBE_CLIENT_SECRET: fake.client.secret,
  POSTFLOW_YOUTUBE_TOKEN_URL: `${fake.url}/token`,
});
const account = (fake: YoutubeFake) => ({
  id: 'acc_youtube',
  platform: 'youtube',
  name: 'Bakery TV',
  credentials: fake.credentials(),
});
const clip = [{ contentType: 'video/mp4', bytes: FAKE_MP4 }];
/** A post with one video; `title: null` leaves the title out. */
const video = (text: string, title: string | null = 'A clip') => ({
  text,
  ...(title !== null ? { title } : {}),
  media: [{ source_type: 'url' as const, source: 'https://e.x/a.mp4' }],
});
const youtubeError = (code: number, reason: string, message: string, domain = 'youtube.video') =>
  googleError(code, undefined, message, { reason, domain });

/** Google's daily quotas reset at midnight Pacific Time; computed apart from the adapter's helper. */
function untilPacificMidnight(): number {
  const pt = new Date(new Date().toLocaleString('en-US', { timeZone: 'America/Los_Angeles' }));
  const midnight = new Date(pt);
  midnight.setHours(24, 0, 0, 0);
  return midnight.getTime() - pt.getTime();
}

adapterContract({
  platform: 'youtube',
  startFake: async () => {
    const fake = await new YoutubeFake().start();
    fakes.push(fake);
    return fake;
  },
  // The suite injects one fault into the upload PUT and checks the engine's fallback for it (an
  // unknown outcome, then reconcile). With no tries of its own, the adapter hands every failure
  // on, as when the upload session cannot be asked; its own resuming is tested below.
  adapter: ({ baseUrl, timeoutMs }) =>
    createYoutubeAdapter({ baseUrl, timeoutMs, env: envOf(fakes[0]!) }, { maxFailures: 0 }),
  account,
  post: {
    content: { ...video('How we bake sourdough, start to finish'), title: 'Sourdough day' },
    options: {
      tags: ['bread', 'sourdough baking'],
      category_id: '26',
      made_for_kids: false,
      license: 'creativeCommon',
    },
    media: clip,
  },
  invalid: [
    { name: 'no title', content: video('hi', null), fields: ['title'] },
    { name: 'a title over 100 characters', content: video('hi', 't'.repeat(101)), fields: ['title'] },
    { name: 'a description over 5,000 bytes', content: video('é'.repeat(2501)), fields: ['text'] },
    { name: 'angle brackets', content: video('a <b> c', 'x > y'), fields: ['text', 'title'] },
    { name: 'no video', content: { text: 'hi', title: 'A clip', media: [] }, fields: ['media_ids'] },
    {
      name: 'an image',
      content: video('hi'),
      media: [{ kind: 'image' }],
      fields: ['media[0]'],
    },
    {
      name: 'bad option values',
      content: video('hi'),
      options: {
        made_for_kids: 'no',
        license: 'cc-by',
        category_id: 'music',
        default_language: 'english!',
        tags: Array(60).fill('ten chars!'),
        publish_at: '2020-01-01T00:00:00Z',
        recording_date: 'yesterday',
        playlist_id: 'not a playlist',
      },
      fields: [
        'platform_data.made_for_kids',
        'platform_data.license',
        'platform_data.category_id',
        'platform_data.default_language',
        'platform_data.tags',
        'platform_data.publish_at',
        'platform_data.recording_date',
        'platform_data.playlist_id',
      ],
    },
    {
      name: 'the title only in the options, too long',
      content: video('hi', null),
      options: { title: 'x'.repeat(101) },
      fields: ['platform_data.title'],
    },
  ],
  // The chunks, not the status query the publish call asks first.
  publishCall: { method: 'PUT', path: '/upload/youtube/v3/videos', withBody: true },
  published: (fake) =>
    fake.videos.map((v) => ({ id: v.id, text: v.description, media: v.bytes > 0 ? 1 : 0 })),
  errors: {
    validation: youtubeError(
      400,
      'invalidTitle',
      'The request metadata specifies an invalid or empty video title.',
    ),
    auth: {
      ...googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.', {
        reason: 'authError',
      }),
    },
    rateLimit: {
      ...youtubeError(
        403,
        'quotaExceeded',
        'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.',
        'youtube.quota',
      ),
      // Read when the test checks it, so the day's remaining time is measured then.
      get expectedRetryAfterMs() {
        return untilPacificMidnight();
      },
    },
    server: youtubeError(500, 'backendError', 'Backend Error', 'global'),
  },
  comments: {
    call: { method: 'POST', path: '/youtube/v3/commentThreads' },
    under: (fake, videoId) => fake.commentsUnder(videoId),
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('youtube', () => {
  let fake: YoutubeFake;
  let host: MediaHost;
  beforeAll(async () => {
    fake = await new YoutubeFake().start();
    host = await new MediaHost().start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });
  const adapter = () => createYoutubeAdapter({ baseUrl: fake.url, env: envOf(fake) });
  const request = (content: ReturnType<typeof video>, options: Record<string, unknown> = {}, media = clip) =>
    publishRequest(account(fake), content, options, host.serve(media));

  test('uploads in one resumable session, then polls processing as YouTube estimates it', async () => {
    const req = request(video('Processing demo'));
    const published = await adapter().publish(req, {});
    const state = (published as unknown as { processing: { video_id: string } }).processing;
    expect(published).toEqual({ processing: { video_id: fake.videos.at(-1)!.id }, pollAfterMs: 5_000 });
    // Only ids in workflow history: no session URL, no token.
    expect(JSON.stringify(state)).not.toMatch(/upload_id|at_|http/);
    const first = await adapter().checkPublished!(req, state);
    expect(first).toMatchObject({ processing: { video_id: state.video_id, polls: 1 }, pollAfterMs: 7_000 });
    const receipt = await runDeliveryFrom(req, first);
    expect(receipt).toEqual({
      platformPostId: state.video_id,
      permalink: `https://www.youtube.com/watch?v=${state.video_id}`,
      publishedAt: expect.any(String),
    });
    const calls = fake.requests.filter((r) => r.path === '/upload/youtube/v3/videos').map((r) => r.method);
    expect(calls.slice(-2)).toEqual(['POST', 'PUT']);
  });

  /** Polls checkPublished from a processing answer until the receipt. */
  async function runDeliveryFrom(req: ReturnType<typeof request>, published: unknown) {
    let answer = published as { processing?: Record<string, never> };
    for (let i = 0; i < 10 && answer.processing; i++) {
      answer = (await adapter().checkPublished!(req, answer.processing)) as typeof answer;
    }
    return answer;
  }

  test('maps the options and visibility onto the video resource', async () => {
    const publishAt = new Date(Date.now() + 86_400_000).toISOString();
    await runDelivery(
      adapter(),
      request(video('Scheduled'), {
        tags: 'bread, rye',
        category_id: '26',
        default_language: 'en',
        made_for_kids: false,
        embeddable: false,
        public_stats_viewable: true,
        contains_synthetic_media: true,
        license: 'creativeCommon',
        publish_at: publishAt,
        recording_date: '2026-05-01T00:00:00Z',
        notify_subscribers: false,
      }),
    );
    expect(fake.videos.at(-1)).toMatchObject({
      title: 'A clip',
      description: 'Scheduled',
      tags: ['bread', 'rye'],
      categoryId: '26',
      notifySubscribers: false,
      recordingDetails: { recordingDate: '2026-05-01T00:00:00Z' },
      status: {
        privacyStatus: 'private', // publish_at forces private until then
        publishAt,
        selfDeclaredMadeForKids: false,
        embeddable: false,
        publicStatsViewable: true,
        containsSyntheticMedia: true,
        license: 'creativeCommon',
      },
    });

    await runDelivery(
      adapter(),
      publishRequest(
        account(fake),
        { ...video('Unlisted'), visibility: 'connections_only' },
        {},
        host.serve(clip),
      ),
    );
    expect(fake.videos.at(-1)).toMatchObject({
      status: { privacyStatus: 'unlisted' },
      notifySubscribers: true,
      categoryId: '22',
    });
  });

  test('adds the video to a playlist once, and a playlist YouTube refuses is a warning on a published video', async () => {
    const req = request(video('For the playlist'), { playlist_id: 'PLfavourites' });
    const receipt = await runDelivery(adapter(), req);
    expect(fake.playlists.get('PLfavourites')).toEqual([receipt.platformPostId]);
    // A check repeated after the insert (a retried activity) does not insert again.
    await adapter().checkPublished!(req, { video_id: receipt.platformPostId, playlist_id: 'PLfavourites' });
    expect(fake.playlists.get('PLfavourites')).toEqual([receipt.platformPostId]);

    const before = fake.videos.length;
    const live = await runDelivery(adapter(), request(video('Lost playlist'), { playlist_id: 'PLgone' }));
    expect(fake.videos).toHaveLength(before + 1);
    expect(live.platformPostId).toBe(fake.videos.at(-1)!.id);
    expect(live.warnings).toEqual([
      {
        code: 'platform.youtube.playlist_failed',
        message: expect.stringContaining('not in playlist PLgone'),
      },
    ]);
  });

  test('a metadata error at the session start fails before any byte is sent', async () => {
    const before = fake.videos.length;
    const failure = await runDelivery(adapter(), request(video('x', 'bad <title>'))).catch((e) => e.failure);
    expect(failure).toMatchObject({
      category: 'validation',
      code: 'platform.youtube.invalid_title',
      outcomeUnknown: false,
    });
    expect(fake.videos).toHaveLength(before);
    expect(fake.requests.at(-1)).toEqual({ method: 'POST', path: '/upload/youtube/v3/videos' });
  });

  test('a failed session start is safe to retry: nothing was created', async () => {
    fake.inject(
      { method: 'POST', path: '/upload/youtube/v3/videos' },
      youtubeError(503, 'backendError', 'Backend Error', 'global'),
    );
    const failure = await runDelivery(adapter(), request(video('retry me'))).catch((e) => e.failure);
    expect(failure).toMatchObject({ category: 'platform', retryable: true, outcomeUnknown: false });
  });

  test('the daily upload limit waits a day; an image is refused before any call', async () => {
    fake.inject(
      { method: 'PUT', path: '/upload/youtube/v3/videos' },
      youtubeError(400, 'uploadLimitExceeded', 'The user has exceeded the number of videos they may upload.'),
    );
    const limited = await runDelivery(adapter(), request(video('one too many'))).catch((e) => e.failure);
    expect(limited).toMatchObject({
      category: 'rate_limit',
      retryable: true,
      retryAfterMs: 86_400_000,
      outcomeUnknown: false,
    });

    const calls = fake.requests.length;
    const image = await runDelivery(
      adapter(),
      request(video('pic'), {}, [{ contentType: 'image/png', bytes: PNG_1X1 }]),
    ).catch((e) => e.failure);
    expect(image).toMatchObject({ category: 'validation', code: 'platform.youtube.media_type' });
    expect(fake.requests.length).toBe(calls);
  });

  test('a video YouTube rejects while processing fails the delivery for good', async () => {
    fake.inject(
      { method: 'GET', path: '/youtube/v3/videos' },
      {
        status: 200,
        body: {
          items: [
            {
              id: 'x',
              status: { uploadStatus: 'rejected', rejectionReason: 'duplicate' },
              processingDetails: { processingStatus: 'succeeded' },
            },
          ],
        },
      },
    );
    const failure = await adapter().checkPublished!(request(video('dup')), { video_id: 'x' }).catch(
      (e) => e.failure,
    );
    expect(failure).toMatchObject({
      category: 'validation',
      retryable: false,
      message: expect.stringContaining('duplicate'),
    });
  });

  test('refresh posts the grant to Google with the client in the body', async () => {
    const acc = account(fake);
    const fresh = await adapter().refresh!(acc);
    expect(fake.tokenRequests.at(-1)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: acc.credentials.refresh_token,
      client_id: fake.client.id,
      client_secret: fake.client.secret,
    });
    expect(fresh.access_token).toMatch(/^ya29\./);
  });

  test("reconcile without channel_id looks in the token owner's channel", async () => {
    const req = request(video('mine only'));
    await runDelivery(adapter(), req);
    const { channel_id: _none, ...credentials } = req.account.credentials;
    const found = await adapter().findExisting!({ ...req, account: { ...req.account, credentials } });
    expect(found?.platformPostId).toBe(fake.videos.at(-1)!.id);
    expect(fake.requests.some((r) => r.path === '/youtube/v3/channels')).toBe(true);
  });

  describe('the upload in chunks', () => {
    const CHUNK = 512 * 1024;
    /** Three chunks: two full ones and a shorter last one. */
    const movie = randomBytes(2 * CHUNK + 300_000);
    const total = movie.length;
    const movieHash = createHash('sha256').update(movie).digest('hex');
    const chunked = (maxFailures = 5) =>
      createYoutubeAdapter(
        { baseUrl: fake.url, env: { ...envOf(fake), POSTFLOW_YOUTUBE_CHUNK_BYTES: String(CHUNK) } },
        { maxFailures, backoffMs: () => 1 },
      );
    const upload = (text: string) => request(video(text), {}, [{ contentType: 'video/mp4', bytes: movie }]);
    /** What the fake logs from now on: the chunks as [first, last, answer], status queries, videos. */
    const watch = () => {
      const chunks = fake.chunks.length;
      const queries = fake.statusQueries;
      const videos = fake.videos.length;
      const sessions = fake.requests.filter((r) => r.method === 'POST').length;
      return {
        chunks: () => fake.chunks.slice(chunks).map((c) => [c.first, c.last, c.status]),
        uploads: () => new Set(fake.chunks.slice(chunks).map((c) => c.uploadId)).size,
        queries: () => fake.statusQueries - queries,
        videos: () => fake.videos.slice(videos),
        sessions: () => fake.requests.filter((r) => r.method === 'POST').length - sessions,
      };
    };
    const failureOf = (promise: Promise<unknown>) =>
      promise.then(
        () => {
          throw new Error('expected the upload to fail');
        },
        (e: PublishError) => e.failure,
      );

    test('sends the video in chunks of the configured size; the last one creates it, bytes intact', async () => {
      const log = watch();
      const receipt = await runDelivery(chunked(), upload('in chunks'));
      expect(log.chunks()).toEqual([
        [0, CHUNK - 1, 308],
        [CHUNK, 2 * CHUNK - 1, 308],
        [2 * CHUNK, total - 1, 201],
      ]);
      expect(log.queries()).toBe(1); // the publish call asks the upload step's session once
      const [made] = log.videos();
      expect(log.videos()).toHaveLength(1);
      expect(receipt.platformPostId).toBe(made!.id);
      expect(made!.sha256).toBe(movieHash);
    });

    test('reads the file a chunk at a time, never whole; each byte is kept once', async () => {
      const log = watch();
      const file = testMediaFile({ contentType: 'video/mp4', bytes: movie });
      const req = publishRequest(account(fake), video('read by range'), {}, [file]);
      fake.failChunk(2, 'reset-mid-chunk');
      await runDelivery(chunked(), req);
      // Opened once by the upload step, once by the publish call that sends the final chunk.
      expect(file.usage).toMatchObject({ loads: 0, opens: 2 });
      // The half of the second chunk the session lost is read again; nothing else is.
      expect(file.usage.bytesRead).toBe(total + CHUNK / 2);
      const kept = fake.chunks.slice(-4).map((c) => [c.first, c.kept]);
      expect(kept.reduce((sum, [, n]) => sum + n, 0)).toBe(total);
      expect(log.videos()[0]).toMatchObject({ bytes: total, sha256: movieHash });
    });

    test('a reset in the middle of a chunk resumes from the offset the session holds', async () => {
      const log = watch();
      fake.failChunk(2, 'reset-mid-chunk'); // the fake keeps 256 KiB of the second chunk
      const kept = CHUNK + 256 * 1024;
      const receipt = await runDelivery(chunked(), upload('reset mid-chunk'));
      expect(log.chunks()).toEqual([
        [0, CHUNK - 1, 308],
        [CHUNK, 2 * CHUNK - 1, 308], // its answer never arrived
        [kept, kept + CHUNK - 1, 308],
        [kept + CHUNK, total - 1, 201],
      ]);
      expect(log.queries()).toBe(2); // after the reset, and the publish call's own
      expect(log.uploads()).toBe(1);
      expect(log.videos().map((v) => v.id)).toEqual([receipt.platformPostId]);
      expect(log.videos()[0]!.sha256).toBe(movieHash);
    });

    test.each([
      ['a reset before the fake reads it', 'reset' as const],
      ['a 503', youtubeError(503, 'backendError', 'Backend Error', 'global')],
    ])('%s on a middle chunk: the session is asked, and that chunk sent again', async (_name, fault) => {
      const log = watch();
      fake.failChunk(2, fault);
      const receipt = await runDelivery(chunked(), upload(`middle chunk ${_name}`));
      const answered = fault === 'reset' ? [] : [[CHUNK, 2 * CHUNK - 1, 503]];
      expect(log.chunks()).toEqual([
        [0, CHUNK - 1, 308],
        ...answered,
        [CHUNK, 2 * CHUNK - 1, 308],
        [2 * CHUNK, total - 1, 201],
      ]);
      expect(log.queries()).toBe(2); // after the fault, and the publish call's own
      expect(log.videos().map((v) => v.id)).toEqual([receipt.platformPostId]);
      expect(log.videos()[0]!.sha256).toBe(movieHash);
    });

    test('a lost answer on the final chunk is settled by asking the session: one video, no reconcile', async () => {
      const log = watch();
      fake.failChunk(3, 'lose-answer');
      const published = await chunked().publish(upload('lost final answer'), {});
      expect(log.videos()).toHaveLength(1);
      expect(published).toEqual({ processing: { video_id: log.videos()[0]!.id }, pollAfterMs: 5_000 });
      expect(log.chunks().map(([, , status]) => status)).toEqual([308, 308, 201]);
      expect(log.queries()).toBe(1);
      expect(log.sessions()).toBe(1);
    });

    test('a session that expires before the last chunk is replaced: the upload starts over, one video', async () => {
      const log = watch();
      fake.failChunk(2, 'expire-session');
      const receipt = await runDelivery(chunked(), upload('expired session'));
      expect(log.chunks()).toEqual([
        [0, CHUNK - 1, 308],
        [CHUNK, 2 * CHUNK - 1, 404],
        [0, CHUNK - 1, 308],
        [CHUNK, 2 * CHUNK - 1, 308],
        [2 * CHUNK, total - 1, 201],
      ]);
      expect([log.sessions(), log.uploads()]).toEqual([2, 2]);
      expect(log.videos().map((v) => v.id)).toEqual([receipt.platformPostId]);
      expect(log.videos()[0]!.sha256).toBe(movieHash);
    });

    test('a lost final answer the session cannot settle is an unknown outcome; reconcile finds the video', async () => {
      const log = watch();
      fake.failChunk(3, 'lose-answer');
      fake.failStatusQueries(3);
      const req = upload('unsettled');
      const failure = await failureOf(chunked(2).publish(req, {}));
      expect(failure).toMatchObject({ category: 'platform', retryable: true, outcomeUnknown: true });
      expect(log.queries()).toBe(2); // the tries allowed, then the engine takes over
      expect(JSON.stringify(failure)).not.toMatch(/upload_id|127\.0\.0\.1/); // the session URL is a capability
      expect(log.videos()).toHaveLength(1);
      expect((await adapter().findExisting!(req))?.platformPostId).toBe(log.videos()[0]!.id);
      fake.failStatusQueries(0);
    });

    test('failures before the final chunk that outlast the tries are a plain retry: nothing was published', async () => {
      const log = watch();
      fake.failChunk(2, 'reset');
      fake.failStatusQueries(5);
      const failure = await failureOf(chunked(2).publish(upload('gave up early'), {}));
      expect(failure).toMatchObject({ category: 'platform', retryable: true, outcomeUnknown: false });
      expect(JSON.stringify(failure)).not.toMatch(/upload_id|127\.0\.0\.1/);
      expect(log.chunks()).toEqual([[0, CHUNK - 1, 308]]);
      expect(log.videos()).toHaveLength(0);
      fake.failStatusQueries(0);
    });

    describe('an upload step that survives a crash (uploadTarget)', () => {
      /** Five chunks: four full ones and a shorter last one, so a crash can come at 60 %. */
      const film = randomBytes(4 * CHUNK + 100_000);
      const filmHash = createHash('sha256').update(film).digest('hex');
      const media = () => [{ contentType: 'video/mp4', bytes: film }];

      /**
       * An attempt of the upload step on a worker killed after `chunks` chunk reads: its signal
       * aborts as the process would stop, mid-way through the next chunk's request.
       */
      const killedAfter = async (chunks: number, uploads: UploadSessions, text: string) => {
        const killed = new AbortController();
        const [file] = request(video(text), {}, media()).media;
        let reads = 0;
        const dying = {
          ...file!,
          open: async () => {
            const reader = await file!.open();
            return {
              ...reader,
              size: reader.size,
              contentType: reader.contentType,
              read: async (start: number, end: number) => {
                if (++reads > chunks) killed.abort(new Error('SIGKILL'));
                return reader.read(start, end);
              },
            };
          },
        };
        const req = { ...request(video(text), {}, media()), media: [dying], signal: killed.signal };
        await expect(chunked().upload!(req, uploads.ledger('upl_crash'))).rejects.toBeDefined();
        return req;
      };

      test('a worker killed at 60 % resumes at 60 % in the same session: one session, nothing resent but the chunk in flight, one video', async () => {
        const log = watch();
        const uploads = new UploadSessions();
        await killedAfter(3, uploads, 'killed at 60 %');
        // The killed attempt sent 3 chunks whole; the 4th was cut off before it went out.
        expect(log.chunks()).toEqual([
          [0, CHUNK - 1, 308],
          [CHUNK, 2 * CHUNK - 1, 308],
          [2 * CHUNK, 3 * CHUNK - 1, 308],
        ]);
        expect(uploads.progress.at(-1)).toEqual({ key: 'upl_crash', offset: 3 * CHUNK, total: film.length });
        // The retry, on another worker: the same ledger key, the same session, asked where it stands.
        const req = request(video('killed at 60 %'), {}, media());
        const ready = await chunked().upload!(
          { ...req, uploadSession: (k) => uploads.get(k) },
          uploads.ledger('upl_crash'),
        );
        expect(ready).toEqual({ upload_key: 'upl_crash', size: film.length, offset: 4 * CHUNK });
        expect(log.queries()).toBe(1);
        expect(log.videos()).toHaveLength(0); // nothing is published before the final chunk
        // The publish call sends the final chunk only.
        const published = await chunked().publish({ ...req, uploadSession: (k) => uploads.get(k) }, ready);
        expect(log.chunks().slice(3)).toEqual([
          [3 * CHUNK, 4 * CHUNK - 1, 308],
          [4 * CHUNK, film.length - 1, 201],
        ]);
        expect([log.sessions(), log.uploads()]).toEqual([1, 1]);
        const [session] = [...fake.sessionBytes().entries()].slice(-1);
        expect(session![1]).toEqual({ sent: film.length, kept: film.length, chunks: 5 });
        expect(log.videos()).toHaveLength(1);
        expect(log.videos()[0]!.sha256).toBe(filmHash);
        expect(published).toEqual({ processing: { video_id: log.videos()[0]!.id }, pollAfterMs: 5_000 });
        // The session URL (a capability) is in the store only: never in what the steps answer.
        expect(JSON.stringify([ready, published, uploads.progress])).not.toMatch(/upload_id|127\.0\.0\.1/);
      });

      test('a chunk the killed worker was sending when it died is sent again from where the session stands', async () => {
        const log = watch();
        const uploads = new UploadSessions();
        fake.failChunk(2, 'reset-mid-chunk'); // the fake keeps half of the 2nd chunk, the answer is lost
        await killedAfter(2, uploads, 'killed mid-chunk').catch(() => undefined);
        const req = {
          ...request(video('killed mid-chunk'), {}, media()),
          uploadSession: (k: string) => uploads.get(k),
        };
        const ready = await chunked().upload!(req, uploads.ledger('upl_crash'));
        await chunked().publish(req, ready);
        const half = CHUNK + CHUNK / 2;
        // The 2nd chunk's kept half is never sent again.
        expect(log.chunks().map(([first]) => first)).toEqual(
          [0, CHUNK, half, half + CHUNK, half + 2 * CHUNK, half + 3 * CHUNK].filter((f) => f < film.length),
        );
        expect(log.uploads()).toBe(1);
        expect(log.videos()[0]!.sha256).toBe(filmHash);
      });

      test('a session gone between attempts is replaced: the retry starts over in a new session, nothing published', async () => {
        const log = watch();
        const uploads = new UploadSessions();
        await killedAfter(1, uploads, 'expired meanwhile');
        fake.failStatusQueries(1, { status: 404, body: 'Not Found' });
        const req = {
          ...request(video('expired meanwhile'), {}, media()),
          uploadSession: (k: string) => uploads.get(k),
        };
        const ready = await chunked().upload!(req, uploads.ledger('upl_crash'));
        expect(log.sessions()).toBe(2);
        expect(uploads.sessions.size).toBe(1);
        await chunked().publish(req, ready);
        expect(log.videos()).toHaveLength(1);
        expect(log.videos()[0]!.sha256).toBe(filmHash);
      });

      test('the final chunk lost: reconcile asks the session, which says it made the video; reuse says taken', async () => {
        const log = watch();
        const uploads = new UploadSessions();
        const req = {
          ...request(video('final lost'), {}, media()),
          uploadSession: (k: string) => uploads.get(k),
        };
        const ready = await chunked().upload!(req, uploads.ledger('upl_final'));
        fake.failChunk(1, 'lose-answer');
        // The publish call's first question is answered; those after the lost final chunk are not.
        fake.failStatusQueries(10, undefined, 1);
        const failure = await failureOf(chunked(1).publish(req, ready));
        expect(failure).toMatchObject({ outcomeUnknown: true });
        fake.failStatusQueries(0);
        const found = await chunked().findExisting!(req, ready);
        expect(found?.platformPostId).toBe(log.videos()[0]!.id);
        expect(await chunked().reusable!(req, ready)).toBe('taken');
        expect(log.videos()).toHaveLength(1);
      });

      test('the final chunk never arrived: reconcile proves it absent by the session, and the retry finishes the same session', async () => {
        const log = watch();
        const uploads = new UploadSessions();
        const req = {
          ...request(video('final never arrived'), {}, media()),
          uploadSession: (k: string) => uploads.get(k),
        };
        const ready = await chunked().upload!(req, uploads.ledger('upl_absent'));
        fake.failChunk(1, 'reset');
        fake.failStatusQueries(10, undefined, 1);
        const failure = await failureOf(chunked(1).publish(req, ready));
        expect(failure).toMatchObject({ outcomeUnknown: true });
        fake.failStatusQueries(0);
        expect(await chunked().findExisting!(req, ready)).toBeNull();
        expect(await chunked().reusable!(req, ready)).toBe('reuse');
        await chunked().publish(req, ready);
        expect([log.sessions(), log.uploads(), log.videos().length]).toEqual([1, 1, 1]);
        expect(log.videos()[0]!.sha256).toBe(filmHash);
      });

      test('a publish whose upload session is no longer kept is a plain retry, before any byte', async () => {
        const log = watch();
        const req = { ...request(video('store lost it'), {}, media()), uploadSession: async () => undefined };
        const failure = await failureOf(
          chunked().publish(req, { upload_key: 'upl_gone', size: film.length, offset: 0 }),
        );
        expect(failure).toMatchObject({
          code: 'platform.youtube.upload_session_lost',
          retryable: true,
          outcomeUnknown: false,
        });
        expect(log.chunks()).toEqual([]);
      });
    });

    test('POSTFLOW_YOUTUBE_CHUNK_BYTES must be a positive multiple of 256 KiB', () => {
      for (const bad of ['1000000', '0', '-262144', '8MB', '262144.5']) {
        expect(() => createYoutubeAdapter({ env: { POSTFLOW_YOUTUBE_CHUNK_BYTES: bad } })).toThrow(
          `POSTFLOW_YOUTUBE_CHUNK_BYTES must be a positive multiple of 262144 (256 KiB), e.g. 8388608 (8 MiB); got "${bad}".`,
        );
      }
      for (const good of ['262144', '16777216', '', undefined]) {
        expect(() => createYoutubeAdapter({ env: { POSTFLOW_YOUTUBE_CHUNK_BYTES: good } })).not.toThrow();
      }
    });
  });
});

describe('youtube lookups on a busy channel', () => {
  test('a video and its first comment behind full pages are found; past 500 uploads unsearchable, never absent', async () => {
    const fake = await new YoutubeFake().start();
    const host = await new MediaHost().start();
    try {
      const adapter = createYoutubeAdapter({ baseUrl: fake.url, env: envOf(fake) });
      const req = publishRequest(account(fake), video('Behind the chatter'), {}, host.serve(clip));
      const receipt = await runDelivery(adapter, req);
      for (let i = 0; i < 120; i++) fake.uploadFromApp(`From the studio ${i}`);
      expect((await adapter.findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);

      const first = commentRequest(req, receipt, 'The first comment');
      const made = await adapter.comment!(first);
      for (let i = 0; i < 250; i++) fake.commentFromApp(receipt.platformPostId, `Nice ${i}`);
      expect((await adapter.findComment!(first))?.commentId).toBe(made.commentId);

      for (let i = 0; i < 400; i++) fake.uploadFromApp(`More from the studio ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.youtube.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
      await host.stop();
    }
  });
});

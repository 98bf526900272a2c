import { createBlueskyAdapter } from '../../platforms/bluesky/adapter';
import { facetsOf, imageSize, isTid, recordKeyFor } from '../../platforms/bluesky/facets';
import { PublishError } from '../../platforms/kit/adapter';
import { ulid } from 'ulid';
import { BlueskyFake } from '../../platforms/bluesky/fake';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { adapterContract } from './adapter-contract';
import { commentRequest, FAKE_MP4, MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const text = (t: string) => ({ text: t, media: [] });
const image = { kind: 'image' as const };
const video = { kind: 'video' as const };
const urls = (n: number) => Array(n).fill({ source_type: 'url', source: 'https://e.x/a.png' });

adapterContract({
  platform: 'bluesky',
  startFake: () => new BlueskyFake().start(),
  adapter: ({ timeoutMs }) => createBlueskyAdapter({ timeoutMs, outbound: REACH_LOOPBACK_FAKES }),
  account: (fake) => ({
    id: 'acc_bluesky',
    platform: 'bluesky',
    name: 'Bluesky',
    credentials: fake.credentials(),
  }),
  verify: {
    credentials: (fake) => fake.appPasswordCredentials(),
    wrong: (credentials) => ({ ...credentials, app_password: 'wxyz-wxyz-wxyz-wxyz' }),
    profile: (fake) => ({
      id: fake.did,
      username: fake.handle,
      name: fake.displayName,
      pictureUrl: fake.avatar,
    }),
  },
  post: {
    content: {
      text: 'Hello from Postflow 🦋 with @alice.test, see https://example.com/a. #postflow',
      media: [],
    },
    options: { alt_texts: ['A single pixel', 'Another pixel'], langs: ['en'] },
    media: [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'image/png', bytes: PNG_1X1 },
    ],
  },
  invalid: [
    { name: 'text over 300 graphemes', content: text('é'.repeat(301)), fields: ['text'] },
    { name: 'five images', content: { text: 'hi', media: urls(5) }, fields: ['media_ids'] },
    {
      name: 'a video with an image',
      content: { text: 'hi', media: urls(2) },
      media: [video, image],
      fields: ['media'],
    },
    {
      name: 'an image over 1 MB',
      content: { text: 'hi', media: urls(1) },
      media: [{ kind: 'image', contentType: 'image/jpeg', sizeBytes: 1_500_000 }],
      fields: ['media[0]'],
    },
    {
      name: 'four languages',
      content: text('hi'),
      options: { langs: ['en', 'de', 'fr', 'pt'] },
      fields: ['platform_data.langs'],
    },
    {
      name: 'a malformed language',
      content: text('hi'),
      options: { langs: 'english!' },
      fields: ['platform_data.langs'],
    },
    {
      name: 'an unknown self-label',
      content: text('hi'),
      options: { labels: ['spoiler'] },
      fields: ['platform_data.labels'],
    },
    {
      name: 'alt texts not strings',
      content: text('hi'),
      options: { alt_texts: [1] },
      fields: ['platform_data.alt_texts'],
    },
    { name: 'nothing to post', content: text(' '), options: {}, fields: ['text'] },
  ],
  publishCall: { method: 'POST', path: '/xrpc/com.atproto.repo.createRecord' },
  // The suite's posts are no replies: the replies are their first comments.
  published: (fake) =>
    fake.posts
      .filter((p) => !p.record.reply)
      .map((p) => ({
        id: p.uri,
        text: String(p.record.text),
        media: p.record.embed?.images?.length ?? (p.record.embed?.video ? 1 : 0),
      })),
  errors: {
    validation: {
      status: 400,
      body: {
        error: 'InvalidRequest',
        message: 'Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes',
      },
    },
    auth: { status: 400, body: { error: 'ExpiredToken', message: 'Token has expired' } },
    // A getter: the reset instant is computed when the fault is injected, not when the file loads.
    get rateLimit() {
      return {
        status: 429,
        body: { error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' },
        headers: {
          'ratelimit-limit': '5000',
          'ratelimit-remaining': '0',
          'ratelimit-reset': String(Math.floor(Date.now() / 1000) + 30),
          'ratelimit-policy': '5000;w=3600',
        },
        expectedRetryAfterMs: 30_000,
      };
    },
    server: { status: 500, body: { error: 'InternalServerError', message: 'Internal Server Error' } },
  },
  thread: {
    call: { method: 'POST', path: '/xrpc/com.atproto.repo.createRecord' },
    posts: (fake) =>
      fake.posts.map((p) => ({
        id: p.uri,
        text: String(p.record.text),
        replyTo: p.record.reply?.parent?.uri,
      })),
  },
  comments: {
    call: { method: 'POST', path: '/xrpc/com.atproto.repo.createRecord' },
    under: (fake, uri) =>
      fake.posts
        .filter((p) => p.record.reply?.parent?.uri === uri)
        .map((p) => ({ id: p.uri, text: String(p.record.text) })),
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('bluesky specifics', () => {
  let fake: BlueskyFake;
  const host = new MediaHost();
  const adapter = createBlueskyAdapter({ outbound: REACH_LOOPBACK_FAKES });
  beforeAll(async () => {
    fake = await new BlueskyFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });
  const account = (credentials = fake.credentials()) => ({
    id: 'acc_b',
    platform: 'bluesky',
    name: 'B',
    credentials,
  });
  const failureOf = (promise: Promise<unknown>) =>
    promise.then(
      () => {
        throw new Error('expected a failure');
      },
      (err: PublishError) => err.failure,
    );

  test('facets: links, resolved mentions and tags, at UTF-8 byte offsets', async () => {
    const req = publishRequest(
      account(),
      text('Olá 🦋 @alice.test e @nobody.test: https://e.x/p?q=1). #tag! #123'),
      {},
      [],
    );
    await runDelivery(adapter, req);
    const record = fake.posts.at(-1)!.record;
    const bytes = Buffer.from(record.text);
    const spans = record.facets.map((f: any) => [
      bytes.subarray(f.index.byteStart, f.index.byteEnd).toString(),
      f.features[0].did ?? f.features[0].uri ?? f.features[0].tag,
    ]);
    expect(spans).toEqual([
      ['@alice.test', 'did:plc:alice000000000000000000'],
      ['https://e.x/p?q=1', 'https://e.x/p?q=1'],
      ['#tag', 'tag'],
    ]);
    expect(facetsOf('(https://e.x/a_(b))', {})[0]!.features[0]).toEqual({
      $type: 'app.bsky.richtext.facet#link',
      uri: 'https://e.x/a_(b)',
    });
  });

  test('the record key is a TID fixed by the delivery, from the ULID of the post id', () => {
    const created = Date.UTC(2026, 10, 29, 9, 30);
    const postId = `post_${ulid(created)}`;
    const ref = `${postId}/acc_1`;
    expect(recordKeyFor(ref)).toBe(recordKeyFor(ref));
    expect(recordKeyFor(ref)).not.toBe(recordKeyFor(`${postId}/acc_2`));
    expect(isTid(recordKeyFor(ref))).toBe(true);
    expect(isTid(recordKeyFor('post_CONTRACT123/acc_1'))).toBe(true);
    // The key's time is the post's creation time (the ULID's), to the millisecond.
    const s32 = '234567abcdefghijklmnopqrstuvwxyz';
    const value = [...recordKeyFor(ref)].reduce((v, c) => v * 32n + BigInt(s32.indexOf(c)), 0n);
    const ms = Number((value >> 10n) / 1000n);
    expect(ms).toBe(created);
  });

  test('images carry their aspect ratio, read from their headers', async () => {
    const jpeg = Buffer.concat([
      Buffer.from('ffd8ffe000104a46494600010100000100010000', 'hex'),
      Buffer.from('ffc0001108002000400301220002110103110100', 'hex'),
    ]);
    expect(imageSize(jpeg)).toEqual({ width: 64, height: 32 });
    expect(imageSize(Buffer.from('GIF89a\x03\x00\x02\x00', 'latin1'))).toEqual({ width: 3, height: 2 });
    expect(imageSize(Buffer.from('not an image'))).toBeUndefined();
    const req = publishRequest(
      account(),
      text('Pixel'),
      {},
      host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]),
    );
    await runDelivery(adapter, req);
    expect(fake.posts.at(-1)!.record.embed.images).toEqual([
      {
        alt: '',
        image: expect.objectContaining({ mimeType: 'image/png' }),
        aspectRatio: { width: 1, height: 1 },
      },
    ]);
  });

  test('a repeated publish of the same delivery cannot post twice; reconcile finds the post', async () => {
    const req = publishRequest(account(), text('Only once'), { langs: 'en' }, []);
    const receipt = await runDelivery(adapter, req);
    expect(receipt.platformPostId).toMatch(
      new RegExp(`^at://${fake.did}/app.bsky.feed.post/${recordKeyFor(req.ref)}$`),
    );
    expect(receipt.permalink).toBe(`https://bsky.app/profile/${fake.did}/post/${recordKeyFor(req.ref)}`);
    const failure = await failureOf(adapter.publish(req, {}));
    expect(failure).toMatchObject({ category: 'platform', outcomeUnknown: true });
    expect(fake.posts.filter((p) => p.record.text === 'Only once')).toHaveLength(1);
    expect(fake.posts.at(-1)!.record.langs).toEqual(['en']);
    expect((await adapter.findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);
  });

  test('a first comment replies by strong refs to the post, at a key from its ref: a repeat cannot reply twice', async () => {
    const req = publishRequest(account(), text('Reply to me'), {}, []);
    const receipt = await runDelivery(adapter, req);
    const post = fake.posts.at(-1)!;
    const first = commentRequest(req, receipt, 'A reply');
    const made = await adapter.comment!(first);
    const rkey = recordKeyFor(first.ref);
    expect(made).toEqual({
      commentId: `at://${fake.did}/app.bsky.feed.post/${rkey}`,
      permalink: `https://bsky.app/profile/${fake.did}/post/${rkey}`,
    });
    expect(rkey).not.toBe(post.rkey);
    const ref = { uri: receipt.platformPostId, cid: receipt.metadata!.cid };
    expect(fake.posts.at(-1)!.record).toMatchObject({ text: 'A reply', reply: { root: ref, parent: ref } });
    const failure = await failureOf(adapter.comment!(first));
    expect(failure).toMatchObject({ category: 'platform', outcomeUnknown: true });
    expect(fake.posts.filter((p) => p.record.reply?.parent?.uri === receipt.platformPostId)).toHaveLength(1);
    expect((await adapter.findComment!(first))?.commentId).toBe(made.commentId);
  });

  test("a receipt without the post's cid: the reply reads it from getRecord", async () => {
    const req = publishRequest(account(), text('Kept no cid'), {}, []);
    const { metadata, ...receipt } = await runDelivery(adapter, req);
    await adapter.comment!(commentRequest(req, receipt, 'Still a reply'));
    expect(fake.posts.at(-1)!.record.reply.parent).toEqual({
      uri: receipt.platformPostId,
      cid: metadata!.cid,
    });
  });

  test('an account without a session signs in with its app password via refresh', async () => {
    const fresh = account(fake.appPasswordCredentials());
    const req = publishRequest(fresh, text('First post'), {}, []);
    const failure = await failureOf(runDelivery(adapter, req));
    expect(failure).toMatchObject({ category: 'auth', refreshable: true, outcomeUnknown: false });
    const session = await adapter.refresh!(fresh);
    expect(session).toMatchObject({ did: fake.did, handle: fake.handle, pds_url: fake.url });
    expect(Date.parse(session.expires_at!)).toBeGreaterThan(Date.now());
    const signedIn = account({ ...fresh.credentials, ...session });
    await expect(runDelivery(adapter, { ...req, account: signedIn })).resolves.toHaveProperty(
      'platformPostId',
    );
    // A dead refresh token falls back to the app password rather than asking to reconnect.
    const revoked = account({ ...signedIn.credentials, refresh_token: 'revoked' });
    await expect(adapter.refresh!(revoked)).resolves.toHaveProperty('access_token');
  });

  test('sign-in failures a user must fix ask to reconnect, with what to do', async () => {
    const wrong = account({ ...fake.appPasswordCredentials(), app_password: 'nope-nope-nope-nope' });
    expect(await failureOf(adapter.refresh!(wrong))).toMatchObject({
      category: 'auth',
      code: 'account.reconnection_required',
      retryable: false,
    });
    const twoFactor = account({ ...fake.appPasswordCredentials(), app_password: fake.mainPassword });
    const failure = await failureOf(adapter.refresh!(twoFactor));
    expect(failure.message).toMatch(/app password/);
  });

  test('a video goes through the video service, is polled while it encodes, then posted', async () => {
    // A URL's media, whose type is known only once it is loaded.
    const media = host
      .serve([{ contentType: 'video/mp4', bytes: FAKE_MP4 }])
      .map((m) => ({ ...m, contentType: null }));
    const req = publishRequest(account(), text('A clip'), { alt_text: 'A short clip' }, media);
    const prepared = await adapter.prepare!(req);
    expect(prepared).toMatchObject({ processing: { job_id: expect.any(String) }, pollAfterMs: 3_000 });
    const receipt = await runDelivery(adapter, req);
    const post = fake.posts.at(-1)!;
    expect(post.uri).toBe(receipt.platformPostId);
    expect(post.record.embed).toMatchObject({
      $type: 'app.bsky.embed.video',
      alt: 'A short clip',
      video: { mimeType: 'video/mp4' },
    });
  });

  test('a video past the daily quota fails for good, saying why', async () => {
    fake.videosLeftToday = 0;
    const req = publishRequest(
      account(),
      text('Another clip'),
      {},
      host.serve([{ contentType: 'video/mp4', bytes: FAKE_MP4 }]),
    );
    const failure = await failureOf(runDelivery(adapter, req));
    expect(failure).toMatchObject({
      category: 'validation',
      code: 'platform.bluesky.video_quota',
      retryable: false,
    });
    expect(failure.message).toMatch(/daily upload limit/);
  });

  test('an image over 1 MB is refused before upload; takedowns are final', async () => {
    const big = publishRequest(
      account(),
      text('Big'),
      {},
      host.serve([{ contentType: 'image/jpeg', bytes: Buffer.alloc(1_000_001) }]),
    );
    expect(await failureOf(runDelivery(adapter, big))).toMatchObject({
      code: 'platform.bluesky.image_too_large',
    });
    fake.inject(
      { path: '/xrpc/com.atproto.repo.createRecord' },
      { status: 400, body: { error: 'AccountTakedown', message: 'Account has been taken down' } },
    );
    const failure = await failureOf(runDelivery(adapter, publishRequest(account(), text('Hi'), {}, [])));
    expect(failure).toMatchObject({
      category: 'auth',
      code: 'platform.bluesky.account_takedown',
      retryable: false,
    });
    expect(failure.refreshable).toBeUndefined();
  });
});

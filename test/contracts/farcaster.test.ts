import { createFarcasterAdapter, idemOf } from '../../platforms/farcaster/adapter';
import { FarcasterFake } from '../../platforms/farcaster/fake';
import { PublishError } from '../../platforms/kit/adapter';
import { adapterContract } from './adapter-contract';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const text = (t: string) => ({ text: t, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/a.png' };

adapterContract({
  platform: 'farcaster',
  startFake: () => new FarcasterFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createFarcasterAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({
    id: 'acc_farcaster',
    platform: 'farcaster',
    name: 'Farcaster',
    credentials: fake.credentials(),
  }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: (credentials) => ({ ...credentials, api_key: 'NEYNAR_revoked' }),
    profile: () => ({
      username: expect.stringMatching(/^user\d+$/),
      name: expect.stringMatching(/^User \d+$/),
    }),
  },
  post: {
    content: { text: 'Hello from Postflow, gm ☀️ & <friends>', media: [] },
    options: { channel_id: 'postflow' },
    media: [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'image/png', bytes: PNG_1X1 },
    ],
  },
  invalid: [
    // 107 three-byte characters are 321 bytes: over the limit although only 107 characters.
    { name: 'text over 320 bytes', content: text('€'.repeat(107)), fields: ['text'] },
    { name: 'three media', content: { text: 'hi', media: [url, url, url] }, fields: ['media_ids'] },
    { name: 'neither text nor media', content: text(' '), fields: ['text'] },
    {
      name: 'a bad channel, a parent that is no cast hash and an unknown option',
      content: text('hi'),
      options: { channel_id: 'Not A Channel', parent: 'abc', visibility: 'public' },
      fields: ['platform_data.channel_id', 'platform_data.parent', 'platform_data.visibility'],
    },
  ],
  publishCall: { method: 'POST', path: '/v2/farcaster/cast' },
  published: (fake) => fake.posts().map((c) => ({ id: c.hash, text: c.text, media: c.embeds.length })),
  errors: {
    validation: {
      status: 400,
      body: { message: 'text must be at most 320 bytes', code: 'InvalidField', property: 'text' },
    },
    auth: { status: 401, body: { message: 'Invalid API key', code: 'Unauthorized' } },
    // Neynar's 429 carries no Retry-After: its limits are per minute.
    rateLimit: {
      status: 429,
      body: { message: 'Rate limit exceeded', code: 'RateLimitExceeded' },
      expectedRetryAfterMs: 60_000,
    },
    server: { status: 500, body: { message: 'Internal server error', code: 'InternalServerError' } },
  },
  comments: {
    call: { method: 'POST', path: '/v2/farcaster/cast' },
    under: (fake, hash) =>
      fake.casts.filter((c) => c.parentHash === hash).map((c) => ({ id: c.hash, text: c.text })),
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('farcaster specifics', () => {
  let fake: FarcasterFake;
  const host = new MediaHost();
  beforeAll(async () => {
    fake = await new FarcasterFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  const adapter = () => createFarcasterAdapter({ baseUrl: fake.url });
  const account = (credentials = fake.credentials()) => ({
    id: 'acc_f',
    platform: 'farcaster',
    name: 'Farcaster',
    credentials,
  });
  const failureOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    return (err as PublishError).failure;
  };

  test('the cast carries the text, the media as embeds by URL, the channel and the parent', async () => {
    const acc = account();
    const parent = await runDelivery(adapter(), publishRequest(acc, text('The parent'), {}, []));
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const options = { channel_id: 'postflow', parent: parent.platformPostId };
    const receipt = await runDelivery(adapter(), publishRequest(acc, text('A reply'), options, media));
    expect(fake.casts.at(-1)).toMatchObject({
      hash: receipt.platformPostId,
      text: 'A reply',
      embeds: [media[0]!.ref.source],
      channelId: 'postflow',
      parentHash: parent.platformPostId,
    });
    expect(receipt.permalink).toBe(`https://farcaster.xyz/~/conversations/${receipt.platformPostId}`);
  });

  test('idem is derived from the ref: a repeated call returns the same cast, not a second one', async () => {
    const acc = account();
    const req = publishRequest(acc, text('Only once'), {}, []);
    const first = await runDelivery(adapter(), req);
    const again = await runDelivery(adapter(), req);
    expect(again.platformPostId).toBe(first.platformPostId);
    expect(fake.casts.filter((c) => c.text === 'Only once')).toHaveLength(1);
    expect(idemOf(req.ref)).toMatch(/^[0-9a-f]{16}$/);
    expect(idemOf(`${req.ref}/first-comment`)).not.toBe(idemOf(req.ref));
  });

  test('reconcile finds a reply among the casts by its parent; the same text elsewhere is not it', async () => {
    const acc = account();
    const parent = await runDelivery(adapter(), publishRequest(acc, text('Root'), {}, []));
    const req = publishRequest(acc, text('Same words'), { parent: parent.platformPostId }, []);
    fake.inject({ method: 'POST', path: '/v2/farcaster/cast' }, { kind: 'lose-answer' });
    expect((await failureOf(runDelivery(adapter(), req))).outcomeUnknown).toBe(true);
    const found = await adapter().findExisting!(req);
    expect(found?.platformPostId).toBe(fake.casts.at(-1)!.hash);
    expect(found?.permalink).toMatch(/^https:\/\/farcaster\.xyz\/user\d+\/0x/);
    expect(await adapter().findExisting!(publishRequest(acc, text('Same words'), {}, []))).toBeNull();
  });

  test('a first comment is a reply cast; repeated with its ref it makes no second reply', async () => {
    const acc = account();
    const req = publishRequest(acc, text('With a comment'), {}, []);
    const receipt = await runDelivery(adapter(), req);
    const first = commentRequest(req, receipt, 'First!');
    const made = await adapter().comment!(first);
    expect(await adapter().comment!(first)).toEqual(made);
    expect(fake.casts.filter((c) => c.parentHash === receipt.platformPostId)).toHaveLength(1);
  });

  test('unpublish deletes the cast; a cast already gone is "deleted"', async () => {
    const acc = account();
    const receipt = await runDelivery(adapter(), publishRequest(acc, text('Soon gone'), {}, []));
    const signal = new AbortController().signal;
    const del = { account: acc, platformPostId: receipt.platformPostId, signal };
    expect(await adapter().unpublish!(del)).toBe('deleted');
    expect(fake.casts.some((c) => c.hash === receipt.platformPostId)).toBe(false);
    expect(await adapter().unpublish!(del)).toBe('deleted');
  });

  test('a signer not approved asks for a reconnect; an account without a key is refused without a call', async () => {
    const pending = account(fake.credentials({ approved: false }));
    expect(await failureOf(runDelivery(adapter(), publishRequest(pending, text('x'), {}, [])))).toMatchObject(
      { category: 'auth', code: 'platform.farcaster.forbidden', reconnect: true },
    );
    expect(
      await failureOf(adapter().findExisting!(publishRequest(pending, text('x'), {}, []))),
    ).toMatchObject({ category: 'auth', code: 'platform.farcaster.signer_not_approved', reconnect: true });
    const calls = fake.requests.length;
    const { signer_uuid } = fake.credentials();
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account({ signer_uuid }), text('x'), {}, []))),
    ).toMatchObject({ category: 'auth', code: 'platform.farcaster.api_key', reconnect: true });
    expect(fake.requests.length).toBe(calls);
  });
});

describe('farcaster lookups on a busy account', () => {
  test('a cast and its first comment behind full pages are found; past 500 casts unsearchable, never absent', async () => {
    const fake = await new FarcasterFake().start();
    try {
      const adapter = createFarcasterAdapter({ baseUrl: fake.url });
      const account = { id: 'acc_fc', platform: 'farcaster', name: 'FC', credentials: fake.credentials() };
      const req = publishRequest(account, { text: 'Behind the chatter', media: [] }, {}, []);
      fake.inject({ method: 'POST', path: '/v2/farcaster/cast' }, { kind: 'lose-answer' });
      await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      const post = fake.casts.at(-1)!;
      for (let i = 0; i < 120; i++) fake.castFromApp(post.fid, `From the app ${i}`);
      const receipt = (await adapter.findExisting!(req))!;
      expect(receipt.platformPostId).toBe(post.hash);

      // Other accounts' replies before and after it: it is on neither the first nor the last page.
      for (let i = 0; i < 60; i++) fake.castFromApp(post.fid + 1000, `Reply ${i}`, post.hash);
      const first = commentRequest(req, receipt, 'The first comment');
      const made = await adapter.comment!(first);
      for (let i = 0; i < 60; i++) fake.castFromApp(post.fid + 1000, `More replies ${i}`, post.hash);
      expect((await adapter.findComment!(first))?.commentId).toBe(made.commentId);

      for (let i = 0; i < 400; i++) fake.castFromApp(post.fid, `More from the app ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.farcaster.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

import { createVkAdapter, guidOf } from '../../platforms/vk/adapter';
import { VkFake, vkError } from '../../platforms/vk/fake';
import { PublishError } from '../../platforms/kit/adapter';
import { adapterContract } from './adapter-contract';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const text = (t: string) => ({ text: t, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/a.png' };

adapterContract({
  platform: 'vk',
  startFake: () => new VkFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createVkAdapter({ baseUrl, timeoutMs }),
  account: (fake) => ({ id: 'acc_vk', platform: 'vk', name: 'VK', credentials: fake.credentials() }),
  post: {
    content: { text: 'Привет from Postflow & <friends>', media: [] },
    options: { signed: true, close_comments: false },
    media: [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'image/png', bytes: PNG_1X1 },
    ],
  },
  invalid: [
    { name: 'text over 16,384 characters', content: text('ж'.repeat(16_385)), fields: ['text'] },
    { name: 'eleven photos', content: { text: 'hi', media: Array(11).fill(url) }, fields: ['media_ids'] },
    { name: 'neither text nor media', content: text(''), fields: ['text'] },
    {
      name: 'a video',
      content: { text: 'hi', media: [url] },
      media: [{ kind: 'video', contentType: 'video/mp4' }],
      fields: ['media[0]'],
    },
    {
      name: 'a non-boolean flag and an unknown option',
      content: text('hi'),
      options: { from_group: 'yes', publish_date: 1 },
      fields: ['platform_data.from_group', 'platform_data.publish_date'],
    },
  ],
  publishCall: { method: 'POST', path: '/method/wall.post' },
  published: (fake) =>
    fake.posts.map((p) => ({ id: `${p.ownerId}_${p.id}`, text: p.text, media: p.attachments.length })),
  errors: {
    validation: vkError(100, 'One of the parameters specified was missing or invalid: message'),
    auth: vkError(5, 'User authorization failed: access_token has expired.'),
    rateLimit: { ...vkError(6, 'Too many requests per second'), expectedRetryAfterMs: 1_000 },
    server: vkError(10, 'Internal server error'),
  },
  comments: {
    call: { method: 'POST', path: '/method/wall.createComment' },
    under: (fake, id) =>
      fake.comments
        .filter((c) => `${c.ownerId}_${c.postId}` === id)
        .map((c) => ({ id: String(c.id), text: c.text })),
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('vk specifics', () => {
  let fake: VkFake;
  const host = new MediaHost();
  beforeAll(async () => {
    fake = await new VkFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  const adapter = () => createVkAdapter({ baseUrl: fake.url });
  const account = (credentials = fake.credentials()) => ({
    id: 'acc_v',
    platform: 'vk',
    name: 'VK',
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

  test("a community post goes out as the community with the photos saved to the community's wall", async () => {
    const acc = account();
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const receipt = await runDelivery(adapter(), publishRequest(acc, text('With a photo'), {}, media));
    const owner = Number(acc.credentials.owner_id);
    expect(owner).toBeLessThan(0);
    expect(fake.posts.at(-1)).toMatchObject({
      ownerId: owner,
      fromId: owner,
      text: 'With a photo',
      attachments: [expect.stringMatching(new RegExp(`^photo${owner}_\\d+$`))],
    });
    expect(receipt.permalink).toBe(`https://vk.com/wall${receipt.platformPostId}`);
  });

  test('from_group: false posts as the user; a user wall takes posts too', async () => {
    const acc = account();
    await runDelivery(adapter(), publishRequest(acc, text('As me'), { from_group: false }, []));
    expect(fake.posts.at(-1)!.fromId).toBeGreaterThan(0);
    const user = account(fake.credentials({ user: true }));
    const receipt = await runDelivery(adapter(), publishRequest(user, text('On my wall'), {}, []));
    expect(receipt.platformPostId).toMatch(/^\d+_\d+$/);
  });

  test('guid comes from the ref: a repeated call makes no second post or comment', async () => {
    const acc = account();
    const req = publishRequest(acc, text('Only once'), {}, []);
    const first = await runDelivery(adapter(), req);
    expect((await runDelivery(adapter(), req)).platformPostId).toBe(first.platformPostId);
    expect(fake.posts.filter((p) => p.text === 'Only once')).toHaveLength(1);
    const comment = commentRequest(req, first, 'A comment');
    const made = await adapter().comment!(comment);
    expect(await adapter().comment!(comment)).toEqual(made);
    expect(made.permalink).toBe(`https://vk.com/wall${first.platformPostId}?reply=${made.commentId}`);
    expect(guidOf(req.ref)).not.toBe(guidOf(comment.ref));
  });

  test('a photo type VK does not take is refused before any upload', async () => {
    const media = host.serve([{ contentType: 'image/webp', bytes: PNG_1X1 }]);
    const calls = fake.requests.length;
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account(), text('x'), {}, media))),
    ).toMatchObject({ category: 'validation', code: 'platform.vk.media_type' });
    expect(fake.requests.length).toBe(calls);
  });

  test('an expired token asks for a reconnect; flood control waits an hour', async () => {
    expect(
      await failureOf(
        runDelivery(
          adapter(),
          publishRequest(account({ access_token: 'gone', owner_id: '-1' }), text('x'), {}, []),
        ),
      ),
    ).toMatchObject({ category: 'auth', code: 'platform.vk.auth', reconnect: true });
    fake.inject({ method: 'POST', path: '/method/wall.post' }, vkError(9, 'Flood control'));
    expect(
      await failureOf(runDelivery(adapter(), publishRequest(account(), text('x'), {}, []))),
    ).toMatchObject({
      category: 'rate_limit',
      code: 'platform.vk.flood_control',
      retryable: true,
      retryAfterMs: 3_600_000,
    });
  });
});

describe('vk lookups on a busy wall', () => {
  test('a post and its first comment behind full pages are found; past 1,000 posts unsearchable, never absent', async () => {
    const fake = await new VkFake().start();
    try {
      const adapter = createVkAdapter({ baseUrl: fake.url });
      const account = { id: 'acc_vk', platform: 'vk', name: 'VK', credentials: fake.credentials() };
      const wall = Number(account.credentials.owner_id);
      const req = publishRequest(account, { text: 'Behind the chatter', media: [] }, {}, []);
      fake.inject({ method: 'POST', path: /wall\.post$/ }, { kind: 'lose-answer' });
      await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      const post = fake.posts.at(-1)!;
      for (let i = 0; i < 250; i++) fake.postFromApp(wall, `From the app ${i}`);
      const receipt = (await adapter.findExisting!(req))!;
      expect(receipt.platformPostId).toBe(`${wall}_${post.id}`);

      const first = commentRequest(req, receipt, 'The first comment');
      const made = await adapter.comment!(first);
      for (let i = 0; i < 150; i++) fake.commentFromApp(wall, post.id, `Nice ${i}`);
      expect((await adapter.findComment!(first))?.commentId).toBe(made.commentId);

      for (let i = 0; i < 800; i++) fake.postFromApp(wall, `More from the app ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.vk.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

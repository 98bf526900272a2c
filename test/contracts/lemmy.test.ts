import { PublishError } from '../../platforms/kit/adapter';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { createLemmyAdapter } from '../../platforms/lemmy/adapter';
import { LemmyFake } from '../../platforms/lemmy/fake';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';
import { adapterContract } from './adapter-contract';
import { commentRequest, MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

const post = (text: string, title = 'Postflow on Lemmy') => ({ text, title, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/a.png' };

adapterContract({
  platform: 'lemmy',
  startFake: () => new LemmyFake().start(),
  adapter: ({ timeoutMs }) => createLemmyAdapter({ timeoutMs, outbound: REACH_LOOPBACK_FAKES }),
  account: (fake) => ({ id: 'acc_lemmy', platform: 'lemmy', name: 'Lemmy', credentials: fake.loggedIn() }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: (credentials) => ({ ...credentials, password: 'pw-wrong-password' }),
    profile: (fake) => ({
      id: expect.stringMatching(new RegExp(`^${fake.url}/u/postflow\\d+$`)),
      username: expect.stringMatching(/^postflow\d+@/),
    }),
  },
  post: {
    content: post('Hello from Postflow: *markdown* & <friends>.'),
    options: { community_id: 2, nsfw: false, language_id: 37, alt_text: 'A single pixel' },
    media: [{ contentType: 'image/png', bytes: PNG_1X1 }],
  },
  invalid: [
    { name: 'no title', content: { text: 'Body', media: [] }, fields: ['title'] },
    { name: 'a title over 200', content: post('Body', 't'.repeat(201)), fields: ['title'] },
    { name: 'a title of 2', content: post('Body', 'ab'), fields: ['title'] },
    { name: 'a body over 50,000', content: post('x'.repeat(50_001)), fields: ['text'] },
    { name: 'two images', content: { ...post('Body'), media: [url, url] }, fields: ['media_ids'] },
    {
      name: 'a video',
      content: { ...post('Body'), media: [url] },
      media: [{ kind: 'video', contentType: 'video/mp4' }],
      fields: ['media[0]'],
    },
    { name: 'no community', content: post('Body'), options: {}, fields: ['platform_data.community_id'] },
    {
      name: 'a community by name, a bad url and thumbnail',
      content: post('Body'),
      options: { community_id: 'postflow', url: 'ftp://e.x', custom_thumbnail: 'nope' },
      fields: ['platform_data.community_id', 'platform_data.url', 'platform_data.custom_thumbnail'],
    },
    {
      name: 'a url and an image',
      content: { ...post('Body'), media: [url] },
      options: { community_id: 2, url: 'https://e.x/article' },
      fields: ['platform_data.url'],
    },
  ],
  publishCall: { method: 'POST', path: '/api/v3/post' },
  published: (fake) =>
    fake.live().map((p) => ({
      id: String(p.id),
      text: p.body ?? '',
      media: p.url?.includes('/pictrs/image/') ? 1 : 0,
    })),
  errors: {
    validation: { status: 404, body: { error: 'couldnt_find_community' } },
    auth: { status: 400, body: { error: 'not_logged_in' } },
    rateLimit: { status: 429, body: { error: 'rate_limit_error' }, expectedRetryAfterMs: 60_000 },
    server: { status: 500, body: { error: 'unknown', message: 'database error' } },
  },
  comments: {
    call: { method: 'POST', path: '/api/v3/comment' },
    under: (fake, id) =>
      fake.comments
        .filter((c) => String(c.postId) === id)
        .map((c) => ({ id: String(c.id), text: c.content })),
  },
  // A Lemmy account logs in with its password again: a changed password is the dead refresh.
  deadRefresh: (account) => ({ ...account, credentials: { ...account.credentials, password: 'changed' } }),
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('lemmy specifics', () => {
  let fake: LemmyFake;
  const host = new MediaHost();
  beforeAll(async () => {
    fake = await new LemmyFake().start();
    await host.start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  const adapter = () => createLemmyAdapter({ outbound: REACH_LOOPBACK_FAKES });
  const account = (credentials = fake.loggedIn()) => ({
    id: 'acc_l',
    platform: 'lemmy',
    name: 'L',
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

  test("the image goes to the instance's pict-rs and becomes the post's URL, with the options", async () => {
    const media = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
    const options = { community_id: 2, nsfw: true, language_id: 37, alt_text: 'A pixel' };
    const receipt = await runDelivery(
      adapter(),
      publishRequest(account(), post('With a picture'), options, media),
    );
    const image = fake.images.at(-1)!;
    expect(fake.posts.at(-1)).toMatchObject({
      id: Number(receipt.platformPostId),
      name: 'Postflow on Lemmy',
      body: 'With a picture',
      url: `${fake.url}/pictrs/image/${image.file}`,
      nsfw: true,
      languageId: 37,
      altText: 'A pixel',
    });
    expect(receipt.permalink).toBe(`${fake.url}/post/${receipt.platformPostId}`);
  });

  test('an account without a session logs in first; an ended session logs in again', async () => {
    const a = adapter();
    const connected = account(fake.credentials());
    const first = await failureOf(
      runDelivery(a, publishRequest(connected, post('Hi'), { community_id: 2 }, [])),
    );
    expect(first).toMatchObject({ category: 'auth', refreshable: true });
    const session = { ...connected.credentials, ...(await a.refresh!(connected)) };
    await runDelivery(a, publishRequest(account(session), post('Logged in'), { community_id: 2 }, []));
    fake.logout(session.username!);
    const ended = await failureOf(
      runDelivery(a, publishRequest(account(session), post('Again'), { community_id: 2 }, [])),
    );
    expect(ended).toMatchObject({ category: 'auth', code: 'platform.lemmy.auth', refreshable: true });
  });

  test('an account with a JWT but no password is reconnected when its session ends', async () => {
    const { password: _password, ...jwtOnly } = fake.loggedIn();
    expect(await failureOf(adapter().refresh!(account(jwtOnly)))).toMatchObject({
      code: 'account.reconnection_required',
      retryable: false,
    });
    const descriptor = PLATFORM_DESCRIPTORS.find((d) => d.slug === 'lemmy')!;
    expect(descriptor.checkCredentials!(jwtOnly)).toEqual([]);
    const { access_token: _token, ...neither } = jwtOnly;
    expect(descriptor.checkCredentials!(neither).map((i) => i.field)).toEqual(['credentials.password']);
  });

  test('an instance on a private address is refused by default (SSRF guard), without a call', async () => {
    const calls = fake.requests.length;
    const guarded = createLemmyAdapter();
    const failure = await failureOf(
      runDelivery(guarded, publishRequest(account(), post('Hi'), { community_id: 2 }, [])),
    );
    expect(failure).toMatchObject({ code: 'platform.lemmy.address_refused', retryable: false });
    expect(fake.requests.length).toBe(calls);
  });
});

describe('lemmy lookups on a busy account', () => {
  test('a post and its first comment behind full pages are found; past 500 posts unsearchable, never absent', async () => {
    const fake = await new LemmyFake().start();
    try {
      const adapter = createLemmyAdapter({ outbound: REACH_LOOPBACK_FAKES });
      const account = { id: 'acc_l', platform: 'lemmy', name: 'L', credentials: fake.loggedIn() };
      const user = account.credentials.username!;
      const req = publishRequest(account, post('Behind the chatter'), { community_id: 2 }, []);
      fake.inject({ method: 'POST', path: '/api/v3/post' }, { kind: 'lose-answer' });
      await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      const made = fake.posts.at(-1)!;
      for (let i = 0; i < 120; i++) fake.postFromApp(user, `From the app ${i}`);
      const receipt = (await adapter.findExisting!(req))!;
      expect(receipt.platformPostId).toBe(String(made.id));

      const first = commentRequest(req, receipt, 'The first comment');
      const comment = await adapter.comment!(first);
      for (let i = 0; i < 120; i++) fake.commentFromApp(made.id, 'someone_else', `Nice ${i}`);
      expect((await adapter.findComment!(first))?.commentId).toBe(comment.commentId);

      for (let i = 0; i < 400; i++) fake.postFromApp(user, `More from the app ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.lemmy.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

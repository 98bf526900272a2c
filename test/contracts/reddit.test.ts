import { PublishError } from '../../platforms/kit/adapter';
import { createRedditAdapter } from '../../platforms/reddit/adapter';
import { RedditFake } from '../../platforms/reddit/fake';
import { adapterContract } from './adapter-contract';
import { commentRequest, publishRequest, runDelivery } from './run-delivery';

const env = { POSTFLOW_REDDIT_CLIENT_ID: 'client-1', POSTFLOW_REDDIT_CLIENT_SECRET: 'secret-1' };
const post = (text: string, title = 'Postflow on Reddit') => ({ text, title, media: [] });
const url = { source_type: 'url' as const, source: 'https://e.x/a.png' };

adapterContract({
  platform: 'reddit',
  startFake: () => new RedditFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createRedditAdapter({ baseUrl, timeoutMs, env }),
  account: (fake) => ({
    id: 'acc_reddit',
    platform: 'reddit',
    name: 'Reddit',
    credentials: fake.credentials(),
  }),
  post: {
    content: post('Hello from Postflow: *markdown* & <friends>.'),
    options: { sr: 'postflow', flair_id: 'b7a4c3e2-1111-2222-3333-444455556666', sendreplies: false },
    media: [],
  },
  invalid: [
    { name: 'no title', content: { text: 'Body', media: [] }, fields: ['title'] },
    { name: 'a title over 300', content: post('Body', 't'.repeat(301)), fields: ['title'] },
    { name: 'text over 40,000', content: post('x'.repeat(40_001)), fields: ['text'] },
    { name: 'an image', content: { ...post('Body'), media: [url] }, fields: ['media_ids'] },
    { name: 'no subreddit', content: post('Body'), options: {}, fields: ['platform_data.sr'] },
    {
      name: 'a subreddit with r/, flair text without a flair, a bad nsfw',
      content: post('Body'),
      options: { sr: 'r/postflow', flair_text: 'News', nsfw: 'yes' },
      fields: ['platform_data.sr', 'platform_data.flair_text', 'platform_data.nsfw'],
    },
    {
      name: 'a link post with text',
      content: post('Body'),
      options: { sr: 'postflow', url: 'https://e.x/article' },
      fields: ['text'],
    },
  ],
  publishCall: { method: 'POST', path: '/api/submit' },
  published: (fake) => fake.live().map((p) => ({ id: `t3_${p.id}`, text: p.selftext, media: 0 })),
  errors: {
    // Reddit refuses a submission inside a 200.
    validation: {
      status: 200,
      body: { json: { errors: [['NO_SELFS', "this subreddit doesn't allow text posts", 'sr']] } },
    },
    auth: { status: 401, body: { message: 'Unauthorized', error: 401 } },
    rateLimit: {
      status: 429,
      body: { message: 'Too Many Requests', error: 429 },
      // Seconds left in the window, not an epoch.
      headers: { 'x-ratelimit-used': '100', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '42' },
      expectedRetryAfterMs: 42_000,
    },
    server: { status: 500, body: { message: 'Internal Server Error', error: 500 } },
  },
  comments: {
    call: { method: 'POST', path: '/api/comment' },
    under: (fake, id) =>
      fake.comments.filter((c) => c.linkId === id).map((c) => ({ id: `t1_${c.id}`, text: c.body })),
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('reddit specifics', () => {
  let fake: RedditFake;
  beforeAll(async () => {
    fake = await new RedditFake().start();
  });
  afterAll(() => fake.stop());

  const adapter = (extra: Record<string, string> = {}) =>
    createRedditAdapter({ baseUrl: fake.url, env: { ...env, ...extra } });
  const account = () => ({ id: 'acc_r', platform: 'reddit', name: 'R', credentials: fake.credentials() });
  const failureOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    return (err as PublishError).failure;
  };

  test('a link post carries its URL and flags; every call names Postflow in its User-Agent', async () => {
    const options = {
      sr: 'test',
      url: 'https://e.x/article',
      nsfw: true,
      spoiler: true,
      flair_id: 'f1',
      flair_text: 'News',
    };
    const receipt = await runDelivery(
      adapter({ POSTFLOW_REDDIT_USER_AGENT: 'server:acme-postflow:1.0 (by /u/acme)' }),
      publishRequest(account(), post(''), options, []),
    );
    expect(fake.submissions.at(-1)).toMatchObject({
      kind: 'link',
      subreddit: 'test',
      url: 'https://e.x/article',
      nsfw: true,
      spoiler: true,
      flairId: 'f1',
      flairText: 'News',
    });
    expect(receipt.platformPostId).toBe(`t3_${fake.submissions.at(-1)!.id}`);
    expect(receipt.permalink).toMatch(/^https:\/\/www\.reddit\.com\/r\/test\/comments\//);
    expect(fake.userAgents.at(-1)).toBe('server:acme-postflow:1.0 (by /u/acme)');
  });

  test("Reddit's RATELIMIT inside a 200 is a rate limit with the wait it names", async () => {
    fake.inject(
      { method: 'POST', path: '/api/submit' },
      {
        status: 200,
        body: {
          json: {
            ratelimit: 297.4,
            errors: [['RATELIMIT', 'Take a break for 5 minutes before trying again.', 'ratelimit']],
          },
        },
      },
    );
    const failure = await failureOf(
      runDelivery(adapter(), publishRequest(account(), post('Soon'), { sr: 'test' }, [])),
    );
    expect(failure).toMatchObject({ category: 'rate_limit', retryable: true, retryAfterMs: 297_400 });
  });

  test('a subreddit that does not exist fails for good, naming it', async () => {
    const failure = await failureOf(
      runDelivery(adapter(), publishRequest(account(), post('Hi'), { sr: 'nowhere' }, [])),
    );
    expect(failure).toMatchObject({
      category: 'validation',
      code: 'platform.reddit.subreddit_not_found',
      retryable: false,
    });
  });

  test('without a username in the credentials, lookups ask Reddit who the account is', async () => {
    const acc = account();
    const req = publishRequest(acc, post('Found by me'), { sr: 'test' }, []);
    const receipt = await runDelivery(adapter(), req);
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);
    const made = await adapter().comment!(commentRequest(req, receipt, 'A comment'));
    expect((await adapter().findComment!(commentRequest(req, receipt, 'A comment')))?.commentId).toBe(
      made.commentId,
    );
    expect(fake.requests.filter((r) => r.path === '/api/v1/me').length).toBeGreaterThan(0);
  });
});

import type { PlatformAdapter } from '../../platforms/kit/adapter';
import { PublishError } from '../../platforms/kit/adapter';
import { createLinkedInAdapter, createLinkedInPageAdapter } from '../../platforms/linkedin/adapter';
import { fromLittleText, msUntilUtcMidnight, toLittleText } from '../../platforms/linkedin/api';
import { LinkedInFake, liError, liInputError } from '../../platforms/linkedin/fake';
import { adapterContract } from './adapter-contract';
import {
  commentRequest,
  FAKE_MP4,
  MediaHost,
  PNG_1X1,
  publishRequest,
  runDelivery,
  type TestMedia,
  testMediaFile,
} from './run-delivery';

const CLIENT = { id: 'li-client', secret: 'li-secret' };
/** The operator's OAuth client, as the registry passes the environment. */
const env = { POSTFLOW_LINKEDIN_CLIENT_ID: CLIENT.id, POSTFLOW_LINKEDIN_CLIENT_SECRET: CLIENT.secret };
const text = (t: string) => ({ text: t, media: [] });
const urlMedia = (n: number) => Array(n).fill({ source_type: 'url', source: 'https://e.x/a' });
const png: TestMedia = { contentType: 'image/png', bytes: PNG_1X1 };
const mp4: TestMedia = { contentType: 'video/mp4', bytes: FAKE_MP4 };

/** LinkedIn's documented answers, in its error shape. */
const errors = {
  validation: liInputError(
    'FIELD_LENGTH_TOO_LONG',
    'commentary is longer than 3000 characters',
    '/commentary',
  ),
  auth: liError(401, 'EXPIRED_ACCESS_TOKEN', 'The token used in the request has expired', 65602),
  rateLimit: {
    ...liError(
      429,
      'TOO_MANY_REQUESTS',
      'Resource level throttle APPLICATION DAY limit for calls to this resource is reached.',
      101,
    ),
    // No Retry-After: a DAY limit lasts until midnight UTC, whenever the assertion runs.
    get expectedRetryAfterMs() {
      return msUntilUtcMidnight();
    },
  },
  server: liError(500, 'INTERNAL_SERVER_ERROR', 'Internal Server Error', 0),
};

const sharedInvalid = [
  { name: 'text over 3,000 characters', content: text('x'.repeat(3001)), fields: ['text'] },
  { name: '21 media', content: { text: 'hi', media: urlMedia(21) }, fields: ['media_ids'] },
  {
    name: 'a video with an image',
    content: { text: 'hi', media: urlMedia(2) },
    media: [{ kind: 'video' as const }, { kind: 'image' as const }],
    fields: ['media'],
  },
  {
    name: 'a CTA without an article',
    content: text('hi'),
    options: { cta_label: 'LEARN_MORE' },
    fields: ['platform_data.cta_label'],
  },
  {
    name: 'an unknown CTA and a bad article URL',
    content: text('hi'),
    options: { cta_label: 'CLICK_ME', article_url: 'not a url' },
    fields: ['platform_data.cta_label', 'platform_data.article_url'],
  },
  {
    name: 'an article with two images',
    content: { text: 'hi', media: urlMedia(2) },
    options: { article_url: 'https://postflow.dev/blog' },
    fields: ['media'],
  },
  { name: 'no text, media or article', content: text(' '), fields: ['text'] },
];

adapterContract({
  platform: 'linkedin',
  startFake: () => new LinkedInFake(CLIENT).start(),
  adapter: (o) => createLinkedInAdapter({ ...o, env }),
  account: (fake) => ({
    id: 'acc_li',
    platform: 'linkedin',
    name: 'Member',
    credentials: fake.credentials(),
  }),
  post: {
    // Reserved little-text characters: unescaped, LinkedIn would cut the post at "(".
    content: { text: 'Launch day (beta) for Postflow_ & friends <3 #postflow', media: [] },
    options: { alt_texts: ['A pixel', 'Another pixel'], visibility: 'connections_only' },
    media: [png, png],
  },
  invalid: [
    ...sharedInvalid,
    {
      name: 'an unknown visibility',
      content: text('hi'),
      options: { visibility: 'everyone' },
      fields: ['platform_data.visibility'],
    },
  ],
  publishCall: { method: 'POST', path: '/rest/posts' },
  published: (fake) => fake.posts.map((p) => ({ id: p.id, text: p.text, media: p.media.length })),
  errors,
  comments: {
    call: { method: 'POST', path: /^\/rest\/socialActions\/[^/]+\/comments$/ },
    under: (fake, post) => fake.commentsUnder(post),
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

adapterContract({
  platform: 'linkedin_page',
  startFake: () => new LinkedInFake(CLIENT).start(),
  adapter: (o) => createLinkedInPageAdapter({ ...o, env }),
  account: (fake) => ({
    id: 'acc_lip',
    platform: 'linkedin_page',
    name: 'Page',
    credentials: fake.credentials('organization'),
  }),
  post: {
    content: { text: 'Our new video {part 1}', media: [] },
    options: { media_title: 'Part 1', disable_reshare: true },
    media: [mp4],
  },
  invalid: [
    ...sharedInvalid,
    {
      name: 'connections-only visibility on a page',
      content: { ...text('hi'), visibility: 'connections_only' },
      fields: ['visibility'],
    },
    {
      name: 'a connections visibility option on a page',
      content: text('hi'),
      options: { visibility: 'connections_only' },
      fields: ['platform_data.visibility'],
    },
  ],
  publishCall: { method: 'POST', path: '/rest/posts' },
  published: (fake) => fake.posts.map((p) => ({ id: p.id, text: p.text, media: p.media.length })),
  errors,
  comments: {
    call: { method: 'POST', path: /^\/rest\/socialActions\/[^/]+\/comments$/ },
    under: (fake, post) => fake.commentsUnder(post),
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('linkedin specifics', () => {
  let fake: LinkedInFake;
  let host: MediaHost;
  let member: PlatformAdapter;
  let page: PlatformAdapter;
  beforeAll(async () => {
    fake = await new LinkedInFake(CLIENT).start();
    host = await new MediaHost().start();
    member = createLinkedInAdapter({ baseUrl: fake.url, env });
    page = createLinkedInPageAdapter({ baseUrl: fake.url, env });
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });

  const memberAccount = () => ({
    id: 'acc_m',
    platform: 'linkedin',
    name: 'M',
    credentials: fake.credentials(),
  });
  const pageAccount = () => ({
    id: 'acc_p',
    platform: 'linkedin_page',
    name: 'P',
    credentials: fake.credentials('organization'),
  });
  const failureOf = async (promise: Promise<unknown>) => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(PublishError);
    return (err as PublishError).failure;
  };

  test('commentary is little text: reserved characters escaped, hashtags kept, text intact', async () => {
    const plain = 'Q&A (live) [today] at 5pm_UTC: @team <3 ~ *stars* | {x} \\ #AskUs #1 and C#';
    const receipt = await runDelivery(member, publishRequest(memberAccount(), text(plain), {}, []));
    const post = fake.posts.find((p) => p.id === receipt.platformPostId)!;
    expect(post.text).toBe(plain);
    expect(post.body.commentary).toBe(toLittleText(plain));
    expect(post.body.commentary).toContain('\\(live\\)');
    expect(post.body.commentary).toContain(' #AskUs ');
    expect(fromLittleText(post.commentary)).toBe(plain); // as the finder returns it (hashtag templates)
    expect(receipt.permalink).toBe(`https://www.linkedin.com/feed/update/${receipt.platformPostId}/`);
    expect(fake.headerFaults).toEqual([]);
  });

  test('maps visibility and options: member connections, a page article with thumbnail and CTA', async () => {
    const m = await runDelivery(
      member,
      publishRequest(
        memberAccount(),
        { ...text('For my network'), visibility: 'connections_only' },
        { disable_reshare: true },
        [],
      ),
    );
    expect(fake.posts.find((p) => p.id === m.platformPostId)).toMatchObject({
      visibility: 'CONNECTIONS',
      isReshareDisabledByAuthor: true,
      author: expect.stringMatching(/^urn:li:person:/),
    });

    const options = {
      article_url: 'https://postflow.dev/blog/launch',
      article_title: 'We launched',
      article_description: 'What is new',
      alt_text: 'Cover',
      cta_label: 'LEARN_MORE',
      visibility: 'logged_in',
    };
    const p = await runDelivery(
      page,
      publishRequest(pageAccount(), text('Read the post'), options, host.serve([png])),
    );
    const post = fake.posts.find((x) => x.id === p.platformPostId)!;
    expect(post.author).toMatch(/^urn:li:organization:/);
    expect(post.body).toMatchObject({
      visibility: 'LOGGED_IN',
      contentCallToActionLabel: 'LEARN_MORE',
      contentLandingPage: 'https://postflow.dev/blog/launch',
      content: {
        article: {
          source: 'https://postflow.dev/blog/launch',
          title: 'We launched',
          description: 'What is new',
          thumbnail: expect.stringMatching(/^urn:li:image:/),
          thumbnailAltText: 'Cover',
        },
      },
    });
  });

  test('a page refuses connections-only visibility before calling LinkedIn', async () => {
    const calls = fake.requests.length;
    const req = publishRequest(pageAccount(), { ...text('x'), visibility: 'connections_only' }, {}, []);
    const failure = await failureOf(page.publish(req, {}));
    expect(failure).toMatchObject({ category: 'validation', code: 'platform.linkedin_page.visibility' });
    expect(fake.requests.length).toBe(calls);
  });

  test('one image with alt text and title; several images become a multiImage post', async () => {
    const one = await runDelivery(
      member,
      publishRequest(
        memberAccount(),
        text('One'),
        { alt_text: 'Pixel', media_title: 'Tiny' },
        host.serve([png]),
      ),
    );
    expect(fake.posts.find((p) => p.id === one.platformPostId)!.content).toEqual({
      media: { id: expect.stringMatching(/^urn:li:image:/), altText: 'Pixel', title: 'Tiny' },
    });
    const three = await runDelivery(
      member,
      publishRequest(memberAccount(), text('Three'), {}, host.serve([png, png, png])),
    );
    expect(fake.posts.find((p) => p.id === three.platformPostId)!.content!.multiImage.images).toHaveLength(3);
  });

  test('after a call proven absent, uploaded media still AVAILABLE is reused; media LinkedIn lost is uploaded anew', async () => {
    const req = publishRequest(memberAccount(), text('Reuse'), {}, host.serve([png, png]));
    let step = await member.prepare!(req);
    while ('processing' in step) step = await member.checkPrepared!(req, step.processing);
    expect(await member.reusable!(req, step.ready)).toBe('reuse');
    // The same post twice: the second is LinkedIn's duplicate, which the engine looks up.
    await member.publish(req, step.ready);
    const again = await failureOf(member.publish(req, step.ready));
    expect(again.outcomeUnknown).toBe(true);

    const [first] = (step.ready.assets as Array<{ urn: string }>).map((a) => a.urn);
    fake.assets.delete(first!);
    expect(await member.reusable!(req, step.ready)).toBe('renew');
    expect(await member.reusable!(req, {})).toBe('renew');
  });

  test('a video is uploaded in parts, finalized, and polled as a durable wait with ids only', async () => {
    const bytes = Buffer.concat([FAKE_MP4, Buffer.alloc(40, 7)]); // 62 bytes: four parts of up to 16
    const file = testMediaFile({ contentType: 'video/mp4', bytes });
    const req = publishRequest(pageAccount(), text('Clip'), { media_title: 'Clip' }, [file]);
    const puts = () => fake.requests.filter((r) => r.method === 'PUT').length;
    const before = puts();
    const prepared = await page.prepare!(req);
    expect(puts() - before).toBe(4);
    expect(prepared).toEqual({
      processing: {
        assets: [{ urn: expect.stringMatching(/^urn:li:video:/), kind: 'video' }],
        waiting: [expect.stringMatching(/^urn:li:video:/)],
      },
      pollAfterMs: 10_000,
    });
    expect(JSON.stringify(prepared)).not.toMatch(/https?:|at_/); // no upload URLs, no tokens
    const receipt = await runDelivery(page, req);
    const post = fake.posts.find((p) => p.id === receipt.platformPostId)!;
    expect(post.content).toEqual({ media: { id: expect.stringMatching(/^urn:li:video:/), title: 'Clip' } });
    const video = fake.assets.get(post.media[0]!)!;
    expect(Buffer.concat([...video.parts.values()].map((p) => p.bytes!))).toEqual(bytes);
    // Each part of the posted video PUT once; the file read once per prepare (the test prepares twice).
    const parts = [...video.parts.values()];
    expect(parts.map((p) => [p.puts, p.bytesIn])).toEqual(parts.map((p) => [1, p.last - p.first + 1]));
    expect(file.usage).toEqual({ loads: 0, opens: 2, reads: 8, bytesRead: 2 * bytes.length });
  });

  test('a video LinkedIn cannot process fails the delivery for good', async () => {
    const req = publishRequest(pageAccount(), text('Broken'), {}, host.serve([mp4]));
    const prepared = await page.prepare!(req);
    const urn = (prepared as unknown as { processing: { waiting: string[] } }).processing.waiting[0]!;
    fake.assets.get(urn)!.status = 'PROCESSING_FAILED';
    const failure = await failureOf(
      page.checkPrepared!(req, (prepared as unknown as { processing: Record<string, never> }).processing),
    );
    expect(failure).toMatchObject({
      category: 'validation',
      code: 'platform.linkedin_page.media_failed',
      retryable: false,
    });
  });

  test('error table: revoked token, duplicate post, sunset version, rate limits', async () => {
    const publish = () =>
      runDelivery(member, publishRequest(memberAccount(), text(`t${Math.random()}`), {}, []));
    fake.inject(
      { method: 'POST', path: '/rest/posts' },
      liError(
        401,
        'REVOKED_ACCESS_TOKEN',
        'The token used in the request has been revoked by the user',
        65601,
      ),
    );
    const revoked = await failureOf(publish());
    expect(revoked).toMatchObject({ category: 'auth', code: 'platform.linkedin.revoked' });
    expect(revoked.refreshable).toBeUndefined(); // the member revoked the app: reconnect, no refresh

    const account = memberAccount();
    await runDelivery(member, publishRequest(account, text('Same words'), {}, []));
    const dup = await failureOf(runDelivery(member, publishRequest(account, text('Same words'), {}, [])));
    // A duplicate refusal may mean an earlier call of this delivery went through: reconcile decides.
    expect(dup).toMatchObject({
      category: 'validation',
      code: 'platform.linkedin.duplicate',
      outcomeUnknown: true,
    });
    expect(dup.message).toContain('duplicate of urn:li:share:');

    const sunset = createLinkedInAdapter({ baseUrl: fake.url, env: { POSTFLOW_LINKEDIN_VERSION: '1999' } });
    const version = await failureOf(runDelivery(sunset, publishRequest(memberAccount(), text('v'), {}, [])));
    expect(version).toMatchObject({
      category: 'system',
      code: 'platform.linkedin.version',
      retryable: false,
    });

    fake.inject(
      { method: 'POST', path: '/rest/posts' },
      { ...liError(429, 'TOO_MANY_REQUESTS', 'Too many requests', 101), headers: { 'retry-after': '7' } },
    );
    expect((await failureOf(publish())).retryAfterMs).toBe(7_000);
    fake.inject(
      { method: 'POST', path: '/rest/posts' },
      liError(429, 'TOO_MANY_REQUESTS', 'Request was throttled.', 101),
    );
    const burst = await failureOf(publish());
    expect(burst).toMatchObject({ category: 'rate_limit', retryable: true });
    expect(burst.retryAfterMs).toBeUndefined();
  });

  test('an expired token answers 401 and asks for a refresh', async () => {
    const account = memberAccount();
    fake.expire(account.credentials.access_token!);
    const failure = await failureOf(runDelivery(member, publishRequest(account, text('late'), {}, [])));
    expect(failure).toMatchObject({ category: 'auth', code: 'platform.linkedin.expired', refreshable: true });
  });

  test('a created post without x-restli-id leaves the outcome unknown', async () => {
    fake.inject({ method: 'POST', path: '/rest/posts' }, { status: 201 });
    const failure = await failureOf(
      runDelivery(member, publishRequest(memberAccount(), text('no id'), {}, [])),
    );
    expect(failure).toMatchObject({ outcomeUnknown: true, code: 'platform.linkedin.no_id' });
  });

  test('reconcile reads the author finder, newest first, and ignores posts from before the delivery', async () => {
    const account = memberAccount();
    const old = await runDelivery(member, publishRequest(account, text('Weekly note'), {}, []));
    fake.posts.find((p) => p.id === old.platformPostId)!.createdAt = Date.now() - 3_600_000;
    expect(await member.findExisting!(publishRequest(account, text('Weekly note'), {}, []))).toBeNull();
  });

  test('a post and its first comment behind full pages are found; past 200 posts unsearchable, never absent', async () => {
    const account = memberAccount();
    const author = account.credentials.person_urn!;
    const req = publishRequest(account, text('Behind the chatter'), {}, []);
    fake.inject({ method: 'POST', path: '/rest/posts' }, { kind: 'lose-answer' });
    expect(await failureOf(runDelivery(member, req))).toMatchObject({ outcomeUnknown: true });
    const post = fake.posts.at(-1)!;
    for (let i = 0; i < 50; i++) fake.postFromApp(author, `From the app ${i}`);
    const receipt = (await member.findExisting!(req))!;
    expect(receipt.platformPostId).toBe(post.id);

    const first = commentRequest(req, receipt, 'The first comment');
    const made = await member.comment!(first);
    for (let i = 0; i < 120; i++) fake.commentFromApp(post.id, `Congrats ${i}`);
    expect((await member.findComment!(first))?.commentId).toBe(made.commentId);

    for (let i = 0; i < 200; i++) fake.postFromApp(author, `More from the app ${i}`);
    expect(await failureOf(member.findExisting!(req))).toMatchObject({
      code: 'platform.linkedin.unsearchable',
      retryable: false,
    });
  });

  test('the refresh grant: form-encoded client credentials; pages fall back to the member client', async () => {
    const account = pageAccount();
    const fresh = await page.refresh!(account);
    expect(fake.lastGrant).toEqual({
      grant_type: 'refresh_token',
      refresh_token: account.credentials.refresh_token,
      client_id: CLIENT.id,
      client_secret: CLIENT.secret,
    });
    expect(fresh).toMatchObject({ access_token: expect.any(String), refresh_token: expect.any(String) });
    expect(Date.parse(fresh.expires_at!)).toBeGreaterThan(Date.now() + 59 * 86_400_000);

    const { refresh_token: _gone, ...noRefresh } = account.credentials;
    const failure = await failureOf(page.refresh!({ ...account, credentials: noRefresh }));
    expect(failure).toMatchObject({ category: 'auth', code: 'account.reconnection_required' });
  });

  test('an account without its author URN must be reconnected', async () => {
    const account = memberAccount();
    const { person_urn: _urn, ...credentials } = account.credentials;
    const failure = await failureOf(
      runDelivery(member, publishRequest({ ...account, credentials }, text('who'), {}, [])),
    );
    expect(failure).toMatchObject({
      category: 'auth',
      code: 'platform.linkedin.credentials',
      retryable: false,
    });
  });

  test('deleting a post LinkedIn no longer has is done', async () => {
    fake.inject({ method: 'DELETE', path: /^\/rest\/posts\// }, liError(404, 'NOT_FOUND', 'Not found'));
    const del = {
      account: memberAccount(),
      platformPostId: 'urn:li:share:1',
      signal: new AbortController().signal,
    };
    expect(await member.unpublish!(del)).toBe('deleted');
  });
});

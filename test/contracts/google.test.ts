import { createGoogleAdapter } from '../../platforms/google/business/adapter';
import { GoogleBusinessFake } from '../../platforms/google/business/fake';
import { googleError } from '../../platforms/google/fake-api';
import { adapterContract } from './adapter-contract';
import { MediaHost, PNG_1X1, publishRequest, runDelivery } from './run-delivery';

/** Business Profile photos weigh at least 10 KB: the 1×1 PNG, padded after its IEND chunk. */
const PHOTO = Buffer.concat([PNG_1X1, Buffer.alloc(11 * 1024)]);
const text = (t: string) => ({ text: t, media: [] });
const date = (day: number) => ({ year: 2030, month: 6, day });

const fakes: GoogleBusinessFake[] = [];
const envOf = (fake: GoogleBusinessFake) => ({
  POSTFLOW_GOOGLE_CLIENT_ID: fake.client.id,
  POSTFLOW_GOOGLE_CLIENT_SECRET: fake.client.secret,
  POSTFLOW_GOOGLE_TOKEN_URL: `${fake.url}/token`,
});
const account = (fake: GoogleBusinessFake) => ({
  id: 'acc_google',
  platform: 'google',
  name: 'Corner Bakery',
  credentials: fake.credentials(),
});

adapterContract({
  platform: 'google',
  startFake: async () => {
    const fake = await new GoogleBusinessFake().start();
    fakes.push(fake);
    return fake;
  },
  adapter: ({ baseUrl, timeoutMs }) => createGoogleAdapter({ baseUrl, timeoutMs, env: envOf(fakes[0]!) }),
  account,
  post: {
    content: {
      text: 'Fresh sourdough every morning & croissants <3',
      media: [{ source_type: 'url', source: 'https://bakery.example/loaf.png' }],
    },
    options: {
      topicType: 'STANDARD',
      languageCode: 'en-US',
      callToAction: { actionType: 'LEARN_MORE', url: 'https://bakery.example/menu' },
    },
    media: [{ contentType: 'image/png', bytes: PHOTO }],
  },
  invalid: [
    { name: 'summary over 1,500 characters', content: text('x'.repeat(1501)), fields: ['text'] },
    {
      name: 'two photos',
      content: { text: 'hi', media: Array(2).fill({ source_type: 'url', source: 'https://e.x/a.png' }) },
      fields: ['media_ids'],
    },
    {
      name: 'a video',
      content: { text: 'hi', media: [{ source_type: 'url', source: 'https://e.x/a.mp4' }] },
      media: [{ kind: 'video' }],
      fields: ['media[0]'],
    },
    {
      name: 'a GIF and a tiny photo',
      content: { text: 'hi', media: [{ source_type: 'url', source: 'https://e.x/a.gif' }] },
      media: [{ kind: 'image', contentType: 'image/gif', sizeBytes: 500 }],
      fields: ['media[0]', 'media[0]'],
    },
    {
      name: 'an unknown topic',
      content: text('hi'),
      options: { topicType: 'PRODUCT' },
      fields: ['platform_data.topicType'],
    },
    {
      name: 'an event without its event',
      content: text('hi'),
      options: { topicType: 'EVENT' },
      fields: ['platform_data.event'],
    },
    {
      name: 'an event ending before it starts, with no title',
      content: text('hi'),
      options: { topicType: 'EVENT', event: { schedule: { startDate: date(10), endDate: date(9) } } },
      fields: ['platform_data.event.title', 'platform_data.event.schedule.endDate'],
    },
    {
      name: 'an event on 31 June at 25 o’clock',
      content: text('hi'),
      options: {
        topicType: 'EVENT',
        event: {
          title: 'Tasting',
          schedule: {
            startDate: { year: 2030, month: 6, day: 31 },
            endDate: date(30),
            startTime: { hours: 25 },
          },
        },
      },
      fields: ['platform_data.event.schedule.startDate', 'platform_data.event.schedule.startTime'],
    },
    {
      name: 'an offer with a call to action and a bad redeem URL',
      content: text('hi'),
      options: {
        topicType: 'OFFER',
        event: { title: 'Two for one', schedule: { startDate: date(1), endDate: date(30) } },
        offer: { couponCode: 'BOGO', redeemOnlineUrl: 'bakery.example/redeem' },
        callToAction: { actionType: 'SHOP', url: 'https://bakery.example' },
      },
      fields: ['platform_data.offer.redeemOnlineUrl', 'platform_data.callToAction'],
    },
    {
      name: 'an alert without its type',
      content: text('Closed today'),
      options: { topicType: 'ALERT' },
      fields: ['platform_data.alertType'],
    },
    {
      name: 'offer fields on a standard post',
      content: text('hi'),
      options: { offer: { couponCode: 'X' }, alertType: 'COVID_19' },
      fields: ['platform_data.offer', 'platform_data.alertType'],
    },
    {
      name: 'a call to action without its URL',
      content: text('hi'),
      options: { callToAction: { actionType: 'SIGN_UP' } },
      fields: ['platform_data.callToAction.url'],
    },
    {
      name: 'a CALL with a URL, a bad language',
      content: text('hi'),
      options: { callToAction: { actionType: 'CALL', url: 'https://x.example' }, languageCode: 'english!' },
      fields: ['platform_data.callToAction.url', 'platform_data.languageCode'],
    },
    { name: 'nothing at all', content: text('  '), fields: ['text'] },
  ],
  publishCall: { method: 'POST', path: /\/localPosts$/ },
  published: (fake) => fake.posts.map((p) => ({ id: p.name, text: p.summary ?? '', media: p.photo ? 1 : 0 })),
  errors: {
    validation: googleError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.', {
      details: [
        {
          '@type': 'type.googleapis.com/google.mybusiness.v4.ValidationError',
          errorDetails: [{ code: 3, field: 'summary', message: 'Summary is too long' }],
        },
      ],
    }),
    auth: googleError(401, 'UNAUTHENTICATED', 'Request had invalid authentication credentials.'),
    rateLimit: {
      ...googleError(
        429,
        'RESOURCE_EXHAUSTED',
        "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service 'mybusiness.googleapis.com' for consumer 'project_number:1234'.",
        {
          details: [
            {
              '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
              reason: 'RATE_LIMIT_EXCEEDED',
              domain: 'googleapis.com',
              metadata: {
                service: 'mybusiness.googleapis.com',
                quota_limit: 'DefaultRequestsPerMinutePerProject',
              },
            },
          ],
        },
      ),
      expectedRetryAfterMs: 60_000,
    },
    server: googleError(500, 'INTERNAL', 'Internal error encountered.'),
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('google business profile', () => {
  let fake: GoogleBusinessFake;
  let host: MediaHost;
  beforeAll(async () => {
    fake = await new GoogleBusinessFake().start();
    host = await new MediaHost().start();
  });
  afterAll(async () => {
    await fake.stop();
    await host.stop();
  });
  const adapter = () => createGoogleAdapter({ baseUrl: fake.url, env: envOf(fake) });

  test('an event post carries its schedule, takes the post title, and has no photo to review', async () => {
    const schedule = { startDate: date(1), endDate: date(2), startTime: { hours: 9 } };
    const req = publishRequest(
      account(fake),
      { text: 'Summer tasting', title: 'Tasting night', media: [] },
      { topicType: 'EVENT', event: { schedule } },
      [],
    );
    const receipt = await runDelivery(adapter(), req);
    const post = fake.posts.at(-1)!;
    expect(post.name).toBe(receipt.platformPostId);
    expect(post.body).toMatchObject({
      topicType: 'EVENT',
      summary: 'Summer tasting',
      event: { title: 'Tasting night', schedule },
    });
    expect(post.body).not.toHaveProperty('languageCode');
    expect(receipt.permalink).toMatch(/^https:\/\/local\.google\.com\//);
  });

  test('a post with a photo is polled while Google reviews it, and the photo goes by URL', async () => {
    const req = publishRequest(
      account(fake),
      { text: 'Two for one', media: [] },
      {
        topicType: 'OFFER',
        event: { title: 'Bread week', schedule: { startDate: date(1), endDate: date(7) } },
        offer: {
          couponCode: 'BREAD2',
          redeemOnlineUrl: 'https://bakery.example/r',
          termsConditions: 'One per visit',
        },
      },
      host.serve([{ contentType: 'image/png', bytes: PHOTO }]),
    );
    const published = await adapter().publish(req, {});
    expect(published).toMatchObject({
      processing: { name: expect.stringMatching(/localPosts\//) },
      pollAfterMs: 5_000,
    });
    const state = (published as unknown as { processing: { name: string } }).processing;
    // The fake reviews a photo post for one poll, then it is LIVE with its searchUrl.
    await expect(adapter().checkPublished!(req, state)).resolves.toMatchObject({ processing: state });
    const receipt = await adapter().checkPublished!(req, state);
    expect(receipt).toMatchObject({
      platformPostId: fake.posts.at(-1)!.name,
      permalink: expect.stringMatching(/^https:/),
    });
    expect(fake.posts.at(-1)!.body).toMatchObject({
      offer: { couponCode: 'BREAD2' },
      media: [
        { mediaFormat: 'PHOTO', sourceUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/media\//) },
      ],
    });
  });

  test('a validation answer quotes the fields Google named', async () => {
    const req = publishRequest(account(fake), { text: 'x'.repeat(1600), media: [] }, {}, []);
    await expect(runDelivery(adapter(), req)).rejects.toMatchObject({
      failure: {
        category: 'validation',
        code: 'platform.google.invalid_argument',
        message: expect.stringContaining('summary: Summary is too long'),
      },
    });
  });

  test('a location the user does not manage is a permission failure, not a refresh', async () => {
    const other = {
      ...account(fake),
      credentials: { ...fake.credentials(), location_name: 'accounts/9/locations/9' },
    };
    const req = publishRequest(other, text('hi'), {}, []);
    await expect(runDelivery(adapter(), req)).rejects.toMatchObject({
      failure: { category: 'auth', code: 'platform.google.forbidden', retryable: false },
    });
  });

  test('an account without a location must be reconnected before anything is called', async () => {
    const calls = fake.requests.length;
    const { location_name: _dropped, ...credentials } = fake.credentials();
    const req = publishRequest({ ...account(fake), credentials }, text('hi'), {}, []);
    await expect(runDelivery(adapter(), req)).rejects.toMatchObject({
      failure: { category: 'validation', code: 'platform.google.location_name' },
    });
    expect(fake.requests.length).toBe(calls);
  });

  test('refresh sends the refresh grant with the client in the body, and keeps the refresh token', async () => {
    const acc = account(fake);
    const fresh = await adapter().refresh!(acc);
    expect(fake.tokenRequests.at(-1)).toEqual({
      grant_type: 'refresh_token',
      refresh_token: acc.credentials.refresh_token,
      client_id: fake.client.id,
      client_secret: fake.client.secret,
    });
    expect(fresh).not.toHaveProperty('refresh_token');
    expect(Date.parse(fresh.expires_at!)).toBeGreaterThan(Date.now() + 3_500_000);
    // Google does not rotate refresh tokens: the same one works again.
    await expect(adapter().refresh!(acc)).resolves.toHaveProperty('access_token');
  });

  test('a daily quota waits until midnight Pacific Time', async () => {
    fake.inject(
      { method: 'POST', path: /\/localPosts$/ },
      googleError(
        429,
        'RESOURCE_EXHAUSTED',
        "Quota exceeded for quota metric 'Requests' and limit 'Requests per day'.",
      ),
    );
    const failure = await runDelivery(adapter(), publishRequest(account(fake), text('hi'), {}, [])).catch(
      (e: { failure: { retryAfterMs: number } }) => e.failure,
    );
    expect(failure).toMatchObject({ category: 'rate_limit', retryable: true });
    expect((failure as { retryAfterMs: number }).retryAfterMs).toBeGreaterThan(60_000);
    expect((failure as { retryAfterMs: number }).retryAfterMs).toBeLessThanOrEqual(25 * 3_600_000);
  });
});

describe('google business lookups on a busy location', () => {
  test('a post behind full pages is found (any order); past 1,000 posts unsearchable, never absent', async () => {
    const fake = await new GoogleBusinessFake().start();
    try {
      const adapter = createGoogleAdapter({ baseUrl: fake.url, env: envOf(fake) });
      const req = publishRequest(account(fake), text('Behind the chatter'), {}, []);
      fake.inject({ method: 'POST', path: /\/localPosts$/ }, { kind: 'lose-answer' });
      await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      const post = fake.posts.at(-1)!;
      for (let i = 0; i < 350; i++) fake.postFromApp(`From the profile ${i}`);
      expect((await adapter.findExisting!(req))?.platformPostId).toBe(post.name);
      for (let i = 0; i < 700; i++) fake.postFromApp(`More from the profile ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.google.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

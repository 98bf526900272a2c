import { PublishError } from '../../platforms/kit/adapter';
import { PIECE_BYTES } from '../../platforms/kit/media-reader';
import { createPinterestAdapter } from '../../platforms/pinterest/adapter';
import type { MediaRef } from '../../api/types';
import { PinterestFake } from '../../platforms/pinterest/fake';
import { adapterContract } from './adapter-contract';
import { createHash, randomBytes } from 'node:crypto';
import {
  FAKE_MP4,
  MediaHost,
  PNG_1X1,
  publishRequest,
  runDelivery,
  testMediaFile,
  type TestMedia,
} from './run-delivery';

const env = { POSTFLOW_PINTEREST_CLIENT_ID: '1484362', POSTFLOW_PINTEREST_CLIENT_SECRET: 'app-secret-1' };
const BOARD = '1022106146619113835';
const url: MediaRef = { source_type: 'url', source: 'https://e.x/a.png' };
const one = (text: string, extra: object = {}) => ({ text, media: [url], ...extra });

adapterContract({
  platform: 'pinterest',
  startFake: () => new PinterestFake().start(),
  adapter: ({ baseUrl, timeoutMs }) => createPinterestAdapter({ baseUrl, timeoutMs, env }),
  account: (fake) => ({
    id: 'acc_pin',
    platform: 'pinterest',
    name: 'Pinterest',
    credentials: fake.credentials(),
  }),
  post: {
    content: { text: 'Autumn soup, five ingredients', title: 'Autumn soup', media: [url] },
    options: { board_id: BOARD, link: 'https://example.com/soup', alt_text: 'A bowl of soup' },
    media: [{ contentType: 'image/png', bytes: PNG_1X1 }],
  },
  invalid: [
    { name: 'a description over 800', content: one('x'.repeat(801)), fields: ['text'] },
    { name: 'a title over 100', content: one('hi', { title: 't'.repeat(101) }), fields: ['title'] },
    { name: 'no media', content: { text: 'hi', media: [] }, fields: ['media_ids'] },
    { name: 'two images', content: { text: 'hi', media: [url, url] }, fields: ['media_ids'] },
    { name: 'no board', content: one('hi'), options: {}, fields: ['platform_data.board_id'] },
    {
      name: 'board_id and its alias page_id',
      content: one('hi'),
      options: { board_id: BOARD, page_id: BOARD },
      fields: ['platform_data.page_id'],
    },
    {
      name: 'a link that is not http(s), too long alt text',
      content: one('hi'),
      options: { board_id: BOARD, link: 'ftp://x', alt_text: 'a'.repeat(501) },
      fields: ['platform_data.link', 'platform_data.alt_text'],
    },
    {
      name: 'a format Pinterest does not take',
      content: one('hi'),
      media: [{ kind: 'video', contentType: 'video/webm' }],
      fields: ['media[0]'],
    },
  ],
  publishCall: { method: 'POST', path: '/v5/pins' },
  published: (fake) => fake.pins.map((p) => ({ id: p.id, text: p.description, media: 1 })),
  errors: {
    validation: { status: 400, body: { code: 1, message: "Invalid request: 'media_source' is required." } },
    auth: { status: 401, body: { code: 2, message: 'Authentication failed.' } },
    rateLimit: {
      status: 429,
      body: { code: 8, message: 'You have exceeded your rate limit. Try again later.' },
      headers: { 'x-ratelimit-limit': '1000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': '42' },
      expectedRetryAfterMs: 42_000,
    },
    server: { status: 500, body: { code: 0, message: 'Something went wrong on our end.' } },
  },
  reconciles: true,
  refreshes: true,
  unpublishes: true,
});

describe('pinterest specifics', () => {
  let fake: PinterestFake;
  let host: MediaHost;
  const adapter = () => createPinterestAdapter({ baseUrl: fake.url, timeoutMs: 1_000, env });
  const account = () => ({ id: 'acc_p', platform: 'pinterest', name: 'P', credentials: fake.credentials() });
  const request = (options: Record<string, unknown>, media: TestMedia[], title?: string) =>
    publishRequest(
      account(),
      { text: 'Pin text', media: [url], ...(title ? { title } : {}) },
      options,
      host.serve(media),
    );
  const image = [{ contentType: 'image/png', bytes: PNG_1X1 }];
  const video = [{ contentType: 'video/mp4', bytes: FAKE_MP4 }];

  beforeEach(async () => {
    fake = await new PinterestFake().start();
    host = await new MediaHost().start();
  });
  afterEach(async () => {
    await fake.stop();
    await host.stop();
  });

  test('an image Pin is pulled from its URL with the options mapped', async () => {
    const receipt = await runDelivery(
      adapter(),
      request(
        { board_id: BOARD, description: 'Own description', link: 'https://example.com' },
        image,
        'A title',
      ),
    );
    const pin = fake.pins.at(-1)!;
    expect(pin).toMatchObject({
      title: 'A title',
      description: 'Own description',
      link: 'https://example.com',
    });
    expect(pin.mediaSource).toMatchObject({
      source_type: 'image_url',
      url: expect.stringMatching(/^http:\/\/127/),
    });
    expect(receipt.permalink).toBe(`https://www.pinterest.com/pin/${pin.id}/`);
  });

  test('a video is registered, uploaded with its signed fields, polled, then pinned with a cover', async () => {
    fake.processingPolls = 2;
    const req = request({ page_id: BOARD, cover_image_url: 'https://example.com/cover.jpg' }, video);
    const prepared = await adapter().prepare!(req);
    expect(prepared).toMatchObject({ processing: { media_id: expect.any(String) }, pollAfterMs: 3_000 });
    const receipt = await runDelivery(adapter(), req);
    const pin = fake.pins.at(-1)!;
    expect(pin).toMatchObject({ id: receipt.platformPostId, boardId: BOARD, mediaType: 'video' });
    expect(pin.mediaSource).toMatchObject({
      source_type: 'video_id',
      cover_image_url: 'https://example.com/cover.jpg',
    });
  });

  test('a video of several MB goes in one form POST, read from the file as it is sent, never loaded', async () => {
    const movie = randomBytes(2 * PIECE_BYTES + 4_321);
    const file = testMediaFile({ contentType: 'video/mp4', bytes: movie });
    const req = publishRequest(account(), { text: 'A long one', media: [file.ref] }, { board_id: BOARD }, [
      file,
    ]);
    const receipt = await runDelivery(adapter(), req);
    expect(fake.pins.at(-1)).toMatchObject({ id: receipt.platformPostId, mediaType: 'video' });
    expect(file.usage).toEqual({ loads: 0, opens: 1, reads: 3, bytesRead: movie.length });
    expect([...fake.uploads.values()].at(-1)).toMatchObject({
      posts: 1,
      bytes: movie.length,
      sha256: createHash('sha256').update(movie).digest('hex'),
    });
  });

  test('reconcile reads created_at as UTC and ignores older Pins with the same text', async () => {
    const req = request({ board_id: BOARD }, image);
    const receipt = await runDelivery(adapter(), req);
    expect((await adapter().findExisting!(req))?.platformPostId).toBe(receipt.platformPostId);
    fake.pins.at(-1)!.createdAt = new Date(Date.now() - 3_600_000).toISOString().slice(0, 19);
    expect(await adapter().findExisting!(req)).toBeNull();
  });

  test('an unknown board fails for good before anything is pinned', async () => {
    const err = await runDelivery(adapter(), request({ board_id: '999' }, image)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PublishError);
    expect((err as PublishError).failure).toMatchObject({
      category: 'validation',
      retryable: false,
      outcomeUnknown: false,
    });
    expect(fake.pins).toHaveLength(0);
  });

  test('a 429 with Retry-After waits what it says', async () => {
    fake.inject(
      { path: '/v5/pins' },
      { status: 429, body: { code: 8, message: 'Slow down' }, headers: { 'retry-after': '7' } },
    );
    const err = (await runDelivery(adapter(), request({ board_id: BOARD }, image)).catch(
      (e: unknown) => e,
    )) as PublishError;
    expect(err.failure).toMatchObject({ category: 'rate_limit', retryAfterMs: 7_000 });
  });

  test('the refresh grant authenticates the app with HTTP Basic; a wrong secret is refused', async () => {
    const acc = account();
    const fresh = await adapter().refresh!(acc);
    expect(fresh.access_token).toBeTruthy();
    const wrong = createPinterestAdapter({
      baseUrl: fake.url,
      env: { ...env, POSTFLOW_PINTEREST_CLIENT_SECRET: 'x' },
    });
    const err = (await wrong.refresh!({ ...acc, credentials: { ...acc.credentials, ...fresh } }).catch(
      (e: unknown) => e,
    )) as PublishError;
    expect(err.failure).toMatchObject({ category: 'auth', code: 'account.reconnection_required' });
  });
});

describe('pinterest lookups on a busy board', () => {
  test("a Pin behind a full page is found, whatever the board's order; past 2,500 Pins unsearchable, never absent", async () => {
    const fake = await new PinterestFake().start();
    const host = await new MediaHost().start();
    try {
      const adapter = createPinterestAdapter({ baseUrl: fake.url });
      const account = { id: 'acc_p', platform: 'pinterest', name: 'P', credentials: fake.credentials() };
      const req = publishRequest(
        account,
        { text: 'Behind the chatter', title: 'Busy', media: [url] },
        { board_id: BOARD },
        host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]),
      );
      fake.inject({ method: 'POST', path: '/v5/pins' }, { kind: 'lose-answer' });
      await expect(runDelivery(adapter, req)).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      const pin = fake.pins.at(-1)!;
      for (let i = 0; i < 300; i++) fake.pinFromApp(BOARD, `From the app ${i}`);
      // Moved to the top of the board by its owner: an old Pin says nothing about the ones after it.
      fake.pinFromApp(BOARD, 'An old favourite', new Date('2020-01-01T00:00:00Z'));
      expect((await adapter.findExisting!(req))?.platformPostId).toBe(pin.id);
      for (let i = 0; i < 2300; i++) fake.pinFromApp(BOARD, `More from the app ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.pinterest.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
      await host.stop();
    }
  });
});

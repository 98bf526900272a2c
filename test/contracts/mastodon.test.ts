import { createHash, randomBytes } from 'node:crypto';
import { PIECE_BYTES } from '../../platforms/kit/media-reader';
import { createMastodonAdapter } from '../../platforms/mastodon/adapter';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { adapterContract } from './adapter-contract';
import {
  commentRequest,
  FAKE_MP4,
  MediaHost,
  PNG_1X1,
  publishRequest,
  runDelivery,
  testMediaFile,
} from './run-delivery';

const text = (t: string) => ({ text: t, media: [] });
const image = { kind: 'image' as const };
const video = { kind: 'video' as const };

adapterContract({
  platform: 'mastodon',
  startFake: () => new MastodonFake().start(),
  adapter: ({ timeoutMs }) => createMastodonAdapter({ timeoutMs, outbound: REACH_LOOPBACK_FAKES }),
  account: (fake) => ({
    id: 'acc_mastodon',
    platform: 'mastodon',
    name: 'Mastodon',
    credentials: fake.credentials(),
  }),
  verify: {
    credentials: (fake) => fake.credentials(),
    wrong: (credentials) => ({ ...credentials, access_token: 'mst_revoked_token' }),
    profile: (fake) => ({ id: '1', username: `postflow@${new URL(fake.url).host}`, name: 'Postflow Test' }),
  },
  post: {
    content: { text: 'Hello from Postflow & friends <3', media: [] },
    options: { alt_texts: ['A single pixel', 'Another pixel'] },
    media: [
      { contentType: 'image/png', bytes: PNG_1X1 },
      { contentType: 'image/png', bytes: PNG_1X1 },
    ],
  },
  invalid: [
    { name: 'text over 500 characters', content: text('x'.repeat(501)), fields: ['text'] },
    {
      name: 'five media',
      content: { text: 'hi', media: Array(5).fill({ source_type: 'url', source: 'https://e.x/a.png' }) },
      fields: ['media_ids'],
    },
    {
      name: 'an unknown visibility',
      content: text('hi'),
      options: { visibility: 'everyone' },
      fields: ['platform_data.visibility'],
    },
    {
      name: 'a video with an image',
      content: { text: 'hi', media: Array(2).fill({ source_type: 'url', source: 'https://e.x/a' }) },
      media: [video, image],
      fields: ['media'],
    },
  ],
  publishCall: { method: 'POST', path: '/api/v1/statuses' },
  published: (fake) =>
    fake.statuses
      .filter((s) => !s.inReplyToId)
      .map((s) => ({ id: s.id, text: s.text, media: s.mediaIds.length })),
  errors: {
    validation: { status: 422, body: { error: "Validation failed: Text can't be blank" } },
    auth: { status: 401, body: { error: 'The access token is invalid' } },
    // A getter: the reset instant is computed when the fault is injected, not when the file loads.
    get rateLimit() {
      return {
        status: 429,
        body: { error: 'Too many requests' },
        headers: {
          'x-ratelimit-limit': '300',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': new Date(Date.now() + 30_000).toISOString(),
        },
        expectedRetryAfterMs: 30_000,
      };
    },
    server: { status: 500, body: { error: "We're sorry, but something went wrong on our end." } },
  },
  thread: {
    call: { method: 'POST', path: '/api/v1/statuses' },
    posts: (fake) => fake.statuses.map((s) => ({ id: s.id, text: s.text, replyTo: s.inReplyToId })),
  },
  comments: {
    call: { method: 'POST', path: '/api/v1/statuses' },
    under: (fake, id) =>
      fake.statuses.filter((s) => s.inReplyToId === id).map((s) => ({ id: s.id, text: s.text })),
  },
  reconciles: true,
  refreshes: false,
  unpublishes: true,
});

describe('mastodon video', () => {
  test('is uploaded, polled while the server processes it, then posted alone', async () => {
    const fake = await new MastodonFake().start();
    const host = await new MediaHost().start();
    try {
      const adapter = createMastodonAdapter({ outbound: REACH_LOOPBACK_FAKES });
      const account = { id: 'acc_m', platform: 'mastodon', name: 'M', credentials: fake.credentials() };
      const req = publishRequest(
        account,
        { text: 'A clip', media: [] },
        {},
        host.serve([{ contentType: 'video/mp4', bytes: FAKE_MP4 }]),
      );
      const prepared = await adapter.prepare!(req);
      expect(prepared).toMatchObject({ processing: { waiting: [expect.any(String)] }, pollAfterMs: 2_000 });
      const receipt = await runDelivery(adapter, req);
      expect(fake.statuses.at(-1)).toMatchObject({ id: receipt.platformPostId, text: 'A clip' });
      expect(fake.requests.filter((r) => r.path.startsWith('/api/v1/media/')).length).toBeGreaterThan(0);
    } finally {
      await fake.stop();
      await host.stop();
    }
  });
});

describe('mastodon media of several MB', () => {
  test('go in a streamed form with their description, read from the file, never loaded', async () => {
    const fake = await new MastodonFake().start();
    try {
      const adapter = createMastodonAdapter({ outbound: REACH_LOOPBACK_FAKES });
      const account = { id: 'acc_m', platform: 'mastodon', name: 'M', credentials: fake.credentials() };
      const movie = randomBytes(2 * PIECE_BYTES + 5);
      const file = testMediaFile({ contentType: 'video/mp4', bytes: movie });
      const req = publishRequest(account, { text: 'A long clip', media: [] }, { alt_text: 'A film' }, [file]);
      await runDelivery(adapter, req);
      expect(file.usage).toEqual({ loads: 0, opens: 1, reads: 3, bytesRead: movie.length });
      expect([...fake.media.values()].at(-1)).toMatchObject({
        contentType: 'video/mp4',
        bytes: movie.length,
        sha256: createHash('sha256').update(movie).digest('hex'),
        description: 'A film',
      });
    } finally {
      await fake.stop();
    }
  });
});

describe('mastodon first comment', () => {
  test("replies with the post's visibility, and a repeat with the same ref makes no second reply", async () => {
    const fake = await new MastodonFake().start();
    try {
      const adapter = createMastodonAdapter({ outbound: REACH_LOOPBACK_FAKES });
      const account = { id: 'acc_m', platform: 'mastodon', name: 'M', credentials: fake.credentials() };
      const req = publishRequest(
        account,
        { text: 'For followers', media: [], visibility: 'private' },
        {},
        [],
      );
      const receipt = await runDelivery(adapter, req);
      const first = commentRequest(req, receipt, 'A first comment');
      const made = await adapter.comment!(first);
      expect(await adapter.comment!(first)).toEqual(made);
      expect(fake.statuses.filter((s) => s.inReplyToId === receipt.platformPostId)).toEqual([
        expect.objectContaining({ id: made.commentId, visibility: 'private' }),
      ]);
      expect(made.permalink).toBe(`${fake.url}/@postflow/${made.commentId}`);
    } finally {
      await fake.stop();
    }
  });
});

describe('mastodon lookups on a busy account', () => {
  test('page back by the Link header: a post and its comment behind full pages are found; past 400 statuses unsearchable, never absent', async () => {
    const fake = await new MastodonFake().start();
    try {
      const adapter = createMastodonAdapter({ outbound: REACH_LOOPBACK_FAKES });
      const account = { id: 'acc_m', platform: 'mastodon', name: 'M', credentials: fake.credentials() };
      const req = publishRequest(account, text('Behind the chatter'), {}, []);
      fake.inject({ method: 'POST', path: '/api/v1/statuses' }, { kind: 'lose-answer' });
      await expect(adapter.publish(req, {})).rejects.toMatchObject({ failure: { outcomeUnknown: true } });
      const post = fake.statuses.at(-1)!;
      for (let i = 0; i < 100; i++) fake.chatter(`chatter ${i}`);
      const receipt = (await adapter.findExisting!(req))!;
      expect(receipt.platformPostId).toBe(post.id);

      const first = commentRequest(req, receipt, 'The first comment');
      const made = await adapter.comment!(first);
      for (let i = 0; i < 100; i++) fake.chatter(`reply ${i}`, i % 2 ? post.id : undefined);
      expect((await adapter.findComment!(first))?.commentId).toBe(made.commentId);

      for (let i = 0; i < 300; i++) fake.chatter(`more chatter ${i}`);
      await expect(adapter.findExisting!(req)).rejects.toMatchObject({
        failure: { code: 'platform.mastodon.unsearchable', retryable: false },
      });
    } finally {
      await fake.stop();
    }
  });
});

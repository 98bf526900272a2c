import type { PlatformAdapter } from '../../platforms/kit/adapter';
import type { InstagramFake } from '../../platforms/meta/instagram/fake';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { adapterContract } from './adapter-contract';
import { containerReconcileSuite } from './container-reconcile';
import { FAKE_MP4, PNG_1X1, type TestMedia } from './run-delivery';

/**
 * The shared contract subjects of Instagram's two flows (`instagram`, Instagram Login;
 * `instagram_business`, Facebook Login): one adapter and one fake, so one set of posts, invalid
 * posts and Graph errors; what differs is the slug, the fake and whether tokens refresh.
 */
export const urls = (n: number) => Array(n).fill({ source_type: 'url', source: 'https://e.x/a.png' });
export const png: TestMedia = { contentType: 'image/png', bytes: PNG_1X1 };
export const mp4: TestMedia = { contentType: 'video/mp4', bytes: FAKE_MP4 };

interface InstagramFlowSubject<F extends InstagramFake> {
  platform: string;
  startFake(): Promise<F>;
  adapter(options: { baseUrl: string; timeoutMs?: number }): PlatformAdapter;
  refreshes: boolean;
}

/** The shared adapter contract and container-reconcile suite, for one Instagram flow. */
export function instagramContract<F extends InstagramFake>(flow: InstagramFlowSubject<F>): void {
  const { platform, startFake, adapter } = flow;
  const account = (fake: F) => ({
    id: 'acc_ig',
    platform,
    name: 'Instagram',
    credentials: fake.credentials(),
  });
  adapterContract({
    platform,
    startFake,
    adapter,
    account,
    post: {
      content: { text: 'Hello from Postflow #carousel', media: urls(2) },
      options: { content_type: 'carousel', alt_text: 'A single pixel' },
      media: [png, mp4],
    },
    invalid: [
      { name: 'no media', content: { text: 'hi', media: [] }, fields: ['media_ids'] },
      {
        name: 'no content_type',
        content: { text: 'hi', media: urls(1) },
        options: {},
        fields: ['platform_data.content_type'],
      },
      {
        name: 'a caption over 2200 characters',
        content: { text: 'x'.repeat(2201), media: urls(1) },
        options: { content_type: 'feed' },
        fields: ['text'],
      },
      { name: 'eleven items', content: { text: 'hi', media: urls(11) }, fields: ['media_ids'] },
      {
        name: 'a carousel of one',
        content: { text: 'hi', media: urls(1) },
        options: { content_type: 'carousel' },
        fields: ['media_ids'],
      },
      {
        name: 'a reel of an image, with a bad cover',
        content: { text: 'hi', media: urls(1) },
        options: { content_type: 'reel', cover_url: 'cover.png' },
        media: [{ kind: 'image' }],
        fields: ['media[0]', 'platform_data.cover_url'],
      },
      {
        name: 'four collaborators on a feed post',
        content: { text: 'hi', media: urls(1) },
        options: { content_type: 'feed', collaborators: 'a,b,c,d', share_to_feed: true },
        fields: ['platform_data.collaborators', 'platform_data.share_to_feed'],
      },
    ],
    publishCall: { method: 'POST', path: /\/media_publish$/ },
    published: (fake) => fake.published.map((m) => ({ id: m.id, text: m.caption, media: m.items })),
    errors: {
      validation: MetaGraphFake.error(400, 9004, 'The image format is not supported.', { subcode: 2207005 }),
      auth: MetaGraphFake.error(400, 190, 'Error validating access token: Session has expired.', {
        subcode: 463,
      }),
      rateLimit: {
        ...MetaGraphFake.error(400, 4, 'Application request limit reached', {
          transient: true,
          headers: {
            'x-business-use-case-usage': JSON.stringify({
              '17841400000000001': [
                {
                  type: 'instagram',
                  call_count: 100,
                  total_cputime: 12,
                  total_time: 14,
                  estimated_time_to_regain_access: 7,
                },
              ],
            }),
          },
        }),
        expectedRetryAfterMs: 7 * 60_000,
      },
      server: MetaGraphFake.error(500, 2, 'Service temporarily unavailable', { transient: true }),
    },
    comments: {
      call: { method: 'POST', path: /^\/v25\.0\/\d+\/comments$/ },
      under: (fake, id) => fake.comments.under(id),
    },
    reconciles: true,
    refreshes: flow.refreshes,
    unpublishes: false,
  });

  containerReconcileSuite({
    platform,
    startFake,
    adapter,
    account,
    post: {
      content: { text: 'A carousel from Postflow', media: urls(2) },
      options: { content_type: 'carousel' },
      media: [png, mp4],
    },
    publishCall: { method: 'POST', path: /\/media_publish$/ },
    listCall: /\/(media|stories)$/,
    statusField: 'status_code',
    published: (fake) => fake.published.map((m) => ({ id: m.id, text: m.caption })),
    postFromApp: (fake, caption) => fake.postFromApp('IMAGE', caption),
  });
}

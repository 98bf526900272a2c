import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FakePlatform } from '../../platforms/kit/fake-platform';
import { BlueskyFake } from '../../platforms/bluesky/fake';
import { DevtoFake } from '../../platforms/devto/fake';
import { DiscordFake } from '../../platforms/discord/fake';
import { FacebookFake } from '../../platforms/meta/facebook/fake';
import { GhostFake } from '../../platforms/ghost/fake';
import { FarcasterFake } from '../../platforms/farcaster/fake';
import { GoogleBusinessFake } from '../../platforms/google/business/fake';
import { HashnodeFake } from '../../platforms/hashnode/fake';
import { InstagramFake } from '../../platforms/meta/instagram/fake';
import { LemmyFake } from '../../platforms/lemmy/fake';
import { LinkedInFake } from '../../platforms/linkedin/fake';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { MatrixFake } from '../../platforms/matrix/fake';
import { PinterestFake } from '../../platforms/pinterest/fake';
import { RedditFake } from '../../platforms/reddit/fake';
import { SlackFake } from '../../platforms/slack/fake';
import { TelegramFake } from '../../platforms/telegram/fake';
import { ThreadsFake } from '../../platforms/meta/threads/fake';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { TumblrFake } from '../../platforms/tumblr/fake';
import { TwitterFake } from '../../platforms/twitter/fake';
import { WordpressFake } from '../../platforms/wordpress/fake';
import { VkFake } from '../../platforms/vk/fake';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import { FAKE_MP4, PNG_1X1 } from '../contracts/run-delivery';
import { Stack } from '../helpers/stack';
import { scheduledActivities } from '../helpers/history';

/**
 * One post to one account of every platform at once, through the real stack (Temporal dev
 * server, `postflow worker`, `postflow api`), each platform played by its fake over HTTP.
 */
interface PlatformCase {
  platform: string;
  fake: FakePlatform;
  /** The account's credentials, as a user would give them to POST /v1/accounts. */
  credentials(): Record<string, string>;
  /** The target of the shared post: its options and the media it takes. */
  target(media: { image: string; photo: string; video: string }): Record<string, unknown>;
  /** The target of a video post, where the platform takes video. */
  video?(media: { video: string }): Record<string, unknown>;
  /** What the fake published: ids and texts. */
  published(): Array<{ id: string; text: string }>;
}

const board = '1022106146619113835';
/** Google Business Profile takes photos of 10 KB and more. */
const PHOTO = Buffer.concat([PNG_1X1, Buffer.alloc(11 * 1024)]);

function platform<F extends FakePlatform>(
  name: string,
  fake: F,
  credentials: (fake: F) => Record<string, string>,
  target: PlatformCase['target'],
  published: (fake: F) => Array<{ id: string; text: string }>,
  video?: PlatformCase['video'],
): PlatformCase {
  return {
    platform: name,
    fake,
    credentials: () => credentials(fake),
    target,
    published: () => published(fake),
    ...(video ? { video } : {}),
  };
}

/** A video target with these options (and whatever else the platform needs). */
const videoWith =
  (extra: Record<string, unknown> = {}) =>
  ({ video }: { video: string }) => ({ media_ids: [video], ...extra });

const cases: PlatformCase[] = [
  platform(
    'bluesky',
    new BlueskyFake(),
    (f) => f.appPasswordCredentials(),
    ({ image }) => ({ media_ids: [image], platform_data: { alt_text: 'A pixel' } }),
    (f) => f.posts.map((p) => ({ id: p.uri, text: String(p.record.text) })),
    videoWith(),
  ),
  platform(
    'devto',
    new DevtoFake(),
    (f) => f.credentials(),
    // An article: a title, the text as its markdown body, the image as its cover (by URL).
    ({ image }) => ({
      media_ids: [image],
      title: 'Postflow, everywhere',
      platform_data: { tags: ['postflow'] },
    }),
    (f) => f.live().map((a) => ({ id: String(a.id), text: a.bodyMarkdown })),
  ),
  platform(
    'discord',
    new DiscordFake(),
    (f) => f.credentials(),
    ({ image }) => ({ media_ids: [image], platform_data: { alt_text: 'A pixel' } }),
    (f) => f.messages.map((m) => ({ id: m.id, text: m.content })),
    videoWith(),
  ),
  platform(
    'facebook',
    new FacebookFake(),
    (f) => f.credentials(),
    ({ image }) => ({ media_ids: [image] }),
    (f) => f.published.map((p) => ({ id: p.id, text: p.message })),
    videoWith(),
  ),
  platform(
    'ghost',
    new GhostFake(),
    (f) => f.credentials(),
    // A post: a title, the text as its HTML, the image uploaded as its feature image.
    ({ image }) => ({
      media_ids: [image],
      title: 'Postflow, everywhere',
      platform_data: { tags: ['Postflow'] },
    }),
    (f) => f.live().map((p) => ({ id: p.id, text: p.html })),
  ),
  platform(
    'farcaster',
    new FarcasterFake(),
    (f) => f.credentials(),
    // A cast: the image as an embed by its signed Postflow URL, in a channel.
    ({ image }) => ({ media_ids: [image], platform_data: { channel_id: 'postflow' } }),
    (f) => f.posts().map((c) => ({ id: c.hash, text: c.text })),
    videoWith(),
  ),
  platform(
    'google',
    new GoogleBusinessFake(),
    (f) => f.credentials(),
    ({ photo }) => ({ media_ids: [photo], platform_data: { topicType: 'STANDARD' } }),
    (f) => f.posts.map((p) => ({ id: p.name, text: p.summary ?? '' })),
  ),
  platform(
    'hashnode',
    new HashnodeFake(),
    (f) => f.credentials(),
    ({ image }) => ({
      media_ids: [image],
      title: 'Postflow, everywhere',
      platform_data: { tags: ['postflow'] },
    }),
    (f) => f.live().map((p) => ({ id: p.id, text: p.markdown })),
  ),
  platform(
    'instagram',
    new InstagramFake(),
    (f) => f.credentials(),
    ({ image }) => ({ media_ids: [image], platform_data: { content_type: 'feed' } }),
    (f) => f.published.map((m) => ({ id: m.id, text: m.caption })),
    videoWith({ platform_data: { content_type: 'reel' } }),
  ),
  platform(
    'lemmy',
    new LemmyFake(),
    // Connected with its password: the first delivery logs in (a refresh), then posts.
    (f) => f.credentials(),
    // A post in a community: a title, the text as its body, the image uploaded to pict-rs as its URL.
    ({ image }) => ({
      media_ids: [image],
      title: 'Postflow, everywhere',
      platform_data: { community_id: 2, alt_text: 'A pixel' },
    }),
    (f) => f.live().map((p) => ({ id: String(p.id), text: p.body ?? '' })),
  ),
  platform(
    'linkedin',
    new LinkedInFake(),
    (f) => f.credentials('person'),
    ({ image }) => ({ media_ids: [image] }),
    (f) => f.posts.map((p) => ({ id: p.id, text: p.text })),
    videoWith(),
  ),
  platform(
    'linkedin_page',
    new LinkedInFake(),
    (f) => f.credentials('organization'),
    () => ({}),
    (f) => f.posts.map((p) => ({ id: p.id, text: p.text })),
  ),
  platform(
    'mastodon',
    new MastodonFake(),
    (f) => f.credentials(),
    ({ image }) => ({ media_ids: [image], platform_data: { alt_text: 'A pixel' } }),
    (f) => f.statuses.map((s) => ({ id: s.id, text: s.text })),
    videoWith(),
  ),
  platform(
    'matrix',
    new MatrixFake(),
    (f) => f.credentials('alias'),
    // The image as an m.image event, then the text as HTML too.
    ({ image }) => ({
      media_ids: [image],
      platform_data: { formatted_body: '<b>Postflow</b>, everywhere at once' },
    }),
    (f) => f.posts().map((p) => ({ id: p.id, text: p.text })),
    videoWith(),
  ),
  platform(
    'pinterest',
    new PinterestFake(),
    (f) => f.credentials(),
    ({ image }) => ({ media_ids: [image], board_id: board, title: 'Everywhere' }),
    (f) => f.pins.map((p) => ({ id: p.id, text: p.description })),
    videoWith({ board_id: board, title: 'Everywhere' }),
  ),
  platform(
    'reddit',
    new RedditFake(),
    (f) => f.credentials(),
    // A self post: a title and the text, in a subreddit (Reddit takes no media through Postflow).
    () => ({ title: 'Postflow, everywhere', platform_data: { sr: 'postflow' } }),
    (f) => f.live().map((p) => ({ id: `t3_${p.id}`, text: p.selftext })),
  ),
  platform(
    'slack',
    new SlackFake(),
    (f) => f.credentials(),
    ({ image }) => ({ media_ids: [image] }),
    (f) => f.posts.map((p) => ({ id: p.id, text: p.text })),
    videoWith(),
  ),
  platform(
    'telegram',
    new TelegramFake(),
    (f) => f.credentials(),
    ({ image }) => ({ media_ids: [image] }),
    (f) => f.posts.map((p) => ({ id: p.id, text: p.text })),
    videoWith(),
  ),
  platform(
    'threads',
    new ThreadsFake(),
    (f) => f.credentials(),
    ({ image }) => ({ media_ids: [image] }),
    (f) => f.published.map((p) => ({ id: p.id, text: p.text })),
    videoWith(),
  ),
  platform(
    'tiktok',
    new TikTokFake(),
    (f) => f.credentials(),
    ({ video }) => ({ media_ids: [video], platform_data: { privacy_level: 'PUBLIC_TO_EVERYONE' } }),
    (f) => f.posts.filter((p) => !p.failReason).map((p) => ({ id: p.id, text: p.text })),
    videoWith({ platform_data: { privacy_level: 'PUBLIC_TO_EVERYONE' } }),
  ),
  platform(
    'tumblr',
    new TumblrFake(),
    (f) => f.credentials(),
    // An NPF post: the text as text blocks, the image uploaded with it (multipart), tags.
    ({ image }) => ({
      media_ids: [image],
      platform_data: { tags: ['postflow'], alt_text: 'A pixel' },
    }),
    (f) =>
      f.live().map((p) => ({
        id: p.id,
        text: p.content
          .filter((b) => b.type === 'text')
          .map((b) => String(b.text))
          .join('\n'),
      })),
  ),
  platform(
    'twitter',
    new TwitterFake(),
    (f) => f.credentials(),
    ({ image }) => ({ media_ids: [image] }),
    (f) => f.posts.map((p) => ({ id: p.id, text: p.text })),
    videoWith(),
  ),
  platform(
    'wordpress',
    new WordpressFake(),
    (f) => f.credentials(),
    // A post: a title, the text as its content, the image uploaded as its featured image.
    ({ image }) => ({
      media_ids: [image],
      title: 'Postflow, everywhere',
      platform_data: { alt_text: 'A pixel' },
    }),
    (f) => f.live().map((p) => ({ id: String(p.id), text: p.content })),
  ),
  platform(
    'vk',
    new VkFake(),
    (f) => f.credentials(),
    // A community wall post: the image through the wall's photo server, as the community.
    ({ image }) => ({ media_ids: [image], platform_data: { signed: false } }),
    (f) => f.posts.map((p) => ({ id: `${p.ownerId}_${p.id}`, text: p.text })),
  ),
  platform(
    'youtube',
    new YoutubeFake(),
    (f) => f.credentials(),
    ({ video }) => ({ media_ids: [video], title: 'Postflow, everywhere' }),
    (f) => f.videos.map((v) => ({ id: v.id, text: v.description })),
    videoWith({ title: 'Postflow, everywhere' }),
  ),
];

let stack: Stack;

beforeAll(async () => {
  await Promise.all(cases.map((c) => c.fake.start()));
  const env = Object.fromEntries(
    cases.flatMap((c) => [
      [`POSTFLOW_${c.platform.toUpperCase()}_API_URL`, c.fake.url],
      [`POSTFLOW_${c.platform.toUpperCase()}_CLIENT_ID`, 'client-1'],
      [`POSTFLOW_${c.platform.toUpperCase()}_CLIENT_SECRET`, 'secret-1'],
    ]),
  );
  stack = await new Stack({ ...env, POSTFLOW_ALLOW_PRIVATE_URLS: 'true' }).start();
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all(cases.map((c) => c.fake.stop()));
});

async function upload(bytes: Buffer, contentType: string, filename: string): Promise<string> {
  const form = new FormData();
  form.set('file', new Blob([bytes], { type: contentType }), filename);
  const response = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}` },
    body: form,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { media_id: string }).media_id;
}

test('one post reaches an account of every platform once, each with its platform post id', async () => {
  const media = {
    image: await upload(PNG_1X1, 'image/png', 'pixel.png'),
    photo: await upload(PHOTO, 'image/png', 'photo.png'),
    video: await upload(FAKE_MP4, 'video/mp4', 'clip.mp4'),
  };
  const targets = [];
  for (const c of cases) {
    const account = await stack.request('POST', '/v1/accounts', {
      platform: c.platform,
      name: `${c.platform} account`,
      credentials: c.credentials(),
    });
    expect(account.status).toBe(201);
    targets.push({ account_id: account.body.id, ...c.target(media) });
  }

  const created = await stack.request('POST', '/v1/posts', {
    text: 'Postflow, everywhere at once',
    targets,
    publish_now: true,
  });
  expect([200, 201, 202]).toContain(created.status);
  const post = await stack.waitForPost(
    created.body.id,
    (p) => !['scheduled', 'publishing'].includes(p.status),
  );

  expect(post.targets.map((t: any) => [t.platform, t.status, t.error?.message ?? null])).toEqual(
    cases.map((c) => [c.platform, 'published', null]),
  );
  for (const [i, c] of cases.entries()) {
    const ledger = c.published();
    expect(ledger).toHaveLength(1);
    expect(post.targets[i].platform_post_id).toBe(ledger[0]!.id);
    expect(ledger[0]!.text).toContain('Postflow, everywhere at once');
    expect(post.targets[i].permalink).toMatch(/^https?:\/\//);
  }
});

test('a text post skips the prepare step where it would do nothing, and still publishes once', async () => {
  const accounts = (await stack.request('GET', '/v1/accounts')).body.data as Array<{
    id: string;
    platform: string;
  }>;
  // Platforms whose prepare only uploads media (Telegram has none), plus one that always prepares (containers).
  const textOnly = cases.filter((c) =>
    ['mastodon', 'twitter', 'facebook', 'telegram', 'threads'].includes(c.platform),
  );
  const before = new Map(textOnly.map((c) => [c.platform, c.published().length]));
  const created = await stack.request('POST', '/v1/posts', {
    text: 'Postflow, just words',
    targets: textOnly.map((c) => ({ account_id: accounts.find((a) => a.platform === c.platform)!.id })),
    publish_now: true,
  });
  expect([200, 201, 202]).toContain(created.status);
  const post = await stack.waitForPost(
    created.body.id,
    (p) => !['scheduled', 'publishing'].includes(p.status),
  );
  expect(post.targets.map((t: any) => [t.platform, t.status])).toEqual(
    textOnly.map((c) => [c.platform, 'published']),
  );
  for (const c of textOnly) expect(c.published().length - before.get(c.platform)!).toBe(1);

  const activities = await scheduledActivities(stack.client, created.body.id);
  expect(activities.filter((a) => a === 'publishTarget')).toHaveLength(textOnly.length);
  // Only Threads, whose text posts are containers too, ran a prepare step.
  expect(activities.filter((a) => a === 'prepareTarget')).toHaveLength(1);
});

test('a video post reaches every platform that takes video once, through its upload and processing flow', async () => {
  const video = await upload(FAKE_MP4, 'video/mp4', 'clip.mp4');
  const accounts = (await stack.request('GET', '/v1/accounts')).body.data as Array<{
    id: string;
    platform: string;
  }>;
  const withVideo = cases.filter((c) => c.video);
  const before = new Map(withVideo.map((c) => [c.platform, c.published().length]));
  const created = await stack.request('POST', '/v1/posts', {
    text: 'Postflow, in motion',
    targets: withVideo.map((c) => ({
      account_id: accounts.find((a) => a.platform === c.platform)!.id,
      ...c.video!({ video }),
    })),
    publish_now: true,
  });
  expect([200, 201, 202]).toContain(created.status);
  const post = await stack.waitForPost(
    created.body.id,
    (p) => !['scheduled', 'publishing'].includes(p.status),
  );
  expect(post.targets.map((t: any) => [t.platform, t.status, t.error?.message ?? null])).toEqual(
    withVideo.map((c) => [c.platform, 'published', null]),
  );
  for (const [i, c] of withVideo.entries()) {
    const ledger = c.published();
    expect([c.platform, ledger.length]).toEqual([c.platform, before.get(c.platform)! + 1]);
    expect(post.targets[i].platform_post_id).toBe(ledger.at(-1)!.id);
  }
}, 300_000); // platforms poll processing videos on durable timers (Instagram, Threads: 30 s)

test('a Mastodon instance that redirects the publish to an internal address fails the target, and GET /v1/posts quotes nothing of it', async () => {
  let reached = false;
  const internal = createServer((_req, res) => {
    reached = true;
    res.end('INTERNAL-ONLY: db_password=hunter2');
  });
  await new Promise<void>((resolve) => internal.listen(0, '127.0.0.1', resolve));
  const internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/admin`;
  try {
    const mastodon = cases.find((c) => c.platform === 'mastodon')!;
    const account = await stack.request('POST', '/v1/accounts', {
      platform: 'mastodon',
      name: 'redirecting instance',
      credentials: mastodon.credentials(),
    });
    expect(account.status).toBe(201);
    // Private URLs are allowed in this stack (the fakes are on loopback): redirects stay refused.
    mastodon.fake.inject(
      { method: 'POST', path: '/api/v1/statuses' },
      { status: 307, headers: { location: internalUrl }, body: 'see the INTERNAL admin' },
    );
    const before = mastodon.published().length;
    const created = await stack.request('POST', '/v1/posts', {
      text: 'Postflow, redirected',
      targets: [{ account_id: account.body.id }],
      publish_now: true,
    });
    // publish_now waits for the outcome: every target failed.
    expect([created.status, created.body.error?.code]).toEqual([422, 'publishing.delivery.all_failed']);
    const post = await stack.waitForPost(created.body.error.meta.post.id);
    expect(post.targets[0]).toMatchObject({
      status: 'failed',
      error: { code: 'platform.mastodon.redirect_refused' },
    });
    const listed = await stack.request('GET', '/v1/posts');
    for (const shown of [JSON.stringify(created.body), JSON.stringify(post), JSON.stringify(listed.body)]) {
      expect(shown).not.toContain('INTERNAL');
      expect(shown).not.toContain(internalUrl);
    }
    expect(reached).toBe(false);
    expect(mastodon.published().length).toBe(before);
  } finally {
    internal.close();
  }
});

test('a Discord account whose webhook_url is not a Discord webhook URL is refused, naming the field', async () => {
  const refused = await stack.request('POST', '/v1/accounts', {
    platform: 'discord',
    name: 'not a webhook',
    credentials: { webhook_url: 'https://example.com/api/webhooks/1/token' },
  });
  expect(refused.status).toBe(400);
  expect(JSON.stringify(refused.body)).toContain('credentials.webhook_url');
});

test('a Discord bot account publishes in its channel with a first comment as a reply, then deletes the post', async () => {
  // The same fake plays Discord's bot API beside its webhooks: one POSTFLOW_DISCORD_API_URL.
  const discord = cases.find((c) => c.platform === 'discord')!.fake as DiscordFake;
  const credentials = discord.botCredentials();
  const account = await stack.request('POST', '/v1/accounts', {
    platform: 'discord',
    name: 'discord bot',
    credentials,
  });
  expect(account.status).toBe(201);
  const inChannel = () => discord.messages.filter((m) => m.channelId === credentials.channel_id);

  const created = await stack.request('POST', '/v1/posts', {
    text: 'Postflow, by bot',
    first_comment: 'More in the reply',
    targets: [{ account_id: account.body.id }],
    publish_now: true,
  });
  expect(created.status).toBe(201);
  const target = created.body.targets[0];
  expect([target.status, target.warnings ?? []]).toEqual(['published', []]);
  const [post, reply] = inChannel();
  expect(inChannel()).toHaveLength(2);
  expect([post!.content, post!.authorId, post!.referenceId]).toEqual([
    'Postflow, by bot',
    reply!.authorId,
    undefined,
  ]);
  expect([reply!.content, reply!.referenceId]).toEqual(['More in the reply', post!.id]);
  expect(target.platform_post_id).toBe(post!.id);
  expect(target.metadata.first_comment).toEqual({
    id: reply!.id,
    permalink: expect.stringMatching(new RegExp(`/${credentials.channel_id}/${reply!.id}$`)),
  });

  const removed = await stack.request('POST', `/v1/posts/${created.body.id}/unpublish`, {});
  expect([removed.status, removed.body.success]).toEqual([200, true]);
  expect(inChannel().map((m) => m.id)).toEqual([reply!.id]);
});

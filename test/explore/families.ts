import type { MediaRef } from '../../api/types';
import type { PlatformAdapter, Published, StepState } from '../../platforms/kit/adapter';
import { isProcessing } from '../../platforms/kit/adapter';
import { createBlueskyAdapter } from '../../platforms/bluesky/adapter';
import { createFacebookAdapter } from '../../platforms/meta/facebook/adapter';
import { FacebookFake } from '../../platforms/meta/facebook/fake';
import { createInstagramAdapter } from '../../platforms/meta/instagram/adapter';
import { createMastodonAdapter } from '../../platforms/mastodon/adapter';
import { createSandboxAdapter } from '../../platforms/sandbox/adapter';
import { createTikTokAdapter } from '../../platforms/tiktok/adapter';
import { createTwitterAdapter } from '../../platforms/twitter/adapter';
import { createYoutubeAdapter } from '../../platforms/google/youtube/adapter';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import type { Store } from '../../store/types';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { BlueskyFake } from '../../platforms/bluesky/fake';
import { InstagramFake } from '../../platforms/meta/instagram/fake';
import type { FakeUploads } from '../../platforms/meta/fake-uploads';
import { createLinkedInAdapter } from '../../platforms/linkedin/adapter';
import { LinkedInFake } from '../../platforms/linkedin/fake';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { TwitterFake } from '../../platforms/twitter/fake';
import { randomBytes } from 'node:crypto';
import { FAKE_MP4, type MediaHost, PNG_1X1 } from '../contracts/run-delivery';
import type { ProcessingControl } from './fault-layer';
import type { UploadSeen } from './invariants';
import type { FamilyName } from './schedule';

/**
 * The adapter families the exploration covers, each a real adapter against its platform's fake:
 * - sandbox: Postflow's own store (reconcile by ref; processing on request);
 * - mastodon: Idempotency-Key on the publish call;
 * - bluesky: a record key derived from the delivery, so a repeated create is refused;
 * - twitter: reconcile through the account's timeline;
 * (X posts carry a one-reply thread; these four post a first comment too, each as its platform does: a reply item looked up by ref,
 * a reply with an Idempotency-Key, a reply at a derived record key, a reply found in the timeline);
 * - instagram: containers (prepare makes one, publish publishes it, reconcile asks about it);
 * - tiktok: publish then processing (status polls), no look-up at all;
 * - tiktok-upload: TikTok with its video sent as a file (the post carries `fileUploads`): the
 *   upload step (creator_info, init, all but the final chunk, retried in place in the same
 *   session), the final chunk as the publish call, processing; no look-up. It shares the tiktok
 *   family's fake and adapter (one per platform); its one-chunk clip makes the step init only,
 *   the chunks before the final one being explored in test/unit/tiktok-upload-activity.test.ts,
 *   the contract and test/integration/tiktok-upload-crash.test.ts (TikTok's chunks are 5 MB at
 *   least: each explored post would move tens of megabytes).
 * - youtube: a resumable upload step (all but the final chunk, retried in place in the same
 *   session), the final chunk as the publish call, processing; reconcile asks the upload session,
 *   and a session proven incomplete is reused.
 * - twitter-video: X with a video, uploaded in the prepare step (INIT, two APPENDs, FINALIZE,
 *   STATUS polls) and kept in the prepare's ledger, so a prepare cut partway goes on in the same
 *   upload from the segment X answered last; then the tweet. It shares the twitter family's fake
 *   and adapter. Each post's video has a size of its own, which tells its upload sessions apart.
 * - facebook-video: a Page video sent by Meta's Resumable Upload API in the prepare step (a
 *   session, two chunks, each at the offset Meta holds; a retry asks the kept session where it
 *   stands), then the Page video made from the handle, processing polls.
 */
export interface Family {
  name: FamilyName;
  platform: string;
  /** The real adapter, pointed at the fake. */
  adapter: PlatformAdapter;
  /** What processing faults do to this platform (only families with processing). */
  processing?: ProcessingControl;
  /** Platforms whose videos the family's posts send as files (`PostSpec.fileUploads`). */
  fileUploads?: string[];
  /** A fresh account's credentials on the platform. */
  credentials(): Record<string, string>;
  /** The `POST /v1/posts` body's content for a post whose text carries `marker`. */
  content(marker: string): Record<string, unknown>;
  /** The platform's ledger: its live posts whose text carries `marker` (ids as receipts give them). */
  ledger(marker: string, accountId: string): Promise<string[]>;
  /**
   * Where the family's posts carry a first comment: the platform's comments under the posts
   * `postIds` (ids as comment receipts give them). Absent: the explored posts have no comment.
   */
  comments?(postIds: string[], accountId: string): Promise<string[]>;
  /** Where the family's posts carry a thread: the platform's thread replies under `postIds`. */
  replies?(postIds: string[], accountId: string): Promise<string[]>;
  /**
   * Where the family's posts send a video in pieces: the platform's upload sessions of the post
   * whose text carries `marker`, oldest first. Absent: the family uploads nothing in pieces.
   */
  uploads?(marker: string): Promise<UploadSeen[]>;
  stop(): Promise<void>;
}

interface FamilyDeps {
  store: Store;
  host: MediaHost;
}

const TIMEOUT_MS = 15_000;
/** How long a forever-processing publication says to wait between checks (TikTok's own pace). */
const FOREVER_POLL_MS = 5_000;

const text = (marker: string) => ({ text: `Explored post ${marker}` });
/** A first comment (without the marker, so ledgers searching posts by marker never count it). */
const COMMENT = 'Explored first comment';
const withComment = (marker: string) => ({ ...text(marker), first_comment: COMMENT });
const REPLY = 'Explored reply';
/**
 * X's posts: a first comment and a thread of one reply (`segments`), each text its post's own, for
 * X refuses a text the account already posted (a shared text would send every post after the first
 * down the duplicate-refusal path). Its ledger counts top-level posts only.
 */
const withThread = (marker: string) => ({
  ...text(marker),
  first_comment: `${COMMENT} on ${marker}`,
  segments: [{ text: `${REPLY} to ${marker}` }],
});

export async function startFamily(name: FamilyName, deps: FamilyDeps): Promise<Family> {
  switch (name) {
    case 'sandbox':
      return sandbox(deps);
    case 'mastodon': {
      const fake = await new MastodonFake().start();
      return {
        name,
        platform: 'mastodon',
        adapter: createMastodonAdapter({ timeoutMs: TIMEOUT_MS, outbound: REACH_LOOPBACK_FAKES }),
        credentials: () => fake.credentials(),
        content: withComment,
        ledger: async (marker) => fake.statuses.filter((s) => s.text.includes(marker)).map((s) => s.id),
        comments: async (postIds) =>
          fake.statuses.filter((s) => s.inReplyToId && postIds.includes(s.inReplyToId)).map((s) => s.id),
        stop: () => fake.stop(),
      };
    }
    case 'bluesky': {
      const fake = await new BlueskyFake().start();
      return {
        name,
        platform: 'bluesky',
        adapter: createBlueskyAdapter({ timeoutMs: TIMEOUT_MS, outbound: REACH_LOOPBACK_FAKES }),
        credentials: () => fake.credentials(),
        content: withComment,
        ledger: async (marker) =>
          fake.posts.filter((p) => String(p.record.text).includes(marker)).map((p) => p.uri),
        comments: async (postIds) =>
          fake.posts
            .filter((p) =>
              postIds.includes(String((p.record.reply as { parent?: { uri?: string } })?.parent?.uri)),
            )
            .map((p) => p.uri),
        stop: () => fake.stop(),
      };
    }
    case 'twitter':
      return twitter(name, withThread);
    case 'twitter-video':
      return twitterVideo(deps);
    case 'facebook-video':
      return facebookVideo(deps);
    case 'instagram':
      return instagram(deps);
    case 'instagram-video':
      return instagramVideo(deps);
    case 'linkedin-video':
      return linkedinVideo(deps);
    case 'tiktok':
      return tiktok(deps, 'tiktok');
    case 'tiktok-upload':
      return { ...(await tiktok(deps, 'tiktok-upload')), fileUploads: ['tiktok'] };
    case 'youtube':
      return youtube(deps);
  }
}

/**
 * The fake of a platform two families explore (TikTok, X, Instagram: pulled and uploaded videos,
 * text and video posts): the world has one adapter per platform, so both families talk to one
 * fake, started by the first and stopped when the last releases it.
 */
const sharedFakes = new Map<string, { fake: Promise<{ stop(): Promise<void> }>; users: number }>();

async function sharedFake<T extends { stop(): Promise<void> }>(
  platform: string,
  start: () => Promise<T>,
): Promise<{ fake: T; release: () => Promise<void> }> {
  const shared = sharedFakes.get(platform) ?? { fake: start(), users: 0 };
  sharedFakes.set(platform, shared);
  shared.users += 1;
  const fake = (await shared.fake) as T;
  const release = async () => {
    shared.users -= 1;
    if (shared.users > 0) return;
    if (sharedFakes.get(platform) === shared) sharedFakes.delete(platform);
    await fake.stop();
  };
  return { fake, release };
}

function sandbox({ store }: FamilyDeps): Family {
  return {
    name: 'sandbox',
    platform: 'sandbox',
    adapter: createSandboxAdapter(store, 'http://postflow.test'),
    // The sandbox publishes synchronously; processing faults turn its receipt into the state its
    // own `processing_polls` option makes, polled by its real checkPublished.
    processing: {
      forever: async (published) => ({
        processing: { platform_post_id: receiptId(published), polls_left: Number.MAX_SAFE_INTEGER },
        pollAfterMs: FOREVER_POLL_MS,
      }),
      failing: async (published) => ({
        processing: { platform_post_id: receiptId(published), polls_left: 10 },
        pollAfterMs: FOREVER_POLL_MS,
      }),
      // Its checkPublished answers a missing post as refused: the platform failed it.
      fail: async (state) => void (await store.sandbox.remove(String(state.platform_post_id))),
    },
    credentials: () => ({}),
    content: withComment,
    ledger: async (marker, accountId) =>
      (await store.sandbox.list(accountId))
        .filter((i) => i.text.includes(marker))
        .map((i) => i.platformPostId),
    comments: async (postIds, accountId) =>
      (await store.sandbox.list(accountId))
        .filter((i) => postIds.includes(String(i.options.in_reply_to)))
        .map((i) => i.platformPostId),
    stop: async () => undefined,
  };
}

async function tiktok({ host }: FamilyDeps, name: 'tiktok' | 'tiktok-upload'): Promise<Family> {
  const { fake, release } = await sharedFake('tiktok', () => new TikTokFake().start());
  const env = { POSTFLOW_TIKTOK_CLIENT_ID: 'client-key-1', POSTFLOW_TIKTOK_CLIENT_SECRET: 'client-secret-1' };
  const [clip] = host.serve([{ contentType: 'video/mp4', bytes: FAKE_MP4 }]);
  const postOf = (state: StepState) => fake.posts.find((p) => p.publishId === state.publish_id);
  return {
    name,
    platform: 'tiktok',
    adapter: createTikTokAdapter({ baseUrl: fake.url, timeoutMs: TIMEOUT_MS, env }),
    processing: {
      forever: async (published) => {
        const post = isProcessing(published) ? postOf(published.processing) : undefined;
        if (post) post.pollsLeft = Number.MAX_SAFE_INTEGER;
        return published;
      },
      failing: async (published) => {
        const post = isProcessing(published) ? postOf(published.processing) : undefined;
        if (post) post.pollsLeft = 10;
        return published;
      },
      fail: async (state) => {
        const post = postOf(state);
        // A final reason: `internal` is retryable, and TikTok's check would be retried in place for hours.
        if (post) post.failReason = 'file_format_check_failed';
      },
    },
    credentials: () => fake.credentials(),
    content: (marker) => ({
      ...text(marker),
      media: [clip!.ref],
      platform_data: { privacy_level: 'PUBLIC_TO_EVERYONE' },
    }),
    // A post TikTok failed is not on the account; one still processing may go live any moment. An
    // upload whose final chunk never came is no post: TikTok posts once the upload completes.
    ledger: async (marker) =>
      fake.posts
        .filter(
          (p) => p.text.includes(marker) && !p.failReason && (!p.upload || p.upload.sha256 !== undefined),
        )
        .map((p) => p.id),
    stop: release,
  };
}

async function startTwitterFake(): Promise<TwitterFake> {
  const fake = await new TwitterFake().start();
  // Every answer carries the 24-hour allowances, so each post and reply also keeps them for
  // /limits under the faults (caps too high to be spent: the subject is delivery, not 429s).
  fake.dailyCaps = { user: 1_000_000, app: 1_000_000 };
  return fake;
}

async function twitter(
  name: 'twitter' | 'twitter-video',
  content: (marker: string) => Record<string, unknown>,
): Promise<Family & { fake: TwitterFake }> {
  const { fake, release } = await sharedFake('twitter', startTwitterFake);
  return {
    name,
    platform: 'twitter',
    fake,
    adapter: createTwitterAdapter({ baseUrl: fake.url, timeoutMs: TIMEOUT_MS }),
    credentials: () => fake.credentials(),
    content,
    ledger: async (marker) =>
      fake.posts.filter((p) => !p.replyTo && p.text.includes(marker)).map((p) => p.id),
    ...(name === 'twitter'
      ? {
          comments: async (postIds: string[]) => repliesWith(fake.posts, postIds, COMMENT),
          replies: async (postIds: string[]) => repliesWith(fake.posts, postIds, REPLY),
        }
      : {}),
    stop: release,
  };
}

/**
 * Videos of a size of their own per post: `base` bytes (the platform's first upload piece) and a
 * little more, plus the post's number (markers are `m<n>x<nonce>`, n counting the world's posts)
 * up to VIDEO_SIZES, so a fake's uploads of one post are told apart by their size. Views of one
 * buffer: no post holds a copy.
 */
const VIDEO_SIZES = 200_000;
function sizedVideos(host: MediaHost, base: number): (marker: string) => { ref: MediaRef; size: number } {
  const bytes = randomBytes(base + 64 * 1024 + VIDEO_SIZES);
  const videos = new Map<string, { ref: MediaRef; size: number }>();
  return (marker) => {
    let video = videos.get(marker);
    if (!video) {
      const size = base + 64 * 1024 + (Number(marker.slice(1, marker.indexOf('x'))) % VIDEO_SIZES);
      const [file] = host.serve([{ contentType: 'video/mp4', bytes: bytes.subarray(0, size) }]);
      video = { ref: file!.ref, size };
      videos.set(marker, video);
    }
    return video;
  };
}

/** X's APPEND segments and Facebook's upload chunks: 4 MiB each, so each explored video goes in two. */
const UPLOAD_PIECE = 4 * 1024 * 1024;

async function twitterVideo({ host }: FamilyDeps): Promise<Family> {
  const videoOf = sizedVideos(host, UPLOAD_PIECE);
  const family = await twitter('twitter-video', (marker) => ({
    ...text(marker),
    media: [videoOf(marker).ref],
  }));
  const { fake } = family;
  return {
    ...family,
    uploads: async (marker) =>
      [...fake.media.entries()]
        .filter(([, m]) => m.category === 'tweet_video' && m.totalBytes === videoOf(marker).size)
        .map(([id, m]) => ({
          id,
          complete: m.finalized,
          heldBytes: m.received,
          resentBytes: m.bytesIn - m.received,
        })),
  };
}

/**
 * A Facebook Page's videos sent by the Resumable Upload API (`POSTFLOW_META_VIDEO_SOURCE=upload`):
 * the prepare opens a session and sends the chunks, each at the `file_offset` Meta holds, kept in
 * the prepare's ledger; the publish call makes the Page video from the handle; processing polls.
 */
async function facebookVideo({ host }: FamilyDeps): Promise<Family> {
  const fake = await new FacebookFake().start();
  const env = { POSTFLOW_META_VIDEO_SOURCE: 'upload', POSTFLOW_FACEBOOK_CLIENT_ID: fake.client.id };
  const videoOf = sizedVideos(host, UPLOAD_PIECE);
  return {
    name: 'facebook-video',
    platform: 'facebook',
    adapter: createFacebookAdapter({ baseUrl: fake.url, timeoutMs: TIMEOUT_MS, env }),
    credentials: () => fake.credentials(),
    content: (marker) => ({ ...text(marker), media: [videoOf(marker).ref] }),
    ledger: async (marker) => fake.published.filter((p) => p.message.includes(marker)).map((p) => p.id),
    uploads: async (marker) => metaUploads(fake.uploads, videoOf(marker).size),
    stop: () => fake.stop(),
  };
}

/**
 * Instagram, its videos sent to rupload (`POSTFLOW_META_VIDEO_SOURCE=upload`; images are pulled
 * by URL either way): the `instagram` family's image posts and `instagram-video`'s reels.
 */
async function instagramFamily(
  name: 'instagram' | 'instagram-video',
): Promise<Family & { fake: InstagramFake }> {
  const { fake, release } = await sharedFake('instagram', () => new InstagramFake().start());
  return {
    name,
    platform: 'instagram',
    fake,
    adapter: createInstagramAdapter({
      baseUrl: fake.url,
      timeoutMs: TIMEOUT_MS,
      env: { POSTFLOW_META_VIDEO_SOURCE: 'upload' },
    }),
    credentials: () => fake.credentials(),
    content: text,
    ledger: async (marker) => fake.published.filter((m) => m.caption.includes(marker)).map((m) => m.id),
    stop: release,
  };
}

async function instagram({ host }: FamilyDeps): Promise<Family> {
  const [image] = host.serve([{ contentType: 'image/png', bytes: PNG_1X1 }]);
  const family = await instagramFamily('instagram');
  return {
    ...family,
    content: (marker) => ({ ...text(marker), media: [image!.ref], platform_data: { content_type: 'feed' } }),
  };
}

/** Meta's uploads as the fakes keep them (FakeUploads), for the invariants. */
function metaUploads(uploads: FakeUploads, size: number): UploadSeen[] {
  return [...uploads.files.entries()]
    .filter(([, f]) => f.size === size)
    .map(([id, f]) => ({
      id,
      complete: f.held === f.size,
      heldBytes: f.held,
      resentBytes: uploads.received(id) - f.held,
    }));
}

/**
 * Reels sent to rupload in the prepare step: a container with `upload_type=resumable`, two chunks
 * kept in the prepare's ledger (a retry goes on in the kept container from the last chunk rupload
 * answered), the container polled, then `media_publish`.
 */
async function instagramVideo({ host }: FamilyDeps): Promise<Family> {
  const videoOf = sizedVideos(host, UPLOAD_PIECE);
  const family = await instagramFamily('instagram-video');
  return {
    ...family,
    content: (marker) => ({
      ...text(marker),
      media: [videoOf(marker).ref],
      platform_data: { content_type: 'reel' },
    }),
    uploads: async (marker) => metaUploads(family.fake.uploads, videoOf(marker).size),
  };
}

/** LinkedIn's video parts in the explored world: 64 KiB (LinkedIn cuts 4 MB), two and a bit per video. */
const LINKEDIN_PART = 64 * 1024;

/**
 * A member's video post: `initializeUpload`, each part PUT to its upload URL and its ETag kept in
 * the prepare's ledger (a retry PUTs only the parts without one), `finalizeUpload`, processing
 * polled in checkPrepared, then the post; reconcile through the author's posts.
 */
async function linkedinVideo({ host }: FamilyDeps): Promise<Family> {
  const client = { id: 'li-client', secret: 'li-secret' };
  const fake = await new LinkedInFake(client, LINKEDIN_PART).start();
  const env = { POSTFLOW_LINKEDIN_CLIENT_ID: client.id, POSTFLOW_LINKEDIN_CLIENT_SECRET: client.secret };
  const videoOf = sizedVideos(host, LINKEDIN_PART);
  return {
    name: 'linkedin-video',
    platform: 'linkedin',
    adapter: createLinkedInAdapter({ baseUrl: fake.url, timeoutMs: TIMEOUT_MS, env }),
    credentials: () => fake.credentials(),
    content: (marker) => ({ ...text(marker), media: [videoOf(marker).ref] }),
    ledger: async (marker) => fake.posts.filter((p) => p.text.includes(marker)).map((p) => p.id),
    uploads: async (marker) =>
      [...fake.assets.entries()]
        .filter(([, a]) => a.kind === 'video' && a.size === videoOf(marker).size)
        .map(([id, a]) => {
          const parts = [...a.parts.values()];
          const held = parts.reduce((sum, p) => sum + (p.etag ? p.last - p.first + 1 : 0), 0);
          return {
            id,
            complete: a.status !== 'WAITING_UPLOAD',
            heldBytes: held,
            resentBytes: parts.reduce((sum, p) => sum + p.bytesIn, 0) - held,
          };
        }),
    stop: () => fake.stop(),
  };
}

/** Three chunks of 256 KiB: the upload step sends two, the publish call the final one. */
const FILM = randomBytes(2 * 256 * 1024 + 50_000);

async function youtube({ host }: FamilyDeps): Promise<Family> {
  const fake = await new YoutubeFake().start();
  const env = {
    POSTFLOW_YOUTUBE_CLIENT_ID: fake.client.id,
    POSTFLOW_YOUTUBE_CLIENT_SECRET: fake.client.secret,
    POSTFLOW_YOUTUBE_TOKEN_URL: `${fake.url}/token`,
    POSTFLOW_YOUTUBE_CHUNK_BYTES: String(256 * 1024),
  };
  const [film] = host.serve([{ contentType: 'video/mp4', bytes: FILM }]);
  const videoOf = (state: StepState) => fake.videos.find((v) => v.id === state.video_id);
  return {
    name: 'youtube',
    platform: 'youtube',
    adapter: createYoutubeAdapter({ baseUrl: fake.url, timeoutMs: TIMEOUT_MS, env }),
    processing: {
      forever: async (published) => {
        const video = isProcessing(published) ? videoOf(published.processing) : undefined;
        if (video) video.pollsLeft = Number.MAX_SAFE_INTEGER;
        return published;
      },
      failing: async (published) => {
        const video = isProcessing(published) ? videoOf(published.processing) : undefined;
        if (video) video.pollsLeft = 10;
        return published;
      },
      fail: async (state) => {
        const video = videoOf(state);
        if (video) video.status = { ...video.status, uploadStatus: 'failed', failureReason: 'codec' };
      },
    },
    credentials: () => fake.credentials(),
    content: (marker) => ({ ...text(marker), title: `Explored ${marker}`, media: [film!.ref] }),
    // A video YouTube failed is not on the channel.
    ledger: async (marker) =>
      fake.videos
        .filter((v) => v.description.includes(marker) && v.status.uploadStatus !== 'failed')
        .map((v) => v.id),
    stop: () => fake.stop(),
  };
}

/** X's posts replying to one of `postIds` with a text starting `prefix` (a first comment, a thread's reply). */
function repliesWith(posts: TwitterFake['posts'], postIds: string[], prefix: string): string[] {
  return posts
    .filter((p) => p.replyTo && postIds.includes(p.replyTo) && p.text.startsWith(prefix))
    .map((p) => p.id);
}

function receiptId(published: Published): string {
  if (isProcessing(published)) throw new Error('the sandbox answered processing to a plain publish');
  return published.platformPostId;
}

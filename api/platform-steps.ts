import type { PrepareStep } from '../platforms/descriptor';
import type { PostContent, TargetSpec } from './types';

/*
 * The workflow's view of the platform descriptors (platforms/descriptors.ts), written out as
 * literals rather than derived from them: the descriptors carry the platforms' zod option schemas,
 * and the workflow sandbox evaluates every module it imports once per cached workflow — zod alone
 * was about 1 MB of the workflow bundle (docs/performance.md, "Worker memory"). A test
 * (test/unit/platform-steps.test.ts) holds these tables to the descriptors and the adapters.
 */

/** A null-prototype table: platform names come from data, "constructor" must not find Object's. */
function table<T>(entries: Record<string, T>): Readonly<Record<string, T>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}

/**
 * When a platform's delivery has work for its prepare step (docs/platforms.md, "Steps"): each
 * descriptor's `prepareStep` (`always`; `with-media`: only when the post has media to upload;
 * `with-library-media`: only when it has library media).
 * A platform missing here has no prepare step at all (its adapter defines no `prepare`).
 *
 * The workflow reads this table to skip a prepare activity that would do nothing: three history
 * events and a workflow task per target on the most common post. The contract suite runs
 * deliveries the same way.
 */
export const PREPARE_STEP: Readonly<Record<string, PrepareStep>> = table<PrepareStep>({
  bluesky: 'always',
  facebook: 'with-media',
  ghost: 'with-media',
  instagram: 'always',
  instagram_business: 'always',
  lemmy: 'with-media',
  linkedin: 'with-media',
  linkedin_page: 'with-media',
  mastodon: 'with-media',
  matrix: 'with-media',
  // Library media only: Nostr took only URL media before, so no recorded run has such a prepare.
  nostr: 'with-library-media',
  pinterest: 'always',
  reddit: 'with-media',
  slack: 'with-media',
  threads: 'always',
  tiktok: 'always',
  twitter: 'with-media',
  wordpress: 'with-media',
  vk: 'with-media',
});

/** Whether this target's delivery must run the prepare step. Deterministic: the workflow calls it. */
export function needsPrepare(target: TargetSpec, content: PostContent): boolean {
  const need = PREPARE_STEP[target.platform];
  if (need === 'always') return true;
  if (need === undefined) return false;
  // The target's overrides apply as the activities apply them (activities/index.ts).
  const { media = [] } = { ...content, ...target.overrides };
  return need === 'with-library-media' ? media.some((m) => m.source_type !== 'url') : media.length > 0;
}

/**
 * Where a platform's large uploads run (docs/platforms.md "Uploads that survive a crash"), when
 * the post has media:
 * - `upload`: an upload step of its own (`uploadTarget`) before the publish call, for platforms
 *   whose upload ends in the publish itself (YouTube: the final chunk creates the video; TikTok's
 *   FILE_UPLOAD, only as FILE_UPLOAD_ONLY says: TikTok posts once the final chunk arrives). The step
 *   sends all but that chunk and resumes in the same session after a crash; the publish call
 *   sends the final chunk.
 * - `prepare`: the prepare step uploads, before a separate publish call (X, LinkedIn; Facebook
 *   and Instagram, whose videos go by upload with `POSTFLOW_META_VIDEO_SOURCE=upload`, a worker
 *   setting the workflow cannot see, so their media prepares always run so; Pinterest, Reddit,
 *   Slack, Matrix and Mastodon, which take a file in one streamed request): a crash retries the
 *   reversible step. Its prepare runs with the upload step's options (a heartbeat
 *   timeout instead of a start-to-close sized for a file) and on the upload queue when set.
 */
export const UPLOAD_STEP: Readonly<Record<string, 'upload' | 'prepare'>> = table<'upload' | 'prepare'>({
  facebook: 'prepare',
  instagram: 'prepare',
  instagram_business: 'prepare',
  linkedin: 'prepare',
  linkedin_page: 'prepare',
  mastodon: 'prepare',
  matrix: 'prepare',
  pinterest: 'prepare',
  reddit: 'prepare',
  slack: 'prepare',
  tiktok: 'upload',
  twitter: 'prepare',
  youtube: 'upload',
});

/**
 * Platforms whose upload step runs only for a video the post sends as a file: TikTok, whose
 * videos are pulled by URL unless the client that started the post was set to upload them
 * (`POSTFLOW_TIKTOK_VIDEO_SOURCE=upload`, carried as `PostSpec.fileUploads`). A TikTok post of
 * one medium is a video (TikTok takes no single photo) unless `media_type` says `photo`.
 */
export const FILE_UPLOAD_ONLY: Readonly<Record<string, true>> = table<true>({ tiktok: true });

/**
 * Whether this target's media go through a long upload, and where; `fileUpload`: the post sends
 * its platform's videos as files (`DeliveryJob.fileUpload`). Deterministic: the workflow calls it.
 */
export function uploadStep(
  target: TargetSpec,
  content: PostContent,
  fileUpload = false,
): 'upload' | 'prepare' | undefined {
  const step = UPLOAD_STEP[target.platform];
  const { media = [] } = { ...content, ...target.overrides };
  if (!step || media.length === 0) return undefined;
  if (!FILE_UPLOAD_ONLY[target.platform]) return step;
  return fileUpload && media.length === 1 && target.options.media_type !== 'photo' ? step : undefined;
}

/** The platforms whose posts take a first comment (descriptors' `capabilities.comments`). */
export const COMMENTS: Readonly<Record<string, true>> = table<true>({
  bluesky: true,
  discord: true, // bot accounts; a webhook account's first comment ends as comments_unsupported
  facebook: true,
  farcaster: true,
  hashnode: true,
  instagram: true,
  instagram_business: true,
  lemmy: true,
  linkedin: true,
  linkedin_page: true,
  mastodon: true,
  matrix: true,
  nostr: true,
  reddit: true,
  sandbox: true,
  slack: true,
  telegram: true,
  threads: true,
  twitter: true,
  wordpress: true,
  vk: true,
  youtube: true,
});

/** Whether `platform` can carry a post's `first_comment`. Deterministic: the workflow calls it. */
export function takesComments(platform: string): boolean {
  return COMMENTS[platform] === true;
}

/**
 * The platforms whose engagement Postflow reads (descriptors' `capabilities.metrics`): a post
 * resource, which the workflow builds, says so per target.
 */
export const METRICS: Readonly<Record<string, true>> = table<true>({
  bluesky: true,
  devto: true,
  discord: true,
  facebook: true,
  farcaster: true,
  google: true,
  hashnode: true,
  instagram: true,
  instagram_business: true,
  lemmy: true,
  linkedin: true,
  linkedin_page: true,
  mastodon: true,
  matrix: true,
  nostr: true,
  pinterest: true,
  reddit: true,
  sandbox: true,
  slack: true,
  threads: true,
  tiktok: true,
  tumblr: true,
  twitter: true,
  vk: true,
  wordpress: true,
  youtube: true,
});

import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { MediaInfo, PlatformDescriptor, PlatformRules } from '../descriptor';

/** Reddit's submit form: a title of at most 300 characters… */
const TITLE_MAX = 300;
/** …and a self post's text of at most 40,000 (reddit.com's submit page and `TOO_LONG`). */
const TEXT_MAX = 40_000;
/** A subreddit's name: 3–21 letters, digits and `_` (a user profile is `u_<name>`, up to 23). */
const SUBREDDIT = /^[A-Za-z0-9][A-Za-z0-9_]{1,22}$/;
/** A flair's text is at most 64 characters. */
const FLAIR_TEXT_MAX = 64;
/**
 * Reddit's media posts (reddit.com's submit page and Reddit's help, "What file types can I
 * upload"): images JPEG, PNG or GIF up to 20 MB; videos MP4 or MOV up to 1 GB; a gallery of 2–20
 * images.
 */
export const REDDIT_MEDIA = {
  imageTypes: ['image/jpeg', 'image/png', 'image/gif'],
  imageMaxBytes: 20 * 1024 * 1024,
  videoTypes: ['video/mp4', 'video/quicktime'],
  videoMaxBytes: 1024 * 1024 * 1024,
  galleryMin: 2,
  galleryMax: 20,
} as const;

/** The kinds of Reddit post (`POST /api/submit`'s `kind`; a gallery is `/api/submit_gallery_post.json`). */
export const REDDIT_KINDS = ['self', 'link', 'image', 'video', 'gallery'] as const;
export type RedditKind = (typeof REDDIT_KINDS)[number];

/**
 * Options of a Reddit target (`platform_options.reddit`, or a target's `platform_data`), each a
 * field of `POST /api/submit` by Reddit's own name (reddit.com/dev/api#POST_api_submit); anything
 * else is refused by name. The kind follows from them and the media (`redditKind`) unless `kind`
 * names it.
 */
export const redditOptionsSchema = z
  .object({
    /** The subreddit to post in, by name without `r/` (a profile: `u_<username>`); required. */
    sr: z
      .string()
      .regex(SUBREDDIT, 'must be a subreddit name without "r/" (3–21 letters, digits, "_").')
      .optional(),
    /** The kind of post; by default `link` with `url`, else from the media, else `self`. */
    kind: z.enum(REDDIT_KINDS).optional(),
    /** A link post: the URL it points to (the post then carries no text). */
    url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL.' })
      .max(2048)
      .optional(),
    /** A flair template of the subreddit (its id, from `GET /r/{sr}/api/link_flair_v2`). */
    flair_id: z.string().min(1).max(36).optional(),
    /** The flair's text, where the template lets the poster edit it. */
    flair_text: z.string().min(1).max(FLAIR_TEXT_MAX).optional(),
    /** Marks the post NSFW. */
    nsfw: z.boolean().optional(),
    /** Marks the post as a spoiler. */
    spoiler: z.boolean().optional(),
    /** Whether replies reach the account's inbox (Reddit's default: yes). */
    sendreplies: z.boolean().optional(),
  })
  .strict();

/**
 * The kind of a post: `options.kind` when given, else `link` with `url`, else from the media (a
 * video: `video`, its optional second item an image as the poster; one image: `image`; several:
 * `gallery`), else `self`. Media of a kind not known yet (a URL) counts as an image.
 */
export function redditKind(options: Record<string, unknown>, media: readonly MediaInfo[]): RedditKind {
  if (typeof options.kind === 'string' && (REDDIT_KINDS as readonly string[]).includes(options.kind)) {
    return options.kind as RedditKind;
  }
  if (options.url !== undefined) return 'link';
  if (media.length === 0) return 'self';
  if (media[0]!.kind === 'video') return 'video';
  return media.length === 1 ? 'image' : 'gallery';
}

/**
 * Reddit (the OAuth API at oauth.reddit.com) in one subreddit: a self post (title and markdown
 * text), a link post (title and `url`), an image post (one image), a video post (one video and,
 * optionally, an image as its poster) or a gallery (2–20 images). Media posts carry no text.
 *
 * maxConcurrentCalls: Reddit allows 100 queries a minute per OAuth client (averaged over 10
 * minutes), shared by every account: two calls at once per worker.
 */
export const redditRules: PlatformRules = {
  textMaxLength: TEXT_MAX,
  titleRequired: true,
  titleMaxLength: TITLE_MAX,
  media: {
    min: 0,
    max: REDDIT_MEDIA.galleryMax,
    kinds: ['image', 'video'],
    // Videos up to 15 minutes (types and sizes depend on the post's kind: mediaIssues below).
    limits: { video: { maxDurationSec: 15 * 60 } },
  },
  optionKeys: Object.keys(redditOptionsSchema.shape),
  requiredOptions: [{ key: 'sr' }],
  maxConcurrentCalls: 2,
  check: ({ content, options, media }) => {
    const issues: Issue[] = [];
    issues.push(...optionIssues(redditOptionsSchema, options));
    const problem = (field: string, message: string) =>
      issues.push({ field, code: 'validation.field_invalid', message });
    const kind = redditKind(options, media);
    if (options.url !== undefined && content.text.trim() !== '') {
      problem('text', 'a Reddit link post (options.url) carries no text; leave the text empty or drop url.');
    } else if (media.length > 0 && content.text.trim() !== '') {
      problem(
        'text',
        'a Reddit image, video or gallery post carries no text; leave the text empty or drop the media.',
      );
    }
    if (kind === 'link' && options.url === undefined) {
      problem('options.url', 'a Reddit link post (kind "link") needs url: the page it points to.');
    } else if (options.url !== undefined && kind !== 'link') {
      problem(
        'options.kind',
        `is "${kind}"; a post with url is a link post (kind "link"), drop url or kind.`,
      );
    }
    issues.push(...mediaIssues(kind, media));
    if (options.flair_text !== undefined && options.flair_id === undefined) {
      issues.push({
        field: 'options.flair_text',
        code: 'validation.field_invalid',
        message: 'needs flair_id: the subreddit flair template whose text it replaces.',
      });
    }
    return issues;
  },
};

/** The media a post of `kind` takes: none (self, link), one image, a video and its poster, 2–20 images. */
function mediaIssues(kind: RedditKind, media: readonly MediaInfo[]): Issue[] {
  const issues: Issue[] = [];
  const problem = (field: string, message: string) =>
    issues.push({ field, code: 'validation.field_invalid', message });
  const count = media.length;
  if ((kind === 'self' || kind === 'link') && count > 0) {
    const or = kind === 'link' ? 'url (a link post)' : `kind "${kind}"`;
    problem('media_ids', `a Reddit ${kind} post takes no media; drop the media or ${or}.`);
  } else if (kind === 'image' && count !== 1) {
    problem(
      'media_ids',
      `a Reddit image post takes one image (has ${count}); several images make a gallery.`,
    );
  } else if (kind === 'video' && (count < 1 || count > 2 || media[0]!.kind === 'image')) {
    problem('media_ids', 'a Reddit video post takes one video, then optionally one image as its poster.');
  } else if (kind === 'gallery' && count < REDDIT_MEDIA.galleryMin) {
    // At most 20 (rules.media.max) is checked for every kind.
    problem(
      'media_ids',
      `a Reddit gallery takes ${REDDIT_MEDIA.galleryMin}–${REDDIT_MEDIA.galleryMax} images (has ${count}).`,
    );
  }
  media.forEach((m, i) => {
    // The video post's first item is the video; every other item anywhere is an image.
    const video = kind === 'video' && i === 0;
    if (m.kind === 'video' && !video) {
      problem(
        `media[${i}]`,
        `is a video; a Reddit ${kind} post takes images here (one video per post, first).`,
      );
      return;
    }
    if (m.kind === 'image' && video) return; // refused above as a whole
    const types: readonly string[] = video ? REDDIT_MEDIA.videoTypes : REDDIT_MEDIA.imageTypes;
    const max = video ? REDDIT_MEDIA.videoMaxBytes : REDDIT_MEDIA.imageMaxBytes;
    if (m.contentType && m.kind !== 'unknown' && !types.includes(m.contentType)) {
      problem(`media[${i}]`, `is ${m.contentType}; Reddit takes ${types.join(', ')} here. Convert it.`);
    } else if (m.sizeBytes !== undefined && m.sizeBytes > max) {
      problem(`media[${i}]`, `is ${m.sizeBytes} bytes; Reddit takes at most ${max} here. Make it smaller.`);
    }
  });
  return issues;
}

export const redditDescriptor: PlatformDescriptor = {
  slug: 'reddit',
  displayName: 'Reddit',
  rules: redditRules,
  // An OAuth2 token (scopes identity submit edit read history); refresh_token and expires_at
  // where the app asked for a permanent grant.
  credentials: ['access_token'],
  // Media is uploaded (leased, sent to Reddit's S3 bucket) before the submit.
  prepareStep: 'with-media',
  uploadStep: 'prepare',
  apiBaseUrl: 'https://oauth.reddit.com',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true, metrics: true },
  // A web app (confidential, HTTP Basic, no PKCE); `duration=permanent` brings a refresh token.
  oauth: {
    authorizeUrl: 'https://www.reddit.com/api/v1/authorize',
    authorizePath: '/api/v1/authorize',
    tokenUrl: 'https://www.reddit.com/api/v1/access_token',
    tokenPath: '/api/v1/access_token',
    scopes: ['identity', 'submit', 'edit', 'read', 'history'],
    pkce: false,
    clientAuth: 'basic',
    authorizeParams: { duration: 'permanent' },
    // Reddit throttles clients without a descriptive User-Agent (the adapter's default).
    headers: { 'user-agent': 'server:postflow:0.1 (Postflow social publishing engine)' },
    userAgentVariable: 'POSTFLOW_REDDIT_USER_AGENT',
    profilePath: '/api/v1/me',
    readProfile: (body) => ({
      id: String(body.name ?? ''),
      username: body.name,
      name: body.name,
      pictureUrl: body.icon_img,
    }),
    credentials: (profile) => ({ username: profile.id }),
    identityKey: 'username',
  },
};

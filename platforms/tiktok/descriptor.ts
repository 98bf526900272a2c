import type { Issue } from '../../api/errors';
import type { PlatformDescriptor, PlatformRules, PostForRules } from '../descriptor';

export const TIKTOK_PRIVACY_LEVELS = [
  'PUBLIC_TO_EVERYONE',
  'MUTUAL_FOLLOW_FRIENDS',
  'FOLLOWER_OF_CREATOR',
  'SELF_ONLY',
] as const;
const MEDIA_TYPES = ['video', 'photo'];
const BOOLEAN_OPTIONS = [
  'disable_comment',
  'disable_duet',
  'disable_stitch',
  'brand_content_toggle',
  'brand_organic_toggle',
  'is_aigc',
  'auto_add_music',
];
/** Photo posts: JPEG or WebP only (Content Posting API, "Media Transfer Guide", image restrictions). */
const PHOTO_TYPES = ['image/jpeg', 'image/webp'];
/** Video posts: MP4 (recommended), WebM or MOV. */
const VIDEO_TYPES = ['video/mp4', 'video/webm', 'video/quicktime'];
/** `photo_images` takes up to 35 URLs; SocialAPI's TikTok page asks for at least 2 (a carousel). */
const PHOTO_MIN = 2;
const PHOTO_MAX = 35;
/** Photo posts' `title` is at most 90 UTF-16 units (their `description`, the post text, 4000). */
const PHOTO_TITLE_MAX = 90;

/**
 * TikTok Content Posting API, Direct Post (developers.tiktok.com/doc/content-posting-api-reference-direct-post):
 * one video (its caption is `post_info.title`, 2200 UTF-16 units) or a photo post of JPEG/WebP
 * images; never both. `privacy_level` is required and must be one the creator is offered
 * (checked again against `creator_info` when the post is published).
 *
 * maxConcurrentCalls: TikTok limits each user token to 6 init calls and 30 status fetches a
 * minute, and a creator to a few posts a day (`spam_risk_too_many_posts`); two calls at once per
 * worker keeps well inside that without serialising unrelated accounts.
 */
export const tiktokRules: PlatformRules = {
  textMaxLength: 2200,
  textCounting: 'utf16',
  media: {
    min: 1,
    max: PHOTO_MAX,
    kinds: ['image', 'video'],
    // Content Posting API media restrictions: photos 20 MB; videos 4 GB, at least 3 s (the longest is
    // the creator's own, from creator info: services/creator-checks.ts).
    limits: {
      image: { maxBytes: 20 * 1024 * 1024 },
      video: { maxBytes: 4 * 1024 * 1024 * 1024, minDurationSec: 3 },
    },
  },
  optionKeys: [
    'privacy_level',
    'media_type',
    'video_cover_timestamp_ms',
    'photo_cover_index',
    ...BOOLEAN_OPTIONS,
  ],
  requiredOptions: [{ key: 'privacy_level', values: TIKTOK_PRIVACY_LEVELS }],
  maxConcurrentCalls: 2,
  check: (post) => [...checkMedia(post), ...checkOptions(post)],
};

function checkMedia({ content, options, media }: PostForRules): Issue[] {
  const issues: Issue[] = [];
  const invalid = (field: string, message: string) =>
    issues.push({ field, code: 'validation.field_invalid', message });
  const videos = media.filter((m) => m.kind === 'video').length;
  const images = media.filter((m) => m.kind === 'image').length;
  const photo = options.media_type === 'photo' || (videos === 0 && images > 0);

  if (videos > 0 && images > 0) invalid('media', 'TikTok takes one video or a set of photos, not both.');
  else if (videos > 1 || (options.media_type === 'video' && content.media.length > 1)) {
    invalid('media', 'TikTok takes a single video per post.');
  }
  if (photo && content.media.length > 0 && content.media.length < PHOTO_MIN) {
    invalid(
      'media',
      `a TikTok photo post needs ${PHOTO_MIN} to ${PHOTO_MAX} images; post a video for a single item.`,
    );
  }
  if (options.media_type === 'photo' && videos > 0) {
    invalid('options.media_type', 'is "photo" but the post carries a video; remove it or the option.');
  }
  if (options.media_type === 'video' && images > 0 && videos === 0) {
    invalid('options.media_type', 'is "video" but the post carries only images; use "photo".');
  }
  media.forEach((m, i) => {
    if (!m.contentType) return;
    const allowed = m.kind === 'image' ? PHOTO_TYPES : m.kind === 'video' ? VIDEO_TYPES : undefined;
    if (allowed && !allowed.includes(m.contentType)) {
      invalid(`media[${i}]`, `is ${m.contentType}; TikTok takes ${allowed.join(', ')}. Convert it.`);
    }
  });
  if (photo && content.title && utf16(content.title) > PHOTO_TITLE_MAX) {
    invalid('title', `is ${utf16(content.title)} UTF-16 units; TikTok photo titles take at most 90.`);
  }
  return issues;
}

function checkOptions({ content, options }: PostForRules): Issue[] {
  const issues: Issue[] = [];
  const invalid = (key: string, message: string) =>
    issues.push({ field: `options.${key}`, code: 'validation.field_invalid', message });

  if (options.media_type !== undefined && !MEDIA_TYPES.includes(String(options.media_type))) {
    invalid('media_type', `must be one of ${MEDIA_TYPES.join(', ')}.`);
  }
  for (const key of BOOLEAN_OPTIONS) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean')
      invalid(key, 'must be true or false.');
  }
  const cover = options.video_cover_timestamp_ms;
  if (cover !== undefined && !(Number.isInteger(cover) && (cover as number) >= 0)) {
    invalid('video_cover_timestamp_ms', 'must be a whole number of milliseconds, 0 or more.');
  }
  const index = options.photo_cover_index;
  if (
    index !== undefined &&
    !(Number.isInteger(index) && (index as number) >= 0 && (index as number) < content.media.length)
  ) {
    invalid(
      'photo_cover_index',
      `must be the index of one of the post's images (0 to ${content.media.length - 1}).`,
    );
  }
  // TikTok: branded content cannot be private (Content Sharing Guidelines, commercial content).
  if (options.brand_content_toggle === true && options.privacy_level === 'SELF_ONLY') {
    invalid(
      'brand_content_toggle',
      'branded content cannot be posted as SELF_ONLY; choose another privacy_level.',
    );
  }
  return issues;
}

const utf16 = (text: string) => text.length;

export const tiktokDescriptor: PlatformDescriptor = {
  slug: 'tiktok',
  displayName: 'TikTok',
  rules: tiktokRules,
  credentials: ['access_token', 'refresh_token'],
  prepareStep: 'always',
  // Only for a video the post sends as a file (api/platform-steps.ts FILE_UPLOAD_ONLY).
  uploadStep: 'upload',
  apiBaseUrl: 'https://open.tiktokapis.com',
  capabilities: { reconcile: false, refresh: true, delete: false, comments: false, metrics: true },
  // Login Kit for Web (v2): the client is `client_key`, scopes are comma-separated, the secret goes
  // in the form body. No PKCE: TikTok documents it for desktop and mobile apps only, and hex-encodes
  // the challenge there; a web app proves itself with its client secret.
  oauth: {
    authorizeUrl: 'https://www.tiktok.com/v2/auth/authorize/',
    authorizePath: '/v2/auth/authorize/',
    tokenUrl: 'https://open.tiktokapis.com/v2/oauth/token/',
    tokenPath: '/v2/oauth/token/',
    // video.list: the Display API's video query, which post metrics are read from.
    scopes: ['user.info.basic', 'user.info.profile', 'video.publish', 'video.list'],
    scopeSeparator: ',',
    clientIdParameter: 'client_key',
    pkce: false,
    clientAuth: 'body',
    profilePath: '/v2/user/info/?fields=open_id,union_id,avatar_url,display_name,username',
    readProfile: (body) => {
      const user = body.data?.user;
      return {
        id: String(user?.open_id ?? ''),
        username: user?.username,
        name: user?.display_name,
        pictureUrl: user?.avatar_url,
      };
    },
    credentials: (profile) => ({ open_id: profile.id }),
    identityKey: 'open_id',
  },
  accountHelpers: ['creator_info'],
};

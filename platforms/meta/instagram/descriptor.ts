import type { Issue } from '../../../api/errors';
import type { PlatformDescriptor, PlatformRules } from '../../descriptor';

const CONTENT_TYPES = ['feed', 'reel', 'carousel', 'stories'] as const;
/** Instagram's caption limits (IG Media / Content Publishing docs): 30 hashtags, 20 @-mentions. */
const MAX_HASHTAGS = 30;
const MAX_MENTIONS = 20;
/** A post may invite up to 3 collaborators. */
const MAX_COLLABORATORS = 3;

/**
 * Instagram (Content Publishing API): a 2,200-character caption; every post has media, whose
 * shape `content_type` names — `feed` one image (a single video becomes a reel shared to the
 * feed), `reel` one video, `stories` one image or video (published without caption),
 * `carousel` 2–10 images and videos mixed.
 *
 * maxConcurrentCalls: Instagram's ceilings are per account (a rolling 24-hour publishing quota,
 * `content_publishing_limit`) and per account-hour call budgets (Business Use Case limits), not
 * a concurrency limit; a carousel is up to 12 container calls plus status polls, so 4 calls at
 * once keeps one worker from bursting an account's hourly budget.
 */
export const instagramRules: PlatformRules = {
  textMaxLength: 2200,
  media: {
    min: 1,
    max: 10,
    kinds: ['image', 'video'],
    // Content publishing: images 8 MB; reels 300 MB, 3 s to 15 minutes (a story's video is held
    // to Instagram's shorter limit by Instagram).
    limits: {
      image: { maxBytes: 8 * 1024 * 1024 },
      video: { maxBytes: 300 * 1024 * 1024, minDurationSec: 3, maxDurationSec: 15 * 60 },
    },
  },
  optionKeys: [
    'content_type',
    'alt_text',
    'location_id',
    'collaborators',
    'share_to_feed',
    'cover_url',
    'video_cover_timestamp_ms',
  ],
  requiredOptions: [{ key: 'content_type', values: CONTENT_TYPES }],
  maxConcurrentCalls: 4,
  check: ({ content, options, media }) => {
    const issues: Issue[] = [];
    const invalid = (field: string, message: string) =>
      issues.push({ field, code: 'validation.field_invalid', message });
    const count = content.media.length;
    const type = String(options.content_type ?? '');
    if ((type === 'feed' || type === 'reel' || type === 'stories') && count > 1) {
      invalid(
        'media_ids',
        `an Instagram ${type} takes one media item; use content_type "carousel" for 2 to 10.`,
      );
    }
    if (type === 'carousel' && count > 0 && count < 2) {
      invalid('media_ids', 'an Instagram carousel needs 2 to 10 media items; use "feed" for one image.');
    }
    if (type === 'reel' && media[0]?.kind === 'image') {
      invalid(
        'media[0]',
        'is an image; an Instagram reel needs a video (use content_type "feed" for an image).',
      );
    }
    if ((content.text.match(/(^|\s)#\w/gu) ?? []).length > MAX_HASHTAGS) {
      invalid('text', `has more than ${MAX_HASHTAGS} hashtags; Instagram allows at most ${MAX_HASHTAGS}.`);
    }
    if ((content.text.match(/(^|\s)@\w/gu) ?? []).length > MAX_MENTIONS) {
      invalid(
        'text',
        `mentions more than ${MAX_MENTIONS} accounts; Instagram allows at most ${MAX_MENTIONS}.`,
      );
    }
    for (const key of ['alt_text', 'location_id', 'cover_url'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'string')
        invalid(`options.${key}`, 'must be a string.');
    }
    if (typeof options.location_id === 'string' && !/^\d+$/.test(options.location_id)) {
      invalid('options.location_id', 'must be a Facebook Page (location) id: digits only.');
    }
    if (typeof options.cover_url === 'string' && !/^https?:\/\//.test(options.cover_url)) {
      invalid('options.cover_url', 'must be a public http(s) URL of the cover image.');
    }
    if ((options.cover_url !== undefined || options.share_to_feed !== undefined) && type !== 'reel') {
      const key = options.cover_url !== undefined ? 'cover_url' : 'share_to_feed';
      invalid(`options.${key}`, 'applies to reels only; set content_type "reel" or remove it.');
    }
    if (options.share_to_feed !== undefined && typeof options.share_to_feed !== 'boolean') {
      invalid('options.share_to_feed', 'must be true or false.');
    }
    const offset = options.video_cover_timestamp_ms;
    if (offset !== undefined && !(Number.isInteger(offset) && Number(offset) >= 0)) {
      invalid('options.video_cover_timestamp_ms', 'must be a whole number of milliseconds, 0 or more.');
    }
    const collaborators = options.collaborators;
    if (collaborators !== undefined) {
      const list = Array.isArray(collaborators)
        ? collaborators
        : typeof collaborators === 'string'
          ? collaborators.split(',').filter((c) => c.trim())
          : null;
      if (!list || list.some((c) => typeof c !== 'string' || !c.trim())) {
        invalid('options.collaborators', 'must be usernames: an array, or one comma-separated string.');
      } else if (list.length > MAX_COLLABORATORS) {
        invalid('options.collaborators', `Instagram allows at most ${MAX_COLLABORATORS} collaborators.`);
      } else if (type === 'stories') {
        invalid('options.collaborators', 'stories cannot have collaborators; remove them.');
      }
    }
    return issues;
  },
};

export const instagramDescriptor: PlatformDescriptor = {
  slug: 'instagram',
  displayName: 'Instagram',
  rules: instagramRules,
  credentials: ['access_token', 'user_id'],
  prepareStep: 'always',
  // Videos may go by upload in prepare (POSTFLOW_META_VIDEO_SOURCE=upload): run it as an upload.
  uploadStep: 'prepare',
  apiBaseUrl: 'https://graph.instagram.com',
  capabilities: { reconcile: true, refresh: true, delete: false, comments: true, metrics: true },
  accountHelpers: ['limits'],
  // Business Login for Instagram (Instagram API with Instagram Login, no Facebook Page): the
  // authorization window at www.instagram.com (comma-separated instagram_business_* scopes, no
  // PKCE), the code redeemed at api.instagram.com for an hour's token, traded on
  // graph.instagram.com (`ig_exchange_token`) for a 60-day one the adapter renews
  // (`ig_refresh_token`, token upkeep). `/me`'s `user_id` is the professional account's id the
  // Content Publishing calls take (`id` is only app-scoped).
  oauth: {
    authorizeUrl: 'https://www.instagram.com/oauth/authorize',
    authorizePath: '/oauth/authorize',
    tokenUrl: 'https://api.instagram.com/oauth/access_token',
    tokenPath: '/oauth/access_token',
    scopes: [
      'instagram_business_basic',
      'instagram_business_content_publish',
      'instagram_business_manage_comments',
      'instagram_business_manage_insights',
    ],
    scopeSeparator: ',',
    pkce: false,
    clientAuth: 'body',
    longLivedExchange: { path: '/access_token', grantType: 'ig_exchange_token' },
    profilePath: '/v25.0/me?fields=user_id,username,name,profile_picture_url,biography',
    readProfile: (body) => ({
      id: String(body.user_id ?? ''),
      username: body.username,
      name: body.name,
      pictureUrl: body.profile_picture_url,
      bio: body.biography,
    }),
    credentials: (profile) => ({ user_id: profile.id }),
    identityKey: 'user_id',
  },
};

import type { Issue } from '../../api/errors';
import { textLength } from '../text-length';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

const TEXT_MAX = 280;
const REPLY_SETTINGS = ['following', 'mentionedUsers', 'subscribers', 'verified'];
const BOOLEANS = [
  'for_super_followers_only',
  'nullcast',
  'made_with_ai',
  'paid_partnership',
  'share_with_followers',
  'auto_populate_reply_metadata',
];
/** X ids (users, posts, communities) are 1–19 digits, sent as strings. */
const ID = /^[0-9]{1,19}$/;
/** X's alt text limit (media metadata reference). */
const ALT_TEXT_MAX = 1_000;
/** Postflow's own bound on a thread's replies; X documents none. */
const THREAD_MAX = 25;
/** X's image limits (media best practices): 5 MB, a GIF 15 MB; videos are in the rules' limits. */
const IMAGE_MAX_BYTES = { image: 5 * 1024 * 1024, gif: 15 * 1024 * 1024 };

/**
 * X (docs.x.com): 280 characters as X weighs them (most scripts 1, CJK and emoji 2, every URL
 * 23), up to 4 images, or 1 GIF, or 1 video, never mixed; text or media required. Media and a
 * quote are exclusive (POST /2/tweets: media "mutually exclusive from Quote Tweet Id and Poll").
 *
 * maxConcurrentCalls: X limits posting per user per window (POST /2/tweets 100 per 15 minutes
 * per user, a 24-hour cap per app) and documents no concurrency limit; three calls at once keep
 * a burst of scheduled posts from draining a window in seconds while uploads still overlap.
 */
export const twitterRules: PlatformRules = {
  textMaxLength: TEXT_MAX,
  textCounting: 'weighted',
  media: {
    min: 0,
    max: 4,
    kinds: ['image', 'video'],
    // Media best practices: videos 512 MB and 0.5–140 s (images, whose limit GIFs raise, below).
    limits: { video: { maxBytes: 512 * 1024 * 1024, minDurationSec: 0.5, maxDurationSec: 140 } },
  },
  optionKeys: [
    'reply_settings',
    'in_reply_to_tweet_id',
    'exclude_reply_user_ids',
    'quote_tweet_id',
    'geo_place_id',
    'community_id',
    'thread',
    'alt_text',
    'alt_texts',
    ...BOOLEANS,
  ],
  requiredOptions: [],
  threads: true,
  refusesDuplicateText: true,
  maxConcurrentCalls: 3,
  check: ({ content, options, media }) => {
    const issues: Issue[] = [];
    const problem = (field: string, message: string, code = 'validation.field_invalid') =>
      issues.push({ field, code, message });

    if (!content.text.trim() && content.media.length === 0) {
      problem(
        'text',
        'X needs text or media; write some text or attach a file.',
        'validation.field_required',
      );
    }
    const gifs = media.filter((m) => m.contentType === 'image/gif').length;
    const videos = media.filter((m) => m.kind === 'video').length;
    if ((gifs || videos) && media.length > 1) {
      problem('media', 'X takes a video or a GIF only as the single attachment; post it alone.');
    }
    media.forEach((m, i) => {
      const kind = m.contentType === 'image/gif' ? 'gif' : m.kind === 'image' ? 'image' : undefined;
      if (kind && m.sizeBytes !== undefined && m.sizeBytes > IMAGE_MAX_BYTES[kind]) {
        problem(
          `media[${i}]`,
          `is ${m.sizeBytes} bytes; X takes ${kind}s up to ${IMAGE_MAX_BYTES[kind] / 1024 / 1024} MB.`,
        );
      }
    });

    if (options.reply_settings !== undefined && !REPLY_SETTINGS.includes(String(options.reply_settings))) {
      problem(
        'options.reply_settings',
        `must be one of ${REPLY_SETTINGS.join(', ')} (leave it out to let everyone reply).`,
      );
    }
    for (const key of BOOLEANS) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean')
        problem(`options.${key}`, 'must be true or false.');
    }
    for (const key of ['in_reply_to_tweet_id', 'quote_tweet_id', 'community_id']) {
      if (options[key] !== undefined && !ID.test(String(options[key]))) {
        problem(`options.${key}`, 'must be an X id: 1 to 19 digits, as a string.');
      }
    }
    if (
      options.geo_place_id !== undefined &&
      (typeof options.geo_place_id !== 'string' || !options.geo_place_id)
    ) {
      problem('options.geo_place_id', 'must be an X place id (a string).');
    }
    const excluded = options.exclude_reply_user_ids;
    if (excluded !== undefined) {
      if (!Array.isArray(excluded) || excluded.some((id) => !ID.test(String(id)))) {
        problem('options.exclude_reply_user_ids', 'must be a list of X user ids (strings of digits).');
      } else if (options.in_reply_to_tweet_id === undefined) {
        problem('options.exclude_reply_user_ids', 'only applies to a reply; set in_reply_to_tweet_id too.');
      }
    }
    if (options.auto_populate_reply_metadata === true && options.in_reply_to_tweet_id === undefined) {
      problem(
        'options.auto_populate_reply_metadata',
        'only applies to a reply; set in_reply_to_tweet_id too.',
      );
    }
    if (options.quote_tweet_id !== undefined && content.media.length > 0) {
      problem('options.quote_tweet_id', 'X does not take media and a quote in one post; remove one of them.');
    }
    checkAltTexts(options, problem);
    checkThread(options.thread, problem);
    if (options.thread !== undefined && content.segments?.length) {
      problem('options.thread', 'is the older way to give a thread; send segments or thread, not both.');
    }
    return issues;
  },
};

function checkAltTexts(options: Record<string, unknown>, problem: (field: string, message: string) => void) {
  if (
    options.alt_text !== undefined &&
    (typeof options.alt_text !== 'string' || options.alt_text.length > ALT_TEXT_MAX)
  ) {
    problem('options.alt_text', `must be text of at most ${ALT_TEXT_MAX} characters.`);
  }
  const texts = options.alt_texts;
  if (texts === undefined) return;
  if (!Array.isArray(texts) || texts.some((t) => typeof t !== 'string' || t.length > ALT_TEXT_MAX)) {
    problem(
      'options.alt_texts',
      `must be a list of texts of at most ${ALT_TEXT_MAX} characters, one per media item.`,
    );
  }
}

function checkThread(thread: unknown, problem: (field: string, message: string) => void) {
  if (thread === undefined) return;
  if (!Array.isArray(thread) || thread.length === 0 || thread.length > THREAD_MAX) {
    problem(
      'options.thread',
      `must be a list of 1 to ${THREAD_MAX} texts, posted as replies after the post.`,
    );
    return;
  }
  thread.forEach((segment, i) => {
    if (typeof segment !== 'string' || !segment.trim()) {
      problem(`options.thread[${i}]`, 'must be non-empty text.');
    } else if (xLength(segment) > TEXT_MAX) {
      problem(
        `options.thread[${i}]`,
        `is ${xLength(segment)} characters as X counts them; X allows at most ${TEXT_MAX}.`,
      );
    }
  });
}

/** X's weighted length (text-length.ts, `weighted`): what X counts against its 280. */
export const xLength = (text: string): number => textLength(text, 'weighted');

export const twitterDescriptor: PlatformDescriptor = {
  slug: 'twitter',
  displayName: 'X (Twitter)',
  rules: twitterRules,
  credentials: ['access_token'],
  prepareStep: 'with-media',
  uploadStep: 'prepare',
  apiBaseUrl: 'https://api.x.com',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true, metrics: true },
  // OAuth 2.0 with PKCE; offline.access brings the refresh token, media.write the v2 uploads.
  oauth: {
    authorizeUrl: 'https://x.com/i/oauth2/authorize',
    authorizePath: '/i/oauth2/authorize',
    tokenUrl: 'https://api.x.com/2/oauth2/token',
    tokenPath: '/2/oauth2/token',
    scopes: ['tweet.read', 'tweet.write', 'users.read', 'media.write', 'offline.access'],
    pkce: true,
    clientAuth: 'basic',
    profilePath: '/2/users/me?user.fields=profile_image_url',
    readProfile: (body) => ({
      id: String(body.data?.id ?? ''),
      username: body.data?.username,
      name: body.data?.name,
      pictureUrl: body.data?.profile_image_url,
    }),
    credentials: (profile) => ({
      user_id: profile.id,
      ...(profile.username ? { username: profile.username } : {}),
    }),
    identityKey: 'user_id',
  },
};

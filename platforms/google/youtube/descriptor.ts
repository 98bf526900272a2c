import type { Issue } from '../../../api/errors';
import type { PlatformDescriptor, PlatformRules } from '../../descriptor';

const LICENSES = ['youtube', 'creativeCommon'];
const BOOLEAN_KEYS = [
  'made_for_kids',
  'embeddable',
  'public_stats_viewable',
  'contains_synthetic_media',
  'notify_subscribers',
];
const LANGUAGE = /^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/;
/** YouTube counts tags together: 500 characters, commas between them, quotes around tags with spaces. */
const TAGS_MAX = 500;
const TITLE_MAX = 100;

/**
 * YouTube (Data API v3, video resource): exactly one video; `snippet.title` required, at most
 * 100 characters; `snippet.description` (the post's text) at most 5,000 bytes; neither may
 * contain `<` or `>`. The title is the post's `title`, else `platform_data.title`
 * (socialapi-contract §5), so the rules check it here rather than with `titleRequired`.
 * One upload at a time per worker: videos.insert has its own quota bucket of 100 calls a day
 * per project, and each upload is long and heavy (developers.google.com/youtube/v3/determine_quota_cost).
 */
export const youtubeRules: PlatformRules = {
  textMaxLength: 5000,
  textCounting: 'bytes',
  titleMaxLength: TITLE_MAX,
  media: {
    min: 1,
    max: 1,
    kinds: ['video'],
    // Upload help: 256 GB or 12 hours, whichever is less (longer than 15 minutes needs a verified channel).
    limits: { video: { maxBytes: 256 * 1024 * 1024 * 1024, maxDurationSec: 12 * 3600 } },
  },
  optionKeys: [
    'title',
    'category_id',
    'tags',
    'default_language',
    'license',
    'publish_at',
    'recording_date',
    'playlist_id',
    ...BOOLEAN_KEYS,
  ],
  requiredOptions: [],
  maxConcurrentCalls: 1,
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    const problem = (field: string, message: string, code = 'validation.field_invalid') =>
      issues.push({ field, code, message });

    const title = content.title ?? options.title;
    if (typeof title !== 'string' || !title.trim()) {
      problem(
        'title',
        'YouTube requires a title; set "title" (or platform_data "title").',
        'validation.field_required',
      );
    } else if (content.title === undefined && [...title].length > TITLE_MAX) {
      problem('options.title', `is ${[...title].length} characters; YouTube allows at most ${TITLE_MAX}.`);
    }
    if (typeof title === 'string' && /[<>]/.test(title)) {
      problem(
        content.title !== undefined ? 'title' : 'options.title',
        'may not contain "<" or ">"; YouTube refuses them.',
      );
    }
    if (/[<>]/.test(content.text))
      problem('text', 'may not contain "<" or ">" (the video description); YouTube refuses them.');

    for (const key of BOOLEAN_KEYS) {
      if (options[key] !== undefined && typeof options[key] !== 'boolean')
        problem(`options.${key}`, 'must be true or false.');
    }
    if (options.category_id !== undefined && !/^\d+$/.test(String(options.category_id))) {
      problem('options.category_id', 'must be a YouTube video category id such as "22" (People & Blogs).');
    }
    if (options.license !== undefined && !LICENSES.includes(String(options.license))) {
      problem('options.license', `must be one of ${LICENSES.join(', ')}.`);
    }
    if (options.default_language !== undefined && !LANGUAGE.test(String(options.default_language))) {
      problem('options.default_language', 'must be a BCP 47 language code such as "en" or "pt-BR".');
    }
    if (options.playlist_id !== undefined && !/^[A-Za-z0-9_-]{2,64}$/.test(String(options.playlist_id))) {
      problem('options.playlist_id', 'must be a YouTube playlist id (e.g. "PL…").');
    }
    checkTags(options.tags, problem);
    checkPublishAt(options.publish_at, problem);
    if (options.recording_date !== undefined && Number.isNaN(Date.parse(String(options.recording_date)))) {
      problem('options.recording_date', 'must be an RFC 3339 date-time such as "2026-05-01T00:00:00Z".');
    }
    return issues;
  },
};

function checkTags(tags: unknown, problem: (field: string, message: string) => void) {
  if (tags === undefined) return;
  const list = Array.isArray(tags)
    ? tags
    : typeof tags === 'string'
      ? tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : null;
  if (!list || list.some((t) => typeof t !== 'string')) {
    return problem('options.tags', 'must be a list of strings (or one comma-separated string).');
  }
  const length =
    list.reduce((sum: number, t: string) => sum + [...t].length + (t.includes(' ') ? 2 : 0), 0) +
    Math.max(0, list.length - 1);
  if (length > TAGS_MAX)
    problem('options.tags', `count ${length} characters together; YouTube allows ${TAGS_MAX}.`);
  if (list.some((t: string) => /[<>]/.test(t))) problem('options.tags', 'may not contain "<" or ">".');
}

/** Native scheduling: a future instant; YouTube keeps the video private until then. */
function checkPublishAt(value: unknown, problem: (field: string, message: string) => void) {
  if (value === undefined) return;
  const at = typeof value === 'string' ? Date.parse(value) : NaN;
  if (Number.isNaN(at) || !/(Z|[+-]\d\d:\d\d)$/.test(String(value))) {
    problem('options.publish_at', 'must be an RFC 3339 instant with an offset, e.g. "2026-12-24T18:00:00Z".');
  } else if (at <= Date.now()) {
    problem('options.publish_at', 'is in the past; leave it out to publish now, or use scheduled_at.');
  }
}

export const youtubeDescriptor: PlatformDescriptor = {
  slug: 'youtube',
  displayName: 'YouTube',
  rules: youtubeRules,
  credentials: ['access_token'],
  apiBaseUrl: 'https://www.googleapis.com',
  uploadStep: 'upload',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true, metrics: true },
  // Google OAuth 2.0 for web server apps: access_type=offline with prompt=consent so every connect
  // (reconnects too) gets a refresh token; PKCE is supported. youtube.upload uploads videos,
  // youtube.force-ssl covers comments, playlists and deleting.
  oauth: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    authorizePath: '/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    tokenPath: '/token',
    scopes: [
      'https://www.googleapis.com/auth/youtube.upload',
      'https://www.googleapis.com/auth/youtube.force-ssl',
    ],
    pkce: true,
    clientAuth: 'body',
    authorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
    profilePath: '/youtube/v3/channels?part=snippet&mine=true',
    readProfile: (body) => {
      const channel = body.items?.[0];
      return {
        id: String(channel?.id ?? ''),
        username: channel?.snippet?.customUrl,
        name: channel?.snippet?.title,
        pictureUrl: channel?.snippet?.thumbnails?.default?.url,
      };
    },
    credentials: (profile) => ({ channel_id: profile.id }),
    identityKey: 'channel_id',
  },
};

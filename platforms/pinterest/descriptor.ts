import type { Issue } from '../../api/errors';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/** Pinterest API v5 `POST /v5/pins` field limits (developers.pinterest.com, Create Pin). */
const LIMITS = { title: 100, description: 800, link: 2048, alt_text: 500 } as const;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/bmp', 'image/tiff'];
const VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/x-m4v'];

/**
 * Pinterest: one Pin on one board — a single image (pulled from its URL) or a single video
 * (uploaded through media registration). `board_id` is required; `page_id` is accepted as its
 * alias (socialapi-contract §2.1), never both. The post text is the Pin's description unless
 * `description` overrides it; the title is the post title unless `title` overrides it.
 *
 * maxConcurrentCalls: Standard access allows 100 requests a second per user and app, with
 * per-minute category limits (pins_write) on top; four calls at once per worker stays far below.
 */
export const pinterestRules: PlatformRules = {
  textMaxLength: LIMITS.description,
  titleMaxLength: LIMITS.title,
  media: {
    min: 1,
    max: 1,
    kinds: ['image', 'video'],
    // Pin media specifications: images 20 MB; videos 2 GB, 4 s to 15 minutes.
    limits: {
      image: { maxBytes: 20 * 1024 * 1024 },
      video: { maxBytes: 2 * 1024 * 1024 * 1024, minDurationSec: 4, maxDurationSec: 15 * 60 },
    },
  },
  optionKeys: ['board_id', 'page_id', 'title', 'description', 'link', 'alt_text', 'cover_image_url'],
  requiredOptions: [],
  maxConcurrentCalls: 4,
  check: ({ options, media }) => {
    const issues: Issue[] = [];
    const problem = (key: string, message: string, code = 'validation.field_invalid') =>
      issues.push({ field: `options.${key}`, code, message });

    const board = options.board_id;
    const page = options.page_id;
    if (board !== undefined && page !== undefined) {
      problem('page_id', 'is an alias of board_id; send only board_id.');
    } else if (isBlank(board) && isBlank(page)) {
      problem(
        'board_id',
        'Pinterest needs the board to pin to: set the target\'s "board_id".',
        'validation.field_required',
      );
    }
    for (const key of ['board_id', 'page_id'] as const) {
      if (options[key] !== undefined && (typeof options[key] !== 'string' || isBlank(options[key]))) {
        problem(key, "must be the id of one of the account's boards (a string).");
      }
    }
    for (const key of ['title', 'description', 'alt_text', 'link'] as const) {
      const value = options[key];
      if (value === undefined) continue;
      if (typeof value !== 'string') problem(key, 'must be a string.');
      else if ([...value].length > LIMITS[key])
        problem(key, `is ${[...value].length} characters; Pinterest allows ${LIMITS[key]}.`);
    }
    for (const key of ['link', 'cover_image_url'] as const) {
      const value = options[key];
      if (typeof value === 'string' && !/^https?:\/\/\S+$/i.test(value))
        problem(key, 'must be an http(s) URL.');
      else if (key === 'cover_image_url' && value !== undefined && typeof value !== 'string')
        problem(key, 'must be an http(s) URL.');
    }
    media.forEach((m, i) => {
      const allowed = m.kind === 'image' ? IMAGE_TYPES : m.kind === 'video' ? VIDEO_TYPES : undefined;
      if (m.contentType && allowed && !allowed.includes(m.contentType)) {
        issues.push({
          field: `media[${i}]`,
          code: 'validation.field_invalid',
          message: `is ${m.contentType}; Pinterest takes ${allowed.join(', ')}. Convert it.`,
        });
      }
    });
    return issues;
  },
};

const isBlank = (value: unknown) => value === undefined || value === null || value === '';

export const pinterestDescriptor: PlatformDescriptor = {
  slug: 'pinterest',
  displayName: 'Pinterest',
  rules: pinterestRules,
  credentials: ['access_token'],
  prepareStep: 'always',
  uploadStep: 'prepare',
  apiBaseUrl: 'https://api.pinterest.com',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: false, metrics: true },
  accountHelpers: ['boards'],
  // Pinterest API v5: the app id and secret as HTTP Basic; no PKCE.
  oauth: {
    authorizeUrl: 'https://www.pinterest.com/oauth/',
    authorizePath: '/oauth/',
    tokenUrl: 'https://api.pinterest.com/v5/oauth/token',
    tokenPath: '/v5/oauth/token',
    scopes: ['user_accounts:read', 'boards:read', 'boards:write', 'pins:read', 'pins:write'],
    pkce: false,
    clientAuth: 'basic',
    profilePath: '/v5/user_account',
    readProfile: (body) => ({
      id: String(body.id ?? body.username ?? ''),
      username: body.username,
      name: body.business_name ?? body.username,
      pictureUrl: body.profile_image,
    }),
    credentials: (profile) => ({ user_id: profile.id }),
    identityKey: 'user_id',
  },
};

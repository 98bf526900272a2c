import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/** Reddit's submit form: a title of at most 300 characters… */
const TITLE_MAX = 300;
/** …and a self post's text of at most 40,000 (reddit.com's submit page and `TOO_LONG`). */
const TEXT_MAX = 40_000;
/** A subreddit's name: 3–21 letters, digits and `_` (a user profile is `u_<name>`, up to 23). */
const SUBREDDIT = /^[A-Za-z0-9][A-Za-z0-9_]{1,22}$/;
/** A flair's text is at most 64 characters. */
const FLAIR_TEXT_MAX = 64;

/**
 * Options of a Reddit target (`platform_options.reddit`, or a target's `platform_data`), each a
 * field of `POST /api/submit` by Reddit's own name (reddit.com/dev/api#POST_api_submit); anything
 * else is refused by name. The kind follows from them: `url` makes a link post, else a self post.
 */
export const redditOptionsSchema = z
  .object({
    /** The subreddit to post in, by name without `r/` (a profile: `u_<username>`); required. */
    sr: z
      .string()
      .regex(SUBREDDIT, 'must be a subreddit name without "r/" (3–21 letters, digits, "_").')
      .optional(),
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
 * Reddit (the OAuth API at oauth.reddit.com): a self post (title and markdown text) or a link post
 * (title and `url`) in one subreddit. Image and video posts go through Reddit's media asset upload
 * (`/api/media/asset.json`, an S3 form, a websocket reporting the processing), which Reddit's API
 * reference does not document; Postflow takes no media for Reddit until it does (docs/platforms.md).
 *
 * maxConcurrentCalls: Reddit allows 100 queries a minute per OAuth client (averaged over 10
 * minutes), shared by every account: two calls at once per worker.
 */
export const redditRules: PlatformRules = {
  textMaxLength: TEXT_MAX,
  titleRequired: true,
  titleMaxLength: TITLE_MAX,
  media: { min: 0, max: 0 },
  optionKeys: Object.keys(redditOptionsSchema.shape),
  requiredOptions: [{ key: 'sr' }],
  maxConcurrentCalls: 2,
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    issues.push(...optionIssues(redditOptionsSchema, options));
    if (options.url !== undefined && content.text.trim() !== '') {
      issues.push({
        field: 'text',
        code: 'validation.field_invalid',
        message: 'a Reddit link post (options.url) carries no text; leave the text empty or drop url.',
      });
    }
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

export const redditDescriptor: PlatformDescriptor = {
  slug: 'reddit',
  displayName: 'Reddit',
  rules: redditRules,
  // An OAuth2 token (scopes identity submit edit read history); refresh_token and expires_at
  // where the app asked for a permanent grant.
  credentials: ['access_token'],
  apiBaseUrl: 'https://oauth.reddit.com',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true },
};

import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/**
 * NPF's post content limits (tumblr/docs npf-spec.md, "Post Content Limits"): a text block holds
 * at most 4,096 code points, a post at most 30 image blocks, and a stored post at most 1 MB —
 * "in practice closer to 900,000 characters".
 */
export const TUMBLR_TEXT_BLOCK_MAX = 4_096;
const POST_TEXT_MAX = 900_000;
const IMAGE_BLOCKS_MAX = 30;
/** An image block's `alt_text`: 4,096 characters at most (npf-spec.md, "Content Block Type: Image"). */
const ALT_TEXT_MAX = 4_096;

/**
 * Options of a Tumblr target (`platform_options.tumblr`, or a target's `platform_data`): fields of
 * `POST /v2/blog/{blog-identifier}/posts` (tumblr/docs api.md, "Create/Reblog a Post (Neue Post
 * Format)") and of its image blocks; anything else is refused by name.
 */
export const tumblrOptionsSchema = z
  .object({
    /** `draft` saves the post on the blog unseen; `private` publishes it for the blog's owner only. */
    state: z.enum(['published', 'draft', 'private']).optional(),
    /** Tags, sent as Tumblr's comma-separated list: a tag cannot hold a comma. */
    tags: z
      .array(
        z
          .string()
          .trim()
          .min(1, 'must not be empty.')
          .regex(/^[^,]+$/, 'must not contain "," (Tumblr separates tags with commas).'),
      )
      .optional(),
    /** Where the post's content comes from (Tumblr shows it as the source). */
    source_url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL.' })
      .max(2048)
      .optional(),
    /** The first image's description for screen readers. */
    alt_text: z.string().max(ALT_TEXT_MAX).optional(),
    /** One description per image, in the order of the post's media. */
    alt_texts: z.array(z.string().max(ALT_TEXT_MAX)).max(IMAGE_BLOCKS_MAX).optional(),
  })
  .strict();

/**
 * Tumblr (API v2, Neue Post Format): the post's title as a heading block, its text as one text
 * block per line, its images (up to 30) uploaded with the post. A text block holds at most 4,096
 * characters, so each line of the text is held to that.
 *
 * maxConcurrentCalls: Tumblr allows 1,000 calls an hour per consumer key and 250 new posts a day
 * per user (api.md, "Rate Limits"); one call at a time per worker keeps a burst from spending them.
 */
export const tumblrRules: PlatformRules = {
  textMaxLength: POST_TEXT_MAX,
  titleMaxLength: TUMBLR_TEXT_BLOCK_MAX,
  media: { min: 0, max: IMAGE_BLOCKS_MAX, kinds: ['image'] },
  requiredOptions: [],
  optionKeys: Object.keys(tumblrOptionsSchema.shape),
  maxConcurrentCalls: 1,
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    const lines = (content.text ?? '').split('\n');
    const long = lines.findIndex((line) => [...line].length > TUMBLR_TEXT_BLOCK_MAX);
    if (long >= 0) {
      issues.push({
        field: 'text',
        code: 'validation.field_invalid',
        message: `line ${long + 1} is ${[...lines[long]!].length} characters; a Tumblr text block (one line of the post) holds ${TUMBLR_TEXT_BLOCK_MAX}. Break it into shorter lines.`,
      });
    }
    issues.push(...optionIssues(tumblrOptionsSchema, options));
    return issues;
  },
};

/** A blog as `/v2/user/info` lists the person's blogs. */
interface TumblrBlog {
  name?: string;
  title?: string;
  primary?: boolean;
  avatar?: Array<{ url?: string }>;
}

export const tumblrDescriptor: PlatformDescriptor = {
  slug: 'tumblr',
  displayName: 'Tumblr',
  rules: tumblrRules,
  // OAuth 2.0 tokens (scopes `basic write offline_access`) and the blog to post to.
  credentials: ['access_token', 'blog_identifier'],
  apiBaseUrl: 'https://api.tumblr.com',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: false, metrics: false },
  // OAuth 2.0 (tumblr.com/docs/en/api/v2 "OAuth 2"): the client in the form body; offline_access
  // brings the refresh token. Tumblr documents no PKCE. The account posts to the person's primary
  // blog; the user name (the primary blog's name at the time) identifies the person.
  oauth: {
    authorizeUrl: 'https://www.tumblr.com/oauth2/authorize',
    authorizePath: '/oauth2/authorize',
    tokenUrl: 'https://api.tumblr.com/v2/oauth2/token',
    tokenPath: '/v2/oauth2/token',
    scopes: ['basic', 'write', 'offline_access'],
    pkce: false,
    clientAuth: 'body',
    profilePath: '/v2/user/info',
    readProfile: (body) => {
      const user = body.response?.user;
      const blogs: TumblrBlog[] = Array.isArray(user?.blogs) ? user.blogs : [];
      const primary = blogs.find((blog) => blog.primary) ?? blogs[0];
      return {
        id: String(user?.name ?? ''),
        ...(primary?.name ? { username: primary.name } : {}),
        ...(primary?.title ? { name: primary.title } : {}),
        ...(primary?.avatar?.[0]?.url ? { pictureUrl: primary.avatar[0].url } : {}),
      };
    },
    credentials: (profile) => ({ user_name: profile.id, blog_identifier: profile.username ?? profile.id }),
    identityKey: 'user_name',
  },
};

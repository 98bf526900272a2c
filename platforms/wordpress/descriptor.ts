import { z } from 'zod';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/**
 * WordPress keeps no length limit of its own on a post (`post_content` is a LONGTEXT); the request
 * carrying it is bounded by PHP's `post_max_size` (8 MB by default) and MySQL's packet size. 2 MB
 * of content stays well inside both, JSON escaping included.
 */
const CONTENT_MAX_BYTES = 2 * 1024 * 1024;
/** A term id: categories and tags are named by id in the REST API (`/wp/v2/categories`, `/wp/v2/tags`). */
const TERM_ID = z.number().int().positive();

/**
 * Options of a WordPress target (`platform_options.wordpress`, or a target's `platform_data`):
 * fields of the REST API's post (developer.wordpress.org/rest-api/reference/posts, "Create a
 * Post"); anything else is refused by name. The featured image is the post's media, not an option.
 * Postflow holds the schedule itself, so `status` has no `future`: the post goes out when due.
 */
export const wordpressOptionsSchema = z
  .object({
    /** `draft` saves the post as a draft of the site instead of publishing it. */
    status: z.enum(['publish', 'draft']).optional(),
    /** Category ids (Posts → Categories shows them); the site's default category otherwise. */
    categories: z.array(TERM_ID).max(100).optional(),
    /** Tag ids (Posts → Tags shows them). */
    tags: z.array(TERM_ID).max(100).optional(),
    /** The summary themes show in lists and feeds. */
    excerpt: z.string().min(1).optional(),
    /** The post's URL slug; WordPress derives one from the title otherwise (and makes it unique). */
    slug: z
      .string()
      .regex(/^[\p{L}\p{N}_-]{1,200}$/u, 'must be 1–200 letters, digits, "-" or "_".')
      .optional(),
    /** The featured image's alternative text (its media item's `alt_text`). */
    alt_text: z.string().min(1).max(1000).optional(),
  })
  .strict();

/**
 * WordPress (the core REST API, /wp-json/wp/v2): a post with a title and HTML content (plain text
 * paragraphs are formatted by the theme); the one media item a post takes is its featured image,
 * uploaded to the site's media library before the post is made.
 *
 * maxConcurrentCalls: the site is often one small PHP server; two calls at a time per worker.
 */
export const wordpressRules: PlatformRules = {
  textMaxLength: CONTENT_MAX_BYTES,
  textCounting: 'bytes',
  titleRequired: true,
  media: { min: 0, max: 1, kinds: ['image'] },
  requiredOptions: [],
  optionKeys: Object.keys(wordpressOptionsSchema.shape),
  maxConcurrentCalls: 2,
  check: ({ options }) => optionIssues(wordpressOptionsSchema, options),
};

export const wordpressDescriptor: PlatformDescriptor = {
  slug: 'wordpress',
  displayName: 'WordPress',
  rules: wordpressRules,
  // The site's address (its REST API at /wp-json, SSRF-guarded), a user's login name and an
  // application password of that user (Users → Profile → Application Passwords).
  credentials: ['site_url', 'username', 'application_password'],
  checkCredentials: ({ site_url: url }) =>
    url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)
      ? [
          {
            field: 'credentials.site_url',
            code: 'validation.field_invalid',
            message: "is not the site's address; give its https URL (https://blog.example.org).",
          },
        ]
      : [],
  prepareStep: 'with-media',
  capabilities: { reconcile: true, refresh: false, delete: true, comments: true, metrics: true },
};

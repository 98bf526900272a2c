import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/** Ghost's post model (ghost/core, schema.js): a title of at most 255 characters. */
const TITLE_MAX = 255;
/** Ghost keeps no limit on a post's HTML of its own; 2 MB stays well inside its request limits. */
const HTML_MAX_BYTES = 2 * 1024 * 1024;
/** An Admin API key: the integration's id, a colon, and its secret in hexadecimal. */
export const GHOST_ADMIN_KEY = /^[0-9a-f]{24}:[0-9a-f]{64}$/i;

/**
 * Options of a Ghost target (`platform_options.ghost`, or a target's `platform_data`): fields of
 * the Admin API's post (ghost.org/docs/admin-api, "Posts"); anything else is refused by name. The
 * feature image is the post's media, not an option. Postflow holds the schedule itself, so
 * `status` has no `scheduled`.
 */
export const ghostOptionsSchema = z
  .object({
    /** `draft` saves the post as a draft instead of publishing it. */
    status: z.enum(['published', 'draft']).optional(),
    /** Tags by name; Ghost creates the ones the site lacks. */
    tags: z.array(z.string().min(1).max(191)).max(50).optional(),
    /** The summary themes show in lists and feeds (Ghost's limit: 300 characters). */
    custom_excerpt: z.string().min(1).max(300).optional(),
    /** The post's URL slug; Ghost derives one from the title otherwise. */
    slug: z
      .string()
      .regex(/^[\p{L}\p{N}_-]{1,191}$/u, 'must be 1–191 letters, digits, "-" or "_".')
      .optional(),
    /** Show the post as featured. */
    featured: z.boolean().optional(),
    /** Who may read it: everyone, signed-in members, or paying members. */
    visibility: z.enum(['public', 'members', 'paid']).optional(),
    /** The feature image's alternative text (at most 191 characters). */
    feature_image_alt: z.string().min(1).max(191).optional(),
  })
  .strict();

/**
 * Ghost (the Admin API): a post with a title (≤ 255) and HTML content, which Ghost converts to its
 * editor's format; the one media item a post takes is its feature image, uploaded to the site in
 * prepare. Ghost(Pro) limits Admin API requests per site: two calls at a time per worker.
 */
export const ghostRules: PlatformRules = {
  textMaxLength: HTML_MAX_BYTES,
  textCounting: 'bytes',
  titleRequired: true,
  titleMaxLength: TITLE_MAX,
  media: { min: 0, max: 1, kinds: ['image'] },
  requiredOptions: [],
  optionKeys: Object.keys(ghostOptionsSchema.shape),
  maxConcurrentCalls: 2,
  check: ({ options }) => optionIssues(ghostOptionsSchema, options),
};

export const ghostDescriptor: PlatformDescriptor = {
  slug: 'ghost',
  displayName: 'Ghost',
  rules: ghostRules,
  // The site's Admin API address (SSRF-guarded) and a custom integration's Admin API key.
  credentials: ['admin_url', 'admin_api_key'],
  checkCredentials: ({ admin_url: url, admin_api_key: key }) => {
    const issues: Issue[] = [];
    if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) {
      issues.push({
        field: 'credentials.admin_url',
        code: 'validation.field_invalid',
        message: "is not the site's address; give the API URL the integration shows (https://site.ghost.io).",
      });
    }
    if (key !== undefined && !GHOST_ADMIN_KEY.test(key)) {
      issues.push({
        field: 'credentials.admin_api_key',
        code: 'validation.field_invalid',
        message:
          'is not an Admin API key (<24 hex characters>:<64 hex characters>); copy it from Settings → Integrations → your custom integration.',
      });
    }
    return issues;
  },
  prepareStep: 'with-media',
  capabilities: { reconcile: true, refresh: false, delete: true, comments: false, metrics: false },
};

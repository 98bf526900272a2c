import { z } from 'zod';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';
import { frontMatterIssues } from './front-matter';

/** Forem's Article model (forem/forem app/models/article.rb): a title of at most 128 characters… */
const TITLE_MAX = 128;
/** …and a body of at most 800 KB of markdown. */
const BODY_MAX_BYTES = 800 * 1024;
/** An article carries at most 4 tags, each of at most 30 letters and digits (Forem's tag rules). */
export const DEVTO_MAX_TAGS = 4;
const TAG = /^[\p{L}\p{N}]{1,30}$/u;

/**
 * Options of a Dev.to target (`platform_options.devto`, or a target's `platform_data`): each is a
 * field of Forem's article (developers.forem.com/api/v1, "Publish article"); anything else is
 * refused by name. The cover image is the post's media, not an option.
 */
export const devtoOptionsSchema = z
  .object({
    /** `false` saves the article as a draft on the account instead of publishing it. */
    published: z.boolean().optional(),
    /** Up to 4 tags, letters and digits only (Forem drops `#` and spaces would split them). */
    tags: z
      .array(z.string().regex(TAG, 'must be 1–30 letters or digits (no spaces, "#" or "-").'))
      .max(DEVTO_MAX_TAGS, `Dev.to takes at most ${DEVTO_MAX_TAGS} tags.`)
      .optional(),
    /** Where the article was first published (shown as "Originally published at"). */
    canonical_url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL.' })
      .max(2048)
      .optional(),
    /** The series (by name) the article belongs to; Forem creates it if new. */
    series: z.string().min(1).optional(),
    /** The summary shown in feeds and link previews. */
    description: z.string().min(1).optional(),
    /** Publish under an organization the account is a member of (its numeric id). */
    organization_id: z.number().int().positive().optional(),
  })
  .strict();

/**
 * Dev.to (the Forem API v1): an article with a title (≤ 128 characters) and a markdown body
 * (≤ 800 KB). Images inside the body are markdown links the reader's browser loads; the one media
 * item an article takes is its cover image (`main_image`), which Forem fetches by URL.
 *
 * maxConcurrentCalls: Forem allows one write a second per API key (Rack::Attack
 * `api_write_throttle`), so one call at a time per worker.
 */
export const devtoRules: PlatformRules = {
  textMaxLength: BODY_MAX_BYTES,
  textCounting: 'bytes',
  titleRequired: true,
  titleMaxLength: TITLE_MAX,
  media: { min: 0, max: 1, kinds: ['image'] },
  requiredOptions: [],
  optionKeys: Object.keys(devtoOptionsSchema.shape),
  maxConcurrentCalls: 1,
  check: ({ content, options, media }) => [
    ...optionIssues(devtoOptionsSchema, options),
    ...frontMatterIssues(content.text, options, media.length),
  ],
};

export const devtoDescriptor: PlatformDescriptor = {
  slug: 'devto',
  displayName: 'DEV (dev.to)',
  rules: devtoRules,
  // A DEV API key (Settings → Extensions → DEV Community API Keys); it does not expire.
  credentials: ['api_key'],
  apiBaseUrl: 'https://dev.to',
  capabilities: { reconcile: true, refresh: false, delete: true, comments: false, metrics: true },
};

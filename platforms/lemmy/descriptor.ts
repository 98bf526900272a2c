import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/**
 * Lemmy's validation (crates/utils/src/utils/validation.rs): a post title of 3 to 200 characters
 * on one line…
 */
const TITLE_MIN = 3;
const TITLE_MAX = 200;
/** …and a post body of at most 50,000 characters. */
const BODY_MAX = 50_000;
const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL.' }).max(2000);

/**
 * Options of a Lemmy target (`platform_options.lemmy`, or a target's `platform_data`), each a field
 * of Lemmy's `CreatePost` (join-lemmy.org/api, `POST /api/v3/post`) by its own name; anything else
 * is refused by name. The post's title is `name`, its text the markdown `body`, its one image
 * (uploaded to the instance's pict-rs) the post's `url`.
 */
export const lemmyOptionsSchema = z
  .object({
    /** The community to post in, by its numeric id on the account's instance; required. */
    community_id: z.number().int().positive().optional(),
    /** A link post: the URL it points to (not with an image: the image becomes the URL). */
    url: httpUrl.optional(),
    /** Marks the post NSFW. */
    nsfw: z.boolean().optional(),
    /** The post's language, by the instance's numeric language id (0 is "undetermined"). */
    language_id: z.number().int().nonnegative().optional(),
    /** A thumbnail URL instead of the one Lemmy would fetch for the link (Lemmy ≥ 0.19.4). */
    custom_thumbnail: httpUrl.optional(),
    /** The image's alt text (Lemmy ≥ 0.19.4). */
    alt_text: z.string().min(1).max(1500).optional(),
  })
  .strict();

/**
 * Lemmy (API v3, 0.19), on the account's own instance: a post with a title, a markdown body, and
 * a link or one image. maxConcurrentCalls: an instance's default rate limit for posts is 6 per
 * 10 minutes per IP; one call at a time per worker.
 */
export const lemmyRules: PlatformRules = {
  textMaxLength: BODY_MAX,
  titleRequired: true,
  titleMaxLength: TITLE_MAX,
  media: { min: 0, max: 1, kinds: ['image'] },
  optionKeys: Object.keys(lemmyOptionsSchema.shape),
  requiredOptions: [{ key: 'community_id' }],
  maxConcurrentCalls: 1,
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    issues.push(...optionIssues(lemmyOptionsSchema, options));
    const title = content.title ?? '';
    if (title && ([...title.trim()].length < TITLE_MIN || /[\r\n]/.test(title))) {
      issues.push({
        field: 'title',
        code: 'validation.field_invalid',
        message: `Lemmy takes a title of ${TITLE_MIN} to ${TITLE_MAX} characters on one line.`,
      });
    }
    if (options.url !== undefined && content.media.length > 0) {
      issues.push({
        field: 'options.url',
        code: 'validation.field_invalid',
        message: "a Lemmy post has one URL, and the post's image becomes it; drop url or the image.",
      });
    }
    return issues;
  },
};

export const lemmyDescriptor: PlatformDescriptor = {
  slug: 'lemmy',
  displayName: 'Lemmy',
  rules: lemmyRules,
  // `password` (or a session `access_token`, the JWT) too: checkCredentials asks for one of them.
  credentials: ['instance_url', 'username'],
  checkCredentials: (credentials) =>
    credentials.password || credentials.access_token
      ? []
      : [
          {
            field: 'credentials.password',
            code: 'validation.field_required',
            message:
              "Lemmy needs the account's password (Postflow logs in and keeps the session), or a session JWT as access_token.",
          },
        ],
  prepareStep: 'with-media',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true, metrics: true },
};

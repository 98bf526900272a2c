import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/** Tags one post carries (Hashnode's API limits). */
export const HASHNODE_MAX_TAGS = 15;
/**
 * Hashnode refuses a request body over 100 KB, and the markdown travels inside it (JSON-escaped,
 * beside the query and the other fields): 90 KiB of text leaves room for those. The adapter checks
 * the body it actually sends.
 */
const TEXT_MAX_BYTES = 90 * 1024;
/** MongoDB ObjectIds: publications, series. */
const OBJECT_ID = /^[0-9a-f]{24}$/i;
/** Tag and post slugs: lowercase letters, digits and dashes. */
const SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * Options of a Hashnode target (`platform_options.hashnode`, or a target's `platform_data`): each
 * is a field of `PublishPostInput` (apidocs.hashnode.com); anything else is refused by name. The
 * cover image is the post's media, not an option.
 */
export const hashnodeOptionsSchema = z
  .object({
    /** Shown under the title. */
    subtitle: z.string().min(1).optional(),
    /** The post's URL slug; Hashnode derives one from the title without it. */
    slug: z.string().regex(SLUG, 'must be lowercase letters, digits and dashes.').optional(),
    /** Tags by slug; Hashnode creates the ones it does not know. */
    tags: z
      .array(z.string().regex(SLUG, 'must be a tag slug: lowercase letters, digits and dashes.'))
      .max(HASHNODE_MAX_TAGS, `Hashnode takes at most ${HASHNODE_MAX_TAGS} tags.`)
      .optional(),
    /** Where the article was first published (`originalArticleURL`, the canonical URL). */
    canonical_url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL.' })
      .max(2048)
      .optional(),
    /** No comments under the post. */
    disable_comments: z.boolean().optional(),
    /** A series of the publication to add the post to (its id). */
    series_id: z.string().regex(OBJECT_ID, 'must be a series id (24 hexadecimal characters).').optional(),
  })
  .strict();

/**
 * Hashnode (GraphQL API, gql.hashnode.com): a post with a title and a markdown body in one of the
 * account's publications. Images inside the body are markdown links; the one media item a post
 * takes is its cover image, by URL (`coverImageOptions.coverImageURL`).
 *
 * maxConcurrentCalls: Hashnode's published target is 500 mutations a minute per token (not
 * enforced today); a few calls at once per worker stays far inside it.
 */
export const hashnodeRules: PlatformRules = {
  textMaxLength: TEXT_MAX_BYTES,
  textCounting: 'bytes',
  titleRequired: true,
  media: { min: 0, max: 1, kinds: ['image'] },
  requiredOptions: [],
  optionKeys: Object.keys(hashnodeOptionsSchema.shape),
  maxConcurrentCalls: 4,
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    issues.push(...optionIssues(hashnodeOptionsSchema, options));
    if (!content.text.trim()) {
      issues.push({
        field: 'text',
        code: 'validation.field_required',
        message: "is the post's markdown body (Hashnode's required contentMarkdown); it must not be empty.",
      });
    }
    // Hashnode refuses comments under such a post: the first comment could only fail.
    if (options.disable_comments === true && content.firstComment) {
      issues.push({
        field: 'first_comment',
        code: 'validation.field_invalid',
        message: 'cannot be made under a post with disable_comments: true; remove one of them.',
      });
    }
    return issues;
  },
};

export const hashnodeDescriptor: PlatformDescriptor = {
  slug: 'hashnode',
  displayName: 'Hashnode',
  rules: hashnodeRules,
  // A Personal Access Token (hashnode.com/settings/developer) and the publication (blog) to post in.
  credentials: ['personal_access_token', 'publication_id'],
  checkCredentials: ({ publication_id: id }) =>
    id === undefined || OBJECT_ID.test(id)
      ? []
      : [
          {
            field: 'credentials.publication_id',
            code: 'validation.field_invalid',
            message:
              "is not a publication id (24 hexadecimal characters); copy it from the blog's dashboard URL (hashnode.com/<id>/dashboard).",
          },
        ],
  apiBaseUrl: 'https://gql.hashnode.com',
  capabilities: { reconcile: true, refresh: false, delete: true, comments: true, metrics: true },
};

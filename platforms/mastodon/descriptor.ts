import type { Issue } from '../../api/errors';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

const VISIBILITIES = ['public', 'unlisted', 'private', 'direct'];

/**
 * Mastodon: 500 characters and 4 attachments on a default server (docs.joinmastodon.org,
 * instance configuration `statuses.max_characters`, `media_attachments`); a video or GIF must
 * be the only attachment. Servers may allow more; Postflow keeps to the defaults.
 */
export const mastodonRules: PlatformRules = {
  textMaxLength: 500,
  media: { min: 0, max: 4, kinds: ['image', 'video'] },
  optionKeys: ['visibility', 'spoiler_text', 'sensitive', 'language', 'alt_text', 'alt_texts'],
  requiredOptions: [],
  threads: true,
  maxConcurrentCalls: 4,
  check: ({ content, options, media }) => {
    const issues: Issue[] = [];
    if (!content.text.trim() && content.media.length === 0) {
      issues.push({
        field: 'text',
        code: 'validation.field_required',
        message: 'Mastodon needs text or media.',
      });
    }
    if (options.visibility !== undefined && !VISIBILITIES.includes(String(options.visibility))) {
      issues.push({
        field: 'options.visibility',
        code: 'validation.field_invalid',
        message: `must be one of ${VISIBILITIES.join(', ')}.`,
      });
    }
    if (media.length > 1 && media.some((m) => m.kind === 'video')) {
      issues.push({
        field: 'media',
        code: 'validation.field_invalid',
        message: 'Mastodon takes a video only as the single attachment of a post.',
      });
    }
    return issues;
  },
};

export const mastodonDescriptor: PlatformDescriptor = {
  slug: 'mastodon',
  displayName: 'Mastodon',
  rules: mastodonRules,
  credentials: ['instance_url', 'access_token'],
  prepareStep: 'with-media',
  uploadStep: 'prepare',
  capabilities: { reconcile: true, refresh: false, delete: true, comments: true, metrics: true },
};

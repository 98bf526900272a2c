import type { Issue } from '../../api/errors';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/** app.bsky.embed.images blobs, as Bluesky has long enforced them (see the adapter). */
const IMAGE_MAX_BYTES = 1_000_000;
/** Bluesky's video service: one video per post, up to 100 MB (3 minutes); daily quotas apply. */
const VIDEO_MAX_BYTES = 100_000_000;
const VIDEO_MAX_SECONDS = 180;
/** app.bsky.feed.post `langs`: at most 3 BCP-47 tags. */
const MAX_LANGS = 3;
const LANGUAGE_TAG = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{1,8})*$/;
/** The self-labels the Bluesky app offers for adult content (com.atproto.label.defs#selfLabels). */
const SELF_LABELS = ['sexual', 'nudity', 'porn', 'graphic-media'];

/**
 * Bluesky (app.bsky.feed.post): text up to 300 graphemes (3,000 bytes), up to 4 images or one
 * video, links/mentions/hashtags as facets (computed by the adapter). `platform_data`:
 * `alt_texts` (one per image) or `alt_text` (the first image or the video), `langs` (or
 * `language`), `labels` (self-labels for adult content).
 */
export const blueskyRules: PlatformRules = {
  textMaxLength: 300,
  textCounting: 'graphemes',
  media: {
    min: 0,
    max: 4,
    kinds: ['image', 'video'],
    limits: {
      image: { maxBytes: IMAGE_MAX_BYTES },
      video: { maxBytes: VIDEO_MAX_BYTES, maxDurationSec: VIDEO_MAX_SECONDS },
    },
  },
  optionKeys: ['alt_text', 'alt_texts', 'langs', 'language', 'labels'],
  requiredOptions: [],
  threads: true,
  // A PDS limits record writes per account (5,000 points an hour, a post costs 3) and sign-ins
  // (30 per 5 minutes), not concurrency; a few calls at once keep one account's bursts modest.
  maxConcurrentCalls: 4,
  check: ({ content, options, media }) => {
    const issues: Issue[] = [];
    const issue = (field: string, message: string, code = 'validation.field_invalid') =>
      issues.push({ field, code, message });
    if (!content.text.trim() && content.media.length === 0) {
      issue('text', 'Bluesky needs text or media.', 'validation.field_required');
    }
    if (Buffer.byteLength(content.text) > 3_000) {
      issue('text', 'is over 3,000 bytes (UTF-8); Bluesky allows at most 3,000. Shorten it.');
    }
    if (media.some((m) => m.kind === 'video') && content.media.length > 1) {
      issue('media', 'Bluesky takes one video alone, or up to 4 images; not both. Post the video by itself.');
    }
    const alts = options.alt_texts;
    if (alts !== undefined && (!Array.isArray(alts) || alts.some((a) => typeof a !== 'string'))) {
      issue('options.alt_texts', 'must be a list of strings, one per image.');
    }
    if (options.alt_text !== undefined && typeof options.alt_text !== 'string') {
      issue('options.alt_text', 'must be a string.');
    }
    const langs = languages(options);
    if (langs === null)
      issue('options.langs', 'must be a language tag or a list of them, like ["en", "pt-BR"].');
    else if (langs.length > MAX_LANGS) issue('options.langs', `takes at most ${MAX_LANGS} languages.`);
    else if (langs.some((l) => !LANGUAGE_TAG.test(l))) {
      issue('options.langs', 'must be BCP-47 language tags, like "en" or "pt-BR".');
    }
    const labels = options.labels;
    if (
      labels !== undefined &&
      (!Array.isArray(labels) || labels.some((l) => !SELF_LABELS.includes(String(l))))
    ) {
      issue('options.labels', `must be a list of: ${SELF_LABELS.join(', ')}.`);
    }
    return issues;
  },
};

/** `langs` (a list or one tag) or `language`: the post's languages; null when malformed. */
export function languages(options: Record<string, unknown>): string[] | null {
  const value = options.langs ?? options.language;
  if (value === undefined) return [];
  if (typeof value === 'string')
    return value
      .split(',')
      .map((l) => l.trim())
      .filter(Boolean);
  return Array.isArray(value) && value.every((l) => typeof l === 'string') ? value : null;
}

export const blueskyDescriptor: PlatformDescriptor = {
  slug: 'bluesky',
  displayName: 'Bluesky',
  rules: blueskyRules,
  credentials: ['identifier', 'app_password'],
  prepareStep: 'always',
  apiBaseUrl: 'https://bsky.social',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true, metrics: true },
};

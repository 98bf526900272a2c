import type { Issue } from '../../../api/errors';
import type { PlatformDescriptor, PlatformRules } from '../../descriptor';
import { facebookLogin } from '../login';

const MIN_AGE = 13;
const MAX_AGE = 65;

/**
 * Facebook Pages (Graph API): a post of up to 63,206 characters; text and/or a link preview, one
 * photo, 2–10 photos (one post of unpublished photos), or one video alone. `link` and a
 * call-to-action (`cta_type`, `cta_link`) go on posts without media; `min_age`/`max_age` (13–65)
 * narrow the audience of feed posts (text, link, several photos); `alt_text` is for one photo,
 * `title` for a video. Reels and Page stories (`content_type`) are not published by Postflow yet.
 *
 * maxConcurrentCalls: Page calls count against the Page's Business Use Case budget (per Page,
 * per 24 h, scaled by its engaged users), not a concurrency cap; an album is up to 11 calls, so
 * 4 at once keeps one worker from bursting a small Page's budget.
 */
export const facebookRules: PlatformRules = {
  textMaxLength: 63_206,
  media: {
    min: 0,
    max: 10,
    kinds: ['image', 'video'],
    // Page videos: up to 10 GB and 240 minutes (a reel's 3–90 s is Facebook's to hold it to).
    limits: { video: { maxBytes: 10 * 1024 * 1024 * 1024, maxDurationSec: 240 * 60 } },
  },
  // `page_id`: one of the account's Pages (GET /v1/accounts/{id}/pages) instead of its default.
  optionKeys: ['link', 'cta_type', 'cta_link', 'min_age', 'max_age', 'alt_text', 'title', 'page_id'],
  // Reels and Page stories; `share_to_feed` only means something for a reel.
  unsupportedOptionKeys: ['content_type', 'share_to_feed'],
  requiredOptions: [],
  maxConcurrentCalls: 4,
  check: ({ content, options, media }) => {
    const issues: Issue[] = [];
    const invalid = (field: string, message: string) =>
      issues.push({ field, code: 'validation.field_invalid', message });
    const count = content.media.length;
    const video = media.some((m) => m.kind === 'video');
    if (!content.text.trim() && count === 0 && options.link === undefined) {
      issues.push({
        field: 'text',
        code: 'validation.field_required',
        message: 'Facebook needs text, a link or media.',
      });
    }
    if (video && count > 1) invalid('media', 'a Facebook video must be the only media of its post.');
    const link = options.link;
    if (link !== undefined && (typeof link !== 'string' || !/^https?:\/\/\S+$/.test(link))) {
      invalid('options.link', 'must be an http(s) URL.');
    } else if (link !== undefined && count > 0) {
      invalid('options.link', 'applies to posts without media; remove the media or the link.');
    }
    if (options.cta_type !== undefined) {
      if (typeof options.cta_type !== 'string' || !/^[A-Z_]+$/.test(options.cta_type)) {
        invalid('options.cta_type', 'must be a Facebook call-to-action type such as LEARN_MORE or SHOP_NOW.');
      } else if (link === undefined) {
        invalid('options.cta_type', 'needs "link": the button goes on a link post.');
      }
    }
    if (
      options.cta_link !== undefined &&
      (typeof options.cta_link !== 'string' || !/^https?:\/\/\S+$/.test(options.cta_link))
    ) {
      invalid('options.cta_link', 'must be an http(s) URL.');
    }
    const age = (key: 'min_age' | 'max_age') => {
      const value = options[key];
      if (value === undefined) return undefined;
      if (!Number.isInteger(value) || Number(value) < MIN_AGE || Number(value) > MAX_AGE) {
        invalid(`options.${key}`, `must be a whole number from ${MIN_AGE} to ${MAX_AGE}.`);
        return undefined;
      }
      if (count === 1)
        invalid(
          `options.${key}`,
          'applies to feed posts (text, link, several photos), not to one photo or a video.',
        );
      return Number(value);
    };
    const min = age('min_age');
    const max = age('max_age');
    if (min !== undefined && max !== undefined && min > max)
      invalid('options.max_age', 'must not be below min_age.');
    if (options.alt_text !== undefined && (typeof options.alt_text !== 'string' || count !== 1 || video)) {
      invalid('options.alt_text', 'is text for a single photo; remove it for other posts.');
    }
    if (
      options.page_id !== undefined &&
      (typeof options.page_id !== 'string' || !/^\d+$/.test(options.page_id))
    ) {
      invalid('options.page_id', "must be one of the account's Page ids (GET /v1/accounts/{id}/pages).");
    }
    if (options.title !== undefined && (typeof options.title !== 'string' || !video)) {
      invalid('options.title', 'is the title of a video post; remove it for other posts.');
    }
    return issues;
  },
};

export const facebookDescriptor: PlatformDescriptor = {
  slug: 'facebook',
  displayName: 'Facebook Pages',
  rules: facebookRules,
  credentials: ['page_id', 'access_token'],
  prepareStep: 'with-media',
  // Videos may go by upload in prepare (POSTFLOW_META_VIDEO_SOURCE=upload): run it as an upload.
  uploadStep: 'prepare',
  apiBaseUrl: 'https://graph.facebook.com',
  capabilities: { reconcile: true, refresh: false, delete: true, comments: true, metrics: true },
  // The person's grant lists their Pages; the account posts to one with its Page token. Comments
  // (first_comment) need pages_manage_engagement, reading posts back pages_read_engagement.
  oauth: facebookLogin(
    ['pages_show_list', 'pages_manage_posts', 'pages_read_engagement', 'pages_manage_engagement'],
    { activeKey: 'page_id', noun: 'Facebook Page' },
  ),
};

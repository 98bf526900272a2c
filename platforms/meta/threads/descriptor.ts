import type { Issue } from '../../../api/errors';
import type { PlatformDescriptor, PlatformRules } from '../../descriptor';

const REPLY_CONTROLS = ['everyone', 'accounts_you_follow', 'mentioned_only'];
const MAX_TEXT = 500;
const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
const EMOJI = /\p{Extended_Pictographic}/u;

/**
 * Threads' own count: "text posts are limited to 500 characters; emojis are counted as the number
 * of UTF-8 bytes" (Threads Posts docs, which point to grapheme splitting). So a grapheme counts
 * one, an emoji its UTF-8 length (a 😀 counts 4).
 */
export function threadsTextLength(text: string): number {
  let length = 0;
  for (const { segment } of graphemes.segment(text)) {
    length += EMOJI.test(segment) ? Buffer.byteLength(segment, 'utf8') : 1;
  }
  return length;
}

/**
 * Threads (Threads API): 500 characters; text alone, one image or video, or a carousel of 2–20
 * images and videos mixed. `reply_control` limits who may reply; `link_attachment` (a URL) is a
 * link preview for text-only posts.
 *
 * maxConcurrentCalls: Threads caps an account at 250 API-published posts per 24 hours
 * (`threads_publishing_limit`) and rate-limits calls per user; a carousel is up to 22 container
 * calls plus polls, so 4 at once keeps a worker from bursting one account.
 */
export const threadsRules: PlatformRules = {
  textMaxLength: MAX_TEXT,
  textCounting: 'graphemes',
  media: {
    min: 0,
    max: 20,
    kinds: ['image', 'video'],
    // Threads media specifications: images 8 MB; videos 1 GB, up to 5 minutes.
    limits: {
      image: { maxBytes: 8 * 1024 * 1024 },
      video: { maxBytes: 1024 * 1024 * 1024, maxDurationSec: 5 * 60 },
    },
  },
  optionKeys: ['reply_control', 'link_attachment', 'alt_text', 'alt_texts'],
  requiredOptions: [],
  threads: true,
  maxConcurrentCalls: 4,
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    const invalid = (field: string, message: string) =>
      issues.push({ field, code: 'validation.field_invalid', message });
    const count = content.media.length;
    if (!content.text.trim() && count === 0) {
      issues.push({
        field: 'text',
        code: 'validation.field_required',
        message: 'Threads needs text or media.',
      });
    }
    // Only where the grapheme count passed: emoji weigh more in Threads' own count.
    const weighted = threadsTextLength(content.text);
    if (weighted > MAX_TEXT && [...graphemes.segment(content.text)].length <= MAX_TEXT) {
      invalid(
        'text',
        `counts ${weighted} as Threads counts it (an emoji counts its UTF-8 bytes); the limit is ${MAX_TEXT}.`,
      );
    }
    if (options.reply_control !== undefined && !REPLY_CONTROLS.includes(String(options.reply_control))) {
      invalid('options.reply_control', `must be one of ${REPLY_CONTROLS.join(', ')}.`);
    }
    const link = options.link_attachment;
    if (link !== undefined) {
      if (typeof link !== 'string' || !/^https?:\/\/\S+$/.test(link)) {
        invalid('options.link_attachment', 'must be an http(s) URL.');
      } else if (count > 0) {
        invalid('options.link_attachment', 'applies to text-only posts; remove the media or the link.');
      }
    }
    for (const key of ['alt_text'] as const) {
      if (options[key] !== undefined && typeof options[key] !== 'string')
        invalid(`options.${key}`, 'must be a string.');
    }
    if (
      options.alt_texts !== undefined &&
      !(Array.isArray(options.alt_texts) && options.alt_texts.every((a) => typeof a === 'string'))
    ) {
      invalid('options.alt_texts', 'must be an array of strings, one per media item.');
    }
    return issues;
  },
};

export const threadsDescriptor: PlatformDescriptor = {
  slug: 'threads',
  displayName: 'Threads',
  rules: threadsRules,
  credentials: ['access_token'],
  prepareStep: 'always',
  apiBaseUrl: 'https://graph.threads.net',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true, metrics: true },
  // The Threads authorization window (comma-separated permissions, no PKCE), the code redeemed
  // at graph.threads.net for an hour's token, then traded for a 60-day one the adapter refreshes.
  // threads_manage_replies posts first comments, threads_read_replies finds them again.
  oauth: {
    authorizeUrl: 'https://threads.net/oauth/authorize',
    authorizePath: '/oauth/authorize',
    tokenUrl: 'https://graph.threads.net/oauth/access_token',
    tokenPath: '/oauth/access_token',
    // threads_manage_insights: the media insights post metrics are read from.
    scopes: [
      'threads_basic',
      'threads_content_publish',
      'threads_manage_replies',
      'threads_read_replies',
      'threads_manage_insights',
    ],
    scopeSeparator: ',',
    pkce: false,
    clientAuth: 'body',
    longLivedExchange: { path: '/access_token', grantType: 'th_exchange_token' },
    profilePath: '/v1.0/me?fields=id,username,name,threads_profile_picture_url',
    readProfile: (body) => ({
      id: String(body.id ?? ''),
      username: body.username,
      name: body.name,
      pictureUrl: body.threads_profile_picture_url,
    }),
    credentials: (profile) => ({ user_id: profile.id }),
    identityKey: 'user_id',
  },
};

import type { Issue } from '../../api/errors';
import type { PlatformDescriptor, PlatformRules, PostForRules } from '../descriptor';

/** Telegram's formatting modes; without one the text is sent as plain text (legacy `Markdown` is left out). */
export const TELEGRAM_PARSE_MODES = ['MarkdownV2', 'HTML'] as const;
/** A message's text (UTF-16 units, counted by Telegram after its entities are parsed). */
const TEXT_MAX = 4096;
/** A photo's or video's caption, the text of a post with media. */
export const CAPTION_MAX = 1024;
/** A media group (album) holds 2 to 10 photos and videos. */
const MEDIA_MAX = 10;
/** What the Bot API takes as an uploaded photo (10 MB) and any other uploaded file (50 MB). */
const PHOTO_MAX_BYTES = 10 * 1024 * 1024;
const VIDEO_MAX_BYTES = 50 * 1024 * 1024;
/** Photos Telegram converts; a GIF sent as a photo loses its animation, so it is refused. */
const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
/** Telegram clients play MPEG-4 videos; others would arrive as documents. */
const VIDEO_TYPES = ['video/mp4'];
const BOOLEAN_OPTIONS = ['disable_notification', 'disable_web_page_preview'];
/** MessageEntity types (core.telegram.org/bots/api#messageentity). */
export const TELEGRAM_ENTITY_TYPES = [
  'mention',
  'hashtag',
  'cashtag',
  'bot_command',
  'url',
  'email',
  'phone_number',
  'bold',
  'italic',
  'underline',
  'strikethrough',
  'spoiler',
  'blockquote',
  'expandable_blockquote',
  'code',
  'pre',
  'text_link',
  'text_mention',
  'custom_emoji',
] as const;

/**
 * Telegram Bot API (core.telegram.org/bots/api): a bot posts to a channel or group it
 * administers. A text message takes 4096 characters; a post with media is one photo or video or
 * an album of 2–10 mixed, whose caption (the post's text) takes 1024. Both are counted in UTF-16
 * units after Telegram parses the formatting, so counting the raw text is the safe side.
 *
 * maxConcurrentCalls: Telegram allows a bot about 30 messages a second overall and 20 a minute
 * into one channel or group; a few calls at once per worker stays inside that.
 */
export const telegramRules: PlatformRules = {
  textMaxLength: TEXT_MAX,
  textCounting: 'utf16',
  media: {
    min: 0,
    max: MEDIA_MAX,
    kinds: ['image', 'video'],
    limits: {
      image: { types: PHOTO_TYPES, maxBytes: PHOTO_MAX_BYTES },
      video: { types: VIDEO_TYPES, maxBytes: VIDEO_MAX_BYTES },
    },
  },
  optionKeys: ['parse_mode', 'entities', 'disable_notification', 'disable_web_page_preview'],
  requiredOptions: [],
  maxConcurrentCalls: 4,
  check: (post) => [...checkContent(post), ...checkOptions(post)],
};

function checkContent({ content }: PostForRules): Issue[] {
  const issues: Issue[] = [];
  const invalid = (field: string, message: string) =>
    issues.push({ field, code: 'validation.field_invalid', message });
  if (!content.text.trim() && content.media.length === 0) {
    issues.push({
      field: 'text',
      code: 'validation.field_required',
      message: 'Telegram needs text or media.',
    });
  }
  if (content.media.length > 0 && content.text.length > CAPTION_MAX) {
    invalid(
      'text',
      `is ${content.text.length} UTF-16 units; with media it is the caption, which Telegram caps at ${CAPTION_MAX}.`,
    );
  }
  return issues;
}

function checkOptions({ content, options }: PostForRules): Issue[] {
  const issues: Issue[] = [];
  const invalid = (key: string, message: string) =>
    issues.push({ field: `options.${key}`, code: 'validation.field_invalid', message });
  for (const key of BOOLEAN_OPTIONS) {
    if (options[key] !== undefined && typeof options[key] !== 'boolean')
      invalid(key, 'must be true or false.');
  }
  const mode = options.parse_mode;
  if (mode !== undefined && !(TELEGRAM_PARSE_MODES as readonly unknown[]).includes(mode)) {
    invalid(
      'parse_mode',
      `must be one of ${TELEGRAM_PARSE_MODES.join(', ')}; leave it out to send the text as written.`,
    );
  }
  if (options.entities !== undefined) issues.push(...checkEntities(options.entities, content.text, mode));
  // Link previews belong to text messages; a post with media shows its media instead.
  if (options.disable_web_page_preview !== undefined && content.media.length > 0) {
    invalid('disable_web_page_preview', 'applies to text posts only; remove it from a post with media.');
  }
  return issues;
}

/**
 * `entities`: the text's formatting as Telegram's MessageEntity list, instead of markup in the
 * text (`parse_mode`); sent as `entities`, or `caption_entities` with media. Offsets and lengths
 * count UTF-16 units of the text, and each entity must lie inside it.
 */
function checkEntities(entities: unknown, text: string, mode: unknown): Issue[] {
  const issue = (field: string, message: string): Issue => ({
    field: `options.${field}`,
    code: 'validation.field_invalid',
    message,
  });
  if (!Array.isArray(entities) || entities.length === 0) {
    return [
      issue(
        'entities',
        'must be a non-empty array of Telegram MessageEntity objects ({ type, offset, length }).',
      ),
    ];
  }
  if (mode !== undefined) {
    return [
      issue(
        'entities',
        'and parse_mode exclude each other: give the formatting as entities or as markup, not both.',
      ),
    ];
  }
  const issues: Issue[] = [];
  entities.forEach((entity, i) => {
    const at = `entities[${i}]`;
    const e = (entity ?? {}) as Record<string, unknown>;
    const { type, offset, length } = e;
    if (!(TELEGRAM_ENTITY_TYPES as readonly unknown[]).includes(type)) {
      issues.push(issue(`${at}.type`, `must be one of ${TELEGRAM_ENTITY_TYPES.join(', ')}.`));
      return;
    }
    const whole = (n: unknown, min: number) => Number.isInteger(n) && (n as number) >= min;
    if (!whole(offset, 0) || !whole(length, 1)) {
      issues.push(issue(at, 'needs offset (≥ 0) and length (≥ 1), whole numbers of UTF-16 units.'));
    } else if ((offset as number) + (length as number) > text.length) {
      issues.push(
        issue(at, `reaches past the text's ${text.length} UTF-16 units; fix its offset or length.`),
      );
    }
    if (type === 'text_link' && !(typeof e.url === 'string' && /^(https?|tg):\/\//.test(e.url))) {
      issues.push(issue(`${at}.url`, 'is required for a text_link: an http(s):// or tg:// URL.'));
    }
    const user = e.user as { id?: unknown } | undefined;
    if (type === 'text_mention' && !Number.isInteger(user?.id)) {
      issues.push(issue(`${at}.user`, 'is required for a text_mention: { id } of the Telegram user.'));
    }
    if (type === 'custom_emoji' && !(typeof e.custom_emoji_id === 'string' && e.custom_emoji_id)) {
      issues.push(issue(`${at}.custom_emoji_id`, 'is required for a custom_emoji.'));
    }
    if (e.language !== undefined && (type !== 'pre' || typeof e.language !== 'string')) {
      issues.push(issue(`${at}.language`, "is for pre entities only: the code block's language."));
    }
  });
  return issues;
}

export const telegramDescriptor: PlatformDescriptor = {
  slug: 'telegram',
  displayName: 'Telegram',
  rules: telegramRules,
  credentials: ['bot_token', 'chat_id'],
  apiBaseUrl: 'https://api.telegram.org',
  capabilities: { reconcile: false, refresh: false, delete: true, comments: true, metrics: false },
};

import type { Issue } from '../../api/errors';
import type { PlatformDescriptor, PlatformRules, PostForRules } from '../descriptor';

/**
 * A message's text. Slack truncates text past 40,000 characters (and recommends 4,000 at most for
 * readability); Postflow refuses more than 40,000 rather than let Slack cut the post.
 */
export const TEXT_MAX = 40_000;
/** files.completeUploadExternal shares at most 10 files in one message. */
const MEDIA_MAX = 10;
/** Slack takes files up to 1 GB. */
const FILE_MAX_BYTES = 1024 * 1024 * 1024;
/** A message's `ts`, which `thread_ts` names: seconds, a dot, microseconds. */
export const SLACK_TS = /^\d+\.\d+$/;
const BOOLEAN_OPTIONS = ['unfurl_links', 'unfurl_media'];
/** A message takes at most 50 Block Kit blocks (api.slack.com/reference/block-kit/blocks). */
export const BLOCKS_MAX = 50;
/** A block's `block_id` is at most 255 characters. */
const BLOCK_ID_MAX = 255;

/**
 * The text as Slack receives it: `&`, `<` and `>` escaped (api.slack.com "Formatting text"), so
 * what a post says shows as written and never becomes a mention (`<!channel>`) or a link markup.
 */
export function slackEscape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Slack Web API (api.slack.com): a bot posts into one channel. A message takes 40,000 characters
 * (counted in UTF-16 units, after escaping `&<>`: the safe side); a post with media shares 1–10
 * files in one message, the text as its comment. Slack takes any file; Postflow posts images and
 * videos.
 *
 * maxConcurrentCalls: chat.postMessage allows about one message a second per channel (bursts
 * tolerated), the upload methods are Tier 2–4; a few calls at once per worker stays inside that.
 */
export const slackRules: PlatformRules = {
  textMaxLength: TEXT_MAX,
  textCounting: 'utf16',
  media: { min: 0, max: MEDIA_MAX, kinds: ['image', 'video'] },
  optionKeys: ['thread_ts', 'unfurl_links', 'unfurl_media', 'blocks'],
  requiredOptions: [],
  maxConcurrentCalls: 4,
  check: (post) => [...checkContent(post), ...checkOptions(post)],
};

function checkContent({ content, media }: PostForRules): Issue[] {
  const issues: Issue[] = [];
  if (!content.text.trim() && content.media.length === 0) {
    issues.push({ field: 'text', code: 'validation.field_required', message: 'Slack needs text or media.' });
  }
  const escaped = slackEscape(content.text).length;
  if (content.text.length <= TEXT_MAX && escaped > TEXT_MAX) {
    issues.push({
      field: 'text',
      code: 'validation.field_invalid',
      message: `is ${escaped} characters once &, < and > are escaped for Slack, over its ${TEXT_MAX}.`,
    });
  }
  media.forEach((m, i) => {
    if (m.sizeBytes !== undefined && m.sizeBytes > FILE_MAX_BYTES) {
      issues.push({
        field: `media[${i}]`,
        code: 'validation.field_invalid',
        message: 'is larger than the 1 GB Slack takes.',
      });
    }
  });
  return issues;
}

function checkOptions({ content, options }: PostForRules): Issue[] {
  const issues: Issue[] = [];
  const invalid = (key: string, message: string) =>
    issues.push({ field: `options.${key}`, code: 'validation.field_invalid', message });
  for (const key of BOOLEAN_OPTIONS) {
    if (options[key] === undefined) continue;
    if (typeof options[key] !== 'boolean') invalid(key, 'must be true or false.');
    // Unfurling belongs to chat.postMessage; a file share shows its files instead.
    else if (content.media.length > 0)
      invalid(key, 'applies to text posts only; remove it from a post with media.');
  }
  if (options.blocks !== undefined) issues.push(...checkBlocks(options.blocks, content.media.length > 0));
  const thread = options.thread_ts;
  if (thread !== undefined && (typeof thread !== 'string' || !SLACK_TS.test(thread))) {
    invalid('thread_ts', "must be the ts of the thread's parent message, like 1712345678.123456.");
  }
  return issues;
}

/**
 * `blocks`: the message's Block Kit layout, sent as given; the post's text stays the message's
 * `text`, which Slack shows in notifications and which reconcile finds the message by. Postflow
 * checks the shape Slack documents for every block (an object with a `type`, at most 50, a
 * `block_id` of at most 255 characters); what each block type holds, Slack judges
 * (`invalid_blocks`, quoted in the failure).
 */
function checkBlocks(blocks: unknown, withMedia: boolean): Issue[] {
  const issue = (field: string, message: string): Issue => ({
    field: `options.${field}`,
    code: 'validation.field_invalid',
    message,
  });
  if (!Array.isArray(blocks) || blocks.length === 0 || blocks.length > BLOCKS_MAX) {
    return [issue('blocks', `must be an array of 1 to ${BLOCKS_MAX} Block Kit blocks.`)];
  }
  // A file share (files.completeUploadExternal) shows the files with the text as their comment.
  if (withMedia) return [issue('blocks', 'applies to text posts only; remove it from a post with media.')];
  const issues: Issue[] = [];
  blocks.forEach((block, i) => {
    const { type, block_id: id } = (block ?? {}) as Record<string, unknown>;
    if (typeof block !== 'object' || block === null || Array.isArray(block)) {
      issues.push(issue(`blocks[${i}]`, 'must be a Block Kit block: an object with a type.'));
    } else if (typeof type !== 'string' || type === '') {
      issues.push(issue(`blocks[${i}].type`, 'is required: the block type, like "section" or "header".'));
    } else if (id !== undefined && (typeof id !== 'string' || id === '' || id.length > BLOCK_ID_MAX)) {
      issues.push(issue(`blocks[${i}].block_id`, `must be a string of 1 to ${BLOCK_ID_MAX} characters.`));
    }
  });
  return issues;
}

export const slackDescriptor: PlatformDescriptor = {
  slug: 'slack',
  displayName: 'Slack',
  rules: slackRules,
  credentials: ['bot_token', 'channel_id'],
  prepareStep: 'with-media',
  uploadStep: 'prepare',
  apiBaseUrl: 'https://slack.com',
  capabilities: { reconcile: true, refresh: false, delete: true, comments: true, metrics: true },
};

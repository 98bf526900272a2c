import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';
import { parseWebhookUrl } from './webhook';

/** Attachments one message carries (discord.com/developers/docs/resources/message, "Uploading Files"). */
export const DISCORD_MAX_FILES = 10;
/** What one request may upload on a server without boosts: 10 MiB, all files together. */
export const DISCORD_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/**
 * Options of a Discord target (`platform_options.discord`, or a target's `platform_data`): only
 * what the adapter acts on, anything else is refused by name. Limits from Execute Webhook and the
 * Attachment object (discord.com/developers/docs/resources/webhook#execute-webhook).
 */
export const discordOptionsSchema = z
  .object({
    /** Shown as the message's author instead of the webhook's name. */
    username: z
      .string()
      .min(1)
      .max(80)
      // Webhook names follow Discord's username rules: these words are refused.
      .refine((name) => !/clyde|discord/i.test(name), 'must not contain "clyde" or "discord".')
      .optional(),
    /** Shown as the author's avatar instead of the webhook's. */
    avatar_url: z
      .url({ protocol: /^https?$/, error: 'must be an http(s) URL.' })
      .max(2048)
      .optional(),
    /** No link previews under the message (flag SUPPRESS_EMBEDS). */
    suppress_embeds: z.boolean().optional(),
    /** No push or desktop notification for the channel's members (flag SUPPRESS_NOTIFICATIONS). */
    silent: z.boolean().optional(),
    /** Forum and media channels: the post's title; the message opens a new thread of that name. */
    thread_name: z.string().min(1).max(100).optional(),
    /** An existing thread of the webhook's channel to post in (it is unarchived). */
    thread_id: z
      .string()
      .regex(/^\d{1,20}$/, 'must be a thread id (a snowflake, digits only).')
      .optional(),
    /** The first attachment's description (alt text), as other platforms take it. */
    alt_text: z.string().max(1024).optional(),
    /** Each attachment's description (alt text), in media order. */
    alt_texts: z.array(z.string().max(1024)).max(DISCORD_MAX_FILES).optional(),
  })
  .strict();

/**
 * Discord, by channel webhook: 2,000 characters of content, up to 10 attachments (images and
 * videos) of 10 MiB together. A message needs content or a file.
 *
 * maxConcurrentCalls: a webhook takes about 5 requests per 2 seconds and a channel 30 messages a
 * minute; two calls at once per worker stays inside that.
 */
export const discordRules: PlatformRules = {
  textMaxLength: 2000,
  media: { min: 0, max: DISCORD_MAX_FILES, kinds: ['image', 'video'] },
  optionKeys: Object.keys(discordOptionsSchema.shape),
  requiredOptions: [],
  maxConcurrentCalls: 2,
  check: ({ content, options, media }) => {
    const issues: Issue[] = [];
    issues.push(...optionIssues(discordOptionsSchema, options));
    if (options.thread_name !== undefined && options.thread_id !== undefined) {
      issues.push({
        field: 'options.thread_name',
        code: 'validation.field_invalid',
        message: 'opens a new thread; "thread_id" posts in an existing one. Set one of them.',
      });
    }
    if (!content.text.trim() && content.media.length === 0) {
      issues.push({
        field: 'text',
        code: 'validation.field_required',
        message: 'Discord needs text or media.',
      });
    }
    const total = media.reduce((sum, m) => sum + (m.sizeBytes ?? 0), 0);
    if (total > DISCORD_MAX_UPLOAD_BYTES) {
      issues.push({
        field: 'media',
        code: 'validation.field_invalid',
        message: `is ${mib(total)} MiB together; a Discord webhook message takes at most 10 MiB of files.`,
      });
    }
    return issues;
  },
};

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

export const discordDescriptor: PlatformDescriptor = {
  slug: 'discord',
  displayName: 'Discord',
  rules: discordRules,
  // A channel webhook's URL (Server Settings → Integrations → Webhooks); bot accounts come later.
  credentials: ['webhook_url'],
  checkCredentials: ({ webhook_url: url }) =>
    url === undefined || parseWebhookUrl(url)
      ? []
      : [
          {
            field: 'credentials.webhook_url',
            code: 'validation.field_invalid',
            message:
              "is not a Discord webhook URL; copy it from the channel's Integrations → Webhooks (https://discord.com/api/webhooks/<id>/<token>).",
          },
        ],
  apiBaseUrl: 'https://discord.com',
  capabilities: { reconcile: false, refresh: false, delete: true, comments: false },
};

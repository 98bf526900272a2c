import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';
import { parseWebhookUrl } from './webhook';

/** Attachments one message carries (discord.com/developers/docs/resources/message, "Uploading Files"). */
export const DISCORD_MAX_FILES = 10;
/** What one request may upload on a server without boosts: 10 MiB, all files together. */
export const DISCORD_MAX_UPLOAD_BYTES = 10 * 1024 * 1024;

/** Embed limits (discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const DISCORD_MAX_EMBEDS = 10;
export const DISCORD_MAX_EMBED_CHARS = 6000;

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL.' }).max(2048);
const media = z.object({ url: httpUrl }).strict();

/**
 * One rich embed, as Create Message and Execute Webhook take it: the fields Postflow passes on,
 * each held to Discord's documented limit (any other key is refused by name).
 */
const embedSchema = z
  .object({
    title: z.string().min(1).max(256).optional(),
    description: z.string().min(1).max(4096).optional(),
    url: httpUrl.optional(),
    color: z.number().int().min(0).max(0xffffff).optional(),
    timestamp: z.iso.datetime({ offset: true }).optional(),
    author: z
      .object({ name: z.string().min(1).max(256), url: httpUrl.optional(), icon_url: httpUrl.optional() })
      .strict()
      .optional(),
    footer: z
      .object({ text: z.string().min(1).max(2048), icon_url: httpUrl.optional() })
      .strict()
      .optional(),
    image: media.optional(),
    thumbnail: media.optional(),
    fields: z
      .array(
        z
          .object({
            name: z.string().min(1).max(256),
            value: z.string().min(1).max(1024),
            inline: z.boolean().optional(),
          })
          .strict(),
      )
      .max(25)
      .optional(),
  })
  .strict();

type Embed = z.infer<typeof embedSchema>;

const snowflakes = z.array(z.string().regex(/^\d{1,20}$/, 'must be ids (snowflakes, digits only).')).max(100);

/**
 * Who the message may ping (discord.com/developers/docs/resources/message#allowed-mentions-object):
 * without it, Discord pings whatever the content mentions (`@everyone` included).
 */
const allowedMentionsSchema = z
  .object({
    parse: z.array(z.enum(['roles', 'users', 'everyone'])).optional(),
    roles: snowflakes.optional(),
    users: snowflakes.optional(),
  })
  .strict()
  .refine(
    (m) => !(m.parse?.includes('users') && m.users) && !(m.parse?.includes('roles') && m.roles),
    'takes "users" (or "roles") either in "parse" or as a list of ids, not both (Discord refuses that).',
  );

/** The characters Discord counts against an embed's 6,000 (all of a message's embeds together). */
const embedChars = (e: Embed) =>
  (e.title?.length ?? 0) +
  (e.description?.length ?? 0) +
  (e.author?.name.length ?? 0) +
  (e.footer?.text.length ?? 0) +
  (e.fields ?? []).reduce((sum, f) => sum + f.name.length + f.value.length, 0);

/**
 * Options of a Discord target (`platform_options.discord`, or a target's `platform_data`): only
 * what the adapter acts on, anything else is refused by name. Limits from Execute Webhook and the
 * Attachment object (discord.com/developers/docs/resources/webhook#execute-webhook).
 */
export const discordOptionsSchema = z
  .object({
    /** Rich embeds under the content (both modes). */
    embeds: z
      .array(embedSchema)
      .max(DISCORD_MAX_EMBEDS)
      .refine(
        (embeds) => embeds.reduce((sum, e) => sum + embedChars(e), 0) <= DISCORD_MAX_EMBED_CHARS,
        `must hold at most ${DISCORD_MAX_EMBED_CHARS} characters together (titles, descriptions, field names and values, footers, authors).`,
      )
      .optional(),
    /** Webhook mode: shown as the message's author instead of the webhook's name. */
    username: z
      .string()
      .min(1)
      .max(80)
      // Webhook names follow Discord's username rules: these words are refused.
      .refine((name) => !/clyde|discord/i.test(name), 'must not contain "clyde" or "discord".')
      .optional(),
    /** Webhook mode: shown as the author's avatar instead of the webhook's. */
    avatar_url: httpUrl.optional(),
    /** Who the message may ping; `{ "parse": [] }` pings nobody. */
    allowed_mentions: allowedMentionsSchema.optional(),
    /** No link previews under the message (flag SUPPRESS_EMBEDS). */
    suppress_embeds: z.boolean().optional(),
    /** No push or desktop notification for the channel's members (flag SUPPRESS_NOTIFICATIONS). */
    silent: z.boolean().optional(),
    /** Webhook mode, forum and media channels: the post's title; the message opens a new thread of that name. */
    thread_name: z.string().min(1).max(100).optional(),
    /** An existing thread of the account's channel to post in (it is unarchived). */
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
 * Discord, by channel webhook or bot: 2,000 characters of content, up to 10 attachments (images
 * and videos) of 10 MiB together, up to 10 embeds. A message needs content, a file or an embed.
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
    const embeds = Array.isArray(options.embeds) ? options.embeds.length : 0;
    if (!content.text.trim() && content.media.length === 0 && embeds === 0) {
      issues.push({
        field: 'text',
        code: 'validation.field_required',
        message: 'Discord needs text, media or embeds.',
      });
    }
    const total = media.reduce((sum, m) => sum + (m.sizeBytes ?? 0), 0);
    if (total > DISCORD_MAX_UPLOAD_BYTES) {
      issues.push({
        field: 'media',
        code: 'validation.field_invalid',
        message: `is ${mib(total)} MiB together; a Discord message takes at most 10 MiB of files.`,
      });
    }
    return issues;
  },
};

const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** A bot's `channel_id`: a snowflake. */
const SNOWFLAKE = /^\d{1,20}$/;

/**
 * An account is a channel webhook (`webhook_url`) or a bot in a channel (`bot_token` and
 * `channel_id`): exactly one of the two shapes, each field checked as far as it can be offline.
 */
function credentialIssues(c: Record<string, string>): Issue[] {
  const field = (key: string, message: string): Issue => ({
    field: `credentials.${key}`,
    code: 'validation.field_invalid',
    message,
  });
  const bot = c.bot_token !== undefined || c.channel_id !== undefined;
  if (c.webhook_url !== undefined && bot) {
    return [
      field(
        'webhook_url',
        'a Discord account is a webhook (webhook_url) or a bot (bot_token and channel_id), not both; send one shape.',
      ),
    ];
  }
  if (c.webhook_url !== undefined) {
    return parseWebhookUrl(c.webhook_url)
      ? []
      : [
          field(
            'webhook_url',
            "is not a Discord webhook URL; copy it from the channel's Integrations → Webhooks (https://discord.com/api/webhooks/<id>/<token>).",
          ),
        ];
  }
  if (!bot) {
    return [
      {
        field: 'credentials.webhook_url',
        code: 'validation.field_required',
        message:
          'a Discord account needs either webhook_url (a channel webhook) or bot_token and channel_id (a bot); see docs/platforms.md, "Discord".',
      },
    ];
  }
  const issues: Issue[] = [];
  if (!c.bot_token?.trim())
    issues.push({
      field: 'credentials.bot_token',
      code: 'validation.field_required',
      message:
        "a bot account needs the bot's token (Developer Portal → your application → Bot → Reset Token).",
    });
  if (!c.channel_id || !SNOWFLAKE.test(c.channel_id))
    issues.push({
      field: 'credentials.channel_id',
      code: c.channel_id ? 'validation.field_invalid' : 'validation.field_required',
      message:
        "a bot account needs the channel's id (digits; Developer Mode → right-click the channel → Copy Channel ID).",
    });
  return issues;
}

export const discordDescriptor: PlatformDescriptor = {
  slug: 'discord',
  displayName: 'Discord',
  rules: discordRules,
  // Either shape (webhook_url, or bot_token + channel_id): checkCredentials requires one.
  credentials: [],
  checkCredentials: credentialIssues,
  apiBaseUrl: 'https://discord.com',
  // Reconcile and comments are bot mode's; a webhook account's lookups refuse and its first
  // comment ends as the comments_unsupported warning (adapter.ts).
  capabilities: { reconcile: true, refresh: false, delete: true, comments: true, metrics: true },
};

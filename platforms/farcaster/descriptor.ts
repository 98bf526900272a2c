import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/**
 * A cast's text: at most 320 bytes of UTF-8 (the Farcaster protocol's limit, docs.farcaster.xyz
 * "Casts"). Farcaster Pro accounts may post long casts of up to 1,024 bytes; Postflow keeps to the
 * limit every account has, so a post never fails at its schedule because the account lost Pro.
 */
const CAST_MAX_BYTES = 320;
/** A cast carries at most 2 embeds (Neynar's `embeds`, the protocol's limit); media are embeds by URL. */
export const FARCASTER_MAX_EMBEDS = 2;
/** A cast hash: 0x and 40 hex digits (Neynar's `CastHash`). */
export const CAST_HASH = /^0x[0-9a-fA-F]{40}$/;

/**
 * Options of a Farcaster target (`platform_options.farcaster`, or a target's `platform_data`): each
 * is a field of Neynar's "Post a cast" (docs.neynar.com/reference/publish-cast); anything else is
 * refused by name. Media are the post's media, not an option.
 */
export const farcasterOptionsSchema = z
  .object({
    /** The channel the cast is posted in (its id, as in farcaster.xyz/~/channel/<id>). */
    channel_id: z
      .string()
      .regex(/^[a-z0-9-]{1,32}$/, 'must be a channel id: lowercase letters, digits and "-".')
      .optional(),
    /** The cast this one replies to, by its hash. */
    parent: z.string().regex(CAST_HASH, 'must be a cast hash (0x and 40 hex digits).').optional(),
  })
  .strict();

/**
 * Farcaster, through Neynar's managed signers: a cast of at most 320 bytes with up to 2 embeds. A
 * cast holds no files: each media item is an embed by URL, which Farcaster clients load when they
 * show the cast (images and videos are rendered inline).
 */
export const farcasterRules: PlatformRules = {
  textMaxLength: CAST_MAX_BYTES,
  textCounting: 'bytes',
  media: { min: 0, max: FARCASTER_MAX_EMBEDS, kinds: ['image', 'video'] },
  requiredOptions: [],
  optionKeys: Object.keys(farcasterOptionsSchema.shape),
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    if (!content.text.trim() && content.media.length === 0) {
      issues.push({
        field: 'text',
        code: 'validation.field_required',
        message: 'Farcaster needs text or media.',
      });
    }
    issues.push(...optionIssues(farcasterOptionsSchema, options));
    return issues;
  },
};

export const farcasterDescriptor: PlatformDescriptor = {
  slug: 'farcaster',
  displayName: 'Farcaster',
  rules: farcasterRules,
  // A Neynar API key and an approved managed signer made with that key (docs/platforms.md).
  credentials: ['api_key', 'signer_uuid'],
  apiBaseUrl: 'https://api.neynar.com',
  capabilities: { reconcile: true, refresh: false, delete: true, comments: true, metrics: true },
};

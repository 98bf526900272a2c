import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';

/**
 * A Matrix event may be at most 65,536 bytes as JSON, signatures and envelope included (Matrix
 * spec, "Size limits"). The body and its HTML version share one event, so each is held to a
 * little under half of it.
 */
export const MATRIX_TEXT_MAX_BYTES = 30_000;
/** Media items of one post, one `m.image`/`m.video` event each; Matrix sets no limit. */
export const MATRIX_MAX_MEDIA = 10;

/** A room id (`!opaque:server`; room version 12 drops the server) or an alias (`#name:server`). */
export const ROOM = /^(?:![^\s/]+|#[^\s:/]+:[^\s/]+)$/;

const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

/**
 * Options of a Matrix target (`platform_options.matrix`): only what the adapter acts on, anything
 * else refused by name.
 */
export const matrixOptionsSchema = z
  .object({
    /** `m.notice` marks the message as sent by a bot (clients show it muted, bots ignore it). */
    msgtype: z.enum(['m.text', 'm.notice']).optional(),
    /**
     * The text as HTML (`format: org.matrix.custom.html`); the post's text stays the plain `body`
     * clients without HTML show.
     */
    formatted_body: z
      .string()
      .min(1)
      .refine((html) => utf8Bytes(html) <= MATRIX_TEXT_MAX_BYTES, {
        message: `must be at most ${MATRIX_TEXT_MAX_BYTES} bytes of UTF-8.`,
      })
      .optional(),
    /** The first comment opens a thread on the post (`m.thread`) instead of replying to it. */
    comment_in_thread: z.boolean().optional(),
  })
  .strict();

/**
 * Matrix room messages (Client-Server API v3): the text as one `m.text` event, each media item
 * as an `m.image` or `m.video` event of its own, uploaded to the homeserver's media repository.
 *
 * maxConcurrentCalls: homeservers rate-limit messages per user (Synapse's `rc_message`, 0.2 a
 * second with bursts of 10 by default), and every media item is an event of its own.
 */
export const matrixRules: PlatformRules = {
  textMaxLength: MATRIX_TEXT_MAX_BYTES,
  textCounting: 'bytes',
  media: { min: 0, max: MATRIX_MAX_MEDIA, kinds: ['image', 'video'] },
  requiredOptions: [],
  optionKeys: Object.keys(matrixOptionsSchema.shape),
  maxConcurrentCalls: 2,
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    issues.push(...optionIssues(matrixOptionsSchema, options));
    if (!content.text.trim() && content.media.length === 0) {
      issues.push({
        field: 'text',
        code: 'validation.field_required',
        message: 'Matrix needs text or media.',
      });
    }
    if (options.formatted_body !== undefined && !content.text.trim()) {
      issues.push({
        field: 'options.formatted_body',
        code: 'validation.field_invalid',
        message: 'is the HTML version of the text, and the post has no text; add the plain text too.',
      });
    }
    return issues;
  },
};

export const matrixDescriptor: PlatformDescriptor = {
  slug: 'matrix',
  displayName: 'Matrix',
  rules: matrixRules,
  // The account's homeserver (its client API, SSRF-guarded), a user's access token there, and the
  // room the user has joined and may post in.
  credentials: ['homeserver_url', 'access_token', 'room_id'],
  checkCredentials: ({ homeserver_url: url, room_id: room }) => {
    const issues: Issue[] = [];
    if (url !== undefined && !/^https?:\/\/[^/\s]+/.test(url)) {
      issues.push({
        field: 'credentials.homeserver_url',
        code: 'validation.field_invalid',
        message:
          "is not the homeserver's address; give its client API base URL (https://matrix.example.org).",
      });
    }
    if (room !== undefined && !ROOM.test(room)) {
      issues.push({
        field: 'credentials.room_id',
        code: 'validation.field_invalid',
        message:
          "is neither a room id (!abc:example.org) nor an alias (#room:example.org); copy it from the room's settings (Advanced).",
      });
    }
    return issues;
  },
  prepareStep: 'with-media',
  uploadStep: 'prepare',
  capabilities: { reconcile: true, refresh: true, delete: true, comments: true, metrics: true },
};

import { z } from 'zod';
import type { Issue } from '../../api/errors';
import { optionIssues } from '../../api/zod-issues';
import type { PlatformDescriptor, PlatformRules } from '../descriptor';
import { parseSecretKey } from './keys';
import { noteText } from './note';

/**
 * The longest note Postflow sends, in characters of the note's content (the text and its media
 * URLs). Nostr itself has no limit; relays set their own: nostr-relay refuses content over 4,096
 * characters by default, strfry and nostr-rs-relay whole events over 64 KiB / 128 KiB. 4,096 is
 * taken by every relay we know of.
 */
export const NOTE_MAX_LENGTH = 4096;
/** Media URLs one note carries; Nostr has no limit, clients show a handful well. */
export const NOSTR_MAX_MEDIA = 10;
/** Relays one account publishes to: each gets its own connection per publish. */
export const NOSTR_MAX_RELAYS = 10;

/**
 * Options of a Nostr target (`platform_options.nostr`): only what the adapter acts on, anything
 * else refused by name.
 */
export const nostrOptionsSchema = z
  .object({
    /** The first media's description (`imeta` `alt`), as other platforms take it. */
    alt_text: z.string().max(1000).optional(),
    /** Each media's description, in media order. */
    alt_texts: z.array(z.string().max(1000)).max(NOSTR_MAX_MEDIA).optional(),
    /** NIP-36: clients hide the note behind this warning until the reader chooses to see it. */
    content_warning: z.string().max(200).optional(),
  })
  .strict();

/**
 * Nostr kind-1 text notes: text, and media linked in the note (NIP-92): by its URL, or library
 * media uploaded to the account's NIP-96 server (`media_server`) in prepare, since its Postflow
 * URL expires and a note links its media for as long as relays keep it. Whether the account has a
 * media server is not known here: prepare refuses library media without one.
 */
export const nostrRules: PlatformRules = {
  textMaxLength: NOTE_MAX_LENGTH,
  media: { min: 0, max: NOSTR_MAX_MEDIA, kinds: ['image', 'video'] },
  requiredOptions: [],
  threads: true,
  optionKeys: Object.keys(nostrOptionsSchema.shape),
  // Each publish opens one connection per relay; relays throttle busy clients.
  maxConcurrentCalls: 4,
  check: ({ content, options }) => {
    const issues: Issue[] = [];
    issues.push(...optionIssues(nostrOptionsSchema, options));
    if (!content.text.trim() && content.media.length === 0) {
      issues.push({
        field: 'text',
        code: 'validation.field_required',
        message: 'Nostr needs text or media.',
      });
    }
    const length = [...noteText(content)].length;
    if (content.media.length > 0 && length > NOTE_MAX_LENGTH) {
      issues.push({
        field: 'text',
        code: 'validation.field_invalid',
        message: `makes a note of ${length} characters with the media URLs after it; relays take ${NOTE_MAX_LENGTH}. Shorten the text.`,
      });
    }
    return issues;
  },
};

export const nostrDescriptor: PlatformDescriptor = {
  slug: 'nostr',
  displayName: 'Nostr',
  rules: nostrRules,
  // The account's key (nsec1… or hex) signs its notes; `relays` (comma-separated wss:// URLs) are where they go.
  // Optional `media_server`: a NIP-96 file server's https:// address, where library media is uploaded.
  credentials: ['secret_key', 'relays'],
  prepareStep: 'with-library-media',
  checkCredentials: (credentials) => [
    ...(credentials.secret_key !== undefined && !parseSecretKey(credentials.secret_key)
      ? [
          {
            field: 'credentials.secret_key',
            code: 'validation.field_invalid',
            message: 'is not a Nostr secret key; give it as nsec1… (NIP-19) or as 64 hex digits.',
          },
        ]
      : []),
    ...(credentials.relays !== undefined ? relayIssues(credentials.relays) : []),
    ...(credentials.media_server !== undefined && !mediaServerOf(credentials.media_server)
      ? [
          {
            field: 'credentials.media_server',
            code: 'validation.field_invalid',
            message: "is not a NIP-96 file server's address; give it as https://files.example.com.",
          },
        ]
      : []),
  ],
  capabilities: { reconcile: true, refresh: false, delete: true, comments: true, metrics: true },
};

/**
 * The account's NIP-96 file server, an http(s) URL without query or fragment; undefined when
 * unset or not one. Only its address is checked here: every call to it is SSRF-guarded (https to
 * public addresses only, unless private addresses are allowed), like the relays.
 */
export function mediaServerOf(raw: string | undefined): string | undefined {
  const value = raw?.trim();
  if (!value || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  if (!/^https?:$/.test(url.protocol) || url.search || url.hash || url.username) return undefined;
  return value.replace(/\/$/, '');
}

/** The account's relays, from its credentials: comma-separated, duplicates dropped. */
export function relayList(raw: string | undefined): string[] {
  return [
    ...new Set(
      (raw ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ];
}

function relayIssues(raw: string): Issue[] {
  const relays = relayList(raw);
  const field = 'credentials.relays';
  if (relays.length === 0 || relays.length > NOSTR_MAX_RELAYS) {
    return [
      {
        field,
        code: 'validation.field_invalid',
        message: `must name 1 to ${NOSTR_MAX_RELAYS} relays, comma-separated (wss://relay.example.com,wss://…).`,
      },
    ];
  }
  const bad = relays.find((r) => !URL.canParse(r) || !/^wss?:$/.test(new URL(r).protocol));
  return bad === undefined
    ? []
    : [
        {
          field,
          code: 'validation.field_invalid',
          message: `names "${bad}", which is not a wss:// relay URL.`,
        },
      ];
}

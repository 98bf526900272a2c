import { createHash } from 'node:crypto';
import { languages } from './descriptor';
import type { StepState } from '../kit/adapter';
import { altTextAt } from '../kit/content';

/**
 * Bluesky's post record, the parts that are pure computation: rich-text facets, the record key,
 * the record itself.
 *
 * Facets (app.bsky.richtext.facet): links, mentions and hashtags are not parsed by the server
 * from the text; the client annotates byte ranges of the UTF-8 text. A mention's facet carries
 * the account's DID, so handles are resolved before the post is made (and left as plain text
 * when they do not resolve, as the Bluesky app does).
 */

export interface Facet {
  index: { byteStart: number; byteEnd: number };
  features: Array<
    | { $type: 'app.bsky.richtext.facet#link'; uri: string }
    | { $type: 'app.bsky.richtext.facet#mention'; did: string }
    | { $type: 'app.bsky.richtext.facet#tag'; tag: string }
  >;
}

interface Span {
  start: number;
  end: number;
}

const URL_PATTERN = /(^|[\s(])(https?:\/\/[^\s]+)/g;
/** A handle is a domain name (atproto.com/specs/handle), written `@alice.bsky.social`. */
const MENTION_PATTERN =
  /(^|[\s(])@((?:[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?\.)+[a-zA-Z](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)/g;
/** `#tag` or the full-width `＃tag`, up to whitespace; trailing punctuation is not part of it. */
const TAG_PATTERN = /(^|\s)[#＃]([^\s\u00AD\u2060\u200A\u200B\u200C\u200D\u20e2]+)/gu;
/** The lexicon's limit on a tag (app.bsky.richtext.facet#tag: 64 graphemes, 640 bytes). */
const TAG_MAX_BYTES = 640;

/** The `@handle`s a text mentions, lower-cased, to resolve to DIDs before publishing. */
export function mentionedHandles(text: string): string[] {
  return [...new Set(mentions(text).map((m) => m.handle.toLowerCase()))];
}

/** The facets of `text`; `dids` maps the mentioned handles that resolved (lower-cased) to DIDs. */
export function facetsOf(text: string, dids: Record<string, string>): Facet[] {
  const facets: Facet[] = [];
  const bytes = (span: Span) => ({
    byteStart: Buffer.byteLength(text.slice(0, span.start)),
    byteEnd: Buffer.byteLength(text.slice(0, span.end)),
  });
  for (const m of text.matchAll(URL_PATTERN)) {
    const start = m.index + m[1]!.length;
    const uri = trimUrl(m[2]!);
    facets.push({
      index: bytes({ start, end: start + uri.length }),
      features: [{ $type: 'app.bsky.richtext.facet#link', uri }],
    });
  }
  for (const m of mentions(text)) {
    const did = dids[m.handle.toLowerCase()];
    if (did) facets.push({ index: bytes(m), features: [{ $type: 'app.bsky.richtext.facet#mention', did }] });
  }
  for (const m of text.matchAll(TAG_PATTERN)) {
    const tag = m[2]!.replace(/\p{P}+$/u, '');
    // A number alone ("#1") is not a tag; nor is one longer than the lexicon allows.
    if (!tag || /^\d+$/.test(tag) || Buffer.byteLength(tag) > TAG_MAX_BYTES || [...tag].length > 64) continue;
    const start = m.index + m[1]!.length;
    facets.push({
      index: bytes({ start, end: start + 1 + tag.length }),
      features: [{ $type: 'app.bsky.richtext.facet#tag', tag }],
    });
  }
  return facets.sort((a, b) => a.index.byteStart - b.index.byteStart);
}

function mentions(text: string): Array<Span & { handle: string }> {
  return [...text.matchAll(MENTION_PATTERN)].map((m) => {
    const handle = m[2]!.replace(/\.+$/, '');
    const start = m.index + m[1]!.length;
    return { handle, start, end: start + 1 + handle.length };
  });
}

/** Sentence punctuation after a URL is not part of it; a `)` only when it closes nothing. */
function trimUrl(url: string): string {
  let trimmed = url.replace(/[.,;:!?"'\]]+$/, '');
  while (trimmed.endsWith(')') && count(trimmed, '(') < count(trimmed, ')')) {
    trimmed = trimmed.slice(0, -1).replace(/[.,;:!?"'\]]+$/, '');
  }
  return trimmed;
}

const count = (text: string, char: string) => text.split(char).length - 1;

/** atproto's base32-sortable alphabet (atproto.com/specs/tid). */
const S32 = '234567abcdefghijklmnopqrstuvwxyz';
const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
/** Timestamps of record keys for ids that carry no time of their own stay before this instant. */
const FALLBACK_EPOCH_US = BigInt(Date.UTC(2020, 0, 1)) * 1000n;
/** A TID's time has 53 bits. */
const MAX_MICROS = 1n << 53n;

/**
 * The record key of a delivery's post: a TID (atproto.com/specs/tid — 13 base32-sortable
 * characters: top bit 0, 53 bits of microseconds since the epoch, 10 bits of "clock id")
 * derived from `ref` alone, so every publish of the same delivery names the same record and a
 * second `createRecord` cannot make a second post.
 *
 * The time part is the post id's own ULID time (`post_<ULID>`: when the post was created, in
 * the past and roughly in order) plus microseconds from a hash of `ref`; the clock id is from
 * the hash too. Ids without a ULID get a time from the hash, before 2020 (never in the future).
 */
export function recordKeyFor(ref: string): string {
  const hash = createHash('sha256').update(ref).digest();
  const clockId = BigInt(hash.readUInt16BE(0) & 0x3ff);
  const ulidMs = ulidTime(ref.split('/')[0] ?? '');
  const fromUlid = ulidMs !== undefined ? BigInt(ulidMs) * 1000n + BigInt(hash.readUInt16BE(2) % 1000) : -1n;
  const micros =
    fromUlid >= 0n && fromUlid < MAX_MICROS ? fromUlid : hash.readBigUInt64BE(4) % FALLBACK_EPOCH_US;
  let value = (micros << 10n) | clockId;
  let key = '';
  for (let i = 0; i < 13; i++) {
    key = S32[Number(value & 31n)] + key;
    value >>= 5n;
  }
  return key;
}

/** Milliseconds of a `post_<ULID>` id (its first 10 Crockford characters), if it is one. */
function ulidTime(postId: string): number | undefined {
  const ulid = /^post_([0-9A-HJKMNP-TV-Z]{26})$/i.exec(postId)?.[1]?.toUpperCase();
  if (!ulid) return undefined;
  let ms = 0;
  for (const char of ulid.slice(0, 10)) ms = ms * 32 + CROCKFORD.indexOf(char);
  return ms;
}

/** A TID as the lexicon validates record keys of `app.bsky.feed.post`. */
export const isTid = (key: string) => /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/.test(key);

/**
 * The post record (lexicon app.bsky.feed.post) from the text, the target's options and what
 * prepare made: resolved mentions, image blobs or the video blob.
 */
export function postRecord(text: string, o: Record<string, unknown>, prepared: StepState) {
  const facets = facetsOf(text, (prepared.mentions ?? {}) as Record<string, string>);
  const images = Array.isArray(prepared.images) ? prepared.images : [];
  const langs = languages(o) ?? [];
  const labels = Array.isArray(o.labels) ? o.labels.map(String) : [];
  const embed = prepared.video
    ? {
        $type: 'app.bsky.embed.video',
        video: prepared.video,
        ...(altTextAt(o, 0) ? { alt: altTextAt(o, 0) } : {}),
      }
    : images.length
      ? {
          $type: 'app.bsky.embed.images',
          images: images.map((item, i) => ({ ...(item as object), alt: altTextAt(o, i) ?? '' })),
        }
      : undefined;
  return {
    $type: 'app.bsky.feed.post',
    text,
    createdAt: new Date().toISOString(),
    ...(facets.length ? { facets } : {}),
    ...(langs.length ? { langs } : {}),
    ...(embed ? { embed } : {}),
    ...(labels.length
      ? { labels: { $type: 'com.atproto.label.defs#selfLabels', values: labels.map((val) => ({ val })) } }
      : {}),
  };
}

/**
 * An image's width and height from its header (PNG, GIF, JPEG, WebP): the post's
 * `aspectRatio`, which lets apps lay the image out before it loads. Undefined when unknown.
 */
export function imageSize(b: Buffer): { width: number; height: number } | undefined {
  const size = (width: number, height: number) => (width > 0 && height > 0 ? { width, height } : undefined);
  if (b.length >= 24 && b.readUInt32BE(0) === 0x89504e47) return size(b.readUInt32BE(16), b.readUInt32BE(20));
  if (b.length >= 10 && b.toString('latin1', 0, 3) === 'GIF')
    return size(b.readUInt16LE(6), b.readUInt16LE(8));
  if (b.length >= 30 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') {
    const chunk = b.toString('latin1', 12, 16);
    if (chunk === 'VP8X') return size(1 + b.readUIntLE(24, 3), 1 + b.readUIntLE(27, 3));
    if (chunk === 'VP8 ') return size(b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff);
    if (chunk === 'VP8L') {
      const bits = b.readUInt32LE(21);
      return size((bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1);
    }
    return undefined;
  }
  if (b.length < 4 || b[0] !== 0xff || b[1] !== 0xd8) return undefined;
  // JPEG: walk the segments to a start-of-frame (SOF0–SOF15 but DHT, JPG and DAC).
  for (let i = 2; i + 9 < b.length;) {
    if (b[i] !== 0xff) return undefined;
    const marker = b[i + 1]!;
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return size(b.readUInt16BE(i + 7), b.readUInt16BE(i + 5));
    }
    i += 2 + b.readUInt16BE(i + 2);
  }
  return undefined;
}

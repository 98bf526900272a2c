import type { PostContent } from '../../api/types';
import { altTextAt } from '../kit/content';
import type { UnsignedEvent } from './event';

/** Kind 1: a short text note (NIP-01). Kind 5: a deletion request (NIP-09). */
export const TEXT_NOTE = 1;
export const DELETION = 5;

/** Media types by file extension, for `imeta`'s `m` field (the URL is all a note knows of its media). */
const MEDIA_TYPES: Record<string, string> = {
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  gif: 'image/gif',
  webp: 'image/webp',
  mp4: 'video/mp4',
  webm: 'video/webm',
  mov: 'video/quicktime',
};

/** The media URLs of a post: Nostr notes link their media, which clients show inline. */
export const mediaUrls = (content: PostContent): string[] => content.media.map((m) => m.source);

/** The note's text: the post's text, then each media URL on a line of its own (NIP-92). */
export function noteText(content: PostContent): string {
  return [content.text, ...mediaUrls(content)].filter((part) => part !== '').join('\n');
}

/**
 * The kind-1 note of a delivery, made only from the post and `since` (when the delivery began),
 * never from the clock or from media URLs signed for the moment: the same delivery always makes
 * the same event, so its id is the same and relays keep one copy, however often it is sent.
 *
 * Tags: `imeta` for each media URL (NIP-92: `url`, `m` by extension, `alt`), `t` for each
 * hashtag (clients search them), `content-warning` (NIP-36) from the option.
 */
export function noteOf(content: PostContent, options: Record<string, unknown>, since: string): UnsignedEvent {
  const tags: string[][] = mediaUrls(content).map((url, i) => {
    const type = MEDIA_TYPES[/\.([a-z0-9]+)$/i.exec(url.split(/[?#]/)[0]!)?.[1]?.toLowerCase() ?? ''];
    const alt = altTextAt(options, i);
    return ['imeta', `url ${url}`, ...(type ? [`m ${type}`] : []), ...(alt ? [`alt ${alt}`] : [])];
  });
  const hashtags = new Set(
    [...content.text.matchAll(/(?:^|\s)#([\p{L}\p{N}_]+)/gu)].map((m) => m[1]!.toLowerCase()),
  );
  for (const tag of hashtags) tags.push(['t', tag]);
  if (typeof options.content_warning === 'string') tags.push(['content-warning', options.content_warning]);
  return {
    kind: TEXT_NOTE,
    created_at: Math.floor(Date.parse(since) / 1000),
    tags,
    content: noteText(content),
  };
}

import type { PostContent } from '../../api/types';
import { altTextAt } from '../kit/content';
import type { UnsignedEvent } from './event';
import type { UploadedFile } from './media-server';

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
 * The kind-1 note of a delivery, made only from the post, `since` (when the delivery began) and
 * the files prepare uploaded, never from the clock or from media URLs signed for the moment: the
 * same delivery always makes the same event, so its id is the same and relays keep one copy,
 * however often it is sent.
 *
 * Media: `files[i]`, where prepare uploaded media `i` to the account's NIP-96 server, else the
 * media's own URL. Tags: `imeta` for each (NIP-92: `url`, `m` from the server or by extension,
 * the server's `x`, `ox` and `dim`, `alt`), `t` for each hashtag (clients search them),
 * `content-warning` (NIP-36) from the option.
 */
export function noteOf(
  content: PostContent,
  options: Record<string, unknown>,
  since: string,
  files: ReadonlyArray<UploadedFile | null> = [],
): UnsignedEvent {
  const linked = content.media.map((m, i) => files[i] ?? { url: m.source });
  const tags: string[][] = linked.map((file, i) => {
    const type =
      file.m ?? MEDIA_TYPES[/\.([a-z0-9]+)$/i.exec(file.url.split(/[?#]/)[0]!)?.[1]?.toLowerCase() ?? ''];
    const alt = altTextAt(options, i);
    return [
      'imeta',
      `url ${file.url}`,
      ...(type ? [`m ${type}`] : []),
      ...(['x', 'ox', 'dim'] as const).filter((f) => file[f]).map((f) => `${f} ${file[f]}`),
      ...(alt ? [`alt ${alt}`] : []),
    ];
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
    content: [content.text, ...linked.map((f) => f.url)].filter((part) => part !== '').join('\n'),
  };
}

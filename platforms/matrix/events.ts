import { createHash } from 'node:crypto';
import type { JsonValue } from '../kit/adapter';
import type { PlatformBody } from '../kit/http';

/**
 * How one post becomes Matrix events, and the transaction ids that make each send idempotent.
 *
 * A post is its media first, one `m.image`/`m.video` event per item in order, then its text as
 * one `m.text` (or `m.notice`) event: the way Matrix clients send attachments with a message, the
 * text landing under the pictures it talks about. Each event is sent with a transaction id
 * derived from the delivery's ref and the event's part (`pf-<hash of ref>-media0`, `…-text`), so
 * the homeserver answers a repeated send with the event it made the first time.
 */

/** One event of a post: its part name (in the transaction id) and its content. */
export interface EventPart {
  part: string;
  content: Record<string, JsonValue>;
}

/** A media item as prepare uploaded it: its `mxc://` URI and what its event says about it. */
export interface UploadedMedia {
  mxc: string;
  msgtype: 'm.image' | 'm.video';
  mimetype: string;
  size: number;
  filename: string;
}

/** The transaction id of `part` of the delivery (or comment) `ref`: path-safe, opaque, stable. */
export function txnIdOf(ref: string, part: string): string {
  return `pf-${createHash('sha256').update(ref).digest('hex').slice(0, 32)}-${part}`;
}

/** The parts of a post in the order they are sent: media, then the text (when there is text). */
export function partNames(mediaCount: number, hasText: boolean): string[] {
  const media = Array.from({ length: mediaCount }, (_, i) => `media${i}`);
  return hasText ? [...media, 'text'] : media;
}

/** The events of a post, from its text, options and uploaded media. */
export function eventsOf(
  text: string,
  options: Record<string, unknown>,
  media: UploadedMedia[],
): EventPart[] {
  const parts: EventPart[] = media.map((m, i) => ({
    part: `media${i}`,
    // Since Matrix 1.10 a `body` equal to `filename` is the file's name, not a caption.
    content: {
      msgtype: m.msgtype,
      body: m.filename,
      filename: m.filename,
      url: m.mxc,
      info: { mimetype: m.mimetype, size: m.size },
    },
  }));
  if (text.trim()) parts.push({ part: 'text', content: textContent(text, options) });
  return parts;
}

/** A text message: the plain body, and the HTML version when the options give one. */
export function textContent(text: string, options: Record<string, unknown>): Record<string, JsonValue> {
  return {
    msgtype: typeof options.msgtype === 'string' ? options.msgtype : 'm.text',
    body: text,
    ...(typeof options.formatted_body === 'string'
      ? { format: 'org.matrix.custom.html', formatted_body: options.formatted_body }
      : {}),
  };
}

/**
 * A first comment under `anchor` (the post's text event): a reply (`m.in_reply_to`), or the first
 * message of a thread on it (`m.thread`, with the reply as the fallback older clients show).
 */
export function commentContent(text: string, anchor: string, inThread: boolean): Record<string, JsonValue> {
  const reply = { 'm.in_reply_to': { event_id: anchor } };
  return {
    msgtype: 'm.text',
    body: text,
    'm.relates_to': inThread
      ? { rel_type: 'm.thread', event_id: anchor, is_falling_back: true, ...reply }
      : reply,
  };
}

/** The event a comment hangs under: the post's text event, else (a media-only post) its last. */
export function anchorOf(eventIds: string[], metadata: Record<string, JsonValue> | undefined): string {
  const text = metadata?.text_event_id;
  return typeof text === 'string' && text ? text : eventIds[eventIds.length - 1]!;
}

/** The event a comment event answers, from its relation (a reply or a thread). */
export function repliedTo(event: PlatformBody): string | undefined {
  const relation = event.content?.['m.relates_to'];
  return (
    relation?.['m.in_reply_to']?.event_id ??
    (relation?.rel_type === 'm.thread' ? relation.event_id : undefined)
  );
}

/**
 * A matrix.to link to an event (any client opens it). `via` is a server that is in the room, for
 * other servers to find it: the server of the room id or alias the account names (room version
 * 12 ids name none; without an alias the link then has no `via`).
 */
export function permalinkOf(roomId: string, eventId: string, via: string | undefined): string {
  const query = via ? `?via=${encodeURIComponent(via)}` : '';
  return `https://matrix.to/#/${encodeURIComponent(roomId)}/${encodeURIComponent(eventId)}${query}`;
}

/** The server part of a room id or alias (`!id:server`, `#name:server`), where it has one. */
export function serverOf(roomOrAlias: string): string | undefined {
  return /^[!#][^:]+:(.+)$/.exec(roomOrAlias)?.[1];
}

/** The media event type for a file's content type; undefined for anything else. */
export function msgtypeOf(contentType: string): UploadedMedia['msgtype'] | undefined {
  if (contentType.startsWith('image/')) return 'm.image';
  if (contentType.startsWith('video/')) return 'm.video';
  return undefined;
}

/** The name a media event shows: the URL's last path segment, else `image-1`, `video-2`. */
export function filenameOf(source: string, sourceType: string, msgtype: string, i: number): string {
  if (sourceType === 'url') {
    try {
      const last = decodeURIComponent(new URL(source).pathname.split('/').pop() ?? '');
      if (last) return last.slice(0, 200);
    } catch {
      // not a URL we can read a name from: the generic name below
    }
  }
  return `${msgtype === 'm.video' ? 'video' : 'image'}-${i + 1}`;
}

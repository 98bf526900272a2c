import { createHash } from 'node:crypto';
import { type NostrEvent, signEvent, verifyEvent } from './event';

/** NIP-98's HTTP auth event (after RFC 7235). */
export const HTTP_AUTH = 27235;
/** How far an auth event's `created_at` may be from the server's clock (NIP-98's suggestion). */
export const AUTH_WINDOW_S = 60;

export const sha256Hex = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/**
 * The `Authorization` header of one HTTP call signed by the account's key (NIP-98): a kind-27235
 * event with the call's absolute URL (`u`), its method and, for a body, the SHA-256 of what is
 * sent (`payload`; NIP-96 asks for the file's hash, not the multipart body's), base64 after
 * `Nostr `. Made fresh for each call: servers take it for 60 s.
 */
export function httpAuth(secretKey: Uint8Array, url: string, method: string, payload?: Buffer): string {
  const event = signEvent(secretKey, {
    kind: HTTP_AUTH,
    created_at: Math.floor(Date.now() / 1000),
    tags: [['u', url], ['method', method], ...(payload ? [['payload', sha256Hex(payload)]] : [])],
    content: '',
  });
  return `Nostr ${Buffer.from(JSON.stringify(event)).toString('base64')}`;
}

/**
 * NIP-98's server checks, in its order, as the media server fake makes them: the event's id and
 * signature, the kind, `created_at` within 60 s, `u` exactly the request's URL, `method` the
 * request's. The signed event when all pass, else why not.
 */
export function checkHttpAuth(
  header: string | undefined,
  url: string,
  method: string,
  now = Date.now(),
): { event: NostrEvent } | { why: string } {
  const encoded = /^Nostr (.+)$/.exec(header ?? '')?.[1];
  if (!encoded) return { why: 'missing Nostr authorization' };
  let event: NostrEvent;
  try {
    event = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8')) as NostrEvent;
  } catch {
    return { why: 'authorization is not a base64 JSON event' };
  }
  const tag = (name: string) => event.tags?.find((t) => t[0] === name)?.[1];
  if (!verifyEvent(event)) return { why: 'invalid event id or signature' };
  if (event.kind !== HTTP_AUTH) return { why: `wrong kind ${event.kind}` };
  if (Math.abs(event.created_at - now / 1000) > AUTH_WINDOW_S)
    return { why: 'event created_at out of range' };
  if (tag('u') !== url) return { why: 'u tag does not match the request URL' };
  if (tag('method') !== method) return { why: 'method tag does not match the request method' };
  return { event };
}

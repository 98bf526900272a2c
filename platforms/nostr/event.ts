import { createHash } from 'node:crypto';
import { schnorr } from '@noble/curves/secp256k1';
import { toHex } from './keys';

/** A signed Nostr event (NIP-01). */
export interface NostrEvent {
  id: string;
  pubkey: string;
  created_at: number;
  kind: number;
  tags: string[][];
  content: string;
  sig: string;
}

export type UnsignedEvent = Pick<NostrEvent, 'created_at' | 'kind' | 'tags' | 'content'>;

/** The author's public key (x-only, hex) for a secret key. */
export const publicKeyOf = (secretKey: Uint8Array): string => toHex(schnorr.getPublicKey(secretKey));

/**
 * NIP-01's event id: SHA-256 of `[0, pubkey, created_at, kind, tags, content]` serialized as
 * JSON without whitespace. Everything but the signature, so the same note by the same key at the
 * same second has the same id however often it is signed.
 */
export function eventIdOf(pubkey: string, event: UnsignedEvent): string {
  const serialized = JSON.stringify([0, pubkey, event.created_at, event.kind, event.tags, event.content]);
  return createHash('sha256').update(serialized, 'utf8').digest('hex');
}

/** Signs the event with BIP-340 Schnorr over secp256k1 (fresh auxiliary randomness each time). */
export function signEvent(secretKey: Uint8Array, event: UnsignedEvent): NostrEvent {
  const pubkey = publicKeyOf(secretKey);
  const id = eventIdOf(pubkey, event);
  const sig = toHex(schnorr.sign(id, secretKey));
  return { id, pubkey, ...event, sig };
}

/** Whether the event's id is its content's and its signature the author's (the relay fake checks). */
export function verifyEvent(event: NostrEvent): boolean {
  try {
    return eventIdOf(event.pubkey, event) === event.id && schnorr.verify(event.sig, event.id, event.pubkey);
  } catch {
    return false;
  }
}

/**
 * Nostr's key and id encodings (NIP-19), in pure code so the descriptor can check credentials
 * without the signing library: bech32 (BIP-173) for `nsec1…` secret keys and `note1…` ids.
 */

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATORS = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
/** The order of secp256k1's group: a secret key is an integer in [1, N). */
const CURVE_ORDER = BigInt('0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141');

function polymod(values: number[]): number {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((top >>> i) & 1) chk ^= GENERATORS[i]!;
  }
  return chk >>> 0;
}

const expandPrefix = (prefix: string) => [
  ...[...prefix].map((c) => c.charCodeAt(0) >> 5),
  0,
  ...[...prefix].map((c) => c.charCodeAt(0) & 31),
];

/** Regroups bits (8 → 5 to encode, 5 → 8 to decode); undefined when the padding is not zero. */
function convertBits(data: number[], from: number, to: number, pad: boolean): number[] | undefined {
  let acc = 0;
  let bits = 0;
  const out: number[] = [];
  const max = (1 << to) - 1;
  for (const value of data) {
    acc = (acc << from) | value;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & max);
    }
  }
  if (pad && bits > 0) out.push((acc << (to - bits)) & max);
  else if (!pad && (bits >= from || ((acc << (to - bits)) & max) !== 0)) return undefined;
  return out;
}

export function bech32Encode(prefix: string, bytes: Uint8Array): string {
  const words = convertBits([...bytes], 8, 5, true)!;
  const checksum = polymod([...expandPrefix(prefix), ...words, 0, 0, 0, 0, 0, 0]) ^ 1;
  const tail = Array.from({ length: 6 }, (_, i) => (checksum >> (5 * (5 - i))) & 31);
  return `${prefix}1${[...words, ...tail].map((w) => CHARSET[w]).join('')}`;
}

/** The bytes of a bech32 string with this prefix; undefined when it is not one (or its checksum fails). */
export function bech32Decode(prefix: string, text: string): Uint8Array | undefined {
  const lower = text.toLowerCase();
  if (lower !== text && text.toUpperCase() !== text) return undefined;
  if (!lower.startsWith(`${prefix}1`)) return undefined;
  const words = [...lower.slice(prefix.length + 1)].map((c) => CHARSET.indexOf(c));
  if (words.length < 6 || words.some((w) => w < 0)) return undefined;
  if (polymod([...expandPrefix(prefix), ...words]) !== 1) return undefined;
  const bytes = convertBits(words.slice(0, -6), 5, 8, false);
  return bytes ? Uint8Array.from(bytes) : undefined;
}

/**
 * The account's secret key from its credentials: `nsec1…` (NIP-19) or 64 hex digits, a valid
 * secp256k1 scalar. Undefined when it is neither; callers never quote the value.
 */
export function parseSecretKey(raw: string | undefined): Uint8Array | undefined {
  const text = (raw ?? '').trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(text) ? fromHex(text) : bech32Decode('nsec', text);
  if (!bytes || bytes.length !== 32) return undefined;
  const scalar = BigInt(`0x${toHex(bytes)}`);
  return scalar > 0n && scalar < CURVE_ORDER ? bytes : undefined;
}

/** A note's NIP-19 id (`note1…`), as Nostr web clients link it. */
export const noteId = (eventIdHex: string): string => bech32Encode('note', fromHex(eventIdHex));

// Hex by hand: the descriptor imports this file, and the workflow sandbox has no Buffer.
export const toHex = (bytes: Uint8Array): string =>
  [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');

export const fromHex = (hex: string): Uint8Array =>
  Uint8Array.from(hex.match(/../g) ?? [], (pair) => parseInt(pair, 16));

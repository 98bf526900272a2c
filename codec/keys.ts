/**
 * Payload encryption keys from `POSTFLOW_PAYLOAD_KEYS`: `<id>:<base64 of 32 bytes>`, comma-separated.
 * The first key encrypts; every key decrypts, so a new key is put in front and the old ones stay
 * until nothing written with them is still needed (key rotation).
 */
export interface PayloadKey {
  /** Written into each payload's metadata so a reader picks the right key. Not secret. */
  id: string;
  /** 32 bytes for AES-256-GCM. */
  key: Buffer;
}

const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;

/** The configured keys, or an empty list when payload encryption is off (the variable unset or empty). */
export function payloadKeysFrom(env: NodeJS.ProcessEnv): PayloadKey[] {
  const raw = env.POSTFLOW_PAYLOAD_KEYS?.trim();
  if (!raw) return [];
  const keys = raw.split(',').map((entry, index) => parseKey(entry.trim(), index + 1));
  const ids = keys.map((k) => k.id);
  const repeated = ids.find((id, i) => ids.indexOf(id) !== i);
  if (repeated) throw new Error(`POSTFLOW_PAYLOAD_KEYS: key id "${repeated}" appears twice.`);
  return keys;
}

// Errors name the entry's position and id, never its key material.
function parseKey(entry: string, position: number): PayloadKey {
  const colon = entry.indexOf(':');
  const id = colon > 0 ? entry.slice(0, colon) : '';
  if (!KEY_ID.test(id)) {
    throw new Error(
      `POSTFLOW_PAYLOAD_KEYS: entry ${position} must be <id>:<base64 key>, the id made of letters, digits, ".", "_" or "-".`,
    );
  }
  const encoded = entry.slice(colon + 1);
  const key = Buffer.from(encoded, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || key.length !== 32) {
    throw new Error(
      `POSTFLOW_PAYLOAD_KEYS: key "${id}" must be 32 bytes in base64 (make one with: openssl rand -base64 32).`,
    );
  }
  return { id, key };
}

import { type Payload, type PayloadCodec, ValueError } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { PayloadKey } from './keys';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const text = new TextEncoder();
const ProtoPayload = temporal.api.common.v1.Payload;

/**
 * AES-256-GCM over whole payloads (data and metadata), a random 12-byte IV per payload. The
 * result carries only `encoding: binary/encrypted` and the key id in clear; its data is
 * IV ‖ ciphertext ‖ tag. The key id is also the GCM associated data, so a payload relabelled
 * with another key id fails to decrypt instead of being misread.
 */
export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;
  private readonly current: PayloadKey;

  /** `keys[0]` encrypts; all of them decrypt. */
  constructor(keys: readonly PayloadKey[]) {
    if (keys.length === 0) throw new Error('EncryptionCodec needs at least one key.');
    this.current = keys[0];
    this.byId = new Map(keys.map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.encrypt(payload));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => this.decrypt(payload));
  }

  private encrypt(payload: Payload): Payload {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
    cipher.setAAD(Buffer.from(this.current.id));
    const plain = ProtoPayload.encode(payload).finish();
    const sealed = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return {
      metadata: {
        encoding: text.encode(ENCRYPTED_ENCODING),
        [KEY_ID_METADATA]: text.encode(this.current.id),
      },
      data: sealed,
    };
  }

  private decrypt(payload: Payload): Payload {
    const encoding = payload.metadata?.encoding;
    // Payloads written while encryption was off stay readable after it is turned on.
    if (!encoding || Buffer.from(encoding).toString() !== ENCRYPTED_ENCODING) return payload;
    const idBytes = payload.metadata?.[KEY_ID_METADATA];
    const keyId = idBytes ? Buffer.from(idBytes).toString() : '';
    const key = this.byId.get(keyId);
    if (!key) {
      throw new ValueError(`Payload encrypted with key "${keyId}", which is not in POSTFLOW_PAYLOAD_KEYS.`);
    }
    const data = Buffer.from(payload.data ?? []);
    if (data.length < IV_BYTES + TAG_BYTES) throw new ValueError('Encrypted payload is truncated.');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
    let plain: Buffer;
    try {
      plain = Buffer.concat([
        decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
        decipher.final(),
      ]);
    } catch {
      throw new ValueError(
        `Encrypted payload does not authenticate with key "${keyId}" (tampered or wrong key).`,
      );
    }
    const decoded = ProtoPayload.decode(plain);
    return { metadata: decoded.metadata, data: decoded.data };
  }
}

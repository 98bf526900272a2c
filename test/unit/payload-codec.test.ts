import { defaultPayloadConverter } from '@temporalio/common';
import { randomBytes } from 'node:crypto';
import { postflowDataConverter } from '../../codec/data-converter';
import { ENCRYPTED_ENCODING, EncryptionCodec, KEY_ID_METADATA } from '../../codec/encryption-codec';
import { payloadKeysFrom } from '../../codec/keys';

/** The payload codec: AES-256-GCM, key ids for rotation, keys from POSTFLOW_PAYLOAD_KEYS. */
const key = (id: string) => ({ id, key: randomBytes(32) });
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString();
const secretText = 'Launch day: the zebra quokka parade';
const payload = () => defaultPayloadConverter.toPayload({ text: secretText });

test('a payload is encrypted whole, readable only with its key, with a fresh IV each time', async () => {
  const codec = new EncryptionCodec([key('k1')]);
  const [a, b] = await codec.encode([payload(), payload()]);
  expect(text(a.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
  expect(text(a.metadata?.[KEY_ID_METADATA])).toBe('k1');
  expect(Object.keys(a.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA].sort());
  expect(Buffer.from(a.data!).includes(secretText)).toBe(false);
  expect(Buffer.from(a.data!).includes('json/plain')).toBe(false);
  expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);

  const [decoded] = await codec.decode([a]);
  expect(defaultPayloadConverter.fromPayload(decoded)).toEqual({ text: secretText });
  expect(text(decoded.metadata?.encoding)).toBe('json/plain');
});

test('rotation: a new key in front encrypts, payloads of the old key still decode', async () => {
  const old = key('2025-01');
  const fresh = key('2026-01');
  const [written] = await new EncryptionCodec([old]).encode([payload()]);
  const rotated = new EncryptionCodec([fresh, old]);
  expect(defaultPayloadConverter.fromPayload((await rotated.decode([written]))[0])).toEqual({
    text: secretText,
  });
  const [rewritten] = await rotated.encode([payload()]);
  expect(text(rewritten.metadata?.[KEY_ID_METADATA])).toBe('2026-01');
  // Once the old key is dropped, its payloads can no longer be read, and the error says which key.
  await expect(new EncryptionCodec([fresh]).decode([written])).rejects.toThrow(/"2025-01"/);
});

test('a tampered payload, or one relabelled with another key id, is refused', async () => {
  const k1 = key('k1');
  const k2 = { id: 'k2', key: k1.key };
  const codec = new EncryptionCodec([k1, k2]);
  const [sealed] = await codec.encode([payload()]);
  const flipped = Buffer.from(sealed.data!);
  flipped[20] ^= 1;
  await expect(codec.decode([{ ...sealed, data: flipped }])).rejects.toThrow(/does not authenticate/);
  const relabelled = { ...sealed, metadata: { ...sealed.metadata, [KEY_ID_METADATA]: Buffer.from('k2') } };
  await expect(codec.decode([relabelled])).rejects.toThrow(/does not authenticate/);
});

test('payloads written before encryption was turned on pass through decode unchanged', async () => {
  const plain = payload();
  expect(await new EncryptionCodec([key('k1')]).decode([plain])).toEqual([plain]);
});

test('POSTFLOW_PAYLOAD_KEYS: unset is off; entries are id:base64 of 32 bytes; errors never show key material', () => {
  expect(payloadKeysFrom({})).toEqual([]);
  expect(postflowDataConverter([])).toBeUndefined();
  const a = randomBytes(32).toString('base64');
  const b = randomBytes(32).toString('base64');
  const keys = payloadKeysFrom({ POSTFLOW_PAYLOAD_KEYS: ` new:${b} , old:${a}` });
  expect(keys.map((k) => k.id)).toEqual(['new', 'old']);
  expect(keys[0].key.equals(Buffer.from(b, 'base64'))).toBe(true);

  const short = randomBytes(16).toString('base64');
  for (const [value, message] of [
    [`k1:${short}`, /key "k1" must be 32 bytes/],
    [a, /entry 1 must be <id>:<base64 key>/],
    [`k1:${a},k1:${b}`, /"k1" appears twice/],
    [`k1:${a},bad id:${b}`, /entry 2/],
  ] as const) {
    let error: Error | undefined;
    try {
      payloadKeysFrom({ POSTFLOW_PAYLOAD_KEYS: value });
    } catch (err) {
      error = err as Error;
    }
    expect(error?.message).toMatch(message);
    for (const material of [a, b, short]) expect(error?.message).not.toContain(material);
  }
});

test('the data converter encrypts failure messages too (encodeCommonAttributes), by a path the workflow bundle loads', async () => {
  const converter = postflowDataConverter([key('k1')])!;
  expect(converter.payloadCodecs).toHaveLength(1);
  const { failureConverter } = await import(converter.failureConverterPath!);
  expect(failureConverter.options).toEqual({ encodeCommonAttributes: true });
});

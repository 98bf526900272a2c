/** Hand-built ISO BMFF (MP4/QuickTime) bytes: boxes are a 32-bit size, a four-letter type and a payload. */
export const box = (type: string, ...payload: Buffer[]): Buffer => {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
};
export const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};
export const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(n);
  return b;
};
/** mvhd version 0: version+flags, creation, modification, timescale, duration; then the rest of it. */
export const mvhd0 = (timescale: number, duration: number): Buffer =>
  box('mvhd', u32(0), u32(1), u32(2), u32(timescale), u32(duration), Buffer.alloc(80));
/** mvhd version 1: 64-bit creation, modification and duration. */
export const mvhd1 = (timescale: number, duration: bigint): Buffer =>
  box('mvhd', u32(0x01000000), u64(1n), u64(2n), u32(timescale), u64(duration), Buffer.alloc(80));
export const ftyp = box('ftyp', Buffer.from('isom'), u32(512), Buffer.from('isomiso2avc1mp41'));

/** A small MP4 whose movie header says it lasts `seconds` (its `mdat` is zeros, then `moov`). */
export const mp4Lasting = (seconds: number): Buffer =>
  Buffer.concat([
    ftyp,
    box('mdat', Buffer.alloc(2048)),
    box('moov', mvhd0(1000, Math.round(seconds * 1000))),
  ]);

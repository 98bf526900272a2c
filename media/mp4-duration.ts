/** A file read by offset (a file on disk, ranged GETs of a bucket object), never as a whole. */
export interface ByteSource {
  /** The file's size in bytes. */
  size: number;
  /** Up to `length` bytes from `offset`; fewer at the end of the file. */
  read(offset: number, length: number): Promise<Buffer>;
}

/**
 * Boxes looked at per level before giving up: real files have a handful at the top level (ftyp,
 * free, mdat, moov) and `mvhd` first in `moov`. Each look is a read (a request on a bucket), so a
 * file made of thousands of tiny boxes costs no more than this.
 */
const MAX_BOXES = 64;
/** A box's type: four printable ASCII characters. Anything else means this is no ISO BMFF file. */
const BOX_TYPE = /^[\x20-\x7e]{4}$/;

interface Box {
  type: string;
  /** Where the box's payload starts (after its header). */
  payload: number;
  end: number;
}

/**
 * The duration in seconds an MP4 or QuickTime file (ISO BMFF) declares in its movie header
 * (`moov`/`mvhd`), or undefined when it cannot tell: not such a file, truncated, a timescale of 0,
 * or a duration left unknown (0 as fragmented MP4 writes it, or all ones). Only box headers and
 * the `mvhd` are read, so a `moov` after gigabytes of `mdat` costs a few small reads.
 */
export async function mp4DurationSec(source: ByteSource): Promise<number | undefined> {
  const moov = await findBox(source, 'moov', 0, source.size);
  const mvhd = moov && (await findBox(source, 'mvhd', moov.payload, moov.end));
  if (!mvhd) return undefined;
  const body = await source.read(mvhd.payload, Math.min(32, mvhd.end - mvhd.payload));
  let timescale: number;
  let duration: number;
  if (body[0] === 0 && body.length >= 20) {
    // version 0: creation, modification, timescale, duration (32 bits each)
    timescale = body.readUInt32BE(12);
    const raw = body.readUInt32BE(16);
    duration = raw === 0xffffffff ? 0 : raw;
  } else if (body[0] === 1 && body.length >= 32) {
    // version 1: 64-bit creation and modification, 32-bit timescale, 64-bit duration
    timescale = body.readUInt32BE(20);
    const raw = body.readBigUInt64BE(24);
    duration = raw === 0xffffffffffffffffn ? 0 : Number(raw);
  } else {
    return undefined;
  }
  return timescale > 0 && duration > 0 ? duration / timescale : undefined;
}

/** The first box of `type` among the boxes from `start` to `end`, skipped by their sizes. */
async function findBox(source: ByteSource, type: string, start: number, end: number) {
  let offset = start;
  for (let seen = 0; seen < MAX_BOXES && offset < end; seen++) {
    const box = await boxAt(source, offset, end);
    if (!box) return undefined;
    if (box.type === type) return box;
    offset = box.end;
  }
  return undefined;
}

/**
 * The box whose header starts at `offset`: a 32-bit size (1: a 64-bit size follows the type; 0:
 * the box runs to the end of its container) and a type. Undefined when that is no box header or
 * the box would run past `end` (a truncated file).
 */
async function boxAt(source: ByteSource, offset: number, end: number): Promise<Box | undefined> {
  const head = await source.read(offset, Math.min(16, end - offset));
  if (head.length < 8) return undefined;
  const type = head.toString('latin1', 4, 8);
  if (!BOX_TYPE.test(type)) return undefined;
  let size = head.readUInt32BE(0);
  let header = 8;
  if (size === 1) {
    if (head.length < 16) return undefined;
    size = Number(head.readBigUInt64BE(8));
    header = 16;
  } else if (size === 0) {
    size = end - offset;
  }
  if (size < header || offset + size > end) return undefined;
  return { type, payload: offset + header, end: offset + size };
}

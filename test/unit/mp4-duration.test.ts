import { Readable } from 'node:stream';
import { type ByteSource, mp4DurationSec } from '../../media/mp4-duration';
import { diskStorage } from '../../media/disk-storage';
import { storedVideoDurationSec } from '../../media/video-duration';
import { tempStore } from '../helpers/fixtures';
import { box, ftyp, mvhd0, mvhd1, u32, u64 } from '../helpers/mp4';

const mp4 = (...boxes: Buffer[]) => Buffer.concat([ftyp, ...boxes]);

/** Reads a buffer, keeping every read's offset and length. */
function source(bytes: Buffer) {
  const reads: Array<[number, number]> = [];
  const src: ByteSource = {
    size: bytes.length,
    read: async (offset, length) => {
      reads.push([offset, length]);
      return bytes.subarray(offset, offset + length);
    },
  };
  return { src, reads };
}
const durationOf = (bytes: Buffer) => mp4DurationSec(source(bytes).src);

test('version 0 mvhd: duration over timescale, after other boxes of moov', async () => {
  const file = mp4(box('free'), box('moov', box('udta', Buffer.alloc(12)), mvhd0(1000, 61_500)));
  expect(await durationOf(file)).toBe(61.5);
});

test('version 1 mvhd: the 64-bit duration', async () => {
  expect(await durationOf(mp4(box('moov', mvhd1(90_000, 90_000n * 3600n))))).toBe(3600);
});

test('a moov after a 64-bit mdat of 6 GB is found by skipping it, not reading it', async () => {
  const mdatSize = 6n * 1024n ** 3n;
  const mdatHead = Buffer.concat([u32(1), Buffer.from('mdat'), u64(mdatSize)]);
  const moov = box('moov', mvhd0(600, 600 * 42));
  const head = Buffer.concat([ftyp, mdatHead]);
  const moovAt = ftyp.length + Number(mdatSize);
  const reads: Array<[number, number]> = [];
  // The file is virtual: its header, 6 GB of mdat nobody should read, then moov.
  const src: ByteSource = {
    size: moovAt + moov.length,
    read: async (offset, length) => {
      reads.push([offset, length]);
      if (offset + length <= head.length) return head.subarray(offset, offset + length);
      if (offset >= moovAt) return moov.subarray(offset - moovAt, offset - moovAt + length);
      throw new Error(`read inside mdat at ${offset}`);
    },
  };
  expect(await mp4DurationSec(src)).toBe(42);
  expect(reads.every(([, length]) => length <= 32)).toBe(true);
  expect(reads).toHaveLength(5); // the ftyp, mdat, moov and mvhd headers, then the mvhd fields
});

test('a box of size 0 runs to the end of the file', async () => {
  const moov = box('moov', mvhd0(1, 30));
  moov.writeUInt32BE(0, 0);
  expect(await durationOf(mp4(box('mdat', Buffer.alloc(100)), moov))).toBe(30);
});

test('unknown: not an MP4, truncated, no mvhd, timescale 0, duration unknown, an unknown version', async () => {
  expect(await durationOf(Buffer.from('<html><body>not a video at all</body></html>'))).toBeUndefined();
  expect(await durationOf(Buffer.alloc(0))).toBeUndefined();
  expect(await durationOf(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10, 0x4a, 0x46]))).toBeUndefined();
  const whole = mp4(box('mdat', Buffer.alloc(64)), box('moov', mvhd0(1000, 5000)));
  expect(await durationOf(whole)).toBe(5);
  // Cut anywhere inside mdat or moov: the box runs past the end of the file.
  for (const cut of [ftyp.length + 4, ftyp.length + 40, whole.length - 50, whole.length - 1]) {
    expect(await durationOf(whole.subarray(0, cut))).toBeUndefined();
  }
  expect(await durationOf(mp4(box('moov', box('trak'))))).toBeUndefined();
  expect(await durationOf(mp4(box('moov', mvhd0(0, 5000))))).toBeUndefined();
  expect(await durationOf(mp4(box('moov', mvhd0(1000, 0))))).toBeUndefined();
  expect(await durationOf(mp4(box('moov', mvhd0(1000, 0xffffffff))))).toBeUndefined();
  expect(await durationOf(mp4(box('moov', mvhd1(1000, 0xffffffffffffffffn))))).toBeUndefined();
  const v2 = mvhd0(1000, 5000);
  v2[8] = 2;
  expect(await durationOf(mp4(box('moov', v2)))).toBeUndefined();
  // A size smaller than its own header.
  const bad = mp4(box('moov', mvhd0(1000, 5000)));
  bad.writeUInt32BE(4, ftyp.length);
  expect(await durationOf(bad)).toBeUndefined();
});

test('a file of thousands of tiny boxes is given up on after a bounded number of reads', async () => {
  const { src, reads } = source(
    mp4(...Array.from({ length: 5000 }, () => box('free')), box('moov', mvhd0(1, 9))),
  );
  expect(await mp4DurationSec(src)).toBeUndefined();
  expect(reads.length).toBeLessThanOrEqual(64);
});

test('a stored video is read by ranges from disk storage; images and missing files are unknown', async () => {
  const { dir } = await tempStore();
  const storage = diskStorage(dir);
  const file = mp4(box('mdat', Buffer.alloc(1024 * 1024)), box('moov', mvhd1(30, 30n * 75n)));
  const size = await storage.write('usr_1/clip', Readable.from([file]));
  expect(await storage.readRange('usr_1/clip', ftyp.length + 4, 4)).toEqual(Buffer.from('mdat'));
  expect(await storage.readRange('usr_1/clip', size - 2, 10)).toHaveLength(2);
  expect(await storage.readRange('usr_1/none', 0, 10)).toBeUndefined();
  expect(await storedVideoDurationSec(storage, 'usr_1/clip', 'video/mp4', size)).toBe(75);
  expect(await storedVideoDurationSec(storage, 'usr_1/clip', 'video/quicktime', size)).toBe(75);
  expect(await storedVideoDurationSec(storage, 'usr_1/clip', 'image/png', size)).toBeUndefined();
  expect(await storedVideoDurationSec(storage, 'usr_1/none', 'video/mp4', size)).toBeUndefined();
});

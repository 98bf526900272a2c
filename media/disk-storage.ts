import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { diskParts } from './disk-parts';
import { type MediaStorage, MediaTooLarge } from './storage';

/** `<user id>/<media id>`: characters ids may have, and never a `.` or `..` segment. */
const SAFE_KEY = /^(?!\.{1,2}\/)[\w.@+:-]+\/(?!\.{1,2}$)[\w.@+:-]+$/;

/**
 * Media files in a local folder (`<POSTFLOW_HOME>/media`). Writes go to a temporary file renamed
 * into place, so a reader never sees half a file. API and worker must share the folder.
 */
export function diskStorage(root: string): MediaStorage {
  const pathOf = (key: string) => {
    if (!SAFE_KEY.test(key)) throw new Error(`Unsafe media key "${key}".`);
    return join(root, key);
  };
  return {
    ...diskParts(pathOf),
    async write(key, body, maxBytes = Number.POSITIVE_INFINITY) {
      const path = pathOf(key);
      await mkdir(dirname(path), { recursive: true });
      const draft = `${path}.${process.pid}.${Date.now()}.part`;
      let size = 0;
      const counter = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          size += chunk.length;
          done(size > maxBytes ? new MediaTooLarge(maxBytes) : null, chunk);
        },
      });
      try {
        await pipeline(body, counter, createWriteStream(draft));
        await rename(draft, path);
        return size;
      } catch (err) {
        await rm(draft, { force: true });
        throw err;
      }
    },
    async read(key) {
      const path = pathOf(key);
      if (!(await stat(path).catch(() => undefined))) return undefined;
      return createReadStream(path) as Readable;
    },
    async readRange(key, offset, length, into) {
      const file = await open(pathOf(key), 'r').catch(() => undefined);
      if (!file) return undefined;
      try {
        // Unzeroed: only the bytes read are handed out (a zeroed 8 MiB chunk costs as much again).
        const target = into ?? Buffer.allocUnsafe(length);
        const { buffer, bytesRead } = await file.read(target, 0, length, offset);
        return buffer.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    },
    async size(key) {
      return (await stat(pathOf(key)).catch(() => undefined))?.size;
    },
    async remove(key) {
      if (!SAFE_KEY.test(key)) return;
      await rm(pathOf(key), { force: true });
      await rm(`${pathOf(key)}.upload`, { force: true });
    },
  };
}

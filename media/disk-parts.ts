import { createWriteStream } from 'node:fs';
import { mkdir, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type MediaStorage, PartOffsetMismatch } from './storage';

/** Parts in flight per draft file: one part of an upload is written at a time. */
const writing = new Map<string, Promise<unknown>>();

/**
 * Resumable uploads on disk: parts are written by offset into `<file>.upload`, whose size is the
 * received offset (what a dropped connection delivered stays; a resume starts there), and the
 * draft is renamed into place with its last byte, so a reader never sees half a file.
 */
export function diskParts(
  pathOf: (key: string) => string,
): Required<Pick<MediaStorage, 'received' | 'writePart'>> {
  const sizeOf = async (path: string) => (await stat(path).catch(() => undefined))?.size;
  const received = async (key: string) =>
    (await sizeOf(pathOf(key))) ?? (await sizeOf(`${pathOf(key)}.upload`)) ?? 0;

  async function writePart(key: string, start: number, total: number, body: Readable): Promise<number> {
    const path = pathOf(key);
    const done = await sizeOf(path);
    if (done !== undefined) {
      // The last part arrived already (its answer was lost): nothing more to store.
      body.resume();
      return done;
    }
    const draft = `${path}.upload`;
    await mkdir(dirname(path), { recursive: true });
    const have = (await sizeOf(draft)) ?? 0;
    if (start > have) {
      body.resume();
      throw new PartOffsetMismatch(have);
    }
    let offset = start;
    const fresh = new Transform({
      transform(chunk: Buffer, _encoding, next) {
        const from = Math.max(0, have - offset);
        offset += chunk.length;
        if (offset > total) return next(new Error(`The part goes past the file's ${total} bytes.`));
        next(null, from < chunk.length ? chunk.subarray(from) : undefined);
      },
    });
    // 'r+' writes at `have` into the existing draft; 'w' creates it.
    const file = createWriteStream(draft, { flags: have > 0 ? 'r+' : 'w', start: have });
    try {
      await pipeline(body, fresh, file);
    } finally {
      // Whatever reached the file before an error is kept: it is the offset to resume from.
      const now = (await sizeOf(draft)) ?? 0;
      if (now === total) await rename(draft, path);
    }
    return received(key);
  }

  return {
    received,
    async writePart(key, start, total, body) {
      const path = pathOf(key);
      const before = writing.get(path) ?? Promise.resolve();
      const run = before.catch(() => undefined).then(() => writePart(key, start, total, body));
      writing.set(path, run);
      try {
        return await run;
      } finally {
        if (writing.get(path) === run) writing.delete(path);
      }
    },
  };
}

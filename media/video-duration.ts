import { mp4DurationSec } from './mp4-duration';
import type { MediaStorage } from './storage';

/**
 * The duration of a stored video, in seconds, where its file says it (MP4 and QuickTime: the
 * `mvhd` box); undefined for images, other formats, and files it cannot be read from. Best effort:
 * a failed read leaves the duration unknown rather than failing the upload, since publishing
 * checks the video again on the platform's side.
 */
export async function storedVideoDurationSec(
  storage: MediaStorage,
  key: string,
  contentType: string,
  sizeBytes: number,
): Promise<number | undefined> {
  if (!/^video\//i.test(contentType)) return undefined;
  const source = {
    size: sizeBytes,
    async read(offset: number, length: number) {
      const bytes = await storage.readRange(key, offset, length);
      if (!bytes) throw new Error(`Nothing is stored under ${key}.`);
      return bytes;
    },
  };
  return mp4DurationSec(source).catch(() => undefined);
}

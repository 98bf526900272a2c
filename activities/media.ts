import type { MediaRef } from '../api/types';
import type { MediaLibrary } from '../media';
import type { MediaItem, Store } from '../store/types';
import { checkOutboundUrl } from '../net/guard';
import type { MediaFile, MediaReader } from '../platforms/kit/adapter';
import {
  checkRange,
  LOAD_MAX_BYTES,
  loadWhole,
  tooLargeToLoad,
  userError,
} from '../platforms/kit/media-reader';
import { downloadGuarded } from './media-download';
import { MediaScratch, sweepStaleScratch } from './media-scratch';

export type { MediaFile };
export { MediaScratch, sweepStaleScratch };

export interface MediaResolverDeps {
  store: Store;
  library: MediaLibrary;
  allowPrivateUrls: boolean;
  /** Where URL media is fetched to, for this activity; the caller disposes of it when the activity ends. */
  scratch: MediaScratch;
}

/**
 * Resolves a post's media for one publish. Problems the user must fix (media deleted, URL not
 * public) fail the target at once; a URL that is down is a platform-style transient failure.
 * Bytes are read only when an adapter asks: a range at a time (`open`), or whole for small files
 * (`load`).
 */
export async function resolveMedia(
  refs: readonly MediaRef[],
  userId: string,
  { store, library, allowPrivateUrls, scratch }: MediaResolverDeps,
): Promise<MediaFile[]> {
  const files: MediaFile[] = [];
  for (const ref of refs) {
    if (ref.source_type === 'media_id') {
      const item = await store.media.get(ref.source, userId);
      if (!item || item.status !== 'ready') {
        throw userError('media.not_found', `Media ${ref.source} is no longer in the library.`);
      }
      const open = () => libraryReader(library, item);
      files.push({
        ref,
        contentType: item.contentType,
        sizeBytes: item.sizeBytes,
        async load() {
          // Refused before a byte is read where the library knows the size.
          if (item.sizeBytes !== null && item.sizeBytes > LOAD_MAX_BYTES)
            throw tooLargeToLoad(ref.source, item.sizeBytes);
          return loadWhole(await open(), ref.source);
        },
        open,
        publicUrl: (ttlMs = 3_600_000) => library.downloadUrl(item, ttlMs),
      });
    } else {
      const why = await checkOutboundUrl(ref.source, allowPrivateUrls);
      if (why) throw userError('publishing.media.url_refused', `Media URL ${why}`);
      // One download per file and activity, however often (and concurrently) it is opened; a
      // failed one is tried again by the next open. Loading whole cuts the download at the
      // in-memory cap: a URL of gigabytes is not fetched to disk only to be refused.
      let opened: { reader: Promise<MediaReader>; maxBytes: number } | undefined;
      const download = async (maxBytes: number): Promise<MediaReader> => {
        const current = opened;
        if (current) {
          // Done, a download is the whole file, whatever its cap; cut at a smaller cap than
          // this one asks for, the file is fetched again (once, however many wait).
          const reader = await current.reader.catch((err: unknown) => {
            if (current.maxBytes >= maxBytes) throw err;
            return undefined;
          });
          if (reader) return reader;
          if (opened) return download(maxBytes);
        }
        const attempt = {
          maxBytes,
          reader: downloadGuarded(ref.source, { allowPrivateUrls, maxBytes, scratch }),
        };
        opened = attempt;
        attempt.reader.catch(() => {
          if (opened === attempt) opened = undefined;
        });
        return attempt.reader;
      };
      const open = () => download(library.maxFileBytes);
      files.push({
        ref,
        contentType: null,
        sizeBytes: null,
        load: async () =>
          loadWhole(await download(Math.min(library.maxFileBytes, LOAD_MAX_BYTES)), ref.source),
        open,
        publicUrl: async () => ref.source,
      });
    }
  }
  return files;
}

/** Ranged reads of a library file from its storage (a file on disk, an object in a bucket). */
async function libraryReader(library: MediaLibrary, item: MediaItem): Promise<MediaReader> {
  const size = item.sizeBytes ?? (await library.storage.size(item.storageKey));
  const missing = () => userError('media.not_found', `The file of media ${item.id} is missing.`);
  if (size === undefined) throw missing();
  return {
    size,
    contentType: item.contentType,
    async read(start, end, into) {
      checkRange(size, start, end);
      const bytes = await library.storage.readRange(item.storageKey, start, end - start, into);
      if (!bytes) throw missing();
      // Shorter than the library says: the stored file changed under it, and will not heal.
      if (bytes.length !== end - start)
        throw userError('media.not_found', `The file of media ${item.id} is shorter than its ${size} bytes.`);
      return bytes;
    },
  };
}

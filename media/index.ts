import { join } from 'node:path';
import { diskStorage } from './disk-storage';
import { type S3Config, s3Storage } from './s3-storage';
import { MediaUrlSigner } from './signed-urls';
import type { MediaStorage } from './storage';

export { MediaTooLarge, mediaKey, PartOffsetMismatch, type MediaStorage, type UploadPart } from './storage';
export { MediaUrlSigner } from './signed-urls';
export { storedVideoDurationSec } from './video-duration';
export type { S3Config } from './s3-storage';

const DEFAULT_MAX_FILE_BYTES = 4 * 1024 ** 3;

/** What URL-making needs to know of a media item. */
export interface StoredMedia {
  id: string;
  storageKey: string;
  contentType: string;
}

/** Media storage and its URLs, shared by the API (uploads) and the worker (publishing). */
export interface MediaLibrary {
  storage: MediaStorage;
  signer: MediaUrlSigner;
  /** Per-user storage quota in bytes; undefined: unlimited. */
  limitBytes?: number;
  /** Largest single file a signed upload takes, and a worker fetches from a post's media URL. */
  maxFileBytes: number;
  /** Where a client PUTs the file: presigned by the bucket, or Postflow's signed `/media-files` URL. */
  uploadUrl(item: StoredMedia, ttlMs: number): Promise<{ url: string; expiresAt: string }>;
  /** Where anyone with the URL can read the file until it expires (clients, URL-fetching platforms). */
  downloadUrl(item: StoredMedia, ttlMs: number): Promise<string>;
}

export interface MediaConfig {
  home: string;
  publicUrl: string;
  mediaDir?: string;
  storageLimitBytes?: number;
  /** Largest single file a signed upload takes; default 4 GiB. */
  maxFileBytes?: number;
  /** Set: files live in this bucket instead of `mediaDir`. */
  s3?: S3Config;
}

/** The media library of a configuration: an S3-compatible bucket, or files under `mediaDir`. */
export function openMediaLibrary(config: MediaConfig, secretKey: Buffer): MediaLibrary {
  const storage = config.s3
    ? s3Storage(config.s3)
    : diskStorage(config.mediaDir ?? join(config.home, 'media'));
  const signer = new MediaUrlSigner(secretKey, config.publicUrl);
  const expiry = (ttlMs: number) => new Date(Math.floor((Date.now() + ttlMs) / 1000) * 1000).toISOString();
  return {
    storage,
    signer,
    maxFileBytes: config.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
    ...(config.storageLimitBytes !== undefined ? { limitBytes: config.storageLimitBytes } : {}),
    async uploadUrl(item, ttlMs) {
      if (!storage.presign) return signer.url('PUT', item.id, ttlMs);
      return {
        url: await storage.presign('PUT', item.storageKey, ttlMs, item.contentType),
        expiresAt: expiry(ttlMs),
      };
    },
    async downloadUrl(item, ttlMs) {
      return storage.presign
        ? storage.presign('GET', item.storageKey, ttlMs)
        : signer.url('GET', item.id, ttlMs).url;
    },
  };
}

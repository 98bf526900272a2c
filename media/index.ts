import { join } from 'node:path';
import { diskStorage } from './disk-storage';
import { MediaUrlSigner } from './signed-urls';
import type { MediaStorage } from './storage';

export { MediaTooLarge, mediaKey, type MediaStorage } from './storage';
export { MediaUrlSigner } from './signed-urls';

/** Media storage and URL signing, shared by the API (uploads) and the worker (publishing). */
export interface MediaLibrary {
  storage: MediaStorage;
  signer: MediaUrlSigner;
  /** Per-user storage quota in bytes; undefined: unlimited. */
  limitBytes?: number;
}

export interface MediaConfig {
  home: string;
  publicUrl: string;
  mediaDir?: string;
  storageLimitBytes?: number;
}

/** The media library of a configuration: files under `mediaDir` (default `<home>/media`). */
export function openMediaLibrary(config: MediaConfig, secretKey: Buffer): MediaLibrary {
  return {
    storage: diskStorage(config.mediaDir ?? join(config.home, 'media')),
    signer: new MediaUrlSigner(secretKey, config.publicUrl),
    ...(config.storageLimitBytes !== undefined ? { limitBytes: config.storageLimitBytes } : {}),
  };
}

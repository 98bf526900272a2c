import { ApiError } from '../api/errors';
import type { MediaResource } from '../api/resources';
import type { MediaLibrary } from '../media';
import type { MediaItem, Store } from '../store/types';

/** The contract's cap on server-side uploads. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;
/** How long an upload URL and a media item's download URL stay valid. */
export const UPLOAD_URL_TTL_MS = 15 * 60_000;
const DOWNLOAD_URL_TTL_MS = 60 * 60_000;
/** A media id (a UUIDv7): anything else names no media, without asking the store. */
export const MEDIA_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
/**
 * What the library takes: images and videos. Other types (HTML, SVG, scripts) would be served from
 * the API's own origin by the signed download URL, so they are refused.
 */
export const CONTENT_TYPE = /^(image\/(?!svg)[a-z0-9.+-]+|video\/[a-z0-9.+-]+)$/i;

/** What the media services need: where items are recorded, and where their bytes are. */
export interface MediaDeps {
  store: Store;
  library: MediaLibrary;
}

/** The media resource; a ready item carries a download URL good for an hour. */
export async function mediaResource(library: MediaLibrary, m: MediaItem): Promise<MediaResource> {
  return {
    id: m.id,
    filename: m.filename,
    content_type: m.contentType,
    size_bytes: m.sizeBytes,
    duration_sec: m.durationSec,
    status: m.status,
    url: m.status === 'ready' ? await library.downloadUrl(m, DOWNLOAD_URL_TTL_MS) : null,
    created_at: m.createdAt,
  };
}

/** 413 when keeping `adding` more bytes would pass the user's quota. */
export async function checkQuota(
  { store, library }: MediaDeps,
  userId: string,
  adding: number,
): Promise<void> {
  if (library.limitBytes === undefined) return;
  const { usedBytes } = await store.media.usage(userId);
  if (usedBytes + adding > library.limitBytes) {
    throw new ApiError(413, 'billing.storage_quota', 'This upload would exceed your media storage quota.', {
      used_bytes: usedBytes,
      limit_bytes: library.limitBytes,
    });
  }
}

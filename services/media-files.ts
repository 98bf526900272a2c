import type { Readable } from 'node:stream';
import { ApiError, mediaNotFound } from '../api/errors';
import { MediaTooLarge } from '../media';
import type { MediaItem } from '../store/types';
import { MAX_SIGNED_UPLOAD_BYTES, type MediaDeps } from './media-items';

/** The signature of a `/media-files/{id}` URL, as its query carries it. */
export interface MediaUrlSignature {
  expires?: unknown;
  signature?: unknown;
}

/** The bytes a signed PUT brings, with what its headers say of them. */
export interface SignedUpload {
  /** The Content-Type's media type (parameters left off). */
  contentType: string;
  /** The Content-Length (0 when absent). */
  contentLength: number;
  body: Readable;
}

/** A ready file to send, and what the answer's headers say of it. */
export interface MediaFile {
  contentType: string;
  sizeBytes: number | null;
  stream: Readable;
}

/**
 * Bytes in and out by signed URL, with no API key (the URL is the permission): the target of
 * `upload_url` (PUT) and of the `url` of ready media (GET).
 */
export class MediaFileService {
  constructor(private readonly deps: MediaDeps) {}

  /** Stores the bytes of a pending upload: no 50 MB cap on this path, but never past the quota. */
  async put(id: string, signature: MediaUrlSignature, upload: SignedUpload): Promise<void> {
    const { store, library } = this.deps;
    const item = await this.signed(id, 'PUT', signature);
    if (item.status !== 'pending') {
      throw new ApiError(
        409,
        'media.state_invalid',
        `Media ${item.id} is ${item.status}; it cannot be uploaded again.`,
      );
    }
    if (upload.contentType.toLowerCase() !== item.contentType.toLowerCase()) {
      throw new ApiError(
        400,
        'validation.field_invalid',
        `Content-Type must be ${item.contentType}, as requested for this upload.`,
        {
          field: 'Content-Type',
        },
      );
    }
    const { usedBytes } = await store.media.usage(item.userId);
    const cap = Math.min(
      MAX_SIGNED_UPLOAD_BYTES,
      (library.limitBytes ?? Number.POSITIVE_INFINITY) - usedBytes,
    );
    const tooLarge = () =>
      new ApiError(
        413,
        'billing.storage_quota',
        'The file is larger than this upload may take (size cap or storage quota).',
        {
          max_bytes: Math.max(cap, 0),
        },
      );
    if (upload.contentLength > cap) throw tooLarge();
    try {
      await library.storage.write(item.storageKey, upload.body, Math.max(cap, 0));
    } catch (err) {
      if (err instanceof MediaTooLarge) {
        await library.storage.remove(item.storageKey);
        throw tooLarge();
      }
      throw err;
    }
  }

  /** The bytes of a ready item. */
  async read(id: string, signature: MediaUrlSignature): Promise<MediaFile> {
    const item = await this.signed(id, 'GET', signature);
    const stream =
      item.status === 'ready' ? await this.deps.library.storage.read(item.storageKey) : undefined;
    if (!stream) throw mediaNotFound(item.id);
    return { contentType: item.contentType, sizeBytes: item.sizeBytes, stream };
  }

  private async signed(
    id: string,
    method: 'GET' | 'PUT',
    { expires, signature }: MediaUrlSignature,
  ): Promise<MediaItem> {
    if (!this.deps.library.signer.verify(method, id, expires, signature)) {
      throw new ApiError(
        403,
        'media.url_invalid',
        'This media URL is invalid or has expired; ask for a new one.',
      );
    }
    const item = await this.deps.store.media.get(id);
    if (!item) throw mediaNotFound(id);
    return item;
  }
}

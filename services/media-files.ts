import type { Readable } from 'node:stream';
import { ApiError, mediaNotFound } from '../api/errors';
import { MediaTooLarge, PartOffsetMismatch } from '../media';
import type { MediaItem } from '../store/types';
import type { MediaDeps } from './media-items';

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
  /** The Content-Range header: present, the body is one part of a resumable upload. */
  contentRange?: string;
  body: Readable;
}

/** What a PUT stored: how far the upload got (a whole PUT is complete at once). */
export interface PutResult {
  success: true;
  received_bytes: number;
  size_bytes: number;
  complete: boolean;
}

/** `bytes <first>-<last>/<total>` (a part) or `bytes *` + `/<total>` (how far did it get?). */
const CONTENT_RANGE = /^bytes (?:(\d+)-(\d+)|\*)\/(\d+)$/;

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

  /**
   * Stores the bytes of a pending upload, whole or as one part by Content-Range: no 50 MB cap on
   * this path, but never past the per-file limit or the quota.
   */
  async put(id: string, signature: MediaUrlSignature, upload: SignedUpload): Promise<PutResult> {
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
    const cap = Math.min(library.maxFileBytes, (library.limitBytes ?? Number.POSITIVE_INFINITY) - usedBytes);
    const tooLarge = () =>
      new ApiError(
        413,
        'billing.storage_quota',
        'The file is larger than this upload may take (size cap or storage quota).',
        {
          max_bytes: Math.max(cap, 0),
        },
      );
    if (upload.contentRange !== undefined) return this.putPart(item, upload, cap, tooLarge);
    if (upload.contentLength > cap) throw tooLarge();
    let size: number;
    try {
      size = await library.storage.write(item.storageKey, upload.body, Math.max(cap, 0));
    } catch (err) {
      if (err instanceof MediaTooLarge) {
        await library.storage.remove(item.storageKey);
        throw tooLarge();
      }
      throw err;
    }
    return { success: true, received_bytes: size, size_bytes: size, complete: true };
  }

  /** One part of a resumable upload, or (a `*` range, no body) how many bytes arrived. */
  private async putPart(
    item: MediaItem,
    upload: SignedUpload,
    cap: number,
    tooLarge: () => ApiError,
  ): Promise<PutResult> {
    const storage = this.deps.library.storage;
    const range = CONTENT_RANGE.exec(upload.contentRange!.trim());
    const [first, last, total] = (range?.slice(1) ?? []).map((n) =>
      n === undefined ? undefined : Number(n),
    );
    if (!range || total === undefined || (first !== undefined && (last! < first || last! >= total))) {
      throw new ApiError(
        400,
        'validation.field_invalid',
        'Content-Range must be "bytes <first>-<last>/<total>" for a part (last < total) or "bytes */<total>" to ask how many bytes arrived.',
        { field: 'Content-Range' },
      );
    }
    if (!storage.writePart || !storage.received) {
      throw new ApiError(
        400,
        'validation.field_invalid',
        'This storage takes no parts here: PUT the whole file, or use the part URLs of the upload.',
        { field: 'Content-Range' },
      );
    }
    if (total > cap) throw tooLarge();
    const answer = (received: number): PutResult => ({
      success: true,
      received_bytes: received,
      size_bytes: total,
      complete: received === total,
    });
    if (first === undefined) return answer(await storage.received(item.storageKey));
    if (upload.contentLength !== last! - first + 1) {
      throw new ApiError(
        400,
        'validation.field_invalid',
        `Content-Length must be the part's size, ${last! - first + 1} bytes for this Content-Range.`,
        { field: 'Content-Length' },
      );
    }
    try {
      return answer(await storage.writePart(item.storageKey, first, total, upload.body));
    } catch (err) {
      if (err instanceof PartOffsetMismatch) {
        throw new ApiError(
          409,
          'media.upload_offset_mismatch',
          `The upload has ${err.receivedBytes} bytes so far; send the part that starts at byte ${err.receivedBytes}.`,
          { received_bytes: err.receivedBytes },
        );
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

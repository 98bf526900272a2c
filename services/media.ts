import type { z } from 'zod';
import { ApiError, mediaNotFound } from '../api/errors';
import type {
  MediaResource,
  mediaPageSchema,
  mediaVerifiedSchema,
  storageUsageSchema,
  uploadUrlSchema,
} from '../api/resources';
import { createHash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { mediaKey, storedVideoDurationSec } from '../media';
import { newMediaId } from '../store/media-id';
import type { Created, IdempotencyKeyHeader } from './idempotency';
import {
  checkQuota,
  CONTENT_TYPE,
  MEDIA_ID,
  type MediaDeps,
  mediaResource,
  UPLOAD_URL_TTL_MS,
} from './media-items';
import { type MediaUploaded, type NextFile, uploadMedia } from './media-upload';

/** The multipart upload limit, which the route also gives the multipart parser. */
export { MAX_UPLOAD_BYTES } from './media-items';

export interface MediaServiceDeps extends MediaDeps {
  /** The posts of a user that may still publish with this media (they keep it from deletion). */
  postsUsingMedia(userId: string, mediaId: string): Promise<string[]>;
}

/** What the client says of the file it uploaded, checked before the item is ready. */
export interface VerifyClaims {
  size_bytes?: number;
  /** Hex SHA-256 of the whole file. */
  sha256?: string;
}

/** The raw query of a media page. */
export interface MediaPageQuery {
  cursor?: string;
  limit?: string;
}

/** The media library of each user (contract §3): uploads, upload URLs, listing, deletion. */
export class MediaService {
  constructor(private readonly deps: MediaServiceDeps) {}

  /** A multipart upload (field "file", at most 50 MB), ready at once. */
  upload(
    userId: string,
    nextFile: NextFile,
    idempotencyKey: IdempotencyKeyHeader,
  ): Promise<Created<MediaUploaded>> {
    return uploadMedia(this.deps, userId, nextFile, idempotencyKey);
  }

  /**
   * A pending item and where to PUT its bytes (valid 15 minutes); `mediaType` is the query's
   * media_type (or its older name content_type). Every problem is named at once.
   */
  async uploadUrl(
    userId: string,
    mediaType: string | undefined,
    filename: string | undefined,
    sizeBytes?: string,
  ): Promise<z.infer<typeof uploadUrlSchema>> {
    const size = sizeBytes === undefined || sizeBytes === '' ? undefined : Number(sizeBytes);
    const problems = [
      !mediaType && {
        field: 'media_type',
        code: 'validation.field_required',
        message: "give the file's MIME type, e.g. image/png.",
      },
      mediaType &&
        !CONTENT_TYPE.test(mediaType) && {
          field: 'media_type',
          code: 'validation.unsupported_media_type',
          message: 'must be an image or video MIME type such as image/png or video/mp4.',
        },
      !filename && { field: 'filename', code: 'validation.field_required', message: 'give the file name.' },
      size !== undefined &&
        !(Number.isSafeInteger(size) && size > 0) && {
          field: 'size_bytes',
          code: 'validation.field_invalid',
          message: "must be the file's size in bytes, a whole number above 0.",
        },
    ].filter(Boolean) as Array<{ field: string; code: string; message: string }>;
    if (problems.length) {
      throw new ApiError(400, problems[0].code, `${problems[0].field}: ${problems[0].message}`, {
        field: problems[0].field,
        errors: problems,
      });
    }
    const { library } = this.deps;
    if (size !== undefined) {
      if (size > library.maxFileBytes) {
        throw new ApiError(
          413,
          'billing.storage_quota',
          `The file is larger than the ${library.maxFileBytes} bytes an upload may take.`,
          { field: 'size_bytes', max_bytes: library.maxFileBytes },
        );
      }
      await checkQuota(this.deps, userId, size);
    }
    const id = newMediaId();
    const item = await this.deps.store.media.create({
      id,
      userId,
      filename: filename!,
      contentType: mediaType!,
      sizeBytes: null,
      status: 'pending',
      storageKey: mediaKey(userId, id),
    });
    const upload = await library.uploadUrl(item, UPLOAD_URL_TTL_MS);
    const answer = { media_id: id, upload_url: upload.url, expires_at: upload.expiresAt };
    if (size === undefined) return answer;
    // A bucket takes a large file in parts at their own URLs; a disk takes parts at upload_url.
    const parts = library.storage.presignParts
      ? await library.storage.presignParts(item.storageKey, size, UPLOAD_URL_TTL_MS, item.contentType)
      : [];
    return { ...answer, parts };
  }

  /**
   * Marks a PUT upload ready once its bytes are there, match the size and SHA-256 the client gives
   * (else they are removed and it stays pending for a new upload), and fit the quota (else it is
   * failed and removed): the quota counts a file once it is complete.
   */
  async verify(
    userId: string,
    id: string,
    claims: VerifyClaims = {},
  ): Promise<z.infer<typeof mediaVerifiedSchema>> {
    const { store, library } = this.deps;
    const item = await this.owned(userId, id);
    if (item.status === 'ready') return { success: true, media: await mediaResource(library, item) };
    let size = await library.storage.size(item.storageKey);
    if (size === undefined && library.storage.completeParts) {
      // On a bucket, the parts of a multipart upload become the file now.
      const missingPart = await library.storage.completeParts(item.storageKey);
      if (missingPart !== 'none' && missingPart > 0) {
        throw new ApiError(
          400,
          'media.not_uploaded',
          `Part ${missingPart} of the multipart upload has not arrived: PUT it to its URL first.`,
          { id: item.id, missing_part: missingPart },
        );
      }
      if (missingPart === 0) size = await library.storage.size(item.storageKey);
    }
    if (size === undefined) {
      const received = (await library.storage.received?.(item.storageKey)) ?? 0;
      throw new ApiError(
        400,
        'media.not_uploaded',
        received
          ? `Only ${received} bytes arrived: PUT the remaining parts (Content-Range from byte ${received}) first.`
          : 'Nothing was uploaded yet: PUT the file to the upload_url first.',
        { id: item.id, received_bytes: received },
      );
    }
    await this.checkClaims(item, size, claims);
    try {
      await checkQuota(this.deps, userId, size);
    } catch (err) {
      await store.media.setStatus(item.id, 'failed', size);
      await library.storage.remove(item.storageKey);
      throw err;
    }
    const durationSec = await storedVideoDurationSec(
      library.storage,
      item.storageKey,
      item.contentType,
      size,
    );
    await store.media.setStatus(item.id, 'ready', size, durationSec);
    return {
      success: true,
      media: await mediaResource(library, {
        ...item,
        status: 'ready',
        sizeBytes: size,
        durationSec: durationSec ?? null,
      }),
    };
  }

  /** The stored file is the one the client sent: its size, and its SHA-256 read as a stream. */
  private async checkClaims(
    item: { id: string; storageKey: string },
    size: number,
    claims: VerifyClaims,
  ): Promise<void> {
    const storage = this.deps.library.storage;
    const mismatch = async (field: string, message: string) => {
      await storage.remove(item.storageKey);
      throw new ApiError(
        400,
        'media.checksum_mismatch',
        `${message} The file was removed: upload it again.`,
        {
          field,
          id: item.id,
        },
      );
    };
    if (claims.size_bytes !== undefined && claims.size_bytes !== size) {
      await mismatch('size_bytes', `${size} bytes were stored, not ${claims.size_bytes}.`);
    }
    if (claims.sha256 === undefined) return;
    const stream = await storage.read(item.storageKey);
    if (!stream) throw mediaNotFound(item.id);
    const hash = createHash('sha256');
    await pipeline(stream, hash);
    const stored = hash.digest('hex');
    if (stored !== claims.sha256.toLowerCase()) {
      await mismatch('sha256', `The stored file's SHA-256 is ${stored}, not ${claims.sha256}.`);
    }
  }

  /** A page of the user's media, newest first. */
  async list(userId: string, query: MediaPageQuery): Promise<z.infer<typeof mediaPageSchema>> {
    const limit = pageLimit(query.limit);
    const cursor = query.cursor || undefined;
    if (cursor !== undefined && !MEDIA_ID.test(cursor)) {
      throw new ApiError(
        400,
        'validation.field_invalid',
        'cursor: use the next_cursor of the previous page.',
        {
          field: 'cursor',
        },
      );
    }
    const items = await this.deps.store.media.list(userId, {
      ...(cursor ? { after: cursor } : {}),
      limit: limit + 1,
    });
    const page = items.slice(0, limit);
    const hasMore = items.length > limit;
    return {
      data: await Promise.all(page.map((item) => mediaResource(this.deps.library, item))),
      pagination: { has_more: hasMore, limit, next_cursor: hasMore ? page[page.length - 1].id : '' },
    };
  }

  /** Storage used, and the quota (-1: unlimited). */
  async usage(userId: string): Promise<z.infer<typeof storageUsageSchema>> {
    const { usedBytes, count } = await this.deps.store.media.usage(userId);
    return { used_bytes: usedBytes, limit_bytes: this.deps.library.limitBytes ?? -1, count };
  }

  async get(userId: string, id: string): Promise<MediaResource> {
    return mediaResource(this.deps.library, await this.owned(userId, id));
  }

  /** Deletes an item and its file, unless a post that may still publish uses it (409 media.in_use). */
  async remove(userId: string, id: string): Promise<void> {
    const item = await this.owned(userId, id);
    const posts = await this.deps.postsUsingMedia(userId, item.id);
    if (posts.length) {
      throw new ApiError(
        409,
        'media.in_use',
        `Media ${item.id} is used by ${posts.join(', ')}; change or cancel those posts first.`,
        {
          id: item.id,
          post_ids: posts,
        },
      );
    }
    await this.deps.store.media.remove(item.id);
    await this.deps.library.storage.remove(item.storageKey);
  }

  /** The caller's item; another user's is as absent as a missing one. */
  private async owned(userId: string, id: string) {
    const item = MEDIA_ID.test(id) ? await this.deps.store.media.get(id, userId) : undefined;
    if (!item) throw mediaNotFound(id);
    return item;
  }
}

function pageLimit(raw: string | undefined, fallback = 50): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 100) {
    throw new ApiError(400, 'validation.field_invalid', 'limit must be a whole number from 1 to 100.', {
      field: 'limit',
    });
  }
  return n;
}

import type { Readable } from 'node:stream';
import type { z } from 'zod';
import { ApiError } from '../api/errors';
import type { mediaUploadedSchema } from '../api/resources';
import { MediaTooLarge, mediaKey, storedVideoDurationSec } from '../media';
import { newMediaId } from '../store/media-id';
import { type Created, createOnce, type IdempotencyKeyHeader } from './idempotency';
import { checkQuota, CONTENT_TYPE, MAX_UPLOAD_BYTES, type MediaDeps, mediaResource } from './media-items';

/** One file of a multipart body, as the HTTP layer's parser (@fastify/multipart) hands it over. */
export interface UploadedFile {
  fieldname: string;
  filename: string;
  mimetype: string;
  /** The bytes, streamed; `truncated` once they passed the parser's size limit. */
  file: Readable & { truncated: boolean };
}

/**
 * Reads the first file of the request's multipart body; absent when the body is not
 * multipart/form-data. Its parse errors are the client's (a 400), told apart here.
 */
export type NextFile = (() => Promise<UploadedFile | undefined>) | undefined;

export type MediaUploaded = z.infer<typeof mediaUploadedSchema>;

/**
 * A server-side upload (at most 50 MB), ready at once: the file is checked, streamed to storage,
 * measured against the quota, then recorded — once per idempotency key.
 */
export async function uploadMedia(
  { store, library }: MediaDeps,
  userId: string,
  nextFile: NextFile,
  idempotencyKey: IdempotencyKeyHeader,
): Promise<Created<MediaUploaded>> {
  if (!nextFile) throw fileRequired('Send the file as multipart/form-data in the field "file".');
  const file = await nextFile().catch((err: unknown) => {
    throw malformedMultipart(err) ?? err;
  });
  if (!file || file.fieldname !== 'file') throw fileRequired('The multipart field "file" is missing.');
  if (!CONTENT_TYPE.test(file.mimetype)) {
    throw new ApiError(
      400,
      'validation.unsupported_media_type',
      `"${file.mimetype}" is not an image or video type.`,
      {
        field: 'file',
      },
    );
  }
  const contentType = file.mimetype;
  const { resource: item, replayed } = await createOnce(
    store,
    userId,
    'media',
    idempotencyKey,
    newMediaId(),
    (id) => store.media.get(id, userId),
    async (id) => {
      const key = mediaKey(userId, id);
      let size: number;
      try {
        size = await library.storage.write(key, file.file, MAX_UPLOAD_BYTES);
        if (file.file.truncated) throw new MediaTooLarge(MAX_UPLOAD_BYTES);
        await checkQuota({ store, library }, userId, size);
      } catch (err) {
        await library.storage.remove(key);
        const malformed = malformedMultipart(err);
        if (malformed) throw malformed;
        throw err instanceof MediaTooLarge || (err as { code?: string }).code === 'FST_REQ_FILE_TOO_LARGE'
          ? new ApiError(
              400,
              'validation.file_too_large',
              'The file is larger than 50 MB; use GET /v1/media/upload-url for large files.',
              {
                field: 'file',
                max_bytes: MAX_UPLOAD_BYTES,
              },
            )
          : err;
      }
      const durationSec = await storedVideoDurationSec(library.storage, key, contentType, size);
      return store.media.create({
        id,
        userId,
        filename: file.filename || 'upload',
        contentType,
        sizeBytes: size,
        ...(durationSec !== undefined ? { durationSec } : {}),
        status: 'ready',
        storageKey: key,
      });
    },
  );
  return { resource: { media_id: item.id, ...(await mediaResource(library, item)) }, replayed };
}

/**
 * busboy's parse errors (no boundary, a body that ends mid-part) carry no status; they are the
 * client's malformed request, a 400, not a failure of ours.
 */
function malformedMultipart(err: unknown): ApiError | undefined {
  const message = err instanceof Error ? err.message : '';
  if (!/^Multipart: |unexpected end of multipart data/i.test(message)) return undefined;
  return new ApiError(400, 'validation.body_invalid', `The multipart body is malformed: ${message}.`, {
    field: 'file',
  });
}

function fileRequired(message: string): ApiError {
  return new ApiError(400, 'validation.field_required', message, { field: 'file' });
}

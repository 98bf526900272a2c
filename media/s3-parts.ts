import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListMultipartUploadsCommand,
  ListPartsCommand,
  type Part,
  type S3Client,
  UploadPartCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { MediaStorage } from './storage';

const MiB = 1024 * 1024;
/** S3 takes at most 10,000 parts of at least 5 MiB; 16 MiB parts keep the list short. */
const MIN_PART_BYTES = 16 * MiB;
const MAX_PARTS = 10_000;

/**
 * S3 multipart uploads with presigned part URLs: the client PUTs each part straight to the bucket
 * and verify assembles them. The upload is found again by its key (ListMultipartUploads), so
 * Postflow records nothing while it is in progress.
 */
export function s3Parts(
  s3: S3Client,
  Bucket: string,
  Key: (key: string) => string,
): Required<Pick<MediaStorage, 'presignParts' | 'completeParts'>> & {
  abortParts(key: string): Promise<void>;
} {
  /** The open multipart uploads of `key` (normally one; the last is the one in use). */
  const uploadsOf = async (key: string) =>
    ((await s3.send(new ListMultipartUploadsCommand({ Bucket, Prefix: Key(key) }))).Uploads ?? []).filter(
      (u) => u.Key === Key(key) && u.UploadId,
    );
  return {
    /** Drops the parts of an upload never completed (S3 keeps, and bills, them otherwise). */
    async abortParts(key) {
      for (const upload of await uploadsOf(key)) {
        await s3.send(new AbortMultipartUploadCommand({ Bucket, Key: Key(key), UploadId: upload.UploadId }));
      }
    },
    async presignParts(key, size, ttlMs, contentType) {
      const partBytes = Math.max(MIN_PART_BYTES, Math.ceil(size / MAX_PARTS / MiB) * MiB);
      const { UploadId } = await s3.send(
        new CreateMultipartUploadCommand({ Bucket, Key: Key(key), ContentType: contentType }),
      );
      const count = Math.max(1, Math.ceil(size / partBytes));
      return Promise.all(
        Array.from({ length: count }, async (_, i) => ({
          part_number: i + 1,
          first_byte: i * partBytes,
          last_byte: Math.min(size, (i + 1) * partBytes) - 1,
          url: await getSignedUrl(
            s3,
            new UploadPartCommand({ Bucket, Key: Key(key), UploadId, PartNumber: i + 1 }),
            { expiresIn: Math.floor(ttlMs / 1000) },
          ),
        })),
      );
    },
    async completeParts(key) {
      const upload = (await uploadsOf(key)).at(-1);
      if (!upload?.UploadId) return 'none';
      const parts: Part[] = [];
      let marker: string | undefined;
      do {
        const page = await s3.send(
          new ListPartsCommand({
            Bucket,
            Key: Key(key),
            UploadId: upload.UploadId,
            PartNumberMarker: marker,
          }),
        );
        parts.push(...(page.Parts ?? []));
        marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
      } while (marker);
      parts.sort((a, b) => a.PartNumber! - b.PartNumber!);
      const gap = parts.findIndex((p, i) => p.PartNumber !== i + 1);
      if (gap >= 0 || !parts.length) return gap >= 0 ? gap + 1 : 1;
      await s3.send(
        new CompleteMultipartUploadCommand({
          Bucket,
          Key: Key(key),
          UploadId: upload.UploadId,
          MultipartUpload: { Parts: parts.map(({ PartNumber, ETag }) => ({ PartNumber, ETag })) },
        }),
      );
      return 0;
    },
  };
}

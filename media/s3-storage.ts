import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  NotFound,
  NoSuchKey,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { Transform, type Readable } from 'node:stream';
import { s3Parts } from './s3-parts';
import { type MediaStorage, MediaTooLarge } from './storage';

export interface S3Config {
  bucket: string;
  /** An S3-compatible endpoint (MinIO, R2, …); unset: AWS S3 of `region`. */
  endpoint?: string;
  region: string;
  /** Key prefix inside the bucket, e.g. `postflow/`. */
  prefix: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers need. */
  forcePathStyle: boolean;
}

/**
 * Media files in an S3-compatible bucket. Credentials come from the AWS SDK's usual chain
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, profiles, instance roles). Clients upload to and
 * platforms read from presigned URLs, so the bytes never pass through Postflow twice.
 */
export function s3Storage(config: S3Config): MediaStorage {
  const s3 = new S3Client({
    region: config.region,
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    forcePathStyle: config.forcePathStyle,
  });
  const Bucket = config.bucket;
  const Key = (key: string) => `${config.prefix}${key}`;
  const missing = (err: unknown) =>
    err instanceof NoSuchKey || err instanceof NotFound || (err as { name?: string }).name === 'NotFound';

  const { abortParts, ...parts } = s3Parts(s3, Bucket, Key);
  return {
    ...parts,
    async write(key, body, maxBytes = Number.POSITIVE_INFINITY) {
      let size = 0;
      const counted = body.pipe(
        new Transform({
          transform(chunk: Buffer, _encoding, done) {
            size += chunk.length;
            done(size > maxBytes ? new MediaTooLarge(maxBytes) : null, chunk);
          },
        }),
      );
      // The counter's error reaches the upload through the stream it reads, which aborts it.
      body.once('error', (err) => counted.destroy(err));
      await new Upload({ client: s3, params: { Bucket, Key: Key(key), Body: counted } }).done();
      return size;
    },
    async read(key) {
      try {
        const object = await s3.send(new GetObjectCommand({ Bucket, Key: Key(key) }));
        return object.Body as Readable;
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
    },
    async readRange(key, offset, length) {
      if (length <= 0) return Buffer.alloc(0);
      try {
        const object = await s3.send(
          new GetObjectCommand({ Bucket, Key: Key(key), Range: `bytes=${offset}-${offset + length - 1}` }),
        );
        return Buffer.from(await object.Body!.transformToByteArray());
      } catch (err) {
        if (missing(err)) return undefined;
        // A range that starts past the end: no bytes there.
        if ((err as { name?: string }).name === 'InvalidRange') return Buffer.alloc(0);
        throw err;
      }
    },
    async size(key) {
      try {
        return (await s3.send(new HeadObjectCommand({ Bucket, Key: Key(key) }))).ContentLength;
      } catch (err) {
        if (missing(err)) return undefined;
        throw err;
      }
    },
    async remove(key) {
      await s3.send(new DeleteObjectCommand({ Bucket, Key: Key(key) }));
      await abortParts(key);
    },
    async presign(method, key, ttlMs, contentType) {
      const expiresIn = Math.floor(ttlMs / 1000);
      const command =
        method === 'PUT'
          ? new PutObjectCommand({
              Bucket,
              Key: Key(key),
              ...(contentType ? { ContentType: contentType } : {}),
            })
          : new GetObjectCommand({ Bucket, Key: Key(key) });
      return getSignedUrl(s3, command, { expiresIn });
    },
  };
}

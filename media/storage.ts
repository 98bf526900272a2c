import type { Readable } from 'node:stream';

/** Where media bytes live: a folder on local disk (default) or an S3-compatible bucket. */
export interface MediaStorage {
  /** Stores a stream under `key`; resolves to its size. Throws `MediaTooLarge` past `maxBytes`. */
  write(key: string, body: Readable, maxBytes?: number): Promise<number>;
  /** The stored bytes, or undefined when nothing is stored under `key`. */
  read(key: string): Promise<Readable | undefined>;
  /**
   * Up to `length` bytes of what is stored under `key` from byte `offset` (fewer at its end), or
   * undefined when nothing is: reading a file's headers without fetching all of it. With `into`
   * (at least `length` bytes), a storage that can reads into it and answers a view of it; others
   * answer a buffer of their own.
   */
  readRange(key: string, offset: number, length: number, into?: Buffer): Promise<Buffer | undefined>;
  /** Size of what is stored under `key`, or undefined. */
  size(key: string): Promise<number | undefined>;
  remove(key: string): Promise<void>;
  /**
   * A URL that lets anyone holding it PUT (with `contentType`) or GET the file directly, where the
   * storage can make one (S3). Absent: Postflow serves the file itself at signed URLs.
   */
  presign?(method: 'GET' | 'PUT', key: string, ttlMs: number, contentType?: string): Promise<string>;
  /**
   * Uploads in parts by byte offset (disk; a bucket takes parts at its own presigned URLs):
   * bytes received of `key` so far, the whole file's size once the last part arrived.
   */
  received?(key: string): Promise<number>;
  /**
   * Stores the part `body` that starts at byte `start` of a `total`-byte file and resolves to the
   * bytes received since. Bytes before the received offset (a part re-sent after a dropped
   * connection) are skipped, not stored twice; a part starting past it throws `PartOffsetMismatch`.
   * With the last byte the file is complete under `key`.
   */
  writePart?(key: string, start: number, total: number, body: Readable): Promise<number>;
  /**
   * A bucket's multipart upload of a `size`-byte file: one presigned URL per part, PUT straight to
   * the bucket (a part sent again replaces itself, never adds).
   */
  presignParts?(key: string, size: number, ttlMs: number, contentType: string): Promise<UploadPart[]>;
  /**
   * Assembles the parts of `key`'s multipart upload into the file: `none` when there is no such
   * upload, else the first part number missing (nothing assembled) or 0 when done.
   */
  completeParts?(key: string): Promise<'none' | number>;
}

/** One part of a multipart upload: bytes `first_byte`..`last_byte` of the file, PUT to `url`. */
export interface UploadPart {
  part_number: number;
  first_byte: number;
  last_byte: number;
  url: string;
}

/** A part that starts past the bytes received so far: the client resumes at `receivedBytes`. */
export class PartOffsetMismatch extends Error {
  constructor(readonly receivedBytes: number) {
    super(`The upload has ${receivedBytes} bytes; send the part that starts there.`);
    this.name = 'PartOffsetMismatch';
  }
}

export class MediaTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`The file is larger than ${maxBytes} bytes.`);
    this.name = 'MediaTooLarge';
  }
}

/** Storage key of a media file: one folder per user. */
export const mediaKey = (userId: string, mediaId: string) => `${userId}/${mediaId}`;

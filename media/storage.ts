import type { Readable } from 'node:stream';

/** Where media bytes live: a folder on local disk (default) or an S3-compatible bucket. */
export interface MediaStorage {
  /** Stores a stream under `key`; resolves to its size. Throws `MediaTooLarge` past `maxBytes`. */
  write(key: string, body: Readable, maxBytes?: number): Promise<number>;
  /** The stored bytes, or undefined when nothing is stored under `key`. */
  read(key: string): Promise<Readable | undefined>;
  /** Size of what is stored under `key`, or undefined. */
  size(key: string): Promise<number | undefined>;
  remove(key: string): Promise<void>;
  /**
   * A URL that lets anyone holding it PUT (with `contentType`) or GET the file directly, where the
   * storage can make one (S3). Absent: Postflow serves the file itself at signed URLs.
   */
  presign?(method: 'GET' | 'PUT', key: string, ttlMs: number, contentType?: string): Promise<string>;
}

export class MediaTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`The file is larger than ${maxBytes} bytes.`);
    this.name = 'MediaTooLarge';
  }
}

/** Storage key of a media file: one folder per user. */
export const mediaKey = (userId: string, mediaId: string) => `${userId}/${mediaId}`;

import { type MediaReader, PublishError } from './adapter';

/**
 * The most `MediaFile.load()` holds in memory: Bluesky's 100 MB videos and Mastodon's and
 * Telegram's smaller limits fit, a real video does not. A larger file is refused, not buffered,
 * so an adapter still loading videos fails clearly instead of exhausting the worker's memory.
 */
export const LOAD_MAX_BYTES = 100 * 1024 * 1024;

/**
 * The largest range one `MediaReader.read` returns: TikTok's final chunk (up to 128 MB) is the
 * largest any documented chunk protocol sends at once. Whole videos are sent chunk by chunk.
 */
export const READ_MAX_BYTES = 128 * 1024 * 1024;

/**
 * Bytes a streamed request body is read in: a few MiB held at a time, and few enough reads that a
 * file in a bucket (one ranged GET a piece) is not read in thousands of round trips. YouTube's
 * 8 MiB chunk goes out as one read: smaller pieces measured slower (`npm run bench`'s media phase).
 */
export const PIECE_BYTES = 8 * 1024 * 1024;

/** Checks a range against a reader's rules: inside the file, and no larger than one chunk. */
export function checkRange(size: number, start: number, end: number): void {
  if (!Number.isSafeInteger(start) || !Number.isSafeInteger(end) || start < 0 || end < start || end > size) {
    throw new RangeError(`Range ${start}-${end} is outside the file's ${size} bytes.`);
  }
  if (end - start > READ_MAX_BYTES) {
    throw new RangeError(`Range ${start}-${end} is larger than one read may be (${READ_MAX_BYTES} bytes).`);
  }
}

/** A reader over bytes already in memory: images loaded anyway, and tests. */
export function memoryReader(bytes: Buffer, contentType: string): MediaReader {
  return {
    size: bytes.length,
    contentType,
    async read(start, end) {
      checkRange(bytes.length, start, end);
      return bytes.subarray(start, end);
    },
  };
}

/** The whole file of a reader in memory, refused past `LOAD_MAX_BYTES` (what `load()` is built on). */
export async function loadWhole(
  reader: MediaReader,
  name: string,
): Promise<{ bytes: Buffer; contentType: string }> {
  if (reader.size > LOAD_MAX_BYTES) throw tooLargeToLoad(name, reader.size);
  return { bytes: await reader.read(0, reader.size), contentType: reader.contentType };
}

/**
 * Bytes `start` to `end` of a reader, a piece at a time: the body of one request that sends a
 * whole file (a signed form upload), holding one piece at a time. `read` reads each piece
 * (`streamedChunk` reads into a reused buffer); the reader's own `read` by default.
 */
export async function* piecesOf(
  reader: MediaReader,
  start = 0,
  end = reader.size,
  read: (from: number, to: number) => Promise<Buffer> = (from, to) => reader.read(from, to),
): AsyncGenerator<Buffer, void, undefined> {
  for (let at = start; at < end; at += PIECE_BYTES) {
    yield await read(at, Math.min(at + PIECE_BYTES, end));
  }
}

/**
 * Bytes `[start, end)` of a file as a file of their own: a segment of a chunked upload that goes
 * out as a streamed form (`streamedForm`), read as it is sent rather than gathered first.
 */
export function sliceOf(reader: MediaReader, start: number, end: number): MediaReader {
  return {
    size: end - start,
    contentType: reader.contentType,
    read: (from, to, into) => reader.read(start + from, start + to, into),
  };
}

/**
 * The chunks `[start, end)` of a `size`-byte file cut every `chunkBytes`, the last one shorter:
 * the layout most chunked protocols ask for.
 */
export function chunkRanges(size: number, chunkBytes: number): Array<{ start: number; end: number }> {
  const ranges = [];
  for (let start = 0; start < size; start += chunkBytes) {
    ranges.push({ start, end: Math.min(start + chunkBytes, size) });
  }
  return ranges;
}

/** A URL as errors show it: scheme, host and path; no credentials, query or fragment (signatures live there). */
export function shownUrl(raw: string): string {
  try {
    const url = new URL(raw);
    return `${url.protocol}//${url.host}${url.pathname}${url.search || url.hash ? '?…' : ''}`;
  } catch {
    return raw;
  }
}

/** A file this path would have to hold in memory whole: a user error, with the contract's code. */
export function tooLargeToLoad(name: string, size: number): PublishError {
  const shown = /^[a-z][a-z0-9+.-]*:\/\//i.test(name) ? shownUrl(name) : name;
  return userError(
    'publishing.media.too_large',
    `Media ${shown} is ${size} bytes; this platform's upload takes files up to ${LOAD_MAX_BYTES} bytes.`,
  );
}

/** A media problem the user must fix (gone, refused, too large): not retried. */
export function userError(code: string, message: string): PublishError {
  return new PublishError({
    category: 'validation',
    caused_by: 'user',
    code,
    message,
    retryable: false,
    outcomeUnknown: false,
  });
}

import { randomBytes } from 'node:crypto';
import type { MediaReader } from './adapter';
import { piecesOf, sliceOf } from './media-reader';

/** A request body built as it is sent, with the headers that describe it. */
export interface StreamedBody {
  body: ReadableStream<Uint8Array>;
  headers: Record<string, string>;
}

/**
 * A `multipart/form-data` body of text fields and then one file, read from the file as it goes
 * out, with its Content-Length computed up front: signed form uploads (S3's POST policy, which
 * Pinterest and Reddit hand out) take one request with the whole file and insist on a length,
 * and `FormData` would need the file as a `Blob` in memory.
 */
export function streamedForm(
  fields: Record<string, string>,
  file: { field: string; filename: string; reader: MediaReader },
): StreamedBody {
  const boundary = `----postflow${randomBytes(12).toString('hex')}`;
  const text = Object.entries(fields)
    .map(
      ([name, value]) =>
        `--${boundary}\r\ncontent-disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`,
    )
    .join('');
  const head = Buffer.from(
    `${text}--${boundary}\r\ncontent-disposition: form-data; name="${quoted(file.field)}"; filename="${quoted(file.filename)}"\r\ncontent-type: ${file.reader.contentType}\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
  return {
    body: streamOf(
      (async function* () {
        yield head;
        yield* piecesOf(file.reader);
        yield tail;
      })(),
    ),
    headers: {
      'content-type': `multipart/form-data; boundary=${boundary}`,
      'content-length': String(head.length + file.reader.size + tail.length),
    },
  };
}

/** The file alone as a request body (an upload URL that takes the raw bytes), read as it is sent. */
export function streamedFile(reader: MediaReader): StreamedBody {
  return {
    body: streamOf(piecesOf(reader)),
    headers: { 'content-type': reader.contentType, 'content-length': String(reader.size) },
  };
}

/**
 * Bytes `[start, end)` of a file as a request body, read as it is sent: one chunk of a chunked
 * upload. A `Buffer` body would cost two more copies of the chunk (fetch copies it, then its byte
 * stream clones it), and at 8 MiB a chunk that garbage is what bounds a gigabyte's transfer.
 *
 * With `scratch` (at least the chunk's size) the chunk is read into it, so that an upload reuses
 * one buffer for all its chunks. The caller awaits `release()` once the request is over (answered
 * or failed) before the scratch takes the next chunk: a body the server answered early may still
 * be reading, and what it reads after its release goes to buffers of its own.
 */
export function streamedChunk(
  reader: MediaReader,
  start: number,
  end: number,
  scratch?: Buffer,
): StreamedBody & { release(): Promise<void> } {
  const chunk = sliceOf(reader, start, end);
  let lent = scratch;
  let reading: Promise<unknown> = Promise.resolve();
  const readLent = (from: number, to: number) => {
    const read = chunk.read(from, to, lent?.subarray(from, to));
    reading = read.catch(() => undefined);
    return read;
  };
  return {
    body: streamOf(piecesOf(chunk, 0, chunk.size, readLent)),
    headers: { 'content-type': chunk.contentType, 'content-length': String(chunk.size) },
    async release() {
      lent = undefined;
      await reading;
    },
  };
}

/**
 * Why a streamed body stopped where reading its file failed (the media gone or cut short): the
 * failure a call reports instead of the platform's (`platformFetch`); fetch only says it failed.
 */
const readFailures = new WeakMap<object, unknown>();

/** The failure that stopped a streamed body while its file was read, if any. */
export function readFailureOf(body: unknown): unknown {
  return body !== null && typeof body === 'object' ? readFailures.get(body) : undefined;
}

/** A web stream pulling from `pieces`: nothing is read before the request asks for it. */
function streamOf(pieces: AsyncGenerator<Buffer>): ReadableStream<Uint8Array> {
  const stream: ReadableStream<Uint8Array> = new ReadableStream({
    async pull(controller) {
      let next: IteratorResult<Buffer>;
      try {
        next = await pieces.next();
      } catch (err) {
        readFailures.set(stream, err);
        throw err;
      }
      if (next.done) controller.close();
      else controller.enqueue(next.value);
    },
    async cancel() {
      await pieces.return(undefined);
    },
  });
  return stream;
}

/** Form field names and filenames are quoted strings: a quote or line break in one is escaped. */
const quoted = (name: string) => name.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');

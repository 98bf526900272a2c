import { createWriteStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { checkOutboundUrl, outboundDispatcher, withDispatcher } from '../net/guard';
import { type MediaReader, PublishError } from '../platforms/kit/adapter';
import { checkRange, shownUrl, userError } from '../platforms/kit/media-reader';
import type { MediaScratch } from './media-scratch';

const MAX_REDIRECTS = 3;
/**
 * How long a media URL may keep silent: no answer, or no bytes of the body, for this long is a
 * failure. An idle limit, not a total one: a 4 GiB file takes as long as its bytes take.
 */
const IDLE_MS = 60_000;

/**
 * GETs a media URL into a file of `scratch`, re-checking every redirect against the SSRF guard,
 * and returns a reader over that file. The body is streamed to disk, never held in memory, and
 * abandoned as soon as it passes `maxBytes` (the per-file limit; no Content-Length needed).
 */
export async function downloadGuarded(
  url: string,
  {
    allowPrivateUrls,
    maxBytes,
    scratch,
  }: { allowPrivateUrls: boolean; maxBytes: number; scratch: MediaScratch },
): Promise<MediaReader> {
  // Errors and messages name the URL without its query or credentials: a signed URL's signature stays out of them.
  const shown = shownUrl(url);
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const why = await checkOutboundUrl(current, allowPrivateUrls);
    if (why) throw userError('publishing.media.url_refused', `Media URL ${why}`);
    const idle = new IdleAbort(IDLE_MS);
    let response: Response;
    try {
      response = await fetch(current, {
        redirect: 'manual',
        signal: AbortSignal.any([idle.signal, scratch.signal]),
        ...withDispatcher(outboundDispatcher(allowPrivateUrls)),
      });
    } catch (err) {
      idle.stop();
      throw transientError(`Could not fetch media ${shown}: ${(err as Error).message}.`);
    }
    if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
      idle.stop();
      await response.body?.cancel();
      current = new URL(response.headers.get('location')!, current).toString();
      continue;
    }
    const refused = refusal(response, shown, maxBytes);
    if (refused) {
      idle.stop();
      await response.body?.cancel();
      throw refused;
    }
    const contentType = response.headers.get('content-type')?.split(';')[0] ?? 'application/octet-stream';
    let path: string | undefined;
    try {
      path = await scratch.path();
      const size = await toFile(response, path, maxBytes, shown, idle);
      return fileReader(path, size, contentType);
    } catch (err) {
      // A cut or failed download's partial file goes now, not with the folder: a retried open
      // downloads to a fresh file, and the disk holds one copy at most.
      await response.body?.cancel().catch(() => undefined);
      if (path) await rm(path, { force: true }).catch(() => undefined);
      throw err;
    } finally {
      idle.stop();
    }
  }
  throw userError(
    'publishing.media.unreachable',
    `Media URL ${shown} redirects more than ${MAX_REDIRECTS} times.`,
  );
}

/** What an answer that is not the file means: a transient failure, a user error, or none. */
function refusal(response: Response, url: string, maxBytes: number): PublishError | undefined {
  if (response.status >= 500 || response.status === 429)
    return transientError(`Fetching media ${url} answered ${response.status}.`);
  if (!response.ok)
    return userError('publishing.media.unreachable', `Fetching media ${url} answered ${response.status}.`);
  if (Number(response.headers.get('content-length') ?? 0) > maxBytes) return tooLarge(url, maxBytes);
  return undefined;
}

/** Streams the body to `path`, counting bytes; past `maxBytes` the transfer stops. Returns the size. */
async function toFile(
  response: Response,
  path: string,
  maxBytes: number,
  url: string,
  idle: IdleAbort,
): Promise<number> {
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length;
      idle.touch();
      done(size > maxBytes ? tooLarge(url, maxBytes) : null, chunk);
    },
  });
  const body = response.body
    ? Readable.fromWeb(response.body as unknown as WebReadableStream<Uint8Array>)
    : Readable.from([]);
  try {
    await pipeline(body, count, createWriteStream(path));
  } catch (err) {
    if (err instanceof PublishError) throw err;
    throw transientError(`Could not fetch media ${url}: ${(err as Error).message}.`);
  }
  return size;
}

/** Ranged reads of a file on the worker's disk; each read opens it, so readers never share a handle. */
export function fileReader(path: string, size: number, contentType: string): MediaReader {
  return {
    size,
    contentType,
    async read(start, end, into) {
      checkRange(size, start, end);
      const file = await open(path, 'r');
      try {
        const target = into ?? Buffer.allocUnsafe(end - start);
        const { buffer, bytesRead } = await file.read(target, 0, end - start, start);
        // The file was written whole before this reader existed: less is a disk gone wrong, and a
        // short chunk would break a declared Content-Length or Content-Range.
        if (bytesRead !== end - start)
          throw new Error(`The downloaded media file is shorter than its ${size} bytes.`);
        return buffer.subarray(0, bytesRead);
      } finally {
        await file.close();
      }
    },
  };
}

/** An abort signal that fires after `ms` without `touch()`. */
class IdleAbort {
  private readonly controller = new AbortController();
  private timer: NodeJS.Timeout;
  readonly signal = this.controller.signal;

  constructor(private readonly ms: number) {
    this.timer = setTimeout(() => this.fire(), ms);
  }

  touch(): void {
    this.timer.refresh();
  }

  stop(): void {
    clearTimeout(this.timer);
  }

  private fire(): void {
    this.controller.abort(new Error(`no data for ${this.ms / 1000} s`));
  }
}

const tooLarge = (url: string, maxBytes: number) =>
  userError('publishing.media.too_large', `Media ${url} is larger than ${maxBytes} bytes.`);

function transientError(message: string): PublishError {
  return new PublishError({
    category: 'platform',
    caused_by: 'platform',
    code: 'publishing.media.fetch_failed',
    message,
    retryable: true,
    outcomeUnknown: false,
  });
}

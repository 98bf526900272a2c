import { buffer } from 'node:stream/consumers';
import type { MediaRef, PublishFailure } from '../api/types';
import type { MediaLibrary } from '../media';
import type { Store } from '../store/types';
import { checkOutboundUrl, outboundDispatcher, withDispatcher } from '../net/guard';
import { type MediaFile, PublishError } from '../platforms/kit/adapter';

export type { MediaFile };

/** Past this, a URL's file is refused: the contract's upload limit. */
const MAX_URL_MEDIA_BYTES = 50 * 1024 * 1024;
const MAX_REDIRECTS = 3;

export interface MediaResolverDeps {
  store: Store;
  library: MediaLibrary;
  allowPrivateUrls: boolean;
}

/**
 * Resolves a post's media for one publish. Problems the user must fix (media deleted, URL not
 * public) fail the target at once; a URL that is down is a platform-style transient failure.
 */
export async function resolveMedia(
  refs: readonly MediaRef[],
  userId: string,
  { store, library, allowPrivateUrls }: MediaResolverDeps,
): Promise<MediaFile[]> {
  const files: MediaFile[] = [];
  for (const ref of refs) {
    if (ref.source_type === 'media_id') {
      const item = await store.media.get(ref.source, userId);
      if (!item || item.status !== 'ready') {
        throw userError('media.not_found', `Media ${ref.source} is no longer in the library.`);
      }
      files.push({
        ref,
        contentType: item.contentType,
        sizeBytes: item.sizeBytes,
        async load() {
          const stream = await library.storage.read(item.storageKey);
          if (!stream) throw userError('media.not_found', `The file of media ${ref.source} is missing.`);
          return { bytes: await buffer(stream), contentType: item.contentType };
        },
        publicUrl: (ttlMs = 3_600_000) => library.downloadUrl(item, ttlMs),
      });
    } else {
      const why = await checkOutboundUrl(ref.source, allowPrivateUrls);
      if (why) throw userError('publishing.media.url_refused', `Media URL ${why}`);
      files.push({
        ref,
        contentType: null,
        sizeBytes: null,
        load: () => fetchGuarded(ref.source, allowPrivateUrls),
        publicUrl: async () => ref.source,
      });
    }
  }
  return files;
}

/** GETs a media URL, re-checking every redirect against the SSRF guard. */
async function fetchGuarded(
  url: string,
  allowPrivateUrls: boolean,
): Promise<{ bytes: Buffer; contentType: string }> {
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const why = await checkOutboundUrl(current, allowPrivateUrls);
    if (why) throw userError('publishing.media.url_refused', `Media URL ${why}`);
    let response: Response;
    try {
      response = await fetch(current, {
        redirect: 'manual',
        signal: AbortSignal.timeout(60_000),
        ...withDispatcher(outboundDispatcher(allowPrivateUrls)),
      });
    } catch (err) {
      throw transientError(`Could not fetch media ${url}: ${(err as Error).message}.`);
    }
    if (response.status >= 300 && response.status < 400 && response.headers.get('location')) {
      await response.body?.cancel();
      current = new URL(response.headers.get('location')!, current).toString();
      continue;
    }
    if (response.status >= 500 || response.status === 429) {
      await response.body?.cancel();
      throw transientError(`Fetching media ${url} answered ${response.status}.`);
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw userError('publishing.media.unreachable', `Fetching media ${url} answered ${response.status}.`);
    }
    if (Number(response.headers.get('content-length') ?? 0) > MAX_URL_MEDIA_BYTES) {
      await response.body?.cancel();
      throw tooLarge(url);
    }
    const contentType = response.headers.get('content-type')?.split(';')[0] ?? 'application/octet-stream';
    return { bytes: await readCapped(response, url), contentType };
  }
  throw userError(
    'publishing.media.unreachable',
    `Media URL ${url} redirects more than ${MAX_REDIRECTS} times.`,
  );
}

/** The body, read as it streams and abandoned as soon as it passes the cap (no Content-Length needed). */
async function readCapped(response: Response, url: string): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of response.body ?? []) {
    size += chunk.length;
    if (size > MAX_URL_MEDIA_BYTES) {
      await response.body?.cancel().catch(() => undefined);
      throw tooLarge(url);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const tooLarge = (url: string) =>
  userError('publishing.media.too_large', `Media ${url} is larger than ${MAX_URL_MEDIA_BYTES} bytes.`);

function userError(code: string, message: string): PublishError {
  const failure: PublishFailure = {
    category: 'validation',
    caused_by: 'user',
    code,
    message,
    retryable: false,
    outcomeUnknown: false,
  };
  return new PublishError(failure);
}

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

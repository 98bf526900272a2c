import type { AdapterOptions, MediaReader, PublishRequest } from '../../kit/adapter';
import { platformFailure } from '../../kit/http';
import type { MetaErrorRow } from '../graph';
import { transferFile, type TransferPolicy, uploadCaller } from '../upload';

/** Where Meta's upload host is; the `uri` a container answers must be on it (or on the configured API host). */
const RUPLOAD_ORIGIN = 'https://rupload.facebook.com';

/**
 * A video container's bytes, as Instagram's "Upload Video to Meta Servers" guide
 * (developers.facebook.com/docs/instagram-platform/content-publishing/resumable-uploads) and the IG
 * User Media reference document them: the container is made with `upload_type=resumable` (and
 * `media_type` REELS, STORIES, or VIDEO for a carousel item), and answers `{id, uri}`, the `uri`
 * being `https://rupload.facebook.com/ig-api-upload/<version>/<container-id>`; the file goes to it
 * by POST with `Authorization: OAuth <token>`, `offset` and `file_size` headers, answered
 * `{"success": true, "message": "Upload successful."}`. Then the container is polled and published
 * as any other.
 *
 * The guide shows one POST of the whole file from `offset: 0`. Postflow sends it in chunks of
 * `META_CHUNK_BYTES`, each with the `offset` it starts at, so no request outgrows one call's timeout
 * and a dropped connection costs one chunk: the `offset` header is rupload's way to go on from a
 * given byte. Meta documents no question asking rupload how many bytes it holds, so a chunk left
 * unanswered is sent again from its own offset; chunks Meta answered are never sent again. After
 * a crash, the prepare goes on from the bytes the ledger recorded as answered, in the same
 * container (resumable-container.ts).
 * (The guide names Facebook Login for Business apps; Instagram Login's own publishing reference
 * takes the same `upload_type=resumable`, not re-confirmed in the stored docs.)
 *
 * The token goes only to Meta's upload host (or the host `POSTFLOW_<PLATFORM>_API_URL` names: a
 * proxy, a test fake): a `uri` anywhere else is refused.
 */
export function ruploadSender(
  platform: string,
  options: AdapterOptions,
  settings: {
    officialHost: string;
    refreshes: boolean;
    errors: readonly MetaErrorRow[];
    policy?: TransferPolicy;
  },
) {
  const send = uploadCaller({
    platform,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    refreshes: settings.refreshes,
    errors: settings.errors,
  });
  const allowed = new Set([RUPLOAD_ORIGIN, new URL(options.baseUrl || settings.officialHost).origin]);

  return async (req: PublishRequest, upload: RuploadTransfer): Promise<void> => {
    let origin = '';
    try {
      origin = new URL(upload.uri).origin;
    } catch {
      // no usable uri: refused below
    }
    if (!allowed.has(origin)) {
      throw platformFailure(
        platform,
        { category: 'platform', code: 'upload_uri_refused' },
        `the video container's upload address is not on ${RUPLOAD_ORIGIN}; not sending the token there.`,
      );
    }
    const { file } = upload;
    await transferFile({
      platform,
      file,
      signal: req.signal,
      from: upload.from,
      progress: upload.progress,
      ...(settings.policy ? { policy: settings.policy } : {}),
      send: async (start, end, chunk) => {
        await send(req, {
          method: 'POST',
          url: upload.uri,
          headers: { offset: String(start), file_size: String(file.size) },
          body: chunk,
        });
        return end;
      },
    });
  };
}

/** One video's bytes going to its container's `uri`, from `from` on. */
export interface RuploadTransfer {
  uri: string;
  file: MediaReader;
  /** The first byte to send: 0, or where an earlier attempt's answered chunks end. */
  from: number;
  /** Called with the bytes rupload answered for, after each chunk, before the next goes. */
  progress(acknowledged: number): Promise<void>;
}

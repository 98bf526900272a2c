import {
  type AdapterOptions,
  type MediaFile,
  type MediaReader,
  PublishError,
  type PublishRequest,
  type UploadLedger,
} from '../../kit/adapter';
import { platformFailure, rejected } from '../../kit/http';
import type { GraphCall, GraphSettings } from '../graph';
import { transferFile, type TransferPolicy, uploadCaller } from '../upload';

const APP_ID_SETTING = 'POSTFLOW_FACEBOOK_CLIENT_ID';

/**
 * A Page video's bytes by Meta's Resumable Upload API, which the Video API's Page publishing guide
 * (developers.facebook.com/docs/video-api/guides/publishing) leads with, as the upload guide
 * (developers.facebook.com/docs/graph-api/guides/upload) documents it:
 * 1. `POST /{app-id}/uploads` with `file_name`, `file_length`, `file_type` → `{"id": "upload:<session>"}`;
 * 2. `POST /upload:<session>` with `Authorization: OAuth <token>`, a `file_offset` header and the
 *    bytes → `{"h": "<file handle>"}` once the file is whole;
 * 3. after an interruption, `GET /upload:<session>` → `{"id", "file_offset"}`: where to go on from.
 * The Page video is then made from the handle (`POST /{page}/videos` with
 * `fbuploader_video_file_chunk=<handle>`): that is the publish call, irreversible, unchanged.
 *
 * Postflow sends the file in chunks of `META_CHUNK_BYTES` from the offsets Meta holds (the older
 * guide: "continue to make calls to the upload endpoint until your file is finished"); an answer
 * to a chunk before the last carrying `file_offset` is read as where Meta stands, else the chunk's
 * end. A session Meta no longer knows (expired) is replaced once by a new one from byte 0.
 *
 * With the prepare's `ledger`, the session is kept (sealed in Postflow's store) before any byte
 * goes to it, and forgotten once Meta answers the handle: a retry of the prepare after a crash
 * asks the kept session where Meta stands and goes on from there, instead of from byte 0.
 *
 * Not re-confirmed in the stored docs: the guide asks for a User token of someone with a role on
 * the app; Postflow sends the account's Page token (the same person's, derived from their User
 * token). The app id is the operator's Meta app: `POSTFLOW_FACEBOOK_CLIENT_ID`.
 */
export function uploadPageVideo(settings: GraphSettings, options: AdapterOptions, policy?: TransferPolicy) {
  const send = uploadCaller({
    platform: settings.platform,
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
    refreshes: settings.refreshes,
  });
  const appId = options.env?.[APP_ID_SETTING]?.trim();
  const sessionUrl = (session: string) => `${settings.baseUrl}/${settings.version}/${session}`;

  /** Sends the file into one session (one an earlier attempt kept: `resumed`); answers the file handle. */
  const into = async (
    req: PublishRequest,
    session: string,
    file: MediaReader,
    resumed: boolean,
    ledger?: UploadLedger,
  ): Promise<string> => {
    let handle = '';
    await transferFile({
      platform: settings.platform,
      file,
      signal: req.signal,
      resumed,
      ...(ledger ? { progress: (offset: number) => ledger.progress(offset, file.size) } : {}),
      ...(policy ? { policy } : {}),
      send: async (start, end, chunk) => {
        const { body } = await send(req, {
          method: 'POST',
          url: sessionUrl(session),
          headers: { file_offset: String(start) },
          body: chunk,
        });
        if (typeof body.h === 'string' && body.h) {
          handle = body.h;
          return file.size;
        }
        const held = Number(body.file_offset);
        return Number.isSafeInteger(held) ? held : end;
      },
      ask: async () => {
        const { body } = await send(req, { method: 'GET', url: sessionUrl(session) });
        return Number(body.file_offset) || 0;
      },
    });
    // The answer carrying the handle was lost (Meta holds the whole file): only a new session
    // gives one. A plain retry of the prepare; nothing was published.
    if (!handle) {
      throw platformFailure(
        settings.platform,
        { category: 'platform', code: 'upload_incomplete', retryable: true },
        'Meta holds the whole video, but the answer with its file handle was lost; uploading again.',
      );
    }
    return handle;
  };

  return async (
    api: GraphCall,
    req: PublishRequest,
    media: MediaFile,
    ledger?: UploadLedger,
  ): Promise<string> => {
    if (!appId) {
      throw rejected(
        settings.platform,
        'upload_unconfigured',
        `uploading a video needs the Meta app's id in ${APP_ID_SETTING}; set it, or POSTFLOW_META_VIDEO_SOURCE=pull.`,
      );
    }
    const file = await media.open();
    const open = async () => {
      const body = await api('POST', `/${encodeURIComponent(appId)}/uploads`, {
        file_name: fileName(media),
        file_length: file.size,
        file_type: file.contentType,
      });
      const session = String(body.id);
      // Kept before any byte goes: a retry after a crash finds it (an earlier one's, if two raced).
      return ledger
        ? (keptSession(await ledger.keep(keepOf(session, file.size)), file.size) ?? session)
        : session;
    };
    const kept = ledger && keptSession(await ledger.session(), file.size);
    const uploadInto = async (session: string, resumed: boolean) => {
      try {
        const handle = await into(req, session, file, resumed, ledger);
        await ledger?.forget();
        return handle;
      } catch (err) {
        // Meta holds the whole file but its handle was lost: only a new session gives one.
        if (err instanceof PublishError && err.failure.code.endsWith('.upload_incomplete'))
          await ledger?.forget();
        throw err;
      }
    };
    try {
      return await uploadInto(kept ?? (await open()), kept !== undefined);
    } catch (err) {
      if (!sessionGone(err)) throw err;
      // Sessions expire: nothing was published, so a new one from byte 0 is safe.
      await ledger?.forget();
      return uploadInto(await open(), false);
    }
  };
}

/** What the ledger keeps of a session: its id and the file's size (no secret: it needs the token). */
const keepOf = (session: string, size: number) => JSON.stringify({ session, size });

/** The kept session, if it was for a file of this size. */
function keptSession(kept: string | undefined, size: number): string | undefined {
  if (!kept) return undefined;
  try {
    const { session, size: keptSize } = JSON.parse(kept) as { session?: unknown; size?: unknown };
    return typeof session === 'string' && keptSize === size ? session : undefined;
  } catch {
    return undefined;
  }
}

/** Graph's answer for an object it does not know (100/33), or 404: the upload session is gone. */
function sessionGone(err: unknown): boolean {
  return err instanceof PublishError && /\.not_found$/.test(err.failure.code);
}

/** The name Meta records for the file: the media's own, without its path or query. */
function fileName(media: MediaFile): string {
  const last = media.ref.source.split(/[?#]/)[0]!.split('/').at(-1) ?? '';
  return /^[\w.-]{1,100}$/.test(last) ? last : 'video.mp4';
}

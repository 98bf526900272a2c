import {
  type MediaFile,
  type MediaReader,
  type Prepared,
  PublishError,
  type PublishRequest,
  type StepState,
  type UploadLedger,
} from '../kit/adapter';
import { chunkRanges, loadWhole, sliceOf } from '../kit/media-reader';
import { streamedForm } from '../kit/streamed-form';
import { type PlatformBody, rejected } from '../kit/http';
import { altTextAt, stringList } from '../kit/content';

const PLATFORM = 'twitter';
/**
 * APPEND segment size. X's chunked-upload guide caps a segment at 5 MB (v1.1 APPEND reference);
 * 4 MiB stays under it with room for the multipart envelope. `segment_index` runs 0–999. Each
 * segment is read from the file as it is sent: one segment in memory, whatever the video's size.
 */
const CHUNK_BYTES = 4 * 1024 * 1024;
const MAX_SEGMENTS = 1000;
/** When X's processing_info leaves out `check_after_secs`. */
const DEFAULT_CHECK_AFTER_S = 5;
const JSON_HEADERS = { 'content-type': 'application/json' };

/** One authenticated call to the X API; throws the classified failure on an error answer. */
export type XCall = (
  method: string,
  path: string,
  body?: RequestInit['body'],
  headers?: Record<string, string>,
) => Promise<PlatformBody>;

/** What X calls the file's use case (`media_category`): it sets size and duration limits. */
export type MediaKind = 'image' | 'gif' | 'video';

const CATEGORY: Record<MediaKind, string> = { image: 'tweet_image', gif: 'tweet_gif', video: 'tweet_video' };
/** The `media_type` values the v2 upload endpoints document for posts. */
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/bmp', 'image/pjpeg', 'image/tiff'];
const VIDEO_TYPES = ['video/mp4', 'video/quicktime', 'video/webm', 'video/mp2t'];

export function mediaKind(contentType: string): MediaKind | undefined {
  if (contentType === 'image/gif') return 'gif';
  if (IMAGE_TYPES.includes(contentType)) return 'image';
  if (VIDEO_TYPES.includes(contentType)) return 'video';
  return undefined;
}

/** An uploaded file: ready to attach, or still being processed by X (poll after `checkAfterMs`). */
export interface Uploaded {
  id: string;
  checkAfterMs?: number;
}

/**
 * Uploads one file with the v2 media endpoints (docs.x.com/x-api/media): images in one
 * `POST /2/media/upload`; videos and GIFs chunked (initialize → append… → finalize), which X then
 * processes asynchronously, read from the file a segment at a time. Alt text (≤ 1,000 characters) goes in `POST /2/media/metadata`; X
 * documents it for images and GIFs only, so a video's alt text is not sent.
 */
export async function uploadMedia(
  api: XCall,
  file: MediaFile,
  altText?: string,
  resume?: ChunkedResume,
): Promise<Uploaded> {
  const reader = await file.open();
  const { contentType } = reader;
  const kind = mediaKind(contentType);
  if (!kind) {
    throw rejected(
      PLATFORM,
      'media_type',
      `X does not take ${contentType} files; use JPEG, PNG, WebP, GIF or MP4.`,
    );
  }
  const uploaded =
    kind === 'image'
      ? await simpleUpload(api, (await loadWhole(reader, file.ref.source)).bytes, contentType)
      : await chunkedUpload(api, reader, kind, resume);
  if (altText && kind !== 'video') {
    await api(
      'POST',
      '/2/media/metadata',
      JSON.stringify({ id: uploaded.id, metadata: { alt_text: { text: altText } } }),
      JSON_HEADERS,
    );
  }
  return uploaded;
}

/**
 * One-shot image upload. The reference's sample body is JSON with `media` as a string, while the
 * chunked quickstart and the field's own description ("the file to upload") use multipart form
 * data with the raw file; Postflow sends multipart, which also spares a base64 copy of the image.
 */
async function simpleUpload(api: XCall, bytes: Buffer, contentType: string): Promise<Uploaded> {
  const form = new FormData();
  form.set('media', new Blob([bytes], { type: contentType }), 'media');
  form.set('media_category', CATEGORY.image);
  form.set('media_type', contentType);
  return uploadedOf(await api('POST', '/2/media/upload', form));
}

/**
 * Where a chunked upload stands, kept in the prepare's ledger (`UploadLedger`, sealed in
 * Postflow's store) before each segment goes on: a retry of the prepare after a crash appends
 * from there to the same media id, instead of sending the whole file again. X's APPEND reference:
 * uploads "can be paused and resumed", segments "retried individually"; the media id lasts
 * `expires_after_secs` (a day). The media id is no capability (it needs the account's token).
 */
interface KeptUpload {
  /** The prepare's file it is for (its index in the post's media) and that file's size. */
  file: number;
  size: number;
  media_id: string;
  /** Segments X answered, in order: the next to send is this index. */
  appended: number;
}

/** A prepare's ledger and which of its files this upload is. */
export interface ChunkedResume {
  ledger: UploadLedger;
  file: number;
}

function keptUpload(session: string | undefined, file: number, size: number): KeptUpload | undefined {
  if (!session) return undefined;
  try {
    const kept = JSON.parse(session) as Partial<KeptUpload>;
    return kept.file === file &&
      kept.size === size &&
      typeof kept.media_id === 'string' &&
      Number.isInteger(kept.appended)
      ? (kept as KeptUpload)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * initialize → append… → finalize. With `resume`, an upload an earlier attempt kept goes on from
 * its next segment (the one in flight when that attempt died is sent again: X takes a segment
 * appended again in its place). A kept upload X refuses (expired, or finalized by the attempt
 * that died before it could record it) is forgotten and the file sent again once, in a new one:
 * nothing was published, the tweet is a separate call.
 */
async function chunkedUpload(
  api: XCall,
  file: MediaReader,
  kind: MediaKind,
  resume?: ChunkedResume,
): Promise<Uploaded> {
  const segments = chunkRanges(file.size, CHUNK_BYTES);
  if (segments.length > MAX_SEGMENTS) {
    throw rejected(
      PLATFORM,
      'media_too_large',
      `the ${kind} is too large to upload to X (${file.size} bytes).`,
    );
  }
  const ledger = resume?.ledger;
  let kept = resume && keptUpload(await resume.ledger.session(), resume.file, file.size);
  for (let fresh = !kept; ; fresh = true) {
    try {
      if (!kept) {
        const init = await api(
          'POST',
          '/2/media/upload/initialize',
          JSON.stringify({
            media_type: file.contentType,
            total_bytes: file.size,
            media_category: CATEGORY[kind],
          }),
          JSON_HEADERS,
        );
        kept = { file: resume?.file ?? 0, size: file.size, media_id: String(init.data?.id), appended: 0 };
        if (ledger) kept = keptUpload(await ledger.keep(JSON.stringify(kept)), kept.file, kept.size) ?? kept;
      }
      for (let segment = kept.appended; segment < segments.length; segment++) {
        const { start, end } = segments[segment]!;
        // Streamed, not a FormData of a Blob: a Blob's copy is memory the garbage collector does
        // not see, so a video's segments piled up in the worker until some later collection.
        const form = streamedForm(
          { segment_index: String(segment) },
          { field: 'media', filename: 'chunk', reader: sliceOf(file, start, end) },
        );
        await api('POST', `/2/media/upload/${kept.media_id}/append`, form.body, form.headers);
        kept = { ...kept, appended: segment + 1 };
        if (ledger) {
          await ledger.update(JSON.stringify(kept));
          ledger.progress(end, file.size);
        }
      }
      const finalized = uploadedOf(await api('POST', `/2/media/upload/${kept.media_id}/finalize`));
      // Done: nothing is left to resume (a retry that finds nothing kept uploads anew, harmlessly).
      await ledger?.forget();
      return finalized;
    } catch (err) {
      const refused = err instanceof PublishError && err.failure.category === 'validation';
      if (fresh || !refused || !ledger) throw err;
      await ledger.forget();
      kept = undefined;
    }
  }
}

/**
 * Asks X how far it got processing an upload (`GET /2/media/upload?command=STATUS`): `succeeded`
 * (or no processing_info at all) is ready; `failed` is final, the file must change; `pending` and
 * `in_progress` come with `check_after_secs`, which Postflow waits as a durable timer.
 */
export async function mediaStatus(api: XCall, id: string): Promise<Uploaded> {
  const body = await api('GET', `/2/media/upload?command=STATUS&media_id=${encodeURIComponent(id)}`);
  return uploadedOf(body, id);
}

function uploadedOf(body: PlatformBody, knownId?: string): Uploaded {
  const id = String(body.data?.id ?? knownId);
  const info = body.data?.processing_info as PlatformBody | undefined;
  if (!info || info.state === 'succeeded') return { id };
  if (info.state === 'failed') {
    const why = info.error?.message ?? info.error?.name ?? 'processing failed';
    throw rejected(
      PLATFORM,
      'media_processing_failed',
      `X could not process the media (${why}); upload another file.`,
    );
  }
  return { id, checkAfterMs: Number(info.check_after_secs ?? DEFAULT_CHECK_AFTER_S) * 1000 };
}

/**
 * prepare: every file uploaded; the step waits while X still processes any of them. With the
 * prepare's `ledger`, a chunked upload a crashed attempt left goes on where it stood.
 */
export async function prepareMedia(
  api: XCall,
  req: PublishRequest,
  ledger?: UploadLedger,
): Promise<Prepared> {
  const uploaded = [];
  for (const [i, file] of req.media.entries())
    uploaded.push(
      await uploadMedia(api, file, altTextAt(req.target.options, i), ledger && { ledger, file: i }),
    );
  return mediaStep(uploaded);
}

/** checkPrepared: asks again about the files X was still processing. */
export async function checkMedia(api: XCall, state: StepState): Promise<Prepared> {
  const waiting = [];
  for (const id of stringList(state.waiting)) waiting.push(await mediaStatus(api, id));
  return mediaStep(waiting, stringList(state.media_ids));
}

function mediaStep(uploads: Uploaded[], all?: string[]): Prepared {
  const ids = all ?? uploads.map((u) => u.id);
  const waiting = uploads.filter((u) => u.checkAfterMs !== undefined);
  if (!waiting.length) return { ready: { media_ids: ids } };
  const pollAfterMs = Math.max(...waiting.map((u) => u.checkAfterMs!));
  return { processing: { media_ids: ids, waiting: waiting.map((u) => u.id) }, pollAfterMs };
}

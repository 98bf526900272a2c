import { type MediaReader, PublishError, type UploadLedger } from '../kit/adapter';
import { platformFailure, type PlatformBody } from '../kit/http';
import { READ_MAX_BYTES } from '../kit/media-reader';
import { streamedChunk } from '../kit/streamed-form';
import { type ApiSettings, type Asset, type Caller, putUpload, restCall } from './api';

/**
 * Where a video upload stands, kept in the prepare's ledger (`UploadLedger`, sealed in Postflow's
 * store, never in history or logs: the part URLs are capabilities, they take bytes without the
 * token) before the first part goes, and again as each part's ETag comes back. A retry of the
 * prepare after a crash sends only the parts still without an ETag, then finalizes with all of
 * them in order, instead of a new `initializeUpload` and the whole file again.
 */
interface KeptVideo {
  /** The prepare's file it is for (its index in the post's media) and that file's size. */
  file: number;
  size: number;
  video: string;
  uploadToken: string;
  /** `uploadUrlsExpireAt` (epoch ms): past it, the part URLs take nothing more. */
  expiresAt?: number;
  parts: KeptPart[];
  /** Each part's ETag once LinkedIn answered its PUT (null until then), in `parts`' order. */
  etags: Array<string | null>;
}

/** One upload instruction: its URL and the bytes `[first, last]` it takes. */
interface KeptPart {
  url: string;
  first: number;
  last: number;
}

/** A prepare's ledger and which of its files this upload is. */
export interface VideoResume {
  ledger: UploadLedger;
  file: number;
}

/**
 * A kept upload too close to its URLs' expiry is not resumed: a part going out then could be
 * refused halfway. Starting anew costs one `initializeUpload`, nothing published.
 */
const EXPIRY_MARGIN_MS = 10 * 60 * 1000;

/**
 * Videos API: `initializeUpload` declares the size; LinkedIn answers with byte ranges (4 MB parts)
 * and a URL for each; each part's ETag goes, in order, into `finalizeUpload` (`uploadedPartIds`).
 * Processing follows. Each part is read from the file as it is PUT, into one buffer all the parts
 * reuse: one part in memory, whatever the video's size.
 *
 * With `resume`, an upload an earlier attempt kept goes on: the parts it has ETags for are not
 * sent again (the one in flight when that attempt died is; LinkedIn takes a part PUT again in its
 * place). A kept upload LinkedIn refuses (the video gone, a part or the finalize refused) is
 * forgotten and the file sent once more in a new upload: nothing was published, the post is a
 * separate call.
 */
export async function uploadVideo(
  settings: ApiSettings,
  req: Caller,
  owner: string,
  file: MediaReader,
  resume?: VideoResume,
): Promise<Asset> {
  const ledger = resume?.ledger;
  const index = resume?.file ?? 0;
  let kept = resume && (await keptOrForgotten(resume.ledger, index, file.size));
  for (let fresh = !kept; ; fresh = true) {
    try {
      if (!kept) {
        kept = await initialize(settings, req, owner, file.size, index);
        if (ledger) kept = keptVideo(await ledger.keep(JSON.stringify(kept)), index, file.size) ?? kept;
      }
      kept = await sendParts(settings, req, file, kept, ledger);
      await restCall(settings, req)('POST', '/rest/videos?action=finalizeUpload', {
        finalizeUploadRequest: {
          video: kept.video,
          uploadToken: kept.uploadToken,
          uploadedPartIds: kept.etags,
        },
      });
      // Done: nothing is left to resume (a retry that finds nothing kept uploads anew, harmlessly).
      await ledger?.forget();
      return { urn: kept.video, kind: 'video' };
    } catch (err) {
      const refused = err instanceof PublishError && err.failure.category === 'validation';
      if (fresh || !refused || !ledger) throw err;
      await ledger.forget();
      kept = undefined;
    }
  }
}

async function initialize(
  settings: ApiSettings,
  req: Caller,
  owner: string,
  size: number,
  file: number,
): Promise<KeptVideo> {
  const { body } = await restCall(settings, req)('POST', '/rest/videos?action=initializeUpload', {
    initializeUploadRequest: { owner, fileSizeBytes: size, uploadCaptions: false, uploadThumbnail: false },
  });
  const parts = (body.value.uploadInstructions as PlatformBody[]).map((part) => ({
    url: String(part.uploadUrl),
    ...partRange(settings.platform, part, size),
  }));
  const expiresAt = Number(body.value.uploadUrlsExpireAt);
  return {
    file,
    size,
    video: String(body.value.video),
    uploadToken: String(body.value.uploadToken ?? ''),
    ...(Number.isFinite(expiresAt) && expiresAt > 0 ? { expiresAt } : {}),
    parts,
    etags: parts.map(() => null),
  };
}

/** PUTs every part still without an ETag, recording each ETag as LinkedIn answers it. */
async function sendParts(
  settings: ApiSettings,
  req: Caller,
  file: MediaReader,
  upload: KeptVideo,
  ledger?: UploadLedger,
): Promise<KeptVideo & { etags: string[] }> {
  let kept = upload;
  const missing = kept.parts.flatMap((part, i) => (kept.etags[i] ? [] : [i]));
  const scratch = Buffer.allocUnsafe(Math.max(0, ...missing.map((i) => size(kept.parts[i]!))));
  for (const i of missing) {
    const part = kept.parts[i]!;
    const chunk = streamedChunk(file, part.first, part.last + 1, scratch);
    let etag: string | null;
    try {
      etag = await putUpload(settings, req, part.url, chunk.body, {
        'content-length': chunk.headers['content-length'],
      });
    } finally {
      // The request is over: the scratch may take the next part.
      await chunk.release();
    }
    if (!etag) {
      throw platformFailure(
        settings.platform,
        { category: 'platform', code: 'upload', retryable: true },
        'a video part upload answered without an ETag; retrying the upload.',
      );
    }
    kept = { ...kept, etags: kept.etags.map((e, j) => (j === i ? etag : e)) };
    if (ledger) {
      await ledger.update(JSON.stringify(kept));
      ledger.progress(held(kept), file.size);
    }
  }
  return kept as KeptVideo & { etags: string[] };
}

const size = (part: KeptPart) => part.last - part.first + 1;
/** The bytes LinkedIn holds: the parts it answered with an ETag. */
const held = (kept: KeptVideo) => kept.parts.reduce((sum, p, i) => sum + (kept.etags[i] ? size(p) : 0), 0);

/**
 * The upload an earlier attempt kept for this file, while its URLs last; one that cannot be
 * resumed (another file or size, expired, unreadable) is forgotten, so the new one is kept.
 */
async function keptOrForgotten(ledger: UploadLedger, file: number, size: number) {
  const session = await ledger.session();
  if (!session) return undefined;
  const kept = keptVideo(session, file, size);
  if (kept && (kept.expiresAt ?? Infinity) > Date.now() + EXPIRY_MARGIN_MS) return kept;
  await ledger.forget();
  return undefined;
}

function keptVideo(session: string, file: number, size: number): KeptVideo | undefined {
  try {
    const kept = JSON.parse(session) as Partial<KeptVideo>;
    const parts = Array.isArray(kept.parts) ? kept.parts : [];
    const etags = Array.isArray(kept.etags) ? kept.etags : [];
    return kept.file === file &&
      kept.size === size &&
      typeof kept.video === 'string' &&
      typeof kept.uploadToken === 'string' &&
      parts.length > 0 &&
      etags.length === parts.length &&
      parts.every(
        (p) =>
          typeof p?.url === 'string' &&
          Number.isSafeInteger(p.first) &&
          Number.isSafeInteger(p.last) &&
          p.last < size,
      )
      ? (kept as KeptVideo)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * An upload instruction's bytes as `[first, last]`; one outside the file, or larger than a read
 * may be, is LinkedIn's answer gone wrong, not a reason to read the whole file.
 */
function partRange(platform: string, part: PlatformBody, fileSize: number): { first: number; last: number } {
  const first = Number(part.firstByte);
  const last = Number(part.lastByte);
  if (
    !Number.isSafeInteger(first) ||
    !Number.isSafeInteger(last) ||
    first < 0 ||
    last < first ||
    last >= fileSize ||
    last - first + 1 > READ_MAX_BYTES
  ) {
    throw platformFailure(
      platform,
      { category: 'platform', code: 'upload', retryable: true },
      `an upload instruction named bytes ${part.firstByte}-${part.lastByte} of a ${fileSize}-byte video.`,
    );
  }
  return { first, last };
}

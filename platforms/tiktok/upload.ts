import { type MediaReader, type UploadLedger } from '../kit/adapter';
import { platformFailure } from '../kit/http';
import { type VideoSource, videoSourceSetting } from '../kit/video-source';
import type { CallRequest, PlatformAnswer } from '../kit/call';
import { streamedChunk } from '../kit/streamed-form';

/**
 * TikTok's FILE_UPLOAD transfer (developers.tiktok.com, Content Posting API "Media Transfer
 * Guide"): the init call declares `video_size`, `chunk_size` and `total_chunk_count`, then the
 * chunks are PUT in order to the `upload_url` it answered, each with `Content-Range: bytes
 * first-last/total`. TikTok's rules: chunks of 5 to 64 MB, the final one taking the trailing bytes
 * (up to 128 MB); `total_chunk_count` = video_size / chunk_size rounded down; a video under 5 MB
 * goes whole (chunk_size = its size); 1 to 1,000 chunks. Each chunk is read from the file when it
 * is sent, so a video of any size holds one chunk in memory.
 */

/**
 * How videos reach TikTok (`POSTFLOW_TIKTOK_VIDEO_SOURCE`): `pull` (TikTok fetches Postflow's
 * media URL, whose domain the operator verified) or `upload` (the worker sends the file in
 * FILE_UPLOAD chunks; no domain to verify, the bytes pass through the worker). Photos are pulled
 * either way: TikTok takes them no other way.
 */
export type { VideoSource };
const VIDEO_SOURCE_SETTING = 'POSTFLOW_TIKTOK_VIDEO_SOURCE';

export function videoSourceFrom(env: Record<string, string | undefined> = {}): VideoSource {
  return videoSourceSetting(VIDEO_SOURCE_SETTING, env);
}

/**
 * The chunk size: 10 MiB is over TikTok's 5 MB floor however MB is counted, and leaves the final
 * chunk (under 20 MiB) far below its 128 MB ceiling; 1,000 of them exceed any video TikTok takes.
 */
export const TIKTOK_CHUNK_BYTES = 10 * 1024 * 1024;
const MAX_CHUNKS = 1000;

/** What the init call declares, and the byte ranges `[start, end)` that follow. */
export interface ChunkPlan {
  videoSize: number;
  chunkSize: number;
  totalChunkCount: number;
  ranges: Array<{ start: number; end: number }>;
}

/**
 * The chunks of a `size`-byte video: one whole chunk up to the chunk size, else chunks of the
 * chunk size with the remainder joined to the last (so the count is the size divided, rounded
 * down). Null past 1,000 chunks.
 */
export function chunkPlan(size: number, chunkBytes = TIKTOK_CHUNK_BYTES): ChunkPlan | null {
  if (size <= chunkBytes)
    return { videoSize: size, chunkSize: size, totalChunkCount: 1, ranges: [{ start: 0, end: size }] };
  const count = Math.floor(size / chunkBytes);
  if (count > MAX_CHUNKS) return null;
  const ranges = Array.from({ length: count }, (_, i) => ({
    start: i * chunkBytes,
    end: i === count - 1 ? size : (i + 1) * chunkBytes,
  }));
  return { videoSize: size, chunkSize: chunkBytes, totalChunkCount: count, ranges };
}

/**
 * One chunk's PUT to the upload URL: `Content-Range: bytes first-last/total`, the bytes read as
 * they are sent, into `scratch` when given (one buffer for all of an upload's chunks).
 */
async function putChunk<T>(
  put: (request: CallRequest) => Promise<T>,
  uploadUrl: string,
  file: MediaReader,
  plan: ChunkPlan,
  { start, end }: { start: number; end: number },
  scratch?: Buffer,
): Promise<T> {
  const chunk = streamedChunk(file, start, end, scratch);
  try {
    return await put({
      method: 'PUT',
      path: uploadUrl,
      headers: { ...chunk.headers, 'content-range': `bytes ${start}-${end - 1}/${plan.videoSize}` },
      body: chunk.body,
    });
  } finally {
    // The request is over: the scratch may take the next chunk.
    await chunk.release();
  }
}

/** A buffer for an upload's chunks: the largest of `ranges`. */
function scratchFor(ranges: ChunkPlan['ranges']): Buffer {
  return Buffer.allocUnsafe(Math.max(0, ...ranges.map((r) => r.end - r.start)));
}

/**
 * PUTs every chunk of the plan to the upload URL, in order (TikTok takes them sequentially). The
 * final chunk completes the upload, after which TikTok posts the video: its call is the
 * irreversible one (`send(request, true)`), a lost answer to it an unknown outcome.
 */
export async function sendChunks(
  send: (request: CallRequest, irreversible: boolean) => Promise<PlatformAnswer>,
  uploadUrl: string,
  file: MediaReader,
  plan: ChunkPlan,
): Promise<void> {
  const scratch = scratchFor(plan.ranges);
  for (const [i, range] of plan.ranges.entries()) {
    const final = i === plan.ranges.length - 1;
    await putChunk((request) => send(request, final), uploadUrl, file, plan, range, scratch);
  }
}

/*
 * The upload step (docs/platforms.md "TikTok video uploads"): init and every chunk but the final
 * one in an activity of its own (`uploadTarget`), which survives a worker's crash; the publish
 * call sends only the final chunk, in the same session. TikTok posts once the final chunk
 * arrives, so nothing before it can publish: a session may be given up and a new one opened
 * (another init) as long as its final chunk was never sent, which the step never does.
 */

/**
 * TikTok's upload session as Postflow keeps it (sealed in the store, never in history or logs:
 * the upload URL is a capability). TikTok documents no way to ask an upload URL what it holds, so
 * the session itself records the bytes TikTok acknowledged (206), written before the next chunk
 * goes: a retry on another worker goes on from there, the chunk in flight at the crash aside.
 */
export interface TikTokUploadSession {
  publish_id: string;
  upload_url: string;
  /** When init answered it (ms since the epoch): the upload URL is valid for one hour. */
  opened_at: number;
  /** Bytes TikTok acknowledged: the start of the next chunk to send. */
  acknowledged: number;
}

/** TikTok's upload URL is valid for one hour from init (Direct Post reference, `upload_url`). */
export const UPLOAD_URL_TTL_MS = 3_600_000;
/**
 * A kept session is given up this long before its hour ends: the step opens a new one rather
 * than sending chunks that may arrive after the URL expired, and the publish call will not start
 * its final chunk so late that it could be cut off.
 */
export const UPLOAD_URL_MARGIN_MS = 5 * 60_000;

export function sessionText(session: TikTokUploadSession): string {
  return JSON.stringify(session);
}

/** A kept session, or undefined for anything that is not one (nothing to resume). */
export function readSession(text: string | undefined): TikTokUploadSession | undefined {
  if (!text) return undefined;
  try {
    const s = JSON.parse(text) as Partial<TikTokUploadSession>;
    return typeof s.publish_id === 'string' &&
      typeof s.upload_url === 'string' &&
      typeof s.opened_at === 'number' &&
      typeof s.acknowledged === 'number'
      ? (s as TikTokUploadSession)
      : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the session's upload URL is too close to (or past) its hour to be used now. */
export function sessionExpired(session: TikTokUploadSession, now = Date.now()): boolean {
  return now >= session.opened_at + UPLOAD_URL_TTL_MS - UPLOAD_URL_MARGIN_MS;
}

/** What the upload URL answered a chunk: taken (206), out of sequence (416), gone, or else. */
type ChunkAnswer = 'taken' | 'out-of-sequence' | 'gone';

/** The upload step's side of the transfer. */
export interface UploadUntilFinal {
  platform: string;
  file: MediaReader;
  plan: ChunkPlan;
  ledger: UploadLedger;
  /** Calls init (`/v2/post/publish/video/init/` with FILE_UPLOAD): reversible, posts nothing yet. */
  init(): Promise<{ publish_id: string; upload_url: string }>;
  /** PUTs one chunk (never the final one here); a failure other than 206/416/gone throws. */
  put(request: CallRequest): Promise<ChunkAnswer>;
  now?: () => number;
}

/**
 * Init (unless an earlier attempt kept a session still valid) and every chunk but the final one,
 * each acknowledged chunk recorded in the kept session before the next goes. Answers the
 * session's final state: its `acknowledged` is the final chunk's start.
 *
 * Resuming, the first chunk sent may be the one in flight when the earlier attempt stopped: TikTok
 * may hold it already and answer 416 (chunks go in sequence; one it holds is out of it). That
 * answer, for that chunk only, means "held": the step goes on after it. Any other sign that the
 * session and the record disagree (a second 416), or an expired or unknown upload URL, gives the
 * session up and opens a new one: safe, since its final chunk was never sent.
 */
export async function uploadUntilFinalChunk(upload: UploadUntilFinal): Promise<TikTokUploadSession> {
  const { file, plan, ledger } = upload;
  const now = upload.now ?? Date.now;
  const last = plan.ranges.length - 1;
  let session = readSession(await ledger.session());
  if (
    session &&
    (sessionExpired(session, now()) || !plan.ranges.some((r) => r.start === session!.acknowledged))
  )
    session = undefined;
  /** Whether the next chunk is the first this attempt sends in a resumed session. */
  let resumed = session !== undefined;
  let opened = 0;
  const open = async (): Promise<TikTokUploadSession> => {
    // A second new session in one attempt: the upload URLs keep failing; Temporal retries later.
    if (opened++ > 0)
      throw uploadFailure(
        upload.platform,
        'upload_session_lost',
        'the upload session was lost twice; retrying the upload.',
      );
    await ledger.forget();
    const { publish_id, upload_url } = await upload.init();
    const fresh = { publish_id, upload_url, opened_at: now(), acknowledged: 0 };
    // Kept before any byte goes; an attempt racing this one may have kept its own first.
    return readSession(await ledger.keep(sessionText(fresh))) ?? fresh;
  };
  session ??= await open();
  ledger.progress(session.acknowledged, plan.videoSize);
  let scratch: Buffer | undefined;
  for (;;) {
    const index = plan.ranges.findIndex((r) => r.start === session!.acknowledged);
    if (index === last) return session;
    if (index < 0 || sessionExpired(session, now())) {
      session = await open();
      resumed = false;
      continue;
    }
    const range = plan.ranges[index]!;
    scratch ??= scratchFor(plan.ranges.slice(0, last));
    const put = (request: CallRequest) => upload.put(request);
    const answer = await putChunk(put, session.upload_url, file, plan, range, scratch);
    const held = answer === 'out-of-sequence' && resumed;
    resumed = false;
    if (answer === 'taken' || held) {
      session = { ...session, acknowledged: range.end };
      await ledger.update(sessionText(session));
      ledger.progress(range.end, plan.videoSize);
    } else {
      session = await open();
    }
  }
}

/**
 * The publish call's side: the final chunk, in the session the upload step kept. Refuses (a plain
 * retry, nothing sent) a session that is gone or too close to its hour: the next attempt's upload
 * step opens a new one. Answers the session's publish_id.
 */
export async function sendFinalChunk(
  platform: string,
  text: string | undefined,
  file: MediaReader,
  plan: ChunkPlan,
  send: (request: CallRequest) => Promise<PlatformAnswer>,
  now = Date.now(),
): Promise<string> {
  const session = readSession(text);
  const final = plan.ranges.at(-1)!;
  if (!session || session.acknowledged !== final.start)
    throw uploadFailure(
      platform,
      'upload_session_lost',
      'the upload session is gone; nothing was published; uploading again.',
    );
  if (sessionExpired(session, now))
    throw uploadFailure(
      platform,
      'upload_session_expired',
      "the upload URL's hour is (nearly) over before the final chunk; nothing was published; uploading again.",
    );
  await putChunk(send, session.upload_url, file, plan, final);
  return session.publish_id;
}

/** A failure before the final chunk: nothing published, a plain retry. */
const uploadFailure = (platform: string, code: string, message: string) =>
  platformFailure(platform, { category: 'platform', code, retryable: true }, message);

import type { MediaReader } from '../kit/adapter';
import type { CallRequest, PlatformAnswer } from '../kit/call';

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
export type VideoSource = 'pull' | 'upload';
const VIDEO_SOURCE_SETTING = 'POSTFLOW_TIKTOK_VIDEO_SOURCE';

export function videoSourceFrom(env: Record<string, string | undefined> = {}): VideoSource {
  const raw = env[VIDEO_SOURCE_SETTING]?.trim() || 'pull';
  if (raw !== 'pull' && raw !== 'upload')
    throw new Error(`${VIDEO_SOURCE_SETTING} must be "pull" or "upload"; got "${raw}".`);
  return raw;
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
  for (const [i, { start, end }] of plan.ranges.entries()) {
    const request: CallRequest = {
      method: 'PUT',
      path: uploadUrl,
      headers: {
        'content-type': file.contentType,
        'content-range': `bytes ${start}-${end - 1}/${plan.videoSize}`,
      },
      body: await file.read(start, end),
    };
    await send(request, i === plan.ranges.length - 1);
  }
}

import { setTimeout as delay } from 'node:timers/promises';
import { type MediaReader, PublishError } from '../kit/adapter';
import { bearerCaller, type PlatformAnswer } from '../kit/call';
import { platformFailure, type PlatformBody } from '../kit/http';
import { streamedChunk } from '../kit/streamed-form';
import { type VideoSource, videoSourceSetting } from '../kit/video-source';
import { metaRule, type MetaErrorRow } from './graph';

/**
 * How videos reach Facebook and Instagram (`POSTFLOW_META_VIDEO_SOURCE`): `pull` (Meta fetches
 * Postflow's signed media URL, which must be reachable from Meta's servers) or `upload` (the worker
 * sends the file's bytes to Meta, for installs whose storage Meta cannot reach: disk behind a
 * firewall). Images are pulled either way. Threads has no upload and always pulls.
 */
export type MetaVideoSource = VideoSource;
const VIDEO_SOURCE_SETTING = 'POSTFLOW_META_VIDEO_SOURCE';

/** Read at adapter creation, so a bad value stops the worker at start, naming the variable. */
export function metaVideoSourceFrom(env: Record<string, string | undefined> = {}): MetaVideoSource {
  return videoSourceSetting(VIDEO_SOURCE_SETTING, env);
}

/**
 * Bytes per request. Every request must finish within one call's `POSTFLOW_PLATFORM_TIMEOUT_MS`
 * (60 s by default), and a dropped one costs at most this much to send again: 4 MiB, as X's.
 */
export const META_CHUNK_BYTES = 4 * 1024 * 1024;

/** How a transfer rides out failures before it hands them to the engine. */
export interface TransferPolicy {
  /** Failures in a row, without Meta's offset moving on, before the transfer gives up. */
  maxFailures: number;
  /** The wait before the next try after the `failures`-th failure in a row. */
  backoffMs(failures: number): number;
}

/** 1, 2, 4, 8 s: a dropped connection or a passing 5xx, four times in a row at most. */
export const DEFAULT_TRANSFER: TransferPolicy = {
  maxFailures: 4,
  backoffMs: (failures) => 1_000 * 2 ** (failures - 1),
};

/** One chunk's bytes as a request body, and its length (the `content-length` to declare). */
export interface ChunkBody {
  body: ReadableStream<Uint8Array>;
  length: number;
}

/** One video's bytes going to Meta, a chunk at a time, read from the file as each is sent. */
export interface Transfer {
  platform: string;
  file: MediaReader;
  signal: AbortSignal;
  chunkBytes?: number;
  policy?: TransferPolicy;
  /**
   * Sends bytes `[start, end)`, a body read from the file as it goes out (`length` bytes); answers
   * the offset Meta now holds (`end` when it took them all).
   */
  send(start: number, end: number, chunk: ChunkBody): Promise<number>;
  /**
   * Asks Meta how many bytes it holds, after a failed send (Facebook's `GET /upload:<id>`
   * `file_offset`). Absent where Meta documents no such question (Instagram's rupload): the
   * chunk that failed is sent again from its own offset, the ones Meta answered never are.
   */
  ask?(): Promise<number>;
  /** Start by asking (`ask`): the session is one an earlier attempt kept, whose bytes Meta may hold. */
  resumed?: boolean;
  /**
   * Where to start without asking: the bytes an earlier attempt recorded as answered (Instagram's
   * kept container). 0 by default.
   */
  from?: number;
  /**
   * Reports the offset Meta holds after each chunk it took (the upload's heartbeat, the kept
   * record); awaited before the next chunk goes.
   */
  progress?(offset: number): void | Promise<void>;
}

/**
 * Sends the whole file in order. A failure that is worth another try soon (a dropped connection,
 * a passing 5xx) is retried here, within the step, from the offset Meta holds; one that
 * is not (a refused token, a refused file) ends the step at once. Nothing here publishes: the
 * publish call comes later, in its own step, so a failure is at worst a plain retry of the prepare.
 */
export async function transferFile(t: Transfer): Promise<void> {
  const chunk = t.chunkBytes ?? META_CHUNK_BYTES;
  const policy = t.policy ?? DEFAULT_TRANSFER;
  const size = t.file.size;
  let offset = t.from ?? 0;
  let failures = 0;
  let lost = t.resumed === true;
  // One buffer for every chunk's bytes, rather than one per chunk left to the collector.
  const scratch = Buffer.allocUnsafe(Math.min(chunk, size));
  while (offset < size) {
    try {
      // After a failure, where Meta stands is Meta's answer, not a guess.
      if (lost && t.ask) {
        const held = await t.ask();
        if (held > offset) failures = 0;
        offset = held;
        lost = false;
        if (offset >= size) break;
      }
      const end = Math.min(offset + chunk, size);
      const body = streamedChunk(t.file, offset, end, scratch);
      let held: number;
      try {
        held = await t.send(offset, end, { body: body.body, length: end - offset });
      } finally {
        // The request is over: the scratch may take the next chunk.
        await body.release();
      }
      if (held <= offset) throw stalled(t.platform, offset);
      failures = 0;
      offset = held;
      await t.progress?.(offset);
    } catch (err) {
      // Throttling goes back to the engine, which waits what Meta asked; a refusal ends the step.
      const passing =
        err instanceof PublishError && err.failure.retryable && err.failure.category === 'platform';
      if (!passing) throw err;
      failures += 1;
      if (failures > policy.maxFailures) throw err;
      await delay(policy.backoffMs(failures), undefined, { signal: t.signal });
      lost = true;
    }
  }
}

/** An answer that took none of the bytes sent: worth another try, from where Meta stands. */
function stalled(platform: string, offset: number): PublishError {
  return platformFailure(
    platform,
    { category: 'platform', code: 'upload_failed', retryable: true },
    `the upload did not move on from byte ${offset}.`,
  );
}

/**
 * The calls of a transfer: whole URLs (`rupload.facebook.com/…`, `graph.facebook.com/upload:…`),
 * the token in `Authorization: OAuth <token>` as Meta's upload guides show it (never in a URL).
 * Errors come in two shapes: the Graph API's `{"error": {code, error_subcode, …}}`, read with the
 * family's table, and rupload's `{"debug_info": {retriable, type, message}}`, whose `retriable`
 * decides. A 2xx with `success: false` is a failure too.
 */
export function uploadCaller(settings: {
  platform: string;
  timeoutMs?: number;
  refreshes: boolean;
  errors?: readonly MetaErrorRow[];
}) {
  const caller = bearerCaller({
    platform: settings.platform,
    baseUrl: '',
    ...(settings.timeoutMs ? { timeoutMs: settings.timeoutMs } : {}),
    headers: { accept: 'application/json' },
    failure: (response, body) => uploadFailure(settings, response, body),
    failed: (response, body) => !response.ok || !!body.error || !!body.debug_info || body.success === false,
    // The container or session id in the path is no secret, but keep spans short and alike.
    redactPath: (path) => path.replace(/\/[^/]+$/, '/{id}'),
  });
  return (
    req: { account: { credentials: Record<string, string> }; signal: AbortSignal },
    call: { method: string; url: string; headers?: Record<string, string>; body?: ChunkBody },
  ): Promise<PlatformAnswer> => {
    const token = req.account.credentials.access_token ?? '';
    return caller({ signal: req.signal })({
      method: call.method,
      path: call.url,
      headers: {
        authorization: `OAuth ${token}`,
        ...(call.body
          ? { 'content-type': 'application/octet-stream', 'content-length': String(call.body.length) }
          : {}),
        ...call.headers,
      },
      ...(call.body ? { body: call.body.body } : {}),
    });
  };
}

function uploadFailure(
  settings: { platform: string; refreshes: boolean; errors?: readonly MetaErrorRow[] },
  response: Response,
  body: PlatformBody,
): PublishError {
  if (body.error && typeof body.error === 'object') {
    const rule = metaRule(body.error, response.status, {
      ...(settings.errors ? { extra: settings.errors } : {}),
      refreshes: settings.refreshes,
    });
    const words = String(body.error.message ?? response.statusText);
    return platformFailure(
      settings.platform,
      rule,
      `uploading the video: ${words} (code ${body.error.code})`,
    );
  }
  const info: PlatformBody = typeof body.debug_info === 'object' && body.debug_info ? body.debug_info : {};
  const words = String(info.message ?? body.message ?? body.text ?? response.statusText);
  const type = info.type ? ` (${String(info.type)})` : '';
  if (response.status === 401 || /auth/i.test(String(info.type ?? ''))) {
    return platformFailure(
      settings.platform,
      {
        category: 'auth',
        code: 'auth',
        ...(settings.refreshes ? { refreshable: true } : { reconnect: true }),
      },
      `uploading the video: ${words}${type}`,
    );
  }
  const retriable = info.retriable === true || response.status >= 500 || response.status === 429;
  return platformFailure(
    settings.platform,
    retriable
      ? { category: 'platform', code: 'upload_failed', retryable: true }
      : { category: 'validation', code: 'upload_rejected' },
    `uploading the video: ${words}${type}`,
  );
}

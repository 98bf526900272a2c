import { setTimeout as delay } from 'node:timers/promises';
import { type MediaReader, PublishError } from '../../kit/adapter';
import { googleFailure, type GoogleRule } from '../api';
import { bearerCaller, type PlatformAnswer } from '../../kit/call';
import type { PlatformBody } from '../../kit/http';
import { streamedChunk } from '../../kit/streamed-form';

/**
 * YouTube's resumable upload, the bytes part
 * (developers.google.com/youtube/v3/guides/using_resumable_upload_protocol): the video goes to the
 * session URL in chunks (`Content-Range: bytes a-b/total`); each chunk but the last is answered
 * `308 Resume Incomplete` with `Range: bytes=0-N` (what the server holds), the last one with
 * 200/201 and the video. Only the last chunk's completion creates the video, so a failure before
 * it publishes nothing: the upload asks the session where it stands (an empty PUT with
 * `Content-Range: bytes *\/total`) and goes on from there, never from 0 on a guess. Each chunk is
 * read from the file when it is sent, so a video of any size holds one chunk in memory.
 */

/** Google's unit for chunks: every chunk but the last is a multiple of 256 KiB. */
export const CHUNK_UNIT = 256 * 1024;
/** Large enough that a chunk's request overhead does not matter, small enough to resend cheaply. */
export const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;
const CHUNK_SETTING = 'POSTFLOW_YOUTUBE_CHUNK_BYTES';

/**
 * The chunk size from `POSTFLOW_YOUTUBE_CHUNK_BYTES`; a value Google would refuse stops the worker
 * at start rather than failing every upload later.
 */
export function chunkBytesFrom(env: Record<string, string | undefined> = {}): number {
  const raw = env[CHUNK_SETTING]?.trim();
  if (!raw) return DEFAULT_CHUNK_BYTES;
  const bytes = Number(raw);
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes % CHUNK_UNIT !== 0) {
    throw new Error(
      `${CHUNK_SETTING} must be a positive multiple of ${CHUNK_UNIT} (256 KiB), e.g. ${DEFAULT_CHUNK_BYTES} (8 MiB); got "${raw}".`,
    );
  }
  return bytes;
}

/** How the upload rides out failures before it hands them to the engine. */
export interface ResumePolicy {
  /** Failures in a row, without the server's offset moving on, before the upload gives up. */
  maxFailures: number;
  /** The wait before the next try after the `failures`-th failure in a row. */
  backoffMs(failures: number): number;
}

/** 1, 2, 4, 8, 16 s, each plus up to 1 s of jitter (Google's advice for resumable uploads). */
export const DEFAULT_RESUME: ResumePolicy = {
  maxFailures: 5,
  backoffMs: (failures) => Math.min(16_000, 1_000 * 2 ** (failures - 1)) + Math.floor(Math.random() * 1_000),
};

export interface ResumableUpload {
  platform: string;
  /** Opens a session (metadata only, creates nothing) and returns its URL, a capability. */
  openSession(): Promise<string>;
  /**
   * A session an earlier attempt opened and kept: the upload asks it where it stands and goes on
   * from the offset it acknowledges. Absent: a new session is opened.
   */
  resume?: string;
  /**
   * Keeps a session just opened before any byte goes to it (an upload step's ledger); answers the
   * one to use. Absent: the session lives in this call only.
   */
  keep?(session: string): Promise<string>;
  /**
   * What to do when the session is gone (404/410) before the video completed: `reopen` a new one
   * from byte 0 (nothing was published), or `fail` with a plain retry for the engine (a publish
   * finishing an upload step's session: the step uploads again). @default 'reopen'
   */
  whenGone?: 'reopen' | 'fail';
  /** Called with each offset the server acknowledges (308 Range): an upload step heartbeats it. */
  acknowledged?(offset: number): void;
  /** The video, read a chunk at a time. */
  file: MediaReader;
  contentType: string;
  chunkBytes: number;
  accessToken: string;
  signal: AbortSignal;
  timeoutMs?: number;
  reasons: Readonly<Record<string, GoogleRule>>;
}

/** What the session said: the video, where to go on from, that it is gone, or a failure worth a retry. */
type Answer =
  | { kind: 'done'; video: PlatformBody }
  | { kind: 'incomplete'; next: number }
  | { kind: 'gone' }
  | { kind: 'failed'; error: PublishError };

/**
 * Uploads the bytes and returns the video resource of the final answer. Throws `PublishError`:
 * `outcomeUnknown` only when the final chunk may have completed and the session could not tell.
 */
export async function uploadInChunks(
  upload: ResumableUpload,
  policy: ResumePolicy = DEFAULT_RESUME,
): Promise<PlatformBody> {
  const end = await transfer(upload, policy, 'complete');
  return 'video' in end ? end.video : Promise.reject(new Error('unreachable: a complete transfer parked'));
}

/**
 * Sends every byte but the final chunk's (the one whose completion creates the video) and stops:
 * what an upload step does, so that the irreversible chunk goes in the publish call. Answers the
 * offset the server acknowledged, or the video should the session already have completed.
 */
export async function uploadUntilFinalChunk(
  upload: ResumableUpload,
  policy: ResumePolicy = DEFAULT_RESUME,
): Promise<{ offset: number } | { video: PlatformBody }> {
  return transfer(upload, policy, 'final-chunk');
}

/**
 * Asks a session where it stands (the empty PUT), once: `done` with the video, `incomplete` (no
 * video: it can only be completed by this session's final chunk), `gone`, or a PublishError. What
 * reconcile and reuse ask of a session an unknown outcome left.
 */
export async function sessionStatus(
  upload: Pick<
    ResumableUpload,
    'platform' | 'contentType' | 'accessToken' | 'signal' | 'timeoutMs' | 'reasons'
  >,
  session: string,
  size: number,
): Promise<{ kind: 'done'; video: PlatformBody } | { kind: 'incomplete' } | { kind: 'gone' }> {
  const file: MediaReader = {
    size,
    contentType: upload.contentType,
    read: () => Promise.resolve(Buffer.alloc(0)),
  };
  const whole: ResumableUpload = {
    ...upload,
    file,
    chunkBytes: size,
    openSession: () => Promise.resolve(session),
  };
  const answer = await put(whole, sessionCaller(whole), session, 'status', false);
  if (answer.kind === 'failed') throw answer.error;
  return answer.kind === 'incomplete' ? { kind: 'incomplete' } : answer;
}

async function transfer(
  upload: ResumableUpload,
  policy: ResumePolicy,
  until: 'complete' | 'final-chunk',
): Promise<{ offset: number } | { video: PlatformBody }> {
  const total = upload.file.size;
  const call = sessionCaller(upload);
  // One buffer for every chunk: each is read into it once the one before was answered.
  const scratch = Buffer.allocUnsafe(Math.min(upload.chunkBytes, total));
  const open = async () => {
    const opened = await upload.openSession();
    return upload.keep ? upload.keep(opened) : opened;
  };
  let offset = 0;
  /** The furthest offset the server confirmed; moving past it resets the failure count. */
  let furthest = 0;
  let failures = 0;
  /** A failure of the final chunk that may have created the video, until the session says otherwise. */
  let unsettled: PublishError | undefined;

  const failedOnce = async (error: PublishError) => {
    failures += 1;
    if (failures > policy.maxFailures) {
      if (unsettled) throw unsettled;
      // Before the final chunk completes nothing exists: a plain retry for the engine.
      throw new PublishError({ ...error.failure, retryable: true, outcomeUnknown: false });
    }
    // Rejects as soon as the activity is cancelled.
    await delay(policy.backoffMs(failures), undefined, { signal: upload.signal });
  };

  let session: string;
  /** The last answer of the session, handled at the top of each turn. */
  let answer: Answer;
  if (upload.resume) {
    // A session an earlier attempt kept: where it stands is what the server says, never a guess.
    session = upload.resume;
    answer = await put(upload, call, session, 'status', false);
  } else {
    session = await open();
    answer = { kind: 'incomplete', next: 0 };
  }

  /** The empty PUT asking where the upload stands; a refusal while the final chunk is unsettled settles nothing. */
  const ask = async (): Promise<Answer> => {
    try {
      return await put(upload, call, session, 'status', false);
    } catch (err) {
      if (unsettled && err instanceof PublishError) throw unsettled;
      throw err;
    }
  };

  for (;;) {
    while (answer.kind === 'failed') {
      await failedOnce(answer.error);
      answer = await ask();
    }
    if (answer.kind === 'done') return { video: answer.video };
    if (answer.kind === 'gone') {
      // Expired or unknown. Had the final chunk maybe completed, a new session could post twice.
      if (unsettled) throw unsettled;
      if (upload.whenGone === 'fail') throw sessionGone(upload.platform);
      await failedOnce(sessionGone(upload.platform));
      session = await open();
      offset = 0; // `furthest` stays: a session that keeps expiring makes no progress
      answer = { kind: 'incomplete', next: 0 };
      if (until === 'final-chunk' && total - offset <= upload.chunkBytes) return { offset };
    } else {
      // 308: the server holds bytes 0…next-1 and no video exists yet.
      unsettled = undefined;
      offset = answer.next;
      upload.acknowledged?.(offset);
      if (offset > furthest) {
        furthest = offset;
        failures = 0;
      }
      // What is left is the final chunk: the publish call sends it.
      if (until === 'final-chunk' && total - offset <= upload.chunkBytes) return { offset };
    }
    const end = Math.min(offset + upload.chunkBytes, total);
    const final = end === total;
    const sent = await put(upload, call, session, { from: offset, to: end }, final, scratch);
    if (sent.kind === 'failed' && final && sent.error.failure.outcomeUnknown) unsettled = sent.error;
    if (sent.kind === 'incomplete' && sent.next <= offset) {
      // The chunk was taken and none of it kept: count it, or a server doing so would loop forever.
      await failedOnce(stalled(upload.platform));
    }
    answer = sent;
  }
}

/** Statuses of a session PUT that `put` reads itself: the video, Resume Incomplete, gone. */
const SESSION_ANSWERS = new Set([200, 201, 308, 404, 410]);

/** Calls to the session URL Google handed out: the account's token, the video's type. */
function sessionCaller(upload: ResumableUpload) {
  return bearerCaller({
    platform: upload.platform,
    baseUrl: '',
    ...(upload.timeoutMs ? { timeoutMs: upload.timeoutMs } : {}),
    headers: { accept: 'application/json', 'content-type': upload.contentType },
    failure: (response, answer, irreversible) =>
      googleFailure(upload.platform, response, answer, { reasons: upload.reasons, irreversible }),
    failed: (response) => !SESSION_ANSWERS.has(response.status),
  });
}

/** One PUT to the session: a chunk `[from, to)` of the bytes, or the empty status query. */
async function put(
  upload: ResumableUpload,
  call: ReturnType<typeof sessionCaller>,
  session: string,
  part: { from: number; to: number } | 'status',
  final: boolean,
  scratch?: Buffer,
): Promise<Answer> {
  const total = upload.file.size;
  const range = part === 'status' ? `bytes */${total}` : `bytes ${part.from}-${part.to - 1}/${total}`;
  const chunk = part === 'status' ? undefined : streamedChunk(upload.file, part.from, part.to, scratch);
  let answer: PlatformAnswer;
  try {
    // Only the final chunk can create the video: its lost answer is an unknown outcome.
    answer = await call(
      { signal: upload.signal },
      final,
    )({
      method: 'PUT',
      path: session,
      token: upload.accessToken,
      headers: { 'content-range': range, ...chunk?.headers, 'content-type': upload.contentType },
      body: chunk?.body ?? new Uint8Array(0),
    });
  } catch (err) {
    if (err instanceof PublishError && sessionLives(err, upload.signal))
      return { kind: 'failed', error: err };
    throw err;
  } finally {
    // The request is over: the scratch may take the next chunk.
    await chunk?.release();
  }
  if (answer.status === 200 || answer.status === 201) {
    if (typeof answer.body.id !== 'string' || !answer.body.id) throw noVideoId(upload.platform);
    return { kind: 'done', video: answer.body };
  }
  if (answer.status === 308) return incomplete(upload.platform, answer.headers.get('range'), total);
  return { kind: 'gone' }; // 404, 410
}

/**
 * A failure after which the session lives on: the call did not get through (unless the activity
 * was cancelled), or the server failed this request (5xx, 408). Any other answer is final.
 */
function sessionLives(err: PublishError, signal: AbortSignal): boolean {
  const status = (err as { status?: number }).status;
  return status === undefined ? !signal.aborted : status >= 500 || status === 408;
}

/** `Range: bytes=0-N` → N + 1; no Range: the server holds nothing yet. */
function incomplete(platform: string, range: string | null, total: number): Answer {
  if (!range) return { kind: 'incomplete', next: 0 };
  const last = /^bytes=0-(\d+)$/.exec(range.trim())?.[1];
  const next = last === undefined ? NaN : Number(last) + 1;
  // All bytes held and still no video makes no sense either: ask again.
  if (!Number.isSafeInteger(next) || next >= total) {
    return {
      kind: 'failed',
      error: uploadFailure(platform, 'upload_range', 'the upload session answered an unreadable Range.'),
    };
  }
  return { kind: 'incomplete', next };
}

const uploadFailure = (platform: string, code: string, message: string, outcomeUnknown = false) =>
  new PublishError({
    category: 'platform',
    caused_by: 'platform',
    code: `platform.${platform}.${code}`,
    message: `${platform}: ${message}`,
    retryable: true,
    outcomeUnknown,
  });

const stalled = (platform: string) =>
  uploadFailure(platform, 'upload_stalled', 'the upload session kept none of a chunk; resuming.');

const sessionGone = (platform: string) =>
  uploadFailure(
    platform,
    'upload_session_expired',
    'the upload session expired before the video was complete; nothing was published.',
  );

/** A completed upload whose answer names no video: it exists, but which one only reconcile can say. */
const noVideoId = (platform: string) =>
  uploadFailure(platform, 'upload_answer', 'the completed upload answered no video id.', true);

import { execFile } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import { DEFAULT_CHUNK_BYTES } from '../../platforms/google/youtube/upload';
import { GeneratedFile } from '../../test/helpers/large-file';
import { Stack } from '../../test/helpers/stack';
import type { Settings } from '../context';
import { median, round } from '../stats';

const MiB = 1024 * 1024;
/** The part size a client of a large upload uses (test/integration/media-large.test.ts). */
const PART_BYTES = 64 * MiB;

/**
 * Issue 21's figures: one video of `settings.mediaMib` MiB (generated, written once to a
 * temporary file), moved each way beside a loopback baseline on the same machine, in the same run.
 * - **upload**: PUT in 64 MiB parts to the API's signed upload URL (stored, SHA-256 kept);
 *   baseline: `curl -T` of the same file to a bare Node server that writes it to disk.
 * - **publish**: one post to a YouTube account (the fake), timed by the fake from the upload
 *   session's opening to its final chunk (the upload step's chunks and the publish call's); the
 *   post's whole time, `POST /v1/posts` to published, is reported beside it. Baseline: a bare
 *   client (no Postflow, no Temporal) sending the same file in the same 8 MiB chunks to a session
 *   of the same fake, timed the same way.
 * Each is measured in `settings.mediaRounds` rounds, Postflow and its baseline back to back in a
 * round (the baseline first in every other one), and reported as the median round: one round on
 * this machine's disk varies by 3× either way, with the page cache's writeback, so a ratio is
 * only fair between two transfers that met the same disk.
 * Peak RSS growth, the largest of the rounds: the API's over the upload, the worker's over the
 * publish (VmHWM, its peak reset when the transfer starts, − VmRSS then), after a small video went
 * the same way (`warmUp`).
 */
export async function measureMediaTransfer(settings: Settings, log: (line: string) => void) {
  const size = settings.mediaMib * MiB;
  const dir = mkdtempSync(join(tmpdir(), 'postflow-bench-media-'));
  const path = join(dir, 'video.mp4');
  const youtube = new YoutubeFake();
  await youtube.start();
  youtube.processingPolls = 0;
  const stack = await new Stack({
    POSTFLOW_SYNC_WAIT_MS: '0',
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_YOUTUBE_API_URL: youtube.url,
    POSTFLOW_YOUTUBE_CLIENT_ID: youtube.client.id,
    POSTFLOW_YOUTUBE_CLIENT_SECRET: youtube.client.secret,
    POSTFLOW_YOUTUBE_TOKEN_URL: `${youtube.url}/token`,
  }).start();
  try {
    const file = GeneratedFile.mp4(size, 60);
    await pipeline(file.stream(), createWriteStream(path));
    const sha256 = await file.sha256();

    const account = await stack.request('POST', '/v1/accounts', {
      platform: 'youtube',
      name: 'bench',
      credentials: youtube.credentials(),
    });
    await warmUp(stack, youtube, dir, account.body.id);

    const uploads: Array<Pair & { apiGrowth: number }> = [];
    const publishes: Array<Pair & { postS: number; workerGrowth: number }> = [];
    for (let i = 0; i < settings.mediaRounds; i++) {
      const baselineFirst = i % 2 === 0;
      let upload = { mediaId: '', uploadS: 0, apiGrowth: 0 };
      const uploadPair = await backToBack(
        baselineFirst,
        () => curlToSink(path, dir),
        async () => {
          const before = await resetPeak(stack.api!.pid!);
          const done = await uploadFromFile(stack, path, size, sha256, performance.now());
          upload = { ...done, apiGrowth: (await memory(stack.api!.pid!, 'VmHWM')) - before };
          return done.uploadS;
        },
      );
      uploads.push({ ...uploadPair, apiGrowth: upload.apiGrowth });

      let publish = { postS: 0, workerGrowth: 0 };
      const publishPair = await backToBack(
        baselineFirst,
        async () => {
          await bareYoutubeUpload(youtube, path, size);
          return transferSeconds(youtube);
        },
        async () => {
          publish = await publishVideo(stack, youtube, account.body.id, upload.mediaId, sha256);
          return transferSeconds(youtube);
        },
      );
      publishes.push({ ...publishPair, ...publish });
      // Each round's copy is stored anew; the rounds before need not fill the disk.
      const removed = await stack.request('DELETE', `/v1/media/${upload.mediaId}`);
      if (removed.status >= 300) throw new Error(`bench video not removed: ${JSON.stringify(removed.body)}`);
    }

    const mbps = (seconds: number) => round(size / MiB / seconds, 1);
    const mb = (bytes: number) => round(Math.max(0, bytes) / MiB, 1);
    const upload = summarise(uploads);
    const publish = summarise(publishes);
    const figures = {
      media_mib: settings.mediaMib,
      media_rounds: settings.mediaRounds,
      media_upload_mb_s: mbps(upload.postflowS),
      media_upload_baseline_mb_s: mbps(upload.baselineS),
      media_upload_vs_baseline: upload.ratio,
      media_upload_vs_baseline_range: upload.ratioRange,
      media_publish_mb_s: mbps(publish.postflowS),
      media_publish_baseline_mb_s: mbps(publish.baselineS),
      media_publish_vs_baseline: publish.ratio,
      media_publish_vs_baseline_range: publish.ratioRange,
      media_publish_post_s: round(median(publishes.map((p) => p.postS)), 1),
      media_api_rss_growth_mb: mb(Math.max(...uploads.map((u) => u.apiGrowth))),
      media_worker_rss_growth_mb: mb(Math.max(...publishes.map((p) => p.workerGrowth))),
    };
    log(
      `  ${settings.mediaMib} MiB, median of ${settings.mediaRounds} rounds: ` +
        `upload ${figures.media_upload_mb_s} MB/s (curl ${figures.media_upload_baseline_mb_s}; ` +
        `ratio ${figures.media_upload_vs_baseline}, rounds ${upload.ratioRange.join('–')}), ` +
        `publish ${figures.media_publish_mb_s} MB/s (bare client ${figures.media_publish_baseline_mb_s}; ` +
        `ratio ${figures.media_publish_vs_baseline}, rounds ${publish.ratioRange.join('–')}; ` +
        `the post published in ${figures.media_publish_post_s} s); ` +
        `peak RSS growth API ${figures.media_api_rss_growth_mb} MB, worker ${figures.media_worker_rss_growth_mb} MB`,
    );
    return figures;
  } finally {
    await stack.stop();
    await youtube.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Seconds of one transfer and of its baseline, measured back to back. */
interface Pair {
  postflowS: number;
  baselineS: number;
}

/**
 * Runs a transfer and its baseline one after the other, in the order given, each after a `sync`:
 * each side writes to the same disk and starts without the other's writes pending.
 */
async function backToBack(
  baselineFirst: boolean,
  baseline: () => Promise<number>,
  postflow: () => Promise<number>,
): Promise<Pair> {
  const sync = () => promisify(execFile)('sync');
  const pair = { postflowS: 0, baselineS: 0 };
  const sides: Array<() => Promise<void>> = [
    async () => void (pair.baselineS = await baseline()),
    async () => void (pair.postflowS = await postflow()),
  ];
  for (const side of baselineFirst ? sides : sides.reverse()) {
    await sync();
    await side();
  }
  return pair;
}

/** The median round's seconds each side, and the median and range of the rounds' ratios (baseline time / Postflow's). */
function summarise(pairs: Pair[]) {
  const ratios = pairs.map((p) => round(p.baselineS / p.postflowS, 2));
  return {
    postflowS: median(pairs.map((p) => p.postflowS)),
    baselineS: median(pairs.map((p) => p.baselineS)),
    ratio: median(ratios),
    ratioRange: [Math.min(...ratios), Math.max(...ratios)],
  };
}

/** One post of the uploaded video to YouTube's fake, to published; the worker's peak RSS growth over it. */
async function publishVideo(
  stack: Stack,
  youtube: YoutubeFake,
  accountId: string,
  mediaId: string,
  sha256: string,
) {
  const workerBefore = await resetPeak(stack.worker!.pid!);
  const started = performance.now();
  const created = await stack.request('POST', '/v1/posts', {
    account_ids: [accountId],
    media_ids: [mediaId],
    text: 'bench video',
    title: 'bench video',
  });
  const post = await stack.waitForPost(created.body.id, (p) => p.status !== 'publishing', 1_800_000);
  const postS = (performance.now() - started) / 1000;
  const workerGrowth = (await memory(stack.worker!.pid!, 'VmHWM')) - workerBefore;
  if (post.status !== 'published') throw new Error(`bench video not published: ${JSON.stringify(post)}`);
  if (youtube.videos.at(-1)!.sha256 !== sha256) throw new Error('the video YouTube took is not the file');
  return { postS, workerGrowth };
}

/**
 * A small video uploaded and published first, as the measured one is: a fresh process's first
 * upload and first post load modules and compile code (about 70 MB for the worker, whatever the
 * file's size), which is not what a transfer costs.
 */
async function warmUp(stack: Stack, youtube: YoutubeFake, dir: string, accountId: string): Promise<void> {
  const size = 2 * MiB;
  const path = join(dir, 'warm-up.mp4');
  const file = GeneratedFile.mp4(size, 5);
  await pipeline(file.stream(), createWriteStream(path));
  const sha256 = await file.sha256();
  const { mediaId } = await uploadFromFile(stack, path, size, sha256, performance.now());
  await publishVideo(stack, youtube, accountId, mediaId, sha256);
}

/** Seconds for `curl -T` to PUT the file to a bare server writing it to disk: the loopback bound. */
async function curlToSink(path: string, dir: string): Promise<number> {
  const sink: Server = createServer((req, res) => {
    pipeline(req, createWriteStream(join(dir, 'sink'))).then(
      () => res.end('ok'),
      () => res.destroy(),
    );
  });
  await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve));
  const { port } = sink.address() as { port: number };
  try {
    const started = performance.now();
    // Asynchronously: the sink answering curl runs on this process's event loop.
    await promisify(execFile)('curl', ['-sS', '-o', '/dev/null', '-T', path, `http://127.0.0.1:${port}/`]);
    return (performance.now() - started) / 1000;
  } finally {
    await new Promise((resolve) => sink.close(resolve));
    rmSync(join(dir, 'sink'), { force: true });
  }
}

/**
 * The file into the library by its signed upload URL, in 64 MiB parts streamed from disk by a
 * client in a process of its own (`PARTS_CLIENT`), as curl is one; seconds to the last part.
 */
async function uploadFromFile(stack: Stack, path: string, size: number, sha256: string, started: number) {
  const created = await stack.request('GET', '/v1/media/upload-url?media_type=video/mp4&filename=bench.mp4');
  const { media_id: mediaId, upload_url: url } = created.body as { media_id: string; upload_url: string };
  await promisify(execFile)(process.execPath, ['-e', PARTS_CLIENT], {
    env: { URL: url, FILE: path, SIZE: String(size), PART: String(PART_BYTES) },
  });
  const uploadS = (performance.now() - started) / 1000;
  const verified = await stack.request('POST', `/v1/media/${mediaId}/verify`, { size_bytes: size, sha256 });
  if (verified.status !== 200) throw new Error(`bench upload not verified: ${JSON.stringify(verified.body)}`);
  return { mediaId, uploadS };
}

/** The upload client's program: every part PUT in turn, each piped from the file; exits 1 on a refusal. */
const PARTS_CLIENT = `
const { createReadStream } = require('node:fs');
const { request } = require('node:http');
const { URL, FILE } = process.env;
const [size, part] = [Number(process.env.SIZE), Number(process.env.PART)];
const put = (from, to) => new Promise((resolve, reject) => {
  const req = request(URL, { method: 'PUT', headers: {
    'content-type': 'video/mp4',
    'content-range': 'bytes ' + from + '-' + (to - 1) + '/' + size, 'content-length': String(to - from),
  } }, (res) => res.resume().on('end', () => resolve(res.statusCode)));
  req.on('error', reject);
  createReadStream(FILE, { start: from, end: to - 1 }).pipe(req);
});
(async () => {
  for (let from = 0; from < size; from += part) {
    const status = await put(from, Math.min(from + part, size));
    if (status !== 200) throw new Error('upload part at ' + from + ': ' + status);
  }
})().catch((err) => { console.error(err); process.exit(1); });
`;

/**
 * A bare client sends the file to a YouTube session of the same fake, in the chunks Postflow
 * sends (`POSTFLOW_YOUTUBE_CHUNK_BYTES`' default), each streamed from disk into its request
 * (node:http, no copy of a chunk in memory). It runs in a process of its own, as Postflow's worker
 * does: in this one it would share a core with the fake.
 */
async function bareYoutubeUpload(youtube: YoutubeFake, path: string, size: number): Promise<void> {
  const token = youtube.credentials().access_token;
  const opened = await fetch(
    `${youtube.url}/upload/youtube/v3/videos?uploadType=resumable&part=snippet,status`,
    {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        'x-upload-content-length': String(size),
        'x-upload-content-type': 'video/mp4',
      },
      body: JSON.stringify({ snippet: { title: 'baseline' }, status: { privacyStatus: 'private' } }),
    },
  );
  const session = opened.headers.get('location');
  if (!session) throw new Error(`baseline session not opened: ${opened.status}`);
  await promisify(execFile)(process.execPath, ['-e', BARE_CLIENT], {
    env: {
      SESSION: session,
      TOKEN: token,
      FILE: path,
      SIZE: String(size),
      CHUNK: String(DEFAULT_CHUNK_BYTES),
    },
  });
}

/** The bare client's program: every chunk PUT in turn, each piped from the file; exits 1 on a refusal. */
const BARE_CLIENT = `
const { createReadStream } = require('node:fs');
const { Agent, request } = require('node:http');
const { SESSION, TOKEN, FILE } = process.env;
const [size, chunk] = [Number(process.env.SIZE), Number(process.env.CHUNK)];
const agent = new Agent({ keepAlive: true });
const put = (from, to) => new Promise((resolve, reject) => {
  const req = request(SESSION, { method: 'PUT', agent, headers: {
    authorization: 'Bearer ' + TOKEN, 'content-type': 'video/mp4',
    'content-range': 'bytes ' + from + '-' + (to - 1) + '/' + size, 'content-length': String(to - from),
  } }, (res) => res.resume().on('end', () => resolve(res.statusCode)));
  req.on('error', reject);
  createReadStream(FILE, { start: from, end: to - 1, highWaterMark: 1024 * 1024 }).pipe(req);
});
(async () => {
  for (let from = 0; from < size; from += chunk) {
    const status = await put(from, Math.min(from + chunk, size));
    if (![200, 201, 308].includes(status)) throw new Error('baseline chunk at ' + from + ': ' + status);
  }
  agent.destroy();
})().catch((err) => { console.error(err); process.exit(1); });
`;

/** Seconds from the fake's latest upload session opening to its last chunk arriving. */
function transferSeconds(youtube: YoutubeFake): number {
  const session = youtube.sessionsOpened.at(-1)!;
  const last = youtube.chunks.filter((c) => c.uploadId === session).at(-1)!;
  return (last.at - youtube.sessionOpenedAt.get(session)!) / 1000;
}

/**
 * Starts a process's peak (VmHWM) again from its RSS now, which it answers: the peak since the
 * process started would count what came before the transfer (Linux's `clear_refs` 5).
 */
async function resetPeak(pid: number): Promise<number> {
  await writeFile(`/proc/${pid}/clear_refs`, '5');
  return memory(pid, 'VmRSS');
}

/** A process's VmRSS or VmHWM, in bytes. */
async function memory(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  const text = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1]) * 1024;
}

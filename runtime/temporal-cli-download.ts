import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { version as sdkVersion } from '@temporalio/worker/package.json';

/** The release `go install` builds too, so every way to the CLI gives the same one. */
export const TEMPORAL_CLI_RELEASE = 'v1.5.1';
export const DEFAULT_DOWNLOAD_URL = 'https://temporal.download';

/** The executable's file name on this OS. */
export const TEMPORAL_EXE = process.platform === 'win32' ? 'temporal.exe' : 'temporal';

/**
 * Downloads the official Temporal CLI release into `<toolsDir>/bin`, asking the download service
 * the way Temporal's SDKs fetch their dev server (`<base>/cli/<version>` with platform, arch,
 * archive format and the SDK's name and version; it answers with the archive's URL and the
 * executable's path inside it). Staged in a private folder and checked with `--version` before it
 * is moved into place, so a failed or interrupted download leaves nothing behind.
 */
export async function downloadTemporalCli(options: {
  toolsDir: string;
  baseUrl: string;
  log: (line: string) => void;
}): Promise<string> {
  const { toolsDir, log } = options;
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const format = process.platform === 'win32' ? 'zip' : 'tar.gz';
  const query = new URLSearchParams({
    platform: downloadPlatform(),
    arch: downloadArch(),
    format,
    'sdk-name': 'sdk-typescript',
    'sdk-version': sdkVersion,
  });
  const infoUrl = `${baseUrl}/cli/${TEMPORAL_CLI_RELEASE}?${query}`;
  const info = await fetchDownloadInfo(infoUrl);

  const staging = join(toolsDir, `bin.downloading-${process.pid}`);
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    const archive = join(staging, `archive.${format}`);
    log(`Downloading the Temporal CLI ${TEMPORAL_CLI_RELEASE} from ${info.archiveUrl}…`);
    await downloadFile(info.archiveUrl, archive, log);
    const extracted = join(staging, 'extracted');
    await mkdir(extracted);
    extract(archive, extracted, info.fileToExtract);
    const staged = join(extracted, info.fileToExtract);
    await chmod(staged, 0o755);
    const version = runsAsTemporalCli(staged);
    await mkdir(join(toolsDir, 'bin'), { recursive: true });
    // Same file system as the staging folder: the rename is atomic.
    const binary = join(toolsDir, 'bin', TEMPORAL_EXE);
    await rename(staged, binary);
    log(`Downloaded ${version}`);
    return binary;
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

function downloadPlatform(): string {
  if (process.platform === 'win32') return 'windows';
  if (process.platform === 'darwin') return 'darwin';
  return 'linux';
}

function downloadArch(): string {
  if (process.arch === 'x64') return 'amd64';
  if (process.arch === 'arm64') return 'arm64';
  throw new Error(`Temporal publishes no CLI for the ${process.arch} architecture (only x64 and arm64).`);
}

interface DownloadInfo {
  archiveUrl: string;
  fileToExtract: string;
}

async function fetchDownloadInfo(infoUrl: string): Promise<DownloadInfo> {
  const response = await fetchOrExplain(infoUrl, 30_000);
  const body = (await response.json().catch(() => undefined)) as Partial<DownloadInfo> | undefined;
  const { archiveUrl, fileToExtract } = body ?? {};
  if (
    typeof archiveUrl !== 'string' ||
    !/^https?:\/\//.test(archiveUrl) ||
    !/\.(tar\.gz|zip)$/.test(archiveUrl)
  )
    throw new Error(`${infoUrl} answered without an archiveUrl to a .tar.gz or .zip.`);
  // The path inside the archive becomes a path under the staging folder: it must stay inside it.
  if (
    typeof fileToExtract !== 'string' ||
    !fileToExtract ||
    isAbsolute(fileToExtract) ||
    normalize(fileToExtract).split(/[\\/]/).includes('..')
  )
    throw new Error(`${infoUrl} answered without a relative fileToExtract.`);
  return { archiveUrl, fileToExtract };
}

async function downloadFile(url: string, file: string, log: (line: string) => void): Promise<void> {
  const response = await fetchOrExplain(url, 10 * 60_000);
  if (!response.body) throw new Error(`${url} answered without a body.`);
  const started = Date.now();
  let bytes = 0;
  const progress = setInterval(
    () => log(`  … ${Math.round((Date.now() - started) / 1000)} s: ${(bytes / 1e6).toFixed(1)} MB`),
    15_000,
  );
  try {
    const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
    body.on('data', (chunk: Buffer) => (bytes += chunk.length));
    await pipeline(body, createWriteStream(file));
  } catch (error) {
    throw new Error(`Downloading ${url} failed: ${(error as Error).message}`);
  } finally {
    clearInterval(progress);
  }
}

/** GET, with a failed connection or an error status turned into a message naming the URL. */
async function fetchOrExplain(url: string, timeoutMs: number): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(
      `${url} could not be reached (${cause?.code ?? cause?.message ?? (error as Error).message}).`,
    );
  }
  if (!response.ok) throw new Error(`${url} answered ${response.status} ${response.statusText}.`);
  return response;
}

/**
 * Extracts one file with the system's `tar`: GNU or BSD tar on Linux and macOS, and the bsdtar
 * Windows 10 and later ship, which reads .zip as well.
 */
function extract(archive: string, into: string, fileToExtract: string): void {
  const run = spawnSync('tar', ['-xf', archive, '-C', into, fileToExtract], { encoding: 'utf8' });
  if (run.error) throw new Error(`tar could not run to extract the Temporal CLI: ${run.error.message}`);
  if (run.status !== 0)
    throw new Error(`tar could not extract ${fileToExtract} from the download: ${run.stderr.trim()}`);
}

/** Runs `<binary> --version`; returns its answer, or throws when it does not run. */
function runsAsTemporalCli(binary: string): string {
  const run = spawnSync(binary, ['--version'], { encoding: 'utf8', timeout: 30_000 });
  const output = `${run.stdout ?? ''}${run.stderr ?? ''}`.trim();
  if (run.error || run.status !== 0)
    throw new Error(
      `the downloaded Temporal CLI does not run (${run.error?.message ?? `exit ${run.status}`}): ${output}`,
    );
  return output.split('\n')[0];
}

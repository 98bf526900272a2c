import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Older than any step runs: a folder this old was left by a worker killed mid-step. */
const STALE_SCRATCH_MS = 24 * 3_600_000;
const SCRATCH_PREFIX = 'postflow-media-';

/**
 * Where one activity keeps the URL media it fetched: a folder of its own under the system's
 * temporary directory (`TMPDIR`), made on first use and removed with everything in it when the
 * activity ends. One folder per activity, so concurrent activities on a worker never share a file.
 */
export class MediaScratch {
  private dir: Promise<string> | undefined;
  private files = 0;

  constructor(
    /** The activity's: a cancelled activity stops its downloads. */
    readonly signal: AbortSignal = new AbortController().signal,
    private readonly root = tmpdir(),
  ) {}

  /** A fresh file path in the folder. */
  async path(): Promise<string> {
    this.dir ??= mkdtemp(join(this.root, SCRATCH_PREFIX));
    this.files += 1;
    return join(await this.dir, `url-${this.files}`);
  }

  /** Removes the folder; a failure to (a file still open elsewhere) is no failure of the activity. */
  async dispose(): Promise<void> {
    const dir = this.dir;
    this.dir = undefined;
    if (dir) await rm(await dir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/**
 * Removes scratch folders left behind by workers killed mid-step (the `finally` that removes a
 * step's folder never ran): those older than a day, under `root`. Workers on one machine share the
 * temporary directory, so only folders no running step can still own are touched.
 */
export async function sweepStaleScratch(root = tmpdir(), now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith(SCRATCH_PREFIX)) continue;
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (!info?.isDirectory() || now - info.mtimeMs < STALE_SCRATCH_MS) continue;
    await rm(path, { recursive: true, force: true }).catch(() => undefined);
    removed += 1;
  }
  return removed;
}

import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
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
  private disposed = false;
  private readonly ended = new AbortController();
  /**
   * Fires when the activity is cancelled or the step ends: a download still running then (one of
   * several opened at once, after another failed) stops instead of filling a removed folder.
   */
  readonly signal: AbortSignal;

  constructor(
    /** The activity's: a cancelled activity stops its downloads. */
    activity: AbortSignal = new AbortController().signal,
    private readonly root = tmpdir(),
  ) {
    this.signal = AbortSignal.any([activity, this.ended.signal]);
  }

  /** A fresh file path in the folder, never one another download of this activity was given. */
  async path(): Promise<string> {
    if (this.disposed) throw new Error('The step has ended; its scratch folder is gone.');
    this.dir ??= mkdtemp(join(this.root, SCRATCH_PREFIX));
    // Numbered before the folder is awaited: concurrent downloads get distinct files.
    const name = `url-${++this.files}`;
    return join(await this.dir, name);
  }

  /**
   * Stops the downloads still running and removes the folder; a failure to remove it (a file
   * still open elsewhere) is no failure of the activity (the startup sweep takes it later).
   */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.ended.abort(new Error('the step ended'));
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
    // lstat: a link named like a scratch folder is not followed to whatever it points at.
    const info = await lstat(path).catch(() => undefined);
    if (!info?.isDirectory() || now - info.mtimeMs < STALE_SCRATCH_MS) continue;
    const gone = await rm(path, { recursive: true, force: true }).then(
      () => true,
      () => false,
    );
    if (gone) removed += 1;
  }
  return removed;
}

/**
 * How a platform's videos reach it: `pull` (the platform fetches Postflow's media URL) or
 * `upload` (the worker sends the file's bytes). The platforms that offer both name their own
 * setting (`POSTFLOW_TIKTOK_VIDEO_SOURCE`, `POSTFLOW_META_VIDEO_SOURCE`); `pull` by default.
 */
export type VideoSource = 'pull' | 'upload';

/** Reads one such setting; a bad value throws naming the variable (read at adapter creation, so at worker start). */
export function videoSourceSetting(
  setting: string,
  env: Record<string, string | undefined> = {},
): VideoSource {
  const raw = env[setting]?.trim() || 'pull';
  if (raw !== 'pull' && raw !== 'upload')
    throw new Error(`${setting} must be "pull" or "upload"; got "${raw}".`);
  return raw;
}

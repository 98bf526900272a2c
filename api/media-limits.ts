import type { FileLimits, MediaInfo, PlatformRules } from '../platforms/descriptor';

/** One file's problem with its platform's limits: where (`media[i]`) and what to do about it. */
export interface MediaLimitProblem {
  field: string;
  message: string;
}

/**
 * Holds each library item to its platform's documented limits for its kind (size, duration,
 * content type). Only what the library knows is checked: an item of unknown kind (a URL), an
 * unknown size or a duration the container did not give (not MP4/MOV) passes here and meets the
 * platform at publishing, where its own refusal is reported.
 */
export function mediaLimitProblems(
  platform: string,
  limits: PlatformRules['media']['limits'],
  media: readonly MediaInfo[],
): MediaLimitProblem[] {
  if (!limits) return [];
  const problems: MediaLimitProblem[] = [];
  media.forEach((item, i) => {
    const kind = item.kind === 'unknown' ? undefined : item.kind;
    const limit = kind && limits[kind];
    if (!kind || !limit) return;
    const field = `media[${i}]`;
    const what = kind === 'image' ? 'images' : 'videos';
    const say = (message: string) => problems.push({ field, message });
    if (limit.types && item.contentType && !limit.types.includes(item.contentType)) {
      say(`is ${item.contentType}; ${platform} takes ${what} as ${limit.types.join(', ')}. Convert it.`);
    }
    const size = item.sizeBytes;
    if (size !== undefined && limit.maxBytes !== undefined && size > limit.maxBytes) {
      say(`is ${shownSize(size)}; ${platform} takes ${what} up to ${limitSize(limit.maxBytes)}.`);
    }
    if (size !== undefined && limit.minBytes !== undefined && size < limit.minBytes) {
      say(`is ${shownSize(size)}; ${platform} takes ${what} of at least ${limitSize(limit.minBytes)}.`);
    }
    const seconds = item.durationSec;
    if (seconds !== undefined && limit.maxDurationSec !== undefined && seconds > limit.maxDurationSec) {
      say(
        `lasts ${shownDuration(seconds)}; ${platform} takes ${what} up to ${shownDuration(limit.maxDurationSec)}.`,
      );
    }
    if (seconds !== undefined && limit.minDurationSec !== undefined && seconds < limit.minDurationSec) {
      say(
        `lasts ${shownDuration(seconds)}; ${platform} takes ${what} of at least ${shownDuration(limit.minDurationSec)}.`,
      );
    }
  });
  return problems;
}

/** A platform's limits as `GET /v1/posts/validate?platform=` shows them (snake_case, bytes and seconds). */
export function limitsShown(limits: PlatformRules['media']['limits']) {
  if (!limits) return undefined;
  const shown: Partial<Record<'image' | 'video', Record<string, unknown>>> = {};
  for (const [kind, limit] of Object.entries(limits) as Array<['image' | 'video', FileLimits]>) {
    shown[kind] = {
      ...(limit.minBytes !== undefined ? { min_bytes: limit.minBytes } : {}),
      ...(limit.maxBytes !== undefined ? { max_bytes: limit.maxBytes } : {}),
      ...(limit.minDurationSec !== undefined ? { min_duration_sec: limit.minDurationSec } : {}),
      ...(limit.maxDurationSec !== undefined ? { max_duration_sec: limit.maxDurationSec } : {}),
      ...(limit.types ? { types: [...limit.types] } : {}),
    };
  }
  return shown;
}

const UNITS: Array<[number, string]> = [
  [1024 ** 3, 'GB'],
  [1024 ** 2, 'MB'],
  [1024, 'KB'],
];

/** A limit as platforms document it: "512 MB" for a whole number of binary units, else bytes. */
function limitSize(bytes: number): string {
  const unit = UNITS.find(([size]) => bytes >= size && bytes % size === 0);
  return unit ? `${bytes / unit[0]} ${unit[1]}` : `${bytes.toLocaleString('en-US')} bytes`;
}

/** A file's size to one decimal in the largest unit it reaches, with its exact bytes. */
function shownSize(bytes: number): string {
  const unit = UNITS.find(([size]) => bytes >= size);
  return unit
    ? `${(bytes / unit[0]).toFixed(1)} ${unit[1]} (${bytes.toLocaleString('en-US')} bytes)`
    : `${bytes} bytes`;
}

function shownDuration(seconds: number): string {
  if (seconds >= 3600 && seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds >= 60 && seconds % 60 === 0) return `${seconds / 60} min`;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

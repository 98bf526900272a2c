import { checkPlatformRules } from '../../api/platform-rules';
import { platformConstraints } from '../../api/validate';
import type { MediaInfo } from '../../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';

// Each platform's documented file limits, held in its descriptor and checked at creation against
// what the library knows of each item (docs/platforms.md, "Media sizes and limits").

const MB = 1024 * 1024;
const GB = 1024 * MB;
const content = (items: number) => ({
  text: 'hi',
  title: 'A title',
  media: Array.from({ length: items }, (_, i) => ({ source_type: 'media_id' as const, source: `med_${i}` })),
});
const video = (info: Partial<MediaInfo>): MediaInfo => ({ kind: 'video', contentType: 'video/mp4', ...info });
const image = (info: Partial<MediaInfo>): MediaInfo => ({
  kind: 'image',
  contentType: 'image/jpeg',
  ...info,
});
const options: Record<string, Record<string, unknown>> = {
  tiktok: { privacy_level: 'SELF_ONLY' },
  pinterest: { board_id: '1022106146619113835' },
};
/** The messages of the issues on `media[i]`, for one item posted alone to `platform`. */
const problems = (platform: string, item: MediaInfo) =>
  checkPlatformRules(platform, content(1), options[platform] ?? {}, `platform_data.${platform}`, [item])
    .filter((i) => i.field === 'media[0]')
    .map((i) => i.message);

test.each([
  ['youtube', video({ sizeBytes: 257 * GB }), 'youtube takes videos up to 256 GB'],
  ['youtube', video({ durationSec: 12 * 3600 + 1 }), 'youtube takes videos up to 12 h'],
  ['twitter', video({ sizeBytes: 513 * MB }), 'twitter takes videos up to 512 MB'],
  ['twitter', video({ durationSec: 0.4 }), 'twitter takes videos of at least 0.5 s'],
  ['tiktok', video({ sizeBytes: 4 * GB + 1 }), 'tiktok takes videos up to 4 GB'],
  ['tiktok', video({ durationSec: 2 }), 'tiktok takes videos of at least 3 s'],
  ['tiktok', image({ sizeBytes: 21 * MB }), 'tiktok takes images up to 20 MB'],
  ['instagram', video({ durationSec: 15 * 60 + 1 }), 'instagram takes videos up to 15 min'],
  ['threads', video({ sizeBytes: GB + 1 }), 'threads takes videos up to 1 GB'],
  ['facebook', video({ durationSec: 241 * 60 }), 'facebook takes videos up to 4 h'],
  ['pinterest', video({ durationSec: 3 }), 'pinterest takes videos of at least 4 s'],
  ['reddit', video({ durationSec: 15 * 60 + 1 }), 'reddit takes videos up to 15 min'],
  ['linkedin', video({ contentType: 'video/quicktime' }), 'linkedin takes videos as video/mp4'],
  ['linkedin', video({ durationSec: 2 }), 'linkedin takes videos of at least 3 s'],
  ['bluesky', video({ durationSec: 181 }), 'bluesky takes videos up to 3 min'],
  ['bluesky', image({ sizeBytes: 1_000_001 }), 'bluesky takes images up to 1,000,000 bytes'],
  ['telegram', video({ sizeBytes: 51 * MB }), 'telegram takes videos up to 50 MB'],
  ['google', image({ sizeBytes: 5 * 1024 }), 'google takes images of at least 10 KB'],
])('%s refuses %j at creation', (platform, item, message) => {
  const found = problems(platform, item);
  expect(found).toHaveLength(1);
  expect(found[0]).toContain(message);
});

test('a refusal says what the file is, in units and exact bytes', () => {
  expect(problems('twitter', video({ sizeBytes: 600 * MB }))).toEqual([
    'is 600.0 MB (629,145,600 bytes); twitter takes videos up to 512 MB.',
  ]);
  expect(problems('twitter', video({ durationSec: 150.5 }))).toEqual([
    'lasts 150.5 s; twitter takes videos up to 140 s.',
  ]);
});

test('files within the limits, and what the library does not know, pass', () => {
  expect(problems('youtube', video({ sizeBytes: 256 * GB, durationSec: 12 * 3600 }))).toEqual([]);
  expect(problems('twitter', video({ sizeBytes: 512 * MB, durationSec: 140 }))).toEqual([]);
  // A duration the container did not give (not MP4/MOV), a size not known, a URL of unknown kind.
  expect(problems('twitter', video({ contentType: 'video/webm' }))).toEqual([]);
  expect(problems('instagram', { kind: 'unknown' })).toEqual([]);
});

test('GET /v1/posts/validate?platform= shows the limits in bytes and seconds', () => {
  expect(platformConstraints('youtube')!.media.limits).toEqual({
    video: { max_bytes: 256 * GB, max_duration_sec: 12 * 3600 },
  });
  expect(platformConstraints('sandbox')!.media.limits).toBeUndefined();
});

test.each(
  PLATFORM_DESCRIPTORS.filter((d) => d.rules.media.limits).map((d) => [d.slug, d.rules.media] as const),
)('%s: its limits are for kinds it takes, each minimum under its maximum', (_slug, media) => {
  for (const [kind, limit] of Object.entries(media.limits!)) {
    if (media.kinds) expect(media.kinds).toContain(kind);
    if (limit.minBytes !== undefined && limit.maxBytes !== undefined)
      expect(limit.minBytes).toBeLessThan(limit.maxBytes);
    if (limit.minDurationSec !== undefined && limit.maxDurationSec !== undefined)
      expect(limit.minDurationSec).toBeLessThan(limit.maxDurationSec);
  }
});

import type { CreatorInfo } from '../../api/account-helpers';
import { type MediaLookup, normaliseParsedPost, parseCreatePost } from '../../api/normalise';
import type { MediaInfo } from '../../api/platform-rules';
import type { MediaRef } from '../../api/types';
import type { AccountHelperService } from '../../services/account-helpers';
import { creatorIssues } from '../../services/creator-checks';

/** The TikTok creator checks over a stand-in for the account helpers and the media library. */
const creator: CreatorInfo = {
  platform: 'tiktok',
  nickname: 'N',
  avatar_url: '',
  can_post: true,
  max_video_duration_sec: 600,
  privacy_level_options: ['PUBLIC_TO_EVERYONE', 'SELF_ONLY'],
  interaction_settings: { comment_disabled: false, duet_disabled: false, stitch_disabled: false },
};
/** Library media by id: a 10:30 video, a 9:59.5 one, one whose duration is unknown. */
const library: Record<string, MediaInfo> = {
  long: { kind: 'video', contentType: 'video/mp4', durationSec: 630.004 },
  short: { kind: 'video', contentType: 'video/mp4', durationSec: 599.5 },
  webm: { kind: 'video', contentType: 'video/webm' },
};
const media: MediaLookup = { problem: () => undefined, info: (m: MediaRef) => library[m.source] };
const accounts = {
  acc_tt: { platform: 'tiktok', status: 'active' as const },
  acc_tt2: { platform: 'tiktok', status: 'active' as const },
};

/** The issues of a create body; `info` undefined: TikTok or the worker could not be reached. */
async function issuesOf(body: Record<string, unknown>, info: CreatorInfo | undefined) {
  const helpers = { creatorInfoIfReachable: async () => info } as unknown as AccountHelperService;
  const parsed = parseCreatePost(body);
  const spec = normaliseParsedPost(parsed, {
    id: 'post_TEST',
    userId: 'usr_1',
    now: new Date('2026-12-05T09:00:00Z'),
    account: (id) => accounts[id as keyof typeof accounts],
    media,
  });
  return creatorIssues(helpers, 'usr_1', spec, parsed, media);
}
const target = (extra: Record<string, unknown> = {}) => ({
  account_id: 'acc_tt',
  platform_data: { privacy_level: 'SELF_ONLY' },
  ...extra,
});
const item = (source: string) => ({ source_type: 'media_id', source });

test("a video longer than the creator's maximum is refused on its field, saying both lengths and the fix", async () => {
  const issues = await issuesOf({ text: 'Long', media: [item('long')], targets: [target()] }, creator);
  expect(issues).toEqual([
    {
      field: 'media[0]',
      code: 'validation.field_invalid',
      platform: 'tiktok',
      message: expect.stringContaining('630.01 s long'),
    },
  ]);
  expect(issues[0].message).toContain('at most 600 s');
  expect(issues[0].message).toContain('Trim it to 600 s or less');
});

test("the field is the one the request used: media_ids, or the target's own media", async () => {
  const seed = await issuesOf(
    {
      account_ids: ['acc_tt'],
      media_ids: ['long'],
      platform_options: { tiktok: { privacy_level: 'SELF_ONLY' } },
      text: 'Seed',
    },
    creator,
  );
  expect(seed.map((i) => i.field)).toEqual(['media_ids[0]']);
  const own = await issuesOf(
    {
      text: 'Own',
      media: [item('short')],
      targets: [target(), target({ account_id: 'acc_tt2', media: [item('long')] })],
    },
    creator,
  );
  expect(own.map((i) => i.field)).toEqual(['targets[1].media[0]']);
  const ids = await issuesOf({ text: 'Ids', targets: [target({ media_ids: ['long'] })] }, creator);
  expect(ids.map((i) => i.field)).toEqual(['targets[0].media_ids[0]']);
});

test('no issue within the maximum, for an unknown duration, or when TikTok gave no maximum or no answer', async () => {
  expect(await issuesOf({ text: 'Fits', media: [item('short')], targets: [target()] }, creator)).toEqual([]);
  expect(await issuesOf({ text: 'Unknown', media: [item('webm')], targets: [target()] }, creator)).toEqual(
    [],
  );
  const url = { source_type: 'url', source: 'https://example.com/v.mp4' };
  expect(await issuesOf({ text: 'URL', media: [url], targets: [target()] }, creator)).toEqual([]);
  const body = { text: 'Long', media: [item('long')], targets: [target()] };
  expect(await issuesOf(body, { ...creator, max_video_duration_sec: 0 })).toEqual([]);
  expect(await issuesOf(body, undefined)).toEqual([]);
  expect(await issuesOf(body, { ...creator, max_video_duration_sec: 700 })).toEqual([]);
});

test('beside a privacy level the creator is not offered, both are named', async () => {
  const issues = await issuesOf(
    {
      text: 'Both',
      media: [item('long')],
      targets: [target({ platform_data: { privacy_level: 'FOLLOWER_OF_CREATOR' } })],
    },
    creator,
  );
  expect(issues.map((i) => i.field)).toEqual(['targets[0].platform_data.privacy_level', 'media[0]']);
});

test('comments, duets or stitches the creator turned off cannot be asked for; leaving them off is fine', async () => {
  const closed = {
    ...creator,
    interaction_settings: { comment_disabled: true, duet_disabled: true, stitch_disabled: false },
  };
  const asked = await issuesOf(
    {
      text: 'Talk to me',
      media: [item('short')],
      targets: [
        target({
          platform_data: {
            privacy_level: 'SELF_ONLY',
            disable_comment: false,
            disable_duet: true,
            disable_stitch: false,
          },
        }),
      ],
    },
    closed,
  );
  expect(asked).toEqual([
    {
      field: 'targets[0].platform_data.disable_comment',
      code: 'validation.field_invalid',
      platform: 'tiktok',
      message: expect.stringContaining('turned comments off in TikTok'),
    },
  ]);
  const seed = await issuesOf(
    {
      account_ids: ['acc_tt'],
      media_ids: ['short'],
      platform_options: { tiktok: { privacy_level: 'SELF_ONLY', disable_duet: false } },
      text: 'Duet me',
    },
    closed,
  );
  expect(seed.map((i) => i.field)).toEqual(['platform_options.tiktok.disable_duet']);
  expect(await issuesOf({ text: 'Quiet', media: [item('short')], targets: [target()] }, closed)).toEqual([]);
});

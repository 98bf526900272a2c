import type { PostContent, PostSpec, TargetSpec } from '../../api/types';
import { startedSpec } from '../../gateway/started-spec';
import { restaged, stageLeadMs, stagedLeads } from '../../gateway/stage-leads';
import { loadConfig, MAX_PRE_STAGE_SECONDS } from '../../runtime/config';

const video = { source_type: 'url', source: 'https://cdn.example/clip.mp4' } as const;
const target = (platform: string, accountId = `acc_${platform}`): TargetSpec => ({
  accountId,
  platform,
  options: {},
});
const content = (media: PostContent['media'] = []): PostContent => ({ text: 'hello', media });
const spec = (targets: TargetSpec[], media: PostContent['media'] = []) =>
  ({
    id: 'post_1',
    mode: 'scheduled',
    scheduledAt: '2030-01-01T09:00:00Z',
    content: content(media),
    targets,
  }) as unknown as PostSpec;

test('POSTFLOW_PRE_STAGE: on by default, off, or one lead in seconds; anything else refused with what it takes', () => {
  expect(loadConfig({}).preStage).toBe(true);
  expect(loadConfig({ POSTFLOW_PRE_STAGE: 'off' }).preStage).toBe(false);
  expect(loadConfig({ POSTFLOW_PRE_STAGE: '900' }).preStage).toBe(900_000);
  for (const bad of ['0', String(MAX_PRE_STAGE_SECONDS + 1), 'soon', '1e3', ' 60 '])
    expect(() => loadConfig({ POSTFLOW_PRE_STAGE: bad })).toThrow(
      `POSTFLOW_PRE_STAGE must be "on", "off" or a whole number of seconds from 1 to 3600, got "${bad}".`,
    );
});

test('stage leads follow the platform and the media: long uploads longest, containers next, no prepare none', () => {
  expect(stageLeadMs(target('youtube'), content([video]), false)).toBe(600_000);
  expect(stageLeadMs(target('instagram'), content([video]), false)).toBe(300_000);
  expect(stageLeadMs(target('mastodon'), content([video]), false)).toBe(120_000);
  // Threads makes a container even for text; Mastodon has nothing to do without media.
  expect(stageLeadMs(target('threads'), content(), false)).toBe(60_000);
  expect(stageLeadMs(target('mastodon'), content(), false)).toBe(0);
  // A target's own media count, as the activities apply its overrides.
  expect(stageLeadMs({ ...target('mastodon'), overrides: { media: [video] } }, content(), false)).toBe(
    120_000,
  );
  expect(stageLeadMs(target('sandbox'), content([video]), false)).toBe(0);
});

test('a post dispatched ahead carries its targets’ stage leads, longer than the call’s own; off or without a lead, none', () => {
  const post = spec([target('youtube'), target('sandbox'), target('threads')], [video]);
  expect(startedSpec(post, { preDispatchMs: 15_000 }).preStageMs).toEqual({
    acc_youtube: 600_000,
    acc_threads: 300_000,
  });
  expect(startedSpec(post, { preDispatchMs: 15_000, preStage: 90_000 }).preStageMs).toEqual({
    acc_youtube: 90_000,
    acc_threads: 90_000,
  });
  // Nothing to stage: the field still says the post was started with pre-staging on.
  expect(startedSpec(spec([target('sandbox')]), { preDispatchMs: 15_000 }).preStageMs).toEqual({});
  expect(startedSpec(post, { preDispatchMs: 15_000, preStage: false })).not.toHaveProperty('preStageMs');
  expect(startedSpec(post, {})).not.toHaveProperty('preStageMs');
});

test('an edit stages what the post now says; a post started without pre-staging stays without it', () => {
  const started = startedSpec(spec([target('mastodon')]), { preDispatchMs: 15_000 });
  expect(started.preStageMs).toEqual({});
  const withVideo = { ...started, content: content([video]) };
  expect(restaged(withVideo).preStageMs).toEqual({ acc_mastodon: 120_000 });
  expect(restaged(withVideo, 30_000).preStageMs).toEqual({ acc_mastodon: 30_000 });
  const unstaged = startedSpec(spec([target('mastodon')]), { preDispatchMs: 15_000, preStage: false });
  expect(restaged({ ...unstaged, content: content([video]) })).not.toHaveProperty('preStageMs');
  expect(stagedLeads(withVideo, 200_000)).toEqual({});
});

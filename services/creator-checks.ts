import type { Issue } from '../api/errors';
import type { MediaLookup, ParsedCreatePost } from '../api/normalise';
import type { PostSpec } from '../api/types';
import type { CreatorInfo } from '../api/account-helpers';
import type { AccountHelperService } from './account-helpers';

/**
 * TikTok targets against the creator's settings now (`GET /v1/accounts/{id}/creator-info`, cached
 * a minute): the privacy level must be one TikTok offers this creator, the creator must be
 * allowed to post, comments, duets and stitches the creator turned off in TikTok cannot be asked
 * for (`disable_*: false`), and a video must be no longer than the creator may post (where `media` knows
 * its duration). Publishing asks TikTok again (the adapter's prepare); this refuses early what
 * would fail then. When TikTok or the worker cannot be reached the post is not refused here.
 */
export async function creatorIssues(
  helpers: AccountHelperService | undefined,
  userId: string,
  spec: PostSpec,
  parsed: ParsedCreatePost,
  media?: MediaLookup,
): Promise<Issue[]> {
  if (!helpers) return [];
  const issues: Issue[] = [];
  const byTarget = !!parsed.data?.targets;
  for (const [i, target] of spec.targets.entries()) {
    if (target.platform !== 'tiktok') continue;
    const info = await helpers.creatorInfoIfReachable(userId, target.accountId);
    if (!info) continue;
    const accountField = byTarget ? `targets[${i}].account_id` : 'account_ids';
    if (!info.can_post) {
      issues.push({
        field: accountField,
        code: 'validation.field_invalid',
        message: `TikTok lets this creator (${target.accountId}) post nothing more right now (its daily cap, or a posting ban); try again later.`,
        platform: 'tiktok',
      });
      continue;
    }
    const optionsField = byTarget ? `targets[${i}].platform_data` : optionsRoot(parsed);
    const privacy = String(target.options.privacy_level ?? '');
    if (privacy && !info.privacy_level_options.includes(privacy)) {
      issues.push({
        field: `${optionsField}.privacy_level`,
        code: 'validation.field_invalid',
        message: `TikTok offers this creator ${info.privacy_level_options.join(', ') || 'no privacy level'}; ${privacy} is not one of them (GET /v1/accounts/${target.accountId}/creator-info).`,
        platform: 'tiktok',
      });
    }
    issues.push(...interactionIssues(info, target.options, optionsField, target.accountId));
    issues.push(...durationIssues(spec, i, info.max_video_duration_sec, parsed, media));
  }
  return issues;
}

/** The interactions a TikTok creator turned off in the app, by the option that asks for them. */
const INTERACTIONS = [
  ['disable_comment', 'comment_disabled', 'comments'],
  ['disable_duet', 'duet_disabled', 'duets'],
  ['disable_stitch', 'stitch_disabled', 'stitches'],
] as const;

/**
 * An interaction asked for (`disable_comment: false`…) that the creator turned off in TikTok:
 * TikTok's rules have apps grey the switch out, and publishing would keep it off, so asking for
 * it is refused rather than silently not done.
 */
function interactionIssues(
  info: CreatorInfo,
  options: Record<string, unknown>,
  root: string,
  accountId: string,
): Issue[] {
  return INTERACTIONS.filter(
    ([option, setting]) => options[option] === false && info.interaction_settings[setting],
  ).map(([option, , what]) => ({
    field: `${root}.${option}`,
    code: 'validation.field_invalid',
    message: `This creator (${accountId}) turned ${what} off in TikTok, so a post cannot allow them; remove ${option} or set it to true (GET /v1/accounts/${accountId}/creator-info shows the settings).`,
    platform: 'tiktok',
  }));
}

/**
 * Target `i`'s videos longer than `maxSec` (0: TikTok did not say, nothing is checked). A video
 * whose duration is unknown (a URL, a format whose length Postflow does not read) is left to
 * publishing, where TikTok refuses it if too long.
 */
function durationIssues(
  spec: PostSpec,
  i: number,
  maxSec: number,
  parsed: ParsedCreatePost,
  media: MediaLookup | undefined,
): Issue[] {
  if (!media || !(maxSec > 0)) return [];
  const target = spec.targets[i];
  const refs = target.overrides?.media ?? spec.content.media;
  return refs.flatMap((ref, j) => {
    const seconds = media.info(ref)?.durationSec;
    if (seconds === undefined || seconds <= maxSec) return [];
    const shown = Math.ceil(seconds * 100) / 100;
    return [
      {
        field: mediaField(parsed, target.overrides?.media ? i : undefined, j),
        code: 'validation.field_invalid',
        message: `This video is ${shown} s long; TikTok lets this creator (${target.accountId}) post videos of at most ${maxSec} s (GET /v1/accounts/${target.accountId}/creator-info). Trim it to ${maxSec} s or less and upload it again.`,
        platform: 'tiktok',
      },
    ];
  });
}

/**
 * Where media item `j` sits in the request, as the media checks name it (api/normalise.ts): in
 * `media` or `media_ids`, of target `target` when it gave its own, else of the post.
 */
function mediaField(parsed: ParsedCreatePost, target: number | undefined, j: number): string {
  const body = target === undefined ? parsed.data : parsed.data?.targets?.[target];
  const prefix = target === undefined ? '' : `targets[${target}].`;
  return `${prefix}${body?.media ? 'media' : 'media_ids'}[${j}]`;
}

/** Where a post-level TikTok option sits: `platform_options.tiktok` or `platform_data.tiktok`. */
function optionsRoot(parsed: ParsedCreatePost): string {
  const data = parsed.data as Record<string, unknown> | undefined;
  const root = data?.platform_data !== undefined ? 'platform_data' : 'platform_options';
  const options = data?.[root];
  return typeof options === 'object' && options !== null && 'tiktok' in options ? `${root}.tiktok` : root;
}

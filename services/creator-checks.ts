import type { Issue } from '../api/errors';
import type { ParsedCreatePost } from '../api/normalise';
import type { PostSpec } from '../api/types';
import type { AccountHelperService } from './account-helpers';

/**
 * TikTok targets against the creator's settings now (`GET /v1/accounts/{id}/creator-info`, cached
 * a minute): the privacy level must be one TikTok offers this creator, and the creator must be
 * allowed to post. Publishing asks TikTok again (the adapter's prepare); this refuses early what
 * would fail then. When TikTok or the worker cannot be reached the post is not refused here.
 */
export async function creatorIssues(
  helpers: AccountHelperService | undefined,
  userId: string,
  spec: PostSpec,
  parsed: ParsedCreatePost,
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
    const privacy = String(target.options.privacy_level ?? '');
    if (privacy && !info.privacy_level_options.includes(privacy)) {
      issues.push({
        field: `${byTarget ? `targets[${i}].platform_data` : optionsRoot(parsed)}.privacy_level`,
        code: 'validation.field_invalid',
        message: `TikTok offers this creator ${info.privacy_level_options.join(', ') || 'no privacy level'}; ${privacy} is not one of them (GET /v1/accounts/${target.accountId}/creator-info).`,
        platform: 'tiktok',
      });
    }
  }
  return issues;
}

/** Where a post-level TikTok option sits: `platform_options.tiktok` or `platform_data.tiktok`. */
function optionsRoot(parsed: ParsedCreatePost): string {
  const data = parsed.data as Record<string, unknown> | undefined;
  const root = data?.platform_data !== undefined ? 'platform_data' : 'platform_options';
  const options = data?.[root];
  return typeof options === 'object' && options !== null && 'tiktok' in options ? `${root}.tiktok` : root;
}

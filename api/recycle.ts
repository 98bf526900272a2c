import { PLATFORM_DESCRIPTORS } from '../platforms/descriptors';
import type { Issue } from './errors';
import { postIdForKey } from './post-id';
import type { CreatePostBody } from './schemas';
import type { PostSpec, RecycleSpec } from './types';

/**
 * Evergreen posts (`recycle`): a published post goes back into its accounts' queue `after_days`
 * later, `times` times. Each round is a new post whose id is derived from the original and the
 * round, so a round started twice (a retry, a worker killed mid-way) is one post.
 */

const DUPLICATE_REFUSERS = new Set(
  PLATFORM_DESCRIPTORS.filter((d) => d.rules.refusesDuplicateText).map((d) => d.slug),
);
const NAMES = new Map(PLATFORM_DESCRIPTORS.map((d) => [d.slug, d.displayName]));

/** The `recycle` of a new post, checked against its targets' platforms; issues name `recycle.*`. */
export function recycleOf(
  req: CreatePostBody,
  postId: string,
  platforms: readonly string[],
): { recycle?: RecycleSpec; issues: Issue[] } {
  const given = req.recycle;
  if (!given) return { issues: [] };
  const variations = given.variations ?? [];
  const issues: Issue[] = [];
  const refusers = [...new Set(platforms.filter((p) => DUPLICATE_REFUSERS.has(p)))];
  if (refusers.length) {
    const names = refusers.map((p) => NAMES.get(p) ?? p).join(' and ');
    const texts = [req.text.trim(), ...variations.slice(0, given.times)];
    if (variations.length < given.times || new Set(texts).size < texts.length) {
      issues.push({
        field: 'recycle.variations',
        code: 'validation.field_invalid',
        message: `${names} refuse${refusers.length > 1 ? '' : 's'} a text the account posted before: give ${given.times} variation(s), one new text per round, each different from the post's text and from one another.`,
      });
    }
  }
  if (variations.length > given.times) {
    issues.push({
      field: 'recycle.variations',
      code: 'validation.field_invalid',
      message: `has ${variations.length} texts for ${given.times} round(s); give at most one per round, or raise times.`,
    });
  }
  if (issues.length) return { issues };
  return {
    recycle: { afterDays: given.after_days, remaining: given.times, variations, originId: postId, round: 0 },
    issues: [],
  };
}

/** The text of round `round` (1 for the first recycle): its variation, cycling; else the post's own. */
export function roundText(recycle: RecycleSpec, ownText: string, round: number): string {
  const { variations } = recycle;
  return variations.length ? variations[(round - 1) % variations.length]! : ownText;
}

/** The id of an evergreen post's round: the same round of the same post is always the same post. */
export const recycledPostId = (userId: string, originId: string, round: number) =>
  postIdForKey(userId, `recycle ${originId} ${round}`);

/**
 * The next round of a published evergreen post, queued at `slotAt`: the same accounts, media and
 * options, the round's text (in place of the post's and of any target's own), the rounds left.
 */
export function recycledSpec(source: PostSpec, slotAt: string, now: Date): PostSpec {
  const recycle = source.recycle!;
  const round = recycle.round + 1;
  const text = roundText(recycle, source.content.text, round);
  const remaining = recycle.remaining - 1;
  const { recycle: _done, ...rest } = source;
  return {
    ...rest,
    id: recycledPostId(source.userId, recycle.originId, round),
    mode: 'scheduled',
    scheduledAt: new Date(slotAt).toISOString(),
    createdAt: now.toISOString(),
    content: { ...source.content, text },
    targets: source.targets.map(({ scheduledAt: _own, overrides, ...target }) => {
      const { text: _ownText, ...keep } = overrides ?? {};
      return { ...target, ...(Object.keys(keep).length ? { overrides: keep } : {}) };
    }),
    ...(remaining > 0 ? { recycle: { ...recycle, remaining, round } } : {}),
  };
}

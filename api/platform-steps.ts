import { byPlatform } from '../platforms/descriptors';
import type { PrepareStep } from '../platforms/descriptor';
import type { PostContent, TargetSpec } from './types';

/**
 * When a platform's delivery has work for its prepare step (docs/platforms.md, "Steps"), from
 * each descriptor's `prepareStep` (`always`, or `with-media`: only when the post has media to
 * upload). A platform missing here has no prepare step at all (its adapter defines no `prepare`).
 *
 * The workflow reads this table to skip a prepare activity that would do nothing: three history
 * events and a workflow task per target on the most common post. A test holds it to the adapters
 * (test/unit/platform-steps.test.ts); the contract suite runs deliveries the same way.
 */
export const PREPARE_STEP: Readonly<Record<string, PrepareStep>> = byPlatform((d) => d.prepareStep);

/** Whether this target's delivery must run the prepare step. Deterministic: the workflow calls it. */
export function needsPrepare(target: TargetSpec, content: PostContent): boolean {
  const need = PREPARE_STEP[target.platform];
  if (need === 'always') return true;
  if (need === undefined) return false;
  // The target's overrides apply as the activities apply them (activities/index.ts).
  const { media } = { ...content, ...target.overrides };
  return (media?.length ?? 0) > 0;
}

/** The platforms whose posts take a first comment (descriptors' `capabilities.comments`). */
const COMMENTS: Readonly<Record<string, true>> = byPlatform((d) =>
  d.capabilities.comments ? true : undefined,
);

/** Whether `platform` can carry a post's `first_comment`. Deterministic: the workflow calls it. */
export function takesComments(platform: string): boolean {
  return COMMENTS[platform] === true;
}

import { needsPrepare, uploadStep } from '../api/platform-steps';
import type { PostSpec, PreStage, TargetSpec } from '../api/types';

/*
 * Pre-staging (docs/performance.md "Pre-staging"): a target whose delivery has work before its
 * publish call (uploads, containers the platform processes) starts that work this long before its
 * instant, so that only the publish call is left for the instant itself. Sized per platform and
 * media from what the platforms document and the fakes reproduce: Meta's and Threads' video
 * containers process for 30–120 s after an upload; YouTube and TikTok move the whole file in
 * their upload step. Every lead stays far below the shortest expiry of what it makes (Meta's
 * containers, X's media ids: 24 hours), so what is staged is still good at the instant.
 */

/** A platform's lead when the target has media to upload, in seconds. */
const MEDIA_LEAD_S: Readonly<Record<string, number>> = {
  facebook: 300,
  instagram: 300,
  instagram_business: 300,
  threads: 300,
  youtube: 600,
  tiktok: 600,
  twitter: 180,
  linkedin: 180,
  linkedin_page: 180,
  pinterest: 180,
};
/** Any other platform's lead for a target with media to upload (one streamed request or a few). */
const OTHER_MEDIA_LEAD_S = 120;
/** The lead of a prepare without media (Threads' and Instagram's text containers, Bluesky's facets). */
const NO_MEDIA_LEAD_S = 60;

/**
 * How long before its instant this target's delivery starts, in ms; 0 when it has nothing to do
 * before its publish call (the publish call's own lead, `preDispatchMs`, applies).
 */
export function stageLeadMs(target: TargetSpec, content: PostSpec['content'], fileUpload: boolean): number {
  const { media = [] } = { ...content, ...target.overrides };
  const uploads =
    media.length > 0 &&
    (uploadStep(target, content, fileUpload) !== undefined || needsPrepare(target, content));
  if (uploads) return (MEDIA_LEAD_S[target.platform] ?? OTHER_MEDIA_LEAD_S) * 1000;
  return needsPrepare(target, content) ? NO_MEDIA_LEAD_S * 1000 : 0;
}

/**
 * The spec's `preStageMs`: each target's stage lead, when longer than the publish call's lead.
 * Run when a post starts and again when it is edited (its media may have changed).
 */
export function stagedLeads(spec: PostSpec, preDispatchMs: number, fixedMs?: number): Record<string, number> {
  const leads: Record<string, number> = {};
  for (const target of spec.targets) {
    let lead = stageLeadMs(target, spec.content, spec.fileUploads?.includes(target.platform) === true);
    // One lead set by the operator (`POSTFLOW_PRE_STAGE` in seconds) for every target that prepares.
    if (lead > 0 && fixedMs !== undefined) lead = fixedMs;
    if (lead > preDispatchMs) leads[target.accountId] = lead;
  }
  return leads;
}

/**
 * An edited spec of a post started with pre-staging: its leads again, from what it now says, by
 * the editing client's setting (`fixedMs`: its `POSTFLOW_PRE_STAGE` in ms when a number). A
 * client with pre-staging off still stages a post started with it on: its leads come from the table.
 */
export function restaged(spec: PostSpec, fixedMs?: number): PostSpec {
  if (spec.preStageMs === undefined || !spec.preDispatchMs) return spec;
  return { ...spec, preStageMs: stagedLeads(spec, spec.preDispatchMs, fixedMs) };
}

/** The fixed lead of a `PreStage`, if it is one. */
export const fixedLead = (preStage: PreStage | undefined): number | undefined =>
  typeof preStage === 'number' ? preStage : undefined;

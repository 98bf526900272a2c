import { createHash } from 'node:crypto';
import type { Context } from '@temporalio/activity';
import type { DeliveryJob } from '../api/types';
import type { UploadLedger } from '../platforms/kit/adapter';
import type { Store } from '../store/types';

/**
 * Long uploads that survive a crash (docs/platforms.md "Uploads that survive a crash"): the
 * `uploadTarget` activity's ledger. Its key is derived from the activity's identity (workflow,
 * run, activity id), which every retry of the activity shares, so an attempt on another worker
 * finds the session the killed one kept, without trusting anything but Postflow's store and the
 * platform's own answer. The session (a capability) is sealed in the store; heartbeat details,
 * which Temporal keeps in history on a failed attempt, carry only the key and the offset.
 */

/** What `uploadTarget` heartbeats: no secret, only where the upload stands. */
export interface UploadProgress {
  upload_key: string;
  /** Bytes the platform acknowledged. */
  offset: number;
  size: number;
}

/**
 * Platforms' upload sessions last a week at most (YouTube's resumable sessions); a kept session
 * older than this is of no use to anyone and is purged when a worker starts.
 */
export const UPLOAD_SESSION_TTL_MS = 8 * 86_400_000;

/** The opaque key of the upload this activity (and each of its retries) makes. */
export function uploadKey(info: Pick<Context['info'], 'workflowExecution' | 'activityId'>): string {
  const { workflowId = '', runId = '' } = info.workflowExecution ?? {};
  const digest = createHash('sha256').update(`${workflowId}\n${runId}\n${info.activityId}`).digest('hex');
  return `upl_${digest.slice(0, 32)}`;
}

/**
 * The key of a prepare that is the platform's upload step (X, Facebook, LinkedIn, Instagram): one
 * per post, account and media, whichever activity runs it. Temporal retries a cut attempt in
 * place, but the delivery also runs the prepare again as a new activity: after a token refresh,
 * or at the operator's retry (in a new run of the post's workflow, too). Each of those goes on in
 * the upload the first kept, never leaving it unfinished for a new one; the platform's answer
 * still decides (a kept upload it refuses is replaced once). The media are in the key: an edit
 * that changes them starts afresh.
 */
export function prepareUploadKey(workflowId: string, job: DeliveryJob): string {
  const media = job.target.overrides?.media ?? job.content.media;
  const identity = JSON.stringify(['prepare', workflowId, job.target.accountId, media]);
  return `upl_${createHash('sha256').update(identity).digest('hex').slice(0, 32)}`;
}

/** The progress an earlier attempt of this activity heartbeat last, if it was one of ours. */
export function earlierProgress(ctx: Pick<Context, 'info'>): UploadProgress | undefined {
  const details: unknown = ctx.info.heartbeatDetails;
  if (!details || typeof details !== 'object') return undefined;
  const { upload_key, offset, size } = details as Partial<UploadProgress>;
  return typeof upload_key === 'string' && typeof offset === 'number' && typeof size === 'number'
    ? { upload_key, offset, size }
    : undefined;
}

/**
 * The ledger of one upload: sessions in `store` under the activity's key; progress reported to
 * `report` (the activity's heartbeat), which keeps the latest for the periodic heartbeat too.
 */
export function uploadLedger(
  store: Store,
  job: DeliveryJob,
  key: string,
  report: (progress: UploadProgress) => void,
): UploadLedger {
  const { accountId, platform } = job.target;
  return {
    key,
    session: () => store.uploadSessions.get(key),
    keep: (session) => store.uploadSessions.keep(key, { accountId, platform, session }),
    forget: () => store.uploadSessions.drop(key),
    update: (session) => store.uploadSessions.update(key, session),
    progress: (offset, size) => report({ upload_key: key, offset, size }),
  };
}

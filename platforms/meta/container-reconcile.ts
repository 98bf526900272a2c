import type { DeliveryReceipt } from '../../api/types';
import { type Prepared, PublishError, type Reusable, type StepState } from '../kit/adapter';
import { platformFailure, postedSince } from '../kit/http';
import { type ContainerFields, type GraphCall, isGone, receiptFrom } from './graph';

/**
 * Reconcile by container, for Instagram and Threads (docs/platforms.md "Reconcile"). The publish
 * call (`media_publish`, `threads_publish`) consumes a FINISHED container and turns it PUBLISHED,
 * so after a lost answer the container itself says whether the post exists, at once and exactly,
 * where a search of the account's posts has to wait for the platform to list them.
 *
 * Meta's container statuses (IG Container `status_code`; Threads container `status`, with
 * `error_message`): EXPIRED (not published within 24 h), ERROR (failed to complete publishing),
 * FINISHED (ready to be published), IN_PROGRESS (still in the publishing process), PUBLISHED.
 * Neither container names the media it became: the post's id comes from the account's list.
 */
export type ContainerStatus = 'EXPIRED' | 'ERROR' | 'FINISHED' | 'IN_PROGRESS' | 'PUBLISHED';
const STATUSES: readonly string[] = ['EXPIRED', 'ERROR', 'FINISHED', 'IN_PROGRESS', 'PUBLISHED'];

/**
 * What `prepare` hands to `publish` for one container: its id, and when it was seen ready. The
 * publish call follows that moment, so a post it made is not older than `ready_at` (less skew).
 * Ids and a time only: this state lives in workflow history.
 */
export function readyContainer(container: string): Prepared {
  return { ready: { container, ready_at: new Date().toISOString() } };
}

/** What the container of the attempt whose outcome is unknown says about its publish call. */
export type ContainerVerdict =
  /** Consumed by the publish call: the post exists; its id is in the account's list. */
  | { published: true; since: string }
  /** Never consumed (FINISHED, EXPIRED, ERROR): publishing again cannot duplicate the post. */
  | { absent: true }
  /** No container in the state (older runs), or one this token cannot read: search the posts. */
  | { unknown: true };

/**
 * Reads the container `prepared` names. IN_PROGRESS after a publish call means Meta is still
 * publishing it, which is not "absent": a retryable failure makes the activity ask again.
 */
export async function containerVerdict(
  platform: string,
  api: GraphCall,
  prepared: StepState | undefined,
  fields: ContainerFields,
  since: string,
): Promise<ContainerVerdict> {
  const id = prepared?.container;
  if (typeof id !== 'string' || id === '') return { unknown: true };
  const status = await readStatus(api, id, fields);
  if (status === undefined) return { unknown: true };
  if (status === 'IN_PROGRESS') {
    throw platformFailure(
      platform,
      { category: 'platform', code: 'publishing', retryable: true },
      'the post is still being published; asking again.',
    );
  }
  if (status !== 'PUBLISHED') return { absent: true };
  const readyAt = typeof prepared?.ready_at === 'string' ? prepared.ready_at : '';
  return { published: true, since: Number.isNaN(Date.parse(readyAt)) ? since : readyAt };
}

/**
 * Whether the container a publish call was given, since proven absent, can be published again
 * (`PlatformAdapter.reusable`). Meta publishes a container once, so reusing it is Meta's own
 * guard against that first call landing late: FINISHED or still IN_PROGRESS → reuse; PUBLISHED →
 * the first call landed after all (`taken`); EXPIRED, ERROR, gone or unreadable → a new one.
 */
export async function containerReuse(
  api: GraphCall,
  prepared: StepState,
  fields: ContainerFields,
): Promise<Reusable> {
  const id = prepared.container;
  if (typeof id !== 'string' || id === '') return 'renew';
  const status = await readStatus(api, id, fields);
  if (status === 'PUBLISHED') return 'taken';
  return status === 'FINISHED' || status === 'IN_PROGRESS' ? 'reuse' : 'renew';
}

/** A container's status; undefined when it is gone, hidden from this token, or undocumented. */
async function readStatus(api: GraphCall, id: string, fields: ContainerFields) {
  try {
    const body = await api('GET', `/${encodeURIComponent(id)}`, { fields: fields.status });
    const status = String(body[fields.status] ?? '');
    return STATUSES.includes(status) ? (status as ContainerStatus) : undefined;
  } catch (err) {
    if (isGone(err) || isPermission(err)) return undefined;
    throw err; // an expired token (refreshed by the workflow), throttling, downtime
  }
}

function isPermission(err: unknown): boolean {
  return (
    err instanceof PublishError && err.failure.category === 'auth' && /\.permission$/.test(err.failure.code)
  );
}

/**
 * The published post among the account's listed posts: of those posted since the container was
 * ready that `matches`, the one closest in time to that moment (the publish call came right
 * after it). Posts nobody can tell apart by content (stories) are told apart by time only.
 * Not listed yet → a retryable failure: the post exists, so "absent" would be a lie.
 */
export function publishedAmong(
  platform: string,
  posts: unknown,
  since: string,
  matches: (post: Record<string, unknown>) => boolean,
  fields: { permalink: string; time: string },
): DeliveryReceipt {
  const readyAt = Date.parse(since);
  const distance = (post: Record<string, unknown>) => {
    const at = Date.parse(String(post[fields.time]));
    return Number.isNaN(at) ? Infinity : Math.abs(at - readyAt);
  };
  const found = (Array.isArray(posts) ? (posts as Array<Record<string, unknown>>) : [])
    .filter((post) => postedSince(post[fields.time], since) && matches(post))
    .sort((a, b) => distance(a) - distance(b))[0];
  if (found) return receiptFrom(String(found.id), found, fields);
  throw platformFailure(
    platform,
    { category: 'platform', code: 'not_listed_yet', retryable: true },
    'the post was published but the account does not list it yet; asking again.',
  );
}

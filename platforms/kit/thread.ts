import type { DeliveryReceipt, JsonValue } from '../../api/types';
import type { Published, PublishRequest, StepState } from './adapter';
import { stringList } from './content';
import { PublishError } from './adapter';
import { failedForGood, warningOf, withWarning } from './live-receipt';

/**
 * A thread (the post's `segments`): the post, then each segment as a reply to the one before,
 * after the post is live. Every reply is its own step (`checkPublished`), so progress survives a
 * crash: the chain so far travels in the step state. The platform's `reply` looks for the reply
 * before it makes it (a key derived from the delivery and the index, or the parent and the text:
 * the parent is unique to this delivery), so a retried step never posts a segment twice. A reply
 * refused for good ends the thread there: the post is live, so the target is published, with a
 * warning (live-receipt.ts), never failed (a retry would post the whole thread again).
 *
 * A reply that fails for a passing reason (a rate limit, an outage, a reply the platform calls a
 * duplicate but does not list) is tried again as a step of its own, a bounded number of times
 * (`REPLY_TRIES`), then the thread ends there with the same warning. The count travels in the
 * step state: were such failures thrown to Temporal instead, each would be retried in place for
 * hours and then handed to reconcile, which finds the live post and starts its thread again, so a
 * reply the platform never takes would keep the target `publishing` for ever. An expired token is
 * still thrown, for the engine to refresh it and run the step again.
 */

/** One post of a thread: its id and, where a reply must name more (Bluesky's content hash), that. */
export interface ThreadPost {
  id: string;
  cid?: string;
}

/** How one platform makes a thread's replies. */
export interface ThreadReplies {
  platform: string;
  /** The platform's name in the warning (`X refused part 3 of the thread`). */
  displayName: string;
  /**
   * Reply `index` (0 for the first segment) with `text`, under `chain` (the root first, then the
   * replies so far): the one a previous try made, if any, else a new one. `state` is the step
   * state; what `state` returns is kept for the next reply (a user id read once).
   */
  reply(
    req: PublishRequest,
    reply: { index: number; text: string; chain: ThreadPost[]; state: StepState },
  ): Promise<{ post: ThreadPost; state?: StepState }>;
  /** The root's receipt from its id, for step states from before the receipt was kept in them. */
  receiptOf?(req: PublishRequest, id: string): DeliveryReceipt;
}

/** Pause between two posts of a thread: each is its own step. */
const THREAD_STEP_MS = 1_000;
/** How often one reply is tried before the thread ends there with a warning. */
export const REPLY_TRIES = 8;
/** The pause before the second try of a reply; it doubles with every try, up to REPLY_PAUSE_MAX_MS. */
const REPLY_PAUSE_MS = 15_000;
const REPLY_PAUSE_MAX_MS = 15 * 60_000;

/**
 * The thread's replies, in order: the post's `segments`, or X's older `platform_data.thread`
 * (only X declares that option; a post may not carry both).
 */
export function threadOf(req: PublishRequest): string[] {
  if (req.content.segments?.length) return req.content.segments;
  return stringList(req.target.options.thread);
}

/**
 * After the publish call: the receipt when the post has no thread, else the step that makes its
 * first reply. `cid` is what a reply to the root must name besides its id, where the platform asks.
 */
export function startThread(
  req: PublishRequest,
  receipt: DeliveryReceipt,
  root: ThreadPost = { id: receipt.platformPostId },
  state: StepState = {},
): Published {
  if (threadOf(req).length === 0) return receipt;
  return next(receipt, [root], state);
}

/** Whether a `checkPublished` state is a thread's (the post is live; replies remain). */
export const isThreadState = (state: StepState): boolean => Array.isArray(state.thread_ids);

/** One step of a thread: its next reply, or the receipt once every segment is posted. */
export async function continueThread(
  req: PublishRequest,
  state: StepState,
  replies: ThreadReplies,
): Promise<Published> {
  const chain = chainOf(state);
  const receipt = rootReceipt(req, state, replies, chain[0]!.id);
  const segments = threadOf(req);
  const index = chain.length - 1;
  if (index >= segments.length) return finished(receipt, chain);
  try {
    const made = await replies.reply(req, { index, text: segments[index]!, chain, state });
    const grown = [...chain, made.post];
    const { reply_tries: _tried, ...carried } = { ...state, ...made.state };
    return grown.length > segments.length ? finished(receipt, grown) : next(receipt, grown, carried);
  } catch (err) {
    if (err instanceof PublishError && err.failure.refreshable) throw err;
    const tries = Number(state.reply_tries ?? 0) + 1;
    if (!failedForGood(err) && tries < REPLY_TRIES) {
      return next(receipt, chain, { ...state, reply_tries: tries }, replyPause(err, tries));
    }
    const why = `The post is live, but ${replies.displayName} ${
      failedForGood(err) ? 'refused' : `did not take, after ${tries} tries,`
    } part ${index + 2} of the thread; the thread stops there`;
    return withWarning(
      {
        ...receipt,
        metadata: {
          ...receipt.metadata,
          thread_post_ids: chain.map((p) => p.id),
          thread_failed_at_index: chain.length,
        },
      },
      warningOf(replies.platform, 'thread_incomplete', why, asPublishError(err)),
    );
  }
}

/** The pause before try `tries + 1` of a reply: what the platform asked for, else a doubling backoff. */
function replyPause(err: unknown, tries: number): number {
  const asked = err instanceof PublishError ? (err.failure.retryAfterMs ?? 0) : 0;
  return Math.min(Math.max(asked, REPLY_PAUSE_MS * 2 ** (tries - 1)), REPLY_PAUSE_MAX_MS);
}

/**
 * An unclassified error (a bug, an answer of an unknown shape) as the warning's cause. Its own
 * message stays out of the receipt: it was not written for users and may quote a request.
 */
function asPublishError(err: unknown): PublishError {
  if (err instanceof PublishError) return err;
  return new PublishError({
    category: 'platform',
    caused_by: 'platform',
    code: 'platform.unclassified',
    message: `an unexpected ${err instanceof Error ? err.name : 'error'}`,
    retryable: true,
    outcomeUnknown: false,
  });
}

/** The step that makes the next reply: the chain so far (ids, and cids where kept) and the root's receipt. */
function next(
  receipt: DeliveryReceipt,
  chain: ThreadPost[],
  state: StepState,
  pollAfterMs = THREAD_STEP_MS,
): Published {
  const processing: StepState = {
    ...state,
    thread_ids: chain.map((p) => p.id),
    receipt: receipt as unknown as JsonValue,
  };
  if (chain.some((p) => p.cid)) processing.thread_cids = chain.map((p) => p.cid ?? '');
  return { processing, pollAfterMs };
}

function chainOf(state: StepState): ThreadPost[] {
  const cids = stringList(state.thread_cids);
  return stringList(state.thread_ids).map((id, i) => (cids[i] ? { id, cid: cids[i] } : { id }));
}

function rootReceipt(req: PublishRequest, state: StepState, replies: ThreadReplies, id: string) {
  const kept = state.receipt;
  if (kept && typeof kept === 'object' && !Array.isArray(kept)) return kept as unknown as DeliveryReceipt;
  if (!replies.receiptOf) throw new Error(`${replies.platform}: a thread step without its root's receipt`);
  return replies.receiptOf(req, id);
}

/** The receipt of a whole thread: the root's, with every post's id, root first (`thread_post_ids`). */
function finished(receipt: DeliveryReceipt, chain: ThreadPost[]): DeliveryReceipt {
  return { ...receipt, metadata: { ...receipt.metadata, thread_post_ids: chain.map((p) => p.id) } };
}

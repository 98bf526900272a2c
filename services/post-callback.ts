import { createHash, randomBytes } from 'node:crypto';
import { validationError } from '../api/errors';
import type { ParsedCreatePost } from '../api/normalise';
import { FINAL_POST_EVENTS } from '../api/post-events';
import { outboundUrlIssue } from './outbound-url';
import type { Store } from '../store/types';

/**
 * A create body's `callback_url` becomes a webhook endpoint bound to the post, subscribed to its
 * final events, so the post's own event delivery (durable, signed, retried) calls it. The URL
 * gets `post_id` added, so the receiver knows which post to read. One endpoint per post and URL
 * (its id derives from both), however often the request is repeated.
 */
export class PostCallbacks {
  constructor(private readonly deps: { store: Store; allowPrivateUrls: boolean }) {}

  /** Registers `callbackUrl` (when a string) for the post; 400 for a URL the guard refuses. */
  async register(userId: string, callbackUrl: unknown, postId: string): Promise<void> {
    if (typeof callbackUrl !== 'string') return;
    const issue = await outboundUrlIssue(callbackUrl, 'callback_url', this.deps.allowPrivateUrls);
    if (issue) throw validationError([issue]);
    const url = new URL(callbackUrl);
    url.searchParams.set('post_id', postId);
    const id = `wh_cb_${createHash('sha256').update(`${postId}\n${callbackUrl}`).digest('hex').slice(0, 26)}`;
    const webhooks = this.deps.store.webhooks;
    if (await webhooks.get(id)) return;
    try {
      await webhooks.create({
        id,
        userId,
        url: url.toString(),
        events: FINAL_POST_EVENTS,
        secret: randomBytes(32).toString('hex'),
        postId,
      });
    } catch (err) {
      if (!(await webhooks.get(id))) throw err; // a concurrent repeat made it first: fine
    }
  }
}

/**
 * The `callback_url` a create request names: the parsed body's. A body the schema refuses can
 * still repeat an idempotency key, which answers with the key's post whatever the body says and
 * registers the repeat's caller too; for such a body the one field is read as sent.
 */
export function callbackUrlOf(parsed: ParsedCreatePost, body: unknown): unknown {
  if (parsed.success) return parsed.data.callback_url;
  return (body as { callback_url?: unknown } | null | undefined)?.callback_url;
}

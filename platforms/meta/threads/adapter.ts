import {
  type AdapterOptions,
  type CommentReceipt,
  type CommentRequest,
  isProcessing,
  type MediaFile,
  type PlatformAdapter,
  type Published,
  type PublishRequest,
} from '../../kit/adapter';
import { continueThread, isThreadState, startThread, type ThreadReplies } from '../../kit/thread';
import { type PlatformBody, platformFailure, postedSince } from '../../kit/http';
import { MAX_LOOKUP_PAGES, readWindow, searchWindow } from '../../kit/lookup-window';
import {
  assertMetaTokenFresh,
  type GraphCall,
  graphPages,
  type GraphParams,
  isGone,
  mediaKind,
  pendingContainers,
  receiptFrom,
  sameText,
} from '../graph';
import { searchableText } from '../../kit/content';
import { containerSteps } from '../family';
import { containerVerdict, publishedAmong } from '../container-reconcile';
import { mediaInsights } from '../insights';

const PLATFORM = 'threads';
const OFFICIAL_HOST = 'https://graph.threads.net';
const VERSION = 'v1.0';
/**
 * Threads advises waiting about 30 seconds on average before publishing a media container; the
 * status is asked straight away (text and most images are ready), then every 30 s.
 */
const CONTAINER_POLL_MS = 30_000;
const RECEIPT_POLL_MS = 5_000;
/** How many of the account's own threads a reconcile page holds. */
const RECONCILE_WINDOW = 25;
const CONTAINER = { status: 'status', detail: 'error_message' };
const POST_FIELDS = { permalink: 'permalink', time: 'timestamp' };
/** Clock skew allowed when asking Threads for posts `since` the delivery began. */
const SKEW_S = 120;
/** How many of a thread's replies a `findComment` page holds. */
const REPLY_WINDOW = 50;
/** The media insights `fetchMetrics` reads. */
const INSIGHTS = ['views', 'likes', 'replies', 'reposts', 'quotes'];

/**
 * Threads (Threads API, graph.threads.net). Credentials: `access_token` (a long-lived Threads
 * user token with `threads_basic` and `threads_content_publish`), `user_id` (else `me`),
 * `expires_at`; `refresh_token` optional (the same token). Errors are Graph errors: the family
 * table in ../graph.ts.
 *
 * prepare: one container (`POST /{user}/threads`, media_type TEXT, IMAGE or VIDEO with the
 * media's public URL, which Threads fetches), or a CAROUSEL container over 2–20 item
 * containers, each polled until FINISHED. publish: `POST /{user}/threads_publish`.
 * Reconcile: the status of the container the lost publish call was given
 * (../container-reconcile.ts): PUBLISHED → the post's id from the account's threads since the
 * container was ready; FINISHED, EXPIRED, ERROR → absent. Without a readable container: the
 * account's threads since the delivery began, by text. Delete: `DELETE /{id}`.
 *
 * First comment: a reply (`threads_manage_replies`), made like a post: a TEXT container with
 * `reply_to_id` (invisible; one not FINISHED at once is a plain retry, a new container next time),
 * then `threads_publish`, the irreversible call. Looked up among the thread's replies
 * (`GET /{thread-id}/replies`, `is_reply_owned_by_me`) by text; its permalink read once published
 * ('' when that read fails: the reply is made either way). A thread (the post's `segments`)
 * continues in `checkPublished` once the post's receipt is read, one reply per step, each made
 * like a first comment under the one before and looked up among that one's replies first
 * (kit/thread.ts); a first comment goes under the root.
 */
export function createThreadsAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const userPath = (req: Pick<PublishRequest, 'account'>) =>
    `/${encodeURIComponent(req.account.credentials.user_id || 'me')}`;
  const { client, container, begin, steps } = containerSteps(
    {
      platform: PLATFORM,
      officialHost: OFFICIAL_HOST,
      version: VERSION,
      refreshes: true,
      containerEdge: 'threads',
      publishEdge: 'threads_publish',
      itemsKey: 'items',
      container: CONTAINER,
      postFields: POST_FIELDS,
      containerPollMs: CONTAINER_POLL_MS,
      receiptPollMs: RECEIPT_POLL_MS,
      refreshGrant: 'th_refresh_token',
      userPath,
      postParams,
    },
    options,
  );

  /** A reply to `parent` (a TEXT container with `reply_to_id`, then `threads_publish`): its id. */
  const publishReply = async (req: PublishRequest | CommentRequest, parent: string, text: string) => {
    const api = client(req);
    const id = await container(api, req, { media_type: 'TEXT', text, reply_to_id: parent });
    if ((await pendingContainers(PLATFORM, api, [id], CONTAINER)).length) {
      throw platformFailure(
        PLATFORM,
        { category: 'platform', code: 'reply_not_ready', retryable: true },
        'the reply container was not ready yet; trying again (nothing was posted).',
      );
    }
    const body = await client(req, true)('POST', `${userPath(req)}/threads_publish`, { creation_id: id });
    return String(body.id);
  };

  /** The account's reply to `parent` with `text` made since `since`, among its newest replies. */
  const findReply = async (
    req: PublishRequest | CommentRequest,
    parent: string,
    text: string,
    since: string,
  ) => {
    // Newest first (`reverse`), page after page: a busy thread's replies cannot hide it.
    return searchWindow<PlatformBody>({
      platform: PLATFORM,
      what: `the thread has more than ${MAX_LOOKUP_PAGES * REPLY_WINDOW} replies`,
      read: graphPages(client(req), `/${encodeURIComponent(parent)}/replies`, {
        fields: 'id,text,timestamp,permalink,is_reply_owned_by_me',
        reverse: true,
        limit: REPLY_WINDOW,
      }),
      matches: (r) =>
        r.is_reply_owned_by_me === true && sameText(r.text, text) && postedSince(r.timestamp, since),
    });
  };

  /**
   * A thread's reply (kit/thread.ts): the account's reply to the previous post with this text, if
   * a previous try published it (the parent is unique to this delivery), else a new one.
   */
  const thread: ThreadReplies = {
    platform: PLATFORM,
    displayName: 'Threads',
    async reply(req, { text, chain }) {
      assertMetaTokenFresh(PLATFORM, req.account.credentials);
      const parent = chain.at(-1)!.id;
      const found = await findReply(req, parent, text, req.since);
      return { post: { id: found ? String(found.id) : await publishReply(req, parent, text) } };
    },
  };
  /** After the publish call, or the permalink read that followed it: the thread, if the post has one. */
  const threadAfter = (req: PublishRequest, published: Published) =>
    isProcessing(published) ? published : startThread(req, published);

  return {
    platform: PLATFORM,
    ...steps,

    async publish(req, prepared) {
      return threadAfter(req, await steps.publish(req, prepared));
    },

    /** A post found after a lost answer goes on with its thread's replies (each looked up first). */
    continueFound: (req, found) => startThread(req, found),

    async checkPublished(req, state) {
      if (isThreadState(state)) return continueThread(req, state, thread);
      return threadAfter(req, await steps.checkPublished(req, state));
    },

    async prepare(req) {
      assertMetaTokenFresh(PLATFORM, req.account.credentials); // before any call with a dying token
      const api = client(req);
      if (req.media.length === 0) {
        const o = req.target.options;
        const link = typeof o.link_attachment === 'string' ? { link_attachment: o.link_attachment } : {};
        const id = await container(api, req, { media_type: 'TEXT', ...postParams(req), ...link });
        return begin(req, [id]);
      }
      const carousel = req.media.length > 1;
      const items: string[] = [];
      for (const [i, file] of req.media.entries()) {
        const params = await itemParams(req, file, i);
        items.push(
          await container(
            api,
            req,
            carousel ? { ...params, is_carousel_item: true } : { ...params, ...postParams(req) },
          ),
        );
      }
      return begin(req, items);
    },

    async findExisting(req, prepared) {
      const api = client(req);
      const verdict = await containerVerdict(PLATFORM, api, prepared, CONTAINER, req.since);
      if ('absent' in verdict) return null;
      // The account's threads since `since`, newest first, page after page (kit/lookup-window.ts).
      const window = (since: string) => ({
        platform: PLATFORM,
        what: `the account has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} threads`,
        read: graphPages(api, `${userPath(req)}/threads`, {
          fields: 'id,text,timestamp,permalink,media_type',
          since: Math.floor(Date.parse(since) / 1000) - SKEW_S,
          limit: RECONCILE_WINDOW,
        }),
      });
      if ('published' in verdict) {
        // Known to exist: only its id is looked for (a post without text: the closest in time).
        const ours = (t: Record<string, unknown>) => sameText(t.text, req.content.text ?? '');
        return publishedAmong(
          PLATFORM,
          await readWindow(window(verdict.since)),
          verdict.since,
          ours,
          POST_FIELDS,
        );
      }
      // Without a readable container (older runs): the account's threads since then, by text.
      const text = searchableText(PLATFORM, req.content.text);
      const found = await searchWindow<PlatformBody>({
        ...window(req.since),
        matches: (t) => postedSince(t.timestamp, req.since) && sameText(t.text, text),
      });
      return found ? receiptFrom(String(found.id), found, POST_FIELDS) : null;
    },

    async comment(req) {
      assertMetaTokenFresh(PLATFORM, req.account.credentials);
      return replyReceipt(client(req), await publishReply(req, req.post.platformPostId, req.text));
    },

    async findComment(req) {
      const found = await findReply(req, req.post.platformPostId, req.text, req.since);
      return found ? { commentId: String(found.id), permalink: String(found.permalink ?? '') } : null;
    },

    /**
     * `GET /{threads-media-id}/insights?metric=views,likes,replies,reposts,quotes` (Threads Insights
     * API, Media Insights; `threads_manage_insights`). Reposts are the shares; quotes and views go
     * in `extra`. Threads counts no saves that an app can read. (The `shares` metric, sends, is
     * "in development" in the docs and not read.)
     */
    async fetchMetrics(req) {
      assertMetaTokenFresh(PLATFORM, req.account.credentials);
      const m = await mediaInsights(client(req), req.post.platformPostId, INSIGHTS);
      if (!m) return null; // deleted on Threads
      return {
        likes: m.likes!,
        comments: m.replies!,
        shares: m.reposts!,
        saves: 0,
        extra: { quotes: m.quotes!, views: m.views! },
      };
    },

    async unpublish(req) {
      try {
        await client(req)('DELETE', `/${encodeURIComponent(req.platformPostId)}`);
      } catch (err) {
        if (!isGone(err)) throw err; // already gone counts as deleted
      }
      return 'deleted';
    },
  };
}

/** A published reply's receipt: its permalink (a shortcode URL the id does not give) read once. */
async function replyReceipt(api: GraphCall, id: string): Promise<CommentReceipt> {
  const body = await api('GET', `/${encodeURIComponent(id)}`, { fields: 'permalink' }).catch(
    (): PlatformBody => ({}),
  );
  return { commentId: id, permalink: String(body.permalink ?? '') };
}

/** What belongs on the post itself (the single container, or the carousel's). */
function postParams(req: PublishRequest): GraphParams {
  const o = req.target.options;
  return {
    ...(req.content.text ? { text: req.content.text } : {}),
    ...(typeof o.reply_control === 'string' ? { reply_control: o.reply_control } : {}),
  };
}

/** One image or video by its public URL, with its alt text where given. */
async function itemParams(req: PublishRequest, file: MediaFile, i: number): Promise<GraphParams> {
  const url = await file.publicUrl();
  const o = req.target.options;
  const alt = Array.isArray(o.alt_texts) ? o.alt_texts[i] : i === 0 ? o.alt_text : undefined;
  return {
    ...(mediaKind(file) === 'video'
      ? { media_type: 'VIDEO', video_url: url }
      : { media_type: 'IMAGE', image_url: url }),
    ...(typeof alt === 'string' ? { alt_text: alt } : {}),
  };
}

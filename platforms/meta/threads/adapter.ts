import type {
  AdapterOptions,
  MediaFile,
  PlatformAdapter,
  Prepared,
  PublishRequest,
  StepState,
} from '../../kit/adapter';
import { postedSince } from '../../kit/http';
import {
  assertMetaTokenFresh,
  type GraphCall,
  graphClient,
  META_RENEW_WINDOW_MS,
  type GraphParams,
  type GraphSettings,
  isGone,
  mediaKind,
  pendingContainers,
  receiptFrom,
  liveMetaReceipt,
  receiptOrPoll,
  refreshLongLivedToken,
  sameText,
} from '../graph';
import { searchableText, stringList } from '../../kit/content';
import { containerReuse, containerVerdict, publishedAmong, readyContainer } from '../container-reconcile';

const PLATFORM = 'threads';
const OFFICIAL_HOST = 'https://graph.threads.net';
const VERSION = 'v1.0';
/**
 * Threads advises waiting about 30 seconds on average before publishing a media container; the
 * status is asked straight away (text and most images are ready), then every 30 s.
 */
const CONTAINER_POLL_MS = 30_000;
const RECEIPT_POLL_MS = 5_000;
/** How far back reconcile looks in the account's own threads. */
const RECONCILE_WINDOW = 25;
const CONTAINER = { status: 'status', detail: 'error_message' };
const POST_FIELDS = { permalink: 'permalink', time: 'timestamp' };
/** Clock skew allowed when asking Threads for posts `since` the delivery began. */
const SKEW_S = 120;

/**
 * Threads (Threads API, graph.threads.net). Credentials: `access_token` (a long-lived Threads
 * user token with `threads_basic` and `threads_content_publish`), `user_id` (else `me`),
 * `expires_at`; `refresh_token` optional (the same token). Errors are Graph errors: the family
 * table in meta-graph.ts.
 *
 * prepare: one container (`POST /{user}/threads`, media_type TEXT, IMAGE or VIDEO with the
 * media's public URL, which Threads fetches), or a CAROUSEL container over 2–20 item
 * containers, each polled until FINISHED. publish: `POST /{user}/threads_publish`.
 * Reconcile: the status of the container the lost publish call was given
 * (meta-container-reconcile.ts): PUBLISHED → the post's id from the account's threads since the
 * container was ready; FINISHED, EXPIRED, ERROR → absent. Without a readable container: the
 * account's threads since the delivery began, by text. Delete: `DELETE /{id}`.
 */
export function createThreadsAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const settings: GraphSettings = {
    platform: PLATFORM,
    baseUrl: options.baseUrl || OFFICIAL_HOST,
    version: VERSION,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    refreshes: true,
  };
  const client = graphClient(settings);
  const userPath = (req: PublishRequest) => `/${encodeURIComponent(req.account.credentials.user_id || 'me')}`;

  const container = async (api: GraphCall, req: PublishRequest, params: GraphParams) =>
    String((await api('POST', `${userPath(req)}/threads`, params)).id);

  /** Polls what is pending; once the items are ready, makes the carousel container over them. */
  const advance = async (req: PublishRequest, state: StepState): Promise<Prepared> => {
    const api = client(req);
    const pending = await pendingContainers(PLATFORM, api, stringList(state.pending), CONTAINER);
    if (pending.length) return { processing: { ...state, pending }, pollAfterMs: CONTAINER_POLL_MS };
    if (state.parent) return readyContainer(String(state.parent));
    const items = stringList(state.items);
    if (items.length === 1) return readyContainer(items[0]!);
    const parent = await container(api, req, {
      media_type: 'CAROUSEL',
      children: items.join(','),
      ...postParams(req),
    });
    return advance(req, { items, parent, pending: [parent] });
  };

  return {
    platform: PLATFORM,
    renewWindowMs: META_RENEW_WINDOW_MS,

    async prepare(req) {
      assertMetaTokenFresh(PLATFORM, req.account.credentials); // before any call with a dying token
      const api = client(req);
      if (req.media.length === 0) {
        const o = req.target.options;
        const link = typeof o.link_attachment === 'string' ? { link_attachment: o.link_attachment } : {};
        const id = await container(api, req, { media_type: 'TEXT', ...postParams(req), ...link });
        return advance(req, { items: [id], pending: [id] });
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
      return advance(req, { items, pending: items });
    },

    checkPrepared: advance,

    async reusable(req, prepared) {
      return containerReuse(client(req), prepared, CONTAINER);
    },

    async publish(req, prepared) {
      assertMetaTokenFresh(PLATFORM, req.account.credentials);
      const body = await client(req, true)('POST', `${userPath(req)}/threads_publish`, {
        creation_id: String(prepared.container),
      });
      return receiptOrPoll(client(req), String(body.id), POST_FIELDS, RECEIPT_POLL_MS);
    },

    async checkPublished(req, state) {
      return liveMetaReceipt(PLATFORM, client(req), state, POST_FIELDS);
    },

    async findExisting(req, prepared) {
      const api = client(req);
      const verdict = await containerVerdict(PLATFORM, api, prepared, CONTAINER, req.since);
      if ('absent' in verdict) return null;
      const threadsSince = async (since: string) =>
        (
          await api('GET', `${userPath(req)}/threads`, {
            fields: 'id,text,timestamp,permalink,media_type',
            since: Math.floor(Date.parse(since) / 1000) - SKEW_S,
            limit: RECONCILE_WINDOW,
          })
        ).data;
      if ('published' in verdict) {
        // Known to exist: only its id is looked for (a post without text: the closest in time).
        const ours = (t: Record<string, unknown>) => sameText(t.text, req.content.text ?? '');
        return publishedAmong(PLATFORM, await threadsSince(verdict.since), verdict.since, ours, POST_FIELDS);
      }
      // Without a readable container (older runs): the account's threads since then, by text.
      const text = searchableText(PLATFORM, req.content.text);
      const listed: unknown = await threadsSince(req.since);
      const found = (Array.isArray(listed) ? listed : []).find(
        (t: Record<string, unknown>) => postedSince(t.timestamp, req.since) && sameText(t.text, text),
      );
      return found ? receiptFrom(String(found.id), found, POST_FIELDS) : null;
    },

    async unpublish(req) {
      try {
        await client(req)('DELETE', `/${encodeURIComponent(req.platformPostId)}`);
      } catch (err) {
        if (!isGone(err)) throw err; // already gone counts as deleted
      }
      return 'deleted';
    },

    async refresh(account) {
      return refreshLongLivedToken(settings, 'th_refresh_token', account);
    },
  };
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

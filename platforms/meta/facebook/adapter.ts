import type { DeliveryReceipt } from '../../../api/types';
import type {
  AdapterOptions,
  PlatformAdapter,
  Prepared,
  PublishRequest,
  Published,
  StepState,
} from '../../kit/adapter';
import { failedForGood, liveReceipt, warningOf, withWarning } from '../../kit/live-receipt';
import { platformFailure, type PlatformBody, postedSince, rejected } from '../../kit/http';
import { MAX_LOOKUP_PAGES, searchWindow } from '../../kit/lookup-window';
import {
  type GraphCall,
  graphPages,
  type GraphParams,
  isGone,
  mediaKind,
  receiptFrom,
  sameText,
} from '../graph';
import { searchableText, stringList } from '../../kit/content';
import { metaGraph } from '../family';
import { commentEdge } from '../comments';
import { metaVideoSourceFrom } from '../upload';
import { uploadPageVideo } from './upload';

const PLATFORM = 'facebook';
/** Video uploads also go to graph.facebook.com (graph-video.facebook.com is deprecated). */
const OFFICIAL_HOST = 'https://graph.facebook.com';
const VERSION = 'v25.0';
/** Facebook processes a page video after the call that publishes it; poll its status. */
const VIDEO_POLL_MS = 10_000;
const RECEIPT_POLL_MS = 5_000;
/** A Page's posts (or videos) a reconcile page holds. */
const RECONCILE_WINDOW = 25;
const SKEW_S = 120;
const POST_FIELDS = { permalink: 'permalink_url', time: 'created_time' };

/**
 * Facebook Pages (Graph API). Credentials: `page_id` and `access_token`, a Page access token
 * (`pages_manage_posts`, `pages_read_engagement`). No refresh: a Page token obtained from a
 * long-lived User token has no expiration date (it dies only when the user changes password,
 * loses the Page role or removes the app), and there is no refresh grant for it — a 190 means
 * reconnecting. Errors: the family table in ../graph.ts.
 *
 * Text and link posts: `POST /{page}/feed`. One photo: `POST /{page}/photos` (public URL).
 * 2–10 photos: each uploaded unpublished in prepare (`published=false`, invisible), then one
 * feed post with `attached_media`. One video: `POST /{page}/videos` with `file_url`, then its
 * status polled until Facebook has processed it; with `POSTFLOW_META_VIDEO_SOURCE=upload`, the
 * prepare step sends the file by the Resumable Upload API (upload.ts) and the publish call makes
 * the video from its handle (`fbuploader_video_file_chunk`) instead of `file_url`. Reconcile: the Page's posts (and videos) since
 * the delivery began, by message. Delete: `DELETE /{id}`.
 *
 * First comment (`pages_manage_engagement`, `pages_read_engagement`): `POST /{page-post-id}/comments`
 * with `message`, made as the Page; looked up among the post's newest comments from the Page, by
 * text. Its link is the post's with `comment_id`.
 */
export function createFacebookAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const { client, settings } = metaGraph(
    { platform: PLATFORM, officialHost: OFFICIAL_HOST, version: VERSION, refreshes: false },
    options,
  );
  const videoSource = metaVideoSourceFrom(options.env);
  const uploadVideo = uploadPageVideo(settings, options);

  const receipt = async (api: GraphCall, id: string): Promise<DeliveryReceipt> => {
    const body = await api('GET', `/${encodeURIComponent(id)}`, { fields: 'permalink_url,created_time' });
    return absolute(receiptFrom(id, body, POST_FIELDS));
  };
  const receiptOrPoll = async (api: GraphCall, id: string): Promise<Published> => {
    try {
      return await receipt(api, id);
    } catch {
      // Never fail a done publish: checkPublished reads it again (and keeps when it went live).
      return {
        processing: { post_id: id, published_at: new Date().toISOString() },
        pollAfterMs: RECEIPT_POLL_MS,
      };
    }
  };
  const comments = commentEdge(client, {
    platform: PLATFORM,
    textField: 'message',
    timeField: 'created_time',
    listParams: { order: 'reverse_chronological' },
    mine: (c, req) => String(c.from?.id ?? '') === req.account.credentials.page_id,
    permalink: (req, id) => commentLink(req.post.permalink, id),
  });

  return {
    platform: PLATFORM,
    ...comments,

    async prepare(req, ledger): Promise<Prepared> {
      const kinds = req.media.map(mediaKind);
      if (kinds.includes('video')) {
        if (kinds.length > 1)
          throw rejected(PLATFORM, 'media', 'a video must be the only media of a Page post.');
        if (videoSource === 'pull') return { ready: { shape: 'video' } };
        // The bytes go now, before the publish call: a failure here publishes nothing.
        // With the prepare's ledger, a retry after a crash goes on in the session kept.
        const handle = await uploadVideo(client(req), req, req.media[0]!, ledger);
        return { ready: { shape: 'video', handle } };
      }
      if (kinds.length <= 1) return { ready: { shape: kinds.length ? 'photo' : 'text' } };
      // Several photos: uploaded unpublished (nobody sees them) and attached to one feed post.
      const api = client(req);
      const photos: string[] = [];
      for (const file of req.media) {
        const body = await api('POST', `${pagePath(req)}/photos`, {
          url: await file.publicUrl(),
          published: false,
        });
        photos.push(String(body.id));
      }
      return { ready: { shape: 'album', photos } };
    },

    async publish(req, prepared) {
      const api = client(req, true);
      const message = req.content.text ? { message: req.content.text } : {};
      if (prepared.shape === 'video') {
        const o = req.target.options;
        // A prepared handle (the file sent by upload), else the file's URL for Facebook to fetch.
        const source =
          typeof prepared.handle === 'string'
            ? { fbuploader_video_file_chunk: prepared.handle }
            : { file_url: await req.media[0]!.publicUrl() };
        const body = await api('POST', `${pagePath(req)}/videos`, {
          ...source,
          ...(req.content.text ? { description: req.content.text } : {}),
          ...(typeof o.title === 'string' ? { title: o.title } : {}),
        });
        return {
          processing: { video_id: String(body.id), published_at: new Date().toISOString() },
          pollAfterMs: VIDEO_POLL_MS,
        };
      }
      if (prepared.shape === 'photo') {
        const alt =
          typeof req.target.options.alt_text === 'string'
            ? { alt_text_custom: req.target.options.alt_text }
            : {};
        const body = await api('POST', `${pagePath(req)}/photos`, {
          url: await req.media[0]!.publicUrl(),
          ...(req.content.text ? { caption: req.content.text } : {}),
          ...alt,
        });
        return receiptOrPoll(client(req), String(body.post_id ?? body.id));
      }
      const attached: GraphParams = {};
      stringList(prepared.photos).forEach(
        (id, i) => (attached[`attached_media[${i}]`] = JSON.stringify({ media_fbid: id })),
      );
      const body = await api('POST', `${pagePath(req)}/feed`, {
        ...message,
        ...attached,
        ...feedOptions(req),
      });
      return receiptOrPoll(client(req), String(body.id));
    },

    async checkPublished(req, state) {
      const api = client(req);
      if (state.post_id) {
        return liveReceipt(
          () => receipt(api, String(state.post_id)),
          () => builtReceipt(req, state),
          (err) =>
            warningOf(
              PLATFORM,
              'permalink_unavailable',
              'The post is live, but Facebook did not give its link',
              err,
            ),
        );
      }
      const id = String(state.video_id);
      let body: PlatformBody;
      try {
        body = await api('GET', `/${encodeURIComponent(id)}`, {
          fields: 'status,permalink_url,created_time',
        });
      } catch (err) {
        // The video is on the Page already: a status read refused for good does not unpublish it.
        if (!failedForGood(err)) throw err;
        const why = 'The video is on the Page, but Facebook did not say whether it finished processing';
        return withWarning(
          builtReceipt(req, state),
          warningOf(PLATFORM, 'video_status_unavailable', why, err),
        );
      }
      const status = String(body.status?.video_status ?? '');
      if (status === 'ready') return absolute(receiptFrom(id, body, POST_FIELDS));
      if (status === 'error' || status === 'expired') {
        throw platformFailure(
          PLATFORM,
          { category: 'validation', code: 'video_failed' },
          `could not process the video (${status}); check its format (MP4 advised)${videoSource === 'pull' ? ' and that its URL is public' : ''}.`,
        );
      }
      return { processing: state, pollAfterMs: VIDEO_POLL_MS };
    },

    async findExisting(req, prepared) {
      const text = searchableText(PLATFORM, req.content.text);
      const api = client(req);
      // A look-up resolves no media (`req.media` is empty): what prepare made says whether the
      // post is a video. A video's post appears once it is processed; the video itself carries
      // the text at once, so a video is looked for among the Page's videos. A delivery that kept
      // no prepared state (from before it was passed) is looked for in both.
      const edges: Array<'posts' | 'videos'> =
        prepared?.shape === 'video' ? ['videos'] : prepared?.shape ? ['posts'] : ['posts', 'videos'];
      const since = Math.floor(Date.parse(req.since) / 1000) - SKEW_S;
      for (const edge of edges) {
        const video = edge === 'videos';
        const found = await searchWindow<PlatformBody>({
          platform: PLATFORM,
          what: `the Page has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} ${edge}`,
          read: graphPages(api, `${pagePath(req)}/${edge}`, {
            fields: video
              ? 'id,description,created_time,permalink_url'
              : 'id,message,created_time,permalink_url',
            since,
            limit: RECONCILE_WINDOW,
          }),
          until: { since: req.since, createdAt: (p) => p.created_time },
          matches: (p) =>
            postedSince(p.created_time, req.since) && sameText(video ? p.description : p.message, text),
        });
        if (found) return absolute(receiptFrom(String(found.id), found, POST_FIELDS));
      }
      return null;
    },

    /**
     * `GET /{page-post-id}?fields=reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares`
     * (Graph API Page Post: the reactions and comments edges' `summary.total_count`, the post's
     * `shares.count`, absent while nobody shared it; `pages_read_engagement`). Reactions of every
     * kind are the likes; Facebook has no saves an app can read. Impressions and reach are Page
     * insights (`pages_read_insights`), not read yet.
     */
    async fetchMetrics(req) {
      let body: PlatformBody;
      try {
        body = await client(req)('GET', `/${encodeURIComponent(req.post.platformPostId)}`, {
          fields: 'reactions.summary(total_count).limit(0),comments.summary(total_count).limit(0),shares',
        });
      } catch (err) {
        if (isGone(err)) return null; // deleted on the Page
        throw err;
      }
      const total = (edge: PlatformBody | undefined) => count(edge?.summary?.total_count);
      return {
        likes: total(body.reactions),
        comments: total(body.comments),
        shares: count(body.shares?.count),
        saves: 0,
        extra: {},
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

function pagePath(req: { account: PublishRequest['account'] }): string {
  const page = req.account.credentials.page_id;
  if (!page) throw rejected(PLATFORM, 'credentials', 'the account has no page_id; reconnect the Page.');
  return `/${encodeURIComponent(page)}`;
}

/**
 * Options of a feed post: `link` (a link preview), a call-to-action button on it
 * (`call_to_action` {type, value.link}), and the audience's ages (`feed_targeting` age_min/age_max).
 * Not re-confirmed in the stored docs: `feed_targeting` and `call_to_action` parameter shapes, and
 * `alt_text_custom` on photos and `file_url` on videos (the video guide now leads with the
 * Resumable Upload API, which `POSTFLOW_META_VIDEO_SOURCE=upload` follows: upload.ts); they follow
 * the Page feed/photos/videos references as last known.
 */
function feedOptions(req: PublishRequest): GraphParams {
  const o = req.target.options;
  const params: GraphParams = {};
  if (typeof o.link === 'string' && req.media.length === 0) params.link = o.link;
  if (typeof o.cta_type === 'string' && typeof params.link === 'string') {
    params.call_to_action = JSON.stringify({
      type: o.cta_type,
      value: { link: String(o.cta_link ?? params.link) },
    });
  }
  if (o.min_age !== undefined || o.max_age !== undefined) {
    params.feed_targeting = JSON.stringify({
      ...(o.min_age !== undefined ? { age_min: Number(o.min_age) } : {}),
      ...(o.max_age !== undefined ? { age_max: Number(o.max_age) } : {}),
    });
  }
  return params;
}

/**
 * The receipt of a live post whose permalink Facebook would not give: the link built from the ids
 * (`<page>_<post>` → the Page's post; a video → the Page's video), the time it went live.
 */
function builtReceipt(req: PublishRequest, state: StepState): DeliveryReceipt {
  const page = encodeURIComponent(req.account.credentials.page_id ?? '');
  const at = Date.parse(String(state.published_at ?? ''));
  const publishedAt = new Date(Number.isNaN(at) ? Date.now() : at).toISOString();
  if (state.video_id) {
    const id = String(state.video_id);
    return {
      platformPostId: id,
      permalink: `https://www.facebook.com/${page}/videos/${encodeURIComponent(id)}/`,
      publishedAt,
    };
  }
  const id = String(state.post_id);
  const [owner, post] = id.split('_');
  const permalink = post
    ? `https://www.facebook.com/${encodeURIComponent(owner!)}/posts/${encodeURIComponent(post)}`
    : `https://www.facebook.com/${encodeURIComponent(id)}`;
  return { platformPostId: id, permalink, publishedAt };
}

/** A comment's link: its post's, with `comment_id` (the part of `<post>_<comment>` after the `_`). */
function commentLink(postLink: string, commentId: string): string {
  if (!postLink) return '';
  const url = new URL(postLink);
  url.searchParams.set('comment_id', commentId.split('_').at(-1)!);
  return url.toString();
}

const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : 0);

/** Video permalinks come back relative (`/page/videos/1/`). */
function absolute(receipt: DeliveryReceipt): DeliveryReceipt {
  const link = receipt.permalink;
  return link.startsWith('/') ? { ...receipt, permalink: `https://www.facebook.com${link}` } : receipt;
}

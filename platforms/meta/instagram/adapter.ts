import type {
  AdapterOptions,
  CommentRequest,
  MediaFile,
  PlatformAdapter,
  PublishRequest,
} from '../../kit/adapter';
import { type PlatformBody, postedSince, rejected } from '../../kit/http';
import { MAX_LOOKUP_PAGES, readWindow, searchWindow } from '../../kit/lookup-window';
import {
  type GraphParams,
  graphPages,
  mediaKind,
  type MetaErrorRow,
  pendingContainers,
  receiptFrom,
  sameText,
} from '../graph';
import { searchableText } from '../../kit/content';
import { containerSteps } from '../family';
import { containerVerdict, publishedAmong } from '../container-reconcile';
import { commentEdge } from '../comments';
import { mediaInsights, refusedMetric } from '../insights';
import { type MetaVideoSource, metaVideoSourceFrom } from '../upload';
import { ruploadSender } from './rupload';
import { resumableContainer } from './resumable-container';

const VERSION = 'v25.0';
/**
 * Meta recommends querying a container's status once a minute (for up to five minutes). Image
 * containers are usually FINISHED at once: prepare asks straight away, so only videos wait.
 */
const CONTAINER_POLL_MS = 60_000;
/** The permalink of a just-published post, when its first lookup failed. */
const RECEIPT_POLL_MS = 5_000;
/** How many of the account's own media a reconcile page holds. */
const RECONCILE_WINDOW = 25;
const CONTAINER = { status: 'status_code', detail: 'status' };
const POST_FIELDS = { permalink: 'permalink', time: 'timestamp' };
const HOUR_MS = 3_600_000;
/** The media insights `fetchMetrics` reads. */
const INSIGHTS = ['likes', 'comments', 'shares', 'saved', 'views', 'reach'];
const STORY_INSIGHTS = ['views', 'reach', 'shares', 'replies'];

/**
 * Instagram's content-publishing errors (developers.facebook.com/docs/instagram-platform/
 * instagram-graph-api/reference/error-codes): matched by `error_subcode`, whatever the `code`
 * (Meta pairs them with -2, -1, 1, 4, 9, 24, 25, 36000…). The media-format rows (2207004–2207028,
 * 2207052) could not be re-read in full from the stored docs; their meanings follow the table's
 * published names.
 */
const INSTAGRAM_ERRORS: readonly MetaErrorRow[] = [
  {
    codes: [],
    subcodes: [2207001],
    rule: { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true },
  },
  // Download timeout, failed container creation, unknown upload error, temporary publish error,
  // media not ready yet: "try again" (a new attempt prepares new containers).
  {
    codes: [],
    subcodes: [2207003, 2207032, 2207053, 2207008, 2207027],
    rule: { category: 'platform', code: 'transient', retryable: true },
  },
  {
    codes: [],
    subcodes: [2207020],
    rule: { category: 'platform', code: 'container_expired', retryable: true },
  },
  // 2207042: the account's 24-hour publishing limit; Meta advises trying again the next day.
  {
    codes: [],
    subcodes: [2207042],
    rule: { category: 'rate_limit', code: 'publish_limit', retryable: true, retryAfterMs: 24 * HOUR_MS },
  },
  { codes: [], subcodes: [2207006], rule: { category: 'auth', code: 'permission', refreshable: true } },
  // The professional account is inactive, checkpointed or restricted: the user signs in to Instagram.
  { codes: [], subcodes: [2207050], rule: { category: 'auth', code: 'account_restricted' } },
  // Suspected spam: Instagram restricts the action; retrying would not help.
  { codes: [], subcodes: [2207051], rule: { category: 'validation', code: 'restricted' } },
  {
    codes: [],
    subcodes: [2207004, 2207005, 2207009, 2207010, 2207023, 2207026, 2207028, 2207052, 2207057],
    rule: { category: 'validation', code: 'media_rejected' },
  },
];

/** Postflow `content_type` → the container's `media_type` for a single item (feed images have none). */
type ContentType = 'feed' | 'reel' | 'carousel' | 'stories';

/**
 * One of Instagram's two publishing APIs: same containers, media, comments and error codes; what
 * differs is the host, where the account's Instagram id is kept, and the token.
 */
export interface InstagramFlow {
  platform: string;
  /** The official Graph host of this flow's tokens. */
  officialHost: string;
  /** The credential holding the professional account's Instagram id. */
  userIdKey: string;
  /** Meta's long-lived-token refresh grant; none where the token is not refreshed (Page tokens). */
  refreshGrant?: string;
}

/**
 * Instagram with Instagram Login (graph.instagram.com). Credentials: `access_token` (a long-lived
 * Instagram User token, `instagram_business_content_publish`), `user_id` (the professional
 * account's Instagram id), `expires_at`; `refresh_token` optional (the same token), refreshed with
 * `ig_refresh_token` in its last week.
 */
export function createInstagramAdapter(options: AdapterOptions = {}): PlatformAdapter {
  return createInstagramFlowAdapter(
    {
      platform: 'instagram',
      officialHost: 'https://graph.instagram.com',
      userIdKey: 'user_id',
      refreshGrant: 'ig_refresh_token',
    },
    options,
  );
}

/**
 * Instagram Content Publishing, for either flow (instagram_business/adapter.ts is the other).
 *
 * prepare: one container per item (`POST /{ig-user-id}/media` with the media's public URL, which
 * Instagram fetches; with `POSTFLOW_META_VIDEO_SOURCE=upload` a video's container is made with
 * `upload_type=resumable` and its bytes sent to the `uri` it answers, rupload.ts; after a crash the
 * prepare goes on in the container its `ledger` kept, resumable-container.ts), polled until
 * FINISHED; for a carousel, then the CAROUSEL container of the
 * children, polled too. publish: `POST /{ig-user-id}/media_publish`. Reconcile: the status of
 * the container the lost publish call was given (../container-reconcile.ts): PUBLISHED → the
 * post's id from the account's latest media (stories: current stories); FINISHED, EXPIRED, ERROR →
 * absent. Without a readable container: the latest media by caption since the delivery began
 * (stories: the account's current stories).
 * No delete: Postflow publishes no Instagram delete (Instagram Login has none).
 *
 * First comment (`instagram_business_manage_comments`, or `instagram_manage_comments` through
 * Facebook Login): `POST /{ig-media-id}/comments` with `message`; looked up among the media's
 * comments (`from` the account, by text). Stories take no comments: a story's first comment is
 * refused for good (a warning on the delivered target). Instagram has no documented URL for a
 * comment: its permalink is ''.
 */
export function createInstagramFlowAdapter(flow: InstagramFlow, options: AdapterOptions): PlatformAdapter {
  const { platform } = flow;
  const videoSource = metaVideoSourceFrom(options.env);
  const uploadVideo = resumableContainer({
    create: (api, req, params) => api('POST', `${userPath(req)}/media`, params),
    pending: async (api, id) => (await pendingContainers(platform, api, [id], CONTAINER)).length > 0,
    send: ruploadSender(platform, options, {
      officialHost: flow.officialHost,
      refreshes: !!flow.refreshGrant,
      errors: INSTAGRAM_ERRORS,
    }),
  });
  const userId = (req: Pick<PublishRequest, 'account'>): string => {
    const id = req.account.credentials[flow.userIdKey];
    if (!id) {
      throw rejected(
        platform,
        'credentials',
        `the account has no ${flow.userIdKey} (its Instagram id); reconnect it.`,
      );
    }
    return id;
  };
  const userPath = (req: Pick<PublishRequest, 'account'>) => `/${encodeURIComponent(userId(req))}`;
  const contentType = (req: PublishRequest) => contentTypeOf(platform, req);
  const { client, container, begin, steps, fresh } = containerSteps(
    {
      platform,
      officialHost: flow.officialHost,
      version: VERSION,
      refreshes: !!flow.refreshGrant,
      errors: INSTAGRAM_ERRORS,
      containerEdge: 'media',
      publishEdge: 'media_publish',
      itemsKey: 'children',
      container: CONTAINER,
      postFields: POST_FIELDS,
      containerPollMs: CONTAINER_POLL_MS,
      receiptPollMs: RECEIPT_POLL_MS,
      ...(flow.refreshGrant ? { refreshGrant: flow.refreshGrant } : {}),
      userPath,
      postParams: captionParams,
    },
    options,
  );
  const comments = commentEdge(client, {
    platform,
    textField: 'text',
    timeField: 'timestamp',
    // `from.id` is the commenter's Instagram id; the username too, where the account carries it.
    mine: (c, req) =>
      String(c.from?.id ?? '') === userId(req) ||
      (!!req.account.credentials.username && c.from?.username === req.account.credentials.username),
    permalink: () => '',
  });

  return {
    platform,
    ...steps,

    async comment(req) {
      refuseStoryComment(platform, req);
      fresh(req);
      return comments.comment(req);
    },

    findComment: comments.findComment,

    /**
     * `GET /{ig-media-id}/insights?metric=likes,comments,shares,saved,views,reach` (Instagram Media
     * Insights; `instagram_business_manage_insights`, through Facebook Login
     * `instagram_manage_insights`). `views` replaces the deprecated `impressions`/`plays` since
     * v22.0. Counts are organic only, as Meta documents them, and may lag up to 48 hours.
     */
    async fetchMetrics(req) {
      fresh(req);
      const api = client(req);
      const id = req.post.platformPostId;
      let m: Record<string, number> | null;
      try {
        m = await mediaInsights(api, id, INSIGHTS);
      } catch (err) {
        // A story answers #100 to likes, comments and saved: it has views, reach, shares and
        // replies (its comments), readable for 24 hours.
        if (!refusedMetric(err)) throw err;
        const story = await mediaInsights(api, id, STORY_INSIGHTS);
        if (!story) return null;
        const extra = { views: story.views!, reach: story.reach! };
        return { likes: 0, comments: story.replies!, shares: story.shares!, saves: 0, extra };
      }
      if (!m) return null; // deleted on Instagram
      return {
        likes: m.likes!,
        comments: m.comments!,
        shares: m.shares!,
        saves: m.saved!,
        extra: { views: m.views!, reach: m.reach! },
      };
    },

    helpers: {
      /**
       * `content_publishing_limit`: the posts the account may still publish through the API in
       * the moving 24 hours (Meta allows 100), as the contract's `posts_remaining`.
       */
      async limits(req): Promise<Record<string, number>> {
        fresh(req);
        const body = await client(req)('GET', `${userPath(req)}/content_publishing_limit`, {
          fields: 'quota_usage,config',
        });
        const row = Array.isArray(body.data) ? body.data[0] : undefined;
        const total = Number(row?.config?.quota_total);
        const used = Number(row?.quota_usage);
        if (!Number.isFinite(total) || !Number.isFinite(used)) return {};
        return { posts_remaining: Math.max(0, total - used) };
      },
    },

    async prepare(req, ledger) {
      fresh(req); // before any call with a dying token
      const type = contentType(req);
      if (req.media.length === 0)
        throw rejected(platform, 'media', 'every Instagram post needs an image or a video.');
      if (type === 'carousel' && req.media.length < 2) {
        throw rejected(platform, 'media', 'a carousel needs 2 to 10 items; use content_type feed for one.');
      }
      const api = client(req);
      const children: string[] = [];
      for (const [i, file] of req.media.entries()) {
        const params = await itemParams(platform, req, type, file, i, videoSource);
        if (params.upload_type !== 'resumable') children.push(await container(api, req, params));
        // The bytes go before the container is polled; a failure here publishes nothing.
        else children.push(await uploadVideo(api, req, params, file, ledger && { ledger, file: i }));
      }
      return begin(req, children);
    },

    async findExisting(req, prepared) {
      const stories = contentType(req) === 'stories';
      const api = client(req);
      const verdict = await containerVerdict(platform, api, prepared, CONTAINER, req.since);
      if ('absent' in verdict) return null;
      const edge = stories ? 'stories' : 'media';
      // Newest first, page after page back to `since` (kit/lookup-window.ts).
      const window = (since: string) => ({
        platform,
        what: `the account has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} ${edge === 'media' ? 'media' : 'stories'}`,
        read: graphPages(api, `${userPath(req)}/${edge}`, {
          fields: 'id,caption,timestamp,permalink,media_type',
          limit: RECONCILE_WINDOW,
        }),
        until: { since, createdAt: (m: PlatformBody) => m.timestamp },
      });
      if ('published' in verdict) {
        // Known to exist: only its id is looked for. A story (no caption) is the one closest in
        // time to the publish call, never merely "a story since the delivery began".
        const caption = req.content.text ?? '';
        const ours = (m: Record<string, unknown>) => stories || sameText(m.caption, caption);
        return publishedAmong(
          platform,
          await readWindow(window(verdict.since)),
          verdict.since,
          ours,
          POST_FIELDS,
        );
      }
      // Without a readable container (older runs): the account's media since then, by caption.
      const text = stories ? '' : searchableText(platform, req.content.text);
      const found = await searchWindow({
        ...window(req.since),
        matches: (m) =>
          postedSince(m.timestamp, req.since) &&
          // Stories have no caption: a story of this delivery is one posted since it began.
          (stories || sameText(m.caption, text)),
      });
      return found ? receiptFrom(String(found.id), found, POST_FIELDS) : null;
    },
  };
}

/** Stories take no comments (the IG Media comments edge refuses them): nothing to retry. */
function refuseStoryComment(platform: string, req: CommentRequest): void {
  if (req.target.options.content_type === 'stories') {
    throw rejected(
      platform,
      'story_comment',
      'Instagram stories take no comments; the story is live, its first_comment was not made.',
    );
  }
}

function contentTypeOf(platform: string, req: PublishRequest): ContentType {
  const type = String(req.target.options.content_type ?? '');
  if (type === 'feed' || type === 'reel' || type === 'carousel' || type === 'stories') return type;
  throw rejected(
    platform,
    'content_type',
    'set platform_data.content_type to feed, reel, carousel or stories.',
  );
}

/** The caption and options that belong on the published container (single item or carousel). */
function captionParams(req: PublishRequest): GraphParams {
  const o = req.target.options;
  return {
    ...(req.content.text ? { caption: req.content.text } : {}),
    ...(o.location_id ? { location_id: String(o.location_id) } : {}),
    ...(collaborators(o.collaborators).length
      ? { collaborators: JSON.stringify(collaborators(o.collaborators)) }
      : {}),
  };
}

/**
 * One item's container parameters: the media by public URL (or, for a video sent by upload,
 * `upload_type=resumable` instead of its URL), its kind, and its options.
 */
async function itemParams(
  platform: string,
  req: PublishRequest,
  type: ContentType,
  file: MediaFile,
  i: number,
  videoSource: MetaVideoSource,
): Promise<GraphParams> {
  const kind = mediaKind(file);
  const media: GraphParams =
    kind === 'image'
      ? { image_url: await file.publicUrl() }
      : videoSource === 'upload'
        ? { upload_type: 'resumable' }
        : { video_url: await file.publicUrl() };
  const o = req.target.options;
  const alt = typeof o.alt_text === 'string' && kind === 'image' ? { alt_text: o.alt_text } : {};
  if (type === 'carousel') {
    return { ...media, is_carousel_item: true, ...(kind === 'video' ? { media_type: 'VIDEO' } : {}), ...alt };
  }
  if (type === 'stories') return { ...media, media_type: 'STORIES' }; // stories take no caption
  if (i > 0)
    throw rejected(platform, 'media', `${type} takes one item; use content_type carousel for several.`);
  if (kind === 'image') {
    if (type === 'reel') throw rejected(platform, 'media', 'a reel needs a video.');
    return { ...media, ...alt, ...captionParams(req) };
  }
  // Since July 2023 every single video is published as a reel; a feed video is a reel shared to the feed.
  return {
    ...media,
    media_type: 'REELS',
    ...captionParams(req),
    share_to_feed: type === 'feed' ? true : o.share_to_feed !== false,
    ...(typeof o.cover_url === 'string' ? { cover_url: o.cover_url } : {}),
    ...(o.video_cover_timestamp_ms !== undefined ? { thumb_offset: Number(o.video_cover_timestamp_ms) } : {}),
  };
}

/** `collaborators` as SocialAPI takes it: an array, or one string of comma-separated usernames. */
function collaborators(value: unknown): string[] {
  const list = Array.isArray(value) ? value.map(String) : typeof value === 'string' ? value.split(',') : [];
  return list.map((u) => u.trim().replace(/^@/, '')).filter(Boolean);
}

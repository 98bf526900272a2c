import type { DeliveryReceipt } from '../../api/types';
import type {
  AccountContext,
  AdapterOptions,
  CommentReceipt,
  PlatformAdapter,
  MediaReader,
  PublishRequest,
  StepState,
} from '../kit/adapter';
import { bearerCaller, type CallContext } from '../kit/call';
import { sameText } from '../kit/content';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  postedSince,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { MAX_LOOKUP_PAGES, searchWindow, unsearchable } from '../kit/lookup-window';
import { memoryReader } from '../kit/media-reader';
import { metricCount } from '../kit/metric-count';
import { streamedForm } from '../kit/streamed-form';
import { assertTokenFresh, oauthClient, refreshOAuth2 } from '../kit/oauth2';
import type { MediaInfo } from '../descriptor';
import { REDDIT_MEDIA, redditKind, type RedditKind } from './descriptor';

const PLATFORM = 'reddit';
export const REDDIT_API_URL = 'https://oauth.reddit.com';
/** The token endpoint is on www.reddit.com, not the OAuth API's host. */
export const REDDIT_TOKEN_URL = 'https://www.reddit.com/api/v1/access_token';
/** Where permalinks point (the API answers paths: `/r/{sr}/comments/{id}/{slug}/`). */
const SITE = 'https://www.reddit.com';
/**
 * Reddit's API rules ask every client for a unique, descriptive User-Agent
 * (`<platform>:<app ID>:<version> (by /u/<username>)`) and throttle generic ones (a library's
 * default is refused with 429). `POSTFLOW_REDDIT_USER_AGENT` names the operator's own.
 */
const DEFAULT_USER_AGENT = 'server:postflow:0.1 (Postflow social publishing engine)';
/** The account's submissions a reconcile page holds (a Listing's largest page). */
const RECONCILE_WINDOW = 100;
/** How many of a post's newest comments `findComment` reads (its comment tree is not paged). */
const COMMENT_WINDOW = 100;
/**
 * An image or video submit answers without the post (its id arrives on a websocket once Reddit
 * has processed the media): the post is looked up in the account's submissions every 5 s, for up
 * to 10 minutes.
 */
const LISTED_POLL_MS = 5_000;
const LISTED_POLLS = 120;
/**
 * How long after its submit Reddit may take to list an image or video post: the same 10 minutes
 * `checkPublished` gives it. Reddit documents no bound; PRAW waits 10 s on the websocket by
 * default, and large videos take minutes to process, so 10 minutes is generous.
 */
const LISTING_BOUND_MS = LISTED_POLLS * LISTED_POLL_MS;
/**
 * For runs recorded before the engine passed `landsBy`: how long after prepare a submit can still
 * reach Reddit. The publish call follows prepare at once (Reddit's prepare answers ready) and is
 * aborted at its 5-minute deadline, plus the engine's 1-minute landing margin
 * (workflows/activity-proxies.ts PUBLISH_DEADLINE_MS, delivery.ts LANDING_MARGIN_MS).
 */
const SUBMIT_WINDOW_MS = 6 * 60_000;
/** Kinds whose post Reddit lists only once the media is processed (`media`: the kind is unknown). */
const LISTED_LATE: ReadonlySet<LookupKind> = new Set(['image', 'video', 'media']);
/**
 * A video post needs a poster image (`video_poster_url`); without one among the media, this 1×1
 * grey PNG is uploaded as PRAW uploads its default poster (Reddit shows the video's own frames
 * once processed).
 */
const DEFAULT_POSTER = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=',
  'base64',
);
const EXTENSIONS: Readonly<Record<string, string>> = {
  'image/jpeg': 'jpg',
  'image/png': 'png',
  'image/gif': 'gif',
  'video/mp4': 'mp4',
  'video/quicktime': 'mov',
};
/** Without a wait in Reddit's answer, a rate limit waits one minute (its limits are per minute). */
const RATE_WINDOW_MS = 60_000;

/**
 * Reddit's errors inside a 200 (`{ json: { errors: [[code, message, field]] } }`), by code. Any
 * other code is a refusal of the post (a bad title, a flair the subreddit lacks, text too long).
 */
const ERROR_CODES: Readonly<Record<string, FailureRule>> = {
  RATELIMIT: { category: 'rate_limit', code: 'rate_limit', retryable: true },
  SUBREDDIT_NOEXIST: { category: 'validation', code: 'subreddit_not_found' },
  SUBREDDIT_NOTALLOWED: { category: 'validation', code: 'not_allowed' },
  SUBREDDIT_REQUIRED: { category: 'validation', code: 'subreddit_required' },
  NO_SELFS: { category: 'validation', code: 'no_self_posts' },
  NO_LINKS: { category: 'validation', code: 'no_link_posts' },
  NO_IMAGES: { category: 'validation', code: 'no_image_posts' },
  NO_VIDEOS: { category: 'validation', code: 'no_video_posts' },
  ALREADY_SUB: { category: 'validation', code: 'already_submitted' },
  THREAD_LOCKED: { category: 'validation', code: 'locked' },
  TOO_OLD: { category: 'validation', code: 'archived' },
  DELETED_LINK: { category: 'validation', code: 'deleted' },
  // The token lost its user (a revoked or logged-out session): a refresh may bring it back.
  USER_REQUIRED: { category: 'auth', code: 'auth', refreshable: true },
};

/**
 * Reddit's HTTP errors (`{ message, error: <status> }`): 401 an expired or revoked token (refresh;
 * a refused refresh then marks the account), 403 a missing scope, a suspended account or a private
 * subreddit, 404 a thing that is not there (after a delete: gone already).
 */
const ERROR_STATUSES: Readonly<Record<number, FailureRule>> = {
  404: { category: 'validation', code: 'not_found' },
};

/**
 * Reddit, through its OAuth API (oauth.reddit.com; github.com/reddit-archive/reddit/wiki/OAuth2,
 * reddit.com/dev/api). Credentials: `access_token` (scopes `identity submit edit read history`),
 * `refresh_token` and `expires_at` for a permanent grant, optional `username`; the OAuth client
 * (script, installed or web app) is the account's `client_id`/`client_secret` or
 * `POSTFLOW_REDDIT_CLIENT_ID`/`_CLIENT_SECRET`, sent as HTTP Basic (an installed app's secret is
 * empty).
 *
 * prepare (media posts only): each file is leased (`POST /api/media/asset.json` with `filepath`
 * and `mimetype`, answering an S3 form `args` and the `asset`) and sent to the lease's S3 bucket
 * as that form plus `file`, the way Reddit's web client and PRAW (`Subreddit._upload_media`) do;
 * Reddit's API reference does not document it. An asset uploaded twice is harmless: an unused one
 * is never shown.
 *
 * publish: `POST /api/submit` (form, `api_type=json`), a self post (title, markdown text), a link
 * post (`url`), an image post (`kind=image`, `url` the uploaded file) or a video post
 * (`kind=video`, `video_poster_url` the uploaded poster) in the target's subreddit; a gallery is
 * `POST /api/submit_gallery_post.json` (items by `media_id`), which answers with the post. Image
 * and video submits answer without the post: Reddit announces it on the asset's websocket once the
 * media is processed. Postflow does not open the websocket (Node 20 has no WebSocket client without
 * a flag, and a connection held across a durable step would not survive a worker restart);
 * `checkPublished` looks the post up in the account's submissions instead, as reconcile does.
 * Reddit takes no idempotency key: reconcile reads the account's newest submissions
 * (`/user/{username}/submitted`) for the title, subreddit and kind, text (or URL) since the
 * delivery began. unpublish: `POST /api/del` (also when gone already). A
 * first comment is `POST /api/comment` on the post, looked up among the post's newest comments
 * (`/comments/{id}`) by author and text.
 */
export function createRedditAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const env = options.env ?? {};
  const baseUrl = (options.baseUrl || REDDIT_API_URL).replace(/\/$/, '');
  // The official token endpoint is on another host; a proxy or fake serves it under its own URL.
  const tokenUrl =
    env.POSTFLOW_REDDIT_TOKEN_URL ||
    (baseUrl === REDDIT_API_URL ? REDDIT_TOKEN_URL : `${baseUrl}/api/v1/access_token`);
  const userAgent = env.POSTFLOW_REDDIT_USER_AGENT || DEFAULT_USER_AGENT;
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    headers: { 'user-agent': userAgent, accept: 'application/json' },
    failure,
    // Reddit answers most refusals of a write with 200 and `json.errors`.
    failed: (response, body) => !response.ok || errorsOf(body).length > 0,
  });
  /** A call as the account; a form body is sent url-encoded (Reddit's writes take forms). */
  const call = (req: CallContext & { account: AccountContext }, irreversible = false) => {
    assertTokenFresh(PLATFORM, req.account.credentials);
    const send = caller(req, irreversible);
    return async (method: string, path: string, form?: Record<string, string>) =>
      (await send({ method, path, ...(form ? { body: new URLSearchParams(form) } : {}) })).body;
  };

  /** The account's username: from its credentials, else asked of Reddit (`identity`). */
  const usernameOf = async (req: CallContext & { account: AccountContext }) => {
    const known = req.account.credentials.username;
    if (known) return known;
    const me = await call(req)('GET', '/api/v1/me?raw_json=1');
    return String(me.name);
  };

  /**
   * The post among the account's newest submissions: in the subreddit, with the title, of the
   * kind (a self post's text, a link post's URL), made since the delivery began.
   */
  const lookup = async (req: PublishRequest, kind: LookupKind): Promise<DeliveryReceipt | null> => {
    const username = await usernameOf(req);
    const path = `/user/${encodeURIComponent(username)}/submitted`;
    const o = req.target.options;
    // Newest first, page after page (`after`: the last page's `data.after`) back to the delivery.
    const found = await searchWindow<PlatformBody>({
      platform: PLATFORM,
      what: `the account has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} submissions`,
      read: async (after) => {
        const page = after ? `&after=${encodeURIComponent(after)}` : '';
        const listing = await call(req)(
          'GET',
          `${path}?sort=new&limit=${RECONCILE_WINDOW}&raw_json=1${page}`,
        );
        return { items: children(listing), next: listing?.data?.after ?? undefined };
      },
      until: { since: req.since, createdAt: (p) => epoch(p.created_utc) },
      matches: (p) =>
        String(p.subreddit).toLowerCase() === String(o.sr).toLowerCase() &&
        sameText(p.title, req.content.title) &&
        isKind(p, kind, req) &&
        postedSince(epoch(p.created_utc), req.since),
    });
    return found ? receiptOf(found) : null;
  };

  // The S3 bucket is not Reddit's API: no account, so no bearer token, and S3's XML errors.
  const uploader = bearerCaller({
    platform: PLATFORM,
    baseUrl: '',
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    failure: uploadFailure,
  });

  /** One file leased and sent to Reddit's bucket: its asset id and the URL a submit names. */
  const upload = async (req: PublishRequest, name: string, file: MediaReader): Promise<StepState> => {
    const { contentType } = file;
    const filepath = `${name}.${EXTENSIONS[contentType] ?? 'bin'}`;
    const lease = await call(req)('POST', '/api/media/asset.json', { filepath, mimetype: contentType });
    const fields: unknown = lease.args?.fields;
    const assetId = lease.asset?.asset_id;
    if (typeof lease.args?.action !== 'string' || !Array.isArray(fields) || !assetId) {
      throw platformFailure(
        PLATFORM,
        { category: 'platform', code: 'lease_failed', retryable: true },
        'Reddit answered the media upload lease without an upload form.',
      );
    }
    // The action is protocol-relative (`//reddit-uploaded-media.s3-accelerate.amazonaws.com`):
    // https against Reddit's API, the fake's own scheme in tests.
    const action = new URL(lease.args.action, `${baseUrl}/`).href.replace(/\/$/, '');
    // The signed fields, then the file, read from storage as the request goes out (a video may
    // be 1 GB; S3's form upload takes it in one request).
    const signed: Record<string, string> = {};
    for (const field of fields as Array<{ name: string; value: string }>)
      signed[field.name] = String(field.value);
    const key = signed.key ?? '';
    const { body, headers } = streamedForm(signed, { field: 'file', filename: filepath, reader: file });
    await uploader({ signal: req.signal })({ method: 'POST', path: action, body, headers });
    return { asset_id: String(assetId), url: `${action}/${key}`, mimetype: contentType };
  };

  /** A gallery: one JSON call that answers with the post (PRAW's `submit_gallery`). */
  const gallery = async (req: PublishRequest, assets: Asset[]) => {
    const answer = await caller(
      req,
      true,
    )({
      method: 'POST',
      path: '/api/submit_gallery_post.json',
      json: {
        ...flags(req),
        api_type: 'json',
        show_error_list: true,
        validate_on_submit: true,
        items: assets.map((a) => ({ media_id: a.asset_id, caption: '', outbound_url: '' })),
      },
    });
    const data = answer.body.json?.data ?? {};
    const id = data.id ?? /\/gallery\/([a-z0-9]+)/.exec(String(data.url ?? ''))?.[1];
    if (!id) {
      throw platformFailure(
        PLATFORM,
        { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true },
        'Reddit answered the gallery without the post.',
        { irreversible: true },
      );
    }
    return {
      platformPostId: fullname(String(id)),
      permalink: String(data.url ?? ''),
      publishedAt: new Date().toISOString(),
    };
  };

  return {
    platform: PLATFORM,

    async prepare(req) {
      // URL media's type is known once opened: the kind (a video?) follows from what was opened.
      const files = await Promise.all(req.media.map((file) => file.open()));
      const kind = redditKind(req.target.options, files.map(infoOf));
      files.forEach((file, i) => assertMedia(kind, i, file.contentType, file.size));
      const assets: StepState[] = [];
      for (const [i, file] of files.entries()) {
        assets.push(await upload(req, `media-${i + 1}`, file));
      }
      if (kind === 'video' && assets.length === 1) {
        assets.push(await upload(req, 'poster', memoryReader(DEFAULT_POSTER, 'image/png')));
      }
      // When the submit may go out from: a lookup believes no media post only after its listing bound.
      return { ready: { kind, assets, preparedAt: Date.now() } };
    },

    async publish(req, prepared) {
      const kind = (prepared.kind as RedditKind | undefined) ?? redditKind(req.target.options, []);
      const assets = (prepared.assets ?? []) as unknown as Asset[];
      if (kind === 'gallery') return gallery(req, assets);
      const body = await call(req, true)('POST', '/api/submit', submission(req, kind, assets));
      const data = body.json?.data ?? {};
      if (data.id || data.name) {
        return {
          platformPostId: String(data.name ?? `t3_${data.id}`),
          permalink: String(data.url ?? ''),
          publishedAt: new Date().toISOString(),
        };
      }
      // An image or video post: Reddit lists it once the media is processed.
      return { processing: { kind, polls: 0 }, pollAfterMs: LISTED_POLL_MS };
    },

    async checkPublished(req, state) {
      const found = await lookup(req, state.kind as RedditKind);
      if (found) return found;
      const polls = Number(state.polls ?? 0) + 1;
      if (polls >= LISTED_POLLS) {
        throw platformFailure(
          PLATFORM,
          { category: 'platform', code: 'media_not_listed' },
          `Reddit took the ${String(state.kind)} post but it is not among the account's submissions ` +
            `after ${(LISTED_POLLS * LISTED_POLL_MS) / 60_000} minutes; Reddit may have failed to ` +
            'process the media. Check the account on reddit.com before posting again.',
        );
      }
      return { processing: { ...state, polls }, pollAfterMs: LISTED_POLL_MS };
    },

    async findExisting(req, prepared) {
      // Without what prepare made (a lookup after an older run), a post with media is any media post.
      const kind =
        (prepared?.kind as RedditKind | undefined) ??
        (req.content.media.length > 0 && req.target.options.kind === undefined
          ? 'media'
          : redditKind(req.target.options, []));
      const found = await lookup(req, kind);
      if (found || !LISTED_LATE.has(kind)) return found;
      // An image or video post is listed only once processed: before the bound has passed since
      // its submit could have landed, a miss proves nothing, so the lookup fails transiently and
      // is retried (the engine's FIND activity, with backoff) instead of answering "absent" and
      // letting the engine submit a second post. The engine says when the lost submit could last
      // have landed; without that (an older run), prepare's time (or else the delivery's start)
      // plus the submit window stands in for it.
      const landsBy = req.landsBy
        ? Date.parse(req.landsBy)
        : Number(prepared?.preparedAt ?? Date.parse(req.since)) + SUBMIT_WINDOW_MS;
      const wait = landsBy + LISTING_BOUND_MS - Date.now();
      if (wait > 0) {
        throw platformFailure(
          PLATFORM,
          { category: 'platform', code: 'media_not_listed_yet', retryable: true },
          `the ${kind} post may still be processing: Reddit lists it only once processed, so the ` +
            `lookup is made again in ${Math.ceil(wait / 1000)} s.`,
          { retryAfter: wait },
        );
      }
      return null;
    },

    async unpublish(req) {
      // Reddit answers `{}` whether or not the post was still there.
      await call(req)('POST', '/api/del', { id: fullname(req.platformPostId) });
      return 'deleted';
    },

    async comment(req) {
      const body = await call(req, true)('POST', '/api/comment', {
        api_type: 'json',
        thing_id: fullname(req.post.platformPostId),
        text: req.text,
        raw_json: '1',
      });
      const made = body.json?.data?.things?.[0]?.data;
      if (!made?.id) {
        throw platformFailure(
          PLATFORM,
          { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true },
          'Reddit answered the comment without the comment.',
          { irreversible: true },
        );
      }
      return commentReceiptOf(made);
    },

    async findComment(req) {
      const username = await usernameOf(req);
      const id = fullname(req.post.platformPostId).slice(3);
      const answer = await call(req)(
        'GET',
        `/comments/${encodeURIComponent(id)}?sort=new&limit=${COMMENT_WINDOW}&depth=1&raw_json=1`,
      );
      // `[the post's listing, its comments' listing]`; past `limit`, a `more` stub names the rest.
      const things: PlatformBody[] = Array.isArray(answer) ? (answer[1]?.data?.children ?? []) : [];
      const comments = things.filter((t) => t?.kind === 't1').map((t) => t.data as PlatformBody);
      const found = comments.find(
        (c) =>
          String(c.author).toLowerCase() === username.toLowerCase() &&
          c.parent_id === fullname(req.post.platformPostId) &&
          sameText(c.body, req.text) &&
          postedSince(epoch(c.created_utc), req.since),
      );
      if (found) return commentReceiptOf(found);
      // Newest first: comments left unlisted are older than the listed ones, so they matter only
      // while every listed one is from since the comment step began.
      const unlisted = things.some((t) => t?.kind === 'more');
      const reachesBack = comments.some((c) => !postedSince(epoch(c.created_utc), req.since));
      if (unlisted && !reachesBack) {
        throw unsearchable(PLATFORM, `the post has more than ${COMMENT_WINDOW} comments`);
      }
      return null;
    },

    async fetchMetrics(req) {
      // GET /api/info?id=t3_… (reddit.com/dev/api#GET_api_info, scope `read`): a Listing of the
      // Link thing with its `ups`, `score`, `upvote_ratio`, `num_comments`, `num_crossposts`.
      // Reddit shows no saves of others (`saved` is the reader's own) and fuzzes `downs` to 0.
      const body = await call(req)(
        'GET',
        `/api/info?id=${encodeURIComponent(fullname(req.post.platformPostId))}&raw_json=1`,
      );
      const [post] = children(body);
      // An unknown id answers an empty Listing; a post its author deleted stays listed, marked.
      if (!post || post.removed_by_category === 'deleted') return null;
      return {
        likes: metricCount(post.ups),
        comments: metricCount(post.num_comments),
        shares: metricCount(post.num_crossposts),
        saves: 0,
        extra: { score: metricCount(post.score), upvote_ratio: metricCount(post.upvote_ratio) },
      };
    },

    async refresh(account) {
      const client = oauthClient(PLATFORM, account.credentials, env);
      return refreshOAuth2({
        platform: PLATFORM,
        tokenUrl,
        clientId: client.clientId,
        ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
        refreshToken: account.credentials.refresh_token ?? '',
        clientAuth: 'basic',
        headers: { 'user-agent': userAgent },
      });
    },
  };
}

/** A file uploaded in prepare: its asset id, its URL in Reddit's bucket, its type. */
interface Asset {
  asset_id: string;
  url: string;
  mimetype: string;
}

/** What the rules know of a loaded media item. */
function infoOf(file: { contentType: string }): MediaInfo {
  const type = file.contentType;
  return { kind: type.startsWith('video/') ? 'video' : type.startsWith('image/') ? 'image' : 'unknown' };
}

/** URL media is checked now that its type and size are known (library media was at creation). */
function assertMedia(kind: RedditKind, index: number, contentType: string, size: number) {
  const video = kind === 'video' && index === 0;
  const types: readonly string[] = video ? REDDIT_MEDIA.videoTypes : REDDIT_MEDIA.imageTypes;
  const max = video ? REDDIT_MEDIA.videoMaxBytes : REDDIT_MEDIA.imageMaxBytes;
  if (!types.includes(contentType)) {
    throw rejected(
      PLATFORM,
      'media_type',
      `media[${index}] is ${contentType}; Reddit takes ${types.join(', ')} here.`,
    );
  }
  if (size > max) {
    throw rejected(
      PLATFORM,
      'media_too_large',
      `media[${index}] is ${size} bytes; Reddit takes at most ${max}.`,
    );
  }
}

/** The subreddit, title and flags every kind of post sends. */
function flags(req: PublishRequest) {
  const o = req.target.options;
  if (typeof o.sr !== 'string' || !o.sr) {
    throw rejected(PLATFORM, 'subreddit_required', 'the target has no sr; name the subreddit to post in.');
  }
  return {
    sr: o.sr,
    title: req.content.title ?? '',
    ...(typeof o.flair_id === 'string' ? { flair_id: o.flair_id } : {}),
    ...(typeof o.flair_text === 'string' ? { flair_text: o.flair_text } : {}),
    ...(o.nsfw !== undefined ? { nsfw: String(o.nsfw === true) } : {}),
    ...(o.spoiler !== undefined ? { spoiler: String(o.spoiler === true) } : {}),
    ...(o.sendreplies !== undefined ? { sendreplies: String(o.sendreplies === true) } : {}),
  };
}

/** The `POST /api/submit` form of a self, link, image or video post. */
function submission(req: PublishRequest, kind: RedditKind, assets: Asset[]): Record<string, string> {
  const o = req.target.options;
  const body: Record<string, string> =
    kind === 'link'
      ? { url: String(o.url), resubmit: 'true' }
      : kind === 'image'
        ? { url: assets[0]!.url, resubmit: 'true' }
        : kind === 'video'
          ? { url: assets[0]!.url, video_poster_url: assets[1]!.url, resubmit: 'true' }
          : { text: req.content.text };
  return { api_type: 'json', ...flags(req), kind, ...body, raw_json: '1' };
}

/** A kind of post to look for; `media`: an image, video or gallery post, not known which. */
type LookupKind = RedditKind | 'media';

/** Whether a listed post is of the kind this delivery makes (and, self or link, its text or URL). */
function isKind(p: PlatformBody, kind: LookupKind, req: PublishRequest): boolean {
  switch (kind) {
    case 'self':
      return p.is_self === true && sameText(p.selftext, req.content.text);
    case 'link':
      return p.url === req.target.options.url;
    case 'gallery':
      return p.is_gallery === true;
    case 'video':
      return p.is_video === true;
    case 'image':
      return p.is_self !== true && p.is_video !== true && p.is_gallery !== true;
    case 'media':
      return p.is_self !== true;
  }
}

/** `t3_<id>` for a post id with or without its kind prefix. */
const fullname = (id: string) => (id.startsWith('t3_') ? id : `t3_${id}`);

/** The things of a Listing (`{ kind: "Listing", data: { children: [{ kind, data }] } }`). */
function children(listing: unknown): PlatformBody[] {
  const list = (listing as PlatformBody | undefined)?.data?.children;
  return Array.isArray(list) ? list.map((c: PlatformBody) => c.data as PlatformBody) : [];
}

/** Reddit's `created_utc` (epoch seconds) as an instant. */
const epoch = (seconds: unknown) => new Date(Number(seconds) * 1000).toISOString();

function receiptOf(post: PlatformBody): DeliveryReceipt {
  return {
    platformPostId: String(post.name ?? `t3_${post.id}`),
    permalink: `${SITE}${String(post.permalink ?? '')}`,
    publishedAt: epoch(post.created_utc),
  };
}

function commentReceiptOf(comment: PlatformBody): CommentReceipt {
  return {
    commentId: String(comment.name ?? `t1_${comment.id}`),
    permalink: comment.permalink ? `${SITE}${String(comment.permalink)}` : '',
  };
}

/** The `[code, message, field]` errors of a `json` answer. */
function errorsOf(body: PlatformBody): unknown[][] {
  const errors = body.json?.errors;
  return Array.isArray(errors) ? errors.filter(Array.isArray) : [];
}

/**
 * S3's refusal of the upload form (`<Error><Code>…</Code><Message>…</Message></Error>`): a file
 * over the bucket's size limit (`EntityTooLarge`) fails for good; anything else (an expired or
 * refused form) is retried with a new lease.
 */
function uploadFailure(response: Response, body: PlatformBody) {
  const xml = String(body.text ?? '');
  const code = /<Code>([^<]*)<\/Code>/.exec(xml)?.[1] ?? `HTTP ${response.status}`;
  const said = /<Message>([^<]*)<\/Message>/.exec(xml)?.[1] ?? response.statusText;
  const rule: FailureRule =
    code === 'EntityTooLarge'
      ? { category: 'validation', code: 'media_too_large' }
      : { category: 'platform', code: 'upload_failed', retryable: true };
  return platformFailure(PLATFORM, rule, `Reddit's media bucket refused the upload: ${said} (${code})`);
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const [first] = errorsOf(body);
  if (response.ok && first) {
    const [code, message, field] = first.map((part) => String(part ?? ''));
    const rule = ERROR_CODES[code!] ?? { category: 'validation', code: 'rejected' };
    const retryAfter = code === 'RATELIMIT' ? rateLimitWait(body, message!) : undefined;
    const err = platformFailure(PLATFORM, rule, `${message} (${code}${field ? `, ${field}` : ''})`, {
      irreversible,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    });
    return Object.assign(err, { status });
  }
  const rule = ERROR_STATUSES[status] ?? ruleForStatus(status);
  const retryAfter = status === 429 ? resetWait(response.headers) : undefined;
  const said = body.message ?? body.explanation ?? body.reason ?? body.text ?? response.statusText;
  const err = platformFailure(PLATFORM, rule, `${String(said)} (HTTP ${status})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  return Object.assign(err, { status });
}

/**
 * A 429's wait: `Retry-After`, else `x-ratelimit-reset`, which Reddit sends as the seconds left
 * in the current window (not an epoch), else one window.
 */
function resetWait(headers: Headers): number {
  const after = retryAfterMs(headers);
  if (after !== undefined) return after;
  const reset = Number(headers.get('x-ratelimit-reset'));
  return Number.isFinite(reset) && reset > 0 ? reset * 1000 : RATE_WINDOW_MS;
}

/**
 * A `RATELIMIT` error's wait: the `json.ratelimit` seconds Reddit sends beside it, else the
 * "try again in 5 minutes" of its message, else one window.
 */
function rateLimitWait(body: PlatformBody, message: string): number {
  const seconds = Number(body.json?.ratelimit);
  if (Number.isFinite(seconds) && seconds > 0) return Math.ceil(seconds * 1000);
  const said = /(\d+)\s*(second|minute|hour)/i.exec(message);
  if (!said) return RATE_WINDOW_MS;
  const unit = { second: 1_000, minute: 60_000, hour: 3_600_000 }[said[2]!.toLowerCase()]!;
  return Number(said[1]) * unit;
}

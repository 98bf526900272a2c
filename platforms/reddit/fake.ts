import { createHash } from 'node:crypto';
import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface FakeSubmission {
  id: string;
  author: string;
  subreddit: string;
  kind: 'self' | 'link' | 'image' | 'video' | 'gallery';
  title: string;
  selftext: string;
  url: string;
  createdUtc: number;
  flairId: string | null;
  flairText: string | null;
  nsfw: boolean;
  spoiler: boolean;
  sendReplies: boolean;
  /** The uploaded assets the post shows (a video's poster included). */
  media: FakeAsset[];
  /** Listing reads before a media post appears (Reddit lists it once the media is processed). */
  hiddenReads: number;
}

/** A media upload lease (`/api/media/asset.json`) and whether its file reached the bucket. */
export interface FakeAsset {
  id: string;
  user: string;
  key: string;
  mimetype: string;
  uploaded: boolean;
  bytes: number;
  /** SHA-256 (hex) of the file as it reached the bucket, and how many form POSTs brought it. */
  sha256?: string;
  posts: number;
}

export interface FakeComment {
  id: string;
  author: string;
  linkId: string;
  body: string;
  createdUtc: number;
}

const TITLE_MAX = 300;
const TEXT_MAX = 40_000;
/** The bucket's limits: images 20 MB, videos 1 GB. */
const IMAGE_MAX = 20 * 1024 * 1024;
const VIDEO_MAX = 1024 * 1024 * 1024;
const MIMETYPES = ['image/jpeg', 'image/png', 'image/gif', 'video/mp4', 'video/quicktime'];

/**
 * Reddit's OAuth API as its reference documents it (reddit.com/dev/api) and it answers:
 * `POST /api/submit` and `/api/comment` with `api_type=json` (refusals as 200 with
 * `{ json: { errors: [[code, message, field]] } }`), Listings for `/user/{name}/submitted` and
 * `/comments/{id}`, `POST /api/del` answering `{}` even for a deleted post, `{ message, error }`
 * for HTTP errors, the refresh grant at `/api/v1/access_token` (HTTP Basic client, no rotation;
 * a dead refresh token answers `{ error: "invalid_grant" }`), and a User-Agent required on
 * every call (a library's default is throttled with 429).
 *
 * Media as Reddit's web client and PRAW meet it (undocumented by Reddit): `POST
 * /api/media/asset.json` leases an S3 form (`args.action` protocol-relative, `args.fields`) and an
 * asset; the bucket (`/media-upload` here) takes the form and `file`, answers 201 with XML, and
 * refuses with S3's XML errors (403 `AccessDenied`, 400 `EntityTooLarge`); `kind=image`/`video`
 * submits answer `{ json: { errors: [], data: { user_submitted_page, websocket_url } } }` without
 * the post, which appears in the submitted listing after `mediaDelayReads` reads; a gallery
 * (`/api/submit_gallery_post.json`, JSON) answers with the post.
 */
export class RedditFake extends FakePlatform {
  readonly submissions: FakeSubmission[] = [];
  readonly comments: FakeComment[] = [];
  /** Posts their author deleted: Reddit still lists them by id, marked `removed_by_category: "deleted"`. */
  readonly deleted: FakeSubmission[] = [];
  /** A Link's vote and comment counts (`ups`, `score`, `upvote_ratio`, `num_comments`, …), by post id; 0 where unset. */
  readonly engagement = new Map<string, Record<string, number>>();
  /** Subreddits that exist (any other is SUBREDDIT_NOEXIST). */
  readonly subreddits = new Set(['postflow', 'test', 'textonly', 'mods']);
  /** Subreddits that take no image or video posts (NO_IMAGES, NO_VIDEOS). */
  readonly noMedia = new Set(['textonly']);
  /** Subreddits where only approved users post (SUBREDDIT_NOTALLOWED). */
  readonly restricted = new Set(['mods']);
  /** Media leases by asset id. */
  readonly assets = new Map<string, FakeAsset>();
  /** How many listing reads a new image or video post stays out of the submitted listing. */
  mediaDelayReads = 0;
  /** access token → username. */
  private readonly users = new Map<string, string>();
  /** refresh token → username. */
  private readonly refreshUsers = new Map<string, string>();
  /** Who consents on the consent page. */
  consentingUser = 'postflow_bot';
  /** The User-Agent each request carried, for tests. */
  readonly userAgents: string[] = [];
  private seq = 0;

  constructor(
    readonly clientId = 'client-1',
    readonly clientSecret = 'secret-1',
  ) {
    super('reddit');
    this.routes.push(...this.endpoints());
  }

  override oauthApp() {
    return { clientId: this.clientId, clientSecret: this.clientSecret };
  }

  /** A user's OAuth grant, as an account's credentials hold it (a permanent one: with refresh). */
  credentials(username = 'postflow_bot'): Record<string, string> {
    const tokens = this.issueTokens(this.clientId);
    this.users.set(tokens.access_token, username);
    this.refreshUsers.set(tokens.refresh_token, username);
    return { ...tokens, expires_at: new Date(Date.now() + 3_600_000).toISOString() };
  }

  /** The submissions still on the site. */
  live(): FakeSubmission[] {
    return this.submissions;
  }

  private id36(): string {
    this.seq += 1;
    return (46_000_000 + this.seq).toString(36);
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest, user: string, params: Record<string, string>) => FakeResponse) =>
      (req: FakeRequest, params: Record<string, string>): FakeResponse => {
        const ua = String(req.headers['user-agent'] ?? '');
        this.userAgents.push(ua);
        if (!ua || /^(node|undici)/i.test(ua))
          return { status: 429, body: { message: 'Too Many Requests', error: 429 } };
        const user = req.bearer && this.accessTokens.has(req.bearer) ? this.users.get(req.bearer) : undefined;
        return user
          ? handle(req, user, params)
          : { status: 401, body: { message: 'Unauthorized', error: 401 } };
      };
    return [
      { method: 'POST', path: '/api/v1/access_token', handle: (req) => this.token(req) },
      this.consentRoute('/api/v1/authorize', (clientId) => clientId === this.clientId),
      {
        method: 'GET',
        path: '/api/v1/me',
        handle: authed((_req, user) => ({ status: 200, body: { name: user } })),
      },
      { method: 'POST', path: '/api/submit', handle: authed((req, user) => this.submit(req, user)) },
      {
        method: 'POST',
        path: '/api/media/asset.json',
        handle: authed((req, user) => this.lease(req, user)),
      },
      { method: 'POST', path: '/media-upload', handle: (req) => this.bucket(req) },
      {
        method: 'POST',
        path: '/api/submit_gallery_post.json',
        handle: authed((req, user) => this.gallery(req, user)),
      },
      {
        method: 'GET',
        path: /^\/user\/(?<name>[^/]+)\/submitted$/,
        handle: authed((req, _user, { name }) => this.submitted(req, decodeURIComponent(name!))),
      },
      { method: 'POST', path: '/api/del', handle: authed((req, user) => this.del(req, user)) },
      { method: 'GET', path: '/api/info', handle: authed((req) => this.info(req)) },
      { method: 'POST', path: '/api/comment', handle: authed((req, user) => this.comment(req, user)) },
      {
        method: 'GET',
        path: /^\/comments\/(?<id>[a-z0-9]+)$/,
        handle: authed((req, _user, { id }) => this.thread(req, id!)),
      },
    ];
  }

  private token(req: FakeRequest): FakeResponse {
    const basic = /^Basic (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
    const [id, secret] = Buffer.from(basic ?? '', 'base64')
      .toString('utf8')
      .split(':');
    if (id !== this.clientId || secret !== this.clientSecret)
      return { status: 401, body: { message: 'Unauthorized', error: 401 } };
    if (req.body.grant_type === 'authorization_code') {
      const issued = this.redeemCode(req.body, id!);
      if (!issued) return { status: 400, body: { error: 'invalid_grant' } };
      this.users.set(issued.access_token, this.consentingUser);
      this.refreshUsers.set(issued.refresh_token, this.consentingUser);
      return {
        status: 200,
        body: {
          ...issued,
          token_type: 'bearer',
          expires_in: 86400,
          scope: 'identity submit edit read history',
        },
      };
    }
    if (req.body.grant_type !== 'refresh_token')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    const refresh = String(req.body.refresh_token ?? '');
    const user = this.refreshUsers.get(refresh);
    // Reddit refuses a dead refresh token inside a 200.
    if (!user) return { status: 200, body: { error: 'invalid_grant' } };
    const access = `at_${this.nextId()}`;
    this.accessTokens.add(access);
    this.users.set(access, user);
    return {
      status: 200,
      body: {
        access_token: access,
        token_type: 'bearer',
        expires_in: 86400,
        scope: 'identity submit edit read history',
      },
    };
  }

  private submit(req: FakeRequest, user: string): FakeResponse {
    const f = req.body as Record<string, string>;
    const sr = String(f.sr ?? '');
    if (!sr) return refused('SUBREDDIT_REQUIRED', 'you must specify a subreddit', 'sr');
    if (!this.subreddits.has(sr.toLowerCase()))
      return refused('SUBREDDIT_NOEXIST', "that subreddit doesn't exist", 'sr');
    const title = String(f.title ?? '');
    if (!title.trim()) return refused('NO_TEXT', 'we need something here', 'title');
    if ([...title].length > TITLE_MAX)
      return refused('TOO_LONG', `this is too long (max: ${TITLE_MAX})`, 'title');
    if (this.restricted.has(sr.toLowerCase()))
      return refused('SUBREDDIT_NOTALLOWED', "you aren't allowed to post there.", 'sr');
    const kind = (['self', 'link', 'image', 'video'] as const).find((k) => k === f.kind);
    if (!kind) return refused('INVALID_OPTION', 'that option is not valid', 'kind');
    if (kind === 'image' || kind === 'video') return this.mediaSubmit(f, user, kind);
    const text = String(f.text ?? '');
    if ([...text].length > TEXT_MAX)
      return refused('TOO_LONG', `this is too long (max: ${TEXT_MAX})`, 'text');
    if (kind === 'link' && !/^https?:\/\//.test(String(f.url ?? '')))
      return refused('BAD_URL', 'you should check that url', 'url');
    const id = this.id36();
    const post: FakeSubmission = {
      id,
      author: user,
      subreddit: sr,
      kind,
      title,
      selftext: kind === 'self' ? text : '',
      url: kind === 'link' ? String(f.url) : '',
      createdUtc: Date.now() / 1000,
      flairId: f.flair_id ?? null,
      flairText: f.flair_text ?? null,
      nsfw: f.nsfw === 'true',
      spoiler: f.spoiler === 'true',
      sendReplies: f.sendreplies !== 'false',
      media: [],
      hiddenReads: 0,
    };
    this.submissions.push(post);
    return {
      status: 200,
      body: {
        json: {
          errors: [],
          data: {
            url: `https://www.reddit.com${this.permalink(post)}`,
            drafts_count: 0,
            id,
            name: `t3_${id}`,
          },
        },
      },
    };
  }

  /** An image or video post: its file (and a video's poster) must be uploaded assets of the user. */
  private mediaSubmit(f: Record<string, string>, user: string, kind: 'image' | 'video'): FakeResponse {
    const sr = String(f.sr);
    if (this.noMedia.has(sr.toLowerCase()))
      return kind === 'image'
        ? refused('NO_IMAGES', "this subreddit doesn't allow image posts", 'sr')
        : refused('NO_VIDEOS', "this subreddit doesn't allow videos", 'sr');
    const file = this.uploadedAt(String(f.url ?? ''), user);
    if (!file || !file.mimetype.startsWith(kind === 'image' ? 'image/' : 'video/'))
      return refused('BAD_URL', 'you should check that url', 'url');
    const poster = kind === 'video' ? this.uploadedAt(String(f.video_poster_url ?? ''), user) : undefined;
    if (kind === 'video' && !poster?.mimetype.startsWith('image/'))
      return refused('BAD_URL', 'you should check that url', 'video_poster_url');
    this.submissions.push({
      ...this.basics(f, user),
      kind,
      media: poster ? [file, poster] : [file],
      hiddenReads: this.mediaDelayReads,
    });
    return {
      status: 200,
      body: {
        json: {
          errors: [],
          data: {
            user_submitted_page: `https://www.reddit.com/user/${user}/submitted/`,
            websocket_url: `wss://ws-${file.id}.wss.redditmedia.com/rte_images/${file.id}?m=AQAA`,
          },
        },
      },
    };
  }

  private gallery(req: FakeRequest, user: string): FakeResponse {
    const f = req.body as Record<string, unknown>;
    const sr = String(f.sr ?? '');
    if (!this.subreddits.has(sr.toLowerCase()))
      return refused('SUBREDDIT_NOEXIST', "that subreddit doesn't exist", 'sr');
    if (this.restricted.has(sr.toLowerCase()))
      return refused('SUBREDDIT_NOTALLOWED', "you aren't allowed to post there.", 'sr');
    if (this.noMedia.has(sr.toLowerCase()))
      return refused('NO_IMAGES', "this subreddit doesn't allow image posts", 'sr');
    if (!String(f.title ?? '').trim()) return refused('NO_TEXT', 'we need something here', 'title');
    const items = Array.isArray(f.items) ? (f.items as Array<Record<string, unknown>>) : [];
    const media = items.map((i) => this.assets.get(String(i.media_id)));
    if (items.length < 2 || items.length > 20 || media.some((m) => !m?.uploaded || m.user !== user))
      return refused('BAD_GALLERY', 'the gallery items are not valid', 'items');
    const form = Object.fromEntries(
      Object.entries(f).map(([k, v]) => [k, typeof v === 'string' ? v : String(v)]),
    );
    const post: FakeSubmission = {
      ...this.basics(form, user),
      kind: 'gallery',
      media: media as FakeAsset[],
      hiddenReads: 0,
    };
    this.submissions.push(post);
    return {
      status: 200,
      body: {
        json: { errors: [], data: { url: `https://www.reddit.com/gallery/${post.id}`, id: `t3_${post.id}` } },
      },
    };
  }

  /** A post's fields every kind shares, from the submit form. */
  private basics(f: Record<string, string>, user: string) {
    return {
      id: this.id36(),
      author: user,
      subreddit: String(f.sr),
      title: String(f.title ?? ''),
      selftext: '',
      url: '',
      createdUtc: Date.now() / 1000,
      flairId: f.flair_id ?? null,
      flairText: f.flair_text ?? null,
      nsfw: f.nsfw === 'true',
      spoiler: f.spoiler === 'true',
      sendReplies: f.sendreplies !== 'false',
    };
  }

  /** The uploaded asset of `user` a bucket URL names (`<action>/<key>`). */
  private uploadedAt(url: string, user: string): FakeAsset | undefined {
    const prefix = `${this.url}/media-upload/`;
    if (!url.startsWith(prefix)) return undefined;
    const key = url.slice(prefix.length);
    return [...this.assets.values()].find((a) => a.key === key && a.user === user && a.uploaded);
  }

  /** The lease: an S3 form for the bucket, the asset, and the websocket that reports processing. */
  private lease(req: FakeRequest, user: string): FakeResponse {
    const filepath = String(req.body.filepath ?? '');
    const mimetype = String(req.body.mimetype ?? '');
    if (!filepath || !MIMETYPES.includes(mimetype))
      return { status: 400, body: { message: 'Bad Request', error: 400 } };
    const id = `${this.nextId()}`.replace(/[^a-z0-9]/gi, '').toLowerCase();
    const key = `rte_images/${id}/${filepath}`;
    this.assets.set(id, { id, user, key, mimetype, uploaded: false, bytes: 0, posts: 0 });
    const host = this.url.replace(/^https?:/, '');
    return {
      status: 200,
      body: {
        args: {
          action: `${host}/media-upload`,
          fields: [
            { name: 'acl', value: 'private' },
            { name: 'key', value: key },
            { name: 'Content-Type', value: mimetype },
            { name: 'x-amz-algorithm', value: 'AWS4-HMAC-SHA256' },
            { name: 'x-amz-signature', value: 'sig' },
          ],
        },
        asset: {
          asset_id: id,
          processing_state: 'incomplete',
          payload: { filepath },
          websocket_url: `wss://ws-${id}.wss.redditmedia.com/rte_images/${id}?m=AQAA`,
        },
      },
    };
  }

  /** The S3 bucket: the signed form, then the file; 201 with S3's XML; S3's XML errors. */
  private bucket(req: FakeRequest): FakeResponse {
    const xml = { 'content-type': 'application/xml' };
    const s3Error = (status: number, code: string, message: string): FakeResponse => ({
      status,
      headers: xml,
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`,
    });
    if (req.headers.authorization) return s3Error(400, 'InvalidArgument', 'Unsupported Authorization Type');
    const asset = [...this.assets.values()].find((a) => a.key === req.body.key);
    const file = req.body.file as { data?: Buffer } | undefined;
    // S3 takes a form upload only with its length announced (no chunked transfer encoding).
    if (req.headers['content-length'] === undefined)
      return s3Error(411, 'MissingContentLength', 'You must provide the Content-Length HTTP header.');
    if (!asset || req.body['x-amz-signature'] !== 'sig')
      return s3Error(403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed');
    if (!file?.data?.length)
      return s3Error(400, 'InvalidArgument', 'POST requires exactly one file upload per request.');
    const max = asset.mimetype.startsWith('video/') ? VIDEO_MAX : IMAGE_MAX;
    if (file.data.length > max)
      return s3Error(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size');
    asset.uploaded = true;
    asset.bytes = file.data.length;
    asset.sha256 = createHash('sha256').update(file.data).digest('hex');
    asset.posts += 1;
    return {
      status: 201,
      headers: xml,
      body: `<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse><Location>${this.url}/media-upload/${asset.key}</Location><Key>${asset.key}</Key></PostResponse>`,
    };
  }

  /**
   * `sort=new`: newest first, `limit` a page (25 unless asked, at most 100), the page after the
   * fullname `after` (the last page's `data.after`, null on the last page).
   */
  private submitted(req: FakeRequest, name: string): FakeResponse {
    const limit = Math.min(Number(req.query.get('limit') ?? 25), 100);
    const mine = this.submissions
      .filter((p) => p.author === name)
      // A media post appears once Reddit has processed it.
      .filter((p) => p.hiddenReads-- <= 0)
      .reverse();
    const after = req.query.get('after');
    const from = after ? mine.findIndex((p) => `t3_${p.id}` === after) + 1 : 0;
    const page = mine.slice(from, from + limit);
    const next = from + limit < mine.length ? `t3_${page.at(-1)!.id}` : null;
    return {
      status: 200,
      body: listing(
        page.map((p) => ({ kind: 't3', data: this.link(p) })),
        next,
      ),
    };
  }

  /** A submission the account makes on Reddit itself (a self post in `sr`). */
  postFromApp(author: string, subreddit: string, title: string): void {
    this.submissions.push({
      id: this.id36(),
      author,
      subreddit,
      kind: 'self',
      title,
      selftext: '',
      url: '',
      createdUtc: Date.now() / 1000,
      flairId: null,
      flairText: null,
      nsfw: false,
      spoiler: false,
      sendReplies: true,
      media: [],
      hiddenReads: 0,
    });
  }

  /** A comment someone else makes under the post `linkId` (`t3_…`). */
  commentFromApp(linkId: string, body: string): void {
    this.comments.push({
      id: this.id36(),
      author: 'someone_else',
      linkId,
      body,
      createdUtc: Date.now() / 1000,
    });
  }

  private del(req: FakeRequest, user: string): FakeResponse {
    const id = String(req.body.id ?? '').replace(/^t3_/, '');
    const i = this.submissions.findIndex((p) => p.id === id && p.author === user);
    if (i >= 0) this.deleted.push(...this.submissions.splice(i, 1));
    return { status: 200, body: {} };
  }

  /**
   * `GET /api/info?id=<fullnames>`: a Listing of the things that exist (an unknown id is left
   * out); a deleted post keeps its counts, its author and text shown as `[deleted]`.
   */
  private info(req: FakeRequest): FakeResponse {
    const ids = (req.query.get('id') ?? '').split(',').map((id) => id.replace(/^t3_/, ''));
    const things = ids.flatMap((id) => {
      const live = this.submissions.find((p) => p.id === id);
      const gone = live ? undefined : this.deleted.find((p) => p.id === id);
      const p = live ?? gone;
      if (!p) return [];
      const counts = { ups: 1, score: 1, upvote_ratio: 1, num_comments: 0, num_crossposts: 0 };
      const data = { ...this.link(p), ...counts, ...this.engagement.get(p.id) };
      return [
        {
          kind: 't3',
          data: gone
            ? { ...data, author: '[deleted]', selftext: '[deleted]', removed_by_category: 'deleted' }
            : { ...data, removed_by_category: null },
        },
      ];
    });
    return { status: 200, body: listing(things, null) };
  }

  private comment(req: FakeRequest, user: string): FakeResponse {
    const thing = String(req.body.thing_id ?? '');
    const post = this.submissions.find((p) => `t3_${p.id}` === thing);
    if (!post) return refused('DELETED_LINK', 'the link you are commenting on has been deleted', 'parent');
    const body = String(req.body.text ?? '');
    if (!body.trim()) return refused('NO_TEXT', 'we need something here', 'text');
    const comment: FakeComment = {
      id: this.id36(),
      author: user,
      linkId: thing,
      body,
      createdUtc: Date.now() / 1000,
    };
    this.comments.push(comment);
    return {
      status: 200,
      body: { json: { errors: [], data: { things: [{ kind: 't1', data: this.entity(comment) }] } } },
    };
  }

  private thread(req: FakeRequest, id: string): FakeResponse {
    const post = this.submissions.find((p) => p.id === id);
    if (!post) return { status: 404, body: { message: 'Not Found', error: 404 } };
    const limit = Number(req.query.get('limit') ?? 200);
    const all = this.comments.filter((c) => c.linkId === `t3_${id}`).reverse();
    const under = all.slice(0, limit);
    // Comments past `limit` are not listed: a `more` stub names them (for /api/morechildren).
    const rest = all.slice(limit);
    const more = rest.length
      ? [
          {
            kind: 'more',
            data: { count: rest.length, children: rest.map((c) => c.id), parent_id: `t3_${id}` },
          },
        ]
      : [];
    return {
      status: 200,
      body: [
        listing([{ kind: 't3', data: this.link(post) }]),
        listing([...under.map((c) => ({ kind: 't1', data: this.entity(c) })), ...more]),
      ],
    };
  }

  private permalink(p: FakeSubmission): string {
    const slug = p.title
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_|_$/g, '')
      .slice(0, 50);
    return `/r/${p.subreddit}/comments/${p.id}/${slug}/`;
  }

  /** A Link thing (t3) as listings show it. */
  private link(p: FakeSubmission) {
    return {
      id: p.id,
      name: `t3_${p.id}`,
      author: p.author,
      subreddit: p.subreddit,
      title: p.title,
      selftext: p.selftext,
      is_self: p.kind === 'self',
      is_video: p.kind === 'video',
      is_gallery: p.kind === 'gallery',
      url:
        p.kind === 'link'
          ? p.url
          : p.kind === 'image'
            ? `https://i.redd.it/${p.media[0]!.id}.${p.media[0]!.key.split('.').pop()}`
            : p.kind === 'video'
              ? `https://v.redd.it/${p.media[0]!.id}`
              : p.kind === 'gallery'
                ? `https://www.reddit.com/gallery/${p.id}`
                : `https://www.reddit.com${this.permalink(p)}`,
      permalink: this.permalink(p),
      created_utc: p.createdUtc,
      over_18: p.nsfw,
      spoiler: p.spoiler,
      link_flair_template_id: p.flairId,
      link_flair_text: p.flairText,
    };
  }

  /** A Comment thing (t1). */
  private entity(c: FakeComment) {
    const post = this.submissions.find((p) => `t3_${p.id}` === c.linkId);
    return {
      id: c.id,
      name: `t1_${c.id}`,
      author: c.author,
      body: c.body,
      link_id: c.linkId,
      parent_id: c.linkId,
      created_utc: c.createdUtc,
      permalink: post ? `${this.permalink(post)}${c.id}/` : `/comments/${c.id}/`,
    };
  }
}

const refused = (code: string, message: string, field: string): FakeResponse => ({
  status: 200,
  body: { json: { errors: [[code, message, field]] } },
});

const listing = (things: unknown[], after: string | null = null) => ({
  kind: 'Listing',
  data: { after, before: null, dist: things.length, children: things },
});

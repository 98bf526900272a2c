import { createHash, type Hash } from 'node:crypto';
import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface TikTokPost {
  /** The public post id TikTok reveals once the post is processed (and moderated). */
  id: string;
  publishId: string;
  kind: 'video' | 'photo';
  text: string;
  title?: string;
  media: number;
  postInfo: Record<string, unknown>;
  sourceInfo: Record<string, unknown>;
  /** Status fetches left before the post completes. */
  pollsLeft: number;
  failReason?: string;
  /** FILE_UPLOAD: the transfer, until its last chunk arrived (the post waits in PROCESSING_UPLOAD). */
  upload?: FileUpload;
}

/** One FILE_UPLOAD transfer as the fake keeps it: what init declared, what the chunks brought. */
export interface FileUpload {
  videoSize: number;
  chunkSize: number;
  totalChunkCount: number;
  /** Bytes taken so far, in order, and their running hash (the fake keeps no bytes). */
  received: number;
  hash: Hash;
  /** SHA-256 (hex) of the whole video, once complete. */
  sha256?: string;
  /** Every chunk PUT: its range, its bytes, and the fake's answer. */
  chunks: Array<{ first: number; last: number; bytes: number; status: number }>;
  /** When init answered (ms since the epoch): the upload URL is valid for `uploadUrlTtlMs`. */
  openedAt: number;
}

/** TikTok's chunk rules (Media Transfer Guide), in bytes: MB read as 10^6, the stricter reading. */
const CHUNK_MIN = 5_000_000;
const CHUNK_MAX = 64_000_000;
const FINAL_CHUNK_MAX = 128_000_000;

/** What creator_info/query answers; tests change it to play other creators. */
export interface Creator {
  creator_username: string;
  creator_nickname: string;
  privacy_level_options: string[];
  comment_disabled: boolean;
  duet_disabled: boolean;
  stitch_disabled: boolean;
  max_video_post_duration_sec: number;
}

const VIDEO_TYPES = ['video/mp4', 'video/webm', 'video/quicktime'];
const PHOTO_TYPES = ['image/jpeg', 'image/webp'];

/**
 * TikTok's Content Posting API as documented (developers.tiktok.com, Direct Post, Get Post Status,
 * OAuth token management): creator info, video/photo init with PULL_FROM_URL (the fake fetches the
 * URL, like TikTok, and checks its type), status PROCESSING_DOWNLOAD → PUBLISH_COMPLETE with
 * `publicaly_available_post_id` as raw int64s, `{ data, error: { code, message, log_id } }` bodies,
 * and the rotating refresh-token grant. No list and no delete: TikTok's posting API has neither.
 */
export class TikTokFake extends FakePlatform {
  readonly posts: TikTokPost[] = [];
  creator: Creator = {
    creator_username: 'postflow.creator',
    creator_nickname: 'Postflow',
    privacy_level_options: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
    comment_disabled: false,
    duet_disabled: false,
    stitch_disabled: false,
    max_video_post_duration_sec: 600,
  };
  /** The creator reached TikTok's daily cap: creator_info answers `spam_risk_too_many_posts`. */
  postingCapReached = false;
  /** URL prefixes the app verified; undefined: every URL counts as verified. */
  verifiedPrefixes?: string[];
  /** Status fetches a post stays in processing. */
  processingPolls = 1;
  /** A slow link: each chunk is taken this long after it arrived (tests stop a worker mid-upload). */
  chunkDelayMs = 0;
  /** How long an upload URL takes chunks: one hour (Direct Post reference, `upload_url`). */
  uploadUrlTtlMs = 3_600_000;
  readonly clients = new Map([['client-key-1', 'client-secret-1']]);
  /** Video object counts (`like_count`, `comment_count`, `share_count`, `view_count`), by post id; 0 where unset. */
  readonly engagement = new Map<string, Record<string, number>>();

  override oauthApp() {
    const [[clientId, clientSecret]] = [...this.clients];
    return { clientId: clientId!, clientSecret: clientSecret! };
  }
  private posted = 0;

  constructor() {
    super('tiktok');
    this.routes.push(...this.endpoints());
  }

  /** An account's credentials: a token pair of the fake's OAuth client. */
  credentials(): Record<string, string> {
    return {
      ...this.issueTokens('client-key-1'),
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    };
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest) => FakeResponse | Promise<FakeResponse>) =>
      (req: FakeRequest): FakeResponse | Promise<FakeResponse> =>
        req.bearer && this.accessTokens.has(req.bearer)
          ? handle(req)
          : error(401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
    return [
      {
        method: 'POST',
        path: '/v2/post/publish/creator_info/query/',
        // A creator at TikTok's daily cap gets the spam-risk error instead (Direct Post reference).
        handle: authed(() =>
          this.postingCapReached
            ? error(
                403,
                'spam_risk_too_many_posts',
                'The daily post cap from the current user has been reached.',
              )
            : ok({ creator_avatar_url: 'https://p16.tiktokcdn.example/avatar.jpeg', ...this.creator }),
        ),
      },
      {
        method: 'POST',
        path: '/v2/post/publish/video/init/',
        handle: authed((req) => this.init(req, 'video')),
      },
      {
        method: 'POST',
        path: '/v2/post/publish/content/init/',
        handle: authed((req) => this.init(req, 'photo')),
      },
      { method: 'POST', path: '/v2/post/publish/status/fetch/', handle: authed((req) => this.status(req)) },
      // The upload URL is TikTok's own capability: no bearer token needed.
      {
        method: 'PUT',
        path: '/upload/',
        handle: async (req) => {
          if (this.chunkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, this.chunkDelayMs));
          return this.receiveChunk(req);
        },
      },
      { method: 'POST', path: '/v2/video/query/', handle: authed((req) => this.queryVideos(req)) },
      { method: 'POST', path: '/v2/oauth/token/', handle: (req) => this.token(req) },
      this.consentRoute('/v2/auth/authorize/', (key) => this.clients.has(key), 'client_key'),
      {
        method: 'GET',
        path: '/v2/user/info/',
        handle: authed((req) => {
          const profile: Record<string, string> = {
            open_id: 'open-id-1',
            union_id: 'union-id-1',
            avatar_url: 'https://p16-sign.tiktokcdn.example/avatar.jpeg',
            display_name: 'Postflow Test',
            username: 'postflow.test',
          };
          const fields = (req.query.get('fields') ?? '').split(',');
          return ok({
            user: Object.fromEntries(Object.entries(profile).filter(([key]) => fields.includes(key))),
          });
        }),
      },
    ];
  }

  private async init(req: FakeRequest, kind: 'video' | 'photo'): Promise<FakeResponse> {
    const postInfo = (req.body.post_info ?? {}) as Record<string, unknown>;
    const sourceInfo = (req.body.source_info ?? {}) as Record<string, unknown>;
    const privacy = String(postInfo.privacy_level ?? '');
    if (!this.creator.privacy_level_options.includes(privacy)) {
      return error(
        403,
        'privacy_level_option_mismatch',
        "privacy_level is not one of the creator's options.",
      );
    }
    if (kind === 'video' && sourceInfo.source === 'FILE_UPLOAD') return this.initUpload(postInfo, sourceInfo);
    if (sourceInfo.source !== 'PULL_FROM_URL') {
      return error(400, 'invalid_params', 'source must be PULL_FROM_URL or (videos) FILE_UPLOAD.');
    }
    const urls: string[] =
      kind === 'video' ? [String(sourceInfo.video_url ?? '')] : ((sourceInfo.photo_images as string[]) ?? []);
    if (kind === 'photo' && (req.body.media_type !== 'PHOTO' || req.body.post_mode !== 'DIRECT_POST')) {
      return error(400, 'invalid_params', 'media_type must be PHOTO and post_mode DIRECT_POST.');
    }
    if (!urls.length || urls.some((u) => !u)) return error(400, 'invalid_params', 'No media URL.');
    if (this.verifiedPrefixes && urls.some((u) => !this.verifiedPrefixes!.some((p) => u.startsWith(p)))) {
      return error(403, 'url_ownership_unverified', "The media URL's domain or prefix is not verified.");
    }
    const title = String(postInfo.title ?? '');
    if (kind === 'video' && title.length > 2200) return error(400, 'invalid_params', 'title is too long.');
    this.posted += 1;
    const post: TikTokPost = {
      id: String(7_300_000_000_000_000_000n + BigInt(this.posted) * 1_000_003n),
      publishId: `v_pub_url~v2-1.${this.nextId()}`,
      kind,
      text: kind === 'video' ? title : String(postInfo.description ?? ''),
      ...(kind === 'photo' && postInfo.title ? { title: String(postInfo.title) } : {}),
      media: urls.length,
      postInfo,
      sourceInfo,
      pollsLeft: this.processingPolls,
    };
    // TikTok pulls the media after answering; the fake pulls it now and fails the post if it cannot.
    post.failReason = await pull(urls, kind);
    this.posts.push(post);
    return ok({ publish_id: post.publishId });
  }

  /**
   * A video init with FILE_UPLOAD: the declared chunks must follow TikTok's rules; the answer names
   * the upload URL. The post waits for its bytes.
   */
  private initUpload(postInfo: Record<string, unknown>, source: Record<string, unknown>): FakeResponse {
    const [size, chunk, count] = [source.video_size, source.chunk_size, source.total_chunk_count].map(Number);
    const valid =
      Number.isSafeInteger(size) &&
      Number.isSafeInteger(chunk) &&
      size > 0 &&
      count >= 1 &&
      count <= 1000 &&
      count === Math.floor(size / chunk) &&
      // Under 5 MB: whole; over 64 MB: in chunks of 5–64 MB, the last up to 128 MB.
      (size < CHUNK_MIN ? chunk === size : chunk >= CHUNK_MIN && chunk <= CHUNK_MAX) &&
      size - (count - 1) * chunk <= FINAL_CHUNK_MAX;
    if (!valid)
      return error(400, 'invalid_params', 'video_size, chunk_size and total_chunk_count do not match.');
    this.posted += 1;
    const post: TikTokPost = {
      id: String(7_300_000_000_000_000_000n + BigInt(this.posted) * 1_000_003n),
      publishId: `v_pub_file~v2-1.${this.nextId()}`,
      kind: 'video',
      text: String(postInfo.title ?? ''),
      media: 1,
      postInfo,
      sourceInfo: source,
      pollsLeft: this.processingPolls,
      upload: {
        videoSize: size,
        chunkSize: chunk,
        totalChunkCount: count,
        received: 0,
        hash: createHash('sha256'),
        chunks: [],
        openedAt: Date.now(),
      },
    };
    this.posts.push(post);
    return ok({
      publish_id: post.publishId,
      upload_url: `${this.url}/upload/?upload_id=${encodeURIComponent(post.publishId)}`,
    });
  }

  /**
   * One chunk PUT to the upload URL (`Content-Range: bytes first-last/total`): in order, each the
   * declared chunk size but the last, which takes the rest. 206 until the last, then 201. TikTok
   * takes chunks only in sequence (Media Transfer Guide) and documents no way to ask what it
   * holds: a chunk out of sequence, one it holds already included (a retry re-sending the chunk
   * whose answer it lost), is answered 416 Range Not Satisfiable and changes nothing. After the
   * URL's hour, or once the upload completed, the URL takes nothing: 403.
   */
  private receiveChunk(req: FakeRequest): FakeResponse {
    const post = this.posts.find((p) => p.publishId === req.query.get('upload_id'));
    const upload = post?.upload;
    if (!upload) return { status: 404, body: '' };
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(String(req.headers['content-range'] ?? ''));
    const [first, last, total] = (range?.slice(1) ?? []).map(Number);
    const record = { first: first ?? -1, last: last ?? -1, bytes: req.raw.length, status: 400 };
    upload.chunks.push(record);
    if (Date.now() - upload.openedAt >= this.uploadUrlTtlMs || upload.sha256 !== undefined) {
      record.status = 403;
      return { status: 403, body: '' };
    }
    const index = Math.floor(upload.received / upload.chunkSize);
    const final = index === upload.totalChunkCount - 1;
    const expected = final ? upload.videoSize - upload.received : upload.chunkSize;
    if (
      !range ||
      total !== upload.videoSize ||
      first !== upload.received ||
      last! - first! + 1 !== req.raw.length ||
      req.raw.length !== expected
    ) {
      // Out of order, or not the chunk the plan declared.
      record.status = 416;
      return { status: 416, body: '' };
    }
    upload.hash.update(req.raw);
    upload.received += req.raw.length;
    if (upload.received < upload.videoSize) {
      record.status = 206;
      return { status: 206, body: '' };
    }
    upload.sha256 = upload.hash.digest('hex');
    record.status = 201;
    return { status: 201, body: '' };
  }

  /** The FILE_UPLOAD inits answered: one per upload session opened. */
  fileUploads(): TikTokPost[] {
    return this.posts.filter((p) => p.upload);
  }

  /**
   * Per session (publish_id), per byte range `first-last`: the bytes PUT for it in all and the
   * bytes taken. A range sent twice shows as `sent` twice its size.
   */
  rangeBytes(): Map<string, Map<string, { sent: number; kept: number; puts: number }>> {
    const all = new Map<string, Map<string, { sent: number; kept: number; puts: number }>>();
    for (const post of this.fileUploads()) {
      const ranges = new Map<string, { sent: number; kept: number; puts: number }>();
      for (const c of post.upload!.chunks) {
        const r = ranges.get(`${c.first}-${c.last}`) ?? { sent: 0, kept: 0, puts: 0 };
        r.sent += c.bytes;
        r.puts += 1;
        if (c.status === 206 || c.status === 201) r.kept += c.bytes;
        ranges.set(`${c.first}-${c.last}`, r);
      }
      all.set(post.publishId, ranges);
    }
    return all;
  }

  private status(req: FakeRequest): FakeResponse {
    const post = this.posts.find((p) => p.publishId === req.body.publish_id);
    if (!post) return error(400, 'invalid_publish_id', 'publish_id does not exist.');
    if (post.upload && post.upload.sha256 === undefined)
      return raw({
        status: 'PROCESSING_UPLOAD',
        uploaded_bytes: post.upload.received,
        publicaly_available_post_id: [],
      });
    if (post.failReason) {
      return raw({ status: 'FAILED', fail_reason: post.failReason, publicaly_available_post_id: [] });
    }
    if (post.pollsLeft > 0) {
      post.pollsLeft -= 1;
      return raw({ status: 'PROCESSING_DOWNLOAD', downloaded_bytes: 0, publicaly_available_post_id: [] });
    }
    // Private posts never get a public id; public ones do once moderated.
    const ids = post.postInfo.privacy_level === 'SELF_ONLY' ? [] : [post.id];
    return raw({ status: 'PUBLISH_COMPLETE', publicaly_available_post_id: [] }, ids);
  }

  /**
   * Display API `POST /v2/video/query/?fields=…` with `{filters: {video_ids: [...]}}` (at most 20):
   * the creator's own published videos among the ids, with the fields asked; ids that are not
   * (or no longer) the creator's are left out.
   */
  private queryVideos(req: FakeRequest): FakeResponse {
    const fields = (req.query.get('fields') ?? '').split(',').filter(Boolean);
    const ids: unknown = req.body?.filters?.video_ids;
    if (!fields.length || !Array.isArray(ids) || !ids.length || ids.length > 20)
      return error(400, 'invalid_params', 'fields and filters.video_ids (1 to 20) are required.');
    const videos = this.posts
      .filter(
        (p) =>
          ids.includes(p.id) &&
          !p.failReason &&
          p.postInfo.privacy_level !== 'SELF_ONLY' &&
          // An upload whose final chunk never came was never posted.
          (!p.upload || p.upload.sha256 !== undefined),
      )
      .map((p) => {
        const counts = {
          like_count: 0,
          comment_count: 0,
          share_count: 0,
          view_count: 0,
          ...this.engagement.get(p.id),
        };
        const video: Record<string, unknown> = {
          id: p.id,
          ...counts,
          title: p.text,
          video_description: p.text,
        };
        return Object.fromEntries(fields.filter((f) => f in video).map((f) => [f, video[f]]));
      });
    return ok({ videos, cursor: 0, has_more: false });
  }

  private token(req: FakeRequest): FakeResponse {
    const { client_key: key, client_secret: secret, grant_type: grant, refresh_token: refresh } = req.body;
    if (!key || this.clients.get(key) !== secret) {
      return {
        status: 401,
        body: {
          error: 'invalid_client',
          error_description: 'Client key or secret is invalid.',
          log_id: logId(),
        },
      };
    }
    if (grant !== 'refresh_token' && grant !== 'authorization_code') {
      return {
        status: 400,
        body: {
          error: 'unsupported_grant_type',
          error_description: 'Grant type is not supported.',
          log_id: logId(),
        },
      };
    }
    const pair =
      grant === 'authorization_code'
        ? this.redeemCode(req.body, key)
        : this.rotate(String(refresh ?? ''), key);
    if (!pair) {
      return {
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: 'Refresh token is invalid or expired.',
          log_id: logId(),
        },
      };
    }
    return {
      status: 200,
      body: {
        open_id: 'open-id-1',
        scope: 'user.info.basic,video.publish',
        access_token: pair.access_token,
        expires_in: 86_400,
        refresh_token: pair.refresh_token,
        refresh_expires_in: 31_536_000,
        token_type: 'Bearer',
      },
    };
  }
}

async function pull(urls: string[], kind: 'video' | 'photo'): Promise<string | undefined> {
  for (const url of urls) {
    const response = await fetch(url).catch(() => undefined);
    if (!response?.ok) return kind === 'video' ? 'video_pull_failed' : 'photo_pull_failed';
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!;
    if (!(kind === 'video' ? VIDEO_TYPES : PHOTO_TYPES).includes(type)) return 'file_format_check_failed';
    await response.arrayBuffer();
  }
  return undefined;
}

const logId = () => `2026${Math.random().toString(16).slice(2, 14)}`;

function ok(data: unknown): FakeResponse {
  return { status: 200, body: { data, error: { code: 'ok', message: '', log_id: logId() } } };
}

/** A status answer written by hand: post ids are int64s JSON numbers cannot hold exactly. */
function raw(data: Record<string, unknown>, ids: string[] = []): FakeResponse {
  const json = JSON.stringify({ data, error: { code: 'ok', message: '', log_id: logId() } });
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    body: json.replace(
      '"publicaly_available_post_id":[]',
      `"publicaly_available_post_id":[${ids.join(',')}]`,
    ),
  };
}

export function error(status: number, code: string, message: string): FakeResponse {
  return { status, body: { data: {}, error: { code, message, log_id: logId() } } };
}

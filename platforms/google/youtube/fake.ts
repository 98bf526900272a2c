import { createHash, type Hash } from 'node:crypto';
import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../../kit/fake-platform';
import { authed, googleError, tokenRoute } from '../fake-api';

interface Video {
  id: string;
  title: string;
  description: string;
  tags: string[];
  categoryId: string;
  status: Record<string, unknown>;
  recordingDetails?: Record<string, unknown>;
  notifySubscribers: boolean;
  bytes: number;
  /**
   * SHA-256 (hex) of the uploaded bytes as assembled from the chunks: the fake keeps a hash, not
   * the bytes, so a test can upload hundreds of MB without the fake holding them.
   */
  sha256: string;
  contentType: string;
  publishedAt: string;
  /** videos.list answers still processing this many more times. */
  pollsLeft: number;
}

interface Session {
  resource: Record<string, any>;
  size: number;
  contentType: string;
  notifySubscribers: boolean;
  /** The hash of the bytes kept so far, `0…received`, in order. */
  hash: Hash;
  received: number;
  /** Set once the final chunk completed the upload. */
  video?: Video;
}

/** Google's chunk unit: every chunk but the last is a multiple of 256 KiB. */
const CHUNK_UNIT = 256 * 1024;

/**
 * What a planned fault does to one chunk (a PUT carrying bytes; status queries are never hit):
 * - `reset`: the connection drops before the fake reads the chunk (nothing of it kept);
 * - `reset-mid-chunk`: the fake keeps the chunk's first half (in 256 KiB units), then drops the
 *   connection, as when a network breaks mid-way;
 * - `lose-answer`: the chunk is handled (the final one creates the video), the answer is lost;
 * - `expire-session`: the session is gone (404) from this chunk on;
 * - an answer (a 503…): given instead, nothing of the chunk kept.
 */
export type ChunkFault = 'reset' | 'reset-mid-chunk' | 'lose-answer' | 'expire-session' | FakeResponse;

/** One PUT that carried bytes, as the fake received it. */
export interface ChunkRecord {
  uploadId: string;
  first: number;
  last: number;
  total: number;
  /** The fake's answer, also when a fault then dropped the connection before it went out. */
  status: number;
  /** Bytes of the chunk the session kept (0 for one refused, sent twice, or cut off). */
  kept: number;
  /** When the chunk had arrived whole (ms since the epoch): what a throughput figure spans. */
  at: number;
}

/** A top-level comment (commentThreads.insert), as the fake keeps it. */
export interface VideoComment {
  id: string;
  videoId: string;
  text: string;
  authorChannelId: string;
  publishedAt: string;
}

const PRIVACY = ['public', 'private', 'unlisted'];

const youtubeError = (code: number, reason: string, message: string, domain = 'youtube.video') =>
  googleError(code, undefined, message, { reason, domain });
const commentError = (code: number, reason: string, message: string) =>
  youtubeError(code, reason, message, 'youtube.commentThread');
const COMMENT_VIDEO_NOT_FOUND = commentError(
  404,
  'videoNotFound',
  'The video identified by the videoId parameter could not be found.',
);

/**
 * YouTube Data API v3 as its docs describe it: the resumable upload (POST …/upload/youtube/v3/
 * videos?uploadType=resumable → Location; PUT the bytes, whole or in chunks → 308 + Range until
 * complete, then 201 and the video; empty PUT → where the upload stands; 404 once the session is
 * gone), chunk faults (`failChunk`), videos.list with
 * status/processingDetails (processing over a few polls, then processed), channels.list for the
 * uploads playlist, playlistItems.list/insert, commentThreads.insert/list (the channel's comments
 * in `comments`), videos.delete, `{ error: { errors: [{ reason }] } }`
 * bodies, and Google's token endpoint at `/token`.
 */
export class YoutubeFake extends FakePlatform {
  readonly videos: Video[] = [];
  readonly comments: VideoComment[] = [];
  /** The `statistics` part's counts (`viewCount`, `likeCount`, `commentCount`), by video id; 0 where unset. */
  readonly engagement = new Map<string, Record<string, number>>();
  readonly channelId = 'UCfakeChannel0000000000a';
  readonly playlists = new Map<string, string[]>([['PLfavourites', []]]);
  readonly client = { id: 'yt-client.apps.googleusercontent.com', secret: 'yt-secret' };

  override oauthApp() {
    return { clientId: this.client.id, clientSecret: this.client.secret };
  }
  readonly tokenRequests: Array<Record<string, string>> = [];
  /** Upload sessions by upload_id. */
  private readonly sessions = new Map<string, Session>();
  /** Every chunk received, in order; and how many status queries (empty PUTs) were asked. */
  readonly chunks: ChunkRecord[] = [];
  statusQueries = 0;
  /** Upload sessions opened, in order (their upload_ids), expired ones included. */
  readonly sessionsOpened: string[] = [];
  /** When each session opened (ms since the epoch). */
  readonly sessionOpenedAt = new Map<string, number>();

  /**
   * Bytes per upload session: `sent` counts every byte of every chunk PUT to it (resent ones
   * again), `kept` those it kept, `chunks` the PUTs that carried bytes. What a test of a resumed
   * upload reads: one session, and nothing sent twice beyond the chunk in flight.
   */
  sessionBytes(): Map<string, { sent: number; kept: number; chunks: number }> {
    const bytes = new Map(this.sessionsOpened.map((id) => [id, { sent: 0, kept: 0, chunks: 0 }]));
    for (const c of this.chunks) {
      const s = bytes.get(c.uploadId) ?? { sent: 0, kept: 0, chunks: 0 };
      s.sent += c.last - c.first + 1;
      s.kept += c.kept;
      s.chunks += 1;
      bytes.set(c.uploadId, s);
    }
    return bytes;
  }

  /** A video the channel uploads in YouTube Studio. */
  uploadFromApp(title: string): void {
    this.videos.push({
      id: this.nextId('v').slice(-11),
      title,
      description: '',
      tags: [],
      categoryId: '22',
      status: { privacyStatus: 'public', uploadStatus: 'processed' },
      notifySubscribers: true,
      bytes: 0,
      sha256: createHash('sha256').digest('hex'),
      contentType: 'video/mp4',
      publishedAt: new Date().toISOString(),
      pollsLeft: 0,
    });
  }

  /** A top-level comment a viewer makes under the video `videoId`. */
  commentFromApp(videoId: string, text: string): void {
    this.comments.push({
      id: `Ug${this.nextId()}`,
      videoId,
      text,
      authorChannelId: 'UCsomeViewer000000000000',
      publishedAt: new Date().toISOString(),
    });
  }
  /** A planned chunk fault: `left` more chunks pass before it is armed for the next one. */
  private plan?: { left: number; fault: ChunkFault };
  /** Status queries still to be answered with an error (an outage of the upload server). */
  private statusFaults: { skip: number; left: number; answer: FakeResponse } = {
    skip: 0,
    left: 0,
    answer: { status: 503 },
  };
  /** The fault the next chunk meets inside the handler. */
  private armed?: 'reset-mid-chunk' | 'expire-session' | FakeResponse;
  /** How many videos.list answers say "processing" for a new video. */
  processingPolls = 2;
  /** A pause before each chunk is taken, as on a slow link (a crash test kills the worker mid-upload). */
  chunkDelayMs = 0;

  constructor() {
    super('youtube');
    this.routes.push(
      tokenRoute(this, this.tokenRequests, this.client, (form) => this.redeemCode(form, form.client_id!)),
      this.consentRoute('/o/oauth2/v2/auth', (id) => id === this.client.id),
      ...this.endpoints(),
    );
  }

  credentials(): Record<string, string> {
    return {
      ...this.issueTokens(this.client.id),
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      channel_id: this.channelId,
    };
  }

  /**
   * Makes the `n`-th chunk from now on (1-based; chunks carry bytes, status queries do not count)
   * misbehave once. Chunks are sent one after another, so the fault is armed when the chunk
   * before it is answered.
   */
  failChunk(n: number, fault: ChunkFault): void {
    this.plan = { left: n - 1, fault };
    if (n <= 1) this.arm();
  }

  /**
   * Answers the next `times` status queries with `answer` (Google's 503 by default), after `skip`
   * more are answered as usual.
   */
  failStatusQueries(
    times: number,
    answer = youtubeError(503, 'backendError', 'Backend Error', 'global'),
    skip = 0,
  ): void {
    this.statusFaults = { skip, left: times, answer };
  }

  private arm(): void {
    const fault = this.plan!.fault;
    this.plan = undefined;
    // Chunks only: a status query (an empty PUT) is never hit.
    const upload = { method: 'PUT', path: '/upload/youtube/v3/videos', withBody: true };
    if (fault === 'reset') return this.inject(upload, { kind: 'reset' });
    if (fault === 'lose-answer') return this.inject(upload, { kind: 'lose-answer' });
    if (fault === 'reset-mid-chunk') this.inject(upload, { kind: 'lose-answer' });
    this.armed = fault;
  }

  get uploadsPlaylist(): string {
    return `UU${this.channelId.slice(2)}`;
  }

  private endpoints(): Route[] {
    return [
      {
        method: 'POST',
        path: '/upload/youtube/v3/videos',
        handle: authed(this, (req) => this.startSession(req)),
      },
      {
        method: 'PUT',
        path: '/upload/youtube/v3/videos',
        handle: authed(this, async (req) => {
          // A slow link: each chunk is taken (and kept) only after this pause.
          if (this.chunkDelayMs > 0 && req.raw.length > 0)
            await new Promise((resolve) => setTimeout(resolve, this.chunkDelayMs));
          return this.upload(req);
        }),
      },
      {
        method: 'GET',
        path: '/youtube/v3/videos',
        handle: authed(this, (req) => {
          const ids = (req.query.get('id') ?? '').split(',');
          const parts = (req.query.get('part') ?? '').split(',');
          const items = this.videos
            .filter((v) => ids.includes(v.id))
            .map((v) => {
              const entity = {
                ...this.entity(v),
                ...(parts.includes('statistics') ? { statistics: this.statistics(v.id) } : {}),
              };
              if (v.pollsLeft > 0) v.pollsLeft -= 1;
              return entity;
            });
          return {
            status: 200,
            body: { kind: 'youtube#videoListResponse', items, pageInfo: { totalResults: items.length } },
          };
        }),
      },
      {
        method: 'DELETE',
        path: '/youtube/v3/videos',
        handle: authed(this, (req) => {
          const i = this.videos.findIndex((v) => v.id === req.query.get('id'));
          if (i < 0)
            return youtubeError(
              404,
              'videoNotFound',
              'The video that you are trying to delete cannot be found.',
            );
          this.videos.splice(i, 1);
          return { status: 204 };
        }),
      },
      {
        method: 'GET',
        path: '/youtube/v3/channels',
        handle: authed(this, (req) => {
          const mine = req.query.get('mine') === 'true' || req.query.get('id') === this.channelId;
          const items = mine
            ? [
                {
                  kind: 'youtube#channel',
                  id: this.channelId,
                  snippet: {
                    title: 'Postflow Test Channel',
                    customUrl: '@postflowtest',
                    thumbnails: {
                      default: { url: 'https://yt3.ggpht.example/channel=s88', width: 88, height: 88 },
                    },
                  },
                  contentDetails: { relatedPlaylists: { likes: '', uploads: this.uploadsPlaylist } },
                },
              ]
            : [];
          return { status: 200, body: { kind: 'youtube#channelListResponse', items } };
        }),
      },
      {
        method: 'POST',
        path: '/youtube/v3/commentThreads',
        handle: authed(this, (req) => this.insertComment(req)),
      },
      {
        method: 'GET',
        path: '/youtube/v3/commentThreads',
        handle: authed(this, (req) => {
          const videoId = req.query.get('videoId') ?? '';
          if (!this.videos.some((v) => v.id === videoId)) return COMMENT_VIDEO_NOT_FOUND;
          const under = this.comments.filter((c) => c.videoId === videoId).reverse(); // order=time: newest first
          const { page, nextPageToken } = tokenPage(req, under, 20, 100);
          const items = page.map((c) => this.thread(c));
          return {
            status: 200,
            body: {
              kind: 'youtube#commentThreadListResponse',
              ...(nextPageToken ? { nextPageToken } : {}),
              items,
              pageInfo: { totalResults: items.length, resultsPerPage: items.length },
            },
          };
        }),
      },
      {
        method: 'GET',
        path: '/youtube/v3/playlistItems',
        handle: authed(this, (req) => this.listPlaylist(req)),
      },
      {
        method: 'POST',
        path: '/youtube/v3/playlistItems',
        handle: authed(this, (req) => {
          const { playlistId, resourceId } = req.body?.snippet ?? {};
          const list = this.playlists.get(String(playlistId));
          if (!list)
            return youtubeError(
              404,
              'playlistNotFound',
              "The playlist identified with the request's playlistId parameter cannot be found.",
              'youtube.playlistItem',
            );
          list.push(String(resourceId?.videoId));
          return {
            status: 200,
            body: { kind: 'youtube#playlistItem', id: this.nextId('PLI'), snippet: req.body.snippet },
          };
        }),
      },
    ];
  }

  /** The comments under one video, as the contract suite reads them. */
  commentsUnder(videoId: string): Array<{ id: string; text: string }> {
    return this.comments.filter((c) => c.videoId === videoId).map((c) => ({ id: c.id, text: c.text }));
  }

  /** commentThreads.insert: a top-level comment by the token's channel; the thread's id is the comment's. */
  private insertComment(req: FakeRequest): FakeResponse {
    const snippet = req.body?.snippet ?? {};
    const text = String(snippet.topLevelComment?.snippet?.textOriginal ?? '');
    if (!snippet.channelId || !snippet.videoId)
      return commentError(
        400,
        'channelOrVideoIdMissing',
        'The comment thread must be linked to a channel and a video.',
      );
    if (!text)
      return commentError(400, 'commentTextRequired', 'The comment resource must specify a textOriginal.');
    if (!this.videos.some((v) => v.id === snippet.videoId)) return COMMENT_VIDEO_NOT_FOUND;
    const comment: VideoComment = {
      id: `Ug${this.nextId()}`,
      videoId: String(snippet.videoId),
      text,
      authorChannelId: this.channelId,
      publishedAt: new Date().toISOString(),
    };
    this.comments.push(comment);
    return { status: 200, body: this.thread(comment) };
  }

  private thread(c: VideoComment) {
    const comment = {
      kind: 'youtube#comment',
      id: c.id,
      snippet: {
        channelId: this.channelId,
        videoId: c.videoId,
        textDisplay: c.text,
        textOriginal: c.text,
        authorDisplayName: 'Postflow',
        authorChannelId: { value: c.authorChannelId },
        canRate: true,
        viewerRating: 'none',
        likeCount: 0,
        publishedAt: c.publishedAt,
        updatedAt: c.publishedAt,
      },
    };
    return {
      kind: 'youtube#commentThread',
      id: c.id,
      snippet: {
        channelId: this.channelId,
        videoId: c.videoId,
        topLevelComment: comment,
        canReply: true,
        totalReplyCount: 0,
        isPublic: true,
      },
    };
  }

  /** Step 1: checks the metadata as videos.insert does, opens a session, answers its Location. */
  private startSession(req: FakeRequest): FakeResponse {
    if (req.query.get('uploadType') !== 'resumable')
      return youtubeError(400, 'badRequest', 'uploadType must be resumable here.', 'global');
    const parts = (req.query.get('part') ?? '').split(',');
    const resource = req.body as Record<string, any>;
    const size = Number(req.headers['x-upload-content-length']);
    const contentType = String(req.headers['x-upload-content-type'] ?? '');
    if (!parts.includes('snippet') || !parts.includes('status'))
      return youtubeError(400, 'unexpectedPart', 'part must name snippet and status.', 'youtube.part');
    const title = resource.snippet?.title;
    if (typeof title !== 'string' || !title || [...title].length > 100 || /[<>]/.test(title)) {
      return youtubeError(
        400,
        'invalidTitle',
        'The request metadata specifies an invalid or empty video title.',
      );
    }
    const description = String(resource.snippet?.description ?? '');
    if (Buffer.byteLength(description) > 5000 || /[<>]/.test(description)) {
      return youtubeError(
        400,
        'invalidDescription',
        'The request metadata specifies an invalid video description.',
      );
    }
    if (!/^\d+$/.test(String(resource.snippet?.categoryId ?? '22'))) {
      return youtubeError(
        400,
        'invalidCategoryId',
        'The snippet.categoryId property specifies an invalid category ID.',
      );
    }
    const status = resource.status ?? {};
    if (status.privacyStatus !== undefined && !PRIVACY.includes(status.privacyStatus)) {
      return youtubeError(400, 'invalidVideoMetadata', 'The request metadata is invalid.');
    }
    if (status.publishAt && status.privacyStatus !== 'private') {
      return youtubeError(
        400,
        'invalidPublishAt',
        'The request metadata specifies an invalid scheduled publishing time.',
      );
    }
    if (resource.recordingDetails && !parts.includes('recordingDetails')) {
      return youtubeError(400, 'unexpectedPart', 'recordingDetails is set but not in part.', 'youtube.part');
    }
    if (
      !Number.isInteger(size) ||
      size <= 0 ||
      !(contentType.startsWith('video/') || contentType === 'application/octet-stream')
    ) {
      return youtubeError(400, 'mediaBodyRequired', 'The request does not include the video content.');
    }
    const uploadId = this.nextId('up_');
    this.sessionsOpened.push(uploadId);
    this.sessionOpenedAt.set(uploadId, Date.now());
    this.sessions.set(uploadId, {
      resource,
      size,
      contentType,
      notifySubscribers: req.query.get('notifySubscribers') !== 'false',
      hash: createHash('sha256'),
      received: 0,
    });
    const location = `${this.url}/upload/youtube/v3/videos?uploadType=resumable&part=${parts.join(',')}&upload_id=${uploadId}`;
    return { status: 200, headers: { location }, body: '' };
  }

  /**
   * Step 2: the bytes, in one PUT or in chunks (`Content-Range: bytes first-last/total`); 308 with
   * `Range: bytes=0-N` until the last byte is in, then 201 and the video. An empty PUT with
   * `Content-Range: bytes *\/total` asks where the upload stands. Unknown or expired session: 404.
   */
  private upload(req: FakeRequest): FakeResponse {
    const uploadId = req.query.get('upload_id') ?? '';
    const session = this.sessions.get(uploadId);
    const range = String(req.headers['content-range'] ?? '');
    if (req.raw.length === 0 && /^bytes \*\/\d+$/.test(range)) {
      this.statusQueries += 1;
      if (this.statusFaults.skip > 0) this.statusFaults.skip -= 1;
      else if (this.statusFaults.left > 0) {
        this.statusFaults.left -= 1;
        return this.statusFaults.answer;
      }
      if (!session) return { status: 404, body: 'Not Found' };
      return session.video ? { status: 200, body: this.entity(session.video) } : this.incomplete(session);
    }
    // Without Content-Range, the whole file in one PUT.
    const m = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(range);
    const [first, last, total] = m
      ? [Number(m[1]), Number(m[2]), Number(m[3])]
      : [0, req.raw.length - 1, session?.size ?? req.raw.length];
    const record: ChunkRecord = { uploadId, first, last, total, status: 0, kept: 0, at: Date.now() };
    this.chunks.push(record);
    const before = session?.received ?? 0;
    const answer = this.chunk(req, uploadId, session, first, last, total);
    record.status = answer.status;
    record.kept = (session?.received ?? 0) - before;
    if (this.plan && --this.plan.left <= 0) this.arm();
    return answer;
  }

  private chunk(
    req: FakeRequest,
    uploadId: string,
    session: Session | undefined,
    first: number,
    last: number,
    total: number,
  ): FakeResponse {
    const fault = this.armed;
    this.armed = undefined;
    if (fault === 'expire-session') this.sessions.delete(uploadId);
    if (!session || fault === 'expire-session') return { status: 404, body: 'Not Found' };
    if (fault && fault !== 'reset-mid-chunk') return fault;
    if (session.video) return { status: 200, body: this.entity(session.video) };
    if (total !== session.size || last - first + 1 !== req.raw.length || last >= total) {
      return youtubeError(400, 'badRequest', 'Content-Range does not match the upload.', 'global');
    }
    if (last + 1 < total && req.raw.length % CHUNK_UNIT !== 0) {
      return youtubeError(400, 'badRequest', 'A chunk must be a multiple of 256 KiB.', 'global');
    }
    // A chunk that does not start where the upload stands is not taken: the answer says where it stands.
    if (first !== session.received) return this.incomplete(session);
    const kept =
      fault === 'reset-mid-chunk' ? Math.floor(req.raw.length / 2 / CHUNK_UNIT) * CHUNK_UNIT : req.raw.length;
    session.hash.update(req.raw.subarray(0, kept));
    session.received = first + kept;
    if (session.received < session.size) return this.incomplete(session);
    session.video = this.createVideo(session);
    return { status: 201, body: this.entity(session.video) };
  }

  /** 308 Resume Incomplete, with Range once the server holds any byte. */
  private incomplete(session: Session): FakeResponse {
    return {
      status: 308,
      headers: session.received > 0 ? { range: `bytes=0-${session.received - 1}` } : {},
    };
  }

  private createVideo(session: Session): Video {
    const { snippet, status = {}, recordingDetails } = session.resource;
    const video: Video = {
      id: this.nextId('v').slice(-11),
      title: snippet.title,
      description: snippet.description ?? '',
      tags: snippet.tags ?? [],
      categoryId: String(snippet.categoryId ?? '22'),
      status: { privacyStatus: 'public', ...status },
      ...(recordingDetails ? { recordingDetails } : {}),
      notifySubscribers: session.notifySubscribers,
      bytes: session.size,
      sha256: session.hash.digest('hex'),
      contentType: session.contentType,
      publishedAt: new Date().toISOString(),
      pollsLeft: this.processingPolls,
    };
    this.videos.push(video);
    return video;
  }

  private listPlaylist(req: FakeRequest): FakeResponse {
    const playlistId = req.query.get('playlistId') ?? '';
    let ids: string[];
    if (playlistId === this.uploadsPlaylist) ids = [...this.videos].reverse().map((v) => v.id);
    else if (this.playlists.has(playlistId)) ids = [...this.playlists.get(playlistId)!];
    else
      return youtubeError(
        404,
        'playlistNotFound',
        "The playlist identified with the request's playlistId parameter cannot be found.",
        'youtube.playlistItem',
      );
    const only = req.query.get('videoId');
    const { page, nextPageToken } = tokenPage(
      req,
      ids.filter((id) => !only || id === only),
      5,
      50,
    );
    const items = page.map((id) => {
      const v = this.videos.find((x) => x.id === id);
      return {
        kind: 'youtube#playlistItem',
        id: `PLI${id}`,
        snippet: {
          publishedAt: v?.publishedAt,
          channelId: this.channelId,
          title: v?.title ?? 'Deleted video',
          description: v?.description ?? '',
          playlistId,
          resourceId: { kind: 'youtube#video', videoId: id },
        },
        contentDetails: { videoId: id, videoPublishedAt: v?.publishedAt },
      };
    });
    return {
      status: 200,
      body: { kind: 'youtube#playlistItemListResponse', ...(nextPageToken ? { nextPageToken } : {}), items },
    };
  }

  /**
   * A video's `statistics` part: counts as strings (the API's uint64 fields), `dislikeCount`
   * only for the owner, `favoriteCount` deprecated (always 0).
   */
  private statistics(id: string) {
    const counts = { viewCount: 0, likeCount: 0, dislikeCount: 0, favoriteCount: 0, commentCount: 0 };
    return Object.fromEntries(
      Object.entries({ ...counts, ...this.engagement.get(id) }).map(([k, v]) => [k, String(v)]),
    );
  }

  private entity(v: Video) {
    const done = v.pollsLeft === 0;
    return {
      kind: 'youtube#video',
      id: v.id,
      snippet: {
        publishedAt: v.publishedAt,
        channelId: this.channelId,
        title: v.title,
        description: v.description,
        tags: v.tags,
        categoryId: v.categoryId,
      },
      status: {
        uploadStatus: done ? 'processed' : 'uploaded',
        license: 'youtube',
        embeddable: true,
        publicStatsViewable: true,
        ...v.status,
      },
      processingDetails: {
        processingStatus: done ? 'succeeded' : 'processing',
        ...(done ? {} : { processingProgress: { partsTotal: 1000, partsProcessed: 400, timeLeftMs: 7000 } }),
      },
    };
  }
}

/**
 * The Data API's paging: `maxResults` items (`fallback` unless asked, at most `max`) from the
 * opaque `pageToken`, with `nextPageToken` while more remain.
 */
function tokenPage<T>(req: FakeRequest, all: readonly T[], fallback: number, max: number) {
  const size = Math.min(Number(req.query.get('maxResults') ?? fallback), max);
  const token = req.query.get('pageToken');
  const from = token ? Number(Buffer.from(token, 'base64url').toString()) : 0;
  const page = all.slice(from, from + size);
  const nextPageToken =
    from + size < all.length ? Buffer.from(String(from + size)).toString('base64url') : undefined;
  return { page, nextPageToken };
}

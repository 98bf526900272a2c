import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from './fake-platform';
import { authed, googleError, tokenRoute } from './google';

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
}

const PRIVACY = ['public', 'private', 'unlisted'];

const youtubeError = (code: number, reason: string, message: string, domain = 'youtube.video') =>
  googleError(code, undefined, message, { reason, domain });

/**
 * YouTube Data API v3 as its docs describe it: the resumable upload (POST …/upload/youtube/v3/
 * videos?uploadType=resumable → Location; PUT the bytes → 201 and the video), videos.list with
 * status/processingDetails (processing over a few polls, then processed), channels.list for the
 * uploads playlist, playlistItems.list/insert, videos.delete, `{ error: { errors: [{ reason }] } }`
 * bodies, and Google's token endpoint at `/token`.
 */
export class YoutubeFake extends FakePlatform {
  readonly videos: Video[] = [];
  readonly channelId = 'UCfakeChannel0000000000a';
  readonly playlists = new Map<string, string[]>([['PLfavourites', []]]);
  readonly client = { id: 'yt-client.apps.googleusercontent.com', secret: 'yt-secret' };
  readonly tokenRequests: Array<Record<string, string>> = [];
  /** Upload sessions by upload_id. */
  private readonly sessions = new Map<string, Session>();
  /** How many videos.list answers say "processing" for a new video. */
  processingPolls = 2;

  constructor() {
    super('youtube');
    this.routes.push(tokenRoute(this, this.tokenRequests), ...this.endpoints());
  }

  credentials(): Record<string, string> {
    return {
      ...this.issueTokens(this.client.id),
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      channel_id: this.channelId,
    };
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
      { method: 'PUT', path: '/upload/youtube/v3/videos', handle: authed(this, (req) => this.upload(req)) },
      {
        method: 'GET',
        path: '/youtube/v3/videos',
        handle: authed(this, (req) => {
          const ids = (req.query.get('id') ?? '').split(',');
          const items = this.videos
            .filter((v) => ids.includes(v.id))
            .map((v) => {
              const entity = this.entity(v);
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
                  contentDetails: { relatedPlaylists: { likes: '', uploads: this.uploadsPlaylist } },
                },
              ]
            : [];
          return { status: 200, body: { kind: 'youtube#channelListResponse', items } };
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
    this.sessions.set(uploadId, {
      resource,
      size,
      contentType,
      notifySubscribers: req.query.get('notifySubscribers') !== 'false',
    });
    const location = `${this.url}/upload/youtube/v3/videos?uploadType=resumable&part=${parts.join(',')}&upload_id=${uploadId}`;
    return { status: 200, headers: { location }, body: '' };
  }

  /** Step 2: the bytes, all at once; a complete upload creates the video (201 and its resource). */
  private upload(req: FakeRequest): FakeResponse {
    const session = this.sessions.get(req.query.get('upload_id') ?? '');
    if (!session) return { status: 404, body: 'Not Found' }; // expired or unknown session: start again
    if (req.raw.length < session.size) {
      return { status: 308, headers: { range: `bytes=0-${req.raw.length - 1}` } };
    }
    this.sessions.delete(req.query.get('upload_id')!);
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
      bytes: req.raw.length,
      contentType: session.contentType,
      publishedAt: new Date().toISOString(),
      pollsLeft: this.processingPolls,
    };
    this.videos.push(video);
    return { status: 201, body: this.entity(video) };
  }

  private listPlaylist(req: FakeRequest): FakeResponse {
    const playlistId = req.query.get('playlistId') ?? '';
    const max = Math.min(Number(req.query.get('maxResults') ?? 5), 50);
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
    const items = ids
      .filter((id) => !only || id === only)
      .slice(0, max)
      .map((id) => {
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
    return { status: 200, body: { kind: 'youtube#playlistItemListResponse', items } };
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

import type { FakeRequest, FakeResponse, Route } from '../../kit/fake-platform';
import { type ContainerLife, ContainerRules } from '../fake-containers';
import { MetaGraphFake } from '../fake-graph';
import { GraphComments } from '../fake-comments';
import { insightsAnswer } from '../fake-insights';
import { FakeUploads } from '../fake-uploads';

/** Media insights metrics Instagram documents for current Graph versions: feed posts and reels… */
const MEDIA_METRICS = ['likes', 'comments', 'shares', 'saved', 'views', 'reach', 'total_interactions'];
/** …and stories, which have no likes, comments or saves. */
const STORY_METRICS = ['views', 'reach', 'shares', 'replies', 'navigation', 'total_interactions'];

interface Container extends ContainerLife {
  id: string;
  /** The Instagram account it was made for (only that account may publish it). */
  owner: string;
  mediaType: string;
  caption: string;
  carouselItem: boolean;
  children: string[];
  params: Record<string, string>;
  /** Made with `upload_type=resumable`: IN_PROGRESS, unprocessed, until all its bytes arrived. */
  awaitingBytes?: boolean;
}

export interface InstagramMedia {
  id: string;
  /** The Instagram account it was published on. */
  owner: string;
  caption: string;
  mediaType: string;
  /** Items in it: 1, or the carousel's children. */
  items: number;
  params: Record<string, string>;
  timestamp: string;
}

const MEDIA_TYPES = ['REELS', 'STORIES', 'CAROUSEL', 'VIDEO', 'IMAGE'];
const STATUS_TEXT = {
  IN_PROGRESS: 'In Progress',
  FINISHED: 'Finished',
  PUBLISHED: 'Published',
  EXPIRED: 'Expired',
  ERROR: 'Error',
};

/**
 * The Instagram API with Instagram Login (graph.instagram.com) as its Content Publishing docs
 * describe it: containers from public media URLs (fetched here), status_code IN_PROGRESS →
 * FINISHED over polls for videos, carousels of 2–10 finished children, media_publish, the
 * account's media and stories, comments on media (not stories), resumable video containers
 * (`upload_type=resumable`: the answer's `uri` on this fake's rupload path, `POST
 * /ig-api-upload/{version}/{container}` with `offset` and `file_size`), refresh_access_token
 * (ig_refresh_token), and connecting (Business Login, `connectRoutes`). No delete. Containers
 * expire unpublished and turn PUBLISHED on media_publish; `rules` can make the media list lag
 * (meta-containers.ts).
 */
export class InstagramFake extends MetaGraphFake {
  readonly userId = '17841400000000001';
  readonly published: InstagramMedia[] = [];
  readonly containers = new Map<string, Container>();
  /** Media insights values (`likes`, `comments`, `shares`, `saved`, `views`, `reach`), by media id; 0 where unset. */
  readonly engagement = new Map<string, Record<string, number>>();
  readonly rules = new ContainerRules();
  /** Status reads a video container stays IN_PROGRESS once its media is in (processing). */
  videoProcessingReads = 1;
  /** Videos sent to rupload, by container id. */
  readonly uploads = new FakeUploads();
  readonly comments = new GraphComments(this, {
    textField: 'text',
    timeField: 'timestamp',
    refusal: (id) => {
      const media = this.published.find((m) => m.id === id);
      if (!media) return MetaGraphFake.notFound(id);
      return media.mediaType === 'STORIES'
        ? MetaGraphFake.error(400, 100, 'Unsupported request: stories do not take comments.', {
            type: 'IGApiException',
          })
        : undefined;
    },
    author: () => ({ id: this.userId, username: 'postflow' }),
  });

  /**
   * `refreshGrant`: the flow's token refresh (Instagram Login's `ig_refresh_token`); none through
   * Facebook Login, whose Page tokens do not expire (instagram_business/fake.ts).
   */
  constructor(name = 'instagram', refreshGrant: string | undefined = 'ig_refresh_token') {
    super(name, 'v25.0');
    this.routes.push(...this.endpoints());
    if (refreshGrant) this.routes.push(this.refreshRoute(refreshGrant), ...this.connectRoutes());
  }

  /** The person's app-scoped id on `/me` (`id`), apart from the professional account's `user_id`. */
  readonly appScopedId = '7590000000000001';

  /**
   * Connecting with Business Login for Instagram, as documented: the authorization window
   * (`/oauth/authorize`, www.instagram.com), the code redeemed at `POST /oauth/access_token`
   * (api.instagram.com: client id and secret, the same redirect_uri) for an hour's token in a
   * `data` list, or `{error_type, code, error_message}`; `GET /access_token?grant_type=
   * ig_exchange_token` (graph.instagram.com) for a 60-day token; and `/me` with the fields asked.
   */
  private connectRoutes(): Route[] {
    const oauthError = (message: string): FakeResponse => ({
      status: 400,
      body: { error_type: 'OAuthException', code: 400, error_message: message },
    });
    return [
      this.consentRoute('/oauth/authorize', (id) => id === this.client.id),
      {
        method: 'POST',
        path: '/oauth/access_token',
        handle: (req) => {
          const form = req.body as Record<string, string>;
          if (form.client_id !== this.client.id || form.client_secret !== this.client.secret)
            return oauthError('Invalid platform app');
          if (form.grant_type !== 'authorization_code')
            return oauthError('Invalid grant_type: only authorization_code is supported');
          const pair = this.redeemCode(form, form.client_id);
          if (!pair) return oauthError('Matching code was not found or was already used');
          this.refreshTokens.delete(pair.refresh_token);
          const permissions = this.consents.at(-1)?.scope ?? '';
          return {
            status: 200,
            body: { data: [{ access_token: pair.access_token, user_id: this.userId, permissions }] },
          };
        },
      },
      this.exchangeRoute('ig_exchange_token'),
      {
        method: 'GET',
        path: this.at('/me'),
        handle: this.authed((req) => {
          const profile: Record<string, string> = {
            id: this.appScopedId,
            user_id: this.userId,
            username: 'postflow',
            name: 'Postflow on Instagram',
            account_type: 'BUSINESS',
            profile_picture_url: 'https://scontent.cdninstagram.example/postflow-avatar.jpg',
            biography: 'Posts scheduled with Postflow.',
          };
          const fields = (req.query.get('fields') ?? 'id').split(',');
          return {
            status: 200,
            body: Object.fromEntries(Object.entries(profile).filter(([key]) => fields.includes(key))),
          };
        }),
      },
    ];
  }

  credentials(): Record<string, string> {
    return { user_id: this.userId, ...this.longLivedToken() };
  }

  /** The Instagram accounts this fake's tokens may publish on: its one account here. */
  protected owns(user: string): boolean {
    return user === this.userId;
  }

  private endpoints(): Route[] {
    return [
      {
        method: 'POST',
        path: this.at('/(?<user>\\d+)/media'),
        handle: this.authed((r, p) => this.create(r, p.user!)),
      },
      {
        method: 'POST',
        path: this.at('/(?<user>\\d+)/media_publish'),
        handle: this.authed((r, p) => this.publish(r, p.user!)),
      },
      {
        method: 'GET',
        path: this.at('/(?<user>\\d+)/(?<edge>media|stories)'),
        handle: this.authed((r, p) => this.list(r, p.user!, p.edge!)),
      },
      {
        method: 'GET',
        path: this.at('/(?<user>\\d+)/content_publishing_limit'),
        handle: this.authed((_r, p) => this.publishingLimit(p.user!)),
      },
      { method: 'GET', path: this.at('/(?<id>\\d+)'), handle: this.authed((_r, p) => this.node(p.id!)) },
      {
        method: 'GET',
        path: this.at('/(?<id>\\d+)/insights'),
        handle: this.authed((r, p) => {
          const media = this.published.find((m) => m.id === p.id);
          if (!media) return MetaGraphFake.notFound(p.id!);
          const known = media.mediaType === 'STORIES' ? STORY_METRICS : MEDIA_METRICS;
          return insightsAnswer(r, p.id!, known, this.engagement);
        }),
      },
      ...this.comments.routes((pattern) => this.at(pattern), '\\d+'),
      {
        method: 'POST',
        path: new RegExp(`^/ig-api-upload/${this.version.replace('.', '\\.')}/(?<id>\\d+)$`),
        handle: (r, p) => this.rupload(r, p.id!),
      },
    ];
  }

  /**
   * rupload as the resumable-upload guide shows it: `Authorization: OAuth <token>`, `offset` (where
   * this body starts in the file) and `file_size` (the whole file's), the bytes as the body;
   * `{"success": true, "message": "Upload successful."}`. Bytes at an offset the fake already holds
   * replace those (the offset places them); an offset past what it holds, a missing header, or a
   * `file_size` that changed is refused, as is a container that expired (24 hours unpublished,
   * waiting for bytes or not), failed or was published. Once all bytes are in, the container is
   * processed (one status read sees IN_PROGRESS, then FINISHED); a chunk sent again after that
   * still lands in its place.
   */
  private rupload(req: FakeRequest, id: string): FakeResponse {
    const token = FakeUploads.oauthToken(req);
    if (!token || !this.accessTokens.has(token))
      return FakeUploads.ruploadError(401, 'AuthorizationError', 'Invalid OAuth access token.');
    const container = this.containers.get(id);
    if (
      container?.params.upload_type !== 'resumable' ||
      !this.owns(container.owner) ||
      (!this.awaiting(container) && !['IN_PROGRESS', 'FINISHED'].includes(this.rules.current(container)))
    )
      return FakeUploads.ruploadError(400, 'ProcessingFailedError', 'Request processing failed');
    const offset = Number(req.headers.offset);
    const size = Number(req.headers.file_size);
    if (
      req.headers.offset === undefined ||
      req.headers.file_size === undefined ||
      !(size > 0) ||
      !(offset >= 0)
    )
      return FakeUploads.ruploadError(400, 'ProcessingFailedError', 'Request processing failed');
    const file = this.uploads.files.get(id) ?? this.uploads.open(id, size);
    if (file.size !== size)
      return FakeUploads.ruploadError(400, 'ProcessingFailedError', 'file_size does not match the upload');
    if (offset > file.held || offset + req.raw.length > size)
      return FakeUploads.ruploadError(
        400,
        'ProcessingFailedError',
        `offset ${offset} does not follow the bytes received`,
      );
    FakeUploads.take(file, offset, req.raw);
    if (file.held === size && container.awaitingBytes) {
      container.awaitingBytes = false;
      container.pollsLeft = this.videoProcessingReads;
    }
    return { status: 200, body: { success: true, message: 'Upload successful.' } };
  }

  /** Posts the account may publish through the API in a moving 24 hours (Meta: 100). */
  publishingQuota = 100;
  /** When each post published through the API was (ms): posts made in the app do not count. */
  readonly apiPublishedAt: number[] = [];

  /**
   * `GET /{ig-user-id}/content_publishing_limit`: the account's API-published posts of the last 24
   * hours (`quota_usage`) and its `config` (`quota_total`, `quota_duration` in seconds).
   */
  private publishingLimit(user: string): FakeResponse {
    if (!this.owns(user)) return MetaGraphFake.notFound(user);
    const since = Date.now() - 86_400_000;
    const used = this.apiPublishedAt.filter((at) => at >= since).length;
    return {
      status: 200,
      body: {
        data: [{ quota_usage: used, config: { quota_total: this.publishingQuota, quota_duration: 86_400 } }],
      },
    };
  }

  private async create(req: FakeRequest, user: string): Promise<FakeResponse> {
    if (!this.owns(user)) return MetaGraphFake.notFound(user);
    const b = req.body as Record<string, string>;
    const mediaType = b.media_type ?? 'IMAGE';
    if (!MEDIA_TYPES.includes(mediaType))
      return MetaGraphFake.error(400, 100, `Invalid parameter: media_type ${mediaType}`);
    if ((b.caption ?? '').length > 2200)
      return MetaGraphFake.error(400, 24, 'The caption is too long', { subcode: 2207010 });
    let children: string[] = [];
    let pollsLeft = 0;
    if (mediaType === 'CAROUSEL') {
      children = (b.children ?? '').split(',').filter(Boolean);
      if (children.length < 2 || children.length > 10)
        return MetaGraphFake.error(400, 100, 'Carousels need 2 to 10 children', { subcode: 2207028 });
      const bad = children.find(
        (id) => !this.isReady(this.containers.get(id)) || !this.containers.get(id)?.carouselItem,
      );
      if (bad) return MetaGraphFake.error(400, 24, 'Media ID is not available', { subcode: 2207006 });
    } else if (b.upload_type === 'resumable') {
      if (!['REELS', 'STORIES', 'VIDEO'].includes(mediaType) || b.video_url || b.image_url)
        return MetaGraphFake.error(
          400,
          100,
          'Resumable uploads take media_type REELS, STORIES or VIDEO, without a URL.',
        );
      if (mediaType === 'VIDEO' && b.is_carousel_item !== 'true')
        return MetaGraphFake.error(400, 100, 'media_type VIDEO is for carousel items.');
    } else {
      const url = b.video_url ?? b.image_url;
      if (!url)
        return MetaGraphFake.error(400, 100, 'Only photo or video can be accepted as media type.', {
          subcode: 2207023,
        });
      const media = await this.fetchMedia(url);
      if (!media)
        return MetaGraphFake.error(
          400,
          9004,
          'Media download has failed. The media URI does not meet our requirements.',
          {
            subcode: 2207052,
          },
        );
      if (b.image_url && !media.contentType.startsWith('image/'))
        return MetaGraphFake.error(400, 9004, 'The image format is not supported.', { subcode: 2207005 });
      if (b.video_url) pollsLeft = this.videoProcessingReads; // videos are processed: a poll sees IN_PROGRESS
    }
    const id = this.nextId('1790');
    this.containers.set(id, {
      id,
      owner: user,
      mediaType,
      caption: b.caption ?? '',
      carouselItem: b.is_carousel_item === 'true',
      children,
      pollsLeft,
      status: pollsLeft || b.upload_type === 'resumable' ? 'IN_PROGRESS' : 'FINISHED',
      createdAt: Date.now(),
      params: b,
      ...(b.upload_type === 'resumable' ? { awaitingBytes: true } : {}),
    });
    if (b.upload_type !== 'resumable') return { status: 200, body: { id } };
    return { status: 200, body: { id, uri: `${this.url}/ig-api-upload/${this.version}/${id}` } };
  }

  private publish(req: FakeRequest, user: string): FakeResponse {
    if (!this.owns(user)) return MetaGraphFake.notFound(user);
    const container = this.containers.get(String(req.body.creation_id));
    if (container?.owner !== user) return MetaGraphFake.notFound(String(req.body.creation_id));
    if (this.rules.current(container) === 'EXPIRED')
      return MetaGraphFake.error(400, -2, 'The media has expired; upload it again.', { subcode: 2207020 });
    if (container.status !== 'FINISHED' || container.carouselItem)
      return MetaGraphFake.error(400, 9007, 'Media ID is not available', { subcode: 2207027 });
    const media: InstagramMedia = {
      id: this.nextId('1800'),
      owner: user,
      caption: container.caption,
      mediaType: container.mediaType === 'CAROUSEL' ? 'CAROUSEL_ALBUM' : container.mediaType,
      items: container.children.length || 1,
      params: container.params,
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, '+0000'),
    };
    this.published.push(media);
    this.apiPublishedAt.push(Date.now());
    this.rules.published(container, media.id);
    return { status: 200, body: { id: media.id } };
  }

  /** A post made in Instagram's app, not through the API (no container). */
  postFromApp(mediaType: string, caption: string, at = new Date()): InstagramMedia {
    const media: InstagramMedia = {
      id: this.nextId('1800'),
      owner: this.userId,
      caption,
      mediaType,
      items: 1,
      params: {},
      timestamp: at.toISOString().replace(/\.\d{3}Z$/, '+0000'),
    };
    this.published.push(media);
    return media;
  }

  /** A resumable container still waiting for its bytes; one left waiting a lifetime has expired. */
  private awaiting(c: Container): boolean {
    if (c.awaitingBytes && Date.now() - c.createdAt >= this.rules.ttlMs) {
      c.awaitingBytes = false;
      c.status = 'EXPIRED';
    }
    return !!c.awaitingBytes;
  }

  private isReady(c: Container | undefined): boolean {
    return !!c && this.rules.current(c) === 'FINISHED';
  }

  private list(req: FakeRequest, user: string, edge: string): FakeResponse {
    if (!this.owns(user)) return MetaGraphFake.notFound(user);
    const data = [...this.published]
      .reverse()
      .filter((m) => m.owner === user)
      .filter((m) => (edge === 'stories') === (m.mediaType === 'STORIES'))
      .filter((m) => this.rules.listed(m.id))
      .map((m) => this.entity(m));
    return this.page(req, data);
  }

  private node(id: string): FakeResponse {
    const container = this.containers.get(id);
    if (container) {
      // IG Container fields: id, status_code, status (and copyright_check_status); no media id.
      const status = this.awaiting(container) ? 'IN_PROGRESS' : this.rules.read(container);
      return { status: 200, body: { id, status_code: status, status: STATUS_TEXT[status] } };
    }
    const media = this.published.find((m) => m.id === id);
    return media ? { status: 200, body: this.entity(media) } : MetaGraphFake.notFound(id);
  }

  private entity(m: InstagramMedia) {
    return {
      id: m.id,
      ...(m.mediaType === 'STORIES' ? {} : { caption: m.caption }),
      media_type: m.mediaType === 'REELS' ? 'VIDEO' : m.mediaType === 'STORIES' ? 'IMAGE' : m.mediaType,
      timestamp: m.timestamp,
      permalink: `https://www.instagram.com/p/${m.id.slice(-11)}/`,
    };
  }
}

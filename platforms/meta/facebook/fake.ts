import type { FakeRequest, FakeResponse, Route } from '../../kit/fake-platform';
import { type FakeMetaPage, MetaGraphFake } from '../fake-graph';
import { GraphComments } from '../fake-comments';
import { FakeUploads } from '../fake-uploads';

export interface PagePost {
  id: string;
  /** The Page it is on. */
  page: string;
  kind: 'status' | 'photo' | 'album' | 'video';
  message: string;
  /** Photos or videos in it. */
  items: number;
  params: Record<string, string>;
  createdTime: string;
  /** Videos: status polls left while Facebook processes it. */
  pollsLeft: number;
}

/**
 * A Facebook Page through the Graph API: `/{page}/feed` (message, link, attached_media of
 * unpublished photos), `/{page}/photos` (by URL, fetched here; `published=false` keeps them
 * unpublished), `/{page}/videos` (by `file_url`, or by `fbuploader_video_file_chunk`: the handle of
 * a file sent by the Resumable Upload API, `/{app-id}/uploads` and `/upload:<session>`; processed
 * over polls), the Page's posts and videos
 * with `since`, comments on posts (made as the Page), and delete. Page tokens do not expire: no
 * refresh endpoint. Facebook Login (consent, code, long-lived exchange, `/me/accounts`) gives the
 * person's two Pages, each with its own Page token: a Page's edges answer only its own token.
 */
export class FacebookFake extends MetaGraphFake {
  readonly pageId = '104857600123456';
  readonly pages: readonly FakeMetaPage[] = [
    { id: this.pageId, name: 'Postflow Page' },
    { id: '104857600654321', name: 'Postflow Second Page' },
  ];
  readonly published: PagePost[] = [];
  readonly unpublishedPhotos = new Map<string, Record<string, string>>();
  /** Files sent by the Resumable Upload API, by session id (`upload:…`). */
  readonly uploads = new FakeUploads();
  /** A pause before each chunk is taken, as on a slow link (a crash test kills the worker mid-upload). */
  chunkDelayMs = 0;
  /** File handles of whole uploads → their session. */
  readonly handles = new Map<string, string>();
  /**
   * What a post's engagement fields summarize, by post id (0 where unset): `reactions` and
   * `comments` (`summary.total_count`), `shares` (`shares.count`).
   */
  readonly engagement = new Map<string, { reactions?: number; comments?: number; shares?: number }>();
  readonly comments = new GraphComments(this, {
    textField: 'message',
    timeField: 'created_time',
    refusal: (id) => (this.published.some((p) => p.id === id) ? undefined : MetaGraphFake.notFound(id)),
    author: () => ({ id: this.pageId, name: 'Postflow Page' }),
    // A comment's id is `<post>_<comment>`, the post's part without the Page's.
    commentId: (post, fresh) => `${post.split('_').at(-1)}_${fresh}`,
  });

  constructor() {
    super('facebook', 'v25.0');
    this.routes.push(...this.loginRoutes(this.pages), ...this.endpoints());
  }

  /** A Page's credentials as a connect records them: its id and its Page token. */
  credentials(page = this.pageId): Record<string, string> {
    return { page_id: page, access_token: this.pageToken(page) };
  }

  /** The Page's posts, newest last. */
  postsOn(page: string): PagePost[] {
    return this.published.filter((p) => p.page === page);
  }

  private endpoints(): Route[] {
    // A Page's edges take that Page's token only; another Page's token lacks the permission.
    const page = (handle: (req: FakeRequest, page: string) => FakeResponse | Promise<FakeResponse>) =>
      this.authed((req, p) => {
        if (!this.pages.some((x) => x.id === p.page)) return MetaGraphFake.notFound(p.page!);
        if (this.pageTokens.get(req.bearer!) !== p.page)
          return MetaGraphFake.error(
            403,
            200,
            "(#200) The user hasn't authorized the application to perform this action",
            {
              type: 'OAuthException',
            },
          );
        return handle(req, p.page!);
      });
    return [
      ...this.uploadRoutes(),
      { method: 'POST', path: this.at('/(?<page>\\d+)/feed'), handle: page((r, p) => this.feed(r, p)) },
      { method: 'POST', path: this.at('/(?<page>\\d+)/photos'), handle: page((r, p) => this.photo(r, p)) },
      { method: 'POST', path: this.at('/(?<page>\\d+)/videos'), handle: page((r, p) => this.video(r, p)) },
      {
        method: 'GET',
        path: this.at('/(?<page>\\d+)/(?<edge>posts|videos)'),
        handle: this.authed((r, p) => this.list(r, p.page!, p.edge!)),
      },
      { method: 'GET', path: this.at('/(?<id>[\\d_]+)'), handle: this.authed((r, p) => this.node(r, p.id!)) },
      ...this.comments.routes((pattern) => this.at(pattern), '[\\d_]+'),
      {
        method: 'DELETE',
        path: this.at('/(?<id>[\\d_]+)'),
        handle: this.authed((r, p) => this.remove(p.id!, r.bearer!)),
      },
    ];
  }

  private feed(req: FakeRequest, page: string): FakeResponse {
    const b = req.body as Record<string, string>;
    const attached = Object.keys(b)
      .filter((k) => /^attached_media\[\d+\]$/.test(k))
      .map((k) => String(JSON.parse(b[k]!).media_fbid));
    if (!b.message && !b.link && !attached.length)
      return MetaGraphFake.error(400, 100, '(#100) Missing message or attachment');
    const unknown = attached.find((id) => !this.unpublishedPhotos.has(id));
    if (unknown) return MetaGraphFake.notFound(unknown);
    attached.forEach((id) => this.unpublishedPhotos.delete(id));
    const post = this.add(page, attached.length ? 'album' : 'status', b.message ?? '', attached.length, b);
    return { status: 200, body: { id: post.id } };
  }

  private async photo(req: FakeRequest, page: string): Promise<FakeResponse> {
    const b = req.body as Record<string, string>;
    if (!b.url || !(await this.fetchMedia(b.url)))
      return MetaGraphFake.error(400, 324, '(#324) Requires upload file', { type: 'OAuthException' });
    if (b.published === 'false') {
      const id = this.nextId('2');
      this.unpublishedPhotos.set(id, b);
      return { status: 200, body: { id } };
    }
    const post = this.add(page, 'photo', b.caption ?? '', 1, b);
    return { status: 200, body: { id: this.nextId('2'), post_id: post.id } };
  }

  /**
   * The Resumable Upload API as its guide documents it: `POST /{app-id}/uploads` (`file_name`,
   * `file_length`, `file_type`; the app must be this fake's) → `{"id": "upload:<session>"}`;
   * `POST /upload:<session>` with `Authorization: OAuth <token>` and a `file_offset` header → `{"h":
   * handle}` once whole, `{"id", "file_offset"}` before; `GET /upload:<session>` → `{"id",
   * "file_offset"}`. Without the OAuth header, or with a `file_offset` other than the bytes held, the
   * call is refused (Graph error bodies); an expired session is an object Graph does not know.
   */
  private uploadRoutes(): Route[] {
    const session =
      (handle: (req: FakeRequest, id: string) => FakeResponse | Promise<FakeResponse>) =>
      (req: FakeRequest, p: Record<string, string>) => {
        const id = `upload:${p.session}`;
        const token = FakeUploads.oauthToken(req);
        if (!token || !this.accessTokens.has(token)) return MetaGraphFake.invalidToken;
        const file = this.uploads.files.get(id);
        if (!file || file.expired) return MetaGraphFake.notFound(id);
        return handle(req, id);
      };
    return [
      {
        method: 'POST',
        path: this.at('/(?<app>[^/:]+)/uploads'),
        handle: this.authed((req, p) => {
          if (p.app !== this.client.id) return MetaGraphFake.notFound(p.app!);
          const b = req.body as Record<string, string>;
          const length = Number(b.file_length);
          if (!b.file_name || !(length > 0) || !b.file_type)
            return MetaGraphFake.error(400, 100, '(#100) file_name, file_length and file_type are required');
          if (!['application/pdf', 'image/jpeg', 'image/jpg', 'image/png', 'video/mp4'].includes(b.file_type))
            return MetaGraphFake.error(400, 100, `(#100) Invalid file_type ${b.file_type}`);
          const id = `upload:${Buffer.from(`attachment:${this.nextId()}`).toString('base64url')}`;
          this.uploads.open(id, length);
          return { status: 200, body: { id } };
        }),
      },
      {
        method: 'POST',
        path: this.at('/upload:(?<session>[\\w-]+)'),
        handle: session(async (req, id) => {
          if (this.chunkDelayMs) await new Promise((resolve) => setTimeout(resolve, this.chunkDelayMs));
          const file = this.uploads.files.get(id)!;
          const offset = req.headers.file_offset;
          if (offset === undefined)
            return MetaGraphFake.error(400, 100, '(#100) The file_offset header is required');
          if (Number(offset) !== file.held)
            return MetaGraphFake.error(
              400,
              100,
              `(#100) file_offset ${offset} does not match the ${file.held} bytes received`,
            );
          if (file.held + req.raw.length > file.size!)
            return MetaGraphFake.error(400, 100, '(#100) More bytes than file_length');
          FakeUploads.take(file, file.held, req.raw);
          if (file.held < file.size!) return { status: 200, body: { id, file_offset: file.held } };
          const h = `2:${Buffer.from('video.mp4').toString('base64')}:video/mp4:${this.nextId('GK')}:e:${Math.floor(Date.now() / 1000) + 86_400}:ARZ${this.nextId()}`;
          this.handles.set(h, id);
          return { status: 200, body: { h } };
        }),
      },
      {
        method: 'GET',
        path: this.at('/upload:(?<session>[\\w-]+)'),
        handle: session((_req, id) => ({
          status: 200,
          body: { id, file_offset: this.uploads.files.get(id)!.held },
        })),
      },
    ];
  }

  /** Meta forgets the session (they expire): its calls answer as for an unknown object. */
  expireSession(id: string): void {
    const file = this.uploads.files.get(id);
    if (file) file.expired = true;
  }

  private async video(req: FakeRequest, page: string): Promise<FakeResponse> {
    const b = req.body as Record<string, string>;
    if (b.fbuploader_video_file_chunk !== undefined) {
      if (!this.handles.has(b.fbuploader_video_file_chunk))
        return MetaGraphFake.error(400, 100, '(#100) Invalid file handle');
    } else if (!b.file_url || !(await this.fetchMedia(b.file_url)))
      return MetaGraphFake.error(
        400,
        390,
        'There was a problem uploading your video file. Please try again.',
      );
    const post = this.add(page, 'video', b.description ?? '', 1, b);
    post.pollsLeft = 1;
    return { status: 200, body: { id: post.id } };
  }

  /** A text post the Page makes elsewhere (Meta Business Suite, another tool). */
  postFromApp(message: string): void {
    this.add(this.pageId, 'status', message, 0, {});
  }

  private add(
    page: string,
    kind: PagePost['kind'],
    message: string,
    items: number,
    params: Record<string, string>,
  ): PagePost {
    const id = kind === 'video' ? this.nextId('3') : `${page}_${this.nextId('4')}`;
    const post: PagePost = {
      id,
      page,
      kind,
      message,
      items,
      params,
      createdTime: new Date().toISOString().replace(/\.\d{3}Z$/, '+0000'),
      pollsLeft: 0,
    };
    this.published.push(post);
    return post;
  }

  private list(req: FakeRequest, page: string, edge: string): FakeResponse {
    const since = Number(req.query.get('since') ?? 0) * 1000;
    const data = [...this.published]
      .reverse()
      .filter(
        (p) =>
          p.page === page &&
          (edge === 'videos') === (p.kind === 'video') &&
          Date.parse(p.createdTime) >= since,
      )
      .map((p) => this.entity(p));
    return this.page(req, data);
  }

  private node(req: FakeRequest, id: string): FakeResponse {
    const post = this.published.find((p) => p.id === id);
    if (!post) return MetaGraphFake.notFound(id);
    return { status: 200, body: { ...this.entity(post, true), ...this.engagementFields(req, post.id) } };
  }

  /**
   * The engagement fields asked in `fields`, as Graph answers them on a Page post:
   * `reactions.summary(total_count)` and `comments.summary(true)` give `{data, summary:
   * {total_count}}` (`data` empty with `.limit(0)`); `shares` is `{count}` and absent while nobody
   * has shared the post.
   */
  private engagementFields(req: FakeRequest, id: string): Record<string, unknown> {
    const fields = req.query.get('fields') ?? '';
    const counts = this.engagement.get(id) ?? {};
    const edge = (name: 'reactions' | 'comments') =>
      new RegExp(`(^|,)${name}\\.[^,]*summary\\(`).test(fields)
        ? { [name]: { data: [], summary: { total_count: counts[name] ?? 0 } } }
        : {};
    const shares =
      /(^|,)shares(,|$)/.test(fields) && counts.shares ? { shares: { count: counts.shares } } : {};
    return { ...edge('reactions'), ...edge('comments'), ...shares };
  }

  /** A Page's post is deleted with that Page's token; another Page's lacks the permission. */
  private remove(id: string, token: string): FakeResponse {
    const i = this.published.findIndex((p) => p.id === id);
    if (i < 0) return MetaGraphFake.notFound(id);
    const tokenPage = this.pageTokens.get(token);
    if (tokenPage !== undefined && tokenPage !== this.published[i]!.page)
      return MetaGraphFake.error(
        403,
        200,
        "(#200) The user hasn't authorized the application to perform this action",
        {
          type: 'OAuthException',
        },
      );
    this.published.splice(i, 1);
    return { status: 200, body: { success: true } };
  }

  private entity(p: PagePost, polled = false) {
    if (p.kind !== 'video') {
      return {
        id: p.id,
        message: p.message,
        created_time: p.createdTime,
        permalink_url: `https://www.facebook.com/${p.id.replace('_', '/posts/')}`,
      };
    }
    let status = 'ready';
    if (p.pollsLeft > 0) {
      status = 'processing';
      if (polled) p.pollsLeft -= 1;
    }
    return {
      id: p.id,
      description: p.message,
      created_time: p.createdTime,
      permalink_url: `/${p.page}/videos/${p.id}/`,
      status: { video_status: status },
    };
  }
}

import type { FakeRequest, FakeResponse, Route } from '../../kit/fake-platform';
import { type FakeMetaPage, MetaGraphFake } from '../fake-graph';
import { GraphComments } from '../fake-comments';

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
 * unpublished), `/{page}/videos` (by `file_url`, processed over polls), the Page's posts and videos
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
      { method: 'POST', path: this.at('/(?<page>\\d+)/feed'), handle: page((r, p) => this.feed(r, p)) },
      { method: 'POST', path: this.at('/(?<page>\\d+)/photos'), handle: page((r, p) => this.photo(r, p)) },
      { method: 'POST', path: this.at('/(?<page>\\d+)/videos'), handle: page((r, p) => this.video(r, p)) },
      {
        method: 'GET',
        path: this.at('/(?<page>\\d+)/(?<edge>posts|videos)'),
        handle: this.authed((r, p) => this.list(r, p.page!, p.edge!)),
      },
      { method: 'GET', path: this.at('/(?<id>[\\d_]+)'), handle: this.authed((_r, p) => this.node(p.id!)) },
      ...this.comments.routes((pattern) => this.at(pattern), '[\\d_]+'),
      {
        method: 'DELETE',
        path: this.at('/(?<id>[\\d_]+)'),
        handle: this.authed((_r, p) => this.remove(p.id!)),
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

  private async video(req: FakeRequest, page: string): Promise<FakeResponse> {
    const b = req.body as Record<string, string>;
    if (!b.file_url || !(await this.fetchMedia(b.file_url)))
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

  private node(id: string): FakeResponse {
    const post = this.published.find((p) => p.id === id);
    if (!post) return MetaGraphFake.notFound(id);
    return { status: 200, body: this.entity(post, true) };
  }

  private remove(id: string): FakeResponse {
    const i = this.published.findIndex((p) => p.id === id);
    if (i < 0) return MetaGraphFake.notFound(id);
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

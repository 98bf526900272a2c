import type { FakeRequest, FakeResponse, Route } from '../../kit/fake-platform';
import { MetaGraphFake } from '../fake-graph';
import { GraphComments } from '../fake-comments';

export interface PagePost {
  id: string;
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
 * refresh endpoint.
 */
export class FacebookFake extends MetaGraphFake {
  readonly pageId = '104857600123456';
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
    this.routes.push(...this.endpoints());
  }

  credentials(): Record<string, string> {
    const { access_token } = this.longLivedToken();
    return { page_id: this.pageId, access_token: access_token! };
  }

  private endpoints(): Route[] {
    const page = (handle: (req: FakeRequest) => FakeResponse | Promise<FakeResponse>) =>
      this.authed((req, p) => (p.page === this.pageId ? handle(req) : MetaGraphFake.notFound(p.page!)));
    return [
      { method: 'POST', path: this.at('/(?<page>\\d+)/feed'), handle: page((r) => this.feed(r)) },
      { method: 'POST', path: this.at('/(?<page>\\d+)/photos'), handle: page((r) => this.photo(r)) },
      { method: 'POST', path: this.at('/(?<page>\\d+)/videos'), handle: page((r) => this.video(r)) },
      {
        method: 'GET',
        path: this.at('/(?<page>\\d+)/(?<edge>posts|videos)'),
        handle: this.authed((r, p) => this.list(r, p.edge!)),
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

  private feed(req: FakeRequest): FakeResponse {
    const b = req.body as Record<string, string>;
    const attached = Object.keys(b)
      .filter((k) => /^attached_media\[\d+\]$/.test(k))
      .map((k) => String(JSON.parse(b[k]!).media_fbid));
    if (!b.message && !b.link && !attached.length)
      return MetaGraphFake.error(400, 100, '(#100) Missing message or attachment');
    const unknown = attached.find((id) => !this.unpublishedPhotos.has(id));
    if (unknown) return MetaGraphFake.notFound(unknown);
    attached.forEach((id) => this.unpublishedPhotos.delete(id));
    const post = this.add(attached.length ? 'album' : 'status', b.message ?? '', attached.length, b);
    return { status: 200, body: { id: post.id } };
  }

  private async photo(req: FakeRequest): Promise<FakeResponse> {
    const b = req.body as Record<string, string>;
    if (!b.url || !(await this.fetchMedia(b.url)))
      return MetaGraphFake.error(400, 324, '(#324) Requires upload file', { type: 'OAuthException' });
    if (b.published === 'false') {
      const id = this.nextId('2');
      this.unpublishedPhotos.set(id, b);
      return { status: 200, body: { id } };
    }
    const post = this.add('photo', b.caption ?? '', 1, b);
    return { status: 200, body: { id: this.nextId('2'), post_id: post.id } };
  }

  private async video(req: FakeRequest): Promise<FakeResponse> {
    const b = req.body as Record<string, string>;
    if (!b.file_url || !(await this.fetchMedia(b.file_url)))
      return MetaGraphFake.error(
        400,
        390,
        'There was a problem uploading your video file. Please try again.',
      );
    const post = this.add('video', b.description ?? '', 1, b);
    post.pollsLeft = 1;
    return { status: 200, body: { id: post.id } };
  }

  /** A text post the Page makes elsewhere (Meta Business Suite, another tool). */
  postFromApp(message: string): void {
    this.add('status', message, 0, {});
  }

  private add(
    kind: PagePost['kind'],
    message: string,
    items: number,
    params: Record<string, string>,
  ): PagePost {
    const id = kind === 'video' ? this.nextId('3') : `${this.pageId}_${this.nextId('4')}`;
    const post: PagePost = {
      id,
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

  private list(req: FakeRequest, edge: string): FakeResponse {
    const since = Number(req.query.get('since') ?? 0) * 1000;
    const data = [...this.published]
      .reverse()
      .filter((p) => (edge === 'videos') === (p.kind === 'video') && Date.parse(p.createdTime) >= since)
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
      permalink_url: `/${this.pageId}/videos/${p.id}/`,
      status: { video_status: status },
    };
  }
}

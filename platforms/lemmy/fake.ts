import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface FakeLemmyPost {
  id: number;
  creator: string;
  communityId: number;
  name: string;
  body: string | null;
  url: string | null;
  nsfw: boolean;
  languageId: number;
  customThumbnail: string | null;
  altText: string | null;
  published: string;
  deleted: boolean;
}

export interface FakeLemmyComment {
  id: number;
  creator: string;
  postId: number;
  content: string;
  published: string;
}

const TITLE_MAX = 200;
const BODY_MAX = 50_000;

/**
 * A Lemmy 0.19 instance as its API v3 behaves (join-lemmy.org/api, LemmyNet/lemmy): login
 * answering a JWT without `exp`, the session as a Bearer token, `POST /api/v3/post`,
 * `/post/delete` (refusing a post deleted already with `couldnt_update_post`), `GET /api/v3/post`,
 * the person's posts at `GET /api/v3/user`, comments (`POST /api/v3/comment`,
 * `GET /api/v3/comment/list`), pict-rs uploads at `/pictrs/image`, and errors as
 * `{ "error": "<code>" }` with HTTP 400 (401 for `incorrect_login`).
 */
export class LemmyFake extends FakePlatform {
  readonly posts: FakeLemmyPost[] = [];
  readonly comments: FakeLemmyComment[] = [];
  readonly images: Array<{ file: string; contentType: string; bytes: number }> = [];
  /** Communities by id. */
  readonly communities = new Map([[2, 'postflow']]);
  /** username → password. */
  private readonly passwords = new Map<string, string>();
  /** session JWT → username. */
  private readonly sessions = new Map<string, string>();
  private nextPost = 40;
  private nextComment = 700;

  constructor() {
    super('lemmy');
    this.routes.push(...this.endpoints());
  }

  /** A new user's login, as an account's credentials carry it (no session yet). */
  credentials(): Record<string, string> {
    const username = `postflow${this.passwords.size + 1}`;
    const password = `pw-${this.nextId()}`;
    this.passwords.set(username, password);
    return { instance_url: this.url, username, password };
  }

  /** The same user, logged in already (its session JWT as `access_token`). */
  loggedIn(credentials = this.credentials()): Record<string, string> {
    return { ...credentials, access_token: this.jwtFor(credentials.username!) };
  }

  /** A post `creator` makes on the instance itself, in community 2. */
  postFromApp(creator: string, name: string): void {
    this.nextPost += 1;
    this.posts.push({
      id: this.nextPost,
      creator,
      communityId: 2,
      name,
      body: null,
      url: null,
      nsfw: false,
      languageId: 0,
      customThumbnail: null,
      altText: null,
      published: new Date().toISOString().replace('Z', '000Z'),
      deleted: false,
    });
  }

  /** A top-level comment `creator` makes under the post `postId`. */
  commentFromApp(postId: number, creator: string, content: string): void {
    this.nextComment += 1;
    this.comments.push({
      id: this.nextComment,
      creator,
      postId,
      content,
      published: new Date().toISOString().replace('Z', '000Z'),
    });
  }

  /** Ends every session of the user (a logout, a password change). */
  logout(username: string): void {
    for (const [jwt, user] of this.sessions) if (user === username) this.sessions.delete(jwt);
  }

  /** The posts not deleted. */
  live(): FakeLemmyPost[] {
    return this.posts.filter((p) => !p.deleted);
  }

  private jwtFor(username: string): string {
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const jwt = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ sub: username, iss: 'fake', iat: Math.floor(Date.now() / 1000), n: this.nextId() })}.sig`;
    this.sessions.set(jwt, username);
    return jwt;
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest, user: string) => FakeResponse) =>
      (req: FakeRequest): FakeResponse => {
        const user = req.bearer ? this.sessions.get(req.bearer) : undefined;
        return user ? handle(req, user) : error('not_logged_in');
      };
    return [
      { method: 'POST', path: '/api/v3/user/login', handle: (req) => this.login(req) },
      {
        // Lemmy answers the site to anyone; `my_user` only with a valid session.
        method: 'GET',
        path: '/api/v3/site',
        handle: (req) => {
          const user = req.bearer ? this.sessions.get(req.bearer) : undefined;
          if (req.bearer && !user) return error('not_logged_in');
          return {
            status: 200,
            body: {
              site_view: { site: { name: 'Postflow Fake Lemmy' } },
              ...(user
                ? {
                    my_user: {
                      local_user_view: { person: { ...this.person(user), display_name: `${user} (fake)` } },
                    },
                  }
                : {}),
            },
          };
        },
      },
      { method: 'POST', path: '/pictrs/image', handle: authed((req) => this.upload(req)) },
      { method: 'POST', path: '/api/v3/post', handle: authed((req, user) => this.createPost(req, user)) },
      {
        method: 'POST',
        path: '/api/v3/post/delete',
        handle: authed((req, user) => this.deletePost(req, user)),
      },
      {
        method: 'GET',
        path: '/api/v3/post',
        handle: (req) => {
          const post = this.posts.find((p) => p.id === Number(req.query.get('id')));
          return post ? { status: 200, body: { post_view: this.view(post) } } : notFound('couldnt_find_post');
        },
      },
      {
        method: 'GET',
        path: '/api/v3/user',
        handle: (req) => {
          const name = req.query.get('username') ?? '';
          if (!this.passwords.has(name)) return notFound('couldnt_find_person');
          const posts = pageOf(req, this.posts.filter((p) => p.creator === name).reverse());
          return {
            status: 200,
            body: {
              person_view: { person: this.person(name) },
              posts: posts.map((p) => this.view(p)),
              comments: [],
              moderates: [],
            },
          };
        },
      },
      {
        method: 'POST',
        path: '/api/v3/comment',
        handle: authed((req, user) => this.createComment(req, user)),
      },
      {
        method: 'GET',
        path: '/api/v3/comment/list',
        handle: (req) => {
          const postId = Number(req.query.get('post_id'));
          const under = pageOf(req, this.comments.filter((c) => c.postId === postId).reverse());
          return { status: 200, body: { comments: under.map((c) => this.commentView(c)) } };
        },
      },
    ];
  }

  private login(req: FakeRequest): FakeResponse {
    const name = String(req.body.username_or_email ?? '');
    if (!this.passwords.has(name) || this.passwords.get(name) !== req.body.password)
      return { status: 401, body: { error: 'incorrect_login' } };
    return {
      status: 200,
      body: { jwt: this.jwtFor(name), registration_created: false, verify_email_sent: false },
    };
  }

  private upload(req: FakeRequest): FakeResponse {
    const file = req.body['images[]'] as { contentType?: string; data: Buffer } | undefined;
    if (!file || !file.data.length) return { status: 400, body: { msg: 'No files uploaded' } };
    const name = `${this.nextId()}.${String(file.contentType).split('/')[1] ?? 'bin'}`;
    this.images.push({ file: name, contentType: String(file.contentType), bytes: file.data.length });
    return { status: 201, body: { msg: 'ok', files: [{ file: name, delete_token: `del-${name}` }] } };
  }

  private createPost(req: FakeRequest, user: string): FakeResponse {
    const b = req.body as Record<string, unknown>;
    const name = String(b.name ?? '');
    const length = [...name.trim()].length;
    if (length < 3 || length > TITLE_MAX || /[\r\n]/.test(name)) return error('invalid_post_title');
    if (typeof b.body === 'string' && [...b.body].length > BODY_MAX) return error('invalid_body_field');
    if (!this.communities.has(Number(b.community_id))) return notFound('couldnt_find_community');
    if (b.url !== undefined && !/^https?:\/\//.test(String(b.url))) return error('invalid_url');
    this.nextPost += 1;
    const post: FakeLemmyPost = {
      id: this.nextPost,
      creator: user,
      communityId: Number(b.community_id),
      name,
      body: typeof b.body === 'string' ? b.body : null,
      url: typeof b.url === 'string' ? b.url : null,
      nsfw: b.nsfw === true,
      languageId: typeof b.language_id === 'number' ? b.language_id : 0,
      customThumbnail: typeof b.custom_thumbnail === 'string' ? b.custom_thumbnail : null,
      altText: typeof b.alt_text === 'string' ? b.alt_text : null,
      published: new Date().toISOString().replace('Z', '000Z'),
      deleted: false,
    };
    this.posts.push(post);
    return { status: 200, body: { post_view: this.view(post) } };
  }

  private deletePost(req: FakeRequest, user: string): FakeResponse {
    const post = this.posts.find((p) => p.id === Number(req.body.post_id));
    if (!post) return notFound('couldnt_find_post');
    if (post.creator !== user) return error('no_post_edit_allowed');
    // "Dont delete it if its already been deleted." (api_crud/src/post/delete.rs)
    if (post.deleted === (req.body.deleted === true)) return error('couldnt_update_post');
    post.deleted = req.body.deleted === true;
    return { status: 200, body: { post_view: this.view(post) } };
  }

  private createComment(req: FakeRequest, user: string): FakeResponse {
    const post = this.posts.find((p) => p.id === Number(req.body.post_id));
    if (!post || post.deleted) return notFound('couldnt_find_post');
    const content = String(req.body.content ?? '');
    if (!content.trim()) return error('invalid_body_field');
    this.nextComment += 1;
    const comment: FakeLemmyComment = {
      id: this.nextComment,
      creator: user,
      postId: post.id,
      content,
      published: new Date().toISOString().replace('Z', '000Z'),
    };
    this.comments.push(comment);
    return { status: 200, body: { comment_view: this.commentView(comment), recipient_ids: [] } };
  }

  private person(name: string) {
    return {
      id: [...this.passwords.keys()].indexOf(name) + 1,
      name,
      local: true,
      actor_id: `${this.url}/u/${name}`,
    };
  }

  private view(p: FakeLemmyPost) {
    return {
      post: {
        id: p.id,
        name: p.name,
        url: p.url,
        body: p.body,
        creator_id: this.person(p.creator).id,
        community_id: p.communityId,
        removed: false,
        locked: false,
        published: p.published,
        deleted: p.deleted,
        nsfw: p.nsfw,
        thumbnail_url: p.customThumbnail,
        ap_id: `${this.url}/post/${p.id}`,
        local: true,
        language_id: p.languageId,
        featured_community: false,
        featured_local: false,
        alt_text: p.altText,
      },
      creator: this.person(p.creator),
      community: { id: p.communityId, name: this.communities.get(p.communityId), local: true },
      counts: { post_id: p.id, comments: this.comments.filter((c) => c.postId === p.id).length, score: 1 },
    };
  }

  private commentView(c: FakeLemmyComment) {
    return {
      comment: {
        id: c.id,
        creator_id: this.person(c.creator).id,
        post_id: c.postId,
        content: c.content,
        removed: false,
        published: c.published,
        deleted: false,
        ap_id: `${this.url}/comment/${c.id}`,
        local: true,
        path: `0.${c.id}`,
        distinguished: false,
        language_id: 0,
      },
      creator: this.person(c.creator),
      post: this.view(this.posts.find((p) => p.id === c.postId)!).post,
    };
  }
}

const error = (code: string): FakeResponse => ({ status: 400, body: { error: code } });
/** Lemmy answers a missing row (diesel's NotFound) with 404. */
const notFound = (code: string): FakeResponse => ({ status: 404, body: { error: code } });

/** Lemmy's paging: `page` (from 1) of `limit` items (10 unless asked, at most 50). */
function pageOf<T>(req: FakeRequest, all: readonly T[]): T[] {
  const limit = Math.min(Number(req.query.get('limit') ?? 10), 50);
  const page = Math.max(Number(req.query.get('page') ?? 1), 1);
  return all.slice((page - 1) * limit, page * limit);
}

import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface TumblrPost {
  id: string;
  blog: string;
  state: 'published' | 'draft' | 'private';
  /** NPF content blocks as sent, image blocks with the uploaded file's type and size. */
  content: Array<Record<string, any>>;
  tags: string[];
  sourceUrl?: string;
  /** Seconds since the epoch, as Tumblr's `timestamp`. */
  timestamp: number;
}

/** A text block's limit (npf-spec.md, "Post Content Limits"). */
const TEXT_BLOCK_MAX = 4_096;

/**
 * Tumblr API v2 as documented (tumblr/docs api.md, npf-spec.md): NPF post creation on one blog, as
 * JSON or as the multipart form whose part `json` holds the body and whose other parts are the
 * image blocks' files by `identifier`; post listing (`?npf=true`, newest first, at most 20) and
 * drafts; delete; `{ meta, errors: [{ title, code }] }` errors; the refresh grant with the client
 * credentials in the form body, each refresh token good once.
 */
export class TumblrFake extends FakePlatform {
  readonly posts: TumblrPost[] = [];
  readonly blogs = new Set(['postflow-test']);
  readonly clients = new Map([['consumer-key-1', 'consumer-secret-1']]);

  override oauthApp() {
    const [[clientId, clientSecret]] = [...this.clients];
    return { clientId: clientId!, clientSecret: clientSecret! };
  }
  private created = 0;

  constructor() {
    super('tumblr');
    this.routes.push(...this.endpoints());
  }

  /** A text post (or draft) made on the blog in Tumblr itself. */
  postFromApp(blog: string, text: string, state: TumblrPost['state'] = 'published'): void {
    this.posts.push({
      id: `${720000000000000000n + BigInt(++this.created)}`,
      blog,
      state,
      content: [{ type: 'text', text }],
      tags: [],
      timestamp: Math.floor(Date.now() / 1000),
    });
  }

  credentials(): Record<string, string> {
    return {
      ...this.issueTokens('consumer-key-1'),
      expires_at: new Date(Date.now() + 2_520_000).toISOString(),
      blog_identifier: 'postflow-test.tumblr.com',
    };
  }

  /** What the blog shows: every post that is not a draft. */
  live(): TumblrPost[] {
    return this.posts.filter((p) => p.state !== 'draft');
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest, blog: string) => FakeResponse | Promise<FakeResponse>) =>
      (req: FakeRequest, params: Record<string, string>) => {
        if (!req.bearer || !this.accessTokens.has(req.bearer)) return error(401, 'Unauthorized', 0);
        const blog = decodeURIComponent(params.blog!).replace(/\.tumblr\.com$/, '');
        return this.blogs.has(blog) ? handle(req, blog) : error(404, 'Not Found', 0);
      };
    return [
      {
        method: 'POST',
        path: /^\/v2\/blog\/(?<blog>[^/]+)\/posts$/,
        handle: authed((req, blog) => this.create(req, blog)),
      },
      {
        method: 'GET',
        path: /^\/v2\/blog\/(?<blog>[^/]+)\/posts$/,
        handle: authed((req, blog) => {
          // Newest first; `limit` 1–20 (20 unless asked), from `offset`.
          const limit = Math.min(Math.max(Number(req.query.get('limit') ?? 20), 1), 20);
          const offset = Number(req.query.get('offset') ?? 0);
          const posts = this.posts.filter((p) => p.blog === blog && p.state === 'published');
          return ok(200, {
            total_posts: posts.length,
            posts: posts
              .reverse()
              .slice(offset, offset + limit)
              .map((p) => this.entity(p)),
          });
        }),
      },
      {
        method: 'GET',
        path: /^\/v2\/blog\/(?<blog>[^/]+)\/posts\/draft$/,
        handle: authed((req, blog) => {
          // Newest first, 20 a page; `before_id` pages back from a listed draft.
          const drafts = this.posts.filter((p) => p.blog === blog && p.state === 'draft').reverse();
          const before = req.query.get('before_id');
          const from = before ? drafts.findIndex((p) => p.id === before) + 1 : 0;
          return ok(200, { posts: drafts.slice(from, from + 20).map((p) => this.entity(p)) });
        }),
      },
      {
        method: 'POST',
        path: /^\/v2\/blog\/(?<blog>[^/]+)\/post\/delete$/,
        handle: authed((req, blog) => {
          const i = this.posts.findIndex((p) => p.blog === blog && p.id === String(req.body.id));
          if (i < 0) return error(404, 'Not Found', 0);
          this.posts.splice(i, 1);
          return ok(200, { id: String(req.body.id) });
        }),
      },
      { method: 'POST', path: '/v2/oauth2/token', handle: (req) => this.token(req) },
      this.consentRoute('/oauth2/authorize', (id) => this.clients.has(id)),
      {
        method: 'GET',
        path: '/v2/user/info',
        handle: (req) =>
          req.bearer && this.accessTokens.has(req.bearer)
            ? ok(200, { user: this.user() })
            : error(401, 'Unauthorized', 0),
      },
    ];
  }

  private create(req: FakeRequest, blog: string): FakeResponse {
    const multipart = String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
    const part = req.body.json as { data?: Buffer } | string | undefined;
    let body: Record<string, any>;
    try {
      body = multipart
        ? JSON.parse(typeof part === 'string' ? part : (part?.data?.toString('utf8') ?? ''))
        : req.body;
    } catch {
      return error(400, "'json' must be a JSON object", 8001);
    }
    if (!Array.isArray(body.content)) return error(400, "'content' must be an array'", 8001);
    const content: Array<Record<string, any>> = [];
    for (const block of body.content as Array<Record<string, any>>) {
      if (block.type === 'text') {
        if (typeof block.text !== 'string' || [...block.text].length > TEXT_BLOCK_MAX) {
          return error(400, 'Text block is invalid or too long', 8001);
        }
        content.push(block);
      } else if (block.type === 'image') {
        const media = Array.isArray(block.media) ? block.media[0] : undefined;
        const file = media?.identifier ? req.body[media.identifier] : undefined;
        if (!file?.data?.length || !String(file.contentType).startsWith('image/')) {
          return error(400, 'Uploaded media is missing or not an image', 8005);
        }
        content.push({ ...block, media: [{ type: file.contentType, bytes: file.data.length }] });
      } else {
        return error(400, `Unknown block type ${String(block.type)}`, 8001);
      }
    }
    const state = body.state ?? 'published';
    if (!['published', 'draft', 'private', 'queue'].includes(state)) {
      return error(400, 'Invalid state', 8001);
    }
    const post: TumblrPost = {
      id: `${720000000000000000n + BigInt(++this.created)}`,
      blog,
      state,
      content,
      tags:
        typeof body.tags === 'string'
          ? body.tags
              .split(',')
              .map((t: string) => t.trim())
              .filter(Boolean)
          : [],
      ...(typeof body.source_url === 'string' ? { sourceUrl: body.source_url } : {}),
      timestamp: Math.floor(Date.now() / 1000),
    };
    this.posts.push(post);
    return ok(201, { id: post.id });
  }

  private token(req: FakeRequest): FakeResponse {
    const id = String(req.body.client_id ?? '');
    if (!id || this.clients.get(id) !== req.body.client_secret) return error(401, 'Unauthorized', 0);
    const grant = req.body.grant_type;
    if (grant !== 'refresh_token' && grant !== 'authorization_code')
      return error(400, 'Unsupported grant_type', 0);
    const pair =
      grant === 'authorization_code'
        ? this.redeemCode(req.body, id)
        : this.rotate(String(req.body.refresh_token ?? ''), id);
    if (!pair) return error(401, 'Unauthorized', 0);
    return {
      status: 200,
      body: {
        access_token: pair.access_token,
        expires_in: 2520,
        token_type: 'bearer',
        scope: 'basic write offline_access',
        refresh_token: pair.refresh_token,
      },
    };
  }

  /** `/v2/user/info`'s user: the name is the primary blog's, and the blogs the person may post to. */
  private user() {
    return {
      name: 'postflow-test',
      likes: 0,
      following: 3,
      default_post_format: 'html',
      blogs: [...this.blogs].map((name, i) => ({
        name,
        title: 'Postflow test blog',
        primary: i === 0,
        url: `https://${name}.tumblr.com/`,
        uuid: `t:${Buffer.from(name).toString('base64url')}`,
        avatar: [{ width: 64, height: 64, url: `https://64.media.tumblr.com/avatar_${name}_64.png` }],
      })),
    };
  }

  private entity(p: TumblrPost) {
    return {
      object_type: 'post',
      type: 'blocks',
      blog_name: p.blog,
      id: Number(p.id),
      id_string: p.id,
      post_url: `https://${p.blog}.tumblr.com/post/${p.id}`,
      timestamp: p.timestamp,
      state: p.state,
      tags: p.tags,
      content: p.content,
      layout: [],
      trail: [],
    };
  }
}

function ok(status: number, response: unknown): FakeResponse {
  return { status, body: { meta: { status, msg: status === 201 ? 'Created' : 'OK' }, response } };
}

export function error(status: number, title: string, code: number): FakeResponse {
  const msg: Record<number, string> = {
    400: 'Bad Request',
    401: 'Unauthorized',
    403: 'Forbidden',
    404: 'Not Found',
    429: 'Limit Exceeded',
  };
  return {
    status,
    body: { meta: { status, msg: msg[status] ?? 'Error' }, errors: [{ title, code, detail: title }] },
  };
}

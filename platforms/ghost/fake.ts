import { createHmac, timingSafeEqual } from 'node:crypto';
import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface FakeGhostPost {
  id: string;
  uuid: string;
  title: string;
  html: string;
  status: string;
  slug: string;
  tags: string[];
  featureImage: string | null;
  featureImageAlt: string | null;
  customExcerpt: string | null;
  featured: boolean;
  visibility: string;
  createdAt: string;
  publishedAt: string | null;
}

/** The longest a token may live, as Ghost checks it (`maxAge` 5 minutes). */
const TOKEN_MAX_S = 5 * 60;

/**
 * A Ghost site's Admin API as its docs describe it (ghost.org/docs/admin-api) and Ghost 5 behaves:
 * token authentication (HS256 JWTs signed with an integration's secret, `kid` its id, audience
 * `/admin/`, at most 5 minutes), posts created from HTML (`?source=html`, rendered anew as Ghost
 * does), image uploads checked by extension, `filter`/`order`/`limit` on the post list, and
 * errors as `{ errors: [{ type, message, context }] }`.
 */
export class GhostFake extends FakePlatform {
  readonly posts: FakeGhostPost[] = [];
  readonly images: Array<{ url: string; contentType: string }> = [];
  /** Integration id → secret (hex). */
  private readonly keys = new Map<string, string>();
  private next = 0;

  constructor() {
    super('ghost');
    this.routes.push(...this.endpoints());
  }

  /** A new custom integration's Admin API key, as an account holds it. */
  credentials(): Record<string, string> {
    this.next += 1;
    const id = this.next.toString(16).padStart(24, '0');
    const secret = createHmac('sha256', 'ghost-fake').update(id).digest('hex');
    this.keys.set(id, secret);
    return { admin_url: this.url, admin_api_key: `${id}:${secret}` };
  }

  /** Posts readers see (published ones). */
  live(): FakeGhostPost[] {
    return this.posts.filter((p) => p.status === 'published');
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest, params: Record<string, string>) => FakeResponse) =>
      (req: FakeRequest, params: Record<string, string>): FakeResponse => {
        const refused = this.refusal(String(req.headers.authorization ?? ''));
        return refused ? ghostError(401, 'UnauthorizedError', refused) : handle(req, params);
      };
    const api = '/ghost/api/admin';
    return [
      {
        // Public in Ghost's Admin API: no key needed.
        method: 'GET',
        path: `${api}/site/`,
        handle: () => ({
          status: 200,
          body: { site: { title: 'Postflow Fake Site', url: `${this.url}/`, icon: null, version: '5.0' } },
        }),
      },
      { method: 'POST', path: `${api}/images/upload/`, handle: authed((req) => this.upload(req)) },
      { method: 'POST', path: `${api}/posts/`, handle: authed((req) => this.create(req)) },
      { method: 'GET', path: `${api}/posts/`, handle: authed((req) => this.list(req)) },
      {
        method: 'DELETE',
        path: /^\/ghost\/api\/admin\/posts\/(?<id>[0-9a-f]+)\/$/,
        handle: authed((_req, { id }) => this.remove(id!)),
      },
    ];
  }

  /** Why Ghost would refuse this `Authorization` header, if it would. */
  private refusal(authorization: string): string | undefined {
    const token = /^Ghost (.+)$/.exec(authorization)?.[1];
    if (!token) return 'Authorization header format is "Authorization: Ghost [token]"';
    const [head, body, signature] = token.split('.');
    const decode = (part = '') => {
      try {
        return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
      } catch {
        return {};
      }
    };
    const header = decode(head);
    const claims = decode(body);
    const secret = this.keys.get(String(header.kid));
    if (header.alg !== 'HS256' || !secret) return 'Unknown Admin API Key';
    const expected = createHmac('sha256', Buffer.from(secret, 'hex')).update(`${head}.${body}`).digest();
    const given = Buffer.from(signature ?? '', 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected))
      return 'Invalid token: invalid signature';
    const now = Math.floor(Date.now() / 1000);
    if (claims.aud !== '/admin/') return 'Invalid token: jwt audience invalid';
    if (typeof claims.exp !== 'number' || typeof claims.iat !== 'number' || claims.exp <= now)
      return 'Invalid token: jwt expired';
    if (claims.exp - claims.iat > TOKEN_MAX_S) return 'Invalid token: maxAge exceeded';
    return undefined;
  }

  private upload(req: FakeRequest): FakeResponse {
    const file = req.body.file as { filename: string; contentType?: string; data: Buffer } | undefined;
    if (!file || !file.data.length) return ghostError(422, 'ValidationError', 'Please select an image.');
    if (!/\.(jpe?g|png|gif|webp|svg)$/i.test(file.filename))
      return ghostError(415, 'UnsupportedMediaTypeError', 'Please select a valid image.');
    const url = `${this.url}/content/images/${this.nextId()}/${file.filename}`;
    this.images.push({ url, contentType: String(file.contentType) });
    return { status: 201, body: { images: [{ url, ref: null }] } };
  }

  private create(req: FakeRequest): FakeResponse {
    const input = (Array.isArray(req.body.posts) ? req.body.posts[0] : undefined) as
      Record<string, unknown> | undefined;
    if (!input) return ghostError(422, 'ValidationError', "No root key ('posts') provided.");
    const title = String(input.title ?? '');
    if (!title) return ghostError(422, 'ValidationError', 'Validation (isLength) failed for title', 'title');
    if ([...title].length > 255)
      return ghostError(
        422,
        'ValidationError',
        'Value in [posts.title] exceeds maximum length of 255 characters.',
      );
    const status = String(input.status ?? 'draft');
    if (!['published', 'draft', 'scheduled'].includes(status))
      return ghostError(422, 'ValidationError', `Validation (isIn) failed for status`);
    const now = new Date().toISOString().replace(/\.\d+Z$/, '.000Z');
    const id = this.nextId()
      .slice(-24)
      .padStart(24, '0')
      .replace(/[^0-9a-f]/g, '0');
    // Without ?source=html Ghost takes `html` as nothing (its editor's formats only).
    const html = req.query.get('source') === 'html' ? rendered(String(input.html ?? '')) : '';
    const post: FakeGhostPost = {
      id,
      uuid: `uuid-${id}`,
      title,
      html,
      status,
      slug: String(input.slug ?? (title.toLowerCase().replace(/[^a-z0-9]+/g, '-') || id)),
      tags: Array.isArray(input.tags)
        ? input.tags.map((t) => String((t as { name?: unknown }).name ?? t))
        : [],
      featureImage: typeof input.feature_image === 'string' ? input.feature_image : null,
      featureImageAlt: typeof input.feature_image_alt === 'string' ? input.feature_image_alt : null,
      customExcerpt: typeof input.custom_excerpt === 'string' ? input.custom_excerpt : null,
      featured: input.featured === true,
      visibility: String(input.visibility ?? 'public'),
      createdAt: now,
      publishedAt: status === 'published' ? now : null,
    };
    this.posts.push(post);
    return { status: 201, body: { posts: [this.entity(post, true)] } };
  }

  /** A post a staff user publishes in Ghost Admin. */
  postFromApp(title: string, html: string): void {
    const now = new Date().toISOString().replace(/\.\d+Z$/, '.000Z');
    const id = this.nextId().slice(-24).padStart(24, '0');
    this.posts.push({
      id,
      uuid: `uuid-${id}`,
      title,
      html,
      status: 'published',
      slug: id,
      tags: [],
      featureImage: null,
      featureImageAlt: null,
      customExcerpt: null,
      featured: false,
      visibility: 'public',
      createdAt: now,
      publishedAt: now,
    });
  }

  /** `GET /posts/`: `filter` (`created_at:>'…'` and `status:…`, joined by `+`), newest first. */
  private list(req: FakeRequest): FakeResponse {
    const filters = (req.query.get('filter') ?? '').split('+').filter(Boolean);
    const chosen = this.posts.filter((p) =>
      filters.every((f) => {
        const after = /^created_at:>'([^']+)'$/.exec(f)?.[1];
        if (after) return p.createdAt > new Date(`${after.replace(' ', 'T')}Z`).toISOString();
        const status = /^status:(\w+)$/.exec(f)?.[1];
        if (status) return p.status === status;
        return true;
      }),
    );
    if (req.query.get('order') === 'created_at desc') chosen.reverse();
    // `limit` a page (15 unless asked) of `page` (from 1), and `meta.pagination` as Ghost answers it.
    const limit = Number(req.query.get('limit') ?? 15);
    const page = Math.max(Number(req.query.get('page') ?? 1), 1);
    const pages = Math.max(Math.ceil(chosen.length / limit), 1);
    const html = (req.query.get('formats') ?? '').split(',').includes('html');
    return {
      status: 200,
      body: {
        posts: chosen.slice((page - 1) * limit, page * limit).map((p) => this.entity(p, html)),
        meta: {
          pagination: {
            page,
            limit,
            pages,
            total: chosen.length,
            next: page < pages ? page + 1 : null,
            prev: page > 1 ? page - 1 : null,
          },
        },
      },
    };
  }

  private remove(id: string): FakeResponse {
    const i = this.posts.findIndex((p) => p.id === id);
    if (i < 0) return ghostError(404, 'NotFoundError', 'Post not found.');
    this.posts.splice(i, 1);
    return { status: 204 };
  }

  private entity(p: FakeGhostPost, html: boolean) {
    return {
      id: p.id,
      uuid: p.uuid,
      title: p.title,
      slug: p.slug,
      ...(html ? { html: p.html } : {}),
      status: p.status,
      visibility: p.visibility,
      featured: p.featured,
      feature_image: p.featureImage,
      feature_image_alt: p.featureImageAlt,
      custom_excerpt: p.customExcerpt,
      tags: p.tags.map((name) => ({ name, slug: name.toLowerCase() })),
      created_at: p.createdAt,
      updated_at: p.createdAt,
      published_at: p.publishedAt,
      url: p.status === 'published' ? `${this.url}/${p.slug}/` : `${this.url}/p/${p.uuid}/`,
    };
  }
}

/** HTML as Ghost gives it back: converted to its editor's format and rendered again (text kept). */
function rendered(html: string): string {
  const trimmed = html.trim();
  return /^<(p|h\d|ul|ol|figure|blockquote|div)\b/i.test(trimmed) ? trimmed : `<p>${trimmed}</p>`;
}

const ghostError = (
  status: number,
  type: string,
  message: string,
  context: string | null = null,
): FakeResponse => ({
  status,
  body: {
    errors: [{ message, context, type, details: null, property: null, help: null, code: null, id: 'e1' }],
  },
});

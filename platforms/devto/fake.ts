import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface FakeArticle {
  id: number;
  userId: string;
  title: string;
  bodyMarkdown: string;
  published: boolean;
  publishedAt: string | null;
  createdAt: string;
  slug: string;
  tags: string[];
  mainImage: string | null;
  canonicalUrl: string | null;
  series: string | null;
  description: string;
  organizationId: number | null;
}

const TITLE_MAX = 128;
const MAX_TAGS = 4;

/**
 * DEV (a Forem) as its API v1 documents it (developers.forem.com/api/v1) and its source behaves
 * (forem/forem, app/controllers/concerns/api/articles_controller.rb): `POST /api/articles`,
 * `PUT /api/articles/{id}` (`published: false` unpublishes), the account's articles at
 * `/api/articles/me/{published,unpublished,all}`, keys in the `api-key` header, and Forem's error
 * bodies `{ error, status }`; Forem's uniqueness rule on an account's title and body included.
 */
export class DevtoFake extends FakePlatform {
  readonly articles: FakeArticle[] = [];
  /** An article (or draft) the user `userId` writes in DEV's editor. */
  articleFromApp(userId: string, title: string, published = true): void {
    const now = new Date().toISOString();
    this.nextArticle += 1;
    this.articles.push({
      id: this.nextArticle,
      userId,
      title,
      bodyMarkdown: 'Hello',
      published,
      publishedAt: published ? now : null,
      createdAt: now,
      slug: `article-${this.nextArticle}`,
      tags: [],
      mainImage: null,
      canonicalUrl: null,
      series: null,
      description: '',
      organizationId: null,
    });
  }

  /** API key → the user it belongs to. */
  private readonly keys = new Map<string, string>();
  private nextArticle = 100;

  constructor() {
    super('devto');
    this.routes.push(...this.endpoints());
  }

  /** A new user's API key, as an account's credentials carry it. */
  credentials(): Record<string, string> {
    const key = `devkey${this.nextId()}`;
    this.keys.set(key, `user${this.keys.size + 1}`);
    return { api_key: key };
  }

  /** The articles visible on the site (published ones). */
  live(): FakeArticle[] {
    return this.articles.filter((a) => a.published);
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest, user: string, params: Record<string, string>) => FakeResponse) =>
      (req: FakeRequest, params: Record<string, string>): FakeResponse => {
        const user = this.keys.get(String(req.headers['api-key'] ?? ''));
        return user
          ? handle(req, user, params)
          : { status: 401, body: { error: 'unauthorized', status: 401 } };
      };
    return [
      {
        method: 'GET',
        path: '/api/users/me',
        handle: authed((_req, user) => ({
          status: 200,
          body: {
            type_of: 'user',
            id: Number(user.replace('user', '')),
            username: user,
            name: `Postflow ${user}`,
            profile_image: `${this.url}/uploads/user/profile_image/${user}.png`,
          },
        })),
      },
      { method: 'POST', path: '/api/articles', handle: authed((req, user) => this.create(req, user)) },
      {
        method: 'PUT',
        path: /^\/api\/articles\/(?<id>\d+)$/,
        handle: authed((req, user, { id }) => this.update(req, user, Number(id))),
      },
      {
        method: 'GET',
        path: /^\/api\/articles\/me(?:\/(?<status>published|unpublished|all))?$/,
        handle: authed((req, user, { status }) => this.mine(req, user, status ?? 'published')),
      },
    ];
  }

  private create(req: FakeRequest, user: string): FakeResponse {
    const input = req.body.article;
    if (typeof input !== 'object' || input === null || Array.isArray(input))
      return unprocessable('article param must be a JSON object.');
    const problem = this.invalid(user, input);
    if (problem) return unprocessable(problem);
    this.nextArticle += 1;
    const published = input.published === true;
    const now = new Date().toISOString();
    // Forem reads the body's front matter as the article's settings, over the JSON fields.
    const front = frontMatterOf(String(input.body_markdown ?? ''));
    const article: FakeArticle = {
      id: this.nextArticle,
      userId: user,
      title: String(input.title),
      bodyMarkdown: String(input.body_markdown ?? ''),
      published,
      publishedAt: published ? now : null,
      createdAt: now,
      slug: `${slugOf(String(input.title))}-${this.nextArticle.toString(36)}`,
      tags: front.tags
        ? front.tags.split(',').map((t) => t.trim())
        : Array.isArray(input.tags)
          ? input.tags.map(String)
          : [],
      mainImage: front.cover_image ?? (input.main_image ? String(input.main_image) : null),
      canonicalUrl: front.canonical_url ?? (input.canonical_url ? String(input.canonical_url) : null),
      series: front.series ?? (input.series ? String(input.series) : null),
      description: front.description ?? String(input.description ?? ''),
      organizationId: typeof input.organization_id === 'number' ? input.organization_id : null,
    };
    this.articles.push(article);
    return { status: 201, body: this.entity(article), headers: { location: this.urlOf(article) } };
  }

  /** Forem's validations of an article, as its 422 `error` sentence words them. */
  private invalid(user: string, input: Record<string, unknown>): string | undefined {
    const title = String(input.title ?? '').trim();
    if (!title) return "Title can't be blank";
    if ([...title].length > TITLE_MAX) return `Title is too long (maximum is ${TITLE_MAX} characters)`;
    if (Array.isArray(input.tags) && input.tags.length > MAX_TAGS)
      return `Tag list exceed the maximum of ${MAX_TAGS} tags`;
    const body = String(input.body_markdown ?? '');
    if (this.articles.some((a) => a.userId === user && a.title === title && a.bodyMarkdown === body))
      return 'Body markdown has already been taken';
    return undefined;
  }

  private update(req: FakeRequest, user: string, id: number): FakeResponse {
    const article = this.articles.find((a) => a.id === id && a.userId === user);
    if (!article) return { status: 404, body: { error: 'not found', status: 404 } };
    const input = req.body.article ?? {};
    if (input.published === false) article.published = false;
    if (input.published === true && !article.published) {
      article.published = true;
      article.publishedAt ??= new Date().toISOString();
    }
    return { status: 200, body: this.entity(article) };
  }

  /** The account's articles, newest publication first (drafts: newest first), `per_page` of them. */
  private mine(req: FakeRequest, user: string, status: string): FakeResponse {
    const perPage = Math.min(Number(req.query.get('per_page') ?? 30), 1000);
    const page = Math.max(Number(req.query.get('page') ?? 1), 1);
    const chosen = this.articles
      .filter((a) => a.userId === user)
      .filter((a) => (status === 'all' ? true : a.published === (status === 'published')))
      .reverse();
    return {
      status: 200,
      body: chosen.slice((page - 1) * perPage, page * perPage).map((a) => this.listed(a)),
    };
  }

  private urlOf(a: FakeArticle): string {
    return `${this.url}/${a.userId}/${a.slug}`;
  }

  /** An article as `POST` and `PUT` answer it (the show view). */
  private entity(a: FakeArticle) {
    return {
      type_of: 'article',
      id: a.id,
      title: a.title,
      description: a.description,
      slug: a.slug,
      path: `/${a.userId}/${a.slug}`,
      url: this.urlOf(a),
      published: a.published,
      created_at: a.createdAt,
      published_at: a.publishedAt,
      published_timestamp: a.publishedAt ?? '',
      tag_list: a.tags.join(', '),
      tags: a.tags,
      canonical_url: a.canonicalUrl ?? this.urlOf(a),
      cover_image: a.mainImage,
      body_markdown: a.bodyMarkdown,
      user: { username: a.userId, name: a.userId },
    };
  }

  /** An article as the account's list shows it (the `me` view: no `created_at`). */
  private listed(a: FakeArticle) {
    return {
      type_of: 'article',
      id: a.id,
      title: a.title,
      description: a.description,
      published: a.published,
      published_at: a.publishedAt,
      slug: a.slug,
      path: `/${a.userId}/${a.slug}`,
      url: this.urlOf(a),
      published_timestamp: a.publishedAt ?? '',
      body_markdown: a.bodyMarkdown,
      cover_image: a.mainImage,
      tag_list: a.tags,
      canonical_url: a.canonicalUrl ?? this.urlOf(a),
    };
  }
}

const unprocessable = (error: string): FakeResponse => ({ status: 422, body: { error, status: 422 } });

const slugOf = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'article';

/** The body's front matter, `key: value` lines between `---` lines (what Forem's parser reads here). */
function frontMatterOf(body: string): Record<string, string> {
  const block = /^---\r?\n([\s\S]*?)\r?\n---/.exec(body)?.[1] ?? '';
  const pairs = block.split(/\r?\n/).map((line) => /^(\w+):\s*(.*)$/.exec(line)?.slice(1, 3) ?? []);
  return Object.fromEntries(pairs.filter((pair) => pair.length === 2));
}

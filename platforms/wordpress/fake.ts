import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface FakeWpPost {
  id: number;
  author: number;
  title: string;
  content: string;
  status: string;
  /** UTC, as WordPress writes it: no zone designator. */
  dateGmt: string;
  excerpt: string;
  slug: string;
  categories: number[];
  tags: number[];
  featuredMedia: number;
}

export interface FakeWpComment {
  id: number;
  post: number;
  author: number;
  content: string;
  dateGmt: string;
}

interface User {
  id: number;
  username: string;
  password: string;
}

/**
 * A WordPress site as its REST API documents it (developer.wordpress.org/rest-api/reference) and
 * core behaves (WP_REST_Posts_Controller, WP_REST_Attachments_Controller, WP_REST_Comments_
 * Controller): application passwords over HTTP Basic, posts, media uploads checked by extension,
 * comments with core's duplicate check, lists filtered by `author`, `search`, `after`, `status`,
 * and WP_Error bodies `{ code, message, data: { status } }`. The site's time zone is UTC.
 */
export class WordpressFake extends FakePlatform {
  readonly posts: FakeWpPost[] = [];
  readonly comments: FakeWpComment[] = [];
  readonly media = new Map<number, { filename: string; contentType: string; altText: string }>();
  /** The site's terms: categories 1 (Uncategorized) to 5, tags 6 to 9. */
  readonly terms = { categories: new Set([1, 2, 3, 4, 5]), tags: new Set([6, 7, 8, 9]) };
  private readonly users: User[] = [];
  private next = 100;

  constructor() {
    super('wordpress');
    this.routes.push(...this.endpoints());
  }

  /** A new user of the site and an application password of theirs, as an account holds them. */
  credentials(): Record<string, string> {
    const user = { id: this.users.length + 1, username: `author${this.users.length + 1}`, password: '' };
    // Application passwords are shown in groups of four; WordPress ignores the spaces.
    user.password = `abcd efgh ijkl ${String(user.id).padStart(4, '0')}`;
    this.users.push(user);
    return { site_url: this.url, username: user.username, application_password: user.password };
  }

  /** A post the user `author` publishes from wp-admin. */
  postFromApp(author: number, title: string, content: string): void {
    const id = (this.next += 1);
    this.posts.push({
      id,
      author,
      title,
      content,
      status: 'publish',
      dateGmt: wpDate(new Date()),
      excerpt: '',
      slug: String(id),
      categories: [1],
      tags: [],
      featuredMedia: 0,
    });
  }

  /** A comment the user `author` makes on the post `post` from the site. */
  commentFromApp(post: number, author: number, content: string): void {
    this.comments.push({ id: (this.next += 1), post, author, content, dateGmt: wpDate(new Date()) });
  }

  /** Posts readers see (published ones). */
  live(): FakeWpPost[] {
    return this.posts.filter((p) => p.status === 'publish');
  }

  private endpoints(): Route[] {
    /**
     * A call WordPress authenticates. Core tries an application password only once it knows the
     * request is for the REST API, after it has settled on "nobody" while loading: a wrong password
     * is never named as such (no `incorrect_password`), the route answers as to a visitor.
     */
    const authed =
      (
        handle: (req: FakeRequest, user: User, params: Record<string, string>) => FakeResponse,
        visitor: (req: FakeRequest, params: Record<string, string>) => FakeResponse,
      ) =>
      (req: FakeRequest, params: Record<string, string>): FakeResponse => {
        const user = this.userOf(String(req.headers.authorization ?? ''));
        return user ? handle(req, user, params) : visitor(req, params);
      };
    const cannotCreate = () =>
      wpError(401, 'rest_cannot_create', 'Sorry, you are not allowed to create posts as this user.');
    const api = '/wp-json/wp/v2';
    return [
      {
        method: 'GET',
        path: `${api}/users/me`,
        handle: authed(
          (_req, user) => ({
            status: 200,
            body: {
              id: user.id,
              name: `Author ${user.id}`,
              slug: user.username,
              avatar_urls: {
                '24': `${this.url}/avatar/${user.id}?s=24`,
                '96': `${this.url}/avatar/${user.id}?s=96`,
              },
            },
          }),
          () => wpError(401, 'rest_not_logged_in', 'You are not currently logged in.'),
        ),
      },
      { method: 'POST', path: `${api}/media`, handle: authed((req) => this.upload(req), cannotCreate) },
      {
        method: 'POST',
        path: `${api}/posts`,
        handle: authed((req, user) => this.create(req, user), cannotCreate),
      },
      {
        method: 'GET',
        path: `${api}/posts`,
        handle: authed(
          (req) => this.list(req),
          (req) =>
            (req.query.get('status') ?? 'publish') === 'publish'
              ? this.list(req)
              : invalidParam('status', 'Status is forbidden.'),
        ),
      },
      {
        method: 'DELETE',
        path: /^\/wp-json\/wp\/v2\/posts\/(?<id>\d+)$/,
        handle: authed(
          (req, user, { id }) => this.remove(req, user, Number(id)),
          () => wpError(401, 'rest_cannot_delete', 'Sorry, you are not allowed to delete this post.'),
        ),
      },
      {
        method: 'POST',
        path: `${api}/comments`,
        handle: authed(
          (req, user) => this.comment(req, user),
          () => wpError(401, 'rest_comment_login_required', 'Sorry, you must be logged in to comment.'),
        ),
      },
      { method: 'GET', path: `${api}/comments`, handle: (req) => this.listComments(req) },
      {
        method: 'GET',
        path: `${api}/categories`,
        handle: (req) => this.listTerms(req, this.terms.categories),
      },
      { method: 'GET', path: `${api}/tags`, handle: (req) => this.listTerms(req, this.terms.tags) },
    ];
  }

  /** `GET /categories` or `/tags`, public: `include` picks ids (unknown ones are left out). */
  private listTerms(req: FakeRequest, ids: ReadonlySet<number>): FakeResponse {
    const include = (req.query.get('include') ?? '').split(',').filter(Boolean).map(Number);
    const chosen = (include.length ? include.filter((id) => ids.has(id)) : [...ids]).slice(
      0,
      Number(req.query.get('per_page') ?? 10),
    );
    return { status: 200, body: chosen.map((id) => ({ id })) };
  }

  private userOf(authorization: string): User | undefined {
    const basic = /^Basic (.+)$/i.exec(authorization)?.[1];
    if (!basic) return undefined;
    const decoded = Buffer.from(basic, 'base64').toString('utf8');
    const at = decoded.indexOf(':');
    const [name, password] = [decoded.slice(0, at), decoded.slice(at + 1)];
    const bare = (p: string) => p.replace(/\s/g, '');
    return this.users.find((u) => u.username === name && bare(u.password) === bare(password));
  }

  private upload(req: FakeRequest): FakeResponse {
    const file = req.body.file as { filename: string; contentType?: string; data: Buffer } | undefined;
    if (!file) return wpError(400, 'rest_upload_no_data', 'No data supplied.');
    if (!file.data.length)
      return wpError(
        500,
        'rest_upload_unknown_error',
        'File is empty. Please upload something more substantial.',
      );
    // Core checks the name's extension and, for an image, the bytes (wp_check_filetype_and_ext).
    if (!/\.(jpe?g|png|gif|webp|avif)$/i.test(file.filename) || !isImage(file.data))
      return wpError(
        500,
        'rest_upload_unknown_error',
        'Sorry, you are not allowed to upload this file type.',
      );
    const id = (this.next += 1);
    this.media.set(id, {
      filename: file.filename,
      contentType: String(file.contentType),
      altText: typeof req.body.alt_text === 'string' ? req.body.alt_text : '',
    });
    return {
      status: 201,
      body: { id, media_type: 'image', source_url: `${this.url}/wp-content/uploads/${file.filename}` },
    };
  }

  private create(req: FakeRequest, user: User): FakeResponse {
    const input = req.body as Record<string, unknown>;
    const status = input.status ?? 'draft';
    if (!['publish', 'draft', 'future', 'pending', 'private'].includes(String(status)))
      return invalidParam('status', 'status is not one of publish, future, draft, pending, private.');
    const title = String(input.title ?? '');
    const content = String(input.content ?? '');
    if (!title && !content) return wpError(400, 'empty_content', 'Content, title, and excerpt are empty.');
    const id = (this.next += 1);
    const post: FakeWpPost = {
      id,
      author: user.id,
      title,
      content,
      status: String(status),
      dateGmt: wpDate(new Date()),
      excerpt: String(input.excerpt ?? ''),
      slug: String(input.slug ?? (title.toLowerCase().replace(/[^a-z0-9]+/g, '-') || String(id))),
      // Core drops term ids it does not know without a word (and leaves a post whose categories
      // were all unknown in none), and an unknown featured image likewise.
      categories: Array.isArray(input.categories)
        ? input.categories.map(Number).filter((id) => this.terms.categories.has(id))
        : [1],
      tags: Array.isArray(input.tags) ? input.tags.map(Number).filter((id) => this.terms.tags.has(id)) : [],
      featuredMedia: this.media.has(Number(input.featured_media)) ? Number(input.featured_media) : 0,
    };
    this.posts.push(post);
    return { status: 201, body: this.entity(post) };
  }

  /** `GET /posts`: `status=any` and `context=edit` as an author may ask; newest first. */
  private list(req: FakeRequest): FakeResponse {
    const q = req.query;
    const status = q.get('status') ?? 'publish';
    const terms = (q.get('search') ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    const chosen = this.posts
      .filter((p) => (status === 'any' ? p.status !== 'trash' : p.status === status))
      .filter((p) => !q.get('author') || String(p.author) === q.get('author'))
      .filter((p) => !q.get('after') || p.dateGmt > String(q.get('after')))
      .filter((p) => terms.every((t) => `${p.title} ${p.content}`.toLowerCase().includes(t)))
      .reverse();
    return paged(q, chosen, (p) => this.entity(p), 'rest_post_invalid_page_number');
  }

  private remove(req: FakeRequest, user: User, id: number): FakeResponse {
    const i = this.posts.findIndex((p) => p.id === id && (p.status !== 'trash' || req.query.get('force')));
    if (i < 0) return wpError(404, 'rest_post_invalid_id', 'Invalid post ID.');
    const post = this.posts[i]!;
    if (post.author !== user.id)
      return wpError(403, 'rest_cannot_delete', 'Sorry, you are not allowed to delete this post.');
    if (req.query.get('force') !== 'true') {
      post.status = 'trash';
      return { status: 200, body: this.entity(post) };
    }
    this.posts.splice(i, 1);
    return { status: 200, body: { deleted: true, previous: this.entity(post) } };
  }

  private comment(req: FakeRequest, user: User): FakeResponse {
    const postId = Number(req.body.post);
    const content = String(req.body.content ?? '');
    const post = this.posts.find((p) => p.id === postId);
    if (!post)
      return wpError(
        403,
        'rest_comment_invalid_post_id',
        'Sorry, you are not allowed to create this comment without a post.',
      );
    if (!content.trim()) return wpError(400, 'rest_comment_content_invalid', 'Invalid comment content.');
    // Core refuses the same author's same comment on the same post (wp_allow_comment).
    if (this.comments.some((c) => c.post === postId && c.author === user.id && c.content === content))
      return wpError(
        409,
        'comment_duplicate',
        'Duplicate comment detected; it looks as though you&#8217;ve already said that!',
      );
    const comment = {
      id: (this.next += 1),
      post: postId,
      author: user.id,
      content,
      dateGmt: wpDate(new Date()),
    };
    this.comments.push(comment);
    return { status: 201, body: this.commentEntity(comment) };
  }

  private listComments(req: FakeRequest): FakeResponse {
    const q = req.query;
    // The fake's users are authors: only moderators may read comments in the edit context.
    if (q.get('context') === 'edit')
      return wpError(403, 'rest_forbidden_context', 'Sorry, you are not allowed to edit comments.');
    const chosen = this.comments
      .filter((c) => !q.get('post') || String(c.post) === q.get('post'))
      .filter((c) => !q.get('author') || String(c.author) === q.get('author'))
      .filter((c) => !q.get('after') || c.dateGmt > String(q.get('after')))
      .reverse();
    return paged(q, chosen, (c) => this.commentEntity(c), 'rest_comment_invalid_page_number');
  }

  private linkOf(p: FakeWpPost): string {
    return p.status === 'publish' ? `${this.url}/${p.slug}/` : `${this.url}/?p=${p.id}`;
  }

  /** A post as the API answers it in `context=edit` (raw and rendered fields). */
  private entity(p: FakeWpPost) {
    return {
      id: p.id,
      date: p.dateGmt,
      date_gmt: p.dateGmt,
      modified_gmt: p.dateGmt,
      slug: p.slug,
      status: p.status,
      type: 'post',
      link: this.linkOf(p),
      title: { raw: p.title, rendered: p.title },
      content: { raw: p.content, rendered: `<p>${p.content}</p>\n`, protected: false },
      excerpt: { raw: p.excerpt, rendered: p.excerpt ? `<p>${p.excerpt}</p>\n` : '' },
      author: p.author,
      featured_media: p.featuredMedia,
      categories: p.categories,
      tags: p.tags,
    };
  }

  private commentEntity(c: FakeWpComment) {
    const post = this.posts.find((p) => p.id === c.post);
    return {
      id: c.id,
      post: c.post,
      author: c.author,
      date_gmt: c.dateGmt,
      // Rendered as core does: a paragraph, curly apostrophes (wptexturize); `raw` only for moderators.
      content: { rendered: `<p>${c.content.replace(/'/g, '&#8217;')}</p>\n` },
      link: `${post ? this.linkOf(post) : this.url}#comment-${c.id}`,
      status: 'approved',
      type: 'comment',
    };
  }
}

/** Whether `bytes` start as a JPEG, PNG, GIF, WebP or AVIF file does. */
function isImage(bytes: Buffer): boolean {
  const ascii = bytes.subarray(0, 12).toString('latin1');
  return (
    ascii.startsWith('\xff\xd8\xff') ||
    ascii.startsWith('\x89PNG') ||
    ascii.startsWith('GIF8') ||
    (ascii.startsWith('RIFF') && ascii.slice(8, 12) === 'WEBP') ||
    ascii.slice(4, 12) === 'ftypavif'
  );
}

/** A WordPress date: seconds precision, UTC, no zone designator. */
const wpDate = (d: Date) => d.toISOString().replace(/\.\d+Z$/, '');

const wpError = (status: number, code: string, message: string): FakeResponse => ({
  status,
  body: { code, message, data: { status } },
});

const invalidParam = (param: string, message: string): FakeResponse => ({
  status: 400,
  body: {
    code: 'rest_invalid_param',
    message: `Invalid parameter(s): ${param}`,
    data: { status: 400, params: { [param]: message } },
  },
});

/**
 * A collection page as the REST API answers it: `per_page` items (10 unless asked, at most 100)
 * of `page` (from 1), the totals in `X-WP-Total` and `X-WP-TotalPages`, and a 400 for a page past
 * the last.
 */
function paged<T>(
  q: URLSearchParams,
  all: readonly T[],
  entity: (item: T) => unknown,
  invalid: string,
): FakeResponse {
  const size = Math.min(Number(q.get('per_page') ?? 10), 100);
  const page = Math.max(Number(q.get('page') ?? 1), 1);
  const pages = Math.ceil(all.length / size);
  if (page > 1 && page > pages)
    return wpError(400, invalid, 'The page number requested is larger than the number of pages available.');
  return {
    status: 200,
    headers: { 'x-wp-total': String(all.length), 'x-wp-totalpages': String(pages) },
    body: all.slice((page - 1) * size, page * size).map(entity),
  };
}

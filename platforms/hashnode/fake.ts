import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface FakeHashnodePost {
  id: string;
  publicationId: string;
  title: string;
  markdown: string;
  slug: string;
  subtitle?: string;
  tags: string[];
  coverImageURL?: string;
  originalArticleURL?: string;
  disableComments: boolean;
  seriesId?: string;
  publishedAt: string;
  /** `removePost` soft-deletes: the post stays, inactive. */
  active: boolean;
}

export interface FakeHashnodeComment {
  id: string;
  postId: string;
  authorId: string;
  markdown: string;
  stamp: string;
  dateAdded: string;
}

interface Publication {
  id: string;
  host: string;
  pro: boolean;
}

const MAX_TAGS = 15;
const MAX_BODY_BYTES = 100 * 1000;
const PRO_MESSAGE =
  'Publication does not have an active Pro plan. Upgrade in your dashboard to access this via the API.';

/**
 * Hashnode's GraphQL endpoint as its API docs describe it (apidocs.hashnode.com, and Hashnode's
 * errors-and-limits reference): one `POST /` taking `{ query, variables }`, the token as the whole
 * `Authorization` header (a "Bearer " prefix is also taken), errors as `errors[]` with
 * `extensions.code` under HTTP 200 (400 for a query it cannot run), the Pro-plan gate on
 * publications, a 100 KB body limit. It runs the operations the adapter sends (told apart by their
 * root field: `publishPost`, `publication { posts }`, `removePost`, `addComment`,
 * `post { comments }`), not GraphQL at large.
 */
export class HashnodeFake extends FakePlatform {
  readonly posts: FakeHashnodePost[] = [];
  readonly comments: FakeHashnodeComment[] = [];
  /** Personal Access Token → the publications its user may write to. */
  private readonly tokens = new Map<string, Publication[]>();
  /** Personal Access Token → its user's id. */
  private readonly users = new Map<string, string>();

  constructor() {
    super('hashnode');
    this.routes.push(...this.endpoints());
  }

  /** A new user's token and publication, as an account's credentials carry them. */
  credentials({ pro = true } = {}): Record<string, string> {
    const token = `pat-${this.nextId()}`;
    const id = objectId(this.nextId());
    this.tokens.set(token, [{ id, host: `blog${this.tokens.size + 1}.hashnode.dev`, pro }]);
    this.users.set(token, objectId(this.nextId()));
    return { personal_access_token: token, publication_id: id };
  }

  /** A post published in the publication from Hashnode's editor. */
  postFromApp(publicationId: string, title: string): void {
    const id = objectId(this.nextId());
    this.posts.push({
      id,
      publicationId,
      title,
      markdown: 'Hello',
      slug: id,
      tags: [],
      disableComments: false,
      publishedAt: new Date().toISOString(),
      active: true,
    });
  }

  /** The posts live on their blogs. */
  live(): FakeHashnodePost[] {
    return this.posts.filter((p) => p.active);
  }

  private endpoints(): Route[] {
    return [{ method: 'POST', path: '/', handle: (req) => this.graphql(req) }];
  }

  private graphql(req: FakeRequest): FakeResponse {
    if (req.raw.length > MAX_BODY_BYTES) return { status: 413, body: 'request entity too large' };
    const query = String(req.body.query ?? '');
    const variables = req.body.variables ?? {};
    const token = String(req.headers.authorization ?? '').replace(/^Bearer /i, '');
    const publications = this.tokens.get(token);
    if (!publications) return hashnodeError('UNAUTHENTICATED', 'User is not authenticated.');
    const publication = (id: unknown) => publications.find((p) => p.id === id);

    if (/\bme\s*\{/.test(query) && /\bpublication\s*\(/.test(query) && !/\bposts\s*\(/.test(query)) {
      const target = publication(variables.id);
      const user = this.users.get(token)!;
      return {
        status: 200,
        body: {
          data: {
            me: {
              id: user,
              username: `writer${user.slice(-4)}`,
              name: 'Postflow Writer',
              profilePicture: null,
            },
            publication: target
              ? { id: target.id, title: `Blog ${target.host}`, url: `https://${target.host}` }
              : null,
          },
        },
      };
    }
    if (/\bpublishPost\s*\(/.test(query)) {
      const input = variables.input ?? {};
      const target = publication(input.publicationId);
      if (!target) return hashnodeError('NOT_FOUND', 'Publication not found.');
      if (!target.pro) return hashnodeError('FORBIDDEN', PRO_MESSAGE);
      return this.publish(input, target);
    }
    if (/\baddComment\s*\(/.test(query))
      return this.addComment(variables.input ?? {}, this.users.get(token)!);
    if (/\bpost\s*\(/.test(query) && /\bcomments\s*\(/.test(query)) {
      return this.recentComments(variables, this.users.get(token)!);
    }
    if (/\bremovePost\s*\(/.test(query)) {
      const post = this.posts.find((p) => p.id === variables.input?.id && p.active);
      if (!post || !publication(post.publicationId)) return hashnodeError('NOT_FOUND', 'Post not found.');
      post.active = false;
      return { status: 200, body: { data: { removePost: { post: { id: post.id } } } } };
    }
    if (/\bpublication\s*\(/.test(query) && /\bposts\s*\(/.test(query)) {
      const target = publication(variables.id);
      if (!target) return hashnodeError('NOT_FOUND', 'Publication not found.');
      if (!target.pro) return hashnodeError('FORBIDDEN', PRO_MESSAGE);
      // A Relay connection, newest first: `first` (at most 20) `after` the cursor, with `pageInfo`.
      const first = Math.min(Number(variables.first ?? 10), 20);
      const all = this.live()
        .filter((p) => p.publicationId === target.id)
        .reverse();
      const from = variables.after ? Number(Buffer.from(String(variables.after), 'base64').toString()) : 0;
      const page = all.slice(from, from + first);
      const edges = page.map((p, i) => ({
        node: { ...this.entity(p, target), content: { markdown: p.markdown } },
        cursor: Buffer.from(String(from + i + 1)).toString('base64'),
      }));
      const pageInfo = { hasNextPage: from + first < all.length, endCursor: edges.at(-1)?.cursor ?? null };
      return {
        status: 200,
        body: { data: { publication: { id: target.id, posts: { edges, pageInfo } } } },
      };
    }
    return {
      status: 400,
      body: {
        errors: [
          { message: 'Cannot query this operation.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } },
        ],
      },
    };
  }

  /** `addComment`: any user may comment on an active post whose comments are open. */
  private addComment(input: Record<string, any>, authorId: string): FakeResponse {
    const post = this.posts.find((p) => p.id === input.postId && p.active);
    if (!post) return hashnodeError('NOT_FOUND', 'Post not found.');
    if (post.disableComments) return hashnodeError('BAD_USER_INPUT', 'Comments are disabled for this post.');
    if (typeof input.contentMarkdown !== 'string' || !input.contentMarkdown.trim())
      return hashnodeError('BAD_USER_INPUT', 'Comment content is required.');
    const comment: FakeHashnodeComment = {
      id: objectId(this.nextId()),
      postId: post.id,
      authorId,
      markdown: input.contentMarkdown,
      stamp: `comment-${this.nextId()}`,
      dateAdded: new Date().toISOString(),
    };
    this.comments.push(comment);
    return { status: 200, body: { data: { addComment: { comment: this.commentEntity(comment) } } } };
  }

  /** `me` and `post(id) { comments(first, after, sortBy: RECENT) }`: newest first, by cursor. */
  private recentComments(variables: Record<string, any>, me: string): FakeResponse {
    const post = this.posts.find((p) => p.id === variables.id);
    if (!post) return { status: 200, body: { data: { me: { id: me }, post: null } } };
    const first = Math.min(Number(variables.first ?? 10), 50);
    const newest = this.comments.filter((c) => c.postId === post.id).reverse();
    const start = variables.after ? Number(variables.after) : 0;
    const page = newest.slice(start, start + first);
    const end = start + page.length;
    const comments = {
      edges: page.map((c) => ({ node: this.commentEntity(c) })),
      pageInfo: { hasNextPage: end < newest.length, endCursor: String(end) },
    };
    return { status: 200, body: { data: { me: { id: me }, post: { comments } } } };
  }

  /** `count` comments of other readers under `postId`, as a busy post has them. */
  chatter(postId: string, count: number): void {
    for (let i = 0; i < count; i++) {
      const id = objectId(this.nextId());
      this.comments.push({
        id,
        postId,
        authorId: 'reader',
        markdown: `reader comment ${i}`,
        stamp: `comment-${id}`,
        dateAdded: new Date().toISOString(),
      });
    }
  }

  private commentEntity(c: FakeHashnodeComment) {
    return {
      id: c.id,
      stamp: c.stamp,
      dateAdded: c.dateAdded,
      author: { id: c.authorId },
      content: { markdown: c.markdown },
    };
  }

  private publish(input: Record<string, any>, publication: Publication): FakeResponse {
    const title = String(input.title ?? '').trim();
    if (!title) return hashnodeError('BAD_USER_INPUT', 'Title is required.');
    if (typeof input.contentMarkdown !== 'string' || !input.contentMarkdown.trim())
      return hashnodeError('BAD_USER_INPUT', 'Content is required.');
    const tags: Array<{ slug?: string }> = Array.isArray(input.tags) ? input.tags : [];
    if (tags.length > MAX_TAGS)
      return hashnodeError('BAD_USER_INPUT', `A post can have at most ${MAX_TAGS} tags.`);
    const slug = String(input.slug ?? slugOf(title));
    const post: FakeHashnodePost = {
      id: objectId(this.nextId()),
      publicationId: publication.id,
      title,
      markdown: input.contentMarkdown,
      // Hashnode keeps slugs unique in a publication.
      slug: this.posts.some((p) => p.publicationId === publication.id && p.slug === slug)
        ? `${slug}-${this.posts.length}`
        : slug,
      ...(input.subtitle ? { subtitle: String(input.subtitle) } : {}),
      tags: tags.map((t) => String(t.slug)),
      ...(input.coverImageOptions?.coverImageURL
        ? { coverImageURL: String(input.coverImageOptions.coverImageURL) }
        : {}),
      ...(input.originalArticleURL ? { originalArticleURL: String(input.originalArticleURL) } : {}),
      disableComments: input.disableComments === true,
      ...(input.seriesId ? { seriesId: String(input.seriesId) } : {}),
      publishedAt: new Date().toISOString(),
      active: true,
    };
    this.posts.push(post);
    return { status: 200, body: { data: { publishPost: { post: this.entity(post, publication) } } } };
  }

  private entity(p: FakeHashnodePost, publication: Publication) {
    return {
      id: p.id,
      slug: p.slug,
      title: p.title,
      url: `${this.url}/${publication.host}/${p.slug}`,
      publishedAt: p.publishedAt,
    };
  }
}

/** A GraphQL error answer as Hashnode sends it: HTTP 200, `data: null`, the code in extensions. */
export function hashnodeError(code: string, message: string): FakeResponse {
  return { status: 200, body: { data: null, errors: [{ message, extensions: { code } }] } };
}

/** A 24-hex id from the fake's counter. */
const objectId = (seed: string) => seed.replace(/\D/g, '').slice(-24).padStart(24, '0');

const slugOf = (title: string) =>
  title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '') || 'post';

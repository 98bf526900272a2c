import type { DeliveryReceipt } from '../../api/types';
import {
  type AccountContext,
  type AdapterOptions,
  type CommentReceipt,
  type CommentRequest,
  type PlatformAdapter,
  PublishError,
  type PublishRequest,
} from '../kit/adapter';
import { bearerCaller, type CallContext } from '../kit/call';
import { sameText } from '../kit/content';
import { MAX_LOOKUP_PAGES, searchWindow } from '../kit/lookup-window';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  postedSince,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';

const PLATFORM = 'hashnode';
/** Hashnode refuses request bodies over 100 KB. */
const MAX_BODY_BYTES = 100 * 1000;
/** How many of the publication's posts a reconcile page holds (Hashnode's largest page). */
const RECONCILE_WINDOW = 20;
/** How long the cover's URL stays valid for library media (Hashnode keeps the URL it is given). */
const COVER_URL_TTL_MS = 7 * 24 * 3_600_000;

const PUBLISH = `mutation PublishPost($input: PublishPostInput!) {
  publishPost(input: $input) { post { id slug url publishedAt } }
}`;
const RECENT = `query RecentPosts($id: ObjectId!, $first: Int!, $after: String) {
  publication(id: $id) {
    posts(first: $first, after: $after) {
      edges { node { id title url publishedAt content { markdown } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const REMOVE = `mutation RemovePost($input: RemovePostInput!) {
  removePost(input: $input) { post { id } }
}`;
const ADD_COMMENT = `mutation AddComment($input: AddCommentInput!) {
  addComment(input: $input) { comment { id stamp dateAdded } }
}`;
const RECENT_COMMENTS = `query RecentComments($id: ID!, $first: Int!, $after: String) {
  me { id }
  post(id: $id) {
    url
    comments(first: $first, after: $after, sortBy: RECENT) {
      edges { node { id stamp dateAdded author { id } content { markdown } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
/** Comments one page of the lookup reads, and how many pages at most (newest first). */
const COMMENT_PAGE = 50;
const COMMENT_PAGES = 20;

/**
 * Hashnode's GraphQL errors by `extensions.code` (apidocs.hashnode.com; Hashnode's
 * errors-and-limits reference). They arrive with HTTP 200 (400 for a query the schema refuses),
 * so the code decides, not the status. A Personal Access Token does not expire: UNAUTHENTICATED
 * means it was revoked, and the account must be reconnected. FORBIDDEN is a role the account lacks
 * in the publication or a publication without the Pro plan the API requires (told apart below).
 * Any other failure Hashnode collapses to INTERNAL_SERVER_ERROR, which may come after it acted.
 */
const ERROR_CODES: Readonly<Record<string, FailureRule>> = {
  UNAUTHENTICATED: { category: 'auth', code: 'unauthenticated', reconnect: true },
  FORBIDDEN: { category: 'auth', code: 'forbidden' },
  NOT_FOUND: { category: 'validation', code: 'not_found' },
  BAD_USER_INPUT: { category: 'validation', code: 'bad_user_input' },
  // The query itself refused: Postflow's and Hashnode's schemas disagree; no retry can help.
  GRAPHQL_VALIDATION_FAILED: { category: 'system', code: 'query_refused' },
  GRAPHQL_PARSE_FAILED: { category: 'system', code: 'query_refused' },
  INTERNAL_SERVER_ERROR: { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true },
};
const PRO_PLAN: FailureRule = { category: 'auth', code: 'pro_plan_required' };

/** By HTTP status where no GraphQL code says more; else `ruleForStatus`. */
const ERROR_STATUSES: Readonly<Record<number, FailureRule>> = {
  413: { category: 'validation', code: 'too_large' },
};

/**
 * Hashnode, through its GraphQL API (`POST https://gql.hashnode.com`) with the account's Personal
 * Access Token in the `Authorization` header, publishing into the account's `publication_id`.
 *
 * publish: `publishPost` with the post's title and text as the markdown body, the options as the
 * input's fields and the post's one image as the cover (`coverImageOptions.coverImageURL`). No
 * prepare. reconcile: the publication's newest posts, by title and body since the delivery
 * began. unpublish: `removePost` (Hashnode's soft delete: the post leaves the blog and the feeds).
 */
export function createHashnodeAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: (options.baseUrl ?? 'https://gql.hashnode.com').replace(/\/$/, ''),
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    failure,
    failed: (response, body) => !response.ok || errorsOf(body).length > 0,
  });
  /** One GraphQL operation; its `data`, or the classified failure of its `errors`. */
  const graphql = async (
    req: CallContext & { account: AccountContext },
    query: string,
    variables: Record<string, unknown>,
    irreversible = false,
  ): Promise<PlatformBody> => {
    const json = { query, variables };
    const size = Buffer.byteLength(JSON.stringify(json));
    if (size > MAX_BODY_BYTES) {
      throw rejected(
        PLATFORM,
        'too_large',
        `the post is ${size} bytes as Hashnode receives it; Hashnode takes at most 100 KB per request. Shorten the text.`,
      );
    }
    const { body } = await caller(
      req,
      irreversible,
    )({
      method: 'POST',
      path: '/',
      // The token as Hashnode documents it: the header's whole value, no "Bearer".
      headers: { authorization: tokenOf(req.account) },
      json,
    });
    return body.data ?? {};
  };

  return {
    platform: PLATFORM,

    /**
     * The token's user (`me`: a wrong token is UNAUTHENTICATED) and the account's publication,
     * which must exist; the account is named by the publication.
     */
    async verifyCredentials(account, signal) {
      const data = await graphql(
        { account, signal },
        'query Verify($id: ObjectId!) { me { id username name profilePicture } publication(id: $id) { id title url } }',
        { id: publicationOf(account) },
      );
      const publication = data.publication as PlatformBody | null;
      if (!publication) {
        throw rejected(
          PLATFORM,
          'publication_id',
          `no publication has the id ${publicationOf(account)}; copy it from the blog dashboard's URL.`,
        );
      }
      const me = (data.me ?? {}) as PlatformBody;
      return {
        id: String(publication.id),
        ...(me.username ? { username: String(me.username) } : {}),
        name: String(publication.title ?? me.name ?? ''),
        ...(me.profilePicture ? { pictureUrl: String(me.profilePicture) } : {}),
      };
    },

    async publish(req) {
      const input = await inputOf(req);
      const data = await graphql(req, PUBLISH, { input }, true);
      return receiptOf(data.publishPost?.post ?? {});
    },

    async findExisting(req) {
      // Newest first, page after page (`after`: the last page's `pageInfo.endCursor`).
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the publication has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} posts`,
        read: async (after) => {
          const data = await graphql(req, RECENT, {
            id: publicationOf(req.account),
            first: RECONCILE_WINDOW,
            ...(after ? { after } : {}),
          });
          const posts = data.publication?.posts ?? {};
          const edges: PlatformBody[] = Array.isArray(posts.edges) ? posts.edges : [];
          return {
            items: edges.map((edge) => (edge.node ?? {}) as PlatformBody),
            next: posts.pageInfo?.hasNextPage ? posts.pageInfo.endCursor : undefined,
          };
        },
        until: { since: req.since, createdAt: (post) => post.publishedAt },
        matches: (post) =>
          sameText(post.title, req.content.title) &&
          sameText(post.content?.markdown, req.content.text) &&
          postedSince(post.publishedAt, req.since),
      });
      return found ? receiptOf(found) : null;
    },

    /**
     * `addComment` under the post, as the account's user. Hashnode takes no idempotency key: a
     * lost answer is settled by `findComment`.
     */
    async comment(req) {
      const input = { postId: req.post.platformPostId, contentMarkdown: req.text };
      const data = await graphql(req, ADD_COMMENT, { input }, true);
      return commentReceipt(req.post.permalink, data.addComment?.comment ?? {});
    },

    /**
     * The post's comments, newest first, page by page back to the comment step's start: the one
     * by this user with the comment's text. A post with more comments since than the pages read
     * cannot be searched: that is said, never "absent".
     */
    async findComment(req) {
      let after: string | undefined;
      for (let page = 0; page < COMMENT_PAGES; page++) {
        const data = await graphql(req, RECENT_COMMENTS, {
          id: req.post.platformPostId,
          first: COMMENT_PAGE,
          ...(after ? { after } : {}),
        });
        const me = String(data.me?.id ?? '');
        const connection = data.post?.comments ?? {};
        const comments: PlatformBody[] = (connection.edges ?? []).map(
          (edge: PlatformBody) => edge.node ?? {},
        );
        const found = comments.find(
          (c) =>
            c.author?.id === me &&
            sameText(c.content?.markdown, req.text) &&
            postedSince(c.dateAdded, req.since),
        );
        if (found) return commentReceipt(req.post.permalink, found);
        const older = comments.some((c) => !postedSince(c.dateAdded, req.since));
        if (older || !connection.pageInfo?.hasNextPage) return null;
        after = String(connection.pageInfo.endCursor);
      }
      throw tooManyComments(req);
    },

    async unpublish(req) {
      try {
        await graphql(req, REMOVE, { input: { id: req.platformPostId } });
      } catch (err) {
        // Hashnode answers NOT_FOUND for a post removed already.
        if ((err as { graphqlCode?: string }).graphqlCode === 'NOT_FOUND') return 'deleted';
        throw err;
      }
      return 'deleted';
    },
  };
}

/** `PublishPostInput`: the post's title and body, its options, its cover. */
async function inputOf(req: PublishRequest): Promise<Record<string, unknown>> {
  const o = req.target.options;
  const cover = req.media[0];
  return {
    publicationId: publicationOf(req.account),
    title: req.content.title,
    contentMarkdown: req.content.text,
    tags: Array.isArray(o.tags) ? o.tags.map((slug) => ({ slug: String(slug), name: String(slug) })) : [],
    ...(typeof o.subtitle === 'string' ? { subtitle: o.subtitle } : {}),
    ...(typeof o.slug === 'string' ? { slug: o.slug } : {}),
    ...(typeof o.canonical_url === 'string' ? { originalArticleURL: o.canonical_url } : {}),
    ...(typeof o.disable_comments === 'boolean' ? { disableComments: o.disable_comments } : {}),
    ...(typeof o.series_id === 'string' ? { seriesId: o.series_id } : {}),
    ...(cover ? { coverImageOptions: { coverImageURL: await cover.publicUrl(COVER_URL_TTL_MS) } } : {}),
  };
}

function tokenOf(account: AccountContext): string {
  const token = account.credentials.personal_access_token;
  if (token) return token;
  throw missing('personal_access_token', 'a Personal Access Token (hashnode.com/settings/developer)');
}

function publicationOf(account: AccountContext): string {
  const id = account.credentials.publication_id;
  if (id) return id;
  throw missing(
    'publication_id',
    "the blog's publication id (its dashboard URL, hashnode.com/<id>/dashboard)",
  );
}

const missing = (key: string, what: string) =>
  platformFailure(
    PLATFORM,
    { category: 'auth', code: key, reconnect: true },
    `the account has no ${key}; reconnect it with ${what}.`,
  );

/** A comment's link: the post's, at the comment (Hashnode blogs use its `stamp` as the element id). */
function commentReceipt(postUrl: string, comment: PlatformBody): CommentReceipt {
  const stamp = typeof comment.stamp === 'string' && comment.stamp ? comment.stamp : undefined;
  return { commentId: String(comment.id), permalink: postUrl && stamp ? `${postUrl}#${stamp}` : postUrl };
}

const tooManyComments = (req: CommentRequest) =>
  new PublishError({
    category: 'system',
    caused_by: 'platform',
    code: `platform.${PLATFORM}.unsearchable`,
    message: `${PLATFORM}: post ${req.post.platformPostId} has more than ${COMMENT_PAGE * COMMENT_PAGES} comments since the comment step began, too many to look the comment up; check the post.`,
    retryable: false,
    outcomeUnknown: false,
  });

function receiptOf(post: PlatformBody): DeliveryReceipt {
  return {
    platformPostId: String(post.id),
    permalink: String(post.url ?? ''),
    publishedAt: new Date(post.publishedAt ? String(post.publishedAt) : Date.now()).toISOString(),
  };
}

const errorsOf = (body: PlatformBody): PlatformBody[] => (Array.isArray(body.errors) ? body.errors : []);

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const status = response.status;
  const [first] = errorsOf(body);
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : undefined;
  const said = String(first?.message ?? body.message ?? body.text ?? response.statusText);
  const rule =
    (status === 429 || status >= 500 ? undefined : forbiddenOrCode(code, said)) ??
    ERROR_STATUSES[status] ??
    // A 200 with an error code Hashnode does not document: its own rule, anything else is internal.
    (response.ok ? ERROR_CODES.INTERNAL_SERVER_ERROR! : ruleForStatus(status));
  const retryAfter = status === 429 ? retryAfterMs(response.headers) : undefined;
  const err = platformFailure(PLATFORM, rule, `${said} (${code ?? `HTTP ${status}`})`, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  Object.assign(err, { status, graphqlCode: code });
  return err;
}

/** The rule of a GraphQL error code; FORBIDDEN for a publication without Pro has its own. */
function forbiddenOrCode(code: string | undefined, message: string): FailureRule | undefined {
  if (code === 'FORBIDDEN' && /pro plan/i.test(message)) return PRO_PLAN;
  return code ? ERROR_CODES[code] : undefined;
}

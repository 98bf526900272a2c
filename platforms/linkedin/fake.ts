import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface LinkedInPost {
  id: string;
  author: string;
  /** As LinkedIn stores it: little text, hashtags as templates. */
  commentary: string;
  /** What followers read: the commentary rendered (and cut at the first unescaped reserved character). */
  text: string;
  visibility: string;
  isReshareDisabledByAuthor: boolean;
  content: Record<string, any> | undefined;
  media: string[];
  createdAt: number;
  body: Record<string, any>;
}

/** A comment (Comments API, socialActions), as the fake keeps it. */
export interface LinkedInComment {
  urn: string;
  id: string;
  /** The post it is under. */
  object: string;
  actor: string;
  text: string;
  createdAt: number;
}

interface Principal {
  person: string;
  organizations: string[];
}

interface Asset {
  owner: string;
  kind: 'image' | 'video';
  status: 'WAITING_UPLOAD' | 'PROCESSING' | 'AVAILABLE' | 'PROCESSING_FAILED';
  size: number;
  parts: Map<string, Part>;
  /** A multi-part video's upload session, which its `finalizeUpload` must name. */
  uploadToken?: string;
  pollsLeft: number;
}

/** One upload URL's part: its byte range, what it holds, and how often bytes came to it. */
interface Part {
  first: number;
  last: number;
  etag?: string;
  bytes?: Buffer;
  /** PUTs with bytes, and the bytes they brought: a part sent twice shows here. */
  puts: number;
  bytesIn: number;
}

const VERSION = /^20\d{4}$/;
const RESERVED = '\\|{}@[]()<>#*_~';
const VISIBILITIES: Record<string, string[]> = {
  person: ['PUBLIC', 'CONNECTIONS', 'LOGGED_IN'],
  organization: ['PUBLIC', 'LOGGED_IN'],
};

/** LinkedIn's error body: `{ status, serviceErrorCode, code, message }`. */
export const liError = (
  status: number,
  code: string,
  message: string,
  serviceErrorCode = 100,
): FakeResponse => ({
  status,
  body: { status, serviceErrorCode, code, message },
});

/** A 422 with LinkedIn's input-error details (`errorDetails.inputErrors`). */
export const liInputError = (
  code: string,
  description: string,
  fieldPath: string,
  message = `${description} (${fieldPath})`,
): FakeResponse => ({
  status: 422,
  body: {
    errorDetailType: 'com.linkedin.common.error.BadRequest',
    message,
    errorDetails: { inputErrors: [{ description, input: { inputPath: { fieldPath } }, code }] },
    status: 422,
  },
});

/**
 * LinkedIn's versioned REST API as documented (learn.microsoft.com/linkedin): Posts API with
 * `x-restli-id`, little-text commentary, the Images and Videos upload protocols (chunked video
 * parts with ETags, processing polled to AVAILABLE), the author finder, delete, duplicate
 * detection, comments on posts (socialActions, kept in `comments`), and the OAuth refresh grant
 * on /oauth/v2/accessToken.
 */
export class LinkedInFake extends FakePlatform {
  readonly posts: LinkedInPost[] = [];
  readonly assets = new Map<string, Asset>();
  readonly comments: LinkedInComment[] = [];
  /**
   * What socialMetadata summarizes, by post urn: reactions by type (`LIKE`, `PRAISE`, `EMPATHY`…)
   * and the comment count (else the comments made here).
   */
  readonly engagement = new Map<string, { reactions?: Record<string, number>; comments?: number }>();
  /** access token → the member it belongs to, and the organizations that member administers. */
  private readonly principals = new Map<string, Principal>();
  /** refresh token → the member it was issued to. */
  private readonly refreshOwners = new Map<string, Principal>();
  /** Access tokens LinkedIn now answers as expired. */
  private readonly expired = new Set<string>();
  /** Requests to /rest without the required headers. */
  readonly headerFaults: string[] = [];
  /** The member who consents on the consent page (the same one every time). */
  readonly member: Principal = {
    person: 'urn:li:person:fakemember',
    organizations: ['urn:li:organization:1', 'urn:li:organization:2'],
  };
  /** Organizations' names (`localizedName`), by id. */
  readonly organizationNames = new Map([
    ['1', 'Postflow Inc.'],
    ['2', 'Postflow Labs'],
  ]);
  /** The last refresh grant's form, to check its shape. */
  lastGrant: Record<string, string> | undefined;

  constructor(
    readonly client = { id: 'li-client', secret: 'li-secret' },
    /** Bytes per video part (LinkedIn: 4 MB); small here so tests cover several parts. */
    readonly partSize = 16,
    /** Status polls a finalized video stays PROCESSING. */
    readonly videoPolls = 2,
  ) {
    super('linkedin');
    this.routes.push(...this.endpoints());
  }

  override oauthApp() {
    return { clientId: this.client.id, clientSecret: this.client.secret };
  }

  /** A member's credentials; with `organization`, a page that member administers. */
  credentials(kind: 'person' | 'organization' = 'person'): Record<string, string> {
    const tokens = this.issueTokens(this.client.id);
    const person = `urn:li:person:${this.nextId('p')}`;
    const organization = `urn:li:organization:${this.nextId()}`;
    const who = { person, organizations: [organization] };
    this.principals.set(tokens.access_token, who);
    this.refreshOwners.set(tokens.refresh_token, who);
    return kind === 'person'
      ? { ...tokens, person_urn: person }
      : { ...tokens, organization_id: organization.split(':').at(-1)! };
  }

  /**
   * `GET /rest/socialMetadata/{post urn}` (Social Metadata API, "Get a Summary of Social
   * Metadata"): `reactionSummaries` keyed by reaction type (`{reactionType, count}`), `commentSummary`
   * `{count, topLevelCount}`, `commentsState`, `entity`. A post that is not there: 404.
   */
  private socialMetadata(urn: string): FakeResponse {
    if (!this.posts.some((p) => p.id === urn)) return liError(404, 'NOT_FOUND', `${urn} not found`);
    const counts = this.engagement.get(urn) ?? {};
    const made = this.comments.filter((c) => c.object === urn).length;
    const reactionSummaries = Object.fromEntries(
      Object.entries(counts.reactions ?? {}).map(([type, count]) => [type, { reactionType: type, count }]),
    );
    const comments = counts.comments ?? made;
    return {
      status: 200,
      body: {
        reactionSummaries,
        commentsState: 'OPEN',
        commentSummary: { count: comments, topLevelCount: comments },
        entity: urn,
      },
    };
  }

  /** Makes LinkedIn answer this access token as expired. */
  expire(accessToken: string): void {
    this.expired.add(accessToken);
  }

  private endpoints(): Route[] {
    const rest =
      (
        handle: (
          req: FakeRequest,
          params: Record<string, string>,
          who: Principal,
        ) => FakeResponse | Promise<FakeResponse>,
      ) =>
      (req: FakeRequest, params: Record<string, string>) => {
        const who = req.bearer ? this.principals.get(req.bearer) : undefined;
        if (!who || !this.accessTokens.has(req.bearer!))
          return liError(401, 'INVALID_ACCESS_TOKEN', 'Invalid access token', 65600);
        // The expired token's serviceErrorCode is not in LinkedIn's docs; its code and message are.
        if (this.expired.has(req.bearer!))
          return liError(401, 'EXPIRED_ACCESS_TOKEN', 'The token used in the request has expired', 65602);
        if (req.path.startsWith('/rest/')) {
          if (!req.headers['linkedin-version'])
            return liError(
              400,
              'VERSION_MISSING',
              'A version must be present. Please specify a version by adding the LinkedIn-Version header.',
            );
          if (!VERSION.test(String(req.headers['linkedin-version'])))
            return liError(
              426,
              'NONEXISTENT_VERSION',
              `Requested version ${req.headers['linkedin-version']} is not active`,
            );
          if (req.headers['x-restli-protocol-version'] !== '2.0.0') this.headerFaults.push(req.path);
        }
        return handle(
          req,
          Object.fromEntries(Object.entries(params).map(([k, v]) => [k, decodeURIComponent(v)])),
          who,
        );
      };
    const owns = (who: Principal, urn: string) => who.person === urn || who.organizations.includes(urn);

    return [
      {
        method: 'POST',
        path: '/rest/images',
        handle: rest((req, _p, who) => {
          if (req.query.get('action') !== 'initializeUpload')
            return liError(400, 'BAD_REQUEST', 'Unknown action');
          const owner = String(req.body.initializeUploadRequest?.owner ?? '');
          if (!owns(who, owner))
            return liError(403, 'ACCESS_DENIED', `Not enough permissions to access: owner ${owner}`);
          const urn = `urn:li:image:${this.nextId('C4E')}`;
          const upload = this.nextId('up');
          this.assets.set(urn, {
            owner,
            kind: 'image',
            status: 'WAITING_UPLOAD',
            size: 0,
            parts: new Map([[upload, { first: 0, last: Infinity, puts: 0, bytesIn: 0 }]]),
            pollsLeft: 0,
          });
          return {
            status: 200,
            body: {
              value: {
                uploadUrlExpiresAt: Date.now() + 3_600_000,
                uploadUrl: `${this.url}/dms-uploads/${upload}`,
                image: urn,
              },
            },
          };
        }),
      },
      {
        method: 'POST',
        path: '/rest/videos',
        handle: rest((req, _p, who) => {
          const action = req.query.get('action');
          if (action === 'initializeUpload')
            return this.initializeVideo(req, owns(who, String(req.body.initializeUploadRequest?.owner)));
          if (action === 'finalizeUpload') return this.finalizeVideo(req);
          return liError(400, 'BAD_REQUEST', 'Unknown action');
        }),
      },
      // An upload URL: a part PUT again replaces the bytes and ETag it held before.
      {
        method: 'PUT',
        path: /^\/dms-uploads\/(?<upload>[^/]+)$/,
        handle: rest((req, { upload }) => {
          const entry = [...this.assets.entries()].find(([, a]) => a.parts.has(upload!));
          if (!entry) return { status: 404, body: '' };
          const [, asset] = entry;
          const part = asset.parts.get(upload!)!;
          if (!req.raw.length) return { status: 400, body: '' };
          part.puts += 1;
          part.bytesIn += req.raw.length;
          if (asset.kind === 'video' && req.raw.length !== part.last - part.first + 1)
            return { status: 400, body: '' };
          part.bytes = req.raw;
          part.etag = `/etag/${this.nextId()}`;
          if (asset.kind === 'image') asset.status = 'AVAILABLE';
          return { status: 201, body: '', headers: { etag: part.etag } };
        }),
      },
      {
        method: 'GET',
        path: /^\/rest\/(?<kind>images|videos)\/(?<urn>[^/]+)$/,
        handle: rest((_req, { urn }) => {
          const asset = this.assets.get(urn!);
          if (!asset) return liError(404, 'NOT_FOUND', `Not found: ${urn}`);
          if (asset.status === 'PROCESSING' && asset.pollsLeft-- <= 0) asset.status = 'AVAILABLE';
          return { status: 200, body: { id: urn, owner: asset.owner, status: asset.status } };
        }),
      },
      {
        method: 'POST',
        path: '/rest/posts',
        handle: rest((req, _p, who) => this.createPost(req, owns(who, String(req.body.author)))),
      },
      {
        method: 'GET',
        path: '/rest/posts',
        handle: rest((req, _p, who) => {
          const author = String(req.query.get('author'));
          if (req.query.get('q') !== 'author') return liError(400, 'BAD_REQUEST', 'Unknown finder');
          if (!owns(who, author))
            return liError(
              403,
              'ACCESS_DENIED',
              'Not enough permissions to access: partnerApiPostsExternal.FINDER-author',
            );
          const mine = this.posts
            .filter((p) => p.author === author)
            .sort((a, b) => b.createdAt - a.createdAt);
          const { start, count, paging } = restliPage(req, mine.length, 100);
          const elements = mine.slice(start, start + count).map((p) => ({
            id: p.id,
            author: p.author,
            commentary: p.commentary,
            visibility: p.visibility,
            lifecycleState: 'PUBLISHED',
            createdAt: p.createdAt,
            publishedAt: p.createdAt,
            lastModifiedAt: p.createdAt,
            ...(p.content ? { content: p.content } : {}),
          }));
          return { status: 200, body: { paging, elements } };
        }),
      },
      {
        method: 'DELETE',
        path: /^\/rest\/posts\/(?<urn>[^/]+)$/,
        handle: rest((_req, { urn }, who) => {
          const i = this.posts.findIndex((p) => p.id === urn);
          if (i >= 0 && !owns(who, this.posts[i]!.author))
            return liError(403, 'ACCESS_DENIED', 'Not enough permissions to delete');
          if (i >= 0) this.posts.splice(i, 1);
          return { status: 204 }; // deletes are idempotent: 204 whether or not it was there
        }),
      },
      {
        method: 'GET',
        path: /^\/rest\/socialMetadata\/(?<urn>[^/]+)$/,
        handle: rest((_req, { urn }) => this.socialMetadata(urn!)),
      },
      {
        method: 'POST',
        path: /^\/rest\/socialActions\/(?<urn>[^/]+)\/comments$/,
        handle: rest((req, { urn }, who) => this.createComment(req, urn!, owns(who, String(req.body.actor)))),
      },
      {
        method: 'GET',
        path: /^\/rest\/socialActions\/(?<urn>[^/]+)\/comments$/,
        handle: rest((req, { urn }) => {
          if (!this.posts.some((p) => p.id === urn)) return liError(404, 'NOT_FOUND', `${urn} not found`);
          const under = this.comments.filter((c) => c.object === urn);
          const { start, count, paging } = restliPage(req, under.length, 100);
          const elements = under.slice(start, start + count).map((c) => this.commentEntity(c));
          return { status: 200, body: { paging: { ...paging, total: under.length }, elements } };
        }),
      },
      { method: 'POST', path: '/oauth/v2/accessToken', handle: (req) => this.refreshGrant(req) },
      this.consentRoute('/oauth/v2/authorization', (clientId) => clientId === this.client.id),
      // The member's organization roles (Community Management API, roleAssignee finder): each
      // organization the member administers, approved.
      {
        method: 'GET',
        path: '/rest/organizationAcls',
        handle: rest((req, _params, who) => {
          if (req.query.get('q') !== 'roleAssignee')
            return liError(400, 'ILLEGAL_ARGUMENT', 'Invalid query parameters passed to request');
          const role = req.query.get('role');
          const state = req.query.get('state');
          const acls = who.organizations
            .map((organization) => ({
              organization,
              role: 'ADMINISTRATOR',
              state: 'APPROVED',
              roleAssignee: who.person,
            }))
            .filter((acl) => (!role || acl.role === role) && (!state || acl.state === state));
          const { start, count, paging } = restliPage(req, acls.length, 100);
          return {
            status: 200,
            body: { paging: { ...paging, total: acls.length }, elements: acls.slice(start, start + count) },
          };
        }),
      },
      {
        method: 'GET',
        path: /^\/rest\/organizations\/(?<id>\d+)$/,
        handle: rest((_req, { id }) => {
          const name = this.organizationNames.get(id!);
          if (!name) return liError(404, 'NOT_FOUND', `Organization ${id} not found`);
          return {
            status: 200,
            body: {
              id: Number(id),
              localizedName: name,
              vanityName: name.toLowerCase().replace(/\W+/g, '-'),
            },
          };
        }),
      },
      // Sign In with LinkedIn (OpenID Connect): the member's id is the `sub`.
      {
        method: 'GET',
        path: '/v2/userinfo',
        handle: rest((_req, _params, who) => ({
          status: 200,
          body: {
            sub: who.person.split(':').at(-1),
            name: 'Fake Member',
            picture: 'https://media.example/member.jpg',
          },
        })),
      },
    ];
  }

  /** A text post `author` makes on LinkedIn itself (not through the API). */
  postFromApp(author: string, text: string): void {
    this.posts.push({
      id: `urn:li:share:${this.nextId('7')}`,
      author,
      commentary: text,
      text,
      visibility: 'PUBLIC',
      isReshareDisabledByAuthor: false,
      content: undefined,
      media: [],
      createdAt: Date.now(),
      body: {},
    });
  }

  /** A comment someone else (another member) makes under `post`. */
  commentFromApp(post: string, text: string): void {
    const id = this.nextId('68');
    this.comments.push({
      urn: `urn:li:comment:(${post},${id})`,
      id,
      object: post,
      actor: 'urn:li:person:someoneElse',
      text,
      createdAt: Date.now(),
    });
  }

  /** The comments under one post, as the contract suite reads them. */
  commentsUnder(post: string): Array<{ id: string; text: string }> {
    return this.comments.filter((c) => c.object === post).map((c) => ({ id: c.urn, text: c.text }));
  }

  /** Create a Comment: 201 with the comment, its URN also in `x-restli-id`. */
  private createComment(req: FakeRequest, post: string, allowed: boolean): FakeResponse {
    const b = req.body;
    if (!this.posts.some((p) => p.id === post)) return liError(404, 'NOT_FOUND', `${post} not found`);
    if (!allowed) return liError(403, 'ACCESS_DENIED', `Not enough permissions to comment as ${b.actor}`);
    const text = String(b.message?.text ?? '');
    if (!text) return liInputError('FIELD_REQUIRED', 'message.text is required', '/message/text');
    if ([...text].length > 1250)
      return liInputError(
        'FIELD_LENGTH_TOO_LONG',
        'message.text is longer than 1250 characters',
        '/message/text',
      );
    const id = this.nextId('68');
    const comment: LinkedInComment = {
      urn: `urn:li:comment:(${post},${id})`,
      id,
      object: post,
      actor: String(b.actor),
      text,
      createdAt: Date.now(),
    };
    this.comments.push(comment);
    return {
      status: 201,
      headers: { 'x-restli-id': encodeURIComponent(comment.urn) },
      body: this.commentEntity(comment),
    };
  }

  private commentEntity(c: LinkedInComment) {
    const stamp = { actor: c.actor, time: c.createdAt };
    return {
      actor: c.actor,
      commentUrn: c.urn,
      $URN: c.urn,
      id: c.id,
      object: c.object,
      message: { text: c.text },
      created: stamp,
      lastModified: stamp,
    };
  }

  private initializeVideo(req: FakeRequest, allowed: boolean): FakeResponse {
    const init = req.body.initializeUploadRequest ?? {};
    if (!allowed)
      return liError(403, 'ACCESS_DENIED', `Not enough permissions to access: owner ${init.owner}`);
    const size = Number(init.fileSizeBytes);
    if (!Number.isInteger(size) || size <= 0)
      return liInputError('FIELD_VALUE_INVALID', 'fileSizeBytes is required', '/fileSizeBytes');
    const urn = `urn:li:video:${this.nextId('C5F')}`;
    const parts = new Map<string, Part>();
    for (let first = 0; first < size; first += this.partSize) {
      const last = Math.min(first + this.partSize, size) - 1;
      parts.set(this.nextId('vp'), { first, last, puts: 0, bytesIn: 0 });
    }
    // LinkedIn's examples answer an empty uploadToken for a one-part upload, a token for more.
    const uploadToken = parts.size > 1 ? this.nextId('ut') : '';
    this.assets.set(urn, {
      owner: String(init.owner),
      kind: 'video',
      status: 'WAITING_UPLOAD',
      size,
      parts,
      uploadToken,
      pollsLeft: this.videoPolls,
    });
    const uploadInstructions = [...parts].map(([id, p]) => ({
      uploadUrl: `${this.url}/dms-uploads/${id}`,
      firstByte: p.first,
      lastByte: p.last,
    }));
    return {
      status: 200,
      body: {
        value: {
          uploadUrlsExpireAt: Date.now() + 3_600_000,
          video: urn,
          uploadInstructions,
          uploadToken,
        },
      },
    };
  }

  /**
   * `finalizeUpload`: the upload's token, and every part's ETag in the instructions' order. A part
   * PUT again replaced the earlier bytes and ETag, so only each part's latest ETag is taken.
   */
  private finalizeVideo(req: FakeRequest): FakeResponse {
    const { video, uploadToken, uploadedPartIds } = req.body.finalizeUploadRequest ?? {};
    const asset = this.assets.get(String(video));
    if (!asset) return liError(404, 'NOT_FOUND', `Not found: ${video}`);
    if (String(uploadToken ?? '') !== asset.uploadToken)
      return liInputError('FIELD_VALUE_INVALID', 'uploadToken does not match the upload', '/uploadToken');
    const etags = [...asset.parts.values()].map((p) => p.etag);
    if (etags.some((e) => !e) || JSON.stringify(etags) !== JSON.stringify(uploadedPartIds))
      return liInputError(
        'FIELD_VALUE_INVALID',
        'uploadedPartIds do not match the uploaded parts',
        '/uploadedPartIds',
      );
    asset.status = 'PROCESSING';
    return { status: 200 };
  }

  private createPost(req: FakeRequest, allowed: boolean): FakeResponse {
    const b = req.body;
    if (!allowed) return liError(403, 'ACCESS_DENIED', `Not enough permissions to post as ${b.author}`);
    const kind = String(b.author).split(':')[2] ?? '';
    if (!VISIBILITIES[kind]?.includes(b.visibility))
      return liInputError('FIELD_VALUE_INVALID', `visibility ${b.visibility} is not allowed`, '/visibility');
    if (b.lifecycleState !== 'PUBLISHED' || !b.distribution)
      return liInputError('FIELD_REQUIRED', 'distribution and lifecycleState are required', '/distribution');
    const commentary = String(b.commentary ?? '');
    if ([...commentary].length > 3000)
      return liInputError(
        'FIELD_LENGTH_TOO_LONG',
        'commentary is longer than 3000 characters',
        '/commentary',
      );
    const media = this.mediaOf(b.content);
    if (typeof media === 'string') return liInputError('FIELD_VALUE_INVALID', media, '/content');
    const stored = hashtagTemplates(commentary);
    const recent = this.posts.find(
      (p) => p.author === b.author && p.commentary === stored && Date.now() - p.createdAt < 600_000,
    );
    if (recent && commentary) {
      const message = `com.linkedin.content.common.exception.BadRequestResponseException: Content is a duplicate of ${recent.id}`;
      return liInputError('DUPLICATE_POST', 'Duplicate post is detected', '', message);
    }
    // Posts come back as urn:li:share or urn:li:ugcPost (videos here); adapters keep either as is.
    const video = String(b.content?.media?.id ?? '').includes(':video:');
    const id = `urn:li:${video ? 'ugcPost' : 'share'}:${this.nextId('7')}`;
    this.posts.push({
      id,
      author: b.author,
      commentary: stored,
      text: render(commentary),
      visibility: b.visibility,
      isReshareDisabledByAuthor: b.isReshareDisabledByAuthor === true,
      content: b.content,
      media,
      createdAt: Date.now(),
      body: b,
    });
    return { status: 201, headers: { 'x-restli-id': id } };
  }

  /** The asset URNs a post's content references, or why LinkedIn refuses them. */
  private mediaOf(content: Record<string, any> | undefined): string[] | string {
    if (!content) return [];
    if (content.article) {
      if (!/^https?:\/\//.test(String(content.article.source))) return 'article.source must be a URL';
      if (!content.article.title) return 'article.title is required';
      return content.article.thumbnail ? this.ready([content.article.thumbnail], 'image') : [];
    }
    if (content.multiImage) {
      const ids = (content.multiImage.images ?? []).map((i: { id: string }) => i.id);
      if (ids.length < 2 || ids.length > 20) return 'multiImage takes 2 to 20 images';
      return this.ready(ids, 'image');
    }
    if (content.media) return this.ready([content.media.id], undefined);
    return 'unknown content';
  }

  private ready(urns: string[], kind: 'image' | 'video' | undefined): string[] | string {
    for (const urn of urns) {
      const asset = this.assets.get(urn);
      if (!asset || (kind && asset.kind !== kind)) return `${urn} is not a usable ${kind ?? 'media'}`;
      if (asset.status !== 'AVAILABLE') return `${urn} is ${asset.status}`;
    }
    return urns;
  }

  private refreshGrant(req: FakeRequest): FakeResponse {
    const form = req.body as Record<string, string>;
    this.lastGrant = form;
    const invalid = {
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: 'The provided authorization grant or refresh token is invalid, expired or revoked',
      },
    };
    if (form.grant_type !== 'refresh_token' && form.grant_type !== 'authorization_code') return invalid;
    if (form.client_id !== this.client.id || form.client_secret !== this.client.secret)
      return {
        status: 401,
        body: { error: 'invalid_client', error_description: 'Client authentication failed' },
      };
    if (form.grant_type === 'authorization_code') {
      const issued = this.redeemCode(form, form.client_id);
      if (!issued) return invalid;
      this.principals.set(issued.access_token, this.member);
      this.refreshOwners.set(issued.refresh_token, this.member);
      return {
        status: 200,
        body: {
          ...issued,
          expires_in: 5_184_000,
          refresh_token_expires_in: 31_000_000,
          scope: form.scope ?? '',
        },
      };
    }
    const owner = this.refreshOwners.get(String(form.refresh_token));
    const tokens = this.rotate(String(form.refresh_token), form.client_id);
    if (!tokens || !owner) return invalid;
    this.principals.set(tokens.access_token, owner);
    this.refreshOwners.set(tokens.refresh_token, owner);
    return {
      status: 200,
      body: {
        access_token: tokens.access_token,
        expires_in: 5_184_000,
        refresh_token: tokens.refresh_token,
        refresh_token_expires_in: 31_000_000,
      },
    };
  }
}

/** LinkedIn keeps `#word` as a hashtag template in the stored commentary. */
function hashtagTemplates(little: string): string {
  return little.replace(/(^|[^\\])#([\p{L}\p{N}]+)/gu, '$1{hashtag|\\#|$2}');
}

/**
 * What followers see: escapes removed, templates rendered, and, like LinkedIn, the text cut at the
 * first reserved character left unescaped (other than a hashtag's `#`).
 */
function render(little: string): string {
  let out = '';
  for (let i = 0; i < little.length; i++) {
    const ch = little[i]!;
    if (ch === '\\' && RESERVED.includes(little[i + 1] ?? '')) {
      out += little[++i];
    } else if (ch === '#' && /[\p{L}\p{N}]/u.test(little[i + 1] ?? '')) {
      out += ch;
    } else if (RESERVED.includes(ch)) {
      break;
    } else {
      out += ch;
    }
  }
  return out;
}

/**
 * Rest.li paging (LinkedIn's "Pagination"): `start` and `count` (10 unless asked, at most `max`),
 * answered with `paging: { start, count, links }`, a `next` link while more remain.
 */
function restliPage(req: FakeRequest, length: number, max: number) {
  const start = Number(req.query.get('start') ?? 0);
  const count = Math.min(Number(req.query.get('count') ?? 10), max);
  const next = new URLSearchParams(req.query);
  next.set('start', String(start + count));
  const links =
    start + count < length ? [{ rel: 'next', type: 'application/json', href: `${req.path}?${next}` }] : [];
  return { start, count, paging: { start, count, links } };
}

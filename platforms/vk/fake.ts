import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface FakeWallPost {
  id: number;
  ownerId: number;
  fromId: number;
  text: string;
  attachments: string[];
  date: number;
}

export interface FakeWallComment {
  id: number;
  ownerId: number;
  postId: number;
  fromId: number;
  text: string;
  date: number;
}

const MESSAGE_MAX = 16_384;
const MAX_ATTACHMENTS = 10;

/**
 * The VK API as dev.vk.com documents it: methods at `POST /method/<name>` with form parameters,
 * `access_token` and `v`; answers `{ response }`, errors `{ error: { error_code, error_msg } }`
 * with HTTP 200; the wall photo upload (getWallUploadServer → the upload server's `{ server,
 * photo, hash }` → saveWallPhoto); `wall.post` and `wall.createComment` with `guid`, `wall.get`,
 * `wall.getById`, `wall.getComments`, `wall.delete`.
 */
export class VkFake extends FakePlatform {
  readonly posts: FakeWallPost[] = [];
  readonly comments: FakeWallComment[] = [];
  /** token → the user it belongs to, and the community it administers. */
  private readonly tokens = new Map<string, { userId: number; groupId: number }>();
  /** Uploaded photo blobs by their `photo` string, then saved photos by `photo<owner>_<id>`. */
  private readonly uploads = new Map<string, string>();
  readonly photos = new Set<string>();
  private readonly guids = new Map<string, number>();
  private lastId = 100;
  /** The VK app people connect through (its app id and secure key). */
  readonly client = { id: '51234567', secret: 'vk-secure-key' };

  override oauthApp() {
    return { clientId: this.client.id, clientSecret: this.client.secret };
  }
  /** The VK user who consents on the fake's authorization dialog. */
  readonly person = { id: 7_001_234, first_name: 'Post', last_name: 'Flow', screen_name: 'postflow_test' };

  constructor() {
    super('vk');
    this.routes.push(...this.endpoints(), ...this.connectRoutes());
  }

  /** A community's wall and a token of its administrator; `user: true` for the user's own wall. */
  credentials({ user = false }: { user?: boolean } = {}): Record<string, string> {
    const token = `vk1.a.${this.nextId()}`;
    const ids = { userId: this.nextNumber(), groupId: this.nextNumber() };
    this.tokens.set(token, ids);
    return { access_token: token, owner_id: String(user ? ids.userId : -ids.groupId) };
  }

  /** A post made on the wall `ownerId` on VK itself (not through the API). */
  postFromApp(ownerId: number, text: string): void {
    this.posts.push({ id: this.nextNumber(), ownerId, fromId: ownerId, text, attachments: [], date: now() });
  }

  /** A comment a VK user makes under the post `postId` of the wall `ownerId`. */
  commentFromApp(ownerId: number, postId: number, text: string): void {
    this.comments.push({ id: this.nextNumber(), ownerId, postId, fromId: 424242, text, date: now() });
  }

  private nextNumber(): number {
    this.lastId += 1;
    return this.lastId;
  }

  /**
   * The authorization code flow for a user token (oauth.vk.com): the dialog, then
   * `/access_token` (GET or POST, the app's id and secure key with the code) answering
   * `{ access_token, expires_in: 0, user_id }` for the `offline` scope, or `{ error, error_description }`.
   */
  private connectRoutes(): Route[] {
    const redeem = (req: FakeRequest): FakeResponse => {
      const form: Record<string, string> = { ...Object.fromEntries(req.query), ...req.body };
      if (form.client_id !== this.client.id || form.client_secret !== this.client.secret)
        return {
          status: 401,
          body: { error: 'invalid_client', error_description: 'client_secret is incorrect' },
        };
      if (!this.redeemCode(form, form.client_id))
        return {
          status: 401,
          body: { error: 'invalid_grant', error_description: 'Code is invalid or expired.' },
        };
      const token = `vk1.a.${this.nextId()}`;
      this.tokens.set(token, { userId: this.person.id, groupId: this.nextNumber() });
      return { status: 200, body: { access_token: token, expires_in: 0, user_id: this.person.id } };
    };
    return [
      this.consentRoute('/authorize', (id) => id === this.client.id),
      { method: 'GET', path: '/access_token', handle: redeem },
      { method: 'POST', path: '/access_token', handle: redeem },
    ];
  }

  private endpoints(): Route[] {
    // API methods take their parameters in the query or the form body, alike.
    const method = (req: FakeRequest, name: string): FakeResponse => {
      const params: Record<string, string> = { ...Object.fromEntries(req.query), ...req.body };
      const token = this.tokens.get(String(params.access_token ?? ''));
      if (!token) return vkError(5, 'User authorization failed: invalid access_token (4).');
      if (params.v !== '5.199') return vkError(8, 'Invalid request: v is required');
      const handler = this.methods[name];
      return handler ? handler(params, token) : vkError(3, 'Unknown method passed.');
    };
    return [
      {
        method: 'POST',
        path: /^\/method\/(?<name>[a-zA-Z.]+)$/,
        handle: (req, { name }) => method(req, name!),
      },
      {
        method: 'GET',
        path: /^\/method\/(?<name>[a-zA-Z.]+)$/,
        handle: (req, { name }) => method(req, name!),
      },
      {
        method: 'POST',
        path: '/upload/wall-photo',
        handle: (req) => {
          const file = req.body.photo as { contentType?: string; data: Buffer } | undefined;
          if (!file?.data?.length) return { status: 200, body: { server: 1, photo: '[]', hash: '' } };
          const photo = JSON.stringify([{ photo: this.nextId(), sizes: [] }]);
          const hash = this.nextId('h');
          this.uploads.set(photo, hash);
          return { status: 200, body: { server: 856312, photo, hash } };
        },
      },
    ];
  }

  private readonly methods: Record<
    string,
    (p: Record<string, string>, t: { userId: number; groupId: number }) => FakeResponse
  > = {
    'users.get': (p, t) => {
      const fields = (p.fields ?? '').split(',');
      const extra = {
        screen_name: this.person.screen_name,
        photo_100: 'https://sun1.userapi.example/photo_100.jpg',
      };
      const user = { id: t.userId, first_name: this.person.first_name, last_name: this.person.last_name };
      return ok([
        { ...user, ...Object.fromEntries(Object.entries(extra).filter(([key]) => fields.includes(key))) },
      ]);
    },
    'photos.getWallUploadServer': (p, t) => {
      if (p.group_id && Number(p.group_id) !== t.groupId) return vkError(15, 'Access denied');
      return ok({ album_id: -14, upload_url: `${this.url}/upload/wall-photo`, user_id: t.userId });
    },
    'photos.saveWallPhoto': (p, t) => {
      if (this.uploads.get(p.photo ?? '') !== p.hash) return vkError(121, 'Invalid hash');
      this.uploads.delete(p.photo!);
      const owner = p.group_id ? -Number(p.group_id) : t.userId;
      const id = this.nextNumber();
      this.photos.add(`photo${owner}_${id}`);
      return ok([{ id, owner_id: owner, album_id: -14, date: now() }]);
    },
    'wall.post': (p, t) => {
      const owner = this.wall(p, t);
      if (typeof owner !== 'number') return owner;
      const key = p.guid ? `${owner}/${p.guid}` : '';
      const seen = key && this.guids.get(key);
      if (seen) return ok({ post_id: seen });
      const text = p.message ?? '';
      const attachments = p.attachments ? p.attachments.split(',') : [];
      if (!text && attachments.length === 0)
        return vkError(100, 'One of the parameters specified was missing or invalid: message is empty');
      if ([...text].length > MESSAGE_MAX)
        return vkError(100, 'One of the parameters specified was missing or invalid: message is too long');
      if (attachments.length > MAX_ATTACHMENTS) return vkError(100, 'Too many attachments');
      if (attachments.some((a) => !this.photos.has(a)))
        return vkError(100, 'One of the parameters specified was missing or invalid: attachments');
      const post: FakeWallPost = {
        id: this.nextNumber(),
        ownerId: owner,
        fromId: owner < 0 && p.from_group === '1' ? owner : t.userId,
        text,
        attachments,
        date: now(),
      };
      this.posts.push(post);
      if (key) this.guids.set(key, post.id);
      return ok({ post_id: post.id });
    },
    'wall.get': (p, t) => {
      const owner = this.wall(p, t);
      if (typeof owner !== 'number') return owner;
      // Newest first; `offset` and `count` (20 unless asked, at most 100); `count` answers the total.
      const items = this.posts.filter((x) => x.ownerId === owner).reverse();
      const offset = Number(p.offset ?? 0);
      const page = items.slice(offset, offset + Math.min(Number(p.count ?? 20), 100));
      return ok({ count: items.length, items: page.map(postEntity) });
    },
    'wall.getById': (p) => {
      const ids = (p.posts ?? '').split(',');
      return ok({ items: this.posts.filter((x) => ids.includes(`${x.ownerId}_${x.id}`)).map(postEntity) });
    },
    'wall.delete': (p, t) => {
      const owner = this.wall(p, t);
      if (typeof owner !== 'number') return owner;
      const i = this.posts.findIndex((x) => x.ownerId === owner && x.id === Number(p.post_id));
      if (i < 0)
        return vkError(100, 'One of the parameters specified was missing or invalid: post not found');
      this.posts.splice(i, 1);
      return ok(1);
    },
    'wall.createComment': (p, t) => {
      const owner = this.wall(p, t);
      if (typeof owner !== 'number') return owner;
      const post = this.posts.find((x) => x.ownerId === owner && x.id === Number(p.post_id));
      if (!post) return vkError(100, 'One of the parameters specified was missing or invalid: post_id');
      const key = p.guid ? `${owner}/comment/${p.guid}` : '';
      const seen = key && this.guids.get(key);
      if (seen) return ok({ comment_id: seen, parents_stack: [] });
      if (!p.message) return vkError(100, 'One of the parameters specified was missing or invalid: message');
      const comment: FakeWallComment = {
        id: this.nextNumber(),
        ownerId: owner,
        postId: post.id,
        fromId: p.from_group ? -Number(p.from_group) : t.userId,
        text: p.message,
        date: now(),
      };
      this.comments.push(comment);
      if (key) this.guids.set(key, comment.id);
      return ok({ comment_id: comment.id, parents_stack: [] });
    },
    'wall.getComments': (p) => {
      // Oldest first unless `sort=desc`; `offset` and `count` (10 unless asked, at most 100).
      const all = this.comments.filter(
        (c) => c.ownerId === Number(p.owner_id) && c.postId === Number(p.post_id),
      );
      if (p.sort === 'desc') all.reverse();
      const offset = Number(p.offset ?? 0);
      const items = all.slice(offset, offset + Math.min(Number(p.count ?? 10), 100));
      return ok({
        count: all.length,
        items: items.map((c) => ({
          id: c.id,
          from_id: c.fromId,
          post_id: c.postId,
          owner_id: c.ownerId,
          date: c.date,
          text: c.text,
        })),
      });
    },
  };

  /** The wall a call names, if the token may post there (its user's, or its community's). */
  private wall(p: Record<string, string>, t: { userId: number; groupId: number }): number | FakeResponse {
    const owner = Number(p.owner_id);
    if (owner === t.userId || owner === -t.groupId) return owner;
    return vkError(214, 'Access to adding post denied');
  }
}

const now = () => Math.floor(Date.now() / 1000);
const ok = (response: unknown): FakeResponse => ({ status: 200, body: { response } });

function postEntity(x: FakeWallPost) {
  return {
    id: x.id,
    owner_id: x.ownerId,
    from_id: x.fromId,
    date: x.date,
    post_type: 'post',
    text: x.text,
    attachments: x.attachments.map((a) => ({ type: 'photo', photo: { id: Number(a.split('_')[1]) } })),
  };
}

/** A VK error: HTTP 200 with `{ error }`, as the API answers. */
export function vkError(code: number, message: string): FakeResponse {
  return { status: 200, body: { error: { error_code: code, error_msg: message, request_params: [] } } };
}

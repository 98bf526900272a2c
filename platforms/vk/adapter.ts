import { createHash } from 'node:crypto';
import type { DeliveryReceipt } from '../../api/types';
import type {
  AccountContext,
  AdapterOptions,
  CommentReceipt,
  CommentRequest,
  MediaFile,
  PlatformAdapter,
  PublishRequest,
  StepState,
} from '../kit/adapter';
import { bearerCaller, type CallContext } from '../kit/call';
import { VK_API_VERSION } from './descriptor';
import { sameText, searchableText, stringList } from '../kit/content';
import { MAX_LOOKUP_PAGES, offsetPages, searchWindow } from '../kit/lookup-window';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  postedSince,
  rejected,
  ruleForStatus,
} from '../kit/http';

const PLATFORM = 'vk';
/** The API version every call names (dev.vk.com/reference/versions). */
const API_VERSION = VK_API_VERSION;
/** How many of the wall's posts a reconcile page holds (wall.get's largest `count`). */
const RECONCILE_WINDOW = 100;
/** How many of the post's comments a comment lookup page holds (wall.getComments' largest `count`). */
const COMMENT_WINDOW = 100;
/** The photo types VK takes on a wall (dev.vk.com/en/api/upload/wall-photo). */
const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif']);

/**
 * VK's errors arrive as `{ error: { error_code, error_msg } }`, mostly with HTTP 200
 * (dev.vk.com/reference/errors). 5 is a token that no longer works (expired, revoked, the
 * password changed): VK has no refresh for these tokens, so the account must be reconnected; 7
 * and 15 a token without the right (`wall`, `photos`) or a wall it may not post to. 6 is the
 * per-second limit, 9 flood control (too many posts of one kind), 29 a method's daily quota.
 */
const ERROR_CODES: Readonly<Record<number, FailureRule & { waitMs?: number }>> = {
  1: { category: 'platform', code: 'unknown_error', retryable: true, mayHaveActed: true },
  5: { category: 'auth', code: 'auth', reconnect: true },
  6: { category: 'rate_limit', code: 'rate_limit', retryable: true, waitMs: 1_000 },
  7: { category: 'auth', code: 'permission_denied', reconnect: true },
  9: { category: 'rate_limit', code: 'flood_control', retryable: true, waitMs: 3_600_000 },
  10: { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true },
  15: { category: 'auth', code: 'access_denied' },
  29: { category: 'rate_limit', code: 'rate_limit', retryable: true, waitMs: 3_600_000 },
  100: { category: 'validation', code: 'rejected' },
  214: { category: 'validation', code: 'post_denied' },
  222: { category: 'validation', code: 'links_forbidden' },
};

/**
 * VK (VKontakte), through the VK API (`https://api.vk.com/method/<name>`, `v=5.199`) with the
 * account's `access_token` (a user's, or a community's) posting to `owner_id`'s wall (a
 * community's id is negative).
 *
 * prepare: each photo goes to the wall's photo server (`photos.getWallUploadServer`, the upload,
 * `photos.saveWallPhoto`) and becomes an attachment `photo<owner>_<id>`. publish: `wall.post`
 * with the text, the attachments, and `guid`, VK's key against posting the same record twice,
 * derived from the delivery. reconcile: `wall.get` (the 20 newest posts), by text since the
 * delivery began. A first comment is `wall.createComment` (keyed the same way), looked up in
 * `wall.getComments`. unpublish: `wall.delete`.
 */
export function createVkAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const base = (options.baseUrl ?? 'https://api.vk.com').replace(/\/$/, '');
  const settings = {
    platform: PLATFORM,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    failed: (response: Response, body: PlatformBody) => !response.ok || body.error !== undefined,
    failure,
  };
  const api = bearerCaller({ ...settings, baseUrl: base });
  /** The photo server's upload URL is a whole URL VK hands out. */
  const upload = bearerCaller({ ...settings, baseUrl: '' });

  /** One API method, its parameters form-encoded with the token and the version. */
  const method = async (
    req: CallContext & { account: AccountContext },
    name: string,
    params: Record<string, string | number | undefined>,
    irreversible = false,
  ): Promise<PlatformBody> => {
    const form = new URLSearchParams({
      access_token: req.account.credentials.access_token ?? '',
      v: API_VERSION,
    });
    for (const [key, value] of Object.entries(params)) if (value !== undefined) form.set(key, String(value));
    const { body } = await api(req, irreversible)({ method: 'POST', path: `/method/${name}`, body: form });
    return body.response;
  };

  const uploadPhoto = async (req: PublishRequest, file: MediaFile, i: number): Promise<string> => {
    const { bytes, contentType } = await file.load();
    if (!PHOTO_TYPES.has(contentType)) {
      throw rejected(
        PLATFORM,
        'media_type',
        `media ${i} is ${contentType}; VK walls take JPG, PNG or GIF photos.`,
      );
    }
    const wall = wallOf(req.account);
    const group = wall < 0 ? { group_id: -wall } : {};
    const server = await method(req, 'photos.getWallUploadServer', group);
    const form = new FormData();
    form.set('photo', new Blob([bytes], { type: contentType }), `photo-${i}.${contentType.split('/')[1]}`);
    const { body: uploaded } = await upload(req)({
      method: 'POST',
      path: String(server.upload_url),
      body: form,
    });
    if (!uploaded.photo || uploaded.photo === '[]') {
      throw rejected(
        PLATFORM,
        'photo_refused',
        `VK's photo server refused media ${i} (${String(uploaded.error ?? 'no photo')}).`,
      );
    }
    const saved = await method(req, 'photos.saveWallPhoto', {
      ...group,
      server: uploaded.server,
      photo: uploaded.photo,
      hash: uploaded.hash,
    });
    const photo = (Array.isArray(saved) ? saved[0] : undefined) as PlatformBody | undefined;
    return `photo${String(photo?.owner_id)}_${String(photo?.id)}`;
  };

  return {
    platform: PLATFORM,

    async prepare(req) {
      const attachments: string[] = [];
      for (const [i, file] of req.media.entries()) attachments.push(await uploadPhoto(req, file, i));
      return { ready: { attachments } };
    },

    async publish(req, prepared: StepState) {
      const wall = wallOf(req.account);
      const o = req.target.options;
      const attachments = stringList(prepared.attachments);
      const answer = await method(
        req,
        'wall.post',
        {
          owner_id: wall,
          message: req.content.text || undefined,
          attachments: attachments.length ? attachments.join(',') : undefined,
          from_group: wall < 0 && o.from_group !== false ? 1 : undefined,
          signed: flag(o.signed),
          friends_only: flag(o.friends_only),
          close_comments: flag(o.close_comments),
          mute_notifications: flag(o.mute_notifications),
          guid: guidOf(req.ref),
        },
        true,
      );
      return receiptOf(wall, answer.post_id, Date.now());
    },

    async findExisting(req) {
      const text = searchableText(PLATFORM, req.content.text);
      const wall = wallOf(req.account);
      // Newest first by `offset`; a pinned post leads the first page whatever its age, so it
      // never says the rest is older.
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the wall has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} posts`,
        read: offsetPages(
          async (offset) =>
            itemsOf(await method(req, 'wall.get', { owner_id: wall, offset, count: RECONCILE_WINDOW })),
          RECONCILE_WINDOW,
        ),
        until: { since: req.since, createdAt: (p) => (p.is_pinned ? undefined : dateOf(p)) },
        matches: (p) => sameText(p.text, text) && postedSince(dateOf(p), req.since),
      });
      return found ? receiptOf(wall, found.id, Number(found.date) * 1000) : null;
    },

    async comment(req) {
      const { wall, post } = postOf(req.post.platformPostId);
      const answer = await method(
        req,
        'wall.createComment',
        {
          owner_id: wall,
          post_id: post,
          message: req.text,
          from_group: asCommunity(req) ? -wall : undefined,
          guid: guidOf(req.ref),
        },
        true,
      );
      return commentReceiptOf(wall, post, answer.comment_id);
    },

    /** The post's newest comments: the one with this text (by the community, where it comments). */
    async findComment(req) {
      const text = searchableText(PLATFORM, req.text);
      const { wall, post } = postOf(req.post.platformPostId);
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the post has more than ${MAX_LOOKUP_PAGES * COMMENT_WINDOW} comments`,
        read: offsetPages(
          async (offset) =>
            itemsOf(
              await method(req, 'wall.getComments', {
                owner_id: wall,
                post_id: post,
                offset,
                count: COMMENT_WINDOW,
                sort: 'desc',
              }),
            ),
          COMMENT_WINDOW,
        ),
        until: { since: req.since, createdAt: dateOf },
        matches: (c) =>
          (!asCommunity(req) || Number(c.from_id) === wall) &&
          sameText(c.text, text) &&
          postedSince(dateOf(c), req.since),
      });
      return found ? commentReceiptOf(wall, post, found.id) : null;
    },

    async unpublish(req) {
      const { wall, post } = postOf(req.platformPostId);
      try {
        await method(req, 'wall.delete', { owner_id: wall, post_id: post });
      } catch (err) {
        // VK answers a post deleted already with an error; the post's absence settles it.
        const answer = await method(req, 'wall.getById', { posts: `${wall}_${post}` });
        if (itemsOf(answer).length === 0) return 'deleted';
        throw err;
      }
      return 'deleted';
    },
  };
}

/**
 * VK's `guid` for one post or comment: a hash of the ref, the same on every attempt of the
 * delivery (or its first comment), so VK refuses to make the record twice.
 */
export function guidOf(ref: string): string {
  return createHash('sha256').update(ref).digest('hex').slice(0, 32);
}

/** The wall the account posts to: `owner_id`, negative for a community. */
function wallOf(account: AccountContext): number {
  const id = Number(account.credentials.owner_id);
  if (Number.isSafeInteger(id) && id !== 0) return id;
  throw platformFailure(
    PLATFORM,
    { category: 'auth', code: 'owner_id', reconnect: true },
    "the account has no owner_id (a user's id, or a community's with a minus sign); reconnect it.",
  );
}

/** A comment made as the community: on a community's wall unless the target posts as the user. */
const asCommunity = (req: CommentRequest) =>
  wallOf(req.account) < 0 && req.target.options.from_group !== false;

const flag = (value: unknown) => (value === true ? 1 : value === false ? 0 : undefined);

/** A post's id as Postflow keeps it: `<owner_id>_<post_id>`, VK's own form (`wall-1_123`). */
function postOf(id: string): { wall: number; post: number } {
  const m = /^(-?\d+)_(\d+)$/.exec(id);
  if (!m) throw rejected(PLATFORM, 'post_id', `"${id}" is not a VK post id (<owner_id>_<post_id>).`);
  return { wall: Number(m[1]), post: Number(m[2]) };
}

const itemsOf = (answer: PlatformBody | undefined): PlatformBody[] =>
  Array.isArray(answer?.items) ? answer.items : Array.isArray(answer) ? answer : [];

function receiptOf(wall: number, post: unknown, at: number): DeliveryReceipt {
  return {
    platformPostId: `${wall}_${String(post)}`,
    permalink: `https://vk.com/wall${wall}_${String(post)}`,
    publishedAt: new Date(at).toISOString(),
  };
}

function commentReceiptOf(wall: number, post: number, comment: unknown): CommentReceipt {
  return {
    commentId: String(comment),
    permalink: `https://vk.com/wall${wall}_${post}?reply=${String(comment)}`,
  };
}

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const error = body.error;
  if (error && typeof error === 'object') {
    const code = Number(error.error_code);
    const { waitMs, ...rule } = ERROR_CODES[code] ?? { category: 'validation', code: 'rejected' };
    return platformFailure(PLATFORM, rule, `${String(error.error_msg ?? 'error')} (VK error ${code})`, {
      irreversible,
      ...(waitMs !== undefined ? { retryAfter: waitMs } : {}),
    });
  }
  // An HTTP failure (the photo server's, or a proxy's), or the photo server's `{ error: "…" }`.
  const said = typeof error === 'string' ? error : (body.text ?? response.statusText);
  return platformFailure(
    PLATFORM,
    ruleForStatus(response.status),
    `${String(said)} (HTTP ${response.status})`,
    {
      irreversible,
    },
  );
}

/** A post's or comment's `date` (Unix seconds) as ISO; undefined without one (counts as recent). */
const dateOf = (item: PlatformBody): string | undefined => {
  const ms = Number(item.date) * 1000;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
};

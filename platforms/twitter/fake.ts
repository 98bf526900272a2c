import { createHash, type Hash } from 'node:crypto';
import { xLength } from './descriptor';
import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

/** X's answer to a call the app may not make (a problem of type client-forbidden): final, not a token problem. */
export const X_CLIENT_FORBIDDEN: FakeResponse = {
  status: 403,
  body: {
    title: 'Forbidden',
    detail: 'You are not permitted to perform this action.',
    type: 'https://api.twitter.com/2/problems/client-forbidden',
    status: 403,
  },
};

interface Post {
  id: string;
  /** The text as sent. */
  text: string;
  mediaIds: string[];
  replyTo?: string;
  body: Record<string, unknown>;
  createdAt: string;
}

interface Media {
  contentType: string;
  category: string;
  totalBytes: number;
  received: number;
  /**
   * Chunked uploads: segments are hashed as soon as they are next in index order, so the fake
   * holds only those that arrive early, never a whole video. `sizes` and `digests` remember each
   * segment taken (a segment appended again with the same bytes replaces itself; one with other
   * bytes after it was hashed is counted in `changedAfterHashing`, which X would take but this
   * fake cannot). After FINALIZE, `sha256` is the SHA-256 (hex) of the file, in index order.
   */
  segments: SegmentLedger;
  sha256?: string;
  /** Every byte APPEND brought, segments sent again included: what the client sent, not kept. */
  bytesIn: number;
  finalized: boolean;
  /** STATUS polls before processing succeeds (videos and GIFs). */
  pollsLeft: number;
  altText?: string;
}

const USER = { id: '1580000000000000001', name: 'Postflow', username: 'postflow' };
/** X's snowflake epoch: post ids carry their creation time. */
const EPOCH = 1288834974657n;
/** What one APPEND may carry (the v1.1 APPEND reference: `media` ≤ 5 MB). */
const SEGMENT_MAX_BYTES = 5 * 1024 * 1024;
const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp', 'image/bmp', 'image/pjpeg', 'image/tiff'];

/** A chunked upload's segments as the fake keeps them (Media.segments). */
interface SegmentLedger {
  /** The running hash of segments 0…next-1. */
  hash: Hash;
  next: number;
  /** Segments that came before their turn, held until it comes. */
  early: Map<number, Buffer>;
  /** Each segment taken: its size and SHA-256, to tell a segment sent again from a changed one. */
  sizes: Map<number, number>;
  digests: Map<number, string>;
  /** Bytes of the distinct segments taken. */
  bytes: number;
  changedAfterHashing: number;
}

const newLedger = (): SegmentLedger => ({
  hash: createHash('sha256'),
  next: 0,
  early: new Map(),
  sizes: new Map(),
  digests: new Map(),
  bytes: 0,
  changedAfterHashing: 0,
});

/** Takes segment `index`: hashed now if it is next (then any early ones after it), else held. */
function take(ledger: SegmentLedger, index: number, data: Buffer): void {
  const digest = createHash('sha256').update(data).digest('hex');
  if (index < ledger.next) {
    if (ledger.digests.get(index) !== digest) ledger.changedAfterHashing += 1;
    return;
  }
  ledger.bytes += data.length - (ledger.sizes.get(index) ?? 0);
  ledger.sizes.set(index, data.length);
  ledger.digests.set(index, digest);
  ledger.early.set(index, data);
  for (let next = ledger.early.get(ledger.next); next; next = ledger.early.get(ledger.next)) {
    ledger.hash.update(next);
    ledger.early.delete(ledger.next);
    ledger.next += 1;
  }
}

/** X's RFC 7807 problem bodies. */
const problem = (
  status: number,
  title: string,
  detail: string,
  type = 'about:blank',
  extra = {},
): FakeResponse => ({
  status,
  body: { title, detail, type, status, ...extra },
});
const invalid = (message: string) =>
  problem(
    400,
    'Invalid Request',
    'One or more parameters to your request was invalid.',
    'https://api.twitter.com/2/problems/invalid-request',
    {
      errors: [{ message }],
    },
  );

/**
 * X API v2 as documented (docs.x.com/x-api): `POST /2/tweets` with duplicate-content refusal,
 * v2 media upload (one-shot for images; initialize/append/finalize for video and GIF, processed
 * over STATUS polls), media metadata (alt text), the user's timeline for reconcile (with t.co
 * links and HTML entities in `text`, fields only when asked for), delete, and OAuth 2.0 refresh
 * (confidential clients by HTTP Basic, public ones by `client_id`; refresh tokens single use), and
 * the consent page and authorization-code grant with PKCE that connect accounts.
 */
export class TwitterFake extends FakePlatform {
  readonly posts: Post[] = [];
  /** `public_metrics` counts (`like_count`, `reply_count`, …), by post id; 0 where unset. */
  readonly engagement = new Map<string, Record<string, number>>();
  readonly media = new Map<string, Media>();
  /** OAuth clients: id → secret (undefined for a public client). */
  readonly clients = new Map<string, string | undefined>([['client-1', 'secret-1']]);
  /** How each refresh authenticated its client, for tests of the grant's shape. */
  readonly refreshes: Array<{ clientAuth: 'basic' | 'body'; clientId: string }> = [];
  private sequence = 0n;
  /**
   * Posts allowed per 24 hours, per user and per app (X's Basic plan: 100 and 1,667), once a
   * test sets them; unset, posts are not counted (suites that post hundreds stay clear of them).
   */
  dailyCaps: { user: number; app: number } | undefined;
  /** The current 24-hour window: posts made in it, and when it ends (ms). */
  readonly day = { used: 0, resetsAt: 0 };

  constructor() {
    super('twitter');
    this.routes.push(...this.tweets(), ...this.uploads(), ...this.oauth());
  }

  override oauthApp() {
    return { clientId: 'client-1', clientSecret: this.clients.get('client-1')! };
  }

  /** An account's credentials: a user token pair of the given OAuth client. */
  credentials(clientId = 'client-1'): Record<string, string> {
    const secret = this.clients.get(clientId);
    return {
      ...this.issueTokens(clientId),
      expires_at: new Date(Date.now() + 7_200_000).toISOString(),
      client_id: clientId,
      ...(secret ? { client_secret: secret } : {}),
    };
  }

  /** A post the account makes elsewhere (X's app, another tool), a reply to `replyTo` if given. */
  chatter(text: string, replyTo?: string): void {
    const post: Post = {
      id: this.snowflake(),
      text,
      mediaIds: [],
      body: {},
      createdAt: new Date().toISOString(),
    };
    this.posts.push(replyTo ? { ...post, replyTo } : post);
  }

  private snowflake(): string {
    this.sequence += 1n;
    return String(((BigInt(Date.now()) - EPOCH) << 22n) | (this.sequence & 0x3fffffn));
  }

  private authed =
    (handle: (req: FakeRequest, params: Record<string, string>) => FakeResponse | Promise<FakeResponse>) =>
    (req: FakeRequest, params: Record<string, string>) =>
      req.bearer && this.accessTokens.has(req.bearer)
        ? handle(req, params)
        : problem(401, 'Unauthorized', 'Unauthorized');

  private tweets(): Route[] {
    return [
      { method: 'POST', path: '/2/tweets', handle: this.authed((req) => this.allowanceChecked(req)) },
      {
        method: 'DELETE',
        path: /^\/2\/tweets\/(?<id>\d+)$/,
        handle: this.authed((_req, { id }) => {
          const i = this.posts.findIndex((p) => p.id === id);
          if (i < 0) {
            return problem(
              404,
              'Not Found Error',
              `Could not find tweet with id: [${id}].`,
              'https://api.twitter.com/2/problems/resource-not-found',
            );
          }
          this.posts.splice(i, 1);
          return { status: 200, body: { data: { deleted: true } } };
        }),
      },
      {
        method: 'GET',
        path: /^\/2\/tweets\/(?<id>\d+)$/,
        handle: this.authed((req, { id }) => {
          const post = this.posts.find((p) => p.id === id);
          // X answers a missing post with 200, an error and no data.
          if (!post) {
            return {
              status: 200,
              body: {
                errors: [
                  {
                    resource_id: id,
                    type: 'https://api.twitter.com/2/problems/resource-not-found',
                    title: 'Not Found Error',
                    detail: `Could not find tweet with id: [${id}].`,
                  },
                ],
              },
            };
          }
          const fields = (req.query.get('tweet.fields') ?? '').split(',');
          return {
            status: 200,
            body: {
              data: {
                id: post.id,
                text: post.text,
                ...(fields.includes('public_metrics')
                  ? {
                      public_metrics: {
                        ...{ retweet_count: 0, reply_count: 0, like_count: 0, quote_count: 0 },
                        ...{ bookmark_count: 0, impression_count: 0 },
                        ...this.engagement.get(post.id),
                      },
                    }
                  : {}),
              },
            },
          };
        }),
      },
      {
        method: 'GET',
        path: '/2/users/me',
        handle: this.authed(() => ({ status: 200, body: { data: USER } })),
      },
      {
        method: 'GET',
        path: /^\/2\/users\/(?<id>\d+)\/tweets$/,
        handle: this.authed((req, { id }) => this.timeline(req, id!)),
      },
    ];
  }

  /**
   * `POST /2/tweets` under the 24-hour post allowances (`dailyCaps`; one user here, so both
   * count the same posts): every answer reports them in `x-user-limit-24hour-*` and
   * `x-app-limit-24hour-*` (the reset in epoch seconds), and a post past either is refused with
   * 429 Too Many Requests.
   */
  private allowanceChecked(req: FakeRequest): FakeResponse {
    const caps = this.dailyCaps;
    if (!caps) return this.create(req);
    const now = Date.now();
    if (now >= this.day.resetsAt) Object.assign(this.day, { used: 0, resetsAt: now + 86_400_000 });
    const spent = this.day.used >= Math.min(caps.user, caps.app);
    const answer = spent ? problem(429, 'Too Many Requests', 'Too Many Requests') : this.create(req);
    if (answer.status === 201) this.day.used += 1;
    const headers: Record<string, string> = {};
    for (const [prefix, cap] of [
      ['x-user-limit-24hour', caps.user],
      ['x-app-limit-24hour', caps.app],
    ] as const) {
      headers[`${prefix}-limit`] = String(cap);
      headers[`${prefix}-remaining`] = String(Math.max(0, cap - this.day.used));
      headers[`${prefix}-reset`] = String(Math.floor(this.day.resetsAt / 1000));
    }
    return { ...answer, headers: { ...answer.headers, ...headers } };
  }

  private create(req: FakeRequest): FakeResponse {
    const body = req.body as Record<string, any>;
    const text = typeof body.text === 'string' ? body.text : '';
    const mediaIds: string[] = body.media?.media_ids ?? [];
    if (!text && mediaIds.length === 0)
      return invalid('The `text` field is required when `media` is not present.');
    if (xLength(text) > 280) {
      return problem(403, 'Forbidden', 'You are not permitted to create a Tweet longer than 280 characters.');
    }
    if (mediaIds.length && body.quote_tweet_id)
      return invalid('The `media` field cannot be used with `quote_tweet_id`.');
    for (const id of mediaIds) {
      const item = this.media.get(id);
      if (!item || !item.finalized || item.pollsLeft > 0)
        return invalid(`Your media IDs are invalid: [${id}].`);
    }
    const replyTo = body.reply?.in_reply_to_tweet_id as string | undefined;
    const duplicate = this.posts.some((p) => p.text === text && text !== '');
    if (duplicate)
      return problem(403, 'Forbidden', 'You are not allowed to create a Tweet with duplicate content.');
    const post: Post = {
      id: this.snowflake(),
      text,
      mediaIds,
      body,
      createdAt: new Date().toISOString(),
      ...(replyTo ? { replyTo } : {}),
    };
    this.posts.push(post);
    return {
      status: 201,
      body: { data: { id: post.id, text: this.rendered(post), edit_history_tweet_ids: [post.id] } },
    };
  }

  /**
   * GET /2/users/:id/tweets: newest first, `max_results` a page and `meta.next_token` while more
   * remain (the next page's `pagination_token`); only id, text, edit history unless more fields are
   * asked for.
   */
  private timeline(req: FakeRequest, id: string): FakeResponse {
    if (id !== USER.id)
      return problem(
        404,
        'Not Found Error',
        `Could not find user with id: [${id}].`,
        'https://api.twitter.com/2/problems/resource-not-found',
      );
    const max = Number(req.query.get('max_results') ?? 10);
    if (!(max >= 5 && max <= 100))
      return invalid('The `max_results` query parameter value is not between 5 and 100');
    const start = req.query.get('start_time');
    if (start && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(start)) {
      return invalid(`Invalid 'start_time':'${start}'. 'start_time' must be a valid RFC 3339 date-time.`);
    }
    const sinceId = req.query.get('since_id');
    const token = req.query.get('pagination_token');
    const fields = (req.query.get('tweet.fields') ?? '').split(',');
    const excluded = (req.query.get('exclude') ?? '').split(',');
    // A pagination token (opaque to clients) names the page's first post: the one after the last page's.
    const before = token ? BigInt(Buffer.from(token, 'base64url').toString()) : undefined;
    const matching = [...this.posts]
      .reverse()
      .filter((p) => !start || p.createdAt >= start.replace('Z', '.000Z'))
      .filter((p) => !sinceId || BigInt(p.id) > BigInt(sinceId))
      .filter((p) => before === undefined || BigInt(p.id) <= before)
      .filter((p) => !(excluded.includes('replies') && p.replyTo));
    const next = matching[max];
    const data = matching.slice(0, max).map((p) => ({
      id: p.id,
      text: this.rendered(p),
      edit_history_tweet_ids: [p.id],
      ...(fields.includes('created_at') ? { created_at: p.createdAt } : {}),
      ...(fields.includes('referenced_tweets') && p.replyTo
        ? { referenced_tweets: [{ type: 'replied_to', id: p.replyTo }] }
        : {}),
    }));
    return {
      status: 200,
      body: data.length
        ? {
            data,
            meta: {
              result_count: data.length,
              newest_id: data[0]!.id,
              oldest_id: data.at(-1)!.id,
              ...(next ? { next_token: Buffer.from(next.id).toString('base64url') } : {}),
            },
          }
        : { meta: { result_count: 0 } },
    };
  }

  /** A post's `text` as X returns it: entities escaped, links wrapped in t.co, a t.co link for media. */
  private rendered(post: Post): string {
    const escaped = post.text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
    const linked = escaped.replace(/https?:\/\/\S+/g, () => `https://t.co/${this.shortCode()}`);
    return post.mediaIds.length ? `${linked} https://t.co/${this.shortCode()}`.trim() : linked;
  }

  private shortCode = () => Math.random().toString(36).slice(2, 12);

  private uploads(): Route[] {
    const json = { 'content-type': 'application/json' };
    return [
      {
        method: 'POST',
        path: '/2/media/upload',
        handle: this.authed((req) => {
          const file = req.body.media as { data: Buffer } | undefined;
          const type = String(req.body.media_type ?? '');
          if (!file?.data?.length) return invalid('The `media` field is required.');
          if (req.body.media_category !== 'tweet_image' || !IMAGE_TYPES.includes(type)) {
            return invalid(
              'One-shot upload takes images (media_category tweet_image); use chunked upload for video and GIF.',
            );
          }
          const id = this.snowflake();
          this.media.set(id, {
            contentType: type,
            category: 'tweet_image',
            totalBytes: file.data.length,
            received: file.data.length,
            segments: newLedger(),
            sha256: createHash('sha256').update(file.data).digest('hex'),
            bytesIn: file.data.length,
            finalized: true,
            pollsLeft: 0,
          });
          return {
            status: 200,
            headers: json,
            body: { data: { id, media_key: `3_${id}`, size: file.data.length, expires_after_secs: 86400 } },
          };
        }),
      },
      {
        method: 'POST',
        path: '/2/media/upload/initialize',
        handle: this.authed((req) => {
          const {
            media_type: type,
            total_bytes: total,
            media_category: category,
          } = req.body as Record<string, any>;
          if (!type || !Number.isInteger(total) || !['tweet_video', 'tweet_gif'].includes(category)) {
            return invalid('`media_type`, `total_bytes` and a `media_category` are required.');
          }
          const id = this.snowflake();
          this.media.set(id, {
            contentType: type,
            category,
            totalBytes: total,
            received: 0,
            segments: newLedger(),
            bytesIn: 0,
            finalized: false,
            pollsLeft: 2,
          });
          return { status: 200, body: { data: { id, media_key: `7_${id}`, expires_after_secs: 86400 } } };
        }),
      },
      {
        method: 'POST',
        path: /^\/2\/media\/upload\/(?<id>\d+)\/append$/,
        handle: this.authed((req, { id }) => {
          const item = this.media.get(id!);
          const chunk = req.body.media as { data: Buffer } | undefined;
          if (!item) return invalid(`Invalid media id: [${id}].`);
          const segment = Number(req.body.segment_index);
          if (!chunk?.data || req.body.segment_index === undefined)
            return invalid('`media` and `segment_index` are required.');
          if (!Number.isInteger(segment) || segment < 0 || segment > 999)
            return invalid('`segment_index` must be between 0 and 999.');
          if (chunk.data.length > SEGMENT_MAX_BYTES) return invalid('A segment must be at most 5 MB.');
          if (item.finalized) return invalid(`Media [${id}] is already finalized.`);
          item.bytesIn += chunk.data.length;
          take(item.segments, segment, chunk.data);
          item.received = item.segments.bytes;
          return { status: 200, body: { data: { expires_at: Math.floor(Date.now() / 1000) + 86400 } } };
        }),
      },
      {
        method: 'POST',
        path: /^\/2\/media\/upload\/(?<id>\d+)\/finalize$/,
        handle: this.authed((_req, { id }) => {
          const item = this.media.get(id!);
          if (!item) return invalid(`Invalid media id: [${id}].`);
          if (item.received !== item.totalBytes)
            return invalid(`File size mismatch: received ${item.received} of ${item.totalBytes} bytes.`);
          if (item.segments.early.size > 0) return invalid('Segments are missing.');
          item.sha256 = item.segments.hash.digest('hex');
          item.finalized = true;
          return { status: 200, body: { data: this.status(id!, item) } };
        }),
      },
      {
        method: 'GET',
        path: '/2/media/upload',
        handle: this.authed((req) => {
          const id = req.query.get('media_id') ?? '';
          const item = this.media.get(id);
          if (req.query.get('command') !== 'STATUS' || !item) return invalid(`Invalid media id: [${id}].`);
          if (item.pollsLeft > 0) item.pollsLeft -= 1;
          return { status: 200, body: { data: this.status(id, item) } };
        }),
      },
      {
        method: 'POST',
        path: '/2/media/metadata',
        handle: this.authed((req) => {
          const { id, metadata } = req.body as Record<string, any>;
          const item = this.media.get(String(id));
          const text = metadata?.alt_text?.text;
          if (!item) return invalid(`Invalid media id: [${id}].`);
          if (typeof text !== 'string' || text.length > 1000)
            return invalid('`alt_text.text` must be at most 1000 characters.');
          item.altText = text;
          return { status: 200, body: { data: { id, associated_metadata: { alt_text: { text } } } } };
        }),
      },
    ];
  }

  /** processing_info: pending, then in_progress, then succeeded (none for images). */
  private status(id: string, item: Media) {
    const base = { id, media_key: `7_${id}`, size: item.totalBytes, expires_after_secs: 86400 };
    if (item.category === 'tweet_image') return base;
    const state = item.pollsLeft >= 2 ? 'pending' : item.pollsLeft === 1 ? 'in_progress' : 'succeeded';
    return {
      ...base,
      processing_info: {
        state,
        ...(state === 'succeeded' ? {} : { check_after_secs: 3 }),
        progress_percent: state === 'succeeded' ? 100 : 40,
      },
    };
  }

  private oauth(): Route[] {
    return [
      this.consentRoute('/i/oauth2/authorize', (clientId) => this.clients.has(clientId)),
      {
        method: 'POST',
        path: '/2/oauth2/token',
        handle: (req) => {
          const basic = /^Basic (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
          const [clientId, secret] = basic
            ? Buffer.from(basic, 'base64').toString('utf8').split(':')
            : [req.body.client_id];
          const known = this.clients.has(String(clientId));
          const registered = this.clients.get(String(clientId));
          // Confidential clients must authenticate with their secret; public ones send only client_id.
          if (!known || (registered ? secret !== registered : !!basic)) {
            return {
              status: 401,
              body: { error: 'unauthorized_client', error_description: 'Missing valid authorization header' },
            };
          }
          this.refreshes.push({ clientAuth: basic ? 'basic' : 'body', clientId: String(clientId) });
          const pair =
            req.body.grant_type === 'refresh_token'
              ? this.rotate(String(req.body.refresh_token), String(clientId))
              : req.body.grant_type === 'authorization_code'
                ? this.redeemCode(req.body, String(clientId))
                : undefined;
          if (!pair)
            return {
              status: 400,
              body: {
                error: 'invalid_request',
                error_description: 'Value passed for the token was invalid.',
              },
            };
          return {
            status: 200,
            body: {
              token_type: 'bearer',
              expires_in: 7200,
              scope: 'tweet.read tweet.write users.read media.write offline.access',
              ...pair,
            },
          };
        },
      },
    ];
  }
}

import { createHash } from 'node:crypto';
import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface Pin {
  id: string;
  boardId: string;
  title?: string;
  description: string;
  link?: string;
  altText?: string;
  mediaType: 'image' | 'video';
  mediaSource: Record<string, unknown>;
  /** UTC without an offset, as Pinterest writes it. */
  createdAt: string;
}

interface Upload {
  status: 'registered' | 'processing' | 'succeeded' | 'failed';
  pollsLeft: number;
  key: string;
  /** Form POSTs that brought the file, its size and SHA-256 (hex) as last received. */
  posts: number;
  bytes?: number;
  sha256?: string;
}

const LIMITS = { title: 100, description: 800, link: 2048, alt_text: 500 } as const;

/**
 * Pinterest API v5 as documented (developers.pinterest.com/docs/api/v5): Pins created on a board
 * from an image URL (the fake fetches it, like Pinterest) or a registered video (`POST /v5/media`,
 * an S3-style form upload, status registered → processing → succeeded), board Pin listing, delete,
 * `{ code, message }` errors, the refresh grant with HTTP Basic client credentials, and the consent
 * page, authorization-code grant and user account that connect an account.
 */
export class PinterestFake extends FakePlatform {
  readonly pins: Pin[] = [];
  readonly boards = new Set(['1022106146619113835']);
  /** Group boards another user shared with the account: readable, not the account's to change. */
  readonly sharedBoards = new Set<string>();
  /** Each board's name and privacy, where not the defaults (`Board <id>`, PUBLIC). */
  readonly boardDetails = new Map<string, { name: string; description?: string; privacy: string }>();
  readonly uploads = new Map<string, Upload>();
  readonly clients = new Map([['1484362', 'app-secret-1']]);
  /** Pin analytics totals by metric type (`IMPRESSION`, `SAVE`, `PIN_CLICK`…), by Pin id; 0 where unset. */
  readonly engagement = new Map<string, Record<string, number>>();

  /** A Pin saved to the board on Pinterest itself (first in the board's order), made at `createdAt`. */
  pinFromApp(boardId: string, description: string, createdAt = new Date()): void {
    this.pinCount += 1;
    const pin: Pin = {
      id: `${1022106146600000000n + BigInt(this.pinCount)}`,
      boardId,
      description,
      mediaType: 'image',
      mediaSource: {},
      createdAt: createdAt.toISOString().slice(0, 19),
    };
    this.pins.push(pin);
  }
  /** Media status polls a video stays `processing`. */
  processingPolls = 1;
  private pinCount = 0;

  constructor() {
    super('pinterest');
    this.routes.push(...this.endpoints());
  }

  override oauthApp() {
    return { clientId: '1484362', clientSecret: this.clients.get('1484362')! };
  }

  private analytics(req: FakeRequest, id: string): FakeResponse {
    if (!this.pins.some((p) => p.id === id)) return error(404, 50, 'Pin not found.');
    return pinAnalytics(req, this.engagement.get(id) ?? {});
  }

  credentials(): Record<string, string> {
    return {
      ...this.issueTokens('1484362'),
      expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString(),
    };
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest, params: Record<string, string>) => FakeResponse | Promise<FakeResponse>) =>
      (req: FakeRequest, params: Record<string, string>) =>
        req.bearer && this.accessTokens.has(req.bearer)
          ? handle(req, params)
          : error(401, 2, 'Authentication failed.');
    return [
      { method: 'GET', path: '/v5/boards', handle: authed((req) => this.listBoards(req)) },
      { method: 'POST', path: '/v5/boards', handle: authed((req) => this.createBoard(req)) },
      {
        method: ['GET', 'PATCH', 'DELETE'],
        path: /^\/v5\/boards\/(?<id>[^/]+)$/,
        handle: authed((req, { id }) => this.oneBoard(req, id!)),
      },
      { method: 'POST', path: '/v5/pins', handle: authed((req) => this.createPin(req)) },
      {
        method: 'GET',
        path: /^\/v5\/boards\/(?<id>[^/]+)\/pins$/,
        handle: authed((req, { id }) => {
          if (!this.boards.has(id!)) return error(404, 40, 'Board not found.');
          // The board's order (here: newest first), `page_size` a page (25 unless asked, at most
          // 250), and an opaque `bookmark` for the next page (null on the last).
          const size = Math.min(Number(req.query.get('page_size') ?? 25), 250);
          const all = this.pins.filter((p) => p.boardId === id).reverse();
          const mark = req.query.get('bookmark');
          const from = mark ? Number(Buffer.from(mark, 'base64url').toString()) : 0;
          const items = all.slice(from, from + size);
          const bookmark =
            from + size < all.length ? Buffer.from(String(from + size)).toString('base64url') : null;
          return { status: 200, body: { items: items.map((p) => this.entity(p)), bookmark } };
        }),
      },
      {
        method: 'GET',
        path: /^\/v5\/pins\/(?<id>[^/]+)\/analytics$/,
        handle: authed((req, { id }) => this.analytics(req, id!)),
      },
      {
        method: 'DELETE',
        path: /^\/v5\/pins\/(?<id>[^/]+)$/,
        handle: authed((_req, { id }) => {
          const i = this.pins.findIndex((p) => p.id === id);
          if (i < 0) return error(404, 50, 'Pin not found.');
          this.pins.splice(i, 1);
          return { status: 204 };
        }),
      },
      {
        method: 'POST',
        path: '/v5/media',
        handle: authed((req) => {
          if (req.body.media_type !== 'video') return error(400, 1, 'media_type must be video.');
          const id = this.nextId();
          const key = `uploads/${id}.mp4`;
          this.uploads.set(id, { status: 'registered', pollsLeft: this.processingPolls, key, posts: 0 });
          return {
            status: 201,
            body: {
              media_id: id,
              media_type: 'video',
              upload_url: `${this.url}/s3-upload`,
              upload_parameters: {
                key,
                'x-amz-algorithm': 'AWS4-HMAC-SHA256',
                'x-amz-signature': 'sig',
                policy: 'p',
              },
            },
          };
        }),
      },
      {
        method: 'GET',
        path: /^\/v5\/media\/(?<id>[^/]+)$/,
        handle: authed((_req, { id }) => {
          const upload = this.uploads.get(id!);
          if (!upload) return error(404, 3, 'Media not found.');
          if (upload.status === 'processing' && upload.pollsLeft-- <= 0) upload.status = 'succeeded';
          return { status: 200, body: { media_id: id, media_type: 'video', status: upload.status } };
        }),
      },
      { method: 'POST', path: '/s3-upload', handle: (req) => this.s3(req) },
      { method: 'POST', path: '/v5/oauth/token', handle: (req) => this.token(req) },
      this.consentRoute('/oauth/', (clientId) => this.clients.has(clientId)),
      {
        method: 'GET',
        path: '/v5/user_account',
        handle: authed(() => ({
          status: 200,
          body: {
            account_type: 'BUSINESS',
            id: '549755885175',
            username: 'postflow',
            business_name: 'Postflow',
            profile_image: 'https://i.pinimg.com/postflow.jpg',
          },
        })),
      },
    ];
  }

  private async createPin(req: FakeRequest): Promise<FakeResponse> {
    const b = req.body as Record<string, any>;
    if (!b.board_id || !this.boards.has(String(b.board_id))) return error(404, 40, 'Board not found.');
    for (const key of Object.keys(LIMITS) as Array<keyof typeof LIMITS>) {
      if (b[key] !== undefined && [...String(b[key])].length > LIMITS[key]) {
        return error(400, 1, `Invalid request: '${key}' is too long.`);
      }
    }
    const source = (b.media_source ?? {}) as Record<string, unknown>;
    let mediaType: Pin['mediaType'];
    if (source.source_type === 'image_url') {
      const response = await fetch(String(source.url)).catch(() => undefined);
      const type = response?.headers.get('content-type') ?? '';
      await response?.arrayBuffer();
      if (!response?.ok || !type.startsWith('image/')) {
        return error(400, 1, 'Sorry we could not fetch the image.');
      }
      mediaType = 'image';
    } else if (source.source_type === 'video_id') {
      const upload = this.uploads.get(String(source.media_id));
      if (upload?.status !== 'succeeded')
        return error(400, 1, 'Media upload not found or not yet processed.');
      if (!source.cover_image_url && source.cover_image_key_frame_time === undefined) {
        return error(400, 1, 'A video Pin needs cover_image_url or cover_image_key_frame_time.');
      }
      mediaType = 'video';
    } else {
      return error(400, 1, 'Invalid media_source.');
    }
    this.pinCount += 1;
    const pin: Pin = {
      id: `${1022106146600000000n + BigInt(this.pinCount)}`,
      boardId: String(b.board_id),
      ...(b.title !== undefined ? { title: String(b.title) } : {}),
      description: String(b.description ?? ''),
      ...(b.link !== undefined ? { link: String(b.link) } : {}),
      ...(b.alt_text !== undefined ? { altText: String(b.alt_text) } : {}),
      mediaType,
      mediaSource: source,
      createdAt: new Date().toISOString().slice(0, 19),
    };
    this.pins.push(pin);
    return { status: 201, body: this.entity(pin) };
  }

  /**
   * `GET /v5/boards`: the account's boards in creation order, `page_size` a page (25 unless asked,
   * at most 250) and an opaque `bookmark` for the next (null on the last).
   */
  private listBoards(req: FakeRequest): FakeResponse {
    const size = Math.min(Number(req.query.get('page_size') ?? 25), 250);
    const mark = req.query.get('bookmark');
    const from = mark ? Number(Buffer.from(mark, 'base64url').toString()) : 0;
    const all = [...this.boards];
    const bookmark = from + size < all.length ? Buffer.from(String(from + size)).toString('base64url') : null;
    return {
      status: 200,
      body: { items: all.slice(from, from + size).map((id) => this.board(id)), bookmark },
    };
  }

  /**
   * `POST /v5/boards` (`boards:write`): `name` required, `privacy` PUBLIC (default), PROTECTED or
   * SECRET; a second board of the same name is a 409, as on Pinterest.
   */
  private createBoard(req: FakeRequest): FakeResponse {
    const name = typeof req.body.name === 'string' ? req.body.name.trim() : '';
    if (!name) return error(400, 1, 'name is required.');
    const privacy = String(req.body.privacy ?? 'PUBLIC');
    if (!['PUBLIC', 'PROTECTED', 'SECRET'].includes(privacy)) return error(400, 1, 'Invalid privacy.');
    if ([...this.boards].some((id) => this.board(id).name === name))
      return error(409, 58, 'You already have a board with this name.');
    let n = 1022106146619113835n + BigInt(this.boards.size);
    while (this.boards.has(String(n))) n += 1n;
    const id = String(n);
    this.boards.add(id);
    const description = typeof req.body.description === 'string' ? req.body.description : undefined;
    this.boardDetails.set(id, { name, privacy, ...(description !== undefined ? { description } : {}) });
    return { status: 201, body: this.board(id) };
  }

  /**
   * `GET`, `PATCH` and `DELETE /v5/boards/{board_id}` as API v5 documents them: the board (200),
   * the board changed (200: `name`, `description`, `privacy` PUBLIC or SECRET, only those given), or
   * 204. Errors are the reference's examples: 404 "Board not found.", 400 "Invalid board
   * parameters.", and 403 "Not authorized to update the board." / "…to delete the board." for a
   * board the account only sees (a group board another user shared, `sharedBoards`).
   */
  private oneBoard(req: FakeRequest, id: string): FakeResponse {
    const shared = this.sharedBoards.has(id);
    if (!this.boards.has(id) && !shared) return error(404, 404, 'Board not found.');
    if (req.method === 'GET') return { status: 200, body: this.board(id) };
    if (shared) {
      const verb = req.method === 'DELETE' ? 'delete' : 'update';
      return error(403, 403, `Not authorized to ${verb} the board.`);
    }
    if (req.method === 'DELETE') {
      this.boards.delete(id);
      this.boardDetails.delete(id);
      for (let i = this.pins.length - 1; i >= 0; i--)
        if (this.pins[i]!.boardId === id) this.pins.splice(i, 1);
      return { status: 204 };
    }
    const { name, description, privacy, ...rest } = req.body;
    const invalid =
      Object.keys(rest).length > 0 ||
      (name !== undefined && (typeof name !== 'string' || !name.trim())) ||
      (description !== undefined && description !== null && typeof description !== 'string') ||
      (privacy !== undefined && privacy !== 'PUBLIC' && privacy !== 'SECRET');
    if (invalid) return error(400, 400, 'Invalid board parameters.');
    const now = this.board(id);
    this.boardDetails.set(id, {
      name: typeof name === 'string' ? name.trim() : now.name,
      privacy: typeof privacy === 'string' ? privacy : now.privacy,
      ...(description !== undefined
        ? { description: typeof description === 'string' ? description : '' }
        : now.description
          ? { description: now.description }
          : {}),
    });
    return { status: 200, body: this.board(id) };
  }

  private board(id: string) {
    const details = this.boardDetails.get(id);
    return {
      id,
      name: details?.name ?? `Board ${id}`,
      description: details?.description ?? '',
      privacy: details?.privacy ?? 'PUBLIC',
      owner: { username: 'postflow' },
    };
  }

  /** The S3 form upload: every signed field, then the file; 204 like S3. */
  private s3(req: FakeRequest): FakeResponse {
    if (req.headers.authorization)
      return { status: 400, body: '<Error><Code>InvalidArgument</Code></Error>' };
    const upload = [...this.uploads.values()].find((u) => u.key === req.body.key);
    const file = req.body.file as { data?: Buffer } | undefined;
    // S3 takes a form upload only with its length announced (no chunked transfer encoding).
    if (req.headers['content-length'] === undefined)
      return { status: 411, body: '<Error><Code>MissingContentLength</Code></Error>' };
    if (!upload || req.body['x-amz-signature'] !== 'sig' || !file?.data?.length) {
      return { status: 403, body: '<Error><Code>AccessDenied</Code></Error>' };
    }
    upload.posts += 1;
    upload.bytes = file.data.length;
    upload.sha256 = createHash('sha256').update(file.data).digest('hex');
    upload.status = 'processing';
    return { status: 204 };
  }

  private token(req: FakeRequest): FakeResponse {
    const basic = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    const [id, secret] = Buffer.from(basic ?? '', 'base64')
      .toString()
      .split(':');
    if (!id || this.clients.get(id) !== secret) return error(401, 2, 'Authentication failed.');
    if (req.body.grant_type !== 'refresh_token' && req.body.grant_type !== 'authorization_code')
      return error(400, 1, 'Unsupported grant_type.');
    const pair =
      req.body.grant_type === 'authorization_code'
        ? this.redeemCode(req.body, id)
        : this.rotate(String(req.body.refresh_token ?? ''), id);
    if (!pair) return error(400, 1, 'Invalid refresh token.');
    return {
      status: 200,
      body: {
        response_type: 'refresh_token',
        access_token: pair.access_token,
        token_type: 'bearer',
        expires_in: 2_592_000,
        refresh_token: pair.refresh_token,
        refresh_token_expires_in: 5_184_000,
        scope: 'boards:read pins:read pins:write',
      },
    };
  }

  private entity(p: Pin) {
    return {
      id: p.id,
      created_at: p.createdAt,
      board_id: p.boardId,
      title: p.title ?? null,
      description: p.description,
      link: p.link ?? null,
      alt_text: p.altText ?? null,
      media: { media_type: p.mediaType },
    };
  }
}

const DAY_MS = 86_400_000;

/**
 * `GET /v5/pins/{pin_id}/analytics` (Pins API, "Get Pin analytics"): `start_date` no more than 90
 * days back, `end_date` no more than 90 days past it, `metric_types` required. The answer is keyed
 * by app type (`all`): `daily_metrics` (`{data_status, date, metrics}`), `lifetime_metrics` (since
 * the Pin was made) and `summary_metrics` (over the period), each by metric type.
 */
function pinAnalytics(req: FakeRequest, counts: Record<string, number>): FakeResponse {
  const day = (name: string) => {
    const value = req.query.get(name) ?? '';
    return /^\d{4}-\d{2}-\d{2}$/.test(value) ? Date.parse(`${value}T00:00:00Z`) : NaN;
  };
  const [start, end] = [day('start_date'), day('end_date')];
  const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
  if (Number.isNaN(start) || Number.isNaN(end) || end < start)
    return error(400, 1, 'Invalid pins analytics parameters: start_date and end_date (YYYY-MM-DD).');
  if (start < today - 90 * DAY_MS || end - start > 90 * DAY_MS)
    return error(400, 1, 'Invalid pins analytics parameters: the dates must be within 90 days.');
  const types = (req.query.get('metric_types') ?? '').split(',').filter(Boolean);
  if (!types.length) return error(400, 1, 'Invalid pins analytics parameters: metric_types is required.');
  const metrics = Object.fromEntries(types.map((t) => [t, counts[t] ?? 0]));
  const date = new Date(end).toISOString().slice(0, 10);
  return {
    status: 200,
    body: {
      all: {
        daily_metrics: [{ data_status: 'READY', date, metrics }],
        lifetime_metrics: metrics,
        summary_metrics: metrics,
      },
    },
  };
}

export function error(status: number, code: number, message: string): FakeResponse {
  return { status, body: { code, message } };
}

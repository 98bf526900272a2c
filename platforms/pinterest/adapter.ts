import { type Board, BOARD_PRIVACY } from '../../api/account-helpers';
import type {
  AccountContext,
  AdapterOptions,
  MediaFile,
  MediaReader,
  PlatformAdapter,
  Prepared,
  PublishRequest,
} from '../kit/adapter';
import { PublishError } from '../kit/adapter';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  postedSince,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { assertTokenFresh, oauthClient, refreshOAuth2 } from '../kit/oauth2';
import { bearerCaller, type CallRequest, type PlatformAnswer } from '../kit/call';
import { sameText, searchableText } from '../kit/content';
import { MAX_LOOKUP_PAGES, searchWindow } from '../kit/lookup-window';
import { streamedForm } from '../kit/streamed-form';

const PLATFORM = 'pinterest';
/** Pinterest names no polling interval for video processing. */
const MEDIA_POLL_MS = 3_000;
/** Pins of the board a reconcile page holds (the API's largest page; 25 is its default). */
const RECONCILE_PAGE = 250;
/** Standard-access category limits are per minute: without a header, wait one minute. */
const RATE_WINDOW_MS = 60_000;

/**
 * Pinterest's errors are `{ "code": <int>, "message": "…" }`, with the meaning in the HTTP status
 * (developers.pinterest.com API v5 reference: each operation lists 400, 401, 403, 404, 409, 429,
 * 5xx). The numeric `code`s are not documented as a table, so the status decides.
 */
const BY_STATUS: Record<number, FailureRule> = {
  400: { category: 'validation', code: 'invalid_parameters' },
  401: { category: 'auth', code: 'auth', refreshable: true },
  403: { category: 'auth', code: 'forbidden' },
  // On POST /v5/pins: the board does not exist or is not the account's.
  404: { category: 'validation', code: 'not_found' },
  409: { category: 'validation', code: 'conflict' },
};

/**
 * Pinterest API v5 (api.pinterest.com, OAuth 2 with `pins:write boards:read pins:read`).
 * Credentials: `access_token`, `refresh_token`, `expires_at`; OAuth client
 * `POSTFLOW_PINTEREST_CLIENT_ID` / `_CLIENT_SECRET` (the app id and secret, sent as HTTP Basic).
 *
 * prepare: an image needs nothing (Pinterest pulls it from Postflow's public URL at publish); a
 * video is registered (`POST /v5/media`), uploaded to the returned upload URL with its signed form
 * fields, then polled until `succeeded`. publish: `POST /v5/pins` on the target's board.
 * reconcile: the board's newest Pins, by description and title, created since the delivery began.
 */
export function createPinterestAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const base = (options.baseUrl || 'https://api.pinterest.com').replace(/\/$/, '');

  const caller = bearerCaller({ platform: PLATFORM, baseUrl: base, ...timeout(options), failure });
  const call =
    (req: { account: AccountContext; signal: AbortSignal }, irreversible = false) =>
    async (method: string, path: string, json?: object) =>
      (await caller(req, irreversible)({ method, path, ...(json ? { json } : {}) })).body;
  // The upload URL is not Pinterest's: no account, so no bearer token.
  const uploader = bearerCaller({
    platform: PLATFORM,
    baseUrl: '',
    ...timeout(options),
    failure: uploadFailed,
  });

  const mediaStatus = async (req: PublishRequest, mediaId: string): Promise<Prepared> => {
    const media = await call(req)('GET', `/v5/media/${encodeURIComponent(mediaId)}`);
    if (media.status === 'succeeded') return { ready: { media_id: mediaId } };
    if (media.status === 'failed') {
      throw rejected(
        PLATFORM,
        'video_rejected',
        'Pinterest could not process the video; check its format (MP4/MOV, H.264).',
      );
    }
    return { processing: { media_id: mediaId }, pollAfterMs: MEDIA_POLL_MS };
  };

  return {
    platform: PLATFORM,

    async prepare(req) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const file = req.media[0];
      if (!file) throw rejected(PLATFORM, 'media_required', 'a Pin needs one image or video.');
      // Library media knows its type; a URL's is learnt by fetching it (images are fetched anyway).
      const contentType = file.contentType ?? (await file.open()).contentType;
      if (!contentType.startsWith('video/')) {
        if (!contentType.startsWith('image/')) {
          throw rejected(PLATFORM, 'media_type', `${contentType} cannot be pinned; use an image or a video.`);
        }
        return { ready: {} };
      }
      const registration = await call(req)('POST', '/v5/media', { media_type: 'video' });
      await upload(uploader({ signal: req.signal }), registration, await file.open());
      return mediaStatus(req, String(registration.media_id));
    },

    async checkPrepared(req, state) {
      return mediaStatus(req, String(state.media_id));
    },

    async publish(req, prepared) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const pin = {
        board_id: boardOf(req),
        ...fields(req),
        media_source: prepared.media_id
          ? videoSource(req, String(prepared.media_id))
          : { source_type: 'image_url', url: await imageUrl(req.media[0]) },
      };
      return receiptOf(await call(req, true)('POST', '/v5/pins', pin));
    },

    async findExisting(req) {
      const want = fields(req);
      searchableText(PLATFORM, `${want.description ?? ''}${want.title ?? ''}`);
      const path = `/v5/boards/${encodeURIComponent(boardOf(req))}/pins?page_size=${RECONCILE_PAGE}`;
      // The board lists its Pins in the board's order, which its owner may rearrange: no page
      // says the rest is older, so every page is read (`bookmark`: the last page's).
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the board has more than ${MAX_LOOKUP_PAGES * RECONCILE_PAGE} Pins`,
        read: async (bookmark) => {
          const page = await call(req)(
            'GET',
            bookmark ? `${path}&bookmark=${encodeURIComponent(bookmark)}` : path,
          );
          return { items: Array.isArray(page.items) ? page.items : [], next: page.bookmark ?? undefined };
        },
        matches: (pin) =>
          postedSince(utc(pin.created_at), req.since) &&
          sameText(pin.description, want.description) &&
          (!want.title || sameText(pin.title, want.title)),
      });
      return found ? receiptOf(found) : null;
    },

    /**
     * `GET /v5/pins/{pin_id}/analytics?start_date&end_date&metric_types=IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK`
     * (Pins API, "Get Pin analytics"; `pins:read`, a business account): the `all` app type's
     * `lifetime_metrics` (since the Pin was made; all Pin formats since 2023-03-20), else its
     * `summary_metrics` over the period asked, which reaches back at most 90 days. Saves are
     * saves; impressions and clicks go in `extra`. Pin analytics have no likes, comments or shares.
     */
    async fetchMetrics(req) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const query = new URLSearchParams({
        ...analyticsPeriod(req.post.publishedAt),
        metric_types: 'IMPRESSION,SAVE,PIN_CLICK,OUTBOUND_CLICK',
        app_types: 'ALL',
      });
      let body: PlatformBody;
      try {
        body = await call(req)(
          'GET',
          `/v5/pins/${encodeURIComponent(req.post.platformPostId)}/analytics?${query}`,
        );
      } catch (err) {
        if ((err as { status?: number }).status === 404) return null; // deleted on Pinterest
        throw err;
      }
      const all: PlatformBody = body.all ?? {};
      const metrics: PlatformBody = all.lifetime_metrics ?? all.summary_metrics ?? {};
      const n = (key: string) => (Number.isFinite(Number(metrics[key])) ? Number(metrics[key]) : 0);
      return {
        likes: 0,
        comments: 0,
        shares: 0,
        saves: n('SAVE'),
        extra: {
          impressions: n('IMPRESSION'),
          pin_clicks: n('PIN_CLICK'),
          outbound_clicks: n('OUTBOUND_CLICK'),
        },
      };
    },

    async unpublish(req) {
      try {
        await call(req)('DELETE', `/v5/pins/${encodeURIComponent(req.platformPostId)}`);
      } catch (err) {
        if ((err as { status?: number }).status !== 404) throw err; // 404: gone already
      }
      return 'deleted';
    },

    async refresh(account) {
      const client = oauthClient(PLATFORM, account.credentials, options.env ?? {});
      return refreshOAuth2({
        platform: PLATFORM,
        tokenUrl: `${base}/v5/oauth/token`,
        clientId: client.clientId,
        ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
        refreshToken: account.credentials.refresh_token ?? '',
        clientAuth: 'basic',
      });
    },

    helpers: {
      // `GET /v5/boards`: the account's boards, page after page (250 a page, the API's largest).
      async boards(req) {
        assertTokenFresh(PLATFORM, req.account.credentials);
        const boards: Board[] = [];
        let bookmark: string | undefined;
        for (let page = 0; page < MAX_BOARD_PAGES; page++) {
          const query = `page_size=${BOARD_PAGE}${bookmark ? `&bookmark=${encodeURIComponent(bookmark)}` : ''}`;
          const answer = await call(req)('GET', `/v5/boards?${query}`);
          const items = Array.isArray(answer.items) ? (answer.items as PlatformBody[]) : [];
          boards.push(...items.map(pinterestBoard));
          bookmark = typeof answer.bookmark === 'string' && answer.bookmark ? answer.bookmark : undefined;
          if (!bookmark) break;
        }
        return boards;
      },

      // `POST /v5/boards` (`boards:write`): not repeated on an unknown outcome (a second board).
      async createBoard(req, board) {
        assertTokenFresh(PLATFORM, req.account.credentials);
        return pinterestBoard(
          await call(req, true)('POST', '/v5/boards', {
            name: board.name,
            ...(board.description !== undefined ? { description: board.description } : {}),
            privacy: board.privacy ?? 'PUBLIC',
          }),
        );
      },

      // `GET /v5/boards/{board_id}` (`boards:read`).
      async board(req, boardId) {
        assertTokenFresh(PLATFORM, req.account.credentials);
        return pinterestBoard(await boardCall(req, boardId, () => call(req)('GET', boardPath(boardId))));
      },

      // `PATCH /v5/boards/{board_id}` (`boards:write`): only the fields given change. The same
      // changes made twice leave the board as once, but an unknown outcome is not repeated blindly.
      async updateBoard(req, boardId, changes) {
        assertTokenFresh(PLATFORM, req.account.credentials);
        return pinterestBoard(
          await boardCall(req, boardId, () => call(req, true)('PATCH', boardPath(boardId), changes)),
        );
      },

      // `DELETE /v5/boards/{board_id}` (`boards:write`): 204; the board's Pins go with it.
      async deleteBoard(req, boardId) {
        assertTokenFresh(PLATFORM, req.account.credentials);
        await boardCall(req, boardId, () => call(req, true)('DELETE', boardPath(boardId)));
      },
    },
  };
}

/** Boards read at most: 40 pages of 250. */
const BOARD_PAGE = 250;
const MAX_BOARD_PAGES = 40;

const boardPath = (boardId: string) => `/v5/boards/${encodeURIComponent(boardId)}`;

/**
 * A call on one board: Pinterest's 404 ("Board not found.") is the API's `resource.not_found`
 * (a board the account does not have, as for any id that is not there), not a bad request.
 */
async function boardCall<T>(
  req: { account: AccountContext },
  boardId: string,
  send: () => Promise<T>,
): Promise<T> {
  try {
    return await send();
  } catch (err) {
    if (!(err instanceof PublishError) || err.failure.code !== `platform.${PLATFORM}.not_found`) throw err;
    throw new PublishError(
      {
        ...err.failure,
        caused_by: 'user',
        code: 'resource.not_found',
        message: `Board ${boardId} is not one of this Pinterest account's boards (${req.account.id}).`,
        retryable: false,
        outcomeUnknown: false,
      },
      { cause: err },
    );
  }
}

function pinterestBoard(board: PlatformBody): Board {
  const privacy = BOARD_PRIVACY.find((p) => p === board.privacy) ?? 'PUBLIC';
  return { id: String(board.id), board_id: String(board.id), name: String(board.name ?? ''), privacy };
}

/**
 * Sends the video to the upload URL Pinterest registered (an S3 bucket): a multipart POST with
 * every signed `upload_parameters` field, then the file, read from storage as the request goes
 * out (one request, whatever the size: S3's form upload has no parts). No bearer token: it is
 * not Pinterest.
 */
async function upload(
  send: (request: CallRequest) => Promise<PlatformAnswer>,
  registration: PlatformBody,
  reader: MediaReader,
) {
  const fields = Object.fromEntries(
    Object.entries((registration.upload_parameters ?? {}) as Record<string, unknown>).map(([k, v]) => [
      k,
      String(v),
    ]),
  );
  const { body, headers } = streamedForm(fields, { field: 'file', filename: 'video', reader });
  await send({ method: 'POST', path: String(registration.upload_url), body, headers });
}

/** The signed form may have expired: a new prepare registers a new upload. */
function uploadFailed(response: Response) {
  const rule: FailureRule = { category: 'platform', code: 'upload_failed', retryable: true };
  return platformFailure(PLATFORM, rule, `the video upload failed (HTTP ${response.status}).`);
}

/** `board_id`, or its alias `page_id` (the rules refuse both at once). */
function boardOf(req: PublishRequest): string {
  const board = req.target.options.board_id ?? req.target.options.page_id;
  if (typeof board !== 'string' || !board) {
    throw rejected(PLATFORM, 'board_required', 'the target has no board_id; choose the board to pin to.');
  }
  return board;
}

/** The Pin's texts: options win over the post's title and text. */
function fields(req: PublishRequest) {
  const o = req.target.options;
  const title = typeof o.title === 'string' ? o.title : req.content.title;
  const description = typeof o.description === 'string' ? o.description : req.content.text;
  return {
    ...(title ? { title } : {}),
    description,
    ...(typeof o.link === 'string' ? { link: o.link } : {}),
    ...(typeof o.alt_text === 'string' ? { alt_text: o.alt_text } : {}),
  };
}

/** A video Pin needs a cover: the given image URL, else the first frame. */
function videoSource(req: PublishRequest, mediaId: string) {
  const cover = req.target.options.cover_image_url;
  return {
    source_type: 'video_id',
    media_id: mediaId,
    ...(typeof cover === 'string' ? { cover_image_url: cover } : { cover_image_key_frame_time: 0 }),
  };
}

async function imageUrl(file: MediaFile | undefined): Promise<string> {
  if (!file) throw rejected(PLATFORM, 'media_required', 'a Pin needs one image or video.');
  return file.publicUrl();
}

function receiptOf(pin: PlatformBody) {
  return {
    platformPostId: String(pin.id),
    permalink: `https://www.pinterest.com/pin/${encodeURIComponent(String(pin.id))}/`,
    publishedAt: new Date(Date.parse(utc(pin.created_at)) || Date.now()).toISOString(),
  };
}

/** Pinterest writes `created_at` in UTC without an offset ("2024-05-01T10:20:30"). */
function utc(value: unknown): string {
  const text = String(value ?? '');
  return /T[\d:.]+$/.test(text) ? `${text}Z` : text;
}

const timeout = (options: AdapterOptions) => (options.timeoutMs ? { timeoutMs: options.timeoutMs } : {});

function failure(response: Response, body: PlatformBody, irreversible: boolean) {
  const rule = BY_STATUS[response.status] ?? ruleForStatus(response.status);
  const message = `${String(body.message ?? body.text ?? response.statusText)} (HTTP ${response.status}${body.code !== undefined ? `, code ${body.code}` : ''})`;
  const retryAfter = response.status === 429 ? rateLimitWait(response.headers) : undefined;
  const err = platformFailure(PLATFORM, rule, message, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
  return Object.assign(err, { status: response.status });
}

/**
 * Pinterest's rate-limit headers are not on its reference pages. Seen in the wild: `Retry-After`
 * and `X-RateLimit-Reset` (seconds until reset); an epoch value is accepted too. Else one window.
 */
function rateLimitWait(headers: Headers): number {
  const after = retryAfterMs(headers);
  if (after !== undefined) return after;
  const reset = Number(headers.get('x-ratelimit-reset'));
  if (Number.isFinite(reset) && reset > 0) {
    return reset > 1e9 ? Math.max(0, reset * 1000 - Date.now()) : reset * 1000;
  }
  return RATE_WINDOW_MS;
}

const DAY_MS = 86_400_000;

/**
 * The analytics period: from the day the Pin was published (UTC), or 89 days ago when it is older
 * (Pinterest refuses a `start_date` more than 90 days back), to today.
 */
function analyticsPeriod(publishedAt: string, now = Date.now()): { start_date: string; end_date: string } {
  const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const published = Date.parse(publishedAt);
  const earliest = now - 89 * DAY_MS;
  const start = Number.isNaN(published) ? earliest : Math.min(now, Math.max(earliest, published));
  return { start_date: day(start), end_date: day(now) };
}

import type { CreatorInfo } from '../../api/account-helpers';
import type { DeliveryReceipt } from '../../api/types';
import {
  type AdapterOptions,
  type PlatformAdapter,
  type PublishRequest,
  PublishError,
  type StepState,
} from '../kit/adapter';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  rejected,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { bearerCaller } from '../kit/call';
import { chunkPlan, sendChunks, sendFinalChunk, uploadUntilFinalChunk, videoSourceFrom } from './upload';
import { assertTokenFresh, oauthClient, refreshOAuth2 } from '../kit/oauth2';

const PLATFORM = 'tiktok';
/** TikTok's limits are per one-minute sliding window and it sends no Retry-After: wait one window. */
const RATE_WINDOW_MS = 60_000;
/** Between status fetches (30 a minute per token): TikTok names no interval. */
const STATUS_POLL_MS = 5_000;
/** A public post's id comes after moderation ("usually within one minute, sometimes hours"). */
const MODERATION_POLL_MS = 15_000;
const MODERATION_POLLS = 20;
/** How long TikTok may take to start pulling the media from Postflow's public URL. */
const PULL_URL_TTL_MS = 3_600_000;
/** The Video Object fields `fetchMetrics` asks for. */
const VIDEO_FIELDS = 'id,like_count,comment_count,share_count,view_count';

/**
 * TikTok's documented `error.code`s (Direct Post, creator_info, status fetch; developers.tiktok.com
 * "Content Posting API" reference and "Rate Limits"). Unknown codes fall back to the HTTP status.
 */
const ERRORS: Record<string, FailureRule> = {
  access_token_invalid: { category: 'auth', code: 'auth', refreshable: true },
  scope_not_authorized: { category: 'auth', code: 'scope_not_authorized' },
  scope_permission_missed: { category: 'auth', code: 'scope_not_authorized' },
  rate_limit_exceeded: { category: 'rate_limit', code: 'rate_limit', retryable: true },
  // Daily caps: waiting inside a delivery does not help; the post must be rescheduled.
  spam_risk_too_many_posts: { category: 'rate_limit', code: 'daily_post_cap' },
  spam_risk_too_many_pending_share: { category: 'rate_limit', code: 'pending_share_cap' },
  reached_active_user_cap: { category: 'rate_limit', code: 'active_user_cap' },
  spam_risk_user_banned_from_posting: { category: 'auth', code: 'banned_from_posting' },
  unaudited_client_can_only_post_to_private_accounts: { category: 'validation', code: 'unaudited_client' },
  privacy_level_option_mismatch: { category: 'validation', code: 'privacy_level_option_mismatch' },
  // The operator must verify Postflow's media domain (or URL prefix) in the TikTok developer portal.
  url_ownership_unverified: { category: 'system', code: 'url_ownership_unverified' },
  invalid_param: { category: 'validation', code: 'invalid_params' },
  invalid_params: { category: 'validation', code: 'invalid_params' },
  spam_risk_text: { category: 'validation', code: 'spam_risk' },
  spam_risk: { category: 'validation', code: 'spam_risk' },
  internal_error: { category: 'platform', code: 'api_error', retryable: true, mayHaveActed: true },
};

/** creator_info's answers for a creator who may not post now (our codes for TikTok's). */
const CANNOT_POST = new Set(
  ['daily_post_cap', 'pending_share_cap', 'banned_from_posting'].map((c) => `platform.${PLATFORM}.${c}`),
);

function creatorInfoOf(data: PlatformBody, canPost: boolean): CreatorInfo {
  return {
    platform: PLATFORM,
    nickname: String(data.creator_nickname ?? ''),
    avatar_url: String(data.creator_avatar_url ?? ''),
    can_post: canPost,
    max_video_duration_sec: Number.isInteger(data.max_video_post_duration_sec)
      ? Number(data.max_video_post_duration_sec)
      : 0,
    privacy_level_options: Array.isArray(data.privacy_level_options)
      ? data.privacy_level_options.map(String)
      : [],
    interaction_settings: {
      comment_disabled: data.comment_disabled === true,
      duet_disabled: data.duet_disabled === true,
      stitch_disabled: data.stitch_disabled === true,
    },
  };
}

/**
 * Why a publish ended `FAILED` (status fetch `fail_reason`). FAILED proves nothing was published,
 * so transient reasons may be retried with a new publish.
 */
const FAIL_REASONS: Record<string, FailureRule> = {
  file_format_check_failed: { category: 'validation', code: 'media_rejected' },
  duration_check_failed: { category: 'validation', code: 'media_rejected' },
  frame_rate_check_failed: { category: 'validation', code: 'media_rejected' },
  picture_size_check_failed: { category: 'validation', code: 'media_rejected' },
  video_pull_failed: { category: 'platform', code: 'pull_failed', retryable: true },
  photo_pull_failed: { category: 'platform', code: 'pull_failed', retryable: true },
  internal: { category: 'platform', code: 'api_error', retryable: true },
  publish_cancelled: { category: 'platform', code: 'publish_cancelled' },
  // The creator removed Postflow's authorization: its tokens are dead until a reconnect.
  auth_removed: { category: 'auth', code: 'auth_removed', reconnect: true },
};

/**
 * TikTok, Content Posting API "Direct Post" (open.tiktokapis.com, OAuth 2 user token with
 * `video.publish`). Credentials: `access_token`, `refresh_token`, `expires_at`; OAuth client
 * `POSTFLOW_TIKTOK_CLIENT_ID` (the client key) / `_CLIENT_SECRET` unless the account brings its own.
 *
 * prepare: `creator_info/query` (read-only): the privacy level must be one the creator is offered,
 * interactions the creator turned off stay off. publish: `video/init` (one video) or
 * `content/init` (photos), both PULL_FROM_URL: TikTok fetches Postflow's public media URL, so the
 * init call is the whole publish and the one irreversible call. Pulling is the default because
 * photos can only be pulled (the operator verifies the media domain either way) and no bytes pass
 * through the worker; `POSTFLOW_TIKTOK_VIDEO_SOURCE=upload` sends videos in FILE_UPLOAD chunks
 * instead (upload.ts), read from the file chunk by chunk, where the final chunk is the
 * irreversible call. Posts the client started with the upload source (`PostSpec.fileUploads`)
 * run an upload step (`upload`, docs/platforms.md "Uploads that survive a crash"): creator_info,
 * init and every chunk but the final one, resumable after a crash; their publish call sends only
 * the final chunk. checkPublished: `status/fetch` until PUBLISH_COMPLETE or FAILED.
 *
 * No findExisting: the posting scopes list nothing (Display API `video/list` needs `video.list`),
 * and a lost init answer leaves no publish_id to ask about, so such a delivery ends unconfirmed.
 * No unpublish: TikTok has no delete API.
 */
export function createTikTokAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const base = (options.baseUrl || 'https://open.tiktokapis.com').replace(/\/$/, '');
  const videoSource = videoSourceFrom(options.env);

  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: base,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    jsonType: 'application/json; charset=UTF-8',
    failure,
    // TikTok also answers errors with 200: only `error.code` "ok" is a success.
    failed: (response, answer) => !response.ok || String(answer.error?.code ?? 'ok') !== 'ok',
  });
  const post = async (
    req: { account: PublishRequest['account']; signal: AbortSignal },
    path: string,
    body: object,
    irreversible = false,
  ) => {
    const { body: answer, text } = await caller(req, irreversible)({ method: 'POST', path, json: body });
    return { data: (answer.data ?? {}) as PlatformBody, text };
  };
  // The upload URL TikTok hands out is a capability of its own: no bearer token goes to it.
  const uploader = bearerCaller({
    platform: PLATFORM,
    baseUrl: '',
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    failure,
  });

  /**
   * What the upload step's chunks are answered: 206 taken; 416 out of sequence (one TikTok holds
   * already is out of it); 403, 404, 410 the upload URL expired or unknown. Anything else fails.
   */
  const stepUploader = bearerCaller({
    platform: PLATFORM,
    baseUrl: '',
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    failure,
    failed: (response) => !response.ok && ![416, 403, 404, 410].includes(response.status),
  });

  /** The video and its chunks, for FILE_UPLOAD; a video past 1,000 chunks is refused. */
  const videoPlan = async (req: PublishRequest) => {
    const file = await req.media[0]!.open();
    const plan = chunkPlan(file.size);
    if (!plan)
      throw rejected(PLATFORM, 'media_too_large', `the video is too large for TikTok (${file.size} bytes).`);
    return { file, plan };
  };
  const fileSource = (plan: NonNullable<ReturnType<typeof chunkPlan>>) => ({
    source: 'FILE_UPLOAD',
    video_size: plan.videoSize,
    chunk_size: plan.chunkSize,
    total_chunk_count: plan.totalChunkCount,
  });

  /**
   * A video by FILE_UPLOAD: init declares the chunks (nothing is posted until the last arrives,
   * so init is not the irreversible call), then the chunks; the last one posts the video.
   */
  const uploadVideo = async (req: PublishRequest, prepared: StepState) => {
    const { file, plan } = await videoPlan(req);
    const body = videoBody(req, prepared, fileSource(plan));
    const { data } = await post(req, '/v2/post/publish/video/init/', body);
    const send = (request: Parameters<ReturnType<typeof uploader>>[0], irreversible: boolean) =>
      uploader({ signal: req.signal }, irreversible)(request);
    await sendChunks(send, String(data.upload_url), file, plan);
    return data;
  };

  /** The final chunk of the upload step's session (`prepared.upload_key`): the irreversible call. */
  const finishUpload = async (req: PublishRequest, prepared: StepState) => {
    const { file, plan } = await videoPlan(req);
    const kept = await req.uploadSession?.(String(prepared.upload_key));
    const send = (request: Parameters<ReturnType<typeof uploader>>[0]) =>
      uploader({ signal: req.signal }, true)(request);
    return { publish_id: await sendFinalChunk(PLATFORM, kept, file, plan, send) };
  };

  const adapter: PlatformAdapter = {
    platform: PLATFORM,

    /**
     * The upload step: creator_info (what init declares comes from it), init, and every chunk but
     * the final one, in the session kept in `ledger` (upload.ts `uploadUntilFinalChunk`). Answers
     * what prepare would, with the upload's key and where it stands: no secret.
     */
    async upload(req, ledger) {
      if (isPhotoPost(req))
        throw rejected(PLATFORM, 'invalid_params', 'photos are pulled by URL; only a video is uploaded.');
      const { ready } = (await adapter.prepare!(req)) as { ready: StepState };
      const { file, plan } = await videoPlan(req);
      const session = await uploadUntilFinalChunk({
        platform: PLATFORM,
        file,
        plan,
        ledger,
        init: async () => {
          const { data } = await post(
            req,
            '/v2/post/publish/video/init/',
            videoBody(req, ready, fileSource(plan)),
          );
          return { publish_id: String(data.publish_id), upload_url: String(data.upload_url) };
        },
        put: async (request) => {
          const { status } = await stepUploader({ signal: req.signal })(request);
          if (status === 416) return 'out-of-sequence';
          return status === 403 || status === 404 || status === 410 ? 'gone' : 'taken';
        },
      });
      return { ...ready, upload_key: ledger.key, size: plan.videoSize, offset: session.acknowledged };
    },

    async prepare(req) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const { data: creator } = await post(req, '/v2/post/publish/creator_info/query/', {});
      const o = req.target.options;
      const privacy = String(o.privacy_level ?? '');
      const offered: string[] = Array.isArray(creator.privacy_level_options)
        ? creator.privacy_level_options
        : [];
      if (!offered.includes(privacy)) {
        throw rejected(
          PLATFORM,
          'privacy_level_option_mismatch',
          `this creator can post as ${offered.join(', ') || 'nothing'}; privacy_level ${privacy || '(none)'} is not offered.`,
        );
      }
      // An interaction the creator turned off in TikTok stays off; otherwise off unless asked for.
      const off = (option: unknown, creatorOff: unknown) => creatorOff === true || option !== false;
      return {
        ready: {
          username: String(creator.creator_username ?? ''),
          privacy_level: privacy,
          disable_comment: off(o.disable_comment, creator.comment_disabled),
          disable_duet: off(o.disable_duet, creator.duet_disabled),
          disable_stitch: off(o.disable_stitch, creator.stitch_disabled),
        },
      };
    },

    helpers: {
      /**
       * `creator_info/query`, as the contract shows it. A creator TikTok lets post nothing more
       * right now (its daily caps, a posting ban) is `can_post: false`, not an error.
       */
      async creatorInfo(req) {
        assertTokenFresh(PLATFORM, req.account.credentials);
        try {
          const { data } = await post(req, '/v2/post/publish/creator_info/query/', {});
          return creatorInfoOf(data, true);
        } catch (err) {
          if (err instanceof PublishError && CANNOT_POST.has(err.failure.code))
            return creatorInfoOf({}, false);
          throw err;
        }
      },
    },

    async publish(req, prepared: StepState) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const photo = isPhotoPost(req);
      const urls = () => Promise.all(req.media.map((m) => m.publicUrl(PULL_URL_TTL_MS)));
      const init = async (path: string, body: object) => (await post(req, path, body, true)).data;
      const data = photo
        ? await init('/v2/post/publish/content/init/', photoBody(req, prepared, await urls()))
        : prepared.upload_key !== undefined
          ? await finishUpload(req, prepared)
          : videoSource === 'upload'
            ? await uploadVideo(req, prepared)
            : await init('/v2/post/publish/video/init/', videoBody(req, prepared, pullSource(await urls())));
      const state: StepState = {
        publish_id: String(data.publish_id),
        username: String(prepared.username ?? ''),
        kind: photo ? 'photo' : 'video',
        private: prepared.privacy_level === 'SELF_ONLY',
        waits: 0,
      };
      return { processing: state, pollAfterMs: STATUS_POLL_MS };
    },

    async checkPublished(req, state) {
      let data: PlatformBody;
      let text: string;
      try {
        ({ data, text } = await post(req, '/v2/post/publish/status/fetch/', {
          publish_id: state.publish_id,
        }));
      } catch (err) {
        // The init call went through: whatever fails here, the post may be live. Never publish again
        // on the strength of this failure; the engine looks for it (and finds it unconfirmed) instead.
        if (err instanceof PublishError)
          throw new PublishError({ ...err.failure, outcomeUnknown: true }, { cause: err });
        throw err;
      }
      const status = String(data.status ?? '');
      if (status === 'FAILED') {
        const reason = String(data.fail_reason ?? 'unknown');
        const rule = FAIL_REASONS[reason] ??
          ERRORS[reason] ?? { category: 'platform', code: 'publish_failed' };
        throw platformFailure(PLATFORM, rule, `the post failed: ${reason}.`);
      }
      if (status === 'SEND_TO_USER_INBOX') {
        // Upload (inbox) flow only; the creator must finish it in the app. Publishing again would duplicate.
        throw platformFailure(
          PLATFORM,
          { category: 'platform', code: 'sent_to_inbox' },
          "TikTok sent the post to the creator's inbox; finish it in the TikTok app.",
        );
      }
      if (status !== 'PUBLISH_COMPLETE') return { processing: state, pollAfterMs: STATUS_POLL_MS };
      const ids = postIds(text);
      const waits = Number(state.waits ?? 0);
      if (!ids.length && !state.private && waits < MODERATION_POLLS) {
        return { processing: { ...state, waits: waits + 1 }, pollAfterMs: MODERATION_POLL_MS };
      }
      return receipt(state, ids[0]);
    },

    /**
     * Display API `POST /v2/video/query/?fields=id,like_count,comment_count,share_count,view_count`
     * with `{filters: {video_ids: [id]}}` (scope `video.list`): the Video Object's counts for the
     * creator's own video. A video no longer the creator's (deleted) is left out of `videos`.
     * TikTok reports no saves here; views go in `extra`. A private (`SELF_ONLY`) post has no public
     * video id, only its publish_id, so it cannot be asked about.
     */
    async fetchMetrics(req) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const id = req.post.platformPostId;
      if (!/^\d+$/.test(id)) {
        throw rejected(
          PLATFORM,
          'metrics_unavailable',
          'a private post has no public video id to read metrics for.',
        );
      }
      const { data } = await post(req, `/v2/video/query/?fields=${VIDEO_FIELDS}`, {
        filters: { video_ids: [id] },
      });
      const video = Array.isArray(data.videos)
        ? (data.videos as PlatformBody[]).find((v) => String(v.id) === id)
        : undefined;
      if (!video) return null; // deleted on TikTok
      const n = (key: string) => (Number.isFinite(Number(video[key])) ? Number(video[key]) : 0);
      return {
        likes: n('like_count'),
        comments: n('comment_count'),
        shares: n('share_count'),
        saves: 0,
        extra: { views: n('view_count') },
      };
    },

    async refresh(account) {
      const client = oauthClient(PLATFORM, account.credentials, options.env ?? {});
      return refreshOAuth2({
        platform: PLATFORM,
        tokenUrl: `${base}/v2/oauth/token/`,
        clientId: client.clientId,
        ...(client.clientSecret ? { clientSecret: client.clientSecret } : {}),
        refreshToken: account.credentials.refresh_token ?? '',
        clientAuth: 'body',
        // TikTok names its client id `client_key`.
        extra: { client_key: client.clientId },
      });
    },
  };
  return adapter;
}

function isPhotoPost(req: PublishRequest): boolean {
  if (req.target.options.media_type) return req.target.options.media_type === 'photo';
  return req.media.length > 0 && req.media.every((m) => (m.contentType ?? '').startsWith('image/'));
}

/** PULL_FROM_URL's source: TikTok fetches the video from Postflow's URL. */
const pullSource = (urls: string[]) => ({ source: 'PULL_FROM_URL', video_url: urls[0] });

function videoBody(req: PublishRequest, prepared: StepState, source: Record<string, unknown>) {
  const o = req.target.options;
  return {
    post_info: {
      title: req.content.text,
      privacy_level: prepared.privacy_level,
      disable_comment: prepared.disable_comment,
      disable_duet: prepared.disable_duet,
      disable_stitch: prepared.disable_stitch,
      ...(o.video_cover_timestamp_ms !== undefined
        ? { video_cover_timestamp_ms: Number(o.video_cover_timestamp_ms) }
        : {}),
      brand_content_toggle: o.brand_content_toggle === true,
      brand_organic_toggle: o.brand_organic_toggle === true,
      ...(o.is_aigc !== undefined ? { is_aigc: o.is_aigc === true } : {}),
    },
    source_info: source,
  };
}

function photoBody(req: PublishRequest, prepared: StepState, urls: string[]) {
  const o = req.target.options;
  return {
    post_info: {
      ...(req.content.title ? { title: req.content.title } : {}),
      description: req.content.text,
      privacy_level: prepared.privacy_level,
      disable_comment: prepared.disable_comment,
      auto_add_music: o.auto_add_music === true,
      brand_content_toggle: o.brand_content_toggle === true,
      brand_organic_toggle: o.brand_organic_toggle === true,
    },
    source_info: {
      source: 'PULL_FROM_URL',
      photo_cover_index: Number(o.photo_cover_index ?? 0),
      photo_images: urls,
    },
    post_mode: 'DIRECT_POST',
    media_type: 'PHOTO',
  };
}

function receipt(state: StepState, postId: string | undefined): DeliveryReceipt {
  const profile = `https://www.tiktok.com/@${encodeURIComponent(String(state.username))}`;
  return {
    // A SELF_ONLY post gets no public id: its publish_id is all TikTok gives.
    platformPostId: postId ?? String(state.publish_id),
    permalink: postId ? `${profile}/${state.kind === 'photo' ? 'photo' : 'video'}/${postId}` : profile,
    publishedAt: new Date().toISOString(),
  };
}

/**
 * `publicaly_available_post_id` (sic) is a list of int64: 19-digit ids that JSON.parse would round,
 * so they are read from the raw text.
 */
function postIds(text: string): string[] {
  const list = /"publicaly_available_post_id"\s*:\s*\[([^\]]*)\]/.exec(text)?.[1] ?? '';
  return list
    .split(',')
    .map((id) => id.trim().replace(/^"|"$/g, ''))
    .filter((id) => /^\d+$/.test(id));
}

/** TikTok's error body: `{ "data": {}, "error": { "code", "message", "log_id" } }`. */
function failure(response: Response, body: PlatformBody, irreversible: boolean): PublishError {
  const code = String(body.error?.code ?? '');
  const rule = ERRORS[code] ?? ruleForStatus(response.status);
  const message = `${body.error?.message || body.text || response.statusText} (${code || `HTTP ${response.status}`}, log_id ${body.error?.log_id ?? '-'})`;
  const retryAfter =
    rule.category === 'rate_limit' && rule.retryable
      ? (retryAfterMs(response.headers) ?? RATE_WINDOW_MS)
      : undefined;
  return platformFailure(PLATFORM, rule, message, {
    irreversible,
    ...(retryAfter !== undefined ? { retryAfter } : {}),
  });
}

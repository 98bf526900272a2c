import type { DeliveryReceipt } from '../../../api/types';
import {
  type AccountContext,
  type AdapterOptions,
  type CommentReceipt,
  type MediaReader,
  type PlatformAdapter,
  PublishError,
  type PublishRequest,
  type StepState,
} from '../../kit/adapter';
import { googleCaller, googleRefresh, type GoogleRule, isNotFound } from '../api';
import { type PlatformBody, postedSince, rejected } from '../../kit/http';
import { assertTokenFresh } from '../../kit/oauth2';
import { sameText } from '../../kit/content';
import { type LookupPage, MAX_LOOKUP_PAGES, searchWindow } from '../../kit/lookup-window';
import { failedForGood, warningOf, withWarning } from '../../kit/live-receipt';
import {
  chunkBytesFrom,
  DEFAULT_RESUME,
  type ResumePolicy,
  type ResumableUpload,
  sessionStatus,
  uploadInChunks,
  uploadUntilFinalChunk,
} from './upload';

const PLATFORM = 'youtube';
const OFFICIAL_URL = 'https://www.googleapis.com';
/** Processing polls: YouTube's own estimate (`processingProgress.timeLeftMs`) within these bounds. */
const POLL_MIN_MS = 5_000;
const POLL_MAX_MS = 60_000;
const POLL_DEFAULT_MS = 15_000;
/** Right after the upload, videos.list may not list the video yet; give up after this many polls. */
const MAX_POLLS_UNLISTED = 20;
/** Uploads a reconcile page holds (playlistItems.list's largest page). */
const RECONCILE_WINDOW = 50;
/** Comment threads a `findComment` page holds (commentThreads.list's largest page). */
const COMMENT_WINDOW = 100;
/** Postflow visibility → privacyStatus; `connections_only`/`logged_in` have no YouTube match: unlisted. */
const PRIVACY: Record<string, string> = {
  public: 'public',
  private: 'private',
  connections_only: 'unlisted',
  logged_in: 'unlisted',
};

/**
 * YouTube's `errors[].reason`s (developers.google.com/youtube/v3/docs/errors, videos.insert and
 * Core API errors) over Google's shared table (quotaExceeded, rateLimitExceeded, authError,
 * forbidden… in google-api.ts).
 */
const YOUTUBE_REASONS: Readonly<Record<string, GoogleRule>> = {
  // "The user has exceeded the number of videos they may upload": a per-channel, 24-hour limit.
  uploadLimitExceeded: { category: 'rate_limit', code: 'upload_limit', retryable: true, wait: 'day' },
  invalidTitle: { category: 'validation', code: 'invalid_title' },
  invalidDescription: { category: 'validation', code: 'invalid_description' },
  invalidTags: { category: 'validation', code: 'invalid_tags' },
  invalidCategoryId: { category: 'validation', code: 'invalid_category' },
  invalidPublishAt: { category: 'validation', code: 'invalid_publish_at' },
  invalidRecordingDetails: { category: 'validation', code: 'invalid_recording_details' },
  invalidVideoMetadata: { category: 'validation', code: 'invalid_metadata' },
  defaultLanguageNotSet: { category: 'validation', code: 'default_language_not_set' },
  mediaBodyRequired: { category: 'validation', code: 'media_required' },
  invalidFilename: { category: 'validation', code: 'invalid_filename' },
  forbiddenLicenseSetting: { category: 'validation', code: 'forbidden_license' },
  forbiddenPrivacySetting: { category: 'validation', code: 'forbidden_privacy' },
  youtubeSignupRequired: { category: 'auth', code: 'channel_required' },
  videoNotFound: { category: 'validation', code: 'not_found' },
  playlistNotFound: { category: 'validation', code: 'playlist_not_found' },
  // commentThreads.insert (the first comment).
  commentsDisabled: { category: 'validation', code: 'comments_disabled' },
  commentTextRequired: { category: 'validation', code: 'comment_text' },
  commentTextTooLong: { category: 'validation', code: 'comment_text' },
  channelOrVideoIdMissing: { category: 'validation', code: 'invalid_comment' },
  invalidCommentThreadMetadata: { category: 'validation', code: 'invalid_comment' },
  // "While this can be a transient error, it usually indicates that the request's input is invalid."
  processingFailure: { category: 'validation', code: 'invalid_comment' },
  channelNotFound: { category: 'validation', code: 'not_found' },
  // The YouTube account must be merged with the user's Google account before it may comment.
  ineligibleAccount: { category: 'auth', code: 'ineligible_account' },
};

/**
 * YouTube (Data API v3): one video per post, uploaded with the resumable upload protocol
 * (developers.google.com/youtube/v3/guides/using_resumable_upload_protocol).
 *
 * Credentials: `access_token`, `refresh_token`, `expires_at`, and optionally `channel_id` (the
 * channel reconcile searches; without it, the token's own channel, `mine=true`).
 * publish: starting the upload session (metadata only, creates nothing: safe to repeat), then the
 * bytes in chunks (`POSTFLOW_YOUTUBE_CHUNK_BYTES`, default 8 MiB), resumed in place from the
 * server's offset after a failure (youtube-upload.ts); only the final chunk's completion creates
 * the video, so only its failure, when the session cannot tell, is an unknown outcome.
 * checkPublished: videos.list until processed, then the optional playlist insert. Reconcile: the
 * channel's uploads playlist, by title and description, since the delivery began. The session
 * URL never enters workflow history (it is a capability to the upload).
 *
 * First comment (scope `youtube.force-ssl`): commentThreads.insert, a top-level comment of the
 * channel on its video; looked up with commentThreads.list (the video's newest threads, order=time)
 * by the channel as author and the text. Its link is the video's with `lc=<comment id>`.
 */
export function createYoutubeAdapter(
  options: AdapterOptions = {},
  resume: Partial<ResumePolicy> = {},
): PlatformAdapter {
  const base = (options.baseUrl || OFFICIAL_URL).replace(/\/$/, '');
  const chunkBytes = chunkBytesFrom(options.env);
  const policy: ResumePolicy = { ...DEFAULT_RESUME, ...resume };
  const call = googleCaller(PLATFORM, options, YOUTUBE_REASONS);
  const api = (path: string, query: Record<string, string>) =>
    `${base}/youtube/v3/${path}?${new URLSearchParams(query)}`;

  /** Step 1: the session, with the video's metadata; Location is where the bytes go. */
  const startUpload = async (req: PublishRequest, size: number, contentType: string) => {
    const { resource, parts, notify } = videoResource(req);
    const query = new URLSearchParams({
      uploadType: 'resumable',
      part: parts,
      notifySubscribers: String(notify),
    });
    const { headers } = await call(req)(
      'POST',
      `${base}/upload/youtube/v3/videos?${query}`,
      JSON.stringify(resource),
      {
        'x-upload-content-length': String(size),
        'x-upload-content-type': contentType,
      },
    );
    const session = headers.get('location') ?? '';
    // The bytes and the token go only where the API itself lives.
    if (!session || new URL(session, base).origin !== new URL(base).origin) {
      throw new PublishError({
        category: 'platform',
        caused_by: 'platform',
        code: 'platform.youtube.upload_session',
        message: 'youtube: the upload session answer had no usable Location; retrying.',
        retryable: true,
        outcomeUnknown: false,
      });
    }
    return new URL(session, base).toString();
  };

  /** The account's channel: `channel_id` when the account names it, else the token's own. */
  const channelOf = async (req: { account: AccountContext; signal: AbortSignal }) => {
    const named = req.account.credentials.channel_id;
    if (named) return named;
    const { body } = await call(req)('GET', api('channels', { part: 'id', mine: 'true' }));
    const id = body.items?.[0]?.id;
    if (typeof id === 'string') return id;
    throw rejected(PLATFORM, 'channel_missing', 'the account has no YouTube channel; reconnect it.');
  };

  /** Processing done → the playlist, then the receipt; still processing → poll again. */
  const settle = async (req: PublishRequest, state: StepState) => {
    const id = String(state.video_id);
    const { body } = await call(req)('GET', api('videos', { part: 'status,processingDetails,snippet', id }));
    const video: PlatformBody | undefined = body.items?.[0];
    const polls = Number(state.polls ?? 0) + 1;
    if (!video) {
      if (polls > MAX_POLLS_UNLISTED) {
        throw rejected(
          PLATFORM,
          'video_missing',
          `video ${id} is no longer on the channel (deleted during processing?).`,
        );
      }
      return { processing: { ...state, polls }, pollAfterMs: POLL_DEFAULT_MS };
    }
    const upload = String(video.status?.uploadStatus ?? '');
    const processing = String(video.processingDetails?.processingStatus ?? '');
    if (
      upload === 'failed' ||
      upload === 'rejected' ||
      upload === 'deleted' ||
      processing === 'failed' ||
      processing === 'terminated'
    ) {
      const why = video.status?.rejectionReason ?? video.status?.failureReason ?? processing ?? upload;
      throw rejected(
        PLATFORM,
        `video_${upload || processing}`,
        `YouTube did not accept video ${id} (${upload || processing}: ${why}).`,
      );
    }
    if (upload !== 'processed' && processing !== 'succeeded') {
      const left = Number(video.processingDetails?.processingProgress?.timeLeftMs);
      const wait = Number.isFinite(left)
        ? Math.min(POLL_MAX_MS, Math.max(POLL_MIN_MS, left))
        : POLL_DEFAULT_MS;
      return { processing: { ...state, polls }, pollAfterMs: wait };
    }
    const receipt = receiptOf(id, video);
    if (typeof state.playlist_id !== 'string') return receipt;
    const refused = await addToPlaylist(req, id, state.playlist_id);
    return refused
      ? withWarning(
          receipt,
          warningOf(
            PLATFORM,
            'playlist_failed',
            `The video is live but not in playlist ${state.playlist_id}`,
            refused,
          ),
        )
      : receipt;
  };

  /**
   * playlistItems.insert, once: a retried check first asks whether the video is in the playlist.
   * The video is live either way ("Live means published", docs/platforms.md), so a playlist
   * YouTube refuses (not found, not the user's) comes back as the refusal, for a warning on the
   * receipt; transient failures and an expired token are thrown, and the check retried.
   */
  const addToPlaylist = async (
    req: PublishRequest,
    videoId: string,
    playlistId: string,
  ): Promise<PublishError | undefined> => {
    try {
      const { body } = await call(req)('GET', api('playlistItems', { part: 'id', playlistId, videoId }));
      if (Array.isArray(body.items) && body.items.length > 0) return undefined;
      const item = { snippet: { playlistId, resourceId: { kind: 'youtube#video', videoId } } };
      await call(req)('POST', api('playlistItems', { part: 'snippet' }), JSON.stringify(item));
      return undefined;
    } catch (err) {
      if (failedForGood(err)) return err;
      throw err;
    }
  };

  /** The one video of the post, open for ranged reads. */
  const openVideo = async (req: PublishRequest) => {
    const [file] = req.media;
    if (!file || req.media.length !== 1)
      throw rejected(PLATFORM, 'media', 'takes exactly one video per post.');
    const video = await file.open();
    const { contentType } = video;
    if (!contentType.startsWith('video/') && contentType !== 'application/octet-stream') {
      throw rejected(PLATFORM, 'media_type', `takes video files only, not ${contentType}.`);
    }
    return video;
  };

  /** The parts of a transfer every session call shares. */
  const transferOf = (req: PublishRequest, video: MediaReader): Omit<ResumableUpload, 'openSession'> => ({
    platform: PLATFORM,
    file: video,
    contentType: video.contentType,
    chunkBytes,
    accessToken: req.account.credentials.access_token ?? '',
    signal: req.signal,
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    reasons: YOUTUBE_REASONS,
  });

  /** Where the upload session `prepared` names stands; undefined when it names none, or none is kept. */
  const uploadStatus = async (req: PublishRequest, prepared: StepState) => {
    const key = prepared.upload_key;
    const session = typeof key === 'string' ? await req.uploadSession?.(key) : undefined;
    if (!session) return undefined;
    return sessionStatus(
      {
        platform: PLATFORM,
        contentType: 'application/octet-stream',
        accessToken: req.account.credentials.access_token ?? '',
        signal: req.signal,
        ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
        reasons: YOUTUBE_REASONS,
      },
      session,
      Number(prepared.size),
    );
  };

  return {
    platform: PLATFORM,

    async upload(req, ledger) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const video = await openVideo(req);
      const kept = await ledger.session();
      const sent = await uploadUntilFinalChunk(
        {
          ...transferOf(req, video),
          ...(kept ? { resume: kept } : {}),
          // A session the platform says is gone is forgotten before a new one is kept.
          openSession: async () => {
            await ledger.forget();
            return startUpload(req, video.size, video.contentType);
          },
          keep: (session) => ledger.keep(session),
          acknowledged: (offset) => ledger.progress(offset, video.size),
        },
        policy,
      );
      // A session that completed already (only a publish call sends the final chunk, so only an
      // earlier publish of this upload could have): the publish call asks it and finds the video.
      const offset = 'offset' in sent ? sent.offset : video.size;
      ledger.progress(offset, video.size);
      return { upload_key: ledger.key, size: video.size, offset };
    },

    async publish(req, prepared) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const video = await openVideo(req);
      const key = typeof prepared.upload_key === 'string' ? prepared.upload_key : undefined;
      // The upload step sent all but the final chunk: this call finishes its session, from the
      // offset the server acknowledges when asked. A session gone meanwhile published nothing: the step
      // uploads again, in a new one (a plain retry).
      const session = key ? await req.uploadSession?.(key) : undefined;
      if (key && !session) throw uploadLost();
      const uploaded = await uploadInChunks(
        {
          ...transferOf(req, video),
          // A fresh session is also how an expired one is replaced: it creates nothing.
          openSession: () => startUpload(req, video.size, video.contentType),
          // It asks the session where it stands first: a retry after a lost final chunk, or a
          // cut-off upload attempt that went on, may have left more than the step's offset.
          ...(session ? { resume: session, whenGone: 'fail' as const } : {}),
        },
        policy,
      );
      const playlist = req.target.options.playlist_id;
      const state: StepState = {
        video_id: String(uploaded.id),
        ...(typeof playlist === 'string' ? { playlist_id: playlist } : {}),
      };
      return { processing: state, pollAfterMs: POLL_MIN_MS };
    },

    /**
     * What the upload step prepared for a publish call since proven absent: its session, while
     * it stands incomplete, is reused (its final chunk is the only way to complete it, so a late
     * first call and this one make one video); completed means that call landed after all.
     */
    async reusable(req, prepared) {
      const status = await uploadStatus(req, prepared);
      if (!status || status.kind === 'gone') return 'renew';
      return status.kind === 'done' ? 'taken' : 'reuse';
    },

    async checkPublished(req, state) {
      return settle(req, state);
    },

    async findExisting(req, prepared) {
      // The upload session of the lost call knows exactly: complete with the video, or not.
      const status = prepared && (await uploadStatus(req, prepared));
      if (status?.kind === 'done') return receiptOf(String(status.video.id), status.video);
      if (status?.kind === 'incomplete') return null;
      const channel = req.account.credentials.channel_id;
      const { body: channels } = await call(req)(
        'GET',
        api('channels', { part: 'contentDetails', ...(channel ? { id: channel } : { mine: 'true' }) }),
      );
      const uploads = channels.items?.[0]?.contentDetails?.relatedPlaylists?.uploads;
      if (typeof uploads !== 'string') return null;
      const title = titleOf(req);
      const description = req.content.text;
      // The uploads playlist lists the channel's videos newest first, private and processing ones
      // included for their owner: page after page (`pageToken`) back to the delivery's start.
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the channel has more than ${MAX_LOOKUP_PAGES * RECONCILE_WINDOW} uploads`,
        read: async (pageToken) => {
          const { body } = await call(req)(
            'GET',
            api('playlistItems', {
              part: 'snippet,contentDetails',
              playlistId: uploads,
              maxResults: String(RECONCILE_WINDOW),
              ...(pageToken ? { pageToken } : {}),
            }),
          );
          return pageOf(body);
        },
        until: { since: req.since, createdAt: (item) => item.snippet?.publishedAt },
        matches: (item) =>
          postedSince(item.snippet?.publishedAt, req.since) &&
          sameText(item.snippet?.title, title) &&
          sameText(item.snippet?.description, description),
      });
      if (!found) return null;
      return receiptOf(String(found.contentDetails?.videoId ?? found.snippet?.resourceId?.videoId), found);
    },

    async comment(req) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const videoId = req.post.platformPostId;
      const thread = {
        snippet: {
          channelId: await channelOf(req),
          videoId,
          topLevelComment: { snippet: { textOriginal: req.text } },
        },
      };
      const { body } = await call(req, true)(
        'POST',
        api('commentThreads', { part: 'snippet' }),
        JSON.stringify(thread),
      );
      return commentReceipt(videoId, String(body.snippet?.topLevelComment?.id ?? body.id));
    },

    async findComment(req) {
      const channel = await channelOf(req);
      const videoId = req.post.platformPostId;
      const published = (thread: PlatformBody) => thread.snippet?.topLevelComment?.snippet?.publishedAt;
      // Newest first (`order=time`), page after page back to the comment step's start.
      const found = await searchWindow<PlatformBody>({
        platform: PLATFORM,
        what: `the video has more than ${MAX_LOOKUP_PAGES * COMMENT_WINDOW} comments`,
        read: async (pageToken) => {
          const { body } = await call(req)(
            'GET',
            api('commentThreads', {
              part: 'snippet',
              videoId,
              order: 'time',
              textFormat: 'plainText',
              maxResults: String(COMMENT_WINDOW),
              ...(pageToken ? { pageToken } : {}),
            }),
          );
          return pageOf(body);
        },
        until: { since: req.since, createdAt: published },
        matches: (thread) => {
          const comment = thread.snippet?.topLevelComment?.snippet ?? {};
          return (
            comment.authorChannelId?.value === channel &&
            // textOriginal is given to the comment's author, which the channel is here.
            sameText(comment.textOriginal ?? comment.textDisplay, req.text) &&
            postedSince(comment.publishedAt, req.since)
          );
        },
      });
      return found ? commentReceipt(videoId, String(found.snippet?.topLevelComment?.id ?? found.id)) : null;
    },

    /**
     * `GET /youtube/v3/videos?part=statistics&id=…` (videos.list, 1 quota unit): `likeCount`,
     * `commentCount` and `viewCount` (in `extra` as `views`), uint64 counts sent as strings. A
     * video no longer on YouTube is absent from `items`. YouTube reports no shares or saves
     * (`favoriteCount` is deprecated, always 0); `dislikeCount` is private and not read.
     */
    async fetchMetrics(req) {
      assertTokenFresh(PLATFORM, req.account.credentials);
      const { body } = await call(req)(
        'GET',
        api('videos', { part: 'statistics', id: req.post.platformPostId }),
      );
      const video: PlatformBody | undefined = body.items?.[0];
      if (!video) return null; // deleted on YouTube
      const stats: PlatformBody = video.statistics ?? {};
      const n = (key: string) => (Number.isFinite(Number(stats[key])) ? Number(stats[key]) : 0);
      return {
        likes: n('likeCount'),
        comments: n('commentCount'),
        shares: 0,
        saves: 0,
        extra: { views: n('viewCount') },
      };
    },

    async unpublish(req) {
      try {
        await call(req)('DELETE', api('videos', { id: req.platformPostId }));
      } catch (err) {
        if (isNotFound(err)) return 'deleted'; // gone already
        throw err;
      }
      return 'deleted';
    },

    refresh: googleRefresh(PLATFORM, options),
  };
}

const titleOf = (req: PublishRequest) => String(req.content.title ?? req.target.options.title ?? '');

/**
 * The video resource from the post and its options (socialapi-contract §5 keys, checked by
 * platforms/google/youtube/descriptor.ts). `publish_at` schedules the video: YouTube requires it private
 * until then. `made_for_kids` is `status.selfDeclaredMadeForKids`, the writable field.
 */
function videoResource(req: PublishRequest) {
  const o = req.target.options;
  const tags = Array.isArray(o.tags)
    ? o.tags.map(String)
    : typeof o.tags === 'string'
      ? o.tags
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean)
      : [];
  const snippet = {
    title: titleOf(req),
    description: req.content.text,
    ...(tags.length ? { tags } : {}),
    categoryId: String(o.category_id ?? '22'), // 22 "People & Blogs", YouTube's own upload default
    ...(o.default_language ? { defaultLanguage: String(o.default_language) } : {}),
  };
  const publishAt = typeof o.publish_at === 'string' ? o.publish_at : undefined;
  const status = {
    privacyStatus: publishAt ? 'private' : (PRIVACY[req.content.visibility ?? 'public'] ?? 'public'),
    ...(publishAt ? { publishAt } : {}),
    ...flag('selfDeclaredMadeForKids', o.made_for_kids),
    ...flag('embeddable', o.embeddable),
    ...flag('publicStatsViewable', o.public_stats_viewable),
    ...flag('containsSyntheticMedia', o.contains_synthetic_media),
    ...(o.license ? { license: String(o.license) } : {}),
  };
  const recording =
    typeof o.recording_date === 'string' ? { recordingDetails: { recordingDate: o.recording_date } } : {};
  return {
    resource: { snippet, status, ...recording },
    parts: ['snippet', 'status', ...(recording.recordingDetails ? ['recordingDetails'] : [])].join(','),
    notify: o.notify_subscribers !== false,
  };
}

const flag = (key: string, value: unknown) => (typeof value === 'boolean' ? { [key]: value } : {});

/** A comment's link: the video's watch page with the comment highlighted (`lc`). */
function commentReceipt(videoId: string, commentId: string): CommentReceipt {
  const query = new URLSearchParams({ v: videoId, lc: commentId });
  return { commentId, permalink: `https://www.youtube.com/watch?${query}` };
}

function receiptOf(id: string, video: PlatformBody): DeliveryReceipt {
  return {
    platformPostId: id,
    permalink: `https://www.youtube.com/watch?v=${encodeURIComponent(id)}`,
    publishedAt: new Date(String(video.snippet?.publishedAt ?? Date.now())).toISOString(),
  };
}

/** A Data API list page: its items, and `nextPageToken` where there are more. */
function pageOf(body: PlatformBody): LookupPage<PlatformBody> {
  return {
    items: Array.isArray(body.items) ? body.items : [],
    next: typeof body.nextPageToken === 'string' ? body.nextPageToken : undefined,
  };
}

/** The session the upload step kept is not in Postflow's store (purged, or a store restored): upload again. */
const uploadLost = () =>
  new PublishError({
    category: 'platform',
    caused_by: 'internal',
    code: 'platform.youtube.upload_session_lost',
    message:
      'youtube: the upload session prepared for this publish is no longer kept; nothing was published, uploading again.',
    retryable: true,
    outcomeUnknown: false,
  });

import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface TikTokPost {
  /** The public post id TikTok reveals once the post is processed (and moderated). */
  id: string;
  publishId: string;
  kind: 'video' | 'photo';
  text: string;
  title?: string;
  media: number;
  postInfo: Record<string, unknown>;
  sourceInfo: Record<string, unknown>;
  /** Status fetches left before the post completes. */
  pollsLeft: number;
  failReason?: string;
}

/** What creator_info/query answers; tests change it to play other creators. */
export interface Creator {
  creator_username: string;
  creator_nickname: string;
  privacy_level_options: string[];
  comment_disabled: boolean;
  duet_disabled: boolean;
  stitch_disabled: boolean;
  max_video_post_duration_sec: number;
}

const VIDEO_TYPES = ['video/mp4', 'video/webm', 'video/quicktime'];
const PHOTO_TYPES = ['image/jpeg', 'image/webp'];

/**
 * TikTok's Content Posting API as documented (developers.tiktok.com, Direct Post, Get Post Status,
 * OAuth token management): creator info, video/photo init with PULL_FROM_URL (the fake fetches the
 * URL, like TikTok, and checks its type), status PROCESSING_DOWNLOAD → PUBLISH_COMPLETE with
 * `publicaly_available_post_id` as raw int64s, `{ data, error: { code, message, log_id } }` bodies,
 * and the rotating refresh-token grant. No list and no delete: TikTok's posting API has neither.
 */
export class TikTokFake extends FakePlatform {
  readonly posts: TikTokPost[] = [];
  creator: Creator = {
    creator_username: 'postflow.creator',
    creator_nickname: 'Postflow',
    privacy_level_options: ['PUBLIC_TO_EVERYONE', 'MUTUAL_FOLLOW_FRIENDS', 'SELF_ONLY'],
    comment_disabled: false,
    duet_disabled: false,
    stitch_disabled: false,
    max_video_post_duration_sec: 600,
  };
  /** The creator reached TikTok's daily cap: creator_info answers `spam_risk_too_many_posts`. */
  postingCapReached = false;
  /** URL prefixes the app verified; undefined: every URL counts as verified. */
  verifiedPrefixes?: string[];
  /** Status fetches a post stays in processing. */
  processingPolls = 1;
  readonly clients = new Map([['client-key-1', 'client-secret-1']]);

  override oauthApp() {
    const [[clientId, clientSecret]] = [...this.clients];
    return { clientId: clientId!, clientSecret: clientSecret! };
  }
  private posted = 0;

  constructor() {
    super('tiktok');
    this.routes.push(...this.endpoints());
  }

  /** An account's credentials: a token pair of the fake's OAuth client. */
  credentials(): Record<string, string> {
    return {
      ...this.issueTokens('client-key-1'),
      expires_at: new Date(Date.now() + 86_400_000).toISOString(),
    };
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest) => FakeResponse | Promise<FakeResponse>) =>
      (req: FakeRequest): FakeResponse | Promise<FakeResponse> =>
        req.bearer && this.accessTokens.has(req.bearer)
          ? handle(req)
          : error(401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
    return [
      {
        method: 'POST',
        path: '/v2/post/publish/creator_info/query/',
        // A creator at TikTok's daily cap gets the spam-risk error instead (Direct Post reference).
        handle: authed(() =>
          this.postingCapReached
            ? error(
                403,
                'spam_risk_too_many_posts',
                'The daily post cap from the current user has been reached.',
              )
            : ok({ creator_avatar_url: 'https://p16.tiktokcdn.example/avatar.jpeg', ...this.creator }),
        ),
      },
      {
        method: 'POST',
        path: '/v2/post/publish/video/init/',
        handle: authed((req) => this.init(req, 'video')),
      },
      {
        method: 'POST',
        path: '/v2/post/publish/content/init/',
        handle: authed((req) => this.init(req, 'photo')),
      },
      { method: 'POST', path: '/v2/post/publish/status/fetch/', handle: authed((req) => this.status(req)) },
      { method: 'POST', path: '/v2/oauth/token/', handle: (req) => this.token(req) },
      this.consentRoute('/v2/auth/authorize/', (key) => this.clients.has(key), 'client_key'),
      {
        method: 'GET',
        path: '/v2/user/info/',
        handle: authed((req) => {
          const profile: Record<string, string> = {
            open_id: 'open-id-1',
            union_id: 'union-id-1',
            avatar_url: 'https://p16-sign.tiktokcdn.example/avatar.jpeg',
            display_name: 'Postflow Test',
            username: 'postflow.test',
          };
          const fields = (req.query.get('fields') ?? '').split(',');
          return ok({
            user: Object.fromEntries(Object.entries(profile).filter(([key]) => fields.includes(key))),
          });
        }),
      },
    ];
  }

  private async init(req: FakeRequest, kind: 'video' | 'photo'): Promise<FakeResponse> {
    const postInfo = (req.body.post_info ?? {}) as Record<string, unknown>;
    const sourceInfo = (req.body.source_info ?? {}) as Record<string, unknown>;
    const privacy = String(postInfo.privacy_level ?? '');
    if (!this.creator.privacy_level_options.includes(privacy)) {
      return error(
        403,
        'privacy_level_option_mismatch',
        "privacy_level is not one of the creator's options.",
      );
    }
    if (sourceInfo.source !== 'PULL_FROM_URL') {
      return error(400, 'invalid_params', 'This fake only implements PULL_FROM_URL.');
    }
    const urls: string[] =
      kind === 'video' ? [String(sourceInfo.video_url ?? '')] : ((sourceInfo.photo_images as string[]) ?? []);
    if (kind === 'photo' && (req.body.media_type !== 'PHOTO' || req.body.post_mode !== 'DIRECT_POST')) {
      return error(400, 'invalid_params', 'media_type must be PHOTO and post_mode DIRECT_POST.');
    }
    if (!urls.length || urls.some((u) => !u)) return error(400, 'invalid_params', 'No media URL.');
    if (this.verifiedPrefixes && urls.some((u) => !this.verifiedPrefixes!.some((p) => u.startsWith(p)))) {
      return error(403, 'url_ownership_unverified', "The media URL's domain or prefix is not verified.");
    }
    const title = String(postInfo.title ?? '');
    if (kind === 'video' && title.length > 2200) return error(400, 'invalid_params', 'title is too long.');
    this.posted += 1;
    const post: TikTokPost = {
      id: String(7_300_000_000_000_000_000n + BigInt(this.posted) * 1_000_003n),
      publishId: `v_pub_url~v2-1.${this.nextId()}`,
      kind,
      text: kind === 'video' ? title : String(postInfo.description ?? ''),
      ...(kind === 'photo' && postInfo.title ? { title: String(postInfo.title) } : {}),
      media: urls.length,
      postInfo,
      sourceInfo,
      pollsLeft: this.processingPolls,
    };
    // TikTok pulls the media after answering; the fake pulls it now and fails the post if it cannot.
    post.failReason = await pull(urls, kind);
    this.posts.push(post);
    return ok({ publish_id: post.publishId });
  }

  private status(req: FakeRequest): FakeResponse {
    const post = this.posts.find((p) => p.publishId === req.body.publish_id);
    if (!post) return error(400, 'invalid_publish_id', 'publish_id does not exist.');
    if (post.failReason) {
      return raw({ status: 'FAILED', fail_reason: post.failReason, publicaly_available_post_id: [] });
    }
    if (post.pollsLeft > 0) {
      post.pollsLeft -= 1;
      return raw({ status: 'PROCESSING_DOWNLOAD', downloaded_bytes: 0, publicaly_available_post_id: [] });
    }
    // Private posts never get a public id; public ones do once moderated.
    const ids = post.postInfo.privacy_level === 'SELF_ONLY' ? [] : [post.id];
    return raw({ status: 'PUBLISH_COMPLETE', publicaly_available_post_id: [] }, ids);
  }

  private token(req: FakeRequest): FakeResponse {
    const { client_key: key, client_secret: secret, grant_type: grant, refresh_token: refresh } = req.body;
    if (!key || this.clients.get(key) !== secret) {
      return {
        status: 401,
        body: {
          error: 'invalid_client',
          error_description: 'Client key or secret is invalid.',
          log_id: logId(),
        },
      };
    }
    if (grant !== 'refresh_token' && grant !== 'authorization_code') {
      return {
        status: 400,
        body: {
          error: 'unsupported_grant_type',
          error_description: 'Grant type is not supported.',
          log_id: logId(),
        },
      };
    }
    const pair =
      grant === 'authorization_code'
        ? this.redeemCode(req.body, key)
        : this.rotate(String(refresh ?? ''), key);
    if (!pair) {
      return {
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: 'Refresh token is invalid or expired.',
          log_id: logId(),
        },
      };
    }
    return {
      status: 200,
      body: {
        open_id: 'open-id-1',
        scope: 'user.info.basic,video.publish',
        access_token: pair.access_token,
        expires_in: 86_400,
        refresh_token: pair.refresh_token,
        refresh_expires_in: 31_536_000,
        token_type: 'Bearer',
      },
    };
  }
}

async function pull(urls: string[], kind: 'video' | 'photo'): Promise<string | undefined> {
  for (const url of urls) {
    const response = await fetch(url).catch(() => undefined);
    if (!response?.ok) return kind === 'video' ? 'video_pull_failed' : 'photo_pull_failed';
    const type = (response.headers.get('content-type') ?? '').split(';')[0]!;
    if (!(kind === 'video' ? VIDEO_TYPES : PHOTO_TYPES).includes(type)) return 'file_format_check_failed';
    await response.arrayBuffer();
  }
  return undefined;
}

const logId = () => `2026${Math.random().toString(16).slice(2, 14)}`;

function ok(data: unknown): FakeResponse {
  return { status: 200, body: { data, error: { code: 'ok', message: '', log_id: logId() } } };
}

/** A status answer written by hand: post ids are int64s JSON numbers cannot hold exactly. */
function raw(data: Record<string, unknown>, ids: string[] = []): FakeResponse {
  const json = JSON.stringify({ data, error: { code: 'ok', message: '', log_id: logId() } });
  return {
    status: 200,
    headers: { 'content-type': 'application/json; charset=UTF-8' },
    body: json.replace(
      '"publicaly_available_post_id":[]',
      `"publicaly_available_post_id":[${ids.join(',')}]`,
    ),
  };
}

export function error(status: number, code: string, message: string): FakeResponse {
  return { status, body: { data: {}, error: { code, message, log_id: logId() } } };
}

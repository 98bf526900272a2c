import type { DeliveryReceipt } from '../../api/types';
import {
  type AccountContext,
  type AdapterOptions,
  type CommentRequest,
  type JsonValue,
  type MediaFile,
  type PlatformAdapter,
  type Prepared,
  PublishError,
  type PublishRequest,
  type StepState,
} from '../kit/adapter';
import { imageSize, mentionedHandles, postRecord, recordKeyFor } from './facets';
import {
  type FailureRule,
  platformFailure,
  type PlatformBody,
  rejected,
  resetAfterMs,
  retryAfterMs,
  ruleForStatus,
} from '../kit/http';
import { bearerCaller } from '../kit/call';
import { continueThread, startThread, type ThreadPost, type ThreadReplies } from '../kit/thread';
import { PUBLIC_ONLY } from '../../net/guard';

const PLATFORM = 'bluesky';
const DEFAULT_SERVICE = 'https://bsky.social';
const VIDEO_SERVICE = 'https://video.bsky.app';
const COLLECTION = 'app.bsky.feed.post';
/** app.bsky.embed.images has long capped each image at 1,000,000 bytes (newer lexicons: 2 MB). */
const IMAGE_MAX_BYTES = 1_000_000;
/** How often to ask the video service about an upload it is processing. */
const VIDEO_POLL_MS = 3_000;
/** A session about to expire is refreshed first, so it does not expire during the publish call. */
const SESSION_MARGIN_MS = 60_000;
/** Service-auth tokens for the video service: the docs advise 30 minutes for large uploads. */
const SERVICE_AUTH_TTL_S = 30 * 60;

/**
 * XRPC errors (atproto.com/specs/xrpc: `{ "error": Name, "message" }`), by name, from the
 * lexicons' declared errors and the reference PDS. Names not listed fall back to the status.
 * The PDS answers a second createRecord at an existing rkey with a bare 500 InternalServerError:
 * by status, "may have acted", so the engine reconciles and finds the first post.
 */
const ERRORS: Record<string, FailureRule & { hint?: string }> = {
  InvalidRequest: { category: 'validation', code: 'invalid_request' },
  BlobTooLarge: { category: 'validation', code: 'blob_too_large' },
  ExpiredToken: { category: 'auth', code: 'expired_token', refreshable: true },
  InvalidToken: { category: 'auth', code: 'invalid_token', refreshable: true },
  AuthenticationRequired: { category: 'auth', code: 'auth', refreshable: true },
  AuthMissing: { category: 'auth', code: 'auth', refreshable: true },
  AuthFactorTokenRequired: {
    category: 'auth',
    code: 'auth_factor_required',
    hint: 'the account asks for an email code at sign-in: connect it with an app password.',
  },
  AccountTakedown: { category: 'auth', code: 'account_takedown', hint: 'the account was taken down.' },
  AccountDeactivated: {
    category: 'auth',
    code: 'account_deactivated',
    hint: 'the account is deactivated; reactivate it on Bluesky.',
  },
  RateLimitExceeded: { category: 'rate_limit', code: 'rate_limit', retryable: true },
};
type Body = PlatformBody;
type Loaded = Awaited<ReturnType<MediaFile['load']>>;
type Mentions = Record<string, string>;
interface Call {
  method?: 'GET' | 'POST';
  query?: Record<string, string>;
  json?: unknown;
  bytes?: { data: Buffer; contentType: string };
  token?: string;
  irreversible?: boolean;
}

/**
 * Bluesky (AT Protocol), on the account's PDS: `service` (default https://bsky.social),
 * `identifier` (handle or DID) and `app_password` in the credentials; `refresh` signs in
 * (`com.atproto.server.createSession`) or renews the session (`refreshSession`) and caches it
 * as `access_token`, `refresh_token`, `expires_at`, `did`, `handle`, `pds_url`.
 *
 * prepare: mentions resolved to DIDs, images uploaded as blobs, a video sent to Bluesky's video
 * service and polled until processed; publish: `createRecord` at a record key derived from the
 * delivery, so a repeated publish cannot post twice; reconcile: `getRecord` at that key. A first
 * comment is a reply record (`reply: { root, parent }`, strong refs to the post) at a key derived
 * from the comment's ref in the same way, looked up with `getRecord` there. A thread (the post's
 * `segments`) continues in `checkPublished`, one reply record per step, each at a key derived
 * from the delivery and its index (kit/thread.ts); a first comment goes under the root.
 */
export function createBlueskyAdapter(options: AdapterOptions = {}): PlatformAdapter {
  const serviceOf = (account: AccountContext) =>
    (account.credentials.service || options.baseUrl || DEFAULT_SERVICE).replace(/\/$/, '');
  /**
   * Servers Postflow's configuration names (the default PDS and video service, or their
   * POSTFLOW_BLUESKY_API_URL / _VIDEO_URL overrides). Any other, named by the account's
   * `service` or `video_service`, is SSRF-guarded on every call.
   */
  const configured = new Set(
    [options.baseUrl || DEFAULT_SERVICE, options.env?.POSTFLOW_BLUESKY_VIDEO_URL || VIDEO_SERVICE].map(
      originOf,
    ),
  );
  const caller = bearerCaller({
    platform: PLATFORM,
    baseUrl: '', // each call names its server: the PDS, the video service
    ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}),
    headers: { accept: 'application/json' },
    userHost: (url) => (configured.has(originOf(url)) ? undefined : (options.outbound ?? PUBLIC_ONLY)),
    failure,
  });

  const xrpc = async (base: string, nsid: string, signal: AbortSignal, call: Call = {}) => {
    const url = new URL(`${base}/xrpc/${nsid}`);
    for (const [key, value] of Object.entries(call.query ?? {})) url.searchParams.set(key, value);
    const send = caller({ signal }, !!call.irreversible);
    const { body } = await send({
      method: call.method ?? (call.json === undefined && !call.bytes ? 'GET' : 'POST'),
      path: url.toString(),
      ...(call.token ? { token: call.token } : {}),
      ...(call.json !== undefined ? { json: call.json } : {}),
      ...(call.bytes ? { body: call.bytes.data, headers: { 'content-type': call.bytes.contentType } } : {}),
    });
    return body;
  };

  /** The PDS, as the account's cached session. */
  const pds = (req: { account: AccountContext; signal: AbortSignal }) => {
    const { did, token } = session(req.account);
    const base = serviceOf(req.account);
    return {
      did,
      base,
      call: (nsid: string, call: Call = {}) => xrpc(base, nsid, req.signal, { token, ...call }),
    };
  };

  /** A token the PDS signs for another service (`com.atproto.server.getServiceAuth`). */
  const serviceAuth = async (api: ReturnType<typeof pds>, aud: string, lxm: string) => {
    const exp = String(Math.floor(Date.now() / 1000) + SERVICE_AUTH_TTL_S);
    const body = await api.call('com.atproto.server.getServiceAuth', { query: { aud, lxm, exp } });
    return String(body.token);
  };

  /** Bluesky's video service; the account's own, or `POSTFLOW_BLUESKY_VIDEO_URL` (a proxy, a test fake). */
  const videoService = (account: AccountContext) => {
    const url = account.credentials.video_service || options.env?.POSTFLOW_BLUESKY_VIDEO_URL || VIDEO_SERVICE;
    return url.replace(/\/$/, '');
  };

  /**
   * The recommended video flow (docs.bsky.app/docs/tutorials/video): check the account's daily
   * quota, upload to the video service with a service token for the PDS's `uploadBlob` (the
   * service stores the processed video there), then poll the job until it holds the blob.
   */
  const uploadVideo = async (req: PublishRequest, { bytes, contentType }: Loaded, mentions: Mentions) => {
    const api = pds(req);
    const video = videoService(req.account);
    const limitsToken = await serviceAuth(
      api,
      `did:web:${new URL(video).hostname}`,
      'app.bsky.video.getUploadLimits',
    );
    const limits = await xrpc(video, 'app.bsky.video.getUploadLimits', req.signal, { token: limitsToken });
    if (limits.canUpload === false) {
      throw rejected(
        PLATFORM,
        'video_quota',
        `${limits.message ?? 'the account cannot upload videos now'} (daily video limits, or an unverified email).`,
      );
    }
    const pdsHost = new URL(req.account.credentials.pds_url || api.base).hostname;
    const token = await serviceAuth(api, `did:web:${pdsHost}`, 'com.atproto.repo.uploadBlob');
    const body = await xrpc(video, 'app.bsky.video.uploadVideo', req.signal, {
      token,
      query: { did: api.did, name: `${recordKeyFor(req.ref)}.mp4` },
      bytes: { data: bytes, contentType },
    });
    return jobState(body.jobStatus ?? body, mentions);
  };

  const uploadImage = async (req: PublishRequest, { bytes, contentType }: Loaded) => {
    if (bytes.length > IMAGE_MAX_BYTES) {
      throw rejected(
        PLATFORM,
        'image_too_large',
        `an image is ${bytes.length} bytes; Bluesky takes up to ${IMAGE_MAX_BYTES}. Compress it.`,
      );
    }
    const body = await pds(req).call('com.atproto.repo.uploadBlob', { bytes: { data: bytes, contentType } });
    const size = imageSize(bytes);
    return { image: body.blob as JsonValue, ...(size ? { aspectRatio: size } : {}) };
  };

  /** Mentioned handles that resolve, to their DIDs; the others stay plain text. */
  const resolveMentions = async (req: PublishRequest | CommentRequest, text: string) => {
    const dids: Mentions = {};
    for (const handle of mentionedHandles(text)) {
      try {
        const body = await pds(req).call('com.atproto.identity.resolveHandle', { query: { handle } });
        if (typeof body.did === 'string') dids[handle] = body.did;
      } catch (err) {
        if (!(err instanceof PublishError) || err.failure.category !== 'validation') throw err;
      }
    }
    return dids;
  };

  /** The account's post record at `rkey` (`getRecord`: uri, cid, value), or null where there is none. */
  const recordAt = async (req: PublishRequest | CommentRequest, rkey: string): Promise<Body | null> => {
    const { credentials } = req.account;
    const repo = credentials.did || credentials.identifier;
    if (!repo) return null;
    try {
      return await xrpc(serviceOf(req.account), 'com.atproto.repo.getRecord', req.signal, {
        query: { repo, collection: COLLECTION, rkey },
      });
    } catch (err) {
      if (xrpcError(err) === 'RecordNotFound') return null;
      throw err;
    }
  };

  /**
   * The post as a reply names it (com.atproto.repo.strongRef): its uri and the cid its receipt
   * keeps, or, for a receipt from before receipts kept it, the cid `getRecord` reads.
   */
  const strongRef = async (req: CommentRequest) => {
    const uri = req.post.platformPostId;
    const kept = req.post.metadata?.cid;
    if (typeof kept === 'string' && kept) return { uri, cid: kept };
    const [, , , rkey] = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(uri) ?? [];
    const body = rkey ? await recordAt(req, rkey) : null;
    if (typeof body?.cid !== 'string') {
      throw rejected(PLATFORM, 'post_not_found', `the post ${uri} is gone; there is nothing to reply to.`);
    }
    return { uri, cid: body.cid };
  };

  /**
   * A thread's reply (kit/thread.ts): a reply record naming the root and the previous post by
   * strong ref, at a record key derived from the delivery and the reply's index. The record there,
   * if a previous try made it, is this reply; else it is made, and a repeat is refused by the PDS.
   */
  const thread: ThreadReplies = {
    platform: PLATFORM,
    displayName: 'Bluesky',
    async reply(req, { index, text, chain }) {
      const rkey = recordKeyFor(`${req.ref}/thread/${index}`);
      const parent = chain.at(-1)!;
      const found = await recordAt(req, rkey);
      if (found && found.value?.text === text && found.value?.reply?.parent?.uri === parent.id) {
        return { post: { id: String(found.uri), cid: String(found.cid) } };
      }
      const api = pds(req);
      const mentions = await resolveMentions(req, text);
      const ref = (p: ThreadPost) => ({ uri: p.id, cid: p.cid ?? '' });
      const record = {
        ...postRecord(text, req.target.options, { mentions }),
        reply: { root: ref(chain[0]!), parent: ref(parent) },
      };
      const body = await api.call('com.atproto.repo.createRecord', {
        json: { repo: api.did, collection: COLLECTION, rkey, record },
        irreversible: true,
      });
      return {
        post: { id: String(body.uri ?? `at://${api.did}/${COLLECTION}/${rkey}`), cid: String(body.cid) },
      };
    },
  };

  return {
    platform: PLATFORM,

    async prepare(req): Promise<Prepared> {
      session(req.account);
      const mentions = await resolveMentions(req, req.content.text);
      // URL media has no type until loaded; the bytes are needed for the upload anyway.
      const files: Loaded[] = [];
      for (const file of req.media) files.push(await file.load());
      const odd = files.find((f) => !/^(image|video)\//.test(f.contentType));
      if (odd)
        throw rejected(PLATFORM, 'media_type', `Bluesky takes images and videos, not ${odd.contentType}.`);
      const isVideo = (f: Loaded) => f.contentType.startsWith('video/');
      if (files.length === 1 && isVideo(files[0]!)) return uploadVideo(req, files[0]!, mentions);
      if (files.some(isVideo)) {
        throw rejected(
          PLATFORM,
          'media_mix',
          'Bluesky takes one video alone, or up to 4 images; post the video by itself.',
        );
      }
      const images: JsonValue[] = [];
      for (const file of files) images.push(await uploadImage(req, file));
      return { ready: { images, mentions } };
    },

    async checkPrepared(req, state) {
      const body = await xrpc(videoService(req.account), 'app.bsky.video.getJobStatus', req.signal, {
        query: { jobId: String(state.job_id) },
      });
      return jobState(body.jobStatus ?? {}, (state.mentions ?? {}) as Mentions);
    },

    async publish(req, prepared: StepState) {
      const api = pds(req);
      const rkey = recordKeyFor(req.ref);
      const record = postRecord(req.content.text, req.target.options, prepared);
      const body = await api.call('com.atproto.repo.createRecord', {
        json: { repo: api.did, collection: COLLECTION, rkey, record },
        irreversible: true,
      });
      const uri = String(body.uri ?? `at://${api.did}/${COLLECTION}/${rkey}`);
      return startThread(req, receipt(uri, record.createdAt, body.cid), { id: uri, cid: String(body.cid) });
    },

    /**
     * A post found after a lost answer goes on with its thread's replies (at derived record keys:
     * a repeat is refused), its receipt's `metadata.cid` naming the root in their strong refs.
     */
    continueFound: (req, found) =>
      startThread(req, found, { id: found.platformPostId, cid: String(found.metadata?.cid ?? '') }),

    async checkPublished(req, state) {
      return continueThread(req, state, thread);
    },

    async fetchMetrics(req) {
      // app.bsky.feed.getPosts through the PDS (which proxies it to the AppView): the post view
      // carries its counts; a deleted post is left out of the answer.
      const body = await pds(req).call('app.bsky.feed.getPosts', {
        query: { uris: req.post.platformPostId },
      });
      const view = (Array.isArray(body.posts) ? body.posts : []).find(
        (p: Body) => p.uri === req.post.platformPostId,
      ) as Body | undefined;
      if (!view) return null;
      const n = (value: unknown) => (typeof value === 'number' ? value : 0);
      return {
        likes: n(view.likeCount),
        comments: n(view.replyCount),
        shares: n(view.repostCount),
        saves: n(view.bookmarkCount),
        extra: { quotes: n(view.quoteCount) },
      };
    },

    async findExisting(req) {
      const body = await recordAt(req, recordKeyFor(req.ref));
      // The key is derived from this delivery; the text check guards against a stray collision.
      if (!body || String(body.value?.text ?? '') !== req.content.text) return null;
      return receipt(String(body.uri), String(body.value?.createdAt ?? new Date().toISOString()), body.cid);
    },

    /**
     * A reply to the post (root and parent: Postflow's posts are no replies), at the record key
     * derived from the comment's ref: a repeated call is refused by the PDS, never a second reply.
     */
    async comment(req) {
      const api = pds(req);
      const post = await strongRef(req);
      const mentions = await resolveMentions(req, req.text);
      const record = {
        ...postRecord(req.text, req.target.options, { mentions }),
        reply: { root: post, parent: post },
      };
      const rkey = recordKeyFor(req.ref);
      const body = await api.call('com.atproto.repo.createRecord', {
        json: { repo: api.did, collection: COLLECTION, rkey, record },
        irreversible: true,
      });
      return commentReceipt(String(body.uri ?? `at://${api.did}/${COLLECTION}/${rkey}`));
    },

    async findComment(req) {
      const body = await recordAt(req, recordKeyFor(req.ref));
      const value: Body = body?.value ?? {};
      // The key is derived from the comment's ref; text and parent guard against a stray collision.
      if (value.text !== req.text || value.reply?.parent?.uri !== req.post.platformPostId) return null;
      return commentReceipt(String(body!.uri));
    },

    async unpublish(req) {
      const [, repo, collection, rkey] = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(req.platformPostId) ?? [];
      if (!repo || collection !== COLLECTION) return 'not_supported';
      try {
        // deleteRecord succeeds when the record is gone already (lexicon semantics).
        await pds(req).call('com.atproto.repo.deleteRecord', { json: { repo, collection, rkey } });
      } catch (err) {
        if (xrpcError(err) !== 'RecordNotFound') throw err;
      }
      return 'deleted';
    },

    /**
     * Signs in with the app password (`createSession`) and reads the profile (`getProfile`, the
     * PDS proxies it to the AppView). The session is not kept: the first publish signs in again.
     */
    async verifyCredentials(account, signal) {
      const base = serviceOf(account);
      const { identifier, app_password: password } = account.credentials;
      let signedIn: Body;
      try {
        signedIn = await xrpc(base, 'com.atproto.server.createSession', signal, {
          json: { identifier, password },
        });
      } catch (err) {
        throw xrpcError(err) === 'AuthFactorTokenRequired'
          ? reconnect(
              new Error('this is the main password; create an app password in Settings → App passwords'),
            )
          : reconnect(err);
      }
      const did = String(signedIn.did);
      const profile = await xrpc(base, 'app.bsky.actor.getProfile', signal, {
        query: { actor: did },
        token: String(signedIn.accessJwt),
      });
      return {
        id: did,
        username: String(profile.handle ?? signedIn.handle),
        ...(profile.displayName ? { name: String(profile.displayName) } : {}),
        ...(profile.avatar ? { pictureUrl: String(profile.avatar) } : {}),
      };
    },

    async refresh(account) {
      const { credentials } = account;
      const base = serviceOf(account);
      const signal = new AbortController().signal;
      if (credentials.refresh_token) {
        try {
          return sessionFields(
            await xrpc(base, 'com.atproto.server.refreshSession', signal, {
              method: 'POST',
              token: credentials.refresh_token,
            }),
          );
        } catch (err) {
          // A dead refresh token: sign in again with the app password, where the account has one.
          if (!isAuth(err) || !credentials.app_password) throw reconnect(err);
        }
      }
      if (!credentials.identifier || !credentials.app_password) {
        throw reconnect(new Error('the account has no identifier and app_password to sign in with'));
      }
      try {
        return sessionFields(
          await xrpc(base, 'com.atproto.server.createSession', signal, {
            json: { identifier: credentials.identifier, password: credentials.app_password },
          }),
        );
      } catch (err) {
        throw reconnect(err);
      }
    },
  };
}

/** A URL's origin; undefined for a malformed one (URL.parse is newer than Node 20.3). */
function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** A video job's state (app.bsky.video.defs#jobStatus): its blob once processed. */
function jobState(status: Body, mentions: Mentions): Prepared {
  // A video processed before comes back as an error (`already_exists`) that still holds the blob.
  if (status.blob) return { ready: { video: status.blob, mentions } };
  if (status.state === 'JOB_STATE_FAILED' || status.error) {
    throw rejected(
      PLATFORM,
      'video_failed',
      `the video service could not process the video: ${status.message ?? status.error ?? 'failed'}.`,
    );
  }
  return { processing: { job_id: String(status.jobId), mentions }, pollAfterMs: VIDEO_POLL_MS };
}

/** The account's cached session; without a live one, a refreshable failure makes the engine sign in. */
function session(account: AccountContext, now = Date.now()): { did: string; token: string } {
  const { access_token: token, did, expires_at: expiresAt } = account.credentials;
  const expired = expiresAt !== undefined && Date.parse(expiresAt) - SESSION_MARGIN_MS <= now;
  if (token && did && !expired) return { did, token };
  throw new PublishError({
    category: 'auth',
    caused_by: 'user',
    code: `platform.${PLATFORM}.session`,
    message: `${PLATFORM}: ${token ? `the session expired at ${expiresAt}` : 'no session yet'}; signing in again.`,
    retryable: false,
    outcomeUnknown: false,
    refreshable: true,
  });
}

/** A createSession/refreshSession answer as the account's credentials keep it. */
function sessionFields(body: Body): Record<string, string> {
  const fields: Record<string, string> = {
    access_token: String(body.accessJwt),
    refresh_token: String(body.refreshJwt),
    did: String(body.did),
    handle: String(body.handle ?? ''),
  };
  const exp = jwtExpiry(String(body.accessJwt));
  if (exp) fields.expires_at = exp;
  const pdsUrl = (body.didDoc?.service ?? []).find((s: Body) =>
    String(s.id).endsWith('#atproto_pds'),
  )?.serviceEndpoint;
  if (typeof pdsUrl === 'string') fields.pds_url = pdsUrl;
  return fields;
}

/** The `exp` of a JWT (the access token's lifetime is the PDS's to choose: 2 h on bsky.social). */
function jwtExpiry(jwt: string): string | undefined {
  try {
    const { exp } = JSON.parse(Buffer.from(jwt.split('.')[1] ?? '', 'base64url').toString('utf8'));
    return typeof exp === 'number' ? new Date(exp * 1000).toISOString() : undefined;
  } catch {
    return undefined;
  }
}

function failure(response: Response, body: Body, irreversible: boolean) {
  const name = typeof body.error === 'string' ? body.error : undefined;
  const known = name ? ERRORS[name] : undefined;
  const rule = known ?? ruleForStatus(response.status);
  const reason = known?.hint ?? String(body.message ?? body.error ?? body.text ?? response.statusText);
  // The PDS's rate limiter sends RateLimit-Reset as epoch seconds (draft-polli-ratelimit-headers).
  const retryAfter =
    rule.category === 'rate_limit'
      ? (retryAfterMs(response.headers) ?? resetAfterMs(response.headers.get('ratelimit-reset')))
      : undefined;
  const err = platformFailure(
    PLATFORM,
    rule,
    `${name ? `${name}: ` : ''}${reason} (HTTP ${response.status})`,
    {
      irreversible,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
    },
  );
  return Object.assign(err, { xrpcError: name });
}

const xrpcError = (err: unknown) => (err as { xrpcError?: string }).xrpcError;
const isAuth = (err: unknown) => err instanceof PublishError && err.failure.category === 'auth';

/** A sign-in the account cannot recover from by itself; network trouble and 5xx stay retryable. */
function reconnect(err: unknown): PublishError {
  if (err instanceof PublishError && err.failure.retryable) return err;
  const reason = err instanceof Error ? err.message.replace(/^bluesky: /, '') : String(err);
  return new PublishError({
    category: 'auth',
    caused_by: 'user',
    code: 'account.reconnection_required',
    message:
      `${PLATFORM}: could not sign in (${reason}); reconnect the account with its handle and an app password.`.slice(
        0,
        300,
      ),
    retryable: false,
    outcomeUnknown: false,
  });
}

/** A post's receipt; `metadata.cid` (the record's content hash) is what a reply's strong ref names. */
function receipt(uri: string, createdAt: string, cid: unknown): DeliveryReceipt {
  return {
    platformPostId: uri,
    permalink: linkOf(uri),
    publishedAt: new Date(createdAt).toISOString(),
    ...(typeof cid === 'string' && cid ? { metadata: { cid } } : {}),
  };
}

const commentReceipt = (uri: string) => ({ commentId: uri, permalink: linkOf(uri) });

/** The bsky.app link of a post record. The DID, not the handle: handles change, the DID's link keeps working. */
function linkOf(uri: string): string {
  const [, did, , rkey] = /^at:\/\/([^/]+)\/([^/]+)\/([^/]+)$/.exec(uri) ?? [];
  return `https://bsky.app/profile/${did}/post/${rkey}`;
}

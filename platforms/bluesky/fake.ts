import { createHash } from 'node:crypto';
import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

interface Post {
  uri: string;
  rkey: string;
  record: Record<string, any>;
}
interface Blob {
  mimeType: string;
  size: number;
}
interface Job {
  did: string;
  pollsLeft: number;
  blob: Record<string, unknown>;
}

const POST = 'app.bsky.feed.post';
const TID = /^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$/;
const IMAGE_MAX_BYTES = 1_000_000;
const xrpcError = (status: number, error: string, message: string): FakeResponse => ({
  status,
  body: { error, message },
});

/**
 * A Bluesky PDS and video service as their lexicons and the reference PDS answer
 * (@atproto/pds): sessions as JWTs (createSession with an app password, refreshSession with
 * single-use refresh tokens), blobs, handle resolution, the account's profile (getProfile), app.bsky.feed.post records at explicit
 * TID keys (a second create at the same key fails with the PDS's bare 500; replies with their
 * strong refs checked as the lexicon asks), getRecord,
 * deleteRecord (idempotent), service auth, and video jobs that encode over a few polls.
 * Errors are XRPC's `{ "error", "message" }`.
 */
export class BlueskyFake extends FakePlatform {
  readonly did = 'did:plc:postflowfake0000000000000';
  readonly handle = 'postflow.test';
  readonly displayName = 'Postflow Test';
  readonly avatar =
    'https://cdn.bsky.app/img/avatar/plain/did:plc:postflowfake0000000000000/bafkreiavatar@jpeg';
  readonly appPassword = 'abcd-efgh-ijkl-mnop';
  /** The account's main password: with email 2FA on, it cannot sign in without a code. */
  readonly mainPassword = 'main-password';
  /** Other accounts a post may mention. */
  readonly handles = new Map([['alice.test', 'did:plc:alice000000000000000000']]);
  readonly posts: Post[] = [];
  /** Counts a post view shows (`likeCount`, `replyCount`, …), by post uri; 0 where unset. */
  readonly engagement = new Map<string, Record<string, number>>();
  readonly blobs = new Map<string, Blob>();
  readonly jobs = new Map<string, Job>();
  /** Video uploads the account has left today (app.bsky.video.getUploadLimits). */
  videosLeftToday = 25;
  private readonly serviceTokens = new Map<string, { aud: string; lxm: string }>();

  constructor() {
    super('bluesky');
    this.routes.push(...this.pds(), ...this.videoService());
  }

  /** An account with a live session (what `refresh` caches), as the contract suite uses. */
  credentials(): Record<string, string> {
    return { service: this.url, video_service: this.url, identifier: this.handle, ...this.session() };
  }

  /** An account as connected: its handle and app password, no session yet. */
  appPasswordCredentials(): Record<string, string> {
    return {
      service: this.url,
      video_service: this.url,
      identifier: this.handle,
      app_password: this.appPassword,
    };
  }

  private session(refreshToken?: string): Record<string, string> {
    const exp = Math.floor(Date.now() / 1000) + 2 * 3600;
    const jwt = (scope: string) =>
      [
        Buffer.from('{"typ":"at+jwt","alg":"HS256"}').toString('base64url'),
        Buffer.from(JSON.stringify({ scope, sub: this.did, exp, jti: this.nextId() })).toString('base64url'),
        'sig',
      ].join('.');
    const access = jwt('com.atproto.access');
    const refresh = refreshToken ?? jwt('com.atproto.refresh');
    this.accessTokens.add(access);
    this.refreshTokens.set(refresh, this.did);
    return { access_token: access, refresh_token: refresh, did: this.did, handle: this.handle };
  }

  private sessionBody(fields: Record<string, string>) {
    return {
      accessJwt: fields.access_token,
      refreshJwt: fields.refresh_token,
      did: fields.did,
      handle: fields.handle,
      didDoc: {
        id: this.did,
        service: [{ id: '#atproto_pds', type: 'AtprotoPersonalDataServer', serviceEndpoint: this.url }],
      },
      active: true,
    };
  }

  private pds(): Route[] {
    const authed =
      (handle: (req: FakeRequest) => FakeResponse) =>
      (req: FakeRequest): FakeResponse => {
        if (!req.bearer) return xrpcError(401, 'AuthMissing', 'Authentication Required');
        if (!this.accessTokens.has(req.bearer))
          return xrpcError(400, 'InvalidToken', 'Token could not be verified');
        return handle(req);
      };
    const xrpc = (method: string, nsid: string, handle: Route['handle']): Route => ({
      method,
      path: `/xrpc/${nsid}`,
      handle,
    });
    return [
      xrpc('POST', 'com.atproto.server.createSession', (req) => {
        const { identifier, password } = req.body as Record<string, string>;
        const known = identifier === this.handle || identifier === this.did;
        if (known && password === this.mainPassword) {
          return xrpcError(
            401,
            'AuthFactorTokenRequired',
            'A sign in code has been sent to your email address',
          );
        }
        if (!known || password !== this.appPassword) {
          return xrpcError(401, 'AuthenticationRequired', 'Invalid identifier or password');
        }
        return { status: 200, body: this.sessionBody(this.session()) };
      }),
      xrpc('POST', 'com.atproto.server.refreshSession', (req) => {
        const owner = req.bearer && this.refreshTokens.get(req.bearer);
        if (!owner) return xrpcError(400, 'InvalidToken', 'Token could not be verified');
        this.refreshTokens.delete(req.bearer!); // single use
        return { status: 200, body: this.sessionBody(this.session()) };
      }),
      xrpc(
        'GET',
        'com.atproto.server.getServiceAuth',
        authed((req) => {
          const token = `svc_${this.nextId()}`;
          this.serviceTokens.set(token, {
            aud: String(req.query.get('aud')),
            lxm: String(req.query.get('lxm')),
          });
          return { status: 200, body: { token } };
        }),
      ),
      xrpc(
        'GET',
        'app.bsky.actor.getProfile',
        authed((req) => {
          const actor = req.query.get('actor');
          if (actor !== this.did && actor !== this.handle)
            return xrpcError(400, 'InvalidRequest', 'Profile not found');
          return {
            status: 200,
            body: { did: this.did, handle: this.handle, displayName: this.displayName, avatar: this.avatar },
          };
        }),
      ),
      xrpc('GET', 'com.atproto.identity.resolveHandle', (req) => {
        const handle = String(req.query.get('handle')).toLowerCase();
        const did = handle === this.handle ? this.did : this.handles.get(handle);
        return did
          ? { status: 200, body: { did } }
          : xrpcError(400, 'InvalidRequest', 'Unable to resolve handle');
      }),
      xrpc(
        'POST',
        'com.atproto.repo.uploadBlob',
        authed((req) => ({
          status: 200,
          body: { blob: this.storeBlob(req.raw, String(req.headers['content-type'])) },
        })),
      ),
      xrpc(
        'POST',
        'com.atproto.repo.createRecord',
        authed((req) => this.createRecord(req)),
      ),
      xrpc(
        'GET',
        'app.bsky.feed.getPosts',
        authed((req) => {
          const uris = req.query.getAll('uris');
          const posts = this.posts
            .filter((p) => uris.includes(p.uri))
            .map((p) => ({
              uri: p.uri,
              cid: cidOf(JSON.stringify(p.record)),
              author: { did: this.did, handle: this.handle },
              record: p.record,
              indexedAt: p.record.createdAt,
              ...{ likeCount: 0, replyCount: 0, repostCount: 0, quoteCount: 0, bookmarkCount: 0 },
              ...this.engagement.get(p.uri),
            }));
          return { status: 200, body: { posts } };
        }),
      ),
      xrpc('GET', 'com.atproto.repo.getRecord', (req) => {
        const uri = `at://${req.query.get('repo')}/${req.query.get('collection')}/${req.query.get('rkey')}`;
        const post = this.posts.find((p) => p.uri === uri);
        if (!post) return xrpcError(400, 'RecordNotFound', `Could not locate record: ${uri}`);
        return { status: 200, body: { uri, cid: cidOf(JSON.stringify(post.record)), value: post.record } };
      }),
      xrpc(
        'POST',
        'com.atproto.repo.deleteRecord',
        authed((req) => {
          const { repo, collection, rkey } = req.body as Record<string, string>;
          if (repo !== this.did) return xrpcError(401, 'AuthRequired', 'Authentication Required');
          const i = this.posts.findIndex((p) => p.uri === `at://${repo}/${collection}/${rkey}`);
          if (i >= 0) this.posts.splice(i, 1);
          return { status: 200, body: { commit: { cid: cidOf(this.nextId()), rev: this.nextId() } } };
        }),
      ),
    ];
  }

  private createRecord(req: FakeRequest): FakeResponse {
    const { repo, collection, rkey, record } = req.body as Record<string, any>;
    if (repo !== this.did) return xrpcError(401, 'AuthRequired', 'Authentication Required');
    if (collection !== POST) return xrpcError(400, 'InvalidRequest', `Unsupported collection: ${collection}`);
    if (rkey !== undefined && !TID.test(String(rkey))) {
      return xrpcError(
        400,
        'InvalidRequest',
        `Invalid record key for ${POST}: Invalid TID string (got "${rkey}") at $`,
      );
    }
    const key = String(rkey ?? this.tid());
    const uri = `at://${repo}/${POST}/${key}`;
    // The reference PDS's repo refuses a second value at a key with a bare internal error.
    if (this.posts.some((p) => p.uri === uri))
      return xrpcError(500, 'InternalServerError', 'Internal Server Error');
    const invalid = this.invalidPost(record);
    if (invalid) return invalid;
    this.posts.push({ uri, rkey: key, record });
    return {
      status: 200,
      body: {
        uri,
        cid: cidOf(JSON.stringify(record)),
        commit: { cid: cidOf(uri), rev: this.tid() },
        validationStatus: 'valid',
      },
    };
  }

  /** The lexicon checks the PDS makes of an app.bsky.feed.post. */
  private invalidPost(record: Record<string, any>): FakeResponse | undefined {
    const bad = (message: string) => xrpcError(400, 'InvalidRequest', `Invalid ${POST} record: ${message}`);
    if (record?.$type !== POST) return bad('Record/$type must be app.bsky.feed.post');
    const text = String(record.text ?? '');
    const graphemes = [...new Intl.Segmenter().segment(text)].length;
    if (graphemes > 300 || Buffer.byteLength(text) > 3000)
      return bad('Record/text must not be longer than 300 graphemes');
    if (Number.isNaN(Date.parse(record.createdAt)))
      return bad('Record/createdAt must be an valid atproto datetime');
    const size = Buffer.byteLength(text);
    for (const facet of record.facets ?? []) {
      const { byteStart, byteEnd } = facet.index ?? {};
      if (!(byteStart >= 0 && byteEnd > byteStart && byteEnd <= size))
        return bad('Record/facets has an invalid index');
    }
    // A reply names its thread's root and its parent by strong ref (com.atproto.repo.strongRef).
    for (const which of record.reply ? ['root', 'parent'] : []) {
      const ref = record.reply[which] ?? {};
      if (!/^at:\/\//.test(String(ref.uri ?? '')))
        return bad(`Record/reply/${which}/uri must be a valid at-uri`);
      if (typeof ref.cid !== 'string' || !ref.cid)
        return bad(`Record/reply/${which}/cid must be a cid string`);
    }
    const embed = record.embed;
    const blobs: Array<{ ref?: { $link?: string }; size?: number }> =
      embed?.$type === 'app.bsky.embed.images'
        ? (embed.images ?? []).map((i: { image: unknown }) => i.image)
        : embed?.$type === 'app.bsky.embed.video'
          ? [embed.video]
          : [];
    if (embed?.$type === 'app.bsky.embed.images' && blobs.length > 4)
      return bad('Embed/images must not have more than 4 elements');
    for (const blob of blobs) {
      const stored = this.blobs.get(String(blob?.ref?.$link));
      if (!stored) return xrpcError(400, 'InvalidRequest', `Could not find blob: ${blob?.ref?.$link}`);
      if (embed.$type === 'app.bsky.embed.images' && stored.size > IMAGE_MAX_BYTES) {
        return xrpcError(
          400,
          'BlobTooLarge',
          `This file is too large. It is ${stored.size} but the maximum size is ${IMAGE_MAX_BYTES}.`,
        );
      }
    }
    return undefined;
  }

  /** The video service (video.bsky.app): quotas, uploads with a PDS service token, jobs. */
  private videoService(): Route[] {
    const serviceToken = (req: FakeRequest, aud: string, lxm: string) => {
      const token = req.bearer && this.serviceTokens.get(req.bearer);
      return !!token && token.aud === aud && token.lxm === lxm;
    };
    const host = () => `did:web:${new URL(this.url).hostname}`;
    return [
      {
        method: 'GET',
        path: '/xrpc/app.bsky.video.getUploadLimits',
        handle: (req) => {
          if (!serviceToken(req, host(), 'app.bsky.video.getUploadLimits'))
            return xrpcError(401, 'AuthRequired', 'bad service token');
          return this.videosLeftToday > 0
            ? {
                status: 200,
                body: {
                  canUpload: true,
                  remainingDailyVideos: this.videosLeftToday,
                  remainingDailyBytes: 10e9,
                },
              }
            : {
                status: 200,
                body: {
                  canUpload: false,
                  message: 'You have reached your daily upload limit',
                  error: 'daily_limit',
                },
              };
        },
      },
      {
        method: 'POST',
        path: '/xrpc/app.bsky.video.uploadVideo',
        handle: (req) => {
          if (!serviceToken(req, host(), 'com.atproto.repo.uploadBlob'))
            return xrpcError(401, 'AuthRequired', 'bad service token');
          if (!req.raw.length) return xrpcError(400, 'InvalidRequest', 'empty body');
          const jobId = `job_${this.nextId()}`;
          const did = String(req.query.get('did'));
          this.videosLeftToday -= 1;
          this.jobs.set(jobId, { did, pollsLeft: 2, blob: this.storeBlob(req.raw, 'video/mp4') });
          return { status: 200, body: { jobStatus: { jobId, did, state: 'JOB_STATE_CREATED' } } };
        },
      },
      {
        method: 'GET',
        path: '/xrpc/app.bsky.video.getJobStatus',
        handle: (req) => {
          const jobId = String(req.query.get('jobId'));
          const job = this.jobs.get(jobId);
          if (!job) return xrpcError(404, 'NotFound', 'job not found');
          if (job.pollsLeft > 0) {
            job.pollsLeft -= 1;
            return {
              status: 200,
              body: { jobStatus: { jobId, did: job.did, state: 'JOB_STATE_ENCODING', progress: 50 } },
            };
          }
          return {
            status: 200,
            body: { jobStatus: { jobId, did: job.did, state: 'JOB_STATE_COMPLETED', blob: job.blob } },
          };
        },
      },
    ];
  }

  private storeBlob(data: Buffer, mimeType: string) {
    const cid = cidOf(data);
    this.blobs.set(cid, { mimeType, size: data.length });
    return { $type: 'blob', ref: { $link: cid }, mimeType, size: data.length };
  }

  /** A fresh TID, as the PDS makes when no rkey is given. */
  private tid(): string {
    const s32 = '234567abcdefghijklmnopqrstuvwxyz';
    let value = (BigInt(Date.now()) * 1000n) << 10n;
    value |= BigInt(Number(this.nextId().slice(-4)) % 1024);
    let key = '';
    for (let i = 0; i < 13; i++, value >>= 5n) key = s32[Number(value & 31n)] + key;
    return key;
  }
}

/** A CID-looking id for a blob or record (the fake does not build real CIDs). */
function cidOf(data: Buffer | string): string {
  return `bafkrei${createHash('sha256').update(data).digest('hex').slice(0, 52)}`;
}

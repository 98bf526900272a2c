import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

export interface FakeCast {
  hash: string;
  fid: number;
  text: string;
  embeds: string[];
  channelId: string | null;
  /** The cast it replies to (a first comment, a reply), if any. */
  parentHash: string | null;
  timestamp: string;
}

const CAST_MAX_BYTES = 320;
const EMBED_MAX_BYTES = 256;
const MAX_EMBEDS = 2;
const HASH = /^0x[0-9a-fA-F]{40}$/;

/**
 * Neynar's Farcaster API v2 as it documents it (docs.neynar.com/reference): `POST` and `DELETE
 * /v2/farcaster/cast` with a managed signer and `idem`, `GET /v2/farcaster/signer`,
 * `/v2/farcaster/feed/user/casts` and `/v2/farcaster/cast/conversation`, keys in `x-api-key`, and
 * its error bodies `{ message, code }`; the protocol's limits on a cast (320 bytes, 2 embeds of at
 * most 256 bytes) included.
 */
export class FarcasterFake extends FakePlatform {
  readonly casts: FakeCast[] = [];
  private readonly keys = new Set<string>();
  /** signer uuid → the API key it was made with and the fid it casts as (unapproved: no fid). */
  private readonly signers = new Map<string, { key: string; fid?: number }>();
  /** `<fid>/<idem>` → the cast a first call with that key made. */
  private readonly idem = new Map<string, FakeCast>();
  private nextFid = 1000;

  constructor() {
    super('farcaster');
    this.routes.push(...this.endpoints());
  }

  /** A new user's API key and approved signer, as an account's credentials carry them. */
  credentials({ approved = true }: { approved?: boolean } = {}): Record<string, string> {
    const key = `NEYNAR_${this.nextId()}`;
    const uuid = `signer-${this.nextId()}`;
    this.keys.add(key);
    this.nextFid += 1;
    this.signers.set(uuid, { key, ...(approved ? { fid: this.nextFid } : {}) });
    return { api_key: key, signer_uuid: uuid };
  }

  /** A cast `fid` makes in a Farcaster client, a reply to `parentHash` if given. */
  castFromApp(fid: number, text: string, parentHash: string | null = null): void {
    this.casts.push({
      hash: `0x${this.nextId().padStart(40, '0').slice(-40)}`,
      fid,
      text,
      embeds: [],
      channelId: null,
      parentHash,
      timestamp: new Date().toISOString(),
    });
  }

  /** The casts that are not replies (the account's posts). */
  posts(): FakeCast[] {
    return this.casts.filter((c) => !c.parentHash);
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest, key: string) => FakeResponse) =>
      (req: FakeRequest): FakeResponse => {
        const key = String(req.headers['x-api-key'] ?? '');
        return this.keys.has(key) ? handle(req, key) : error(401, 'Unauthorized', 'Invalid API key');
      };
    return [
      { method: 'POST', path: '/v2/farcaster/cast', handle: authed((req, key) => this.post(req, key)) },
      { method: 'DELETE', path: '/v2/farcaster/cast', handle: authed((req, key) => this.remove(req, key)) },
      {
        method: 'GET',
        path: '/v2/farcaster/user/bulk',
        handle: authed((req) => {
          const fids = String(req.query.get('fids') ?? '')
            .split(',')
            .map(Number)
            .filter((fid) => fid > 0);
          return {
            status: 200,
            body: {
              users: fids.map((fid) => ({
                object: 'user',
                fid,
                username: `user${fid}`,
                display_name: `User ${fid}`,
                pfp_url: `https://i.imgur.com/fid${fid}.png`,
              })),
            },
          };
        }),
      },
      {
        method: 'GET',
        path: '/v2/farcaster/signer',
        handle: authed((req, key) => {
          const uuid = String(req.query.get('signer_uuid') ?? '');
          const signer = this.signers.get(uuid);
          if (!signer || signer.key !== key) return error(404, 'NotFound', 'Signer not found');
          return {
            status: 200,
            body: {
              object: 'signer',
              signer_uuid: uuid,
              public_key: `0x${'ab'.repeat(32)}`,
              status: signer.fid ? 'approved' : 'pending_approval',
              ...(signer.fid ? { fid: signer.fid } : {}),
            },
          };
        }),
      },
      {
        method: 'GET',
        path: '/v2/farcaster/feed/user/casts',
        handle: authed((req) => {
          const fid = Number(req.query.get('fid'));
          const limit = Math.min(Number(req.query.get('limit') ?? 25), 150);
          const replies = req.query.get('include_replies') !== 'false';
          const all = this.casts.filter((c) => c.fid === fid && (replies || !c.parentHash)).reverse();
          const { page, next } = cursorPage(req, all, limit);
          return { status: 200, body: { casts: page.map((c) => this.entity(c)), next } };
        }),
      },
      {
        method: 'GET',
        path: '/v2/farcaster/cast/conversation',
        handle: authed((req) => {
          const hash = String(req.query.get('identifier') ?? '');
          const cast = this.casts.find((c) => c.hash === hash);
          if (req.query.get('type') !== 'hash' || !cast) return error(404, 'NotFound', 'Cast not found');
          const limit = Math.min(Number(req.query.get('limit') ?? 20), 50);
          const { page, next } = cursorPage(
            req,
            this.casts.filter((c) => c.parentHash === hash),
            limit,
          );
          const replies = page.map((c) => this.entity(c));
          return {
            status: 200,
            body: { conversation: { cast: { ...this.entity(cast), direct_replies: replies } }, next },
          };
        }),
      },
    ];
  }

  private signerOf(req: FakeRequest, key: string): { fid: number } | FakeResponse {
    const signer = this.signers.get(String(req.body.signer_uuid ?? ''));
    if (!signer || signer.key !== key)
      return error(403, 'Forbidden', 'signer_uuid is not paired with this API key');
    if (!signer.fid) return error(403, 'Forbidden', 'Signer is not approved');
    return { fid: signer.fid };
  }

  private post(req: FakeRequest, key: string): FakeResponse {
    const signer = this.signerOf(req, key);
    if ('status' in signer) return signer;
    const idem = req.body.idem ? `${signer.fid}/${String(req.body.idem)}` : '';
    const seen = idem && this.idem.get(idem);
    if (seen) return { status: 200, body: { success: true, cast: this.created(seen) } };
    const text = String(req.body.text ?? '');
    const embeds: unknown[] = Array.isArray(req.body.embeds) ? req.body.embeds : [];
    if (Buffer.byteLength(text) > CAST_MAX_BYTES)
      return error(400, 'InvalidField', `text must be at most ${CAST_MAX_BYTES} bytes`, 'text');
    if (embeds.length > MAX_EMBEDS)
      return error(400, 'InvalidField', `embeds must have at most ${MAX_EMBEDS} items`, 'embeds');
    const urls = embeds.map((e) => String((e as { url?: unknown }).url ?? ''));
    if (urls.some((u) => !/^https?:\/\//.test(u) || Buffer.byteLength(u) > EMBED_MAX_BYTES))
      return error(400, 'InvalidField', 'embeds must be URLs of at most 256 bytes', 'embeds');
    if (!text && urls.length === 0) return error(400, 'InvalidField', 'text or embeds are required', 'text');
    const parent = req.body.parent ? String(req.body.parent) : null;
    if (parent && HASH.test(parent) && !this.casts.some((c) => c.hash === parent))
      return error(404, 'NotFound', 'Parent cast not found');
    const cast: FakeCast = {
      hash: `0x${this.nextId().padStart(40, '0').slice(-40)}`,
      fid: signer.fid,
      text,
      embeds: urls,
      channelId: req.body.channel_id ? String(req.body.channel_id) : null,
      parentHash: parent,
      timestamp: new Date().toISOString(),
    };
    this.casts.push(cast);
    if (idem) this.idem.set(idem, cast);
    return { status: 200, body: { success: true, cast: this.created(cast) } };
  }

  private remove(req: FakeRequest, key: string): FakeResponse {
    const signer = this.signerOf(req, key);
    if ('status' in signer) return signer;
    const i = this.casts.findIndex((c) => c.hash === req.body.target_hash && c.fid === signer.fid);
    if (i < 0) return error(404, 'NotFound', 'Cast not found');
    this.casts.splice(i, 1);
    return { status: 200, body: { success: true, message: 'Cast deleted' } };
  }

  /** The cast as `POST /v2/farcaster/cast` answers it: its hash, author fid and text. */
  private created(c: FakeCast) {
    return { hash: c.hash, author: { fid: c.fid }, text: c.text };
  }

  /** The cast as Neynar's lookups show it (a trimmed `Cast` object). */
  private entity(c: FakeCast) {
    return {
      object: 'cast',
      hash: c.hash,
      parent_hash: c.parentHash,
      parent_url: null,
      author: { object: 'user', fid: c.fid, username: `user${c.fid}` },
      text: c.text,
      timestamp: c.timestamp,
      embeds: c.embeds.map((url) => ({ url })),
      channel: c.channelId ? { id: c.channelId, object: 'channel_dehydrated' } : null,
    };
  }
}

const error = (status: number, code: string, message: string, property?: string): FakeResponse => ({
  status,
  body: { message, code, ...(property ? { property } : {}) },
});

/** Neynar's paging: `limit` items from the opaque `cursor`, and `next.cursor` (null on the last page). */
function cursorPage<T>(req: FakeRequest, all: readonly T[], limit: number) {
  const cursor = req.query.get('cursor');
  const from = cursor ? Number(Buffer.from(cursor, 'base64url').toString()) : 0;
  const page = all.slice(from, from + limit);
  const more = from + limit < all.length;
  return { page, next: { cursor: more ? Buffer.from(String(from + limit)).toString('base64url') : null } };
}

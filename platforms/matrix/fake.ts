import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

/** One room event as the fake keeps it. */
export interface FakeEvent {
  eventId: string;
  roomId: string;
  sender: string;
  /** The device that sent it and its transaction id (what `unsigned.transaction_id` shows that device). */
  deviceId: string;
  txnId: string;
  type: string;
  content: Record<string, any>;
  ts: number;
  redacted: boolean;
}

interface Session {
  userId: string;
  deviceId: string;
  /** Expired tokens answer M_UNKNOWN_TOKEN with `soft_logout: true`. */
  expired?: boolean;
}

const SERVER = 'fake.matrix';
const CLIENT = '/_matrix/client/v3';

/**
 * A Matrix homeserver's Client-Server API v3 as the spec documents it and Synapse behaves: rooms
 * and an alias, `PUT …/send/{type}/{txnId}` idempotent per device and transaction id,
 * `/messages` (dir, limit, a `senders`/`types` filter) with `unsigned.transaction_id` for the
 * sending device only, redactions (the content emptied), the media repository (`mxc://`),
 * `/account/whoami`, refresh tokens, and `{ errcode, error }` bodies.
 */
export class MatrixFake extends FakePlatform {
  readonly events: FakeEvent[] = [];
  readonly roomId = `!postflow:${SERVER}`;
  readonly alias = `#postflow:${SERVER}`;
  readonly uploads = new Map<string, { contentType: string; size: number }>();
  private readonly sessions = new Map<string, Session>();
  /** refresh token → the device it renews. */
  private readonly refreshable = new Map<string, Session>();

  constructor() {
    super('matrix');
    this.routes.push(...this.endpoints());
  }

  /** A user's credentials on this homeserver, in the fake's room (by id, or by its alias). */
  credentials(room: 'id' | 'alias' = 'id'): Record<string, string> {
    const session = { userId: `@postflow:${SERVER}`, deviceId: `DEV${this.nextId()}` };
    const access = `syt_${this.nextId()}`;
    const refresh = `syr_${this.nextId()}`;
    this.sessions.set(access, session);
    this.refreshable.set(refresh, session);
    return {
      homeserver_url: this.url,
      access_token: access,
      refresh_token: refresh,
      room_id: room === 'id' ? this.roomId : this.alias,
    };
  }

  /** The same user on a new device (a new access token): its transaction ids are its own. */
  otherDevice(credentials: Record<string, string>): Record<string, string> {
    const session = this.sessions.get(credentials.access_token!)!;
    const access = `syt_${this.nextId()}`;
    this.sessions.set(access, { userId: session.userId, deviceId: `DEV${this.nextId()}` });
    return { ...credentials, access_token: access };
  }

  /** Makes a token answer like one that expired (`soft_logout: true`). */
  expire(accessToken: string): void {
    this.sessions.get(accessToken)!.expired = true;
  }

  /** Live (unredacted) message events of the room, oldest first. */
  messages(): FakeEvent[] {
    return this.events.filter((e) => e.type === 'm.room.message' && !e.redacted);
  }

  /**
   * The posts Postflow made: Postflow sends a post's events under transaction ids that share a
   * prefix (`pf-<hash>-media0`, `…-text`), which groups them; a post is there while its text is.
   */
  posts(): Array<{ id: string; text: string; media: number; events: FakeEvent[] }> {
    const groups = new Map<string, FakeEvent[]>();
    for (const e of this.messages()) {
      if (!e.txnId.startsWith('pf-') || e.txnId.endsWith('-comment')) continue;
      const key = e.txnId.slice(0, e.txnId.lastIndexOf('-'));
      groups.set(key, [...(groups.get(key) ?? []), e]);
    }
    return [...groups.values()]
      .filter((events) =>
        events.some((e) => e.content.msgtype === 'm.text' || e.content.msgtype === 'm.notice'),
      )
      .map((events) => ({
        id: events.map((e) => e.eventId).join(','),
        text: String(events.at(-1)!.content.body),
        media: events.filter((e) => /^m\.(image|video)$/.test(e.content.msgtype)).length,
        events,
      }));
  }

  /** The live replies (or thread messages) to an event. */
  repliesTo(eventId: string): FakeEvent[] {
    return this.messages().filter((e) => {
      const relation = e.content['m.relates_to'];
      return relation?.['m.in_reply_to']?.event_id === eventId || relation?.event_id === eventId;
    });
  }

  private endpoints(): Route[] {
    const authed =
      (handle: (req: FakeRequest, session: Session, params: Record<string, string>) => FakeResponse) =>
      (req: FakeRequest, params: Record<string, string>): FakeResponse => {
        if (!req.bearer) return error(401, 'M_MISSING_TOKEN', 'Missing access token.');
        const session = this.sessions.get(req.bearer);
        if (!session)
          return {
            status: 401,
            body: { errcode: 'M_UNKNOWN_TOKEN', error: 'Unrecognised access token.', soft_logout: false },
          };
        if (session.expired)
          return {
            status: 401,
            body: { errcode: 'M_UNKNOWN_TOKEN', error: 'Access token has expired', soft_logout: true },
          };
        return handle(req, session, params);
      };
    const inRoom =
      (handle: (req: FakeRequest, session: Session, params: Record<string, string>) => FakeResponse) =>
      (req: FakeRequest, session: Session, params: Record<string, string>): FakeResponse =>
        decodeURIComponent(params.room!) === this.roomId
          ? handle(req, session, params)
          : error(403, 'M_FORBIDDEN', 'User is not in room');
    return [
      {
        method: 'GET',
        path: `${CLIENT}/account/whoami`,
        handle: authed((_req, s) => ({
          status: 200,
          body: { user_id: s.userId, device_id: s.deviceId, is_guest: false },
        })),
      },
      {
        method: 'GET',
        path: /^\/_matrix\/client\/v3\/rooms\/(?<room>[^/]+)\/joined_members$/,
        handle: authed(
          inRoom((_req, s) => ({ status: 200, body: { joined: { [s.userId]: { display_name: null } } } })),
        ),
      },
      {
        method: 'GET',
        path: /^\/_matrix\/client\/v3\/directory\/room\/(?<alias>[^/]+)$/,
        handle: authed((_req, _s, { alias }) =>
          decodeURIComponent(alias!) === this.alias
            ? { status: 200, body: { room_id: this.roomId, servers: [SERVER] } }
            : error(404, 'M_NOT_FOUND', 'Room alias not found'),
        ),
      },
      {
        method: 'POST',
        path: '/_matrix/media/v3/upload',
        handle: authed((req) => {
          if (req.raw.length === 0) return error(400, 'M_BAD_JSON', 'Empty upload');
          const mxc = `mxc://${SERVER}/${this.nextId('m')}`;
          this.uploads.set(mxc, { contentType: String(req.headers['content-type']), size: req.raw.length });
          return { status: 200, body: { content_uri: mxc } };
        }),
      },
      {
        method: 'PUT',
        path: /^\/_matrix\/client\/v3\/rooms\/(?<room>[^/]+)\/send\/(?<type>[^/]+)\/(?<txn>[^/]+)$/,
        handle: authed(
          inRoom((req, s, { type, txn }) =>
            this.send(req, s, decodeURIComponent(type!), decodeURIComponent(txn!)),
          ),
        ),
      },
      {
        method: 'PUT',
        path: /^\/_matrix\/client\/v3\/rooms\/(?<room>[^/]+)\/redact\/(?<event>[^/]+)\/(?<txn>[^/]+)$/,
        handle: authed(
          inRoom((_req, s, { event }) => {
            const target = this.events.find((e) => e.eventId === decodeURIComponent(event!));
            if (!target) return error(404, 'M_NOT_FOUND', 'Event not found');
            if (target.sender !== s.userId)
              return error(403, 'M_FORBIDDEN', "You don't have permission to redact events");
            target.redacted = true;
            target.content = {};
            return { status: 200, body: { event_id: `$${this.nextId('r')}` } };
          }),
        ),
      },
      {
        method: 'GET',
        path: /^\/_matrix\/client\/v3\/rooms\/(?<room>[^/]+)\/messages$/,
        handle: authed(inRoom((req, s) => this.list(req, s))),
      },
      {
        method: 'POST',
        path: `${CLIENT}/refresh`,
        handle: (req) => {
          const session = this.refreshable.get(String(req.body.refresh_token ?? ''));
          if (!session)
            return {
              status: 401,
              body: { errcode: 'M_UNKNOWN_TOKEN', error: 'Invalid refresh token', soft_logout: false },
            };
          this.refreshable.delete(String(req.body.refresh_token));
          const access = `syt_${this.nextId()}`;
          const refresh = `syr_${this.nextId()}`;
          // The device (and its transaction ids) carries over to the new token.
          this.sessions.set(access, { userId: session.userId, deviceId: session.deviceId });
          this.refreshable.set(refresh, session);
          return {
            status: 200,
            body: { access_token: access, refresh_token: refresh, expires_in_ms: 300_000 },
          };
        },
      },
    ];
  }

  private send(req: FakeRequest, s: Session, type: string, txnId: string): FakeResponse {
    const seen = this.events.find(
      (e) => e.deviceId === s.deviceId && e.txnId === txnId && e.roomId === this.roomId,
    );
    if (seen) return { status: 200, body: { event_id: seen.eventId } };
    const content = req.body as Record<string, any>;
    if (type === 'm.room.message' && typeof content.msgtype !== 'string')
      return error(400, 'M_BAD_JSON', "'msgtype' not in content");
    if (req.raw.length > 65_536) return error(413, 'M_TOO_LARGE', 'event too large');
    const url = content.url;
    if (url !== undefined && !this.uploads.has(String(url)))
      return error(400, 'M_INVALID_PARAM', 'Unknown media');
    const event: FakeEvent = {
      eventId: `$${this.nextId()}`,
      roomId: this.roomId,
      sender: s.userId,
      deviceId: s.deviceId,
      txnId,
      type,
      content,
      ts: Date.now(),
      redacted: false,
    };
    this.events.push(event);
    return { status: 200, body: { event_id: event.eventId } };
  }

  /**
   * `/messages`: `dir=b` from the newest (or from the `from` token, backwards), `limit` matching
   * events (a RoomEventFilter's `senders` and `types`) and `end`, the token to go on from;
   * `end` is omitted once the start of the timeline is reached. A token is a stream position:
   * `t<n>` lies after the room's first n events.
   */
  private list(req: FakeRequest, s: Session): FakeResponse {
    const limit = Math.min(Number(req.query.get('limit') ?? 10), 1000);
    const filter = JSON.parse(req.query.get('filter') ?? '{}') as { senders?: string[]; types?: string[] };
    const backwards = req.query.get('dir') === 'b';
    const from = req.query.get('from');
    const at = from ? Number(from.slice(1)) : backwards ? this.events.length : 0;
    const indexed = this.events
      .map((e, i) => ({ e, i }))
      .filter(
        ({ e, i }) =>
          (backwards ? i < at : i >= at) &&
          (!filter.senders || filter.senders.includes(e.sender)) &&
          (!filter.types || filter.types.includes(e.type)),
      );
    if (backwards) indexed.reverse();
    const page = indexed.slice(0, limit);
    const last = page.at(-1);
    const more = indexed.length > limit;
    return {
      status: 200,
      body: {
        start: `t${at}`,
        ...(more && last ? { end: `t${backwards ? last.i : last.i + 1}` } : {}),
        chunk: page.map(({ e }) => ({
          event_id: e.eventId,
          room_id: e.roomId,
          sender: e.sender,
          type: e.type,
          content: e.content,
          origin_server_ts: e.ts,
          unsigned: {
            age: Date.now() - e.ts,
            ...(e.deviceId === s.deviceId ? { transaction_id: e.txnId } : {}),
            ...(e.redacted ? { redacted_because: { type: 'm.room.redaction' } } : {}),
          },
        })),
      },
    };
  }

  /** A text message the account's user sends from another client (its transaction id unseen). */
  chatter(text: string): void {
    this.events.push({
      eventId: `$${this.nextId()}`,
      roomId: this.roomId,
      sender: `@postflow:${SERVER}`,
      deviceId: 'DEVCHATTER',
      txnId: `m${this.nextId()}`,
      type: 'm.room.message',
      content: { msgtype: 'm.text', body: text },
      ts: Date.now(),
      redacted: false,
    });
  }
}

const error = (status: number, errcode: string, message: string): FakeResponse => ({
  status,
  body: { errcode, error: message },
});

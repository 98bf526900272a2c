import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Fault, FakeRequest } from '../kit/fake-platform';
import { type NostrEvent, verifyEvent } from './event';
import { DELETION, TEXT_NOTE } from './note';

/** RFC 6455's key suffix for the handshake's `Sec-WebSocket-Accept`. */
const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

/** A query filter (NIP-01), the fields the adapter and the tests use. */
interface Filter {
  ids?: string[];
  authors?: string[];
  kinds?: number[];
  since?: number;
  until?: number;
  limit?: number;
  /** Events with an `e` tag naming one of these ids. */
  '#e'?: string[];
}

/**
 * A Nostr relay in memory (NIP-01 over a WebSocket written by hand: text frames, ping, close),
 * verifying ids and signatures, deduplicating events, honouring NIP-09 deletions by the author.
 *
 * Faults, as the shared contract suite injects them, match a client message by its type (`EVENT`,
 * `REQ`) as `method` and the connection's path: an answer fault (`{ status, body }`) refuses the
 * event with `body` as the `OK` message (`"invalid: …"`), or a query with it as the `CLOSED`
 * reason (`"rate-limited: …"`), the status means nothing to a relay;
 * `reset` closes the connection before the event is read, `lose-answer` stores it then closes,
 * `hang` never answers.
 */
export class NostrRelayFake {
  /** Every client message, as `{ method: <type>, path }`. */
  readonly requests: Array<Pick<FakeRequest, 'method' | 'path'>> = [];
  /** What the relay holds (deleted events removed). */
  readonly events: NostrEvent[] = [];
  private readonly faults: Array<{ method?: string; path: string | RegExp; fault: Fault; times: number }> =
    [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  /** The relay's address as HTTP (the suite derives unreachable URLs from it); `relayUrl` is the ws:// one. */
  url = '';

  get relayUrl(): string {
    return this.url.replace(/^http/, 'ws');
  }

  /** An account that publishes here, with `secretKey` (hex or nsec). */
  credentials(secretKey: string): { secret_key: string; relays: string } {
    return { secret_key: secretKey, relays: this.relayUrl };
  }

  /** The kind-1 notes it holds, with their number of media (`imeta` tags). */
  notes(): Array<{ id: string; text: string; media: number }> {
    return this.events
      .filter((e) => e.kind === TEXT_NOTE)
      .map((e) => ({ id: e.id, text: e.content, media: e.tags.filter((t) => t[0] === 'imeta').length }));
  }

  /** The kind-1 notes with the note each replies to (NIP-10: the `reply` marker, else the `root`). */
  thread(): Array<{ id: string; text: string; replyTo?: string }> {
    return this.events
      .filter((e) => e.kind === TEXT_NOTE)
      .map((e) => {
        const marked = (marker: string) => e.tags.find((t) => t[0] === 'e' && t[3] === marker)?.[1];
        const replyTo = marked('reply') ?? marked('root');
        return { id: e.id, text: e.content, ...(replyTo ? { replyTo } : {}) };
      });
  }

  /** The kind-1 notes that reply to `postId` directly (NIP-10 `root`, no `reply`): its comments. */
  comments(postId: string): Array<{ id: string; text: string }> {
    return this.thread()
      .filter((n) => n.replyTo === postId)
      .map(({ id, text }) => ({ id, text }));
  }

  async start(): Promise<this> {
    this.server = createServer(
      (_req, res) => void res.writeHead(426).end('a Nostr relay: connect by WebSocket'),
    );
    this.server.on('upgrade', (req, socket) => this.accept(req, socket as Socket));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Makes the next `times` messages of type `method` on a connection to `path` misbehave. */
  inject(match: { method?: string; path: string | RegExp }, fault: Fault, times = 1): void {
    this.faults.push({ ...match, fault, times });
  }

  private accept(req: IncomingMessage, socket: Socket): void {
    const key = String(req.headers['sec-websocket-key'] ?? '');
    const accept = createHash('sha1')
      .update(key + WS_GUID)
      .digest('base64');
    socket.write(
      `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${accept}\r\n\r\n`,
    );
    const path = new URL(req.url ?? '/', 'http://relay').pathname;
    let buffered = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      for (let frame = readFrame(buffered); frame; frame = readFrame(buffered)) {
        buffered = buffered.subarray(frame.length);
        if (frame.opcode === 0x8) return void socket.end(encodeFrame(0x8, Buffer.alloc(0)));
        if (frame.opcode === 0x9) socket.write(encodeFrame(0xa, frame.payload));
        if (frame.opcode === 0x1) this.receive(socket, path, frame.payload.toString('utf8'));
      }
    });
    socket.on('error', () => socket.destroy());
  }

  private receive(socket: Duplex, path: string, text: string): void {
    const send = (message: unknown[]): void =>
      void socket.write(encodeFrame(0x1, Buffer.from(JSON.stringify(message))));
    let message: unknown[];
    try {
      message = JSON.parse(text) as unknown[];
    } catch {
      return send(['NOTICE', 'invalid: not JSON']);
    }
    const type = String(message[0]);
    this.requests.push({ method: type, path });
    const fault = this.takeFault(type, path);
    if (fault && 'kind' in fault && fault.kind === 'reset') return void socket.destroy();
    if (fault && 'kind' in fault && fault.kind === 'hang') return;
    if (type === 'EVENT') {
      const event = message[1] as NostrEvent;
      if (fault && !('kind' in fault)) return send(['OK', event.id, false, String(fault.body)]);
      const [accepted, reason] = this.store(event);
      if (fault?.kind === 'lose-answer') return void socket.destroy();
      return send(['OK', event.id, accepted, reason]);
    }
    if (type === 'REQ') {
      const [, sub, ...filters] = message as [string, string, ...Filter[]];
      // An answer fault refuses the query: `CLOSED` with `body` as its reason (`"rate-limited: …"`).
      if (fault && !('kind' in fault)) return send(['CLOSED', sub, String(fault.body)]);
      const found = this.events.filter((e) => filters.some((f) => matches(e, f)));
      for (const event of found.slice(0, Math.min(...filters.map((f) => f.limit ?? Infinity)))) {
        send(['EVENT', sub, event]);
      }
      return send(['EOSE', sub]);
    }
    if (type !== 'CLOSE') send(['NOTICE', `invalid: unknown message type ${type}`]);
  }

  /** NIP-01's acceptance: a valid id and signature; a duplicate is accepted and kept once. */
  private store(event: NostrEvent): [boolean, string] {
    if (!verifyEvent(event)) return [false, 'invalid: bad id or signature'];
    if (this.events.some((e) => e.id === event.id)) return [true, 'duplicate: already have this event'];
    if (event.kind === DELETION) {
      const ids = new Set(event.tags.filter((t) => t[0] === 'e').map((t) => t[1]));
      // NIP-09: only the author's own events are deleted.
      for (let i = this.events.length - 1; i >= 0; i--) {
        const e = this.events[i]!;
        if (ids.has(e.id) && e.pubkey === event.pubkey) this.events.splice(i, 1);
      }
    }
    this.events.push(event);
    return [true, ''];
  }

  private takeFault(method: string, path: string): Fault | undefined {
    const i = this.faults.findIndex(
      (f) =>
        (!f.method || f.method === method) &&
        (typeof f.path === 'string' ? f.path === path : f.path.test(path)),
    );
    if (i < 0) return undefined;
    const pending = this.faults[i]!;
    pending.times -= 1;
    if (pending.times <= 0) this.faults.splice(i, 1);
    return pending.fault;
  }
}

function matches(event: NostrEvent, filter: Filter): boolean {
  return (
    (!filter.ids || filter.ids.includes(event.id)) &&
    (!filter.authors || filter.authors.includes(event.pubkey)) &&
    (!filter.kinds || filter.kinds.includes(event.kind)) &&
    (filter.since === undefined || event.created_at >= filter.since) &&
    (filter.until === undefined || event.created_at <= filter.until) &&
    (!filter['#e'] || event.tags.some((t) => t[0] === 'e' && filter['#e']!.includes(t[1]!)))
  );
}

/** One client frame (masked, as RFC 6455 requires of clients); undefined until it has all arrived. */
function readFrame(data: Buffer): { opcode: number; payload: Buffer; length: number } | undefined {
  if (data.length < 2) return undefined;
  const opcode = data[0]! & 0x0f;
  const masked = (data[1]! & 0x80) !== 0;
  let size = data[1]! & 0x7f;
  let offset = 2;
  if (size === 126) {
    if (data.length < 4) return undefined;
    size = data.readUInt16BE(2);
    offset = 4;
  } else if (size === 127) {
    if (data.length < 10) return undefined;
    size = Number(data.readBigUInt64BE(2));
    offset = 10;
  }
  const mask = masked ? data.subarray(offset, offset + 4) : undefined;
  if (masked) offset += 4;
  if (data.length < offset + size) return undefined;
  const payload = Buffer.from(data.subarray(offset, offset + size));
  if (mask) for (let i = 0; i < payload.length; i++) payload[i] = payload[i]! ^ mask[i % 4]!;
  return { opcode, payload, length: offset + size };
}

/** A server frame: final, unmasked. */
function encodeFrame(opcode: number, payload: Buffer): Buffer {
  const head =
    payload.length < 126
      ? Buffer.from([0x80 | opcode, payload.length])
      : payload.length < 65536
        ? Buffer.from([0x80 | opcode, 126, payload.length >> 8, payload.length & 0xff])
        : Buffer.concat([Buffer.from([0x80 | opcode, 127]), bigLength(payload.length)]);
  return Buffer.concat([head, payload]);
}

function bigLength(n: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
}

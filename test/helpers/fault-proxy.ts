import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { freePort } from './ports';
import type { FakeResponse } from '../../platforms/kit/fake-platform';

/**
 * What the proxy does to a matching request:
 * - `answer`: answers this instead of the platform; nothing reaches the platform;
 * - `reset`: drops the connection once the request is in; nothing reaches the platform;
 * - `lose-answer`: the platform acts, then the connection drops before its answer;
 * - `swallow`: the platform acts, and its answer is never passed on (the caller times out).
 */
export type ProxyFault =
  | { kind: 'answer'; response: FakeResponse }
  | { kind: 'reset' }
  | { kind: 'lose-answer' }
  | { kind: 'swallow' };

export interface FaultRule {
  method: string;
  path: string;
  /** Only requests whose body contains this (a post's own text): rows of a matrix run side by side. */
  marker: string;
  fault: ProxyFault;
  /** How many matching requests misbehave; unlimited while `until` holds. @default 1 */
  times?: number;
  /** The fault holds for matching requests until this instant (epoch ms), then the platform recovers. */
  until?: number;
}

/**
 * An HTTP proxy in front of a fake platform that adds faults the fake cannot make on its own,
 * per post (a rule matches requests carrying a post's text), and a whole-platform outage:
 * `down()` stops listening, so calls are refused at connect, until `up()`.
 */
export class FaultProxy {
  /** Requests that got a fault, by marker: how a row sees that its fault really happened. */
  readonly hits = new Map<string, number>();
  private readonly rules: FaultRule[] = [];
  private readonly sockets = new Set<Socket>();
  private readonly server: Server;
  private port = 0;

  constructor(private readonly upstream: string) {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    // A port of its own stripe, not the kernel's pick: `up()` binds it again after an outage.
    this.port = await freePort();
    await this.listen(this.port);
    return this;
  }

  add(rule: FaultRule): void {
    this.rules.push({ times: 1, ...rule });
  }

  /** The platform is down: new connections are refused and open ones dropped. */
  async down(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  /** The platform is back, at the same address. */
  async up(): Promise<void> {
    await this.listen(this.port);
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.server.off('error', reject);
        resolve();
      });
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const fault = this.take(req.method ?? 'GET', new URL(req.url ?? '/', 'http://proxy').pathname, body);
    if (fault?.kind === 'reset') return void req.socket.destroy();
    if (fault?.kind === 'answer') {
      const { status, body: answer, headers } = fault.response;
      const json = answer !== undefined && typeof answer !== 'string';
      res.writeHead(status, { ...(json ? { 'content-type': 'application/json' } : {}), ...headers });
      return void res.end(json ? JSON.stringify(answer) : answer);
    }
    const forwarded = request(
      `${this.upstream}${req.url ?? '/'}`,
      { method: req.method, headers: { ...req.headers, host: new URL(this.upstream).host } },
      (answer) => {
        if (fault?.kind === 'lose-answer') {
          answer.resume();
          answer.on('end', () => req.socket.destroy());
          return;
        }
        if (fault?.kind === 'swallow') return void answer.resume(); // the caller waits in vain
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forwarded.on('error', () => req.socket.destroy());
    forwarded.end(body);
  }

  private take(method: string, path: string, body: Buffer): ProxyFault | undefined {
    const i = this.rules.findIndex(
      (r) =>
        r.method === method &&
        r.path === path &&
        body.includes(r.marker) &&
        (r.until === undefined || Date.now() < r.until),
    );
    if (i < 0) return undefined;
    const rule = this.rules[i]!;
    this.hits.set(rule.marker, (this.hits.get(rule.marker) ?? 0) + 1);
    if (rule.until === undefined && --rule.times! <= 0) this.rules.splice(i, 1);
    return rule.fault;
  }
}

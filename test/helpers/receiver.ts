import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  json: any;
  at: number;
}

/**
 * A real HTTP server that receives webhooks, records them, and answers with the status codes it is
 * told to (then 200).
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  private answers: number[] = [];
  private server?: Server;
  port = 0;

  get url(): string {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** The next requests get these statuses, in order; afterwards 200. */
  answerWith(...statuses: number[]): void {
    this.answers.push(...statuses);
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        this.received.push({
          path: req.url ?? '',
          headers: req.headers,
          body,
          json: JSON.parse(body || 'null'),
          at: Date.now(),
        });
        res.statusCode = this.answers.shift() ?? 200;
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as { port: number }).port;
    return this;
  }

  /** Waits until a received event matches. */
  async waitFor(match: (r: Received) => boolean, timeoutMs = 30_000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.find(match);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching webhook; got ${this.received.map((r) => r.json?.event).join(', ')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

/** Checks both signature headers the way a receiver following the contract would. */
export function signaturesValid(r: Received, secret: string): boolean {
  const hmac = (data: string) => `sha256=${createHmac('sha256', secret).update(data).digest('hex')}`;
  const ts = String(r.headers['x-socialapi-timestamp']);
  return (
    r.headers['x-socialapi-signature'] === hmac(r.body) &&
    r.headers['x-socialapi-signature-v2'] === hmac(`${ts}.${r.body}`)
  );
}

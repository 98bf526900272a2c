import { createServer, type Server } from 'node:http';

/** One span as an OTLP collector receives it, flattened. */
export interface ReceivedSpan {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  /** OTLP's SpanKind: 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind: number;
  attributes: Record<string, string | number | boolean>;
}

/**
 * A tiny OTLP/HTTP trace receiver (JSON encoding, what `@opentelemetry/exporter-trace-otlp-http`
 * sends): accepts `POST /v1/traces` like a collector and keeps every span.
 */
export class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  private server?: Server;
  port = 0;

  /** For `OTEL_EXPORTER_OTLP_ENDPOINT` (the exporter appends `/v1/traces`). */
  get endpoint(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (req.method !== 'POST' || req.url !== '/v1/traces') {
          res.writeHead(404).end();
          return;
        }
        if (!String(req.headers['content-type']).includes('json')) {
          res.writeHead(415).end();
          return;
        }
        this.spans.push(...flatten(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server!.address() as { port: number }).port;
    return this;
  }

  /** Waits until the spans received satisfy `done`. */
  async waitFor(done: (spans: ReceivedSpan[]) => boolean, timeoutMs = 30_000): Promise<ReceivedSpan[]> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.spans)) {
      if (Date.now() > deadline) {
        throw new Error(
          `spans not received; got ${this.spans.map((s) => `${s.service}:${s.name}`).join(', ')}`,
        );
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return this.spans;
  }

  async stop(): Promise<void> {
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

interface OtlpValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}

function valueOf(v: OtlpValue): string | number | boolean {
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  return v.boolValue ?? '';
}

function attributesOf(list: Array<{ key: string; value: OtlpValue }> = []) {
  return Object.fromEntries(list.map((a) => [a.key, valueOf(a.value)]));
}

/** Ids are hex in OTLP/JSON; base64 when an exporter encodes them like protobuf bytes. */
function hexId(id: string | undefined): string {
  if (!id) return '';
  return /^[0-9a-f]+$/i.test(id) ? id.toLowerCase() : Buffer.from(id, 'base64').toString('hex');
}

function flatten(body: any): ReceivedSpan[] {
  return (body.resourceSpans ?? []).flatMap((rs: any) => {
    const service = String(attributesOf(rs.resource?.attributes)['service.name'] ?? '');
    return (rs.scopeSpans ?? []).flatMap((ss: any) =>
      (ss.spans ?? []).map((s: any): ReceivedSpan => ({
        service,
        traceId: hexId(s.traceId),
        spanId: hexId(s.spanId),
        parentSpanId: hexId(s.parentSpanId),
        name: s.name,
        kind: s.kind,
        attributes: attributesOf(s.attributes),
      })),
    );
  });
}

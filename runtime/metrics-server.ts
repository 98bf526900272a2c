import { createServer } from 'node:http';
import type { Registry } from 'prom-client';

export interface MetricsServer {
  /** Where it listens, as `host:port` (the port the system chose when given 0). */
  address: string;
  close(): Promise<void>;
}

/** Splits `host:port` (IPv6 hosts in brackets: `[::1]:9465`). */
export function parseHostPort(value: string, variable: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(value);
  const port = Number(match?.[3]);
  if (!match || port > 65535) throw new Error(`${variable} must be host:port, got "${value}".`);
  return { host: match[1] ?? match[2]!, port };
}

/**
 * Serves a registry at `GET /metrics` on its own address, without an API key: bind it to an
 * address only the scraper reaches (loopback, a private network).
 */
export async function serveMetrics(
  registry: Registry,
  address: string,
  variable: string,
): Promise<MetricsServer> {
  const { host, port } = parseHostPort(address, variable);
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('Not found: metrics are at GET /metrics.\n');
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`${String(err)}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const bound = server.address() as { address: string; port: number };
  return {
    address: `${bound.address.includes(':') ? `[${bound.address}]` : bound.address}:${bound.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { OutboundPolicy } from '../../net/guard';

/**
 * The SSRF policy adapters need to reach a fake: fakes listen on 127.0.0.1 over plain http, which
 * the default policy refuses for servers an account names (Mastodon, Bluesky).
 */
export const REACH_LOOPBACK_FAKES: OutboundPolicy = { allowPrivate: true };

/** One request as a fake platform route sees it. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  raw: Buffer;
  /** The body parsed as JSON or as a form, when it is one. */
  body: any;
  /** The bearer token of the `Authorization` header, if any. */
  bearer: string | undefined;
}

export interface FakeResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type RouteHandler = (req: FakeRequest) => FakeResponse | Promise<FakeResponse>;

export interface Route {
  /** One method, or several (a consent page: GET shows the form, POST is its answer). */
  method: string | readonly string[];
  /** Exact path, or a pattern whose named groups become `params`. */
  path: string | RegExp;
  handle: (req: FakeRequest, params: Record<string, string>) => FakeResponse | Promise<FakeResponse>;
}

/**
 * What a fault does to the next matching request:
 * - an answer (`status`, `body`, `headers`) instead of the route's, the route never runs;
 * - `reset`: the connection drops before the route runs (nothing happened);
 * - `lose-answer`: the route runs (the post exists), then the connection drops before the answer;
 * - `hang`: the request is never answered.
 */
export type Fault = FakeResponse | { kind: 'reset' } | { kind: 'lose-answer' } | { kind: 'hang' };

interface PendingFault {
  method?: string;
  path: string | RegExp;
  withBody?: boolean;
  /** Matching requests still to let through before the fault applies. */
  after?: number;
  fault: Fault;
  times: number;
}

/**
 * The common part of every platform fake: an HTTP server on a free loopback port, a route table,
 * fault injection, a request log, and OAuth-style tokens. Each platform's fake adds its routes,
 * documented payloads and error bodies, and its own ledger of what was published.
 */
export class FakePlatform {
  readonly requests: Array<Pick<FakeRequest, 'method' | 'path'>> = [];
  /**
   * How fast the fake reads request bodies, in bytes a second: a slow link, so that a test can act
   * while an upload is still arriving. 0: as fast as they come.
   */
  bodyBytesPerSecond = 0;
  /** Request body bytes read so far, of requests done and of those still arriving. */
  bodyBytesRead = 0;
  /** Access tokens the fake accepts; `expire(token)` makes one answer like an expired token. */
  readonly accessTokens = new Set<string>();
  /** refresh token → client id that may use it. */
  readonly refreshTokens = new Map<string, string>();
  /** Every consent form answered: the client, the scopes asked, whether PKCE was used, the answer. */
  readonly consents: Array<{ clientId: string; scope: string; pkce: boolean; approved: boolean }> = [];
  /** Consent pages shown and not answered yet, by the form's `request_id` (single use). */
  private readonly consentRequests = new Map<
    string,
    { clientId: string; redirectUri: string; scope: string; state?: string; challenge?: string }
  >();
  /** Authorization codes the consent page issued. */
  private readonly codes = new Map<
    string,
    { clientId: string; redirectUri: string; challenge?: string; used?: boolean }
  >();
  private readonly faults: PendingFault[] = [];
  private readonly sockets = new Set<Socket>();
  private server?: Server;
  private counter = 0;
  url = '';

  /** The platform's endpoints; subclasses add theirs in their constructor. */
  protected readonly routes: Route[] = [];

  constructor(readonly name: string) {}

  async start(): Promise<this> {
    // A client that went away mid-request (a cancelled upload's chunk) has no answer to wait for.
    this.server = createServer((req, res) => void this.dispatch(req, res).catch(() => req.socket.destroy()));
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

  /**
   * Makes the next `times` requests matching `method` and `path` misbehave; with `withBody`, only
   * requests that carry a body (an upload's chunks, not its empty status queries); with `after`,
   * only once that many matching requests went through untouched (the third chunk, not the first).
   */
  inject(
    match: { method?: string; path: string | RegExp; withBody?: boolean; after?: number },
    fault: Fault,
    times = 1,
  ): void {
    this.faults.push({ ...match, fault, times });
  }

  /** A fresh id, unique in this fake (platform post ids, upload ids). */
  nextId(prefix = ''): string {
    this.counter += 1;
    return `${prefix}${Date.now()}${String(this.counter).padStart(4, '0')}`;
  }

  /** Issues a token pair the fake accepts; returns it as an account's credentials would hold it. */
  issueTokens(clientId = 'client-1'): { access_token: string; refresh_token: string } {
    const access = `at_${this.nextId()}`;
    const refresh = `rt_${this.nextId()}`;
    this.accessTokens.add(access);
    this.refreshTokens.set(refresh, clientId);
    return { access_token: access, refresh_token: refresh };
  }

  /** Exchanges a refresh token (single use, like most platforms rotate them); undefined when dead. */
  rotate(
    refreshToken: string,
    clientId?: string,
  ): { access_token: string; refresh_token: string } | undefined {
    const owner = this.refreshTokens.get(refreshToken);
    if (!owner || (clientId !== undefined && owner !== clientId)) return undefined;
    this.refreshTokens.delete(refreshToken);
    return this.issueTokens(owner);
  }

  /**
   * The OAuth app the fake's consent page and token endpoint accept, for tests that configure
   * Postflow as an operator would (`POSTFLOW_<PLATFORM>_CLIENT_ID` / `_CLIENT_SECRET`). A fake with
   * a `consentRoute` overrides it; test/integration/oauth-browser.test.ts needs it for every
   * platform whose descriptor has an `oauth` block.
   */
  oauthApp(): { clientId: string; clientSecret: string } | undefined {
    return undefined;
  }

  /**
   * The consent page (OAuth 2.0 authorization endpoint) at `path`. GET, for a known client, shows
   * an HTML form naming the app and the scopes asked, with Approve and Deny buttons; the form
   * POSTs back to `path`, and the browser is sent to `redirect_uri` with a fresh code and the
   * `state`, or with `error=access_denied` (RFC 6749 §4.1.2). The code remembers the client, the
   * redirect URI and the PKCE challenge, which `redeemCode` checks. Tests without a browser post
   * the form themselves (test/helpers/consent.ts). `clientParameter` is the query parameter naming
   * the client (TikTok's `client_key`).
   */
  protected consentRoute(
    path: string,
    knownClient: (clientId: string) => boolean,
    clientParameter = 'client_id',
  ): Route {
    return {
      method: ['GET', 'POST'],
      path,
      handle: (req) => {
        if (req.method === 'POST') return this.decide(req.body ?? {});
        const q = req.query;
        const clientId = q.get(clientParameter) ?? '';
        const redirectUri = q.get('redirect_uri') ?? '';
        if (!knownClient(clientId) || !/^https?:\/\//.test(redirectUri) || q.get('response_type') !== 'code')
          return { status: 400, body: 'Invalid client_id, redirect_uri or response_type.' };
        const requestId = `consent_${this.nextId()}`;
        const scope = q.get('scope') ?? '';
        this.consentRequests.set(requestId, {
          clientId,
          redirectUri,
          scope,
          ...(q.get('state') !== null ? { state: q.get('state')! } : {}),
          ...(q.get('code_challenge') ? { challenge: q.get('code_challenge')! } : {}),
        });
        return {
          status: 200,
          headers: { 'content-type': 'text/html; charset=utf-8' },
          body: consentPage(this.name, clientId, scope, path, requestId),
        };
      },
    };
  }

  /** The consent form's answer: back to the client's redirect URI with a code, or refused. */
  private decide(form: Record<string, string | undefined>): FakeResponse {
    const request = this.consentRequests.get(String(form.request_id));
    if (!request || (form.decision !== 'approve' && form.decision !== 'deny'))
      return { status: 400, body: 'Unknown or used consent request, or no decision.' };
    this.consentRequests.delete(String(form.request_id));
    const { clientId, redirectUri, scope, state, challenge } = request;
    const back = new URL(redirectUri);
    if (state !== undefined) back.searchParams.set('state', state);
    if (form.decision === 'deny') back.searchParams.set('error', 'access_denied');
    else {
      const code = `code_${this.nextId()}`;
      this.codes.set(code, { clientId, redirectUri, ...(challenge ? { challenge } : {}) });
      back.searchParams.set('code', code);
    }
    this.consents.push({
      clientId,
      scope,
      pkce: challenge !== undefined,
      approved: form.decision === 'approve',
    });
    return { status: 302, headers: { location: back.toString() } };
  }

  /**
   * Redeems an authorization code (RFC 6749 §4.1.3): once, by its client, with its redirect URI and,
   * when the consent had a challenge, the matching S256 verifier. A token pair, or why not.
   */
  protected redeemCode(
    form: Record<string, string | undefined>,
    clientId: string,
  ): { access_token: string; refresh_token: string } | undefined {
    const grant = this.codes.get(String(form.code));
    if (!grant || grant.used || grant.clientId !== clientId || grant.redirectUri !== form.redirect_uri)
      return undefined;
    grant.used = true;
    if (grant.challenge) {
      const verifier = String(form.code_verifier ?? '');
      if (createHash('sha256').update(verifier).digest('base64url') !== grant.challenge) return undefined;
    }
    return this.issueTokens(clientId);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
      this.bodyBytesRead += (chunk as Buffer).length;
      const pace = this.bodyBytesPerSecond;
      if (pace > 0)
        await new Promise((resolve) => setTimeout(resolve, ((chunk as Buffer).length / pace) * 1000));
    }
    const url = new URL(req.url ?? '/', 'http://fake');
    const raw = Buffer.concat(chunks);
    const request: FakeRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      raw,
      body: parseBody(raw, String(req.headers['content-type'] ?? '')),
      bearer: /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1],
    };
    this.requests.push({ method: request.method, path: request.path });

    const fault = this.takeFault(request);
    if (fault && 'kind' in fault && fault.kind === 'reset') return void req.socket.destroy();
    if (fault && 'kind' in fault && fault.kind === 'hang') return;
    let answer: FakeResponse;
    if (fault && !('kind' in fault)) answer = fault;
    else {
      answer = await this.route(request);
      if (fault && 'kind' in fault && fault.kind === 'lose-answer') return void req.socket.destroy();
    }
    const isJson =
      answer.body !== undefined && typeof answer.body !== 'string' && !Buffer.isBuffer(answer.body);
    res.writeHead(answer.status, {
      ...(isJson ? { 'content-type': 'application/json' } : {}),
      ...answer.headers,
    });
    res.end(isJson ? JSON.stringify(answer.body) : (answer.body as string | Buffer | undefined));
  }

  private takeFault(req: FakeRequest): Fault | undefined {
    const i = this.faults.findIndex(
      (f) =>
        (!f.method || f.method === req.method) &&
        matches(f.path, req.path) &&
        (!f.withBody || req.raw.length > 0),
    );
    if (i < 0) return undefined;
    const pending = this.faults[i]!;
    if (pending.after) {
      pending.after -= 1;
      return undefined;
    }
    pending.times -= 1;
    if (pending.times <= 0) this.faults.splice(i, 1);
    return pending.fault;
  }

  private async route(req: FakeRequest): Promise<FakeResponse> {
    for (const route of this.routes) {
      if (typeof route.method === 'string' ? route.method !== req.method : !route.method.includes(req.method))
        continue;
      if (typeof route.path === 'string') {
        if (route.path === req.path) return route.handle(req, {});
        continue;
      }
      const m = route.path.exec(req.path);
      if (m) return route.handle(req, m.groups ?? {});
    }
    return { status: 404, body: { error: `no route ${req.method} ${req.path} in the ${this.name} fake` } };
  }
}

/** The consent page's HTML: the app, the scopes asked, and the two buttons. */
function consentPage(platform: string, clientId: string, scope: string, action: string, requestId: string) {
  const scopes = scope
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((s) => `<li>${escapeHtml(s)}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize ${escapeHtml(clientId)} on ${escapeHtml(platform)}</title></head>
<body>
<h1>${escapeHtml(platform)}: authorize an app</h1>
<p>The app <strong id="app">${escapeHtml(clientId)}</strong> asks for access to your account:</p>
<ul id="scopes">${scopes}</ul>
<form method="post" action="${escapeHtml(action)}">
<input type="hidden" name="request_id" value="${escapeHtml(requestId)}">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>
</body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? pattern === path : pattern.test(path);
}

function parseBody(raw: Buffer, contentType: string): unknown {
  if (raw.length === 0) return {};
  if (contentType.includes('application/json')) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch {
      return {};
    }
  }
  if (contentType.includes('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(raw.toString('utf8')));
  }
  if (contentType.startsWith('multipart/form-data')) return parseMultipart(raw, contentType);
  return {};
}

/** Multipart bodies as `{ field: string | { filename, contentType, data } }` (fakes check uploads). */
function parseMultipart(raw: Buffer, contentType: string): Record<string, unknown> {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) return {};
  const fields: Record<string, unknown> = {};
  const delimiter = Buffer.from(`--${boundary}`);
  let start = raw.indexOf(delimiter);
  while (start >= 0) {
    const next = raw.indexOf(delimiter, start + delimiter.length);
    if (next < 0) break;
    const part = raw.subarray(start + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('utf8');
    const data = part.subarray(split + 4);
    const name = /name="([^"]+)"/.exec(head)?.[1];
    const filename = /filename="([^"]*)"/.exec(head)?.[1];
    const type = /content-type:\s*([^\r\n]+)/i.exec(head)?.[1];
    if (name)
      fields[name] = filename !== undefined ? { filename, contentType: type, data } : data.toString('utf8');
    start = next;
  }
  return fields;
}

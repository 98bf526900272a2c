import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

/** Long-lived tokens live 60 days (Meta answers `expires_in` in seconds). */
export const LONG_LIVED_SECONDS = 5_184_000;

type Handler = (req: FakeRequest, params: Record<string, string>) => FakeResponse | Promise<FakeResponse>;

/** A Facebook Page the fake's person manages, and the Instagram business account linked to it. */
export interface FakeMetaPage {
  id: string;
  name: string;
  instagram?: { id: string; username: string };
}

/** Short-lived user tokens from the code last about two hours. */
const SHORT_LIVED_SECONDS = 5_183;

/**
 * What the Meta fakes (Instagram, Threads, Facebook) share: Graph API paths under a version,
 * Graph error bodies (`{"error":{"message","type","code","error_subcode","fbtrace_id"}}`),
 * tokens checked from the `Authorization` header, the long-lived token refresh, and fetching
 * media by URL the way Meta's crawler does.
 */
export class MetaGraphFake extends FakePlatform {
  constructor(
    name: string,
    readonly version: string,
  ) {
    super(name);
  }

  /** A Graph path pattern under this fake's version (`/v25.0/…`), named groups as params. */
  protected at(pattern: string): RegExp {
    return new RegExp(`^/${this.version.replace('.', '\\.')}${pattern}$`);
  }

  /** The Meta app the consent dialog and token endpoint know. */
  readonly client = { id: 'meta-app-1', secret: 'meta-secret-1' };

  override oauthApp() {
    return { clientId: this.client.id, clientSecret: this.client.secret };
  }
  /** The person who consents: the same one every time. */
  readonly person = { id: '10160000000000001', name: 'Fake Meta Person' };
  /** User access tokens (from the code, or exchanged for long-lived ones) → long-lived or not. */
  readonly userTokens = new Map<string, 'short' | 'long'>();
  /** Page access tokens → the Page they act for. */
  readonly pageTokens = new Map<string, string>();

  /** A Page access token for `page`, as /me/accounts gives it. */
  pageToken(page: string): string {
    const token = `EAAP${this.nextId()}`;
    this.accessTokens.add(token);
    this.pageTokens.set(token, page);
    return token;
  }

  /**
   * Facebook Login as documented: the consent dialog (`/dialog/oauth`), the token endpoint
   * (`/oauth/access_token`: the code with the app secret and the same redirect_uri, or
   * `grant_type=fb_exchange_token` for a long-lived user token), `/me`, `/me/accounts` (the
   * person's `pages` with a Page access token each, cursor-paged) and a Page's
   * `instagram_business_account`.
   */
  protected loginRoutes(pages: readonly FakeMetaPage[]): Route[] {
    const user = (handle: Handler): Route['handle'] =>
      this.authed((req, p) =>
        this.userTokens.has(req.bearer!) ? handle(req, p) : MetaGraphFake.invalidToken,
      );
    const token: Route['handle'] = (req) =>
      this.tokenGrant({ ...Object.fromEntries(req.query), ...(req.body as object) });
    const ids = pages.map((p) => p.id).join('|');
    return [
      this.consentRoute(`/${this.version}/dialog/oauth`, (id) => id === this.client.id),
      { method: 'GET', path: this.at('/oauth/access_token'), handle: token },
      { method: 'POST', path: this.at('/oauth/access_token'), handle: token },
      {
        method: 'GET',
        path: this.at('/me'),
        handle: user(() => ({
          status: 200,
          body: {
            id: this.person.id,
            name: this.person.name,
            picture: { data: { url: 'https://media.example/person.jpg' } },
          },
        })),
      },
      {
        method: 'GET',
        path: this.at('/me/accounts'),
        handle: user((req) =>
          this.page(
            req,
            pages.map((p) => ({
              id: p.id,
              name: p.name,
              access_token: this.pageToken(p.id),
              category: 'Brand',
              tasks: ['ADVERTISE', 'ANALYZE', 'CREATE_CONTENT', 'MESSAGING', 'MODERATE', 'MANAGE'],
              picture: { data: { url: `https://media.example/page-${p.id}.jpg` } },
            })),
          ),
        ),
      },
      ...(ids
        ? [
            {
              method: 'GET',
              path: this.at(`/(?<page>${ids})`),
              handle: this.authed((req, p) => {
                const page = pages.find((x) => x.id === p.page)!;
                if (!/instagram_business_account/.test(req.query.get('fields') ?? ''))
                  return { status: 200, body: { id: page.id, name: page.name } };
                const ig = page.instagram;
                return {
                  status: 200,
                  body: {
                    id: page.id,
                    ...(ig
                      ? {
                          instagram_business_account: {
                            id: ig.id,
                            username: ig.username,
                            profile_picture_url: `https://media.example/ig-${ig.id}.jpg`,
                          },
                        }
                      : {}),
                  },
                };
              }),
            } satisfies Route,
          ]
        : []),
    ];
  }

  private tokenGrant(form: Record<string, string | undefined>): FakeResponse {
    if (form.client_id !== this.client.id || form.client_secret !== this.client.secret)
      return MetaGraphFake.error(400, 1, 'Error validating client secret.');
    if (form.grant_type === 'fb_exchange_token') {
      if (!this.userTokens.has(String(form.fb_exchange_token))) return MetaGraphFake.invalidToken;
      const token = `EAAL${this.nextId()}`;
      this.accessTokens.add(token);
      this.userTokens.set(token, 'long');
      return {
        status: 200,
        body: { access_token: token, token_type: 'bearer', expires_in: LONG_LIVED_SECONDS },
      };
    }
    const issued = this.redeemCode(form, String(form.client_id));
    if (!issued)
      return MetaGraphFake.error(400, 100, 'This authorization code has been used.', { subcode: 36009 });
    this.userTokens.set(issued.access_token, 'short');
    return {
      status: 200,
      body: { access_token: issued.access_token, token_type: 'bearer', expires_in: SHORT_LIVED_SECONDS },
    };
  }

  /** A long-lived token the fake accepts, as the account's credentials hold it. */
  longLivedToken(): Record<string, string> {
    const token = `${this.name.slice(0, 2).toUpperCase()}AA${this.nextId()}`;
    this.accessTokens.add(token);
    return {
      access_token: token,
      refresh_token: token,
      expires_at: new Date(Date.now() + LONG_LIVED_SECONDS * 1000).toISOString(),
    };
  }

  /**
   * One page of a Graph edge's list, cursor-based as Meta documents it: `limit` items (25 unless
   * asked) from the `after` cursor, with `paging.cursors` and a `paging.next` link only while more
   * remain. Cursors are opaque to clients (here: a position in the list, base64).
   */
  page(req: FakeRequest, items: readonly Record<string, unknown>[]): FakeResponse {
    const limit = Number(req.query.get('limit') ?? 25);
    const after = req.query.get('after');
    const from = after ? Number(Buffer.from(after, 'base64').toString()) : 0;
    const data = items.slice(from, from + limit);
    const cursor = (i: number) => Buffer.from(String(i)).toString('base64');
    const next = new URLSearchParams(req.query);
    next.set('after', cursor(from + data.length));
    return {
      status: 200,
      body: {
        data,
        paging: {
          ...(data.length ? { cursors: { before: cursor(from), after: cursor(from + data.length) } } : {}),
          ...(from + data.length < items.length ? { next: `${this.url}${req.path}?${next}` } : {}),
        },
      },
    };
  }

  /** A Graph error body, as Meta sends it. */
  static error(
    status: number,
    code: number,
    message: string,
    extra: { subcode?: number; type?: string; transient?: boolean; headers?: Record<string, string> } = {},
  ): FakeResponse {
    return {
      status,
      ...(extra.headers ? { headers: extra.headers } : {}),
      body: {
        error: {
          message,
          type: extra.type ?? 'OAuthException',
          code,
          ...(extra.subcode !== undefined ? { error_subcode: extra.subcode } : {}),
          ...(extra.transient !== undefined ? { is_transient: extra.transient } : {}),
          fbtrace_id: 'AbCdEfGhIjK',
        },
      },
    };
  }

  static readonly invalidToken = MetaGraphFake.error(
    400,
    190,
    'Invalid OAuth access token - Cannot parse access token',
  );
  static readonly notFound = (id: string) =>
    MetaGraphFake.error(
      400,
      100,
      `Unsupported get request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`,
      { subcode: 33, type: 'GraphMethodException' },
    );

  /** Runs `handle` only for a token this fake issued (sent as `Authorization: Bearer`). */
  protected authed(handle: Handler): Route['handle'] {
    return (req, params) =>
      req.bearer && this.accessTokens.has(req.bearer) ? handle(req, params) : MetaGraphFake.invalidToken;
  }

  /** `GET /refresh_access_token?grant_type=…&access_token=…` (the long-lived token, in the query). */
  /**
   * `GET /access_token`: the short-lived token of a code traded for a 60-day one (Instagram
   * Login's `ig_exchange_token`, Threads' `th_exchange_token`); the short one stops working.
   */
  protected exchangeRoute(grantType: string): Route {
    return {
      method: 'GET',
      path: '/access_token',
      handle: (req) => {
        if (req.query.get('grant_type') !== grantType)
          return MetaGraphFake.error(400, 100, 'Invalid grant_type', { type: 'IGApiException' });
        if (req.query.get('client_secret') !== this.client.secret)
          return MetaGraphFake.error(400, 101, 'Error validating client secret.');
        if (!this.accessTokens.delete(req.query.get('access_token') ?? '')) return MetaGraphFake.invalidToken;
        const { access_token } = this.longLivedToken();
        return {
          status: 200,
          body: { access_token, token_type: 'bearer', expires_in: LONG_LIVED_SECONDS },
        };
      },
    };
  }

  protected refreshRoute(grantType: string): Route {
    return {
      method: 'GET',
      path: '/refresh_access_token',
      handle: (req) => {
        const token = req.query.get('access_token') ?? '';
        if (req.query.get('grant_type') !== grantType)
          return MetaGraphFake.error(400, 100, 'Invalid grant_type', { type: 'IGApiException' });
        if (!this.accessTokens.has(token)) return MetaGraphFake.invalidToken;
        const fresh = `${this.name.slice(0, 2).toUpperCase()}AA${this.nextId()}`;
        this.accessTokens.add(fresh);
        return {
          status: 200,
          body: { access_token: fresh, token_type: 'bearer', expires_in: LONG_LIVED_SECONDS },
        };
      },
    };
  }

  /** Fetches a media URL like Meta's crawler: it must answer 200 with an image or video type. */
  protected async fetchMedia(url: string): Promise<{ contentType: string; size: number } | undefined> {
    try {
      const response = await fetch(url);
      const bytes = Buffer.from(await response.arrayBuffer());
      const contentType = response.headers.get('content-type') ?? '';
      if (!response.ok || !/^(image|video)\//.test(contentType) || !bytes.length) return undefined;
      return { contentType, size: bytes.length };
    } catch {
      return undefined;
    }
  }
}

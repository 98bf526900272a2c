import type { Issue } from '../api/errors';
import type { PostContent } from '../api/types';

/** What the API knows about a media item when the post is created (library items: their type). */
export interface MediaInfo {
  kind: 'image' | 'video' | 'unknown';
  contentType?: string;
  sizeBytes?: number;
  /** A video's length in seconds, where its file says it (MP4/MOV). */
  durationSec?: number;
}

/** A platform's documented limits on one kind of file. */
export interface FileLimits {
  minBytes?: number;
  maxBytes?: number;
  minDurationSec?: number;
  maxDurationSec?: number;
  /** The content types the platform takes for this kind of file. */
  types?: readonly string[];
}

/** One target's post as its platform's rules see it. */
export interface PostForRules {
  content: PostContent;
  /** The target's platform options. */
  options: Record<string, unknown>;
  /** One entry per `content.media` item, in order. */
  media: MediaInfo[];
}

/**
 * How a platform counts text against its limit: Unicode code points, UTF-16 code units (TikTok),
 * grapheme clusters (Bluesky), UTF-8 bytes (YouTube descriptions) or X's weighted count.
 */
export type TextCounting = 'codepoints' | 'utf16' | 'graphemes' | 'bytes' | 'weighted';

/**
 * A platform's publishing rules, as data. `POST /v1/posts` checks every target against them, so a
 * post that cannot go out fails at creation, not at its schedule.
 */
export interface PlatformRules {
  textMaxLength: number;
  /** @default 'codepoints' */
  textCounting?: TextCounting;
  titleRequired?: boolean;
  titleMaxLength?: number;
  media: {
    min: number;
    max: number;
    /** The kinds of file the platform takes (library media of another kind fails at creation). */
    kinds?: ReadonlyArray<'image' | 'video'>;
    /**
     * The platform's documented limits per kind of file, checked at creation against what the
     * library knows of each item (size, content type, a video's duration); what it does not know
     * (URL media, a duration in another container) is left to the platform at publishing.
     */
    limits?: Partial<Record<'image' | 'video', FileLimits>>;
  };
  /**
   * Every option key the adapter acts on (`platform_data`, `platform_options`, a target's
   * `board_id`/`page_id`). Any other key is refused when the post is created: a typo or an option
   * Postflow lacks must fail loudly, never be ignored. `check` only sees these keys.
   */
  optionKeys: readonly string[];
  /**
   * Keys the SocialAPI contract lists for this platform that Postflow does not act on yet: refused
   * like unknown keys, with a message that says they are not supported yet.
   */
  unsupportedOptionKeys?: readonly string[];
  /** Options a post must carry for this platform (e.g. Instagram `content_type`); in `optionKeys`. */
  requiredOptions: ReadonlyArray<{ key: string; values?: readonly string[] }>;
  /**
   * Everything else the platform requires. Issues name content fields (`text`, `media[1]`) or
   * options as `options.<key>`; the caller locates options where the request put them.
   */
  check?: (post: PostForRules) => Issue[];
  /**
   * The platform has threads: a post's `segments` go out as a chain of replies after it, each
   * segment held to `textMaxLength` as the post's text is (kit/thread.ts). Absent: a post with
   * segments is refused for this platform's targets, never posted without its thread.
   */
  threads?: boolean;
  /** Publish calls one worker makes to this platform at once (its documented limits). @default 4 */
  maxConcurrentCalls?: number;
  /**
   * The platform refuses a post whose text repeats one of the account's earlier posts (X's
   * "duplicate content", LinkedIn's duplicate share): a recycled post (`recycle`) needs a new text
   * for each round here.
   */
  refusesDuplicateText?: boolean;
}

/**
 * When a platform's delivery has work for its prepare step (docs/platforms.md, "Steps").
 * - `always`: every post (containers, creator info, mention lookups, media checks);
 * - `with-media`: only when the post has media to upload; without, prepare makes no call and
 *   publish does the same with `{}` as with what prepare would have returned;
 * - `with-library-media`: only when the post has library media (`source_type: "media_id"`) to
 *   upload; media by URL is linked as it is (Nostr).
 */
export type PrepareStep = 'always' | 'with-media' | 'with-library-media';

/**
 * What a platform offers beyond publishing. Each is a method of its adapter
 * (test/unit/platform-descriptors.test.ts holds them to the adapters), and docs/platforms.md's
 * table shows them.
 */
export interface PlatformCapabilities {
  /** The platform can be asked whether a post exists (`findExisting`), so an unknown outcome is settled. */
  reconcile: boolean;
  /** Accounts' tokens can be refreshed (`refresh`). */
  refresh: boolean;
  /** Published posts can be deleted through the API (`unpublish`). */
  delete: boolean;
  /** A post's `first_comment` is made under it once it is live (`comment`, looked up by `findComment`). */
  comments: boolean;
  /**
   * A published post's engagement can be read (`fetchMetrics`), so Postflow collects it after
   * publishing. `false` where the platform has no metrics endpoint or Postflow does not read it
   * yet: the API says so instead of showing zeros.
   */
  metrics: boolean;
}

/**
 * Everything Postflow knows about a platform without talking to it: pure data (and the pure
 * functions of its rules), safe for the API process and the workflow sandbox. The adapter lives
 * beside it (`platforms/<slug>/adapter.ts`); `platforms/descriptors.ts` lists every descriptor.
 */
export interface PlatformDescriptor {
  /** The platform's name in the API: accounts' `platform`, option keys, `platform.<slug>.*` codes. */
  slug: string;
  /** The platform's name for people. */
  displayName: string;
  /** Checked when a post is created (`POST /v1/posts`, `/v1/posts/validate`). */
  rules: PlatformRules;
  /** The credentials an account must carry (`POST /v1/accounts` refuses an account without them). */
  credentials: readonly string[];
  /**
   * What is wrong with an account's credentials that can be seen without calling the platform (a
   * Discord webhook URL that is not one), checked by `POST /v1/accounts` and on reconnect. Issues
   * name `credentials.<key>`.
   */
  checkCredentials?: (credentials: Record<string, string>) => Issue[];
  /** When the delivery runs a prepare step; absent: the adapter has no `prepare`. */
  prepareStep?: PrepareStep;
  /**
   * Where the platform's large uploads run (docs/platforms.md "Uploads that survive a crash"):
   * `upload`, a resumable upload step of its own before the publish call (the adapter's `upload`:
   * its final chunk is the publish); `prepare`, in the prepare step, run as an upload (its own
   * options and queue). Absent: no long upload.
   */
  uploadStep?: 'upload' | 'prepare';
  /**
   * The platform API's official base URL (`POSTFLOW_<PLATFORM>_API_URL` overrides it); absent
   * where each account names its server (Mastodon) or there is no API (the sandbox).
   */
  apiBaseUrl?: string;
  capabilities: PlatformCapabilities;
  /**
   * How a person connects an account through the platform's consent page (`POST
   * /v1/accounts/connect`, docs/api.md "Connecting accounts"); absent: the platform is connected
   * with credentials, or its OAuth connect is not built yet.
   */
  oauth?: OAuthConnectSpec;
  /**
   * The account helpers the adapter answers from the platform (`GET /v1/accounts/{id}/boards`,
   * `/creator-info`, `/limits`); absent: none (limits then answer `{}`, the others 501).
   */
  accountHelpers?: readonly AccountHelperName[];
}

/** An account helper a platform may answer: `boards` includes creating one. */
export type AccountHelperName = 'boards' | 'creator_info' | 'limits';

/** A person's profile on the platform, as its profile endpoint gives it. */
export interface ConnectedProfile {
  /** The platform's stable id of the person: the same id reconnects the same account. */
  id: string;
  username?: string;
  name?: string;
  pictureUrl?: string;
  /** The profile's bio, where the profile call gives one (the account's `bio`). */
  bio?: string;
}

/**
 * A platform's OAuth 2.0 authorization-code grant, as data. Endpoints on the platform's official
 * API base go to the official URLs; with `POSTFLOW_<PLATFORM>_API_URL` set (a proxy, a fake), to
 * that base plus the paths; `POSTFLOW_<PLATFORM>_AUTHORIZE_URL` / `_TOKEN_URL` win over both.
 */
export interface OAuthConnectSpec {
  /** The consent page, officially. */
  authorizeUrl: string;
  /** The consent page's path on an overridden API base. */
  authorizePath: string;
  tokenUrl: string;
  tokenPath: string;
  scopes: readonly string[];
  /** How the consent page wants the scopes joined (TikTok, Threads and VK: a comma). @default ' ' */
  scopeSeparator?: string;
  /**
   * The parameter naming the client on the consent page and at the token endpoint (TikTok's
   * `client_key`). @default 'client_id'
   */
  clientIdParameter?: string;
  /** Proof Key for Code Exchange (RFC 7636, S256), where the platform supports it. */
  pkce: boolean;
  /** Where the client credentials go at the token endpoint: HTTP Basic or the form body. */
  clientAuth: 'basic' | 'body';
  /** Extra consent-page parameters (Reddit's `duration=permanent` for a refresh token). */
  authorizeParams?: Record<string, string>;
  /** Headers every call needs (Reddit's descriptive User-Agent). */
  headers?: Record<string, string>;
  /** The variable that names the operator's own User-Agent instead (`POSTFLOW_REDDIT_USER_AGENT`). */
  userAgentVariable?: string;
  /**
   * A second step after the code grant: the short-lived token is traded for a long-lived one
   * (Threads: `GET /access_token?grant_type=th_exchange_token&client_secret=…&access_token=…`
   * on the API base, whose answer replaces the token fields).
   */
  longLivedExchange?: { path: string; grantType: string };
  /** The signed-in person's profile: a GET on the API base with the new token. */
  profilePath: string;
  /**
   * The profile endpoint's official URL where it lives on another host than the API base
   * (Google Business Profile: OpenID Connect's userinfo); an overridden API base serves
   * `profilePath` instead.
   */
  profileUrl?: string;
  /**
   * The query parameter the profile call carries the token in, where the platform takes it there
   * rather than in an `Authorization: Bearer` header (VK's API methods take `access_token`).
   */
  profileTokenParameter?: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a platform's JSON, read by its own descriptor
  readProfile: (body: any) => ConnectedProfile;
  /**
   * The account's credentials beyond the token fields (`access_token`, `refresh_token`,
   * `expires_at`), as the adapter reads them; must hold `identityKey`.
   */
  credentials: (profile: ConnectedProfile) => Record<string, string>;
  /** The credential naming the platform user, so a second connect finds the same account. */
  identityKey: string;
  /**
   * One grant gives several pages (Facebook Pages, Instagram business accounts, LinkedIn
   * organizations): the connect records them all (`pages` credential) and the account posts to
   * the one its `activeKey` credential names, which `PATCH /v1/accounts/{id}/pages/{pageId}` sets.
   */
  pages?: { activeKey: string; noun: string };
}

/** The credential that lists a multi-asset grant's pages (JSON of GrantedPage[]). */
export const PAGES_CREDENTIAL = 'pages';

/** One page (or business account, or organization) of a grant, as the credentials keep it. */
export interface GrantedPage {
  id: string;
  name: string;
  pictureUrl?: string;
  /** The page's own token (Meta Page access tokens); absent where the member's token serves. */
  accessToken?: string;
}

/** The pages a multi-asset grant recorded in the account's credentials (none: not such an account). */
export function grantedPages(credentials: Record<string, string>): GrantedPage[] {
  try {
    const pages: unknown = JSON.parse(credentials[PAGES_CREDENTIAL] ?? '[]');
    return Array.isArray(pages) ? (pages as GrantedPage[]) : [];
  } catch {
    return [];
  }
}

/** Where the consent page sends the person back, and what it binds the grant to. */
export interface ConsentRequest {
  clientId: string;
  redirectUri: string;
  state: string;
  /** The S256 challenge of the connection's PKCE verifier, for platforms with PKCE. */
  codeChallenge?: string;
}

/** The consent page URL for one connection (RFC 6749 §4.1.1), in the platform's dialect. */
export function consentUrl(
  descriptor: PlatformDescriptor,
  env: Record<string, string | undefined>,
  request: ConsentRequest,
): URL {
  const spec = descriptor.oauth!;
  const url = new URL(oauthEndpoints(descriptor, env)!.authorizeUrl);
  const params = url.searchParams;
  params.set('response_type', 'code');
  params.set(spec.clientIdParameter ?? 'client_id', request.clientId);
  params.set('redirect_uri', request.redirectUri);
  params.set('scope', spec.scopes.join(spec.scopeSeparator ?? ' '));
  params.set('state', request.state);
  if (spec.pkce && request.codeChallenge) {
    params.set('code_challenge', request.codeChallenge);
    params.set('code_challenge_method', 'S256');
  }
  for (const [key, value] of Object.entries(spec.authorizeParams ?? {})) params.set(key, value);
  return url;
}

/** The OAuth endpoints of a platform under this environment (see OAuthConnectSpec). */
export function oauthEndpoints(
  descriptor: PlatformDescriptor,
  env: Record<string, string | undefined>,
): { authorizeUrl: string; tokenUrl: string; apiBaseUrl: string } | undefined {
  const spec = descriptor.oauth;
  if (!spec) return undefined;
  const name = descriptor.slug.toUpperCase();
  const official = descriptor.apiBaseUrl ?? '';
  const base = (env[`POSTFLOW_${name}_API_URL`] || official).replace(/\/$/, '');
  const onOfficial = base === official;
  return {
    apiBaseUrl: base,
    authorizeUrl:
      env[`POSTFLOW_${name}_AUTHORIZE_URL`] || (onOfficial ? spec.authorizeUrl : base + spec.authorizePath),
    tokenUrl: env[`POSTFLOW_${name}_TOKEN_URL`] || (onOfficial ? spec.tokenUrl : base + spec.tokenPath),
  };
}

/**
 * The credentials an account posts with on one of its grant's pages (a target's `page_id`):
 * that page's id under `activeKey`, and its own token where it has one. Undefined when the grant
 * does not include the page.
 */
export function credentialsOnPage(
  spec: NonNullable<OAuthConnectSpec['pages']>,
  credentials: Record<string, string>,
  pageId: string,
): Record<string, string> | undefined {
  if (credentials[spec.activeKey] === pageId) return credentials;
  const page = grantedPages(credentials).find((p) => p.id === pageId);
  if (!page) return undefined;
  return {
    ...credentials,
    [spec.activeKey]: page.id,
    ...(page.accessToken ? { access_token: page.accessToken } : {}),
  };
}

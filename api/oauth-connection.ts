/**
 * A pending OAuth connection as its workflow holds it (workflows/oauth-connection.ts): ids,
 * URLs and the caller's own state, never a token, code or verifier (docs/security.md).
 */
export interface OAuthConnectionJob {
  /** Random; the PKCE verifier is derived from it with Postflow's secret key (codec/oauth-secrets.ts). */
  connectionId: string;
  userId: string;
  platform: string;
  /** The id a new account gets, chosen up front so a repeated step makes the same account. */
  accountId: string;
  brandId?: string;
  /** Postflow's callback URL: the consent page's `redirect_uri`, sent again at the token endpoint. */
  callbackUrl: string;
  /** Where the person is sent back with the result (one of POSTFLOW_OAUTH_REDIRECT_URIS). */
  redirectUri?: string;
  /** The caller's `state`, handed back on that redirect. */
  callerState?: string;
  /** The caller's `metadata`, handed back with the result. */
  metadata?: Record<string, unknown>;
  /** How long the consent may take before the connection expires. */
  ttlMs: number;
}

/** What the callback brings: the sealed code, or the platform's refusal of consent. */
export interface OAuthCallback {
  sealedCode?: string;
  /** The platform's `error` (e.g. `access_denied`) when the person refused. */
  error?: string;
  /** For `POST /v1/oauth/exchange`: must be the connection's platform. */
  platform?: string;
  /** For `POST /v1/oauth/exchange`: the caller, who must be the connection's user. */
  userId?: string;
  /** For `POST /v1/oauth/exchange`: must be the connection's `redirect_uri` when given. */
  redirectUri?: string;
}

export interface OAuthConnected {
  accountId: string;
  /** false: the user's account of the same platform user was updated (a reconnect). */
  created: boolean;
  username?: string;
  displayName?: string;
  pictureUrl?: string;
}

export type OAuthConnectionOutcome =
  ({ status: 'connected' } & OAuthConnected) | { status: 'failed'; code: string; message: string };

/** The callback's answer: the outcome, and what the caller gave connect to have back. */
export type OAuthCallbackAnswer = OAuthConnectionOutcome & {
  platform: string;
  redirectUri?: string;
  callerState?: string;
  metadata?: Record<string, unknown>;
};

/** The workflow's result: the outcome, or `expired` when no callback came in time. */
export type OAuthConnectionResult = OAuthConnectionOutcome | { status: 'expired' };

/** Why a callback is refused before it reaches the connection (the update's validator). */
export const CALLBACK_REFUSALS = {
  used: 'oauth.state_used',
  expired: 'oauth.state_expired',
  wrongUser: 'oauth.state_invalid',
  wrongRedirect: 'oauth.redirect_uri_mismatch',
} as const;

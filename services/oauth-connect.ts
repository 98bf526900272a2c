import { randomBytes } from 'node:crypto';
import { ulid } from 'ulid';
import type { z } from 'zod';
import { ApiError, validationError } from '../api/errors';
import type { OAuthCallbackAnswer } from '../api/oauth-connection';
import {
  type ConnectAccountBody,
  type connectedAccountSchema,
  type connectStartedSchema,
  oauthCallbackQuerySchema,
  oauthExchangeSchema,
} from '../api/oauth-schemas';
import { zodIssues } from '../api/zod-issues';
import type { OAuthSecrets } from '../codec/oauth-secrets';
import type { CredentialChecks, OAuthConnections } from '../gateway';
import { consentUrl, type PlatformDescriptor } from '../platforms/descriptor';
import { AVAILABLE_PLATFORMS, PLATFORM_DESCRIPTORS } from '../platforms/descriptors';
import type { Store } from '../store/types';
import type { AccountService } from './accounts';
import { ownBrand } from './brands';
import type { RedirectUriService } from './oauth-redirect-uris';

/**
 * Platforms people connect through a consent page whose OAuth connect is not built yet: connect
 * says so rather than asking for credentials (docs/api.md "Connecting accounts").
 */
const OAUTH_NOT_YET = ['instagram', 'google'];

/** How long a person has to consent before the connection expires. @default 10 minutes */
export const DEFAULT_OAUTH_STATE_TTL_MS = 10 * 60_000;

export interface OAuthConnectDeps {
  store: Store;
  accounts: AccountService;
  /** Absent where the API has no Temporal (the OpenAPI document's placeholder app). */
  connections?: OAuthConnections;
  /** Asks the platform about a credential platform's credentials (through the worker). */
  credentialChecks?: CredentialChecks;
  secrets?: OAuthSecrets;
  /** Postflow's callback: `<public URL>/v1/oauth/callback`, as registered in each platform's app. */
  callbackUrl: string;
  /** Where connect may send people back: the operator's POSTFLOW_OAUTH_REDIRECT_URIS and each user's own. */
  redirects: RedirectUriService;
  stateTtlMs: number;
  /** The operator's OAuth clients and endpoint overrides (`POSTFLOW_<PLATFORM>_*`). */
  env: Record<string, string | undefined>;
}

type Connected = z.infer<typeof connectedAccountSchema>;
type Started = z.infer<typeof connectStartedSchema>;

/** What the callback answers: a redirect to the caller's URI, or the result itself. */
export type CallbackAnswer = { redirect: string } | { result: Connected };

/** Connecting accounts as people do: a platform's consent page, or the platform's credentials. */
export class OAuthConnectService {
  constructor(private readonly deps: OAuthConnectDeps) {}

  /** `POST /v1/accounts/connect`: the consent page to send the person to, or the account. */
  async connect(
    userId: string,
    body: ConnectAccountBody,
  ): Promise<{ started: Started } | { connected: Connected }> {
    const descriptor = PLATFORM_DESCRIPTORS.find((d) => d.slug === body.platform);
    if (!descriptor || !AVAILABLE_PLATFORMS.includes(body.platform)) {
      throw validationError([
        {
          field: 'platform',
          code: 'validation.field_invalid',
          message: `"${body.platform}" is not available in this Postflow; use one of: ${AVAILABLE_PLATFORMS.join(', ')}.`,
        },
      ]);
    }
    if (descriptor.oauth) return { started: await this.startOAuth(userId, descriptor, body) };
    if (OAUTH_NOT_YET.includes(descriptor.slug)) {
      throw new ApiError(
        501,
        'resource.not_supported',
        `Connecting ${descriptor.displayName} through its consent page is not built yet; register the account with its tokens (POST /v1/accounts).`,
        { field: 'platform' },
      );
    }
    return { connected: await this.withCredentials(userId, descriptor, body) };
  }

  /**
   * `GET /v1/oauth/callback`: the platform sends the person back here. The connection finishes
   * (or is refused); with a `redirect_uri` the person goes there with the result in the query.
   */
  async callback(query: unknown): Promise<CallbackAnswer> {
    const parsed = oauthCallbackQuerySchema.safeParse(query ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { state, code, error } = parsed.data;
    if (!state) throw stateMissing();
    const { connections, secrets } = this.ready();
    const outcome = await connections.complete(state, {
      ...(code ? { sealedCode: secrets.seal(code) } : { error: error ?? 'no code' }),
    });
    if (!outcome.redirectUri) return { result: connectedOrThrow(outcome) };
    const target = new URL(outcome.redirectUri);
    if (outcome.callerState !== undefined) target.searchParams.set('state', outcome.callerState);
    if (outcome.status === 'connected') {
      target.searchParams.set('status', 'connected');
      target.searchParams.set('account_id', outcome.accountId);
      target.searchParams.set('platform', outcome.platform);
      if (outcome.username) target.searchParams.set('username', outcome.username);
    } else {
      target.searchParams.set('status', 'error');
      target.searchParams.set('error', outcome.code);
      target.searchParams.set('error_description', outcome.message);
    }
    return { redirect: target.toString() };
  }

  /** `POST /v1/oauth/exchange`: a code the caller received itself, for one of its connections. */
  async exchange(userId: string, body: unknown): Promise<Connected> {
    const parsed = oauthExchangeSchema.safeParse(body ?? {});
    if (!parsed.success) throw validationError(zodIssues(parsed.error));
    const { platform, code, metadata } = parsed.data;
    if (metadata.redirect_uri !== undefined)
      await this.registered(userId, metadata.redirect_uri, 'metadata.redirect_uri');
    const { connections, secrets } = this.ready();
    const outcome = await connections.complete(metadata.state, {
      sealedCode: secrets.seal(code),
      userId,
      platform,
      ...(metadata.redirect_uri !== undefined ? { redirectUri: metadata.redirect_uri } : {}),
    });
    return connectedOrThrow(outcome);
  }

  private async startOAuth(
    userId: string,
    descriptor: PlatformDescriptor,
    body: ConnectAccountBody,
  ): Promise<Started> {
    const misplaced = (['name', 'credentials'] as const).filter((key) => body[key] !== undefined);
    if (misplaced.length) {
      throw validationError(
        misplaced.map((key) => ({
          field: key,
          code: 'validation.field_invalid',
          message: `${descriptor.displayName} accounts are connected through its consent page, which gives the account's name and tokens; leave "${key}" out.`,
        })),
      );
    }
    if (body.redirect_uri !== undefined) await this.registered(userId, body.redirect_uri, 'redirect_uri');
    if (body.brand_id) await ownBrand(this.deps.store, userId, body.brand_id, 'brand_id');
    const prefix = `POSTFLOW_${descriptor.slug.toUpperCase()}`;
    const clientId = this.deps.env[`${prefix}_CLIENT_ID`];
    if (!clientId) {
      throw new ApiError(
        501,
        'resource.not_supported',
        `This Postflow has no ${descriptor.displayName} app to connect accounts with; the operator sets ${prefix}_CLIENT_ID (and _CLIENT_SECRET), see docs/configuration.md.`,
        { field: 'platform' },
      );
    }
    const { connections, secrets } = this.ready();
    const state = randomBytes(24).toString('base64url');
    const connectionId = `conn_${ulid()}`;
    await connections.start(state, {
      connectionId,
      userId,
      platform: descriptor.slug,
      accountId: `acc_${ulid()}`,
      callbackUrl: this.deps.callbackUrl,
      ttlMs: this.deps.stateTtlMs,
      ...(body.brand_id ? { brandId: body.brand_id } : {}),
      ...(body.redirect_uri ? { redirectUri: body.redirect_uri } : {}),
      ...(body.state !== undefined ? { callerState: body.state } : {}),
      ...(body.metadata ? { metadata: body.metadata } : {}),
    });
    const authUrl = consentUrl(descriptor, this.deps.env, {
      clientId,
      redirectUri: this.deps.callbackUrl,
      state,
      codeChallenge: secrets.challenge(connectionId),
    });
    return {
      auth_url: authUrl.toString(),
      state,
      message: `Send the person to auth_url to grant access on ${descriptor.displayName} within ${Math.round(this.deps.stateTtlMs / 60_000)} minutes.`,
    };
  }

  /**
   * A credential platform: the credentials are checked as `POST /v1/accounts` checks them, then
   * the worker asks the platform whose they are (workflows/credential-check.ts: the API does not
   * call platforms). Refused credentials make nothing; accepted ones make the account, named and
   * with the username the platform gave.
   */
  private async withCredentials(
    userId: string,
    descriptor: PlatformDescriptor,
    body: ConnectAccountBody,
  ): Promise<Connected> {
    const misplaced = (['redirect_uri', 'state'] as const).filter((key) => body[key] !== undefined);
    if (misplaced.length) {
      throw validationError(
        misplaced.map((key) => ({
          field: key,
          code: 'validation.field_invalid',
          message: `${descriptor.displayName} accounts are connected with their credentials, without a consent page; leave "${key}" out.`,
        })),
      );
    }
    const credentials = body.credentials ?? {};
    const brand = body.brand_id ? { brand_id: body.brand_id } : {};
    await this.deps.accounts.checkNew(userId, { platform: descriptor.slug, credentials, ...brand });
    const { credentialChecks, secrets } = this.deps;
    if (!credentialChecks || !secrets)
      throw new ApiError(503, 'system.unavailable', 'Connecting accounts is not available in this process.');
    const checked = await credentialChecks.check({
      platform: descriptor.slug,
      sealedCredentials: secrets.seal(JSON.stringify(credentials)),
    });
    if (checked.status === 'refused') {
      throw new ApiError(
        400,
        'account.invalid_credentials',
        `${descriptor.displayName} refused these credentials (${checked.message}); check them (docs/connect-guide.md) and connect again.`,
        { field: 'credentials' },
      );
    }
    if (checked.status === 'unreachable') {
      throw new ApiError(
        502,
        `platform.${descriptor.slug}.api_error`,
        `${descriptor.displayName} could not check the credentials: ${checked.message} Try again later.`,
        { field: 'credentials' },
      );
    }
    const profile = checked.status === 'verified' ? checked.profile : undefined;
    const { resource } = await this.deps.accounts.create(
      userId,
      {
        platform: descriptor.slug,
        name: body.name ?? profile?.name ?? profile?.username ?? descriptor.displayName,
        ...(profile?.username ? { username: profile.username } : {}),
        credentials,
        ...brand,
      },
      undefined,
    );
    return {
      account_id: resource.id,
      platform: resource.platform,
      username: resource.username,
      display_name: profile?.name ?? resource.name,
      profile_picture_url: profile?.pictureUrl ?? null,
      created: true,
      metadata: body.metadata ?? {},
    };
  }

  /** Refuses a redirect URI neither the operator nor the user registered (exact match). */
  private async registered(userId: string, uri: string, field: string): Promise<void> {
    if (await this.deps.redirects.allowed(userId, uri)) return;
    throw validationError([
      {
        field,
        code: 'validation.field_invalid',
        message: `"${uri}" is not a registered redirect URI; register it with POST /v1/oauth/redirect-uris (exact match), or the operator lists it in POSTFLOW_OAUTH_REDIRECT_URIS.`,
      },
    ]);
  }

  private ready(): { connections: OAuthConnections; secrets: OAuthSecrets } {
    const { connections, secrets } = this.deps;
    if (!connections || !secrets)
      throw new ApiError(503, 'system.unavailable', 'Connecting accounts is not available in this process.');
    return { connections, secrets };
  }
}

const stateMissing = () =>
  new ApiError(
    400,
    'oauth.state_invalid',
    'The callback has no state; open the auth_url POST /v1/accounts/connect answered.',
    {
      field: 'state',
    },
  );

/** The connection's account, or its failure as the contract's error. */
function connectedOrThrow(outcome: OAuthCallbackAnswer): Connected {
  if (outcome.status === 'failed') throw new ApiError(400, outcome.code, outcome.message);
  return {
    account_id: outcome.accountId,
    platform: outcome.platform,
    username: outcome.username ?? null,
    display_name: outcome.displayName ?? null,
    profile_picture_url: outcome.pictureUrl ?? null,
    created: outcome.created,
    metadata: outcome.metadata ?? {},
  };
}

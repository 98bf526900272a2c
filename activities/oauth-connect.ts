import { ApplicationFailure } from '@temporalio/activity';
import type { OAuthSecrets } from '../codec/oauth-secrets';
import type { OAuthConnectionJob, OAuthConnected } from '../api/oauth-connection';
import {
  type ConnectedProfile,
  credentialsOnPage,
  grantedPages,
  type OAuthConnectSpec,
  type PlatformDescriptor,
} from '../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../platforms/descriptors';
import { grantAssetsOf } from '../platforms/grant-assets';
import { ConnectRefused, exchangeCode, readConnection } from '../platforms/kit/oauth-connect';
import type { AccountProfile, KeptConnection, Store } from '../store/types';

export interface OAuthConnectDeps {
  store: Store;
  /** Derives PKCE verifiers and opens sealed codes; the API's, from the same secret key. */
  oauthSecrets?: OAuthSecrets;
  /** The operator's OAuth clients and endpoint overrides (`POSTFLOW_<PLATFORM>_*`). */
  env: Record<string, string | undefined>;
}

/**
 * How long a connection's kept token may outlive its connection: a redemption is retried for two
 * minutes (workflows/oauth-connection.ts); a row older than this belongs to one that never finished.
 */
export const CONNECTION_TOKEN_TTL_MS = 60 * 60_000;

/** The worker's side of a pending connection (workflows/oauth-connection.ts). */
export function createOAuthConnectActivities({ store, oauthSecrets, env }: OAuthConnectDeps) {
  return {
    /**
     * Redeems the code (with the connection's PKCE verifier) and keeps the token in the store under
     * the connection's id, then reads the profile and pages and creates the account, or updates the
     * user's account of the same platform user (fresh credentials, `active` again). A retry after a
     * crash or a transient failure finds the kept token and never sends the one-time code again; a
     * retry of an attempt lost after the save answers what that attempt saved. The token is
     * forgotten once the account is saved, or once the connection has failed for good.
     */
    async redeemOAuthConnection(job: OAuthConnectionJob, sealedCode: string): Promise<OAuthConnected> {
      const descriptor = PLATFORM_DESCRIPTORS.find((d) => d.slug === job.platform);
      if (!descriptor?.oauth || !oauthSecrets)
        throw ApplicationFailure.nonRetryable(
          `This worker cannot connect ${job.platform} accounts.`,
          'system.internal',
        );
      // Tokens of connections that never finished; a failure to sweep is no failure to connect.
      void store.connectionTokens
        .purge(new Date(Date.now() - CONNECTION_TOKEN_TTL_MS))
        .catch(() => undefined);
      // Facebook Pages, Instagram business accounts, LinkedIn organizations: all recorded at once.
      const read = {
        descriptor,
        env,
        ...(descriptor.oauth.pages ? { assets: grantAssetsOf(descriptor.slug, env) } : {}),
      };
      try {
        const kept = await keptConnection(store, job, () =>
          exchangeCode({
            ...read,
            code: oauthSecrets.open(sealedCode),
            redirectUri: job.callbackUrl,
            ...(descriptor.oauth?.pkce ? { codeVerifier: oauthSecrets.verifier(job.connectionId) } : {}),
          }),
        );
        // An earlier attempt saved the account and was lost before it answered.
        if (kept.connected) return kept.connected;
        const connected = await saveAccount(
          store,
          job,
          descriptor,
          await readConnection(read, kept.credentials),
        );
        await store.connectionTokens.settle(job.connectionId, connected);
        return connected;
      } catch (err) {
        const final =
          err instanceof ConnectRefused || (err instanceof ApplicationFailure && err.nonRetryable);
        // The connection is over: nothing will use its token again.
        if (final) await store.connectionTokens.drop(job.connectionId);
        if (err instanceof ConnectRefused) throw ApplicationFailure.nonRetryable(err.message, err.code);
        throw err;
      }
    },
  };
}

/**
 * What this connection's code gave: the token an earlier attempt kept (or the account it saved),
 * else the code redeemed now and its token kept before anything else can fail. An attempt that
 * finds the code spent looks once more, for an earlier attempt (timed out, still running) may have
 * kept it since.
 */
async function keptConnection(
  store: Store,
  job: OAuthConnectionJob,
  redeem: () => Promise<Record<string, string>>,
): Promise<KeptConnection> {
  const kept = await store.connectionTokens.get(job.connectionId);
  if (kept) return kept;
  let credentials;
  try {
    credentials = await redeem();
  } catch (err) {
    const spent = err instanceof ConnectRefused && err.code === 'oauth.code_invalid';
    const keptMeanwhile = spent ? await store.connectionTokens.get(job.connectionId) : undefined;
    if (keptMeanwhile) return keptMeanwhile;
    throw err;
  }
  return {
    credentials: await store.connectionTokens.keep(job.connectionId, { platform: job.platform, credentials }),
  };
}

/** Creates the connection's account, or updates the user's account of the same platform user. */
async function saveAccount(
  store: Store,
  job: OAuthConnectionJob,
  descriptor: PlatformDescriptor,
  { credentials, profile }: { credentials: Record<string, string>; profile: ConnectedProfile },
): Promise<OAuthConnected> {
  const oauth = descriptor.oauth!;
  const identity = credentials[oauth.identityKey];
  const username = profile.username ?? null;
  const existing = await sameUserAccount(store, job, oauth.identityKey, identity);
  if (existing) {
    const kept = keepChosenPage(oauth.pages, await store.accountCredentials(existing), credentials);
    await store.updateAccountCredentials(existing, kept);
    await store.setAccountStatus(existing, 'active');
    await store.updateAccount(existing, {
      username,
      ...accountProfile(oauth.pages, profile, identity, kept),
    });
    return { accountId: existing, created: false, ...shown(profile) };
  }
  // The brand was checked at connect; it may have been deleted while the person consented.
  if (job.brandId && !(await store.brands.get(job.brandId, job.userId)))
    throw ApplicationFailure.nonRetryable(
      `The brand ${job.brandId} this connection was started for no longer exists; start a new connection without brand_id or with another brand.`,
      'oauth.brand_not_found',
    );
  await store.createAccount({
    id: job.accountId,
    userId: job.userId,
    platform: job.platform,
    name: profile.name || profile.username || descriptor.displayName,
    ...(username ? { username } : {}),
    credentials,
    ...(job.brandId ? { brandId: job.brandId } : {}),
    profile: accountProfile(oauth.pages, profile, identity, credentials),
  });
  return { accountId: job.accountId, created: true, ...shown(profile) };
}

/**
 * A reconnect keeps the page the account was set to post to (PATCH …/pages/{pageId}) while the new
 * grant still includes it; otherwise the grant's first page is the default.
 */
function keepChosenPage(
  pages: OAuthConnectSpec['pages'],
  before: Record<string, string>,
  fresh: Record<string, string>,
): Record<string, string> {
  const chosen = pages ? before[pages.activeKey] : undefined;
  return (pages && chosen && credentialsOnPage(pages, fresh, chosen)) || fresh;
}

/**
 * The contract's account fields as this connect read them: a reconnect refreshes them all (a
 * picture or bio since removed becomes null). `page_name` (and the picture, where pages have
 * one) is the page the account posts to.
 */
function accountProfile(
  pages: OAuthConnectSpec['pages'],
  profile: ConnectedProfile,
  identity: string | undefined,
  credentials: Record<string, string>,
): AccountProfile {
  const active = pages ? credentials[pages.activeKey] : undefined;
  const page = grantedPages(credentials).find((p) => p.id === active);
  return {
    // A Page shows its own picture (Facebook, Instagram business); pages without one, the person's.
    profilePictureUrl: page?.pictureUrl ?? profile.pictureUrl ?? null,
    bio: profile.bio ?? null,
    loginId: identity ?? null,
    pageName: page?.name ?? null,
  };
}

/** The user's account of this platform user, if one exists (a reconnect, or this job's own retry). */
async function sameUserAccount(
  store: Store,
  job: OAuthConnectionJob,
  identityKey: string,
  identity: string | undefined,
): Promise<string | undefined> {
  if (!identity) return undefined;
  for (const account of await store.listAccounts(job.userId)) {
    if (account.platform !== job.platform) continue;
    if ((await store.accountCredentials(account.id))[identityKey] === identity) return account.id;
  }
  return undefined;
}

const shown = (profile: { username?: string; name?: string; pictureUrl?: string }) => ({
  ...(profile.username ? { username: profile.username } : {}),
  ...(profile.name ? { displayName: profile.name } : {}),
  ...(profile.pictureUrl ? { pictureUrl: profile.pictureUrl } : {}),
});

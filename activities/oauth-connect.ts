import { ApplicationFailure } from '@temporalio/activity';
import type { OAuthSecrets } from '../codec/oauth-secrets';
import type { OAuthConnectionJob, OAuthConnected } from '../api/oauth-connection';
import { credentialsOnPage, type OAuthConnectSpec } from '../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../platforms/descriptors';
import { grantAssetsOf } from '../platforms/grant-assets';
import { ConnectRefused, redeemCode } from '../platforms/kit/oauth-connect';
import type { Store } from '../store/types';

export interface OAuthConnectDeps {
  store: Store;
  /** Derives PKCE verifiers and opens sealed codes; the API's, from the same secret key. */
  oauthSecrets?: OAuthSecrets;
  /** The operator's OAuth clients and endpoint overrides (`POSTFLOW_<PLATFORM>_*`). */
  env: Record<string, string | undefined>;
}

/** The worker's side of a pending connection (workflows/oauth-connection.ts). */
export function createOAuthConnectActivities({ store, oauthSecrets, env }: OAuthConnectDeps) {
  return {
    /**
     * Redeems the code (with the connection's PKCE verifier), reads the profile and creates the
     * account, or updates the user's account of the same platform user (fresh credentials,
     * `active` again). Repeating it after a crash finds the account it made by its platform user.
     */
    async redeemOAuthConnection(job: OAuthConnectionJob, sealedCode: string): Promise<OAuthConnected> {
      const descriptor = PLATFORM_DESCRIPTORS.find((d) => d.slug === job.platform);
      if (!descriptor?.oauth || !oauthSecrets)
        throw ApplicationFailure.nonRetryable(
          `This worker cannot connect ${job.platform} accounts.`,
          'system.internal',
        );
      let redeemed;
      try {
        redeemed = await redeemCode({
          descriptor,
          env,
          code: oauthSecrets.open(sealedCode),
          redirectUri: job.callbackUrl,
          // Facebook Pages, Instagram business accounts, LinkedIn organizations: all recorded at once.
          ...(descriptor.oauth.pages ? { assets: grantAssetsOf(descriptor.slug, env) } : {}),
          ...(descriptor.oauth.pkce ? { codeVerifier: oauthSecrets.verifier(job.connectionId) } : {}),
        });
      } catch (err) {
        if (err instanceof ConnectRefused) throw ApplicationFailure.nonRetryable(err.message, err.code);
        throw err;
      }
      const { credentials, profile } = redeemed;
      const identity = credentials[descriptor.oauth.identityKey];
      const username = profile.username ?? null;
      const existing = await sameUserAccount(store, job, descriptor.oauth.identityKey, identity);
      if (existing) {
        await store.updateAccountCredentials(
          existing,
          keepChosenPage(descriptor.oauth.pages, await store.accountCredentials(existing), credentials),
        );
        await store.setAccountStatus(existing, 'active');
        await store.updateAccount(existing, { username });
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
      });
      return { accountId: job.accountId, created: true, ...shown(profile) };
    },
  };
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

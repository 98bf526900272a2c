import { ApplicationFailure } from '@temporalio/activity';
import { Context } from '@temporalio/activity';
import type { CredentialCheckJob, CredentialCheckResult } from '../api/credential-check';
import type { OAuthSecrets } from '../codec/oauth-secrets';
import { PublishError } from '../platforms/kit/adapter';
import type { PlatformRegistry } from './platforms/registry';

export interface CredentialCheckDeps {
  platforms: PlatformRegistry;
  /** Opens the sealed credentials; the API's, from the same secret key. */
  oauthSecrets?: OAuthSecrets;
}

/** The worker's side of a credential platform's connect (workflows/credential-check.ts). */
export function createCredentialCheckActivities({ platforms, oauthSecrets }: CredentialCheckDeps) {
  return {
    /**
     * Asks the platform whom the credentials belong to, through the adapter (its SSRF guard, its
     * timeouts). A refusal is an answer; trouble on the platform's side throws, to be retried.
     */
    async checkAccountCredentials(job: CredentialCheckJob): Promise<CredentialCheckResult> {
      const adapter = platforms.get(job.platform);
      if (!adapter || !oauthSecrets)
        throw ApplicationFailure.nonRetryable(
          `This worker cannot check ${job.platform} credentials.`,
          'system.internal',
        );
      if (!adapter.verifyCredentials) return { status: 'unchecked' };
      const credentials = JSON.parse(oauthSecrets.open(job.sealedCredentials)) as Record<string, string>;
      const account = { id: 'acc_pending', platform: job.platform, name: job.platform, credentials };
      try {
        const profile = await adapter.verifyCredentials(account, Context.current().cancellationSignal);
        return {
          status: 'verified',
          profile: {
            id: profile.id,
            ...(profile.username ? { username: profile.username } : {}),
            ...(profile.name ? { name: profile.name } : {}),
            ...(profile.pictureUrl ? { pictureUrl: profile.pictureUrl } : {}),
          },
        };
      } catch (err) {
        if (!(err instanceof PublishError)) throw err;
        const { failure } = err;
        if (failure.caused_by === 'user' && !failure.retryable)
          return { status: 'refused', message: failure.message };
        if (!failure.retryable && !failure.refreshable)
          return { status: 'unreachable', message: failure.message };
        throw ApplicationFailure.retryable(failure.message, failure.code);
      }
    },
  };
}

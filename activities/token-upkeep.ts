import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Store } from '../store/types';
import { RECONNECT_REQUIRED } from './errors';
import { type AccountContext, type PlatformAdapter, PublishError } from '../platforms/kit/adapter';
import type { PlatformRegistry } from './platforms/registry';
import { insideRenewWindow, mayDeferRenewal, RENEW_DEFERRED_AT } from '../platforms/kit/token-expiry';

/**
 * Access-token upkeep: the refresh a delivery asks for (`refreshAccount`), the renewals of the
 * token-upkeep job (`accountsDueForRenewal`, `renewAccountToken`), and marking accounts whose
 * token a platform revoked. Credentials are loaded and stored here, by account id; workflows see
 * ids and outcomes only.
 */

/** A refresh this recent is not repeated: concurrent deliveries of one account share it. */
const RECENT_REFRESH_MS = 60_000;

/** What the token-upkeep job learns about one account; the workflow sees nothing else. */
export type RenewalOutcome =
  /** New tokens stored. */
  | 'renewed'
  /** Nothing to do: renewed meanwhile, no longer active, no longer in its renew window. */
  | 'not_due'
  /** The platform refused the refresh: the account is now `reconnect_required`. */
  | 'reconnect_required'
  /** The platform could not be reached or answered with a passing error: the next run tries again. */
  | 'retry_later';

/** What one refresh attempt did; shared by every caller that asked for the account meanwhile. */
type Attempt =
  | { kind: 'refreshed' }
  | { kind: 'cannot_refresh' }
  | { kind: 'failed'; error: unknown; credentials: Record<string, string>; adapter: PlatformAdapter };

export function createTokenActivities({ store, platforms }: { store: Store; platforms: PlatformRegistry }) {
  /** account id → the refresh in flight on this worker. */
  const inFlight = new Map<string, Promise<Attempt>>();

  /**
   * One refresh per account at a time on this worker: platforms that rotate refresh tokens (X,
   * TikTok, Pinterest) refuse the second use of the old one. Across workers, `refreshed_at` and
   * the rotated-token check below do the same.
   */
  function refreshOnce(accountId: string): Promise<Attempt> {
    let running = inFlight.get(accountId);
    if (!running) {
      running = attempt(accountId).finally(() => inFlight.delete(accountId));
      inFlight.set(accountId, running);
    }
    return running;
  }

  async function attempt(accountId: string): Promise<Attempt> {
    const account = await store.getAccount(accountId);
    const adapter = account && platforms.get(account.platform);
    if (!account || !adapter?.refresh) return { kind: 'cannot_refresh' };
    const credentials = await store.accountCredentials(accountId);
    // Another delivery (on this worker or another) refreshed moments ago: use its tokens.
    if (Date.now() - Date.parse(credentials.refreshed_at ?? '') < RECENT_REFRESH_MS)
      return { kind: 'refreshed' };
    try {
      const fresh = await adapter.refresh(contextOf(account, credentials));
      // Platforms may leave out fields that did not change (the refresh token itself).
      const { [RENEW_DEFERRED_AT]: _deferred, ...kept } = credentials;
      await store.updateAccountCredentials(accountId, {
        ...kept,
        ...fresh,
        refreshed_at: new Date().toISOString(),
      });
      return { kind: 'refreshed' };
    } catch (error) {
      return { kind: 'failed', error, credentials, adapter };
    }
  }

  /** Whether the stored tokens changed since `seen` (another worker refreshed them). */
  async function changedSince(accountId: string, seen: Record<string, string>): Promise<boolean> {
    const now = await store.accountCredentials(accountId);
    return now.refresh_token !== seen.refresh_token || now.access_token !== seen.access_token;
  }

  /** A refused refresh: the account must be reconnected, unless another worker's rotation explains it. */
  async function refused(accountId: string, seen: Record<string, string>, error: PublishError) {
    if (await changedSince(accountId, seen)) return false;
    await store.setAccountStatus(accountId, 'reconnect_required', error.failure.message);
    return true;
  }

  return {
    /**
     * Refreshes the account's access token for a delivery. When the platform refuses for good,
     * the account is marked `reconnect_required` and a non-retryable `AccountReconnectRequired`
     * is thrown. An early renewal (the token still works, inside its renew window) that fails is
     * deferred instead: the delivery goes on with the current token (token-expiry.ts).
     */
    async refreshAccount(accountId: string): Promise<void> {
      const result = await refreshOnce(accountId);
      if (result.kind === 'refreshed') return;
      if (result.kind === 'cannot_refresh') {
        throw ApplicationFailure.nonRetryable(
          `Account ${accountId} cannot refresh its token.`,
          RECONNECT_REQUIRED,
        );
      }
      const { error, credentials, adapter } = result;
      if (mayDeferRenewal(credentials, adapter.renewWindowMs)) {
        await deferRenewal(accountId, credentials);
        warn(`Renewing the token of account ${accountId} failed while it still works; using it as is.`, {
          accountId,
          reason: reasonOf(error),
        });
        return;
      }
      if (error instanceof PublishError && !error.failure.retryable) {
        if (!(await refused(accountId, credentials, error))) return;
        throw ApplicationFailure.nonRetryable(error.failure.message, RECONNECT_REQUIRED);
      }
      throw error;
    },

    /**
     * The active accounts whose token expires within their platform's renew window (platforms
     * with a refresh flow and `renewWindowMs`: Instagram, Threads). Ids only.
     */
    async accountsDueForRenewal(): Promise<string[]> {
      const renewable = [...platforms.values()].filter((a) => a.refresh && a.renewWindowMs !== undefined);
      const accounts = await store.activeAccountsOn(renewable.map((a) => a.platform));
      const due: string[] = [];
      for (const account of accounts) {
        const window = platforms.get(account.platform)!.renewWindowMs!;
        if (insideRenewWindow(await store.accountCredentials(account.id), window)) due.push(account.id);
      }
      return due;
    },

    /**
     * Renews one account's token for the token-upkeep job. Never fails for the account's sake:
     * a refused refresh marks it `reconnect_required`, a passing failure is left for the next run.
     */
    async renewAccountToken(accountId: string): Promise<RenewalOutcome> {
      const account = await store.getAccount(accountId);
      const window = account && platforms.get(account.platform)?.renewWindowMs;
      if (!account || account.status !== 'active' || window === undefined) return 'not_due';
      if (!insideRenewWindow(await store.accountCredentials(accountId), window)) return 'not_due';
      const result = await refreshOnce(accountId);
      if (result.kind === 'refreshed') return 'renewed';
      if (result.kind === 'cannot_refresh') return 'not_due';
      const { error, credentials } = result;
      if (error instanceof PublishError && !error.failure.retryable) {
        return (await refused(accountId, credentials, error)) ? 'reconnect_required' : 'renewed';
      }
      warn(`Renewing the token of account ${accountId} failed; the next upkeep run tries again.`, {
        accountId,
        reason: reasonOf(error),
      });
      return 'retry_later';
    },
  };

  /** Records a failed early renewal, unless the tokens changed meanwhile (never overwrite new ones). */
  async function deferRenewal(accountId: string, seen: Record<string, string>): Promise<void> {
    const now = await store.accountCredentials(accountId);
    if (now.access_token !== seen.access_token) return;
    await store.updateAccountCredentials(accountId, {
      ...now,
      [RENEW_DEFERRED_AT]: new Date().toISOString(),
    });
  }
}

/**
 * When a platform says the account's token is dead for good (`reconnect` on the failure: Mastodon
 * 401, LinkedIn REVOKED_ACCESS_TOKEN, Meta 190/460…), marks the account `reconnect_required`
 * with the platform's reason and returns the failure the target ends with,
 * `account.reconnection_required`. Any other error is returned unchanged.
 */
export async function settleRevokedToken(store: Store, accountId: string, err: unknown): Promise<unknown> {
  if (!(err instanceof PublishError) || !err.failure.reconnect) return err;
  await store.setAccountStatus(accountId, 'reconnect_required', err.failure.message);
  const { refreshable: _refreshable, ...failure } = err.failure;
  return new PublishError(
    {
      ...failure,
      category: 'auth',
      caused_by: 'user',
      code: 'account.reconnection_required',
      message: `${err.failure.message} Reconnect the account (${err.failure.code}).`.slice(0, 300),
      retryable: false,
    },
    { cause: err },
  );
}

function contextOf(
  account: { id: string; platform: string; name: string },
  credentials: Record<string, string>,
): AccountContext {
  return { id: account.id, platform: account.platform, name: account.name, credentials };
}

/** The classified message of a failure (platform words, never a token). */
function reasonOf(error: unknown): string {
  if (error instanceof PublishError) return `${error.failure.code}: ${error.failure.message}`;
  return error instanceof Error ? error.message : String(error);
}

/** Logs through the activity's logger (post and account attributes); silent outside an activity. */
function warn(message: string, attrs: Record<string, unknown>): void {
  try {
    Context.current().log.warn(message, attrs);
  } catch {
    // Called outside an activity (unit tests): nothing to log to.
  }
}

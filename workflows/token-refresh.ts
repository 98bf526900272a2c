import type { PublishFailure } from '../api/types';
import type { PlatformCalls } from './activity-proxies';
import { mayRefreshToken } from './retry-decision';

/** Where a token refresh was spent: a delivery run, one processing wait, one lookup. */
export interface RefreshScope {
  refreshed: boolean;
}

/**
 * The one place a delivery refreshes an account's access token: after `failure` said it expired,
 * once per `scope` (retry-decision.ts `mayRefreshToken`). Says whether the token is fresh, so the
 * step that failed may run again; false when the failure was another, the scope spent its
 * refresh, or the refresh failed.
 */
export async function refreshedAfter(
  failure: PublishFailure,
  scope: RefreshScope,
  accountId: string,
  calls: PlatformCalls,
): Promise<boolean> {
  if (!mayRefreshToken(failure, scope.refreshed)) return false;
  scope.refreshed = true;
  try {
    await calls.refreshAccount(accountId);
    return true;
  } catch {
    return false;
  }
}

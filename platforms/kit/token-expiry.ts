/**
 * When an account's access token needs renewing, from its credentials' `expires_at`. Pure, so the
 * adapters' due checks, the refresh activity and the token-upkeep job agree on one rule.
 *
 * Tokens that can be refreshed only while still valid (Meta's long-lived tokens) have a renew
 * window: inside it the token still works but should be renewed. A renewal that fails there
 * (the platform down, or refusing while the token still works) is deferred: deliveries go on
 * with the still-valid token and try again after `RENEW_DEFER_MS`; only an expired token must be
 * refreshed before a call.
 */

/** Credential field: when an early renewal last failed while the token still worked (ISO instant). */
export const RENEW_DEFERRED_AT = 'renew_deferred_at';

/** After a failed early renewal, deliveries use the still-valid token this long before trying again. */
export const RENEW_DEFER_MS = 6 * 3_600_000;

/** A token this close to its expiry counts as expired: it could die during the call. */
export const EXPIRY_MARGIN_MS = 60_000;

/** `expires_at` as epoch milliseconds; undefined when the account has none (tokens that never expire). */
export function tokenExpiresAt(credentials: Record<string, string>): number | undefined {
  const at = credentials.expires_at ? Date.parse(credentials.expires_at) : NaN;
  return Number.isNaN(at) ? undefined : at;
}

/** The token has expired (or is about to): no call may be made with it. */
export function tokenExpired(credentials: Record<string, string>, now = Date.now()): boolean {
  const at = tokenExpiresAt(credentials);
  return at !== undefined && at - EXPIRY_MARGIN_MS <= now;
}

/** The token expires within `windowMs`: time to renew it (it may still work). */
export function insideRenewWindow(
  credentials: Record<string, string>,
  windowMs: number,
  now = Date.now(),
): boolean {
  const at = tokenExpiresAt(credentials);
  return at !== undefined && at - windowMs <= now;
}

/** An early renewal failed less than `RENEW_DEFER_MS` ago. */
export function renewalDeferred(credentials: Record<string, string>, now = Date.now()): boolean {
  const at = Date.parse(credentials[RENEW_DEFERRED_AT] ?? '');
  return !Number.isNaN(at) && now - at < RENEW_DEFER_MS;
}

/**
 * Whether a delivery must renew the token before calling the platform: it has expired, or it is
 * inside its renew window and no early renewal failed recently.
 */
export function renewDueBeforeCall(
  credentials: Record<string, string>,
  windowMs: number,
  now = Date.now(),
): boolean {
  if (tokenExpired(credentials, now)) return true;
  return insideRenewWindow(credentials, windowMs, now) && !renewalDeferred(credentials, now);
}

/**
 * Whether a failed refresh may be shrugged off: the token still works, the failure happened in
 * its renew window, and no early renewal failed recently. (A recent deferral means this refresh
 * was not asked for by the due check, which stays quiet while deferred, but by the platform
 * refusing the token: then the failure counts.)
 */
export function mayDeferRenewal(
  credentials: Record<string, string>,
  windowMs: number | undefined,
  now = Date.now(),
): boolean {
  return (
    windowMs !== undefined &&
    !tokenExpired(credentials, now) &&
    insideRenewWindow(credentials, windowMs, now) &&
    !renewalDeferred(credentials, now)
  );
}

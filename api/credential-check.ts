/**
 * A credential platform's connect asks the platform whether the credentials work before the
 * account is made (workflows/credential-check.ts). The credentials travel sealed with Postflow's
 * secret key (codec/oauth-secrets.ts), never readable in Temporal's history.
 */
export interface CredentialCheckJob {
  platform: string;
  /** `JSON.stringify(credentials)`, sealed. */
  sealedCredentials: string;
}

/** Whom the credentials belong to (platforms/kit/adapter.ts `VerifiedProfile`). */
export interface CheckedProfile {
  id: string;
  username?: string;
  name?: string;
  pictureUrl?: string;
}

/**
 * - `verified`: the platform accepted them;
 * - `unchecked`: the platform cannot be asked (its adapter has no `verifyCredentials`);
 * - `refused`: the platform refused them (`message` says why, never the credentials);
 * - `unreachable`: the platform did not answer in time, or failed on its side.
 */
export type CredentialCheckResult =
  | { status: 'verified'; profile: CheckedProfile }
  | { status: 'unchecked' }
  | { status: 'refused'; message: string }
  | { status: 'unreachable'; message: string };

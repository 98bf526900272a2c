// The Google API conventions both Google fakes share (Business Profile and YouTube), as
// platforms/google/api.ts is the call helper both adapters share.
import { FakePlatform, type FakeRequest, type FakeResponse, type Route } from '../kit/fake-platform';

/**
 * Google's error body (cloud.google.com/apis/design/errors): `code`, `message`, canonical
 * `status`, and for v3-era APIs (YouTube) `errors[{message, domain, reason}]`.
 */
export function googleError(
  code: number,
  status: string | undefined,
  message: string,
  extra: { reason?: string; domain?: string; details?: unknown[] } = {},
): FakeResponse {
  return {
    status: code,
    body: {
      error: {
        code,
        message,
        ...(extra.reason
          ? { errors: [{ message, domain: extra.domain ?? 'global', reason: extra.reason }] }
          : {}),
        ...(status ? { status } : {}),
        ...(extra.details ? { details: extra.details } : {}),
      },
    },
  };
}

export const UNAUTHENTICATED = googleError(
  401,
  'UNAUTHENTICATED',
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential.',
  { reason: 'authError' },
);

/** Accepts only the fake's access tokens, like Google's front end. */
export function authed(
  fake: FakePlatform,
  handle: (req: FakeRequest, params: Record<string, string>) => FakeResponse | Promise<FakeResponse>,
) {
  return (req: FakeRequest, params: Record<string, string>) =>
    req.bearer && fake.accessTokens.has(req.bearer) ? handle(req, params) : UNAUTHENTICATED;
}

/**
 * Google's token endpoint (`POST /token`, form body). The refresh grant: a new access token for
 * an hour, no new refresh token (Google does not rotate them). The authorization-code grant (with
 * `redeem`, the fake's own code check): a token pair, the refresh token because connect asks for
 * `access_type=offline`. Refused grants answer `invalid_grant` / `invalid_client` as Google does.
 */
export function tokenRoute(
  fake: FakePlatform,
  log: Array<Record<string, string>>,
  client?: { id: string; secret: string },
  redeem?: (form: Record<string, string>) => { access_token: string; refresh_token: string } | undefined,
): Route {
  return {
    method: 'POST',
    path: '/token',
    handle: (req) => {
      const form = req.body as Record<string, string>;
      log.push(form);
      if (form.grant_type === 'authorization_code' && redeem && client) {
        if (form.client_id !== client.id || form.client_secret !== client.secret)
          return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
        const pair = redeem(form);
        if (!pair) return { status: 400, body: { error: 'invalid_grant', error_description: 'Bad Request' } };
        return {
          status: 200,
          body: { ...pair, expires_in: 3599, scope: form.scope ?? '', token_type: 'Bearer' },
        };
      }
      if (form.grant_type !== 'refresh_token') {
        return {
          status: 400,
          body: { error: 'unsupported_grant_type', error_description: 'Invalid grant_type.' },
        };
      }
      const owner = fake.refreshTokens.get(form.refresh_token ?? '');
      if (!owner) {
        return {
          status: 400,
          body: { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' },
        };
      }
      if (owner !== form.client_id || !form.client_secret) {
        return { status: 401, body: { error: 'invalid_client', error_description: 'Unauthorized' } };
      }
      const access = `ya29.${fake.nextId()}`;
      fake.accessTokens.add(access);
      return {
        status: 200,
        body: {
          access_token: access,
          expires_in: 3599,
          scope: 'https://www.googleapis.com/auth/business.manage',
          token_type: 'Bearer',
        },
      };
    },
  };
}

import type { PlatformAdapter } from '../../platforms/kit/adapter';
import { PublishError } from '../../platforms/kit/adapter';
import { createMastodonAdapter } from '../../platforms/mastodon/adapter';
import { assertMetaTokenFresh, META_RENEW_WINDOW_MS, metaRule } from '../../platforms/meta/graph';
import { mayDeferRenewal, RENEW_DEFERRED_AT, renewDueBeforeCall } from '../../platforms/kit/token-expiry';
import { createTokenActivities, settleRevokedToken } from '../../activities/token-upkeep';
import type { Store } from '../../store/types';
import { tokenUpkeepIntervalFrom } from '../../worker/token-upkeep-schedule';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { REACH_LOOPBACK_FAKES } from '../../platforms/kit/fake-platform';
import { publishRequest } from '../contracts/run-delivery';
import { inDays, inMinutes, tempStore } from '../helpers/fixtures';

const DAY = 86_400_000;
const WINDOW = META_RENEW_WINDOW_MS;

describe('when a token is due for renewal', () => {
  const now = Date.parse('2026-06-01T00:00:00Z');
  const expiring = (days: number, extra: Record<string, string> = {}) => ({
    access_token: 't',
    expires_at: new Date(now + days * DAY).toISOString(),
    ...extra,
  });
  const deferred = (hoursAgo: number) => ({
    [RENEW_DEFERRED_AT]: new Date(now - hoursAgo * 3_600_000).toISOString(),
  });

  test('a token far from expiry, or without expires_at, is not due', () => {
    expect(renewDueBeforeCall(expiring(30), WINDOW, now)).toBe(false);
    expect(renewDueBeforeCall({ access_token: 't' }, WINDOW, now)).toBe(false);
    expect(() => assertMetaTokenFresh('instagram', expiring(30), now)).not.toThrow();
  });

  test('a token in its last week is due before a call, and refreshable', () => {
    expect(renewDueBeforeCall(expiring(3), WINDOW, now)).toBe(true);
    expect(() => assertMetaTokenFresh('instagram', expiring(3), now)).toThrow(
      expect.objectContaining({ failure: expect.objectContaining({ refreshable: true }) }),
    );
  });

  test('after a failed early renewal the still-valid token is used, until the deferral ends', () => {
    expect(renewDueBeforeCall(expiring(3, deferred(1)), WINDOW, now)).toBe(false);
    expect(() => assertMetaTokenFresh('threads', expiring(3, deferred(1)), now)).not.toThrow();
    expect(renewDueBeforeCall(expiring(3, deferred(7)), WINDOW, now)).toBe(true);
  });

  test('an expired token is due whatever was deferred', () => {
    expect(renewDueBeforeCall(expiring(-1, deferred(1)), WINDOW, now)).toBe(true);
  });

  test('only an early renewal, not yet deferred, may be shrugged off', () => {
    expect(mayDeferRenewal(expiring(3), WINDOW, now)).toBe(true);
    expect(mayDeferRenewal(expiring(3, deferred(1)), WINDOW, now)).toBe(false);
    expect(mayDeferRenewal(expiring(-1), WINDOW, now)).toBe(false);
    // Outside the window, a refresh was asked for because the platform refused the token.
    expect(mayDeferRenewal(expiring(30), WINDOW, now)).toBe(false);
    // Platforms without a renew window (OAuth 2.0 access tokens) never defer.
    expect(mayDeferRenewal(expiring(3), undefined, now)).toBe(false);
  });
});

describe('auth failures that are about the token', () => {
  test('Meta 190 with 458/460/492 means reconnect; 459/464 are for the user to fix in Meta', () => {
    for (const subcode of [458, 460, 492])
      expect(metaRule({ code: 190, error_subcode: subcode }, 400, { refreshes: true })).toMatchObject({
        reconnect: true,
      });
    for (const subcode of [459, 464])
      expect(metaRule({ code: 190, error_subcode: subcode }, 400, { refreshes: true }).reconnect).toBeFalsy();
  });

  test('a plain 190 is refreshed where Meta has a refresh, and means reconnect where it has none', () => {
    const withRefresh = metaRule({ code: 190 }, 400, { refreshes: true });
    expect(withRefresh).toMatchObject({ refreshable: true });
    expect(withRefresh.reconnect).toBeFalsy();
    expect(metaRule({ code: 190 }, 400, { refreshes: false })).toMatchObject({
      refreshable: false,
      reconnect: true,
    });
  });

  test('Mastodon: a 401 for a revoked token says reconnect', async () => {
    const mastodon = await new MastodonFake().start();
    try {
      const credentials = mastodon.credentials();
      mastodon.accessTokens.delete(credentials.access_token!);
      const adapter = createMastodonAdapter({ outbound: REACH_LOOPBACK_FAKES });
      const account = { id: 'acc_m', platform: 'mastodon', name: 'M', credentials };
      const failure = await adapter
        .publish(publishRequest(account, { text: 'hello', media: [] }, {}, []), {})
        .then(
          () => undefined,
          (err: PublishError) => err.failure,
        );
      expect(failure).toMatchObject({ code: 'platform.mastodon.auth', reconnect: true, retryable: false });
    } finally {
      await mastodon.stop();
    }
  });
});

describe('token activities on a real store', () => {
  let store: Store;
  /** What the stub platform's refresh does next. */
  let refresh: () => Promise<Record<string, string>>;
  const renewable: PlatformAdapter = {
    platform: 'instagram',
    renewWindowMs: WINDOW,
    publish: async () => ({ platformPostId: 'x', permalink: '', publishedAt: '' }),
    refresh: () => refresh(),
  };
  const activities = () => createTokenActivities({ store, platforms: new Map([['instagram', renewable]]) });
  const transient = () =>
    new PublishError({
      category: 'platform',
      caused_by: 'platform',
      code: 'platform.instagram.unavailable',
      message: 'instagram: down',
      retryable: true,
      outcomeUnknown: false,
    });
  const refused = () =>
    new PublishError({
      category: 'auth',
      caused_by: 'user',
      code: 'account.reconnection_required',
      message: 'instagram refused to refresh the access token',
      retryable: false,
      outcomeUnknown: false,
    });
  const account = async (expiresAt: string) =>
    (
      await store.createAccount({
        userId: 'usr_1',
        platform: 'instagram',
        name: 'IG',
        credentials: { access_token: 'old', refresh_token: 'old', expires_at: expiresAt },
      })
    ).id;

  beforeAll(async () => {
    ({ store } = await tempStore());
  });
  afterAll(() => store?.close());

  test('a delivery whose early renewal fails in passing goes on with the valid token', async () => {
    const id = await account(inDays(3));
    refresh = async () => {
      throw transient();
    };
    await expect(activities().refreshAccount(id)).resolves.toBeUndefined();
    const credentials = await store.accountCredentials(id);
    expect(credentials.access_token).toBe('old');
    expect(credentials[RENEW_DEFERRED_AT]).toBeDefined();
    // The due check now lets the call go ahead with the current token.
    expect(() => assertMetaTokenFresh('instagram', credentials)).not.toThrow();
    expect((await store.getAccount(id))?.status).toBe('active');
  });

  test('a refusal while the token still works does not fail the delivery either', async () => {
    const id = await account(inDays(3));
    refresh = async () => {
      throw refused();
    };
    await expect(activities().refreshAccount(id)).resolves.toBeUndefined();
    expect((await store.getAccount(id))?.status).toBe('active');
    // Asked again while deferred: the platform refused the token itself; now it counts.
    await expect(activities().refreshAccount(id)).rejects.toMatchObject({ type: 'AccountReconnectRequired' });
    expect((await store.getAccount(id))?.status).toBe('reconnect_required');
  });

  test('an expired token that cannot be refreshed marks the account', async () => {
    const id = await account(inMinutes(-5));
    refresh = async () => {
      throw refused();
    };
    await expect(activities().refreshAccount(id)).rejects.toMatchObject({ type: 'AccountReconnectRequired' });
    expect((await store.getAccount(id))?.status).toBe('reconnect_required');
  });

  test('a renewal stores the new token and clears the deferral', async () => {
    const id = await account(inDays(3));
    refresh = async () => {
      throw transient();
    };
    await activities().refreshAccount(id);
    refresh = async () => ({ access_token: 'new', refresh_token: 'new', expires_at: inDays(60) });
    expect(await activities().renewAccountToken(id)).toBe('renewed');
    const credentials = await store.accountCredentials(id);
    expect(credentials).toMatchObject({ access_token: 'new', expires_at: expect.any(String) });
    expect(credentials[RENEW_DEFERRED_AT]).toBeUndefined();
  });

  test('the upkeep job lists accounts in their window and reports each outcome', async () => {
    const fresh = await account(inDays(40));
    const dying = await account(inDays(2));
    const due = await activities().accountsDueForRenewal();
    expect(due).toContain(dying);
    expect(due).not.toContain(fresh);
    expect(await activities().renewAccountToken(fresh)).toBe('not_due');

    refresh = async () => {
      throw transient();
    };
    expect(await activities().renewAccountToken(dying)).toBe('retry_later');
    expect((await store.getAccount(dying))?.status).toBe('active');

    refresh = async () => {
      throw refused();
    };
    expect(await activities().renewAccountToken(dying)).toBe('reconnect_required');
    expect(await store.getAccount(dying)).toMatchObject({
      status: 'reconnect_required',
      reconnectReason: expect.stringContaining('refused'),
    });
    expect(await activities().accountsDueForRenewal()).not.toContain(dying);
  });

  test('a failure flagged `reconnect` marks the account and ends as account.reconnection_required', async () => {
    const id = await account(inDays(40));
    const revoked = new PublishError({
      category: 'auth',
      caused_by: 'user',
      code: 'platform.mastodon.auth',
      message: 'mastodon: The access token was revoked',
      retryable: false,
      outcomeUnknown: false,
      reconnect: true,
    });
    const settled = (await settleRevokedToken(store, id, revoked)) as PublishError;
    expect(settled.failure).toMatchObject({
      code: 'account.reconnection_required',
      category: 'auth',
      retryable: false,
    });
    expect(settled.failure.message).toContain('revoked');
    expect(await store.getAccount(id)).toMatchObject({ status: 'reconnect_required' });
    const other = new Error('boom');
    expect(await settleRevokedToken(store, id, other)).toBe(other);
  });
});

describe('POSTFLOW_TOKEN_UPKEEP_INTERVAL', () => {
  test('defaults to a day, takes durations and off, refuses nonsense', () => {
    expect(tokenUpkeepIntervalFrom({})).toBe(DAY);
    expect(tokenUpkeepIntervalFrom({ POSTFLOW_TOKEN_UPKEEP_INTERVAL: '12h' })).toBe(DAY / 2);
    expect(tokenUpkeepIntervalFrom({ POSTFLOW_TOKEN_UPKEEP_INTERVAL: 'off' })).toBe('off');
    expect(() => tokenUpkeepIntervalFrom({ POSTFLOW_TOKEN_UPKEEP_INTERVAL: 'often' })).toThrow(
      /at least a minute/,
    );
    expect(() => tokenUpkeepIntervalFrom({ POSTFLOW_TOKEN_UPKEEP_INTERVAL: '5s' })).toThrow(
      /at least a minute/,
    );
  });
});

import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOAuthConnectActivities } from '../../activities/oauth-connect';
import { OAuthSecrets } from '../../codec/oauth-secrets';
import { oauthEndpoints, type PlatformDescriptor } from '../../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';
import type { FakePlatform } from '../../platforms/kit/fake-platform';
import { ConnectRefused, redeemCode } from '../../platforms/kit/oauth-connect';
import { LinkedInFake } from '../../platforms/linkedin/fake';
import { PinterestFake } from '../../platforms/pinterest/fake';
import { RedditFake } from '../../platforms/reddit/fake';
import { TwitterFake } from '../../platforms/twitter/fake';
import { openStore } from '../../store';
import { answerConsent } from '../helpers/consent';

/**
 * Each OAuth platform's connect descriptor against its fake: the consent page takes the
 * descriptor's parameters, the code redeems (with PKCE where the platform has it) into a token
 * the fake accepts, the profile names the platform user, and a code is redeemed once only.
 */
const CALLBACK = 'http://127.0.0.1:9/v1/oauth/callback';
const secrets = new OAuthSecrets(Buffer.alloc(32, 7));

const cases: Array<{ fake: FakePlatform; client: [string, string]; identity: string }> = [
  { fake: new TwitterFake(), client: ['client-1', 'secret-1'], identity: '1580000000000000001' },
  { fake: new LinkedInFake(), client: ['li-client', 'li-secret'], identity: 'fakemember' },
  { fake: new RedditFake(), client: ['client-1', 'secret-1'], identity: 'postflow_bot' },
  { fake: new PinterestFake(), client: ['1484362', 'app-secret-1'], identity: '549755885175' },
];

beforeAll(() => Promise.all(cases.map((c) => c.fake.start())));
afterAll(() => Promise.all(cases.map((c) => c.fake.stop())));

const descriptorOf = (slug: string): PlatformDescriptor => PLATFORM_DESCRIPTORS.find((d) => d.slug === slug)!;

describe.each(cases)('$fake.name', ({ fake, client, identity }) => {
  const descriptor = descriptorOf(fake.name);
  const prefix = `POSTFLOW_${fake.name.toUpperCase()}`;
  const env = () => ({
    POSTFLOW_REDDIT_USER_AGENT: 'test-agent/1.0 by u/operator',
    [`${prefix}_API_URL`]: fake.url,
    [`${prefix}_CLIENT_ID`]: client[0],
    [`${prefix}_CLIENT_SECRET`]: client[1],
  });

  /** The consent page as connect sends a person to it; the code it sends back. */
  async function consent(connectionId: string): Promise<string> {
    const spec = descriptor.oauth!;
    const url = new URL(oauthEndpoints(descriptor, env())!.authorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', client[0]);
    url.searchParams.set('redirect_uri', CALLBACK);
    url.searchParams.set('scope', spec.scopes.join(' '));
    url.searchParams.set('state', 'st');
    if (spec.pkce) {
      url.searchParams.set('code_challenge', secrets.challenge(connectionId));
      url.searchParams.set('code_challenge_method', 'S256');
    }
    const back = await answerConsent(url, 'approve');
    expect(back.searchParams.get('state')).toBe('st');
    return back.searchParams.get('code')!;
  }

  const redeem = (code: string, connectionId: string) =>
    redeemCode({
      descriptor,
      env: env(),
      code,
      redirectUri: CALLBACK,
      ...(descriptor.oauth!.pkce ? { codeVerifier: secrets.verifier(connectionId) } : {}),
    });

  test('a consented code becomes the account credentials and profile, once', async () => {
    // The app the fake accepts, as the browser test configures Postflow with it.
    expect(fake.oauthApp()).toEqual({ clientId: client[0], clientSecret: client[1] });
    const code = await consent('conn_1');
    const { credentials, profile } = await redeem(code, 'conn_1');
    expect(profile.id).toBe(identity);
    expect(credentials[descriptor.oauth!.identityKey]).toBe(identity);
    expect(fake.accessTokens.has(credentials.access_token!)).toBe(true);
    expect(credentials.refresh_token).toBeTruthy();
    expect(Date.parse(credentials.expires_at!)).toBeGreaterThan(Date.now());
    if (fake instanceof RedditFake) expect(fake.userAgents.at(-1)).toBe('test-agent/1.0 by u/operator');
    await expect(redeem(code, 'conn_1')).rejects.toMatchObject({ code: 'oauth.code_invalid' });
  });

  if (descriptor.oauth!.pkce) {
    test('the code needs the verifier of its own connection', async () => {
      const code = await consent('conn_2');
      const wrong = redeem(code, 'conn_other');
      await expect(wrong).rejects.toBeInstanceOf(ConnectRefused);
    });
  }
});

test('the consent page is a form naming the app and scopes; Deny sends the browser back refused', async () => {
  const twitter = cases[0]!.fake;
  const url = new URL(`${twitter.url}/i/oauth2/authorize`);
  for (const [key, value] of Object.entries({
    response_type: 'code',
    client_id: 'client-1',
    redirect_uri: CALLBACK,
    scope: 'tweet.read <b>',
    state: 'st',
  }))
    url.searchParams.set(key, value);
  const html = await (await fetch(url)).text();
  expect(html).toContain('<strong id="app">client-1</strong>');
  expect(html).toContain('<li>tweet.read</li><li>&#60;b&#62;</li>');
  expect(html).toMatch(/<button type="submit" name="decision" value="approve">Approve<\/button>/);
  expect(html).toMatch(/<button type="submit" name="decision" value="deny">Deny<\/button>/);

  const requestId = /name="request_id" value="([^"]+)"/.exec(html)![1]!;
  const answer = (decision: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ request_id: requestId, decision }),
      redirect: 'manual',
    });
  const denied = await answer('deny');
  expect(denied.status).toBe(302);
  const back = new URL(denied.headers.get('location')!);
  expect(Object.fromEntries(back.searchParams)).toEqual({ state: 'st', error: 'access_denied' });
  expect(twitter.consents.at(-1)).toMatchObject({ clientId: 'client-1', approved: false });
  // The form's request is single use: answering it again is refused.
  const again = await answer('approve');
  expect(again.status).toBe(400);
});

test('the PKCE verifier is RFC 7636-shaped and its challenge is its S256 hash', () => {
  const verifier = secrets.verifier('conn_x');
  expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(secrets.challenge('conn_x')).toBe(createHash('sha256').update(verifier).digest('base64url'));
  expect(secrets.open(secrets.seal('the-code'))).toBe('the-code');
  expect(new OAuthSecrets(Buffer.alloc(32, 8)).verifier('conn_x')).not.toBe(verifier);
});

test('redeeming a connection creates the account once, and the same X user reconnects it (active again)', async () => {
  const twitter = cases[0]!.fake as TwitterFake;
  const home = mkdtempSync(join(tmpdir(), 'oauth-connect-'));
  const store = await openStore(home);
  try {
    const env = {
      POSTFLOW_TWITTER_API_URL: twitter.url,
      POSTFLOW_TWITTER_CLIENT_ID: 'client-1',
      POSTFLOW_TWITTER_CLIENT_SECRET: 'secret-1',
    };
    const { redeemOAuthConnection } = createOAuthConnectActivities({ store, env, oauthSecrets: secrets });
    const descriptor = descriptorOf('twitter');
    /** A connection consented on X's fake, as the callback hands it to the activity. */
    const consented = async (connectionId: string, accountId: string) => {
      const url = new URL(oauthEndpoints(descriptor, env)!.authorizeUrl);
      for (const [key, value] of Object.entries({
        response_type: 'code',
        client_id: 'client-1',
        redirect_uri: CALLBACK,
        state: 's',
        code_challenge: secrets.challenge(connectionId),
        code_challenge_method: 'S256',
      }))
        url.searchParams.set(key, value);
      const back = await answerConsent(url, 'approve');
      const job = {
        connectionId,
        userId: 'usr_a',
        platform: 'twitter',
        accountId,
        callbackUrl: CALLBACK,
        ttlMs: 60_000,
      };
      return redeemOAuthConnection(job, secrets.seal(back.searchParams.get('code')!));
    };

    const first = await consented('conn_a', 'acc_first');
    expect(first).toMatchObject({ accountId: 'acc_first', created: true, username: 'postflow' });
    await store.setAccountStatus('acc_first', 'reconnect_required', 'token revoked');

    const again = await consented('conn_b', 'acc_second');
    expect(again).toMatchObject({ accountId: 'acc_first', created: false });
    expect(await store.getAccount('acc_second')).toBeUndefined();
    expect(await store.getAccount('acc_first')).toMatchObject({ status: 'active', reconnectReason: null });
    const credentials = await store.accountCredentials('acc_first');
    expect(credentials).toMatchObject({ user_id: '1580000000000000001', username: 'postflow' });
    expect(twitter.accessTokens.has(credentials.access_token!)).toBe(true);
  } finally {
    await store.close();
  }
});

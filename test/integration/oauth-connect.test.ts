import { oauthWorkflowId } from '../../gateway';
import { TwitterFake } from '../../platforms/twitter/fake';
import { signaturesValid, WebhookReceiver } from '../helpers/receiver';
import { answerConsent } from '../helpers/consent';
import { Stack } from '../helpers/stack';

/**
 * Connecting an X account as a person does, through the real stack and X's fake, in plain HTTP
 * (the consent form posted and the callback's redirects followed by hand): connect → consent page →
 * Postflow's callback → the account, then every refusal the contract names.
 */
const twitter = new TwitterFake();
const receiver = new WebhookReceiver();
let stack: Stack;
const APP = 'https://app.example/connected';
/** Short, so the expiry can be seen; the flows below finish well within it. */
const TTL_SECONDS = 8;

beforeAll(async () => {
  await Promise.all([twitter.start(), receiver.start()]);
  stack = await new Stack({
    // The webhook receiver runs on loopback over http, which only this setting allows.
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_TWITTER_API_URL: twitter.url,
    POSTFLOW_TWITTER_CLIENT_ID: 'client-1',
    POSTFLOW_TWITTER_CLIENT_SECRET: 'secret-1',
    POSTFLOW_OAUTH_REDIRECT_URIS: `${APP}, https://other.example/back`,
    POSTFLOW_OAUTH_STATE_TTL_SECONDS: String(TTL_SECONDS),
  }).start();
});

afterAll(async () => {
  await stack?.stop();
  await twitter.stop();
  await receiver.stop();
});

/** connect; the 202's body. */
async function connect(body: Record<string, unknown> = {}) {
  const { status, body: started } = await stack.request('POST', '/v1/accounts/connect', {
    platform: 'twitter',
    ...body,
  });
  expect(status).toBe(202);
  return started as { auth_url: string; state: string; message: string };
}

/** The consent page, approved: where it sends the browser back (Postflow's callback, with code and state). */
const consent = (authUrl: string): Promise<URL> => answerConsent(authUrl, 'approve');

/** Postflow's callback, as the browser reaches it (no API key). */
async function callback(back: URL) {
  const response = await fetch(`${stack.baseUrl}${back.pathname}${back.search}`, { redirect: 'manual' });
  const text = await response.text();
  return {
    status: response.status,
    location: response.headers.get('location'),
    body: text ? JSON.parse(text) : undefined,
  };
}

test('connect → consent → callback creates the account and redirects with it; the state is used once', async () => {
  const started = await connect({ redirect_uri: APP, state: 'my-state', metadata: { team: 'blue' } });
  const auth = new URL(started.auth_url);
  expect(`${auth.origin}${auth.pathname}`).toBe(`${twitter.url}/i/oauth2/authorize`);
  expect(auth.searchParams.get('client_id')).toBe('client-1');
  expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
  expect(auth.searchParams.get('scope')).toContain('offline.access');
  expect(auth.searchParams.get('state')).toBe(started.state);
  expect(auth.searchParams.get('redirect_uri')).toMatch(/\/v1\/oauth\/callback$/);

  const back = await consent(started.auth_url);
  const code = back.searchParams.get('code')!;
  const done = await callback(back);
  expect(done.status).toBe(302);
  const landed = new URL(done.location!);
  expect(`${landed.origin}${landed.pathname}`).toBe(APP);
  expect(Object.fromEntries(landed.searchParams)).toEqual({
    state: 'my-state',
    status: 'connected',
    account_id: expect.stringMatching(/^acc_/),
    platform: 'twitter',
    username: 'postflow',
  });
  const accountId = landed.searchParams.get('account_id')!;
  const { body: account } = await stack.request('GET', `/v1/accounts/${accountId}`);
  expect(account).toMatchObject({
    platform: 'twitter',
    username: 'postflow',
    name: 'Postflow',
    status: 'active',
    // The contract's account fields: the X user whose grant it is; X's fake shows no picture or bio.
    login_id: '1580000000000000001',
    profile_picture_url: null,
    bio: null,
    page_name: null,
  });
  expect(twitter.consents.at(-1)).toMatchObject({ clientId: 'client-1', pkce: true });

  // The account publishes with the tokens the exchange brought.
  const { body: post } = await stack.request('POST', '/v1/posts', {
    account_ids: [accountId],
    text: 'connected through the consent page',
    publish_now: true,
  });
  expect((await stack.waitForPost(post.id)).status).toBe('published');
  expect(twitter.posts.at(-1)?.text).toBe('connected through the consent page');

  // The same callback again: the state is single use.
  const replayed = await callback(back);
  expect(replayed.status).toBe(409);
  expect(replayed.body.error).toMatchObject({ code: 'oauth.state_used', meta: { field: 'state' } });

  // Neither the code, nor the verifier, nor a token is in the connection's history.
  const history = JSON.stringify(
    await stack.client.workflow.getHandle(oauthWorkflowId(started.state)).fetchHistory(),
  );
  expect(history).not.toContain(code);
  expect(history).not.toContain(started.state);
  for (const token of twitter.accessTokens) expect(history).not.toContain(token);
  for (const token of twitter.refreshTokens.keys()) expect(history).not.toContain(token);
});

test('the same X user connected again is the same account, answered as JSON without redirect_uri', async () => {
  const first = await callback(await consent((await connect()).auth_url));
  expect(first.status).toBe(200);
  const again = await callback(await consent((await connect({ metadata: { n: 2 } })).auth_url));
  expect(again.status).toBe(200);
  expect(again.body).toMatchObject({
    account_id: first.body.account_id,
    platform: 'twitter',
    username: 'postflow',
    display_name: 'Postflow',
    created: false,
    metadata: { n: 2 },
  });
  const { body: accounts } = await stack.request('GET', '/v1/accounts');
  expect(accounts.data.filter((a: { platform: string }) => a.platform === 'twitter')).toHaveLength(1);
});

test("X's profile read failing after the code was redeemed is retried with the kept token: connected, the code sent once", async () => {
  const tokenCalls = () =>
    twitter.requests.filter((r) => r.method === 'POST' && r.path === '/2/oauth2/token').length;
  const back = await consent((await connect()).auth_url);
  const before = tokenCalls();
  // The exchange succeeds; the profile read's connection drops, then X answers 503: the code is spent.
  twitter.inject({ method: 'GET', path: '/2/users/me' }, { kind: 'reset' });
  twitter.inject(
    { method: 'GET', path: '/2/users/me' },
    { status: 503, body: { title: 'Service Unavailable' } },
  );
  const done = await callback(back);
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ platform: 'twitter', username: 'postflow' });
  expect(done.body.error).toBeUndefined();
  expect(tokenCalls() - before).toBe(1);
  const { body: accounts } = await stack.request('GET', '/v1/accounts');
  expect(accounts.data.filter((a: { platform: string }) => a.platform === 'twitter')).toHaveLength(1);
});

test('POST /v1/oauth/exchange: the caller brings the code; a reused code, another redirect_uri, another user are refused', async () => {
  const started = await connect({ redirect_uri: APP });
  const code = (await consent(started.auth_url)).searchParams.get('code')!;
  const exchange = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
    stack.request('POST', '/v1/oauth/exchange', { platform: 'twitter', code, ...body }, headers);

  const wrongRedirect = await exchange({
    metadata: { state: started.state, redirect_uri: 'https://other.example/back' },
  });
  expect(wrongRedirect.status).toBe(400);
  expect(wrongRedirect.body.error.code).toBe('oauth.redirect_uri_mismatch');

  const stranger = { authorization: `Bearer ${stack.keyForUser('usr_stranger')}` };
  const otherUser = await exchange({ metadata: { state: started.state } }, stranger);
  expect(otherUser.status).toBe(400);
  expect(otherUser.body.error.code).toBe('oauth.state_invalid');

  // Refusals before the exchange leave the connection usable.
  const done = await exchange({ metadata: { state: started.state, redirect_uri: APP } });
  expect(done.status).toBe(200);
  expect(done.body).toMatchObject({ platform: 'twitter', username: 'postflow' });

  // The code again, on a new connection: X refuses a code used once.
  const next = await connect();
  const reused = await exchange({ metadata: { state: next.state } });
  expect(reused.status).toBe(400);
  expect(reused.body.error.code).toBe('oauth.code_invalid');

  const unknown = await exchange({ metadata: { state: 'no-such-state' } });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.code).toBe('oauth.state_invalid');
});

test('refused consent comes back as an error on the redirect', async () => {
  const started = await connect({ redirect_uri: APP, state: 's' });
  const done = await callback(await answerConsent(started.auth_url, 'deny'));
  expect(done.status).toBe(302);
  const landed = new URL(done.location!);
  expect(landed.searchParams.get('status')).toBe('error');
  expect(landed.searchParams.get('error')).toBe('oauth.consent_denied');
  expect(landed.searchParams.get('state')).toBe('s');
});

test("a user's registered redirect URI works for their connect, not for another user's", async () => {
  const mine = 'https://mine.example/oauth/done';
  const registered = await stack.request('POST', '/v1/oauth/redirect-uris', { redirect_uri: mine });
  expect(registered.status).toBe(201);
  expect(registered.body).toEqual({
    id: expect.stringMatching(/^ruri_/),
    redirect_uri: mine,
    created_at: expect.any(String),
  });
  const { body: list } = await stack.request('GET', '/v1/oauth/redirect-uris');
  expect(list).toEqual({ count: 1, data: [registered.body] });

  const done = await callback(await consent((await connect({ redirect_uri: mine, state: 'u1' })).auth_url));
  expect(done.status).toBe(302);
  const landed = new URL(done.location!);
  expect(`${landed.origin}${landed.pathname}`).toBe(mine);
  expect(landed.searchParams.get('status')).toBe('connected');

  const stranger = { authorization: `Bearer ${stack.keyForUser('usr_other_app')}` };
  const refused = await stack.request(
    'POST',
    '/v1/accounts/connect',
    { platform: 'twitter', redirect_uri: mine },
    stranger,
  );
  expect(refused.status).toBe(400);
  expect(refused.body.error).toMatchObject({
    code: 'validation.field_invalid',
    meta: { field: 'redirect_uri' },
  });
  expect(refused.body.error.message).toContain('POST /v1/oauth/redirect-uris');
  expect((await stack.request('GET', '/v1/oauth/redirect-uris', undefined, stranger)).body.count).toBe(0);
  const notTheirs = await stack.request(
    'DELETE',
    `/v1/oauth/redirect-uris/${registered.body.id}`,
    undefined,
    stranger,
  );
  expect(notTheirs.status).toBe(404);

  // An exchange naming a URI nobody registered is refused on that field.
  const started = await connect();
  const code = (await consent(started.auth_url)).searchParams.get('code')!;
  const unregistered = await stack.request('POST', '/v1/oauth/exchange', {
    platform: 'twitter',
    code,
    metadata: { state: started.state, redirect_uri: 'https://nobody.example/cb' },
  });
  expect(unregistered.status).toBe(400);
  expect(unregistered.body.error.meta.field).toBe('metadata.redirect_uri');

  const badUri = await stack.request('POST', '/v1/oauth/redirect-uris', {
    redirect_uri: 'http://mine.example/cb',
  });
  expect([badUri.status, badUri.body.error.meta.field]).toEqual([400, 'redirect_uri']);

  // Deleted, it no longer serves new connections.
  const deleted = await stack.request('DELETE', `/v1/oauth/redirect-uris/${registered.body.id}`);
  expect(deleted.status).toBe(204);
  const after = await stack.request('POST', '/v1/accounts/connect', {
    platform: 'twitter',
    redirect_uri: mine,
  });
  expect([after.status, after.body.error.meta.field]).toEqual([400, 'redirect_uri']);
});

test('connect, exchange and registering a redirect URI need accounts:manage', async () => {
  const run = stack.runCli('keys', 'create', '--scopes', 'accounts:read', '--name', 'reader');
  const reader = { authorization: `Bearer ${(JSON.parse(run.stdout) as { key: string }).key}` };
  for (const [path, body] of [
    ['/v1/accounts/connect', { platform: 'twitter' }],
    ['/v1/oauth/exchange', { platform: 'twitter', code: 'c', metadata: { state: 's' } }],
    ['/v1/oauth/redirect-uris', { redirect_uri: 'https://app.example/x' }],
  ] as const) {
    const { status, body: error } = await stack.request('POST', path, body, reader);
    expect([path, status, error.error.code, error.error.meta.required_scope]).toEqual([
      path,
      403,
      'auth.insufficient_scope',
      'accounts:manage',
    ]);
  }
});

test('connect refuses an unregistered redirect_uri, unknown fields, credentials for an OAuth platform', async () => {
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ platform: 'twitter', redirect_uri: 'https://evil.example/steal' }, 'redirect_uri'],
    [{ platform: 'twitter', credentials: { access_token: 'x' } }, 'credentials'],
    [{ platform: 'twitter', scopes: 'all' }, 'scopes'],
    [{ platform: 'nope' }, 'platform'],
  ];
  for (const [body, field] of cases) {
    const { status, body: error } = await stack.request('POST', '/v1/accounts/connect', body);
    expect([status, error.error.meta.field]).toEqual([400, field]);
  }
});

test('a credential platform is connected with its credentials in the body (201)', async () => {
  const { status, body } = await stack.request('POST', '/v1/accounts/connect', {
    platform: 'sandbox',
    name: 'Direct',
    metadata: { from: 'test' },
  });
  expect(status).toBe(201);
  expect(body).toMatchObject({
    platform: 'sandbox',
    display_name: 'Direct',
    created: true,
    metadata: { from: 'test' },
  });
  const refused = await stack.request('POST', '/v1/accounts/connect', { platform: 'sandbox', state: 'x' });
  expect([refused.status, refused.body.error.meta.field]).toEqual([400, 'state']);
});

test('a state not used in time expires', async () => {
  const started = await connect();
  const back = await consent(started.auth_url);
  await new Promise((r) => setTimeout(r, (TTL_SECONDS + 2) * 1000));
  const late = await callback(back);
  expect(late.status).toBe(410);
  expect(late.body.error.code).toBe('oauth.state_expired');
});

test('each connection sends one signed account.connected to a subscribed endpoint', async () => {
  const { body: endpoint } = await stack.request('POST', '/v1/webhooks', {
    url: receiver.url,
    events: ['account.connected'],
  });
  expect(endpoint.events).toEqual(['account.connected']);
  const catalog = (await stack.request('GET', '/v1/webhooks/events')).body.data.map((e: any) => e.event);
  expect(catalog).toContain('account.connected');

  const ofConnection = (n: string) => (r: { json: any }) =>
    r.json?.event === 'account.connected' && r.json.data.metadata?.n === n;
  const first = await callback(await consent((await connect({ metadata: { n: 'first' } })).auth_url));
  expect(first.status).toBe(200);
  const event = await receiver.waitFor(ofConnection('first'));
  expect(signaturesValid(event, endpoint.secret)).toBe(true);
  expect(event.headers['x-socialapi-event']).toBe('account.connected');
  expect(event.json.data).toEqual({
    account_id: first.body.account_id,
    platform: 'twitter',
    username: 'postflow',
    display_name: 'Postflow',
    profile_picture_url: first.body.profile_picture_url,
    created: first.body.created,
    brand_id: null,
    metadata: { n: 'first' },
  });

  // A second connection (the same X user: a reconnect) has its own event; the first is not repeated.
  const second = await callback(await consent((await connect({ metadata: { n: 'second' } })).auth_url));
  expect(second.body).toMatchObject({ account_id: first.body.account_id, created: false });
  expect((await receiver.waitFor(ofConnection('second'))).json.data.created).toBe(false);
  expect(receiver.received.filter(ofConnection('first'))).toHaveLength(1);
  // A refused consent connects nothing and announces nothing.
  const refusedAt = (await connect({ metadata: { n: 'refused' } })).auth_url;
  const refused = await callback(await answerConsent(refusedAt, 'deny'));
  expect(refused.body.error.code).toBe('oauth.consent_denied');
  await callback(await consent((await connect({ metadata: { n: 'third' } })).auth_url));
  await receiver.waitFor(ofConnection('third'));
  expect(receiver.received.filter(ofConnection('refused'))).toHaveLength(0);
  await stack.request('DELETE', `/v1/webhooks/${endpoint.id}`);
});

test('a brand deleted between connect and callback gets no account: the connection says why', async () => {
  // The X user's account from the tests above is disconnected, so this connection would create one.
  const twitterAccounts = async () =>
    (await stack.request('GET', '/v1/accounts')).body.data.filter((a: any) => a.platform === 'twitter');
  for (const account of await twitterAccounts()) await stack.request('DELETE', `/v1/accounts/${account.id}`);
  const { body: brand } = await stack.request('POST', '/v1/brands', { name: 'Short-lived' });
  const started = await connect({ redirect_uri: APP, state: 'b', brand_id: brand.id });
  expect((await stack.request('DELETE', `/v1/brands/${brand.id}`)).status).toBe(204);
  const done = await callback(await consent(started.auth_url));
  const landed = new URL(done.location!);
  expect(Object.fromEntries(landed.searchParams)).toMatchObject({
    state: 'b',
    status: 'error',
    error: 'oauth.brand_not_found',
  });
  expect(landed.searchParams.get('error_description')).toContain(brand.id);
  expect(await twitterAccounts()).toEqual([]);
});

import { BlueskyFake } from '../../platforms/bluesky/fake';
import { MastodonFake } from '../../platforms/mastodon/fake';
import { Stack } from '../helpers/stack';

/**
 * Connecting credential platforms through the real stack: connect hands the credentials to the
 * worker (the API does not call platforms), which asks the platform's fake whose they are. Good
 * credentials make the account with the platform's username and name; refused ones make nothing.
 */
const bluesky = new BlueskyFake();
const mastodon = new MastodonFake();
let stack: Stack;

beforeAll(async () => {
  await Promise.all([bluesky.start(), mastodon.start()]);
  // The fakes listen on loopback: the account's servers (service, instance_url) are private.
  stack = await new Stack({ POSTFLOW_ALLOW_PRIVATE_URLS: 'true' }).start();
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([bluesky.stop(), mastodon.stop()]);
});

const connect = (platform: string, credentials: Record<string, string>, extra: object = {}) =>
  stack.request('POST', '/v1/accounts/connect', { platform, credentials, ...extra });
const accountCount = async () => (await stack.request('GET', '/v1/accounts')).body.count as number;

/** Every payload of every credential check's history, as text. */
async function checkHistories(): Promise<string> {
  const texts: string[] = [];
  for await (const run of stack.client.workflow.list({ query: "WorkflowType = 'credentialCheck'" })) {
    const history = await stack.client.workflow.getHandle(run.workflowId, run.runId).fetchHistory();
    texts.push(
      // Payloads' data, decoded (base64 in the history's JSON form).
      JSON.stringify(history, (key, value) => {
        if (value instanceof Uint8Array) return Buffer.from(value).toString('utf8');
        return key === 'data' && typeof value === 'string'
          ? Buffer.from(value, 'base64').toString('utf8')
          : value;
      }),
    );
  }
  return texts.join('\n');
}

test('Bluesky: an app password connects the account, named by its profile; nothing secret in history', async () => {
  const { status, body } = await connect('bluesky', bluesky.appPasswordCredentials(), { metadata: { n: 1 } });
  expect(status).toBe(201);
  expect(body).toEqual({
    account_id: expect.stringMatching(/^acc_/),
    platform: 'bluesky',
    username: bluesky.handle,
    display_name: bluesky.displayName,
    profile_picture_url: bluesky.avatar,
    created: true,
    metadata: { n: 1 },
  });
  const account = await stack.request('GET', `/v1/accounts/${body.account_id}`);
  expect(account.body).toMatchObject({
    name: bluesky.displayName,
    username: bluesky.handle,
    status: 'active',
  });
  // The check's workflow carried the credentials sealed: the app password is in no history.
  let histories = '';
  for (let i = 0; i < 50 && !histories.includes(bluesky.did); i++) {
    histories = await checkHistories();
    if (!histories.includes(bluesky.did)) await new Promise((r) => setTimeout(r, 200));
  }
  expect(histories).toContain(bluesky.did);
  expect(histories).not.toContain(bluesky.appPassword);
});

test('Bluesky: a wrong app password, or the main password, is refused and makes no account', async () => {
  const before = await accountCount();
  for (const password of ['wxyz-wxyz-wxyz-wxyz', bluesky.mainPassword]) {
    const { status, body } = await connect('bluesky', {
      ...bluesky.appPasswordCredentials(),
      app_password: password,
    });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: 'account.invalid_credentials',
      meta: { field: 'credentials' },
    });
    expect(body.error.message).not.toContain(password);
  }
  const main = await connect('bluesky', {
    ...bluesky.appPasswordCredentials(),
    app_password: bluesky.mainPassword,
  });
  expect(main.body.error.message).toMatch(/app password/);
  expect(await accountCount()).toBe(before);
});

test('Mastodon: a token connects as user@instance; a revoked one is refused and makes nothing', async () => {
  const good = await connect('mastodon', mastodon.credentials(), { name: 'My Mastodon' });
  expect(good.status).toBe(201);
  expect(good.body).toMatchObject({
    platform: 'mastodon',
    username: `postflow@${new URL(mastodon.url).host}`,
    display_name: 'Postflow Test',
  });
  // A name given wins over the profile's.
  expect((await stack.request('GET', `/v1/accounts/${good.body.account_id}`)).body.name).toBe('My Mastodon');

  const before = await accountCount();
  const bad = await connect('mastodon', { instance_url: mastodon.url, access_token: 'mst_revoked' });
  expect(bad.status).toBe(400);
  expect(bad.body.error.code).toBe('account.invalid_credentials');
  expect(bad.body.error.message).not.toContain('mst_revoked');
  expect(await accountCount()).toBe(before);
});

test('credentials missing or malformed are refused before the platform is asked', async () => {
  const calls = bluesky.requests.length;
  const missing = await connect('bluesky', { identifier: bluesky.handle });
  expect([missing.status, missing.body.error.meta.field]).toEqual([400, 'credentials.app_password']);
  const badUrl = await connect('mastodon', { instance_url: 'ftp://x', access_token: 't' });
  expect([badUrl.status, badUrl.body.error.meta.field]).toEqual([400, 'credentials.instance_url']);
  expect(bluesky.requests.length).toBe(calls);
});

test('POST /v1/accounts registers without asking the platform (tokens from elsewhere, imports)', async () => {
  const calls = mastodon.requests.length;
  const { status, body } = await stack.request('POST', '/v1/accounts', {
    platform: 'mastodon',
    name: 'Registered',
    credentials: { instance_url: mastodon.url, access_token: 'mst_not_checked' },
  });
  expect(status).toBe(201);
  expect(body).toMatchObject({ platform: 'mastodon', name: 'Registered', status: 'active' });
  expect(mastodon.requests.length).toBe(calls);
});

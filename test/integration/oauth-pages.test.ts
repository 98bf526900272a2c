import { GoogleBusinessFake } from '../../platforms/google/business/fake';
import { LinkedInFake } from '../../platforms/linkedin/fake';
import { FacebookFake } from '../../platforms/meta/facebook/fake';
import { InstagramBusinessFake } from '../../platforms/meta/instagram_business/fake';
import { PNG_1X1 } from '../contracts/run-delivery';
import { answerConsent } from '../helpers/consent';
import { Stack } from '../helpers/stack';

/**
 * Multi-asset grants through the real stack: one Facebook Login (or LinkedIn member grant) gives
 * several Pages (organizations); the account lists them and posts to the one chosen, with no second
 * consent. Consent and callback are followed by hand over plain HTTP, as in oauth-connect.test.ts.
 */
const facebook = new FacebookFake();
const linkedin = new LinkedInFake();
const google = new GoogleBusinessFake();
const instagram = new InstagramBusinessFake();
let stack: Stack;

beforeAll(async () => {
  await Promise.all([facebook.start(), linkedin.start(), google.start(), instagram.start()]);
  stack = await new Stack({
    POSTFLOW_FACEBOOK_API_URL: facebook.url,
    POSTFLOW_FACEBOOK_CLIENT_ID: facebook.client.id,
    POSTFLOW_FACEBOOK_CLIENT_SECRET: facebook.client.secret,
    POSTFLOW_LINKEDIN_PAGE_API_URL: linkedin.url,
    POSTFLOW_LINKEDIN_PAGE_CLIENT_ID: linkedin.client.id,
    POSTFLOW_LINKEDIN_PAGE_CLIENT_SECRET: linkedin.client.secret,
    POSTFLOW_GOOGLE_API_URL: google.url,
    POSTFLOW_GOOGLE_CLIENT_ID: google.client.id,
    POSTFLOW_GOOGLE_CLIENT_SECRET: google.client.secret,
    POSTFLOW_INSTAGRAM_BUSINESS_API_URL: instagram.url,
    POSTFLOW_INSTAGRAM_BUSINESS_CLIENT_ID: instagram.client.id,
    POSTFLOW_INSTAGRAM_BUSINESS_CLIENT_SECRET: instagram.client.secret,
  }).start();
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([facebook.stop(), linkedin.stop(), google.stop(), instagram.stop()]);
});

/** connect → the fake's consent page → Postflow's callback (no redirect_uri: the account as JSON). */
async function connected(platform: string): Promise<string> {
  const started = await stack.request('POST', '/v1/accounts/connect', { platform });
  expect(started.status).toBe(202);
  const back = await answerConsent(started.body.auth_url, 'approve');
  const done = await fetch(`${stack.baseUrl}${back.pathname}${back.search}`);
  const body = (await done.json()) as { account_id: string; platform: string };
  expect([done.status, body.platform]).toEqual([200, platform]);
  return body.account_id;
}

async function publish(accountId: string, text: string): Promise<void> {
  const { status, body } = await stack.request('POST', '/v1/posts', {
    account_ids: [accountId],
    text,
    publish_now: true,
  });
  expect(status).toBeLessThan(300);
  expect((await stack.waitForPost(body.id)).status).toBe('published');
}

test('a Facebook grant lists its Pages; the Page chosen is where the account posts, without a second consent', async () => {
  const account = await connected('facebook');
  const consents = facebook.consents.length;
  const [first, second] = facebook.pages;

  const listed = await stack.request('GET', `/v1/accounts/${account}/pages`);
  expect(listed.status).toBe(200);
  expect(listed.body).toEqual({
    count: 2,
    data: [
      {
        id: first!.id,
        name: 'Postflow Page',
        picture_url: `https://media.example/page-${first!.id}.jpg`,
        is_default: true,
      },
      {
        id: second!.id,
        name: 'Postflow Second Page',
        picture_url: `https://media.example/page-${second!.id}.jpg`,
        is_default: false,
      },
    ],
  });
  // No token, the user's or a Page's, in what the API answers.
  for (const token of facebook.accessTokens) expect(JSON.stringify(listed.body)).not.toContain(token);

  await publish(account, 'on the default Page');
  expect(facebook.postsOn(first!.id).map((p) => p.message)).toEqual(['on the default Page']);

  const chosen = await stack.request('PATCH', `/v1/accounts/${account}/pages/${second!.id}`, {
    is_default: true,
  });
  expect(chosen.status).toBe(200);
  expect(chosen.body).toMatchObject({ id: second!.id, name: 'Postflow Second Page', is_default: true });
  const after = await stack.request('GET', `/v1/accounts/${account}/pages`);
  expect(after.body.data.map((p: { is_default: boolean }) => p.is_default)).toEqual([false, true]);

  // The account shows the Page it posts to (the contract's page_name), with that Page's picture.
  expect((await stack.request('GET', `/v1/accounts/${account}`)).body).toMatchObject({
    page_name: 'Postflow Second Page',
    profile_picture_url: `https://media.example/page-${second!.id}.jpg`,
    login_id: facebook.person.id,
  });
  await publish(account, 'on the second Page');
  expect(facebook.postsOn(second!.id).map((p) => p.message)).toEqual(['on the second Page']);
  expect(facebook.postsOn(first!.id).map((p) => p.message)).toEqual(['on the default Page']);
  expect(facebook.consents.length).toBe(consents);
});

test("a Google Business Profile grant lists every location; the one chosen (its id URL-encoded) is where posts go, a target's page_id posts once elsewhere", async () => {
  const account = await connected('google');
  const [cafe, bakery, books] = google.locationNames();
  const listed = await stack.request('GET', `/v1/accounts/${account}/pages`);
  expect(listed.body).toEqual({
    count: 3,
    data: [
      { id: cafe, name: 'Postflow Café', picture_url: null, is_default: true },
      { id: bakery, name: 'Postflow Bakery', picture_url: null, is_default: false },
      { id: books, name: 'Postflow Books', picture_url: null, is_default: false },
    ],
  });
  for (const token of google.accessTokens) expect(JSON.stringify(listed.body)).not.toContain(token);
  const on = (location: string) =>
    google.posts.filter((p) => p.name.startsWith(`${location}/`)).map((p) => p.summary);

  await publish(account, 'at the café');
  expect(on(cafe!)).toEqual(['at the café']);

  const chosen = await stack.request('PATCH', `/v1/accounts/${account}/pages/${encodeURIComponent(books!)}`, {
    is_default: true,
  });
  expect([chosen.status, chosen.body.id, chosen.body.is_default]).toEqual([200, books, true]);
  // The contract's account fields: the Google user who connected, the location posted to.
  const shown = await stack.request('GET', `/v1/accounts/${account}`);
  expect(shown.body).toMatchObject({
    name: 'Fake Google Person',
    login_id: google.person.sub,
    profile_picture_url: 'https://lh3.googleusercontent.com/a/fake-person',
    page_name: 'Postflow Books',
    bio: null,
  });
  await publish(account, 'at the bookshop');
  expect(on(books!)).toEqual(['at the bookshop']);
  expect(on(cafe!)).toEqual(['at the café']);

  // One post at another location (its page_id), the default staying the bookshop.
  const once = await stack.request('POST', '/v1/posts', {
    targets: [{ account_id: account, page_id: bakery }],
    text: 'fresh bread, once',
    publish_now: true,
  });
  expect((await stack.waitForPost(once.body.id)).status).toBe('published');
  expect(on(bakery!)).toEqual(['fresh bread, once']);
  await publish(account, 'back at the bookshop');
  expect(on(books!)).toEqual(['at the bookshop', 'back at the bookshop']);
  const malformed = await stack.request('POST', '/v1/posts', {
    targets: [{ account_id: account, page_id: '2222' }],
    text: 'x',
  });
  expect([malformed.status, malformed.body.error.meta.field]).toEqual([400, 'targets[0].page_id']);
});

test("a target's page_id posts on that Page of the grant, the default staying as it is", async () => {
  // The same person again: the same account, its chosen Page kept (the first test chose the second).
  const account = await connected('facebook');
  const defaultPage = async () =>
    (await stack.request('GET', `/v1/accounts/${account}/pages`)).body.data.find(
      (p: { is_default: boolean }) => p.is_default,
    ).id;
  const before = await defaultPage();
  const other = facebook.pages.find((p) => p.id !== before)!;
  const { status, body } = await stack.request('POST', '/v1/posts', {
    targets: [{ account_id: account, page_id: other.id }],
    text: 'one post on the other Page',
    publish_now: true,
  });
  expect(status).toBeLessThan(300);
  expect((await stack.waitForPost(body.id)).status).toBe('published');
  expect(facebook.postsOn(other.id).at(-1)?.message).toBe('one post on the other Page');
  expect(facebook.postsOn(before).at(-1)?.message).not.toBe('one post on the other Page');
  expect(await defaultPage()).toBe(before);
  const target = (await stack.request('GET', `/v1/posts/${body.id}`)).body.targets[0];
  expect(target.metadata).toMatchObject({ page_id: other.id });

  // Deleting it uses that Page's token (the default Page's may not delete another Page's post).
  const deleted = await stack.request('DELETE', `/v1/posts/${body.id}`);
  expect(deleted.status).toBe(200);
  expect(deleted.body).toMatchObject({
    deleted: true,
    results: [{ account_id: account, outcome: 'deleted' }],
  });
  expect(facebook.postsOn(other.id).map((p) => p.message)).not.toContain('one post on the other Page');

  // A Page id the grant lacks fails the target by name; a malformed one is refused at creation.
  const elsewhere = await stack.request('POST', '/v1/posts', {
    targets: [{ account_id: account, page_id: '123' }],
    text: 'nowhere',
    publish_now: true,
  });
  // Publishing waits for the outcome: every target failed, so 422 with the post in meta.post.
  expect([elsewhere.status, elsewhere.body.error.code]).toEqual([422, 'publishing.delivery.all_failed']);
  expect(elsewhere.body.error.meta.post.targets[0]).toMatchObject({
    status: 'failed',
    error: { code: 'validation.field_invalid', message: expect.stringContaining('page_id 123') },
  });
  const malformed = await stack.request('POST', '/v1/posts', {
    targets: [{ account_id: account, page_id: 'my-page' }],
    text: 'x',
  });
  expect([malformed.status, malformed.body.error.meta.field]).toEqual([400, 'targets[0].page_id']);
});

test('a page the grant does not include, and a body that does not choose, are refused by name', async () => {
  const account = await connected('facebook');
  const unknown = await stack.request('PATCH', `/v1/accounts/${account}/pages/999`, { is_default: true });
  expect(unknown.status).toBe(404);
  expect(unknown.body.error).toMatchObject({
    code: 'resource.not_found',
    meta: { resource: 'page', id: '999', field: 'pageId' },
  });
  expect(unknown.body.error.message).toContain(`GET /v1/accounts/${account}/pages`);

  for (const body of [{ is_default: false }, {}, { is_default: true, name: 'x' }]) {
    const refused = await stack.request('PATCH', `/v1/accounts/${account}/pages/${facebook.pageId}`, body);
    expect([JSON.stringify(body), refused.status]).toEqual([JSON.stringify(body), 400]);
    expect(refused.body.error.code).toMatch(/^validation\./);
  }
  const missing = await stack.request('GET', '/v1/accounts/acc_nope/pages');
  expect([missing.status, missing.body.error.code]).toEqual([404, 'account.not_found']);
});

test("a LinkedIn member's grant lists the organizations they administer, as LinkedIn says now; the chosen one is the author", async () => {
  const account = await connected('linkedin_page');
  // Made an administrator of a third page after connecting: the list reads LinkedIn again.
  linkedin.organizationNames.set('3', 'Postflow Studio');
  linkedin.member.organizations.push('urn:li:organization:3');
  const listed = await stack.request('GET', `/v1/accounts/${account}/pages`);
  expect(listed.body).toEqual({
    count: 3,
    data: [
      { id: '1', name: 'Postflow Inc.', picture_url: null, is_default: true },
      { id: '2', name: 'Postflow Labs', picture_url: null, is_default: false },
      { id: '3', name: 'Postflow Studio', picture_url: null, is_default: false },
    ],
  });
  expect((await stack.request('PATCH', `/v1/accounts/${account}/pages/2`, { is_default: true })).status).toBe(
    200,
  );
  await publish(account, 'as Postflow Labs');
  expect(linkedin.posts.at(-1)).toMatchObject({ author: 'urn:li:organization:2', text: 'as Postflow Labs' });
});

test('an account of a platform without pages answers resource.not_supported', async () => {
  const { body: account } = await stack.request('POST', '/v1/accounts', {
    platform: 'sandbox',
    name: 'Plain',
  });
  for (const [method, path, body] of [
    ['GET', `/v1/accounts/${account.id}/pages`, undefined],
    ['PATCH', `/v1/accounts/${account.id}/pages/1`, { is_default: true }],
  ] as const) {
    const res = await stack.request(method, path, body);
    expect([method, res.status, res.body.error.code]).toEqual([method, 501, 'resource.not_supported']);
    expect(res.body.error.message).toContain('facebook');
  }
});

test("an Instagram grant lists the business accounts linked to the person's Pages; a target's page_id posts on another", async () => {
  const account = await connected('instagram_business');
  const [shop, studio] = instagram.pages.filter((p) => p.instagram).map((p) => p.instagram!);
  const listed = await stack.request('GET', `/v1/accounts/${account}/pages`);
  expect(
    listed.body.data.map((p: { id: string; name: string; is_default: boolean }) => [
      p.id,
      p.name,
      p.is_default,
    ]),
  ).toEqual([
    [shop!.id, 'postflow', true],
    [studio!.id, 'postflow_studio', false],
  ]);

  const media_id = await stack.upload(PNG_1X1, 'image/png', 'pixel.png');
  const { status, body } = await stack.request('POST', '/v1/posts', {
    targets: [{ account_id: account, page_id: studio!.id, platform_data: { content_type: 'feed' } }],
    text: 'on the studio account',
    media_ids: [media_id],
    publish_now: true,
  });
  expect(status).toBeLessThan(300);
  expect((await stack.waitForPost(body.id)).status).toBe('published');
  expect(instagram.published.at(-1)).toMatchObject({ owner: studio!.id, caption: 'on the studio account' });
  // The default stays the shop's account.
  const after = await stack.request('GET', `/v1/accounts/${account}/pages`);
  expect(after.body.data.find((p: { is_default: boolean }) => p.is_default).id).toBe(shop!.id);
});

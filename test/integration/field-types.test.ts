import { inDays } from '../helpers/fixtures';
import { answerConsent } from '../helpers/consent';
import { openApiAnswers, openApiChecker } from '../helpers/openapi';
import { WebhookReceiver } from '../helpers/receiver';
import { type HttpResponse, Stack } from '../helpers/stack';
import { TwitterFake } from '../../platforms/twitter/fake';
import { PinterestFake } from '../../platforms/pinterest/fake';
import { TikTokFake } from '../../platforms/tiktok/fake';

/**
 * Every answer of the API, field by field, against the types /openapi.json gives it — which say
 * exactly what the contract says (docs/decisions.md "Field types"; test/unit/openapi-field-types
 * holds the document to that). One of each resource in each of its states is created through
 * real HTTP, and the test fails if a documented success answer was never seen.
 */
let stack: Stack;
let receiver: WebhookReceiver;
/** X's fake, so an account is connected through its consent page. */
const twitter = new TwitterFake();
/** Pinterest's and TikTok's fakes, for the account helpers. */
const pinterest = new PinterestFake();
const tiktok = new TikTokFake();

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  await Promise.all([twitter.start(), pinterest.start(), tiktok.start()]);
  // The receiver is on loopback over http, which only this setting allows; publish-now answers
  // wait for the outcome, so published, partial and failed posts come back settled.
  stack = await new Stack({
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_SYNC_WAIT_MS: '30000',
    POSTFLOW_TWITTER_API_URL: twitter.url,
    POSTFLOW_TWITTER_CLIENT_ID: 'client-1',
    POSTFLOW_TWITTER_CLIENT_SECRET: 'secret-1',
    POSTFLOW_PINTEREST_API_URL: pinterest.url,
    POSTFLOW_TIKTOK_API_URL: tiktok.url,
  }).start();
});

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
  await Promise.all([twitter.stop(), pinterest.stop(), tiktok.stop()]);
});

const png = (bytes: number) =>
  Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(bytes - 8, 7)]);

async function raw(method: string, url: string, init: RequestInit = {}): Promise<HttpResponse> {
  const response = await fetch(url, { method, ...init });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
}

test('every answer has exactly the documented fields and types, for one of each resource', async () => {
  const { answer, unchecked } = await openApiAnswers(stack.baseUrl);
  const check = await openApiChecker(stack.baseUrl);
  const api = (method: string, path: string, body?: unknown, route = path) =>
    stack.request(method, path, body).then((res) => answer(`${method} ${route}`, res));
  const auth = { authorization: `Bearer ${stack.apiKey}` };

  answer('GET /healthz', await raw('GET', `${stack.baseUrl}/healthz`));
  answer('GET /openapi.json', await raw('GET', `${stack.baseUrl}/openapi.json`));
  await api('GET', '/v1/me');

  // Keys, the user, usage; /v1/keys needs a key holding keys:manage, which is minted only by name.
  const minted = stack.runCli('keys', 'create', '--scopes', 'posts:read,keys:manage', '--name', 'admin');
  const admin = { authorization: `Bearer ${JSON.parse(minted.stdout).key}` };
  const asAdmin = (method: string, path: string, body?: unknown, route = path) =>
    stack.request(method, path, body, admin).then((res) => answer(`${method} ${route}`, res));
  const key = (await asAdmin('POST', '/v1/keys', { name: 'reader', scopes: ['posts:read'] })).body.id;
  await asAdmin('GET', '/v1/keys');
  await asAdmin('DELETE', `/v1/keys/${key}`, undefined, '/v1/keys/{id}');
  await api('GET', '/v1/users/me');
  await api('PATCH', '/v1/users/me', { name: 'Ada', email: 'ada@example.com' });
  await api('GET', '/v1/usage');

  // Accounts: created, listed, read, renamed, reconnected, deleted.
  const account = (await api('POST', '/v1/accounts', { platform: 'sandbox', name: 'Main' })).body.id;
  const second = (
    await api('POST', '/v1/accounts', { platform: 'sandbox', name: 'Second', username: 'second' })
  ).body.id;
  const spare = (await api('POST', '/v1/accounts', { platform: 'sandbox', name: 'Spare' })).body.id;
  await api('GET', '/v1/accounts');
  await api('GET', `/v1/accounts/${account}`, undefined, '/v1/accounts/{id}');
  await api('PATCH', `/v1/accounts/${spare}`, { name: 'Renamed' }, '/v1/accounts/{id}');
  await api(
    'POST',
    `/v1/accounts/${spare}/reconnect`,
    { credentials: { access_token: 'fresh' } },
    '/v1/accounts/{id}/reconnect',
  );
  await api('DELETE', `/v1/accounts/${spare}`, undefined, '/v1/accounts/{id}');

  // Connecting: a credential platform at once; X through its consent page, finished by the
  // callback (no redirect_uri: JSON) and by the exchange.
  await api('POST', '/v1/accounts/connect', { platform: 'sandbox', name: 'Connected' });
  const consent = async () => {
    const started = (await api('POST', '/v1/accounts/connect', { platform: 'twitter' })).body;
    return { state: started.state, back: await answerConsent(started.auth_url, 'approve') };
  };
  const first = await consent();
  answer(
    'GET /v1/oauth/callback',
    await raw('GET', `${stack.baseUrl}${first.back.pathname}${first.back.search}`),
  );
  const again = await consent();
  await api('POST', '/v1/oauth/exchange', {
    platform: 'twitter',
    code: again.back.searchParams.get('code'),
    metadata: { state: again.state },
  });
  // Redirect URIs: registered (201), again (200, the same entry), listed, deleted.
  const redirect = { redirect_uri: 'https://app.example/connected' };
  const redirectUri = (await api('POST', '/v1/oauth/redirect-uris', redirect)).body.id;
  await api('POST', '/v1/oauth/redirect-uris', redirect);
  await api('GET', '/v1/oauth/redirect-uris');
  await api('DELETE', `/v1/oauth/redirect-uris/${redirectUri}`, undefined, '/v1/oauth/redirect-uris/{id}');

  // The account helpers, asked of Pinterest's and TikTok's fakes; limits where none are reported.
  const pins = (
    await api('POST', '/v1/accounts', {
      platform: 'pinterest',
      name: 'Pins',
      credentials: pinterest.credentials(),
    })
  ).body.id;
  const creator = (
    await api('POST', '/v1/accounts', {
      platform: 'tiktok',
      name: 'Clips',
      credentials: tiktok.credentials(),
    })
  ).body.id;
  const recipes = (
    await api('POST', `/v1/accounts/${pins}/boards`, { name: 'Recipes' }, '/v1/accounts/{id}/boards')
  ).body.board_id;
  await api('GET', `/v1/accounts/${pins}/boards`, undefined, '/v1/accounts/{id}/boards');
  const oneBoard = '/v1/accounts/{id}/boards/{boardId}';
  await api('GET', `/v1/accounts/${pins}/boards/${recipes}`, undefined, oneBoard);
  await api('PATCH', `/v1/accounts/${pins}/boards/${recipes}`, { privacy: 'SECRET' }, oneBoard);
  await api('DELETE', `/v1/accounts/${pins}/boards/${recipes}`, undefined, oneBoard);
  await api('GET', `/v1/accounts/${creator}/creator-info`, undefined, '/v1/accounts/{id}/creator-info');
  await api('GET', `/v1/accounts/${account}/limits`, undefined, '/v1/accounts/{id}/limits');
  // The pages of a Facebook account (one, named by its credentials), and choosing it.
  const paged = await stack.request('POST', '/v1/accounts', {
    platform: 'facebook',
    name: 'A Page',
    credentials: { page_id: '104857600123456', access_token: 'page-token' },
  });
  expect(paged.status).toBe(201);
  await api('GET', `/v1/accounts/${paged.body.id}/pages`, undefined, '/v1/accounts/{id}/pages');
  await api(
    'PATCH',
    `/v1/accounts/${paged.body.id}/pages/104857600123456`,
    { is_default: true },
    '/v1/accounts/{id}/pages/{pageId}',
  );

  // Brands: created, listed, read, renamed; an account in one (brand_id set), then deleted once empty.
  const brand = (await api('POST', '/v1/brands', { name: 'Acme' })).body.id;
  await api('GET', '/v1/brands');
  await api('GET', `/v1/brands/${brand}`, undefined, '/v1/brands/{id}');
  await api('PATCH', `/v1/brands/${brand}`, { name: 'Acme Inc' }, '/v1/brands/{id}');
  await api('PATCH', `/v1/accounts/${second}`, { brand_id: brand }, '/v1/accounts/{id}');
  await api('GET', `/v1/accounts?brand_id=${brand}`, undefined, '/v1/accounts');
  await api('DELETE', `/v1/brands/${brand}`, undefined, '/v1/brands/{id}'); // 409 brand.in_use
  await api('PATCH', `/v1/accounts/${second}`, { brand_id: null }, '/v1/accounts/{id}');
  await api('DELETE', `/v1/brands/${brand}`, undefined, '/v1/brands/{id}');

  // Queues: an account's queue with a post in a slot (post_id set and null), re-planned, deleted.
  const queue = (
    await api('POST', '/v1/queues', {
      account_id: second,
      timezone: 'Europe/Berlin',
      slots: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], times: ['09:00', '17:00'] }],
    })
  ).body.id;
  await api('POST', '/v1/posts', { account_ids: [second], text: 'queued', queue: true });
  await api('GET', '/v1/queues');
  await api('GET', `/v1/queues/${queue}`, undefined, '/v1/queues/{id}');
  await api(
    'PATCH',
    `/v1/queues/${queue}`,
    { slots: [{ days: ['mon'], times: ['12:00'] }] },
    '/v1/queues/{id}',
  );
  await api('DELETE', `/v1/queues/${queue}`, undefined, '/v1/queues/{id}');

  // Media: a multipart upload (ready), a signed upload (pending, then ready), the list, the usage.
  const form = new FormData();
  form.append('file', new Blob([png(2000)], { type: 'image/png' }), 'photo.png');
  const photo = answer(
    'POST /v1/media/upload',
    await raw('POST', `${stack.baseUrl}/v1/media/upload`, { headers: auth, body: form }),
  ).body.id;
  const signed = (
    await api(
      'GET',
      '/v1/media/upload-url?media_type=image/png&filename=late.png',
      undefined,
      '/v1/media/upload-url',
    )
  ).body;
  await api('GET', `/v1/media/${signed.media_id}`, undefined, '/v1/media/{id}'); // pending: no size, no url
  await api('GET', '/v1/media?limit=5', undefined, '/v1/media');
  answer(
    'PUT /media-files/{id}',
    await raw('PUT', signed.upload_url, { headers: { 'content-type': 'image/png' }, body: png(900) }),
  );
  await api('POST', `/v1/media/${signed.media_id}/verify`, undefined, '/v1/media/{id}/verify');
  await api('GET', `/v1/media/${photo}`, undefined, '/v1/media/{id}');
  await api('GET', '/v1/media/storage');
  await api('DELETE', `/v1/media/${signed.media_id}`, undefined, '/v1/media/{id}');

  // Webhooks: registered (with its ping), read, listed, changed, tested; deliveries come later.
  const hook = (
    await api('POST', '/v1/webhooks', { url: receiver.url, events: ['post.scheduled', 'post.published'] })
  ).body.id;
  await api('GET', '/v1/webhooks/events');
  await api('GET', '/v1/webhooks');
  await api('GET', `/v1/webhooks/${hook}`, undefined, '/v1/webhooks/{id}');
  await api(
    'PATCH',
    `/v1/webhooks/${hook}`,
    { events: ['post.scheduled', 'post.published', 'post.failed'] },
    '/v1/webhooks/{id}',
  );
  await api('POST', `/v1/webhooks/${hook}/test`, undefined, '/v1/webhooks/{id}/test');

  // Posts in every state the create answer has: draft (title, media), scheduled (seed dialect),
  // published (receipts), partial (207) and failed (422, the post in meta.post).
  const draft = (
    await api('POST', '/v1/posts', {
      targets: [{ account_id: account }],
      text: 'a draft',
      title: 'With a title',
      media: [{ source_type: 'media_id', source: photo }],
    })
  ).body;
  expect(draft).toMatchObject({ status: 'draft', title: 'With a title', scheduled_at: null });
  const scheduled = (
    await api('POST', '/v1/posts', { account_ids: [account], text: 'later', scheduled_at: inDays(1) })
  ).body;
  await api('PATCH', `/v1/posts/${scheduled.id}`, { text: 'later, edited' }, '/v1/posts/{id}');
  const publishedLater = (
    await api('POST', `/v1/posts/${scheduled.id}/publish`, undefined, '/v1/posts/{id}/publish')
  ).body;
  expect(publishedLater.status).toBe('published');
  const halfLater = (
    await api('POST', '/v1/posts', {
      account_ids: [account, second],
      text: 'half, later',
      scheduled_at: inDays(1),
      platform_options: { sandbox: { failure: 'validation', only_accounts: [second] } },
    })
  ).body;
  const publishedHalf = await api(
    'POST',
    `/v1/posts/${halfLater.id}/publish`,
    undefined,
    '/v1/posts/{id}/publish',
  );
  expect(publishedHalf.status).toBe(207);
  const published = (await api('POST', '/v1/posts', { account_ids: [account], text: 'now' })).body;
  expect(published.targets[0]).toMatchObject({ status: 'published', error: null });
  const partial = await api('POST', '/v1/posts', {
    account_ids: [account, second],
    text: 'half',
    platform_options: { sandbox: { failure: 'validation', only_accounts: [second] } },
  });
  expect(partial.status).toBe(207);
  expect(partial.body.targets[1].error).toMatchObject({ caused_by: 'user', code: expect.any(String) });
  const failed = await api('POST', '/v1/posts', {
    account_ids: [account],
    text: 'doomed',
    platform_options: { sandbox: { failure: 'validation' } },
  });
  expect(failed.status).toBe(422);
  check('Post', failed.body.error.meta.post);

  await api('GET', `/v1/posts/${published.id}`, undefined, '/v1/posts/{id}');
  await api('GET', `/v1/posts/${partial.body.id}`, undefined, '/v1/posts/{id}');
  await api('GET', `/v1/posts/${draft.id}`, undefined, '/v1/posts/{id}');
  await api('GET', `/v1/posts/${published.id}/metrics`, undefined, '/v1/posts/{id}/metrics');
  await api('GET', '/v1/posts?limit=10', undefined, '/v1/posts');
  await api('POST', '/v1/posts/validate', { text: 'x', platforms: ['sandbox', 'instagram'] });
  await api('POST', '/v1/posts/validate', { text: 'no platforms' }); // a post-level issue: platform null
  await api('GET', '/v1/posts/validate');
  // Bulk import: a dry run (id null, a failed row's post_id null), a stored import, its report.
  const rows = [{ text: 'imported', account_ids: [account], scheduled_at: inDays(2) }, { text: '' }];
  await api('POST', '/v1/posts/import?dry_run=true', rows, '/v1/posts/import');
  const imported = (await api('POST', '/v1/posts/import', rows)).body.id;
  await api('GET', `/v1/posts/imports/${imported}`, undefined, '/v1/posts/imports/{id}');
  await api('POST', `/v1/posts/${partial.body.id}/retry`, undefined, '/v1/posts/{id}/retry');
  // Recurring posts: one occurrence (every two seconds, once), listed with its post; the rest.
  const recurring = (
    await api('POST', '/v1/recurring-posts', {
      post: { account_ids: [account], text: 'again' },
      cron: '*/2 * * * * * *',
      end: { count: 1 },
    })
  ).body.id;
  const recurringPath = (suffix = '') => [
    `/v1/recurring-posts/${recurring}${suffix}`,
    `/v1/recurring-posts/{id}${suffix}`,
  ];
  for (let n = 0; n < 100; n++) {
    const listed = await stack.request('GET', `/v1/recurring-posts/${recurring}/occurrences`);
    if (listed.body.data.length === 1) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  await api('GET', recurringPath('/occurrences')[0]!, undefined, recurringPath('/occurrences')[1]);
  await api('GET', '/v1/recurring-posts');
  await api('GET', recurringPath()[0]!, undefined, recurringPath()[1]);
  await api('PATCH', recurringPath()[0]!, { cron: '0 9 * * 1', end: null }, recurringPath()[1]);
  await api('POST', recurringPath('/pause')[0]!, undefined, recurringPath('/pause')[1]);
  await api('POST', recurringPath('/resume')[0]!, undefined, recurringPath('/resume')[1]);
  await api('DELETE', recurringPath()[0]!, undefined, recurringPath()[1]);
  // Approval: a post approved (approved_at, approved_by set) and one rejected (its reason kept).
  const needsApproval = {
    account_ids: [account],
    text: 'to review',
    scheduled_at: inDays(2),
    requires_approval: true,
  };
  const toApprove = (await api('POST', '/v1/posts', needsApproval)).body.id;
  const toReject = (await api('POST', '/v1/posts', needsApproval)).body.id;
  await api('POST', `/v1/posts/${toApprove}/approve`, undefined, '/v1/posts/{id}/approve');
  await api('POST', `/v1/posts/${toReject}/reject`, { reason: 'Off brand' }, '/v1/posts/{id}/reject');
  await stack.waitForPost(partial.body.id);

  const platformPostId = published.targets[0].platform_post_id;
  await api('GET', `/v1/sandbox/${account}/posts`, undefined, '/v1/sandbox/{account_id}/posts');
  await api('GET', `/v1/sandbox/posts/${platformPostId}`, undefined, '/v1/sandbox/posts/{platform_post_id}');
  await api('POST', `/v1/posts/${published.id}/unpublish`, {}, '/v1/posts/{id}/unpublish');
  await api('DELETE', `/v1/posts/${draft.id}`, undefined, '/v1/posts/{id}');

  await receiver.waitFor((r) => r.json?.event === 'post.published');
  await api('GET', `/v1/webhooks/${hook}/deliveries`, undefined, '/v1/webhooks/{id}/deliveries');
  await api('DELETE', `/v1/webhooks/${hook}`, undefined, '/v1/webhooks/{id}');

  // Errors, from the router, the body parser and the routes, are the one envelope.
  await api('GET', '/v1/posts/post_nope', undefined, '/v1/posts/{id}');
  await api('POST', '/v1/posts', { text: 'no accounts', publish_now: true, targets: [{}] });
  await api('DELETE', `/v1/webhooks/${hook}`, undefined, '/v1/webhooks/{id}');

  expect(unchecked()).toEqual([]);

  // What the engine keeps beside a post must never leak into it, and a string is never null:
  // the same answer with either change is refused.
  const leaked = structuredClone(published);
  leaked.targets[0].next_attempt_at = '2026-12-01T00:00:00Z';
  expect(() => answer('GET /v1/posts/{id}', { ...partial, status: 200, body: leaked })).toThrow();
  const nulled = structuredClone(published);
  nulled.results[0].permalink = null;
  expect(() => answer('GET /v1/posts/{id}', { ...partial, status: 200, body: nulled })).toThrow();
});

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/config';
import { inDays, inMinutes } from '../helpers/fixtures';
import { buildApp } from '../../server/app';
import { openApiChecker } from '../helpers/openapi';
import { Stack } from '../helpers/stack';

/** The HTTP API through real HTTP: auth, errors, idempotency and the post lifecycle. */
let stack: Stack;
let account: string;

beforeAll(async () => {
  stack = await new Stack().start();
  account = await stack.createSandboxAccount();
});

afterAll(async () => {
  await stack?.stop();
});

/**
 * Post workflows started since `since` (an ISO time taken before the request): the list Temporal
 * counts is updated after the fact, so a plain count before and after could take in a post an
 * earlier test started, listed late.
 */
const countPostWorkflowsSince = async (since: string) =>
  (await stack.client.workflow.count(`WorkflowType="publishPost" AND StartTime >= "${since}"`)).count;

test('the stack runs on the store this run asked for (SQLite, or PostgreSQL with POSTFLOW_TEST_DATABASE)', () => {
  const expected = process.env.POSTFLOW_TEST_DATABASE === 'postgres' ? 'Store: PostgreSQL' : 'Store: SQLite';
  expect(stack.logs()).toContain(expected);
});

describe('authentication', () => {
  test('every /v1 route needs a valid bearer key but the OAuth callback; /healthz does not', async () => {
    const app = buildApp({ client: {} as never, store: {} as never, media: {} as never, syncWaitMs: 0 });
    await app.ready();
    // A browser arrives at the callback from the platform, with no key: its state is what binds it.
    const callback = 'GET /v1/oauth/callback';
    const routes = app.servedRoutes.filter((r) => r.includes(' /v1/') && r !== callback);
    await app.close();
    expect(routes.length).toBeGreaterThan(30);
    for (const route of routes) {
      const [method, path] = route.split(' ');
      const url = `${stack.baseUrl}${path.replace(/:(\w+)/g, 'x_$1')}`;
      const response = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'GET' ? null : '{}',
      });
      expect([route, response.status]).toEqual([route, 401]);
    }
    const open = await fetch(`${stack.baseUrl}/v1/oauth/callback?state=unknown&code=c`);
    expect([open.status, ((await open.json()) as any).error.code]).toEqual([400, 'oauth.state_invalid']);

    const missing = await fetch(`${stack.baseUrl}/v1/accounts`);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      error: { code: 'auth.unauthorized' },
      request_id: expect.any(String),
    });

    const wrong = await stack.request('GET', '/v1/accounts', undefined, {
      authorization: 'Bearer sapi_key_nope',
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('auth.invalid_key');
    // Seed-era clients (the Python SDK 0.3.0) read a flat `code` beside the envelope.
    expect(wrong.body).toMatchObject({ code: 'invalid_token', message: wrong.body.error.message });

    expect((await fetch(`${stack.baseUrl}/healthz`)).status).toBe(200);
  });

  test('a well-formed X-Request-ID is echoed, otherwise one is made', async () => {
    const echoed = await stack.request('GET', '/v1/posts/post_missing', undefined, {
      'x-request-id': 'trace_42',
    });
    expect(echoed.headers.get('x-request-id')).toBe('trace_42');
    expect(echoed.body.request_id).toBe('trace_42');

    const made = await stack.request('GET', '/v1/accounts', undefined, { 'x-request-id': 'not valid!' });
    expect(made.headers.get('x-request-id')).toMatch(/^[0-9a-f]{8}$/);
  });
});

describe('bad input starts nothing', () => {
  test('every problem is reported at once, with field paths, and no workflow starts', async () => {
    const since = new Date().toISOString();
    const { status, body } = await stack.request('POST', '/v1/posts', {
      account_ids: [account, ''],
      text: '',
      scheduled_at: '2026-04-01T10:00:00',
      platform_options: { sandbox: { failure: 'sometimes' } },
    });

    expect(status).toBe(400);
    expect(body.error.code).toBe('validation.body_invalid');
    const fields = body.error.meta.errors.map((e: any) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['account_ids[1]', 'text', 'scheduled_at']));
    expect(body.error.meta.errors.find((e: any) => e.field === 'scheduled_at').message).toMatch(
      /no UTC offset/,
    );
    expect(await countPostWorkflowsSince(since)).toBe(0);
  });

  test('platform rules are checked at creation, before the schedule', async () => {
    const { status, body } = await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text: 'x',
      scheduled_at: inDays(3),
      platform_options: { sandbox: { failure: 'sometimes' } },
    });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: 'validation.field_invalid',
      meta: { field: 'platform_options.sandbox.failure', platform: 'sandbox' },
    });
  });

  test('an option no adapter acts on is refused by name, with the keys the platform takes', async () => {
    const since = new Date().toISOString();
    const { status, body } = await stack.request('POST', '/v1/posts', {
      targets: [{ account_id: account, platform_data: { latency_ms: 1, failur: 'transient' } }],
      text: 'x',
      publish_now: true,
    });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: 'validation.field_invalid',
      meta: { field: 'targets[0].platform_data.failur', platform: 'sandbox' },
    });
    expect(body.error.message).toContain('sandbox takes failure, fail_times');
    expect(await countPostWorkflowsSince(since)).toBe(0);

    const dryRun = await stack.request('POST', '/v1/posts/validate', {
      text: 'x',
      platforms: ['instagram', 'facebook'],
      platform_data: { instagram: { content_typ: 'feed' }, facebook: { share_to_feed: true } },
    });
    expect(dryRun.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          platform: 'instagram',
          field: 'platform_data.instagram.content_typ',
          code: 'validation.field_invalid',
          message: expect.stringContaining('instagram takes content_type, alt_text'),
        }),
        expect.objectContaining({
          platform: 'facebook',
          field: 'platform_data.facebook.share_to_feed',
          message: expect.stringContaining('not supported by Postflow yet'),
        }),
      ]),
    );
  });

  test('an unknown account is a 404 account.not_found naming it', async () => {
    const since = new Date().toISOString();
    const { status, body } = await stack.request('POST', '/v1/posts', {
      account_ids: [account, 'acc_unknown'],
      text: 'hi',
    });
    expect(status).toBe(404);
    expect(body.error).toMatchObject({
      code: 'account.not_found',
      meta: { id: 'acc_unknown', field: 'account_ids[1]' },
    });
    expect(body.code).toBe('account_not_found');
    expect(await countPostWorkflowsSince(since)).toBe(0);
  });

  test('malformed JSON is a 400 in the error envelope', async () => {
    const { status, body } = await stack.request('POST', '/v1/posts', '{"text": ');
    expect(status).toBe(400);
    expect(body.error.code).toBe('validation.body_invalid');
  });
});

describe('idempotency', () => {
  test('repeating a request with the same Idempotency-Key returns the same post and publishes once', async () => {
    const payload = { account_ids: [account], text: 'only once' };
    const first = await stack.request('POST', '/v1/posts', payload, {
      'idempotency-key': 'n8n-run-7-item-0',
    });
    const again = await stack.request('POST', '/v1/posts', payload, {
      'idempotency-key': 'n8n-run-7-item-0',
    });

    expect(first.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const made = (await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data.filter(
      (p: any) => p.post_id === first.body.id,
    );
    expect(made).toHaveLength(1);
  });
});

describe('the post lifecycle', () => {
  test('a scheduled post can be read, rescheduled, edited and cancelled; then it refuses changes', async () => {
    const created = await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text: 'later',
      scheduled_at: inDays(2),
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'scheduled', results: [{ status: 'pending' }] });
    const id = created.body.id;
    expect(id).toMatch(/^post_[0-9A-HJKMNP-TV-Z]{26}$/);

    expect((await stack.request('GET', `/v1/posts/${id}`)).body).toMatchObject({ id, status: 'scheduled' });

    const newTime = inDays(3);
    const rescheduled = await stack.request('PATCH', `/v1/posts/${id}`, { scheduled_at: newTime });
    expect(rescheduled.status).toBe(200);
    expect(rescheduled.body.scheduled_at).toBe(newTime);

    const edited = await stack.request('PATCH', `/v1/posts/${id}`, { text: 'later, edited' });
    expect(edited.body).toMatchObject({ text: 'later, edited', scheduled_at: newTime, status: 'scheduled' });

    const badEdit = await stack.request('PATCH', `/v1/posts/${id}`, { scheduled_at: '2026-01-01 10:00' });
    expect(badEdit.status).toBe(400);

    // A PATCH naming only media has them checked like a new post's: not in the library → 400.
    const unknownMedia = await stack.request('PATCH', `/v1/posts/${id}`, { media_ids: ['med_not_uploaded'] });
    expect(unknownMedia.status).toBe(400);
    expect(unknownMedia.body.error).toMatchObject({
      code: 'media.not_found',
      meta: { field: 'media_ids[0]' },
    });
    expect(unknownMedia.body.error.message).toContain('no media med_not_uploaded in your library');
    expect((await stack.request('GET', `/v1/posts/${id}`)).body.media_ids).toEqual([]);

    const cancelled = await stack.request('DELETE', `/v1/posts/${id}`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ success: true, status: 'cancelled' });

    const tooLate = await stack.request('PATCH', `/v1/posts/${id}`, { text: 'too late' });
    expect(tooLate.status).toBe(409);
    expect(tooLate.body.error).toMatchObject({ code: 'post.state_invalid', meta: { status: 'cancelled' } });
  });

  test("a PATCH of platform_options changes the post-level options and keeps each target's own", async () => {
    const other = await stack.createSandboxAccount('own options');
    const created = await stack.request('POST', '/v1/posts', {
      text: 'own options',
      scheduled_at: inDays(2),
      platform_data: { sandbox: { latency_ms: 1 } },
      targets: [
        { account_id: account, text: 'own text', platform_data: { deletable: false, fail_times: 3 } },
        { account_id: other },
      ],
    });
    expect(created.status).toBe(201);
    const id = created.body.id;

    const patched = await stack.request('PATCH', `/v1/posts/${id}`, {
      platform_options: { sandbox: { latency_ms: 2, fail_times: 9 } },
    });
    expect(patched.status).toBe(200);
    expect(patched.body.platform_options).toEqual({ sandbox: { latency_ms: 2, fail_times: 9 } });
    const spec: any = await stack.client.workflow.getHandle(id).query('spec');
    expect(spec.targets.map((t: any) => t.options)).toEqual([
      { latency_ms: 2, fail_times: 3, deletable: false },
      { latency_ms: 2, fail_times: 9 },
    ]);

    const published = await stack.request('POST', `/v1/posts/${id}/publish`);
    expect(published.body.status).toBe('published');
    const delivered = async (acc: string) =>
      (await stack.request('GET', `/v1/sandbox/${acc}/posts`)).body.data.find((p: any) => p.post_id === id);
    expect(await delivered(account)).toMatchObject({
      text: 'own text',
      platform_options: { latency_ms: 2, fail_times: 3, deletable: false },
    });
    expect((await delivered(other)).platform_options).toEqual({ latency_ms: 2, fail_times: 9 });
  });

  test('a published post cannot be edited or rescheduled (409 post.state_invalid)', async () => {
    const { body } = await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text: 'out already',
    });
    expect(body.status).toBe('published');
    const refused = await stack.request('PATCH', `/v1/posts/${body.id}`, { scheduled_at: inDays(1) });
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('post.state_invalid');
  });

  test('publish answers 207 when some targets fail, 422 when all do, 409 once published, 404 for no post', async () => {
    const other = await stack.createSandboxAccount('other');
    const schedule = async (options: object) =>
      (
        await stack.request('POST', '/v1/posts', {
          account_ids: [account, other],
          text: 'publish codes',
          scheduled_at: inDays(1),
          platform_options: { sandbox: { failure: 'validation', ...options } },
        })
      ).body.id as string;
    const partial = await stack.request(
      'POST',
      `/v1/posts/${await schedule({ only_accounts: [other] })}/publish`,
    );
    expect([partial.status, partial.body.status]).toEqual([207, 'partial']);
    const failed = await stack.request('POST', `/v1/posts/${await schedule({})}/publish`);
    expect([failed.status, failed.body.error.code]).toEqual([422, 'publishing.delivery.all_failed']);
    expect(failed.body.error.meta.post.status).toBe('failed');
    const again = await stack.request('POST', `/v1/posts/${partial.body.id}/publish`);
    expect([again.status, again.body.error.code]).toEqual([409, 'post.state_invalid']);
    const none = await stack.request('POST', '/v1/posts/post_01ARZ3NDEKTSV4RRFFQ69G5FAV/publish');
    expect([none.status, none.body.error.code]).toEqual([404, 'post.not_found']);
    const noRetry = await stack.request('POST', '/v1/posts/post_01ARZ3NDEKTSV4RRFFQ69G5FAV/retry');
    expect([noRetry.status, noRetry.body.error.code]).toEqual([404, 'post.not_found']);
  });

  test('a scheduled post can be published now', async () => {
    const { body } = await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text: 'why wait',
      scheduled_at: inMinutes(60),
    });
    const published = await stack.request('POST', `/v1/posts/${body.id}/publish`);
    expect(published.status).toBe(201);
    expect(published.body.status).toBe('published');
  });

  test('a current-dialect post without publish_now or scheduled_at is a draft; publishing it sends it', async () => {
    const draft = await stack.request('POST', '/v1/posts', {
      targets: [{ account_id: account }],
      text: 'draft first',
    });
    expect(draft.status).toBe(201);
    expect(draft.body.status).toBe('draft');
    const published = await stack.request('POST', `/v1/posts/${draft.body.id}/publish`);
    expect(published.body.status).toBe('published');
  });

  test("another user's post is not found, and cannot be changed", async () => {
    const id = `post_${Date.now()}OTHER`;
    const spec = {
      id,
      userId: 'usr_other',
      mode: 'draft',
      content: { text: 'theirs', media: [] },
      platformOptions: {},
      targets: [],
      createdAt: new Date().toISOString(),
    };
    await stack.client.workflow.start('publishPost', { taskQueue: 'postflow', workflowId: id, args: [spec] });

    const read = await stack.request('GET', `/v1/posts/${id}`);
    expect(read.status).toBe(404);
    expect(read.body.error.code).toBe('post.not_found');
    expect((await stack.request('DELETE', `/v1/posts/${id}`)).status).toBe(404);
    expect((await stack.client.workflow.getHandle(id).query('post')) as any).toMatchObject({
      status: 'draft',
    });
  });
});

describe('dry-run validation', () => {
  test('platforms[] without accounts lists every rule problem per platform and creates nothing', async () => {
    const since = new Date().toISOString();
    const { status, body } = await stack.request('POST', '/v1/posts/validate', {
      text: 'x'.repeat(600),
      platforms: ['threads', 'instagram', 'sandbox'],
      platform_data: { instagram: {} },
    });
    expect(status).toBe(200);
    expect(body.valid).toBe(false);
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          platform: 'threads',
          field: 'text',
          message: expect.stringContaining('at most 500'),
        }),
        expect.objectContaining({ platform: 'instagram', field: 'media_ids' }),
        expect.objectContaining({ platform: 'instagram', field: 'platform_data.instagram.content_type' }),
      ]),
    );
    expect(body.errors.some((e: any) => e.platform === 'sandbox')).toBe(false);
    // Every platform with rules has an adapter now: nothing to warn about.
    expect(body.warnings).toEqual([]);
    expect(await countPostWorkflowsSince(since)).toBe(0);
  });

  test('with accounts it runs exactly the checks of POST /v1/posts', async () => {
    const ok = await stack.request('POST', '/v1/posts/validate', { account_ids: [account], text: 'fine' });
    expect(ok.body).toEqual({ valid: true, errors: [], warnings: [] });

    const unknown = await stack.request('POST', '/v1/posts/validate', {
      account_ids: ['acc_nope'],
      text: 'x',
      scheduled_at: '2026-01-01T10:00',
    });
    expect(unknown.body.valid).toBe(false);
    expect(unknown.body.errors[0]).toMatchObject({ field: 'scheduled_at', code: 'validation.field_invalid' });

    const missing = await stack.request('POST', '/v1/posts/validate', {
      account_ids: ['acc_nope'],
      text: 'x',
    });
    expect(missing.body.errors[0]).toMatchObject({ code: 'account.not_found', field: 'account_ids[0]' });
  });

  test("GET /v1/posts/validate answers a platform's constraints", async () => {
    const { status, body } = await stack.request('GET', '/v1/posts/validate?platform=instagram');
    expect(status).toBe(200);
    expect(body.data.instagram).toMatchObject({
      text: { max_length: 2200 },
      carousel: { supported: true, max_items: 10 },
      scheduling: { supported: true },
      required_options: [{ key: 'content_type', values: ['feed', 'reel', 'carousel', 'stories'] }],
      option_keys: expect.arrayContaining(['content_type', 'alt_text', 'collaborators']),
    });
    expect(Object.keys((await stack.request('GET', '/v1/posts/validate')).body.data)).toContain('sandbox');
    const unknown = await stack.request('GET', '/v1/posts/validate?platform=myspace');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.meta.field).toBe('platform');
  });
});

describe('the OpenAPI document', () => {
  test('is valid OpenAPI 3.1, and real answers match its schemas', async () => {
    const res = await fetch(`${stack.baseUrl}/openapi.json`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as any;
    const run = spawnSync(process.execPath, [join(projectRoot(), 'test', 'tools', 'validate-openapi.mjs')], {
      input: JSON.stringify(doc),
      encoding: 'utf8',
    });
    expect(JSON.parse(run.stdout)).toEqual({ valid: true, errors: [] });
    expect(doc.openapi).toBe('3.1.0');

    const check = await openApiChecker(stack.baseUrl);
    // Every route the API serves is documented, and nothing else.
    const documented = Object.entries(doc.paths as Record<string, object>).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => key !== 'parameters')
        .map((method) => `${method.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`),
    );
    const app = buildApp({ client: {} as never, store: {} as never, media: {} as never, syncWaitMs: 0 });
    await app.ready();
    expect(documented.sort()).toEqual([...app.servedRoutes].sort());
    await app.close();
    const post = await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text: 'per the schema',
      scheduled_at: inDays(1),
    });
    check('Post', post.body);
    check('Error', (await stack.request('GET', '/v1/posts/post_nope')).body);
    check('Account', (await stack.request('GET', `/v1/accounts/${account}`)).body);
    check(
      'ValidationReport',
      (await stack.request('POST', '/v1/posts/validate', { text: 'x', platforms: ['sandbox'] })).body,
    );
    check('CreatePost', { account_ids: [account], text: 'x', scheduled_at: inDays(1) });
    check('PostPage', (await stack.request('GET', '/v1/posts?limit=2')).body);
    check('DeletePostResult', (await stack.request('DELETE', `/v1/posts/${post.body.id}`)).body);
  });
});

describe('accounts', () => {
  test('accounts are created and listed without their credentials', async () => {
    const created = await stack.request('POST', '/v1/accounts', {
      platform: 'sandbox',
      name: 'With secret',
      credentials: { access_token: 'tok_secret' },
    });
    expect(created.status).toBe(201);
    expect(created.body.id).toMatch(/^acc_[0-9A-Z]{26}$/);
    expect(JSON.stringify(created.body)).not.toContain('tok_secret');

    const list = await stack.request('GET', '/v1/accounts');
    expect(list.body.count).toBe(list.body.data.length);
    expect(list.body.data.map((a: any) => a.id)).toContain(created.body.id);
    expect(JSON.stringify(list.body)).not.toContain('tok_secret');
  });

  test('a deleted account is gone, and a post scheduled for it fails that target with account.not_found', async () => {
    const doomed = await stack.createSandboxAccount('doomed');
    const scheduled = await stack.request('POST', '/v1/posts', {
      account_ids: [doomed],
      text: 'orphan',
      scheduled_at: inDays(1),
    });

    const deleted = await fetch(`${stack.baseUrl}/v1/accounts/${doomed}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${stack.apiKey}` },
    });
    expect(deleted.status).toBe(204);
    expect((await stack.request('GET', `/v1/accounts/${doomed}`)).status).toBe(404);
    expect((await stack.request('DELETE', `/v1/accounts/${doomed}`)).status).toBe(404);
    expect(
      (await stack.request('POST', '/v1/posts', { account_ids: [doomed], text: 'x' })).body.error.code,
    ).toBe('account.not_found');

    const published = await stack.request('POST', `/v1/posts/${scheduled.body.id}/publish`);
    expect(published.status).toBe(422);
    expect(published.body.error.meta.post.targets[0].error).toMatchObject({
      code: 'account.not_found',
      caused_by: 'user',
    });
  });

  test('a platform this Postflow cannot publish to is refused with the list of those it can', async () => {
    const { status, body } = await stack.request('POST', '/v1/accounts', { platform: 'myspace', name: 'x' });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({ code: 'validation.field_invalid', meta: { field: 'platform' } });
    expect(body.error.message).toContain('sandbox');
  });

  test('an account without the credentials its platform needs is refused, naming each', async () => {
    const { status, body } = await stack.request('POST', '/v1/accounts', {
      platform: 'mastodon',
      name: 'Mastodon',
      credentials: { access_token: 'tok' },
    });
    expect(status).toBe(400);
    expect(body.error).toMatchObject({
      code: 'validation.field_required',
      meta: { field: 'credentials.instance_url' },
    });
  });

  test("a self-hosted platform's server must be a public https URL: tokens are sent there", async () => {
    for (const instance of ['http://127.0.0.1:3000', 'https://10.0.0.5', 'not a url']) {
      const { status, body } = await stack.request('POST', '/v1/accounts', {
        platform: 'mastodon',
        name: 'Mastodon',
        credentials: { instance_url: instance, access_token: 'tok' },
      });
      expect(status).toBe(400);
      expect(body.error).toMatchObject({
        code: 'validation.field_invalid',
        meta: { field: 'credentials.instance_url' },
      });
    }
  });
});

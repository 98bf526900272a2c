import { N8n } from '../helpers/n8n';
import { WebhookReceiver } from '../helpers/receiver';
import { Stack } from '../helpers/stack';
import { N8N_VERSION } from '../helpers/tools';

/**
 * n8n-nodes-postflow in a real n8n (installed from its packed tarball, as users install it),
 * against the real Postflow stack.
 */
let stack: Stack;
let n8n: N8n;
let account: string;
let receiver: WebhookReceiver;
const credentials = { postflowApi: { id: 'pfCredential0001', name: 'Postflow' } };

/** The Postflow node with `parameters`, after the workflow's trigger. */
const postflowNode = (parameters: object) => ({
  id: 'postflow',
  name: 'Postflow',
  type: 'n8n-nodes-postflow.postflow',
  typeVersion: 1,
  position: [200, 0],
  parameters,
  credentials,
});

const manualWorkflow = (id: string, parameters: object) => ({
  id,
  name: `Postflow ${id}`,
  active: false,
  settings: {},
  nodes: [
    {
      id: 'start',
      name: 'Start',
      type: 'n8n-nodes-base.manualTrigger',
      typeVersion: 1,
      position: [0, 0],
      parameters: {},
    },
    postflowNode(parameters),
  ],
  connections: { Start: { main: [[{ node: 'Postflow', type: 'main', index: 0 }]] } },
});

beforeAll(async () => {
  receiver = await new WebhookReceiver().start();
  stack = await new Stack({ POSTFLOW_ALLOW_PRIVATE_URLS: 'true', POSTFLOW_SYNC_WAIT_MS: '30000' }).start();
  account = await stack.createSandboxAccount('n8n');
  n8n = await new N8n().setUp();
  n8n.importCredential({
    id: 'pfCredential0001',
    name: 'Postflow',
    type: 'postflowApi',
    data: { baseUrl: stack.baseUrl, apiKey: stack.apiKey },
  });
}, 300_000);

afterAll(async () => {
  await n8n?.stop();
  await stack?.stop();
  await receiver?.stop();
});

/** An HTTP Request node that POSTs its item to the receiver at `path` (how these workflows report). */
const report = (name: string, path: string, x: number) => ({
  id: name,
  name,
  type: 'n8n-nodes-base.httpRequest',
  typeVersion: 4.2,
  position: [x, 0],
  parameters: {
    method: 'POST',
    url: `${receiver.url}/${path}`,
    sendBody: true,
    specifyBody: 'json',
    jsonBody: '={{ JSON.stringify($json) }}',
    options: {},
  },
});

test(`n8n ${N8N_VERSION} runs a workflow that publishes through the node; the node returns the Post`, async () => {
  n8n.importWorkflow(
    manualWorkflow('pfPublishNow0001', {
      resource: 'post',
      operation: 'create',
      mode: 'now',
      accountIds: [account],
      text: 'Hello from n8n',
      options: { firstComment: 'And a first comment' },
    }),
  );
  const run = n8n.execute('pfPublishNow0001');
  expect([run.status, run.error]).toEqual(['success', undefined]);
  const [item] = run.nodes.Postflow;
  expect(item.json).toMatchObject({ status: 'published', text: 'Hello from n8n', account_ids: [account] });
  const published = (await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data;
  // The post, then its first comment under it.
  expect(published).toEqual([
    expect.objectContaining({ post_id: item.json.id, text: 'Hello from n8n' }),
    expect.objectContaining({ post_id: item.json.id, text: 'And a first comment' }),
  ]);
  expect(item.json.targets[0].metadata.first_comment.id).toBe(published[1].platform_post_id);

  // Running the same workflow again publishes nothing new: the derived idempotency key matches.
  const again = n8n.execute('pfPublishNow0001');
  expect(again.nodes.Postflow[0].json.id).toBe(item.json.id);
  expect((await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data).toHaveLength(2);
});

test("Post → Import through n8n: a dry run creates nothing; the README's flow (check, IF no row failed, import) creates the rows' posts", async () => {
  // An account of its own: the other tests count the first account's posts.
  const importer = await stack.createSandboxAccount('n8n import');
  const rows = JSON.stringify([
    { text: 'Imported through n8n, one', account_ids: [importer] },
    { text: 'Imported through n8n, two', account_ids: [importer] },
  ]);
  const importWith = (dryRun: boolean) => ({
    resource: 'post',
    operation: 'import',
    importSource: 'json',
    jsonRows: rows,
    dryRun,
  });
  n8n.importWorkflow(manualWorkflow('pfImportCheck001', importWith(true)));
  // nodes/README.md's bulk-import example: check, go on when no row failed, import the same rows.
  const step = (node: ReturnType<typeof postflowNode>, name: string, x: number) => ({
    ...node,
    id: name,
    name,
    position: [x, 0],
  });
  n8n.importWorkflow({
    id: 'pfImportRows0001',
    name: 'Postflow: bulk import',
    active: false,
    settings: {},
    nodes: [
      manualWorkflow('', {}).nodes[0],
      step(postflowNode(importWith(true)), 'Check rows', 200),
      {
        id: 'noProblems',
        name: 'No problems?',
        type: 'n8n-nodes-base.if',
        typeVersion: 2,
        position: [400, 0],
        parameters: {
          conditions: {
            options: { caseSensitive: true, leftValue: '', typeValidation: 'strict' },
            conditions: [
              {
                id: 'failed',
                leftValue: '={{ $json.counts.failed }}',
                rightValue: 0,
                operator: { type: 'number', operation: 'equals' },
              },
            ],
            combinator: 'and',
          },
          options: {},
        },
      },
      step(
        postflowNode({ ...importWith(false), jsonRows: "={{ $('Check rows').params.jsonRows }}" }),
        'Import',
        600,
      ),
    ],
    connections: {
      Start: { main: [[{ node: 'Check rows', type: 'main', index: 0 }]] },
      'Check rows': { main: [[{ node: 'No problems?', type: 'main', index: 0 }]] },
      'No problems?': { main: [[{ node: 'Import', type: 'main', index: 0 }], []] },
    },
  });

  const check = n8n.execute('pfImportCheck001');
  expect([check.status, check.error]).toEqual(['success', undefined]);
  const dry = check.nodes.Postflow[0].json;
  expect(dry).toMatchObject({ id: null, dry_run: true, counts: { total: 2, valid: 2, failed: 0 } });
  const postIds: string[] = dry.rows.map((row: { post_id: string }) => row.post_id);
  for (const id of postIds) expect((await stack.request('GET', `/v1/posts/${id}`)).status).toBe(404);

  const imported = n8n.execute('pfImportRows0001');
  expect([imported.status, imported.error]).toEqual(['success', undefined]);
  const importId: string = imported.nodes.Import[0].json.id;
  expect(importId).toMatch(/^imp_/);
  n8n.importWorkflow(
    manualWorkflow('pfImportReport01', { resource: 'post', operation: 'getImport', importId }),
  );
  // The import's workflow starts the posts after the answer: follow it with Get Import.
  let report: any;
  for (let attempt = 0; attempt < 10; attempt++) {
    report = n8n.execute('pfImportReport01').nodes.Postflow[0].json;
    if (report.status === 'done') break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  expect(report).toMatchObject({ id: importId, status: 'done', counts: { created: 2, failed: 0 } });
  // The dry run named the posts the rows would make: the import made exactly those.
  expect(report.rows.map((row: { post_id: string }) => row.post_id)).toEqual(postIds);
  const posts = await Promise.all(postIds.map((id) => stack.waitForPost(id)));
  expect(posts.map((p) => [p.text, p.status])).toEqual([
    ['Imported through n8n, one', 'published'],
    ['Imported through n8n, two', 'published'],
  ]);
});

test('Queue → Create, Update and Delete through n8n manage a queue the API then shows', async () => {
  const owner = await stack.createSandboxAccount('n8n queue');
  n8n.importWorkflow(
    manualWorkflow('pfQueueCreate001', {
      resource: 'queue',
      operation: 'create',
      owner: 'account',
      queueAccountId: owner,
      timezone: 'Europe/Berlin',
      slots: { groups: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], times: '09:00, 17:00' }] },
    }),
  );
  const created = n8n.execute('pfQueueCreate001');
  expect([created.status, created.error]).toEqual(['success', undefined]);
  const queue = created.nodes.Postflow[0].json;
  expect(queue).toMatchObject({
    account_id: owner,
    timezone: 'Europe/Berlin',
    slots: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], times: ['09:00', '17:00'] }],
  });

  n8n.importWorkflow(
    manualWorkflow('pfQueueUpdate001', {
      resource: 'queue',
      operation: 'update',
      queueId: queue.id,
      queueUpdateFields: { timezone: 'America/New_York' },
    }),
  );
  const updated = n8n.execute('pfQueueUpdate001');
  expect([updated.status, updated.error]).toEqual(['success', undefined]);
  expect(updated.nodes.Postflow[0].json).toMatchObject({ id: queue.id, timezone: 'America/New_York' });
  expect((await stack.request('GET', `/v1/queues/${queue.id}`)).body.timezone).toBe('America/New_York');

  n8n.importWorkflow(
    manualWorkflow('pfQueueDelete001', { resource: 'queue', operation: 'delete', queueId: queue.id }),
  );
  const deleted = n8n.execute('pfQueueDelete001');
  expect(deleted.nodes.Postflow[0].json).toEqual({ id: queue.id, deleted: true });
  expect((await stack.request('GET', `/v1/queues/${queue.id}`)).status).toBe(404);
});

/**
 * A workflow started by a POST to n8n's production webhook at `path`, running the Postflow node
 * with `parameters`; then `report`s, or without one answers the call with the node's output.
 */
const webhookWorkflow = (
  id: string,
  path: string,
  webhookId: string,
  parameters: object,
  then?: ReturnType<typeof report>,
) => ({
  id,
  name: `Postflow ${id}`,
  active: false,
  settings: {},
  nodes: [
    {
      id: 'hook',
      name: 'Start',
      type: 'n8n-nodes-base.webhook',
      typeVersion: 2,
      position: [0, 0],
      webhookId,
      parameters: {
        httpMethod: 'POST',
        path,
        responseMode: then ? 'onReceived' : 'lastNode',
        options: {},
      },
    },
    postflowNode(parameters),
    ...(then ? [then] : []),
  ],
  connections: {
    Start: { main: [[{ node: 'Postflow', type: 'main', index: 0 }]] },
    ...(then ? { Postflow: { main: [[{ node: then.name, type: 'main', index: 0 }]] } } : {}),
  },
});

describe('with n8n running', () => {
  /** A second sandbox account, for the post whose targets go out at their own instants. */
  let later: string;

  beforeAll(async () => {
    // Fires when a post is published: the trigger registers its URL with Postflow on activation.
    n8n.importWorkflow({
      id: 'pfTriggered00001',
      name: 'Postflow trigger',
      active: false,
      settings: {},
      nodes: [
        {
          id: 'trigger',
          name: 'Postflow Trigger',
          type: 'n8n-nodes-postflow.postflowTrigger',
          typeVersion: 1,
          position: [0, 0],
          webhookId: '5d1a0a2e-7a43-4b8e-9a53-3b1f0c9e1a01',
          parameters: { events: ['post.published'] },
          credentials,
        },
        report('Report', 'triggered', 200),
      ],
      connections: { 'Postflow Trigger': { main: [[{ node: 'Report', type: 'main', index: 0 }]] } },
    });
    // Schedules a post a few seconds ahead and waits for it: the execution resumes when Postflow
    // calls it back, then reports the final post.
    n8n.importWorkflow(
      webhookWorkflow(
        'pfWaitForPost001',
        'schedule-and-wait',
        '0b8f6c1e-2f0e-4c52-8d0d-6a4c2e9b7f02',
        {
          resource: 'post',
          operation: 'create',
          mode: 'schedule',
          accountIds: [account],
          text: '={{ $json.body.text }}',
          scheduledAt: '={{ $json.body.scheduled_at }}',
          waitForCompletion: true,
          options: {},
        },
        report('Report', 'waited', 400),
      ),
    );
    // Schedules a post to two accounts, the second at its own later instant (Target Schedules),
    // with a first comment; answers the webhook with the node's output.
    later = await stack.createSandboxAccount('n8n later');
    n8n.importWorkflow(
      webhookWorkflow('pfTargetTimes001', 'targets-at-own-times', '7c2e4a19-5b6d-4f0e-9e3a-2d8b1c6f4a03', {
        resource: 'post',
        operation: 'create',
        mode: 'schedule',
        accountIds: [account, later],
        text: '={{ $json.body.text }}',
        scheduledAt: '={{ $json.body.scheduled_at }}',
        options: {
          firstComment: 'First comment from n8n',
          targetSchedules: { items: [{ accountId: later, scheduledAt: '={{ $json.body.later_at }}' }] },
        },
      }),
    );
    // The account's remaining quota (Account → Get Limits), asked of Postflow by the node.
    n8n.importWorkflow(
      webhookWorkflow('pfAccountLimit01', 'account-limits', '3e9d7b20-4c1a-4f6e-8b2d-5a7c9e1f0b04', {
        resource: 'account',
        operation: 'getLimits',
        accountId: account,
      }),
    );
    for (const id of ['pfTriggered00001', 'pfWaitForPost001', 'pfTargetTimes001', 'pfAccountLimit01']) {
      const run = n8n.cli('publish:workflow', `--id=${id}`);
      if (run.status !== 0) throw new Error(`publish:workflow failed:\n${run.output}`);
    }
    await n8n.start();
    await n8n.waitForWebhook('schedule-and-wait');
    await n8n.waitForWebhook('targets-at-own-times');
    await n8n.waitForWebhook('account-limits');
    await n8n.setUpOwner();
  }, 300_000);

  /** Postflow's webhooks whose URL points at this n8n, once `until` holds for them (polled). */
  const n8nHooks = async (until: (hooks: any[]) => boolean): Promise<any[]> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const hooks = (await stack.request('GET', '/v1/webhooks')).body.data.filter((h: { url: string }) =>
        h.url.startsWith(n8n.url),
      );
      if (until(hooks) || Date.now() > deadline) return hooks;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const triggerHooks = (hooks: any[]) => hooks.filter((h) => h.url.includes('/webhook/'));

  test("the credential's connection test (n8n's credential-test endpoint) passes with the key and names the problem without it", async () => {
    // As the editor does: the stored credential's (redacted) data goes back to the test, which
    // n8n fills in from what it stored.
    const credential = { id: 'pfCredential0001', name: 'Postflow', type: 'postflowApi' };
    const { body: saved } = await n8n.rest('GET', `/credentials/${credential.id}?includeData=true`);
    expect(saved.data.data.apiKey).not.toBe(stack.apiKey);
    const stored = await n8n.rest('POST', '/credentials/test', {
      credentials: { ...credential, data: saved.data.data },
    });
    expect(stored).toEqual({ status: 200, body: { data: expect.objectContaining({ status: 'OK' }) } });

    const wrongKey = await n8n.rest('POST', '/credentials/test', {
      credentials: { ...credential, data: { baseUrl: stack.baseUrl, apiKey: 'pf_wrong_key' } },
    });
    expect(wrongKey.body.data.status).toBe('Error');
    expect(wrongKey.body.data.message).toMatch(/401|unauthorized|authorization failed/i);

    const notPostflow = await n8n.rest('POST', '/credentials/test', {
      credentials: { ...credential, data: { baseUrl: `${receiver.url}/not-postflow`, apiKey: stack.apiKey } },
    });
    expect(notPostflow.body.data).toEqual({
      status: 'Error',
      message: 'This URL does not answer like a Postflow API: check the Base URL.',
    });
  });

  test('the trigger registers on activation and fires with the event when a post is published', async () => {
    // n8n activates workflows after its editor is up: wait for the registration itself.
    const hooks = triggerHooks(await n8nHooks((found) => triggerHooks(found).length > 0));
    expect(hooks).toEqual([expect.objectContaining({ events: ['post.published'] })]);
    const { body: post } = await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text: 'Trigger me',
    });
    expect(post.status).toBe('published');
    const fired = await receiver.waitFor(
      (r) => r.path === '/hooks/triggered' && r.json?.post_id === post.id,
      60_000,
    );
    expect(fired.json).toMatchObject({ event: 'post.published', post_id: post.id, status: 'published' });
  });

  test('wait for completion pauses the execution until the scheduled post is published, then outputs it', async () => {
    const scheduledAt = new Date(Date.now() + 12_000).toISOString();
    const started = await fetch(`${n8n.url}/webhook/schedule-and-wait`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Waited for', scheduled_at: scheduledAt }),
    });
    expect(started.status).toBe(200);
    // While the post is scheduled the execution waits: nothing is reported yet.
    await new Promise((r) => setTimeout(r, 3_000));
    expect(receiver.received.filter((r) => r.path === '/hooks/waited')).toEqual([]);

    // The resume URL Postflow calls back carries this execution's token; n8n keeps the execution
    // waiting through calls that lack it, name another post, or bring a non-final event.
    const hooks: Array<{ url: string }> = (await stack.request('GET', '/v1/webhooks')).body.data;
    const callback = new URL(hooks.find((h) => h.url.includes('/webhook-waiting/'))!.url);
    const postId = callback.searchParams.get('post_id')!;
    const callBack = async (url: URL, event: string, id = postId) => {
      const answer = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event, data: { post_id: id, status: 'published' } }),
      });
      return { status: answer.status, body: await answer.json() };
    };
    const forged = new URL(callback);
    forged.searchParams.set('postflow_token', '0'.repeat(64));
    const tokenless = new URL(callback);
    tokenless.searchParams.delete('postflow_token');
    const otherPost = new URL(callback);
    otherPost.searchParams.set('post_id', 'post_other');
    expect((await callBack(forged, 'post.published')).status).toBe(401);
    expect((await callBack(tokenless, 'post.published')).status).toBe(401);
    expect((await callBack(otherPost, 'post.published', 'post_other')).status).toBe(409);
    expect(await callBack(callback, 'post.scheduled')).toEqual({
      status: 200,
      body: { received: true, resumed: false, reason: 'post.scheduled is not a final event.' },
    });

    const waited = await receiver.waitFor((r) => r.path === '/hooks/waited', 90_000);
    expect(waited.json).toMatchObject({ status: 'published', text: 'Waited for', scheduled_at: scheduledAt });
    expect(Date.now()).toBeGreaterThanOrEqual(Date.parse(scheduledAt));
    expect(waited.json.id).toBe(postId);
    expect(receiver.received.filter((r) => r.path === '/hooks/waited')).toHaveLength(1);
  });

  test("Account → Get Limits answers the account's limits from Postflow ({} for the sandbox)", async () => {
    const answer = await fetch(`${n8n.url}/webhook/account-limits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({});
  });

  test('Target Schedules send each account at its own instant, and each target reports its first comment', async () => {
    const at = Date.now() + 5_000;
    const scheduledAt = new Date(at).toISOString();
    const laterAt = new Date(at + 3_000).toISOString();
    const answer = await fetch(`${n8n.url}/webhook/targets-at-own-times`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'Two instants', scheduled_at: scheduledAt, later_at: laterAt }),
    });
    expect(answer.status).toBe(200);
    const created: any = await answer.json();
    const ownInstants = [
      expect.objectContaining({ account_id: account, scheduled_at: scheduledAt }),
      expect.objectContaining({ account_id: later, scheduled_at: laterAt }),
    ];
    expect(created).toMatchObject({ status: 'scheduled', scheduled_at: scheduledAt, targets: ownInstants });
    expect((await stack.request('GET', `/v1/posts/${created.id}`)).body.targets).toEqual(ownInstants);

    const post = await stack.waitForPost(created.id);
    expect(post.status).toBe('published');
    for (const target of post.targets) {
      expect(Date.parse(target.published_at)).toBeGreaterThanOrEqual(Date.parse(target.scheduled_at));
      // The comment is the sandbox item of this post that replies to the target's own.
      const timeline = (await stack.request('GET', `/v1/sandbox/${target.account_id}/posts`)).body.data;
      const comment = timeline.find(
        (item: any) => item.platform_options?.in_reply_to === target.platform_post_id,
      );
      expect(comment).toMatchObject({ post_id: post.id, text: 'First comment from n8n' });
      expect(target.metadata.first_comment).toEqual({
        id: comment.platform_post_id,
        permalink: `${target.permalink}#${comment.platform_post_id}`,
      });
    }
    expect(post.targets.map((t: { account_id: string }) => t.account_id)).toEqual([account, later]);
  });

  test("deactivating the trigger's workflow removes its webhook from Postflow, and n8n stops serving its URL", async () => {
    const [hook] = triggerHooks(await n8nHooks((found) => triggerHooks(found).length > 0));
    const deactivated = await n8n.rest('POST', '/workflows/pfTriggered00001/deactivate', {});
    expect(deactivated.status).toBe(200);

    expect(triggerHooks(await n8nHooks((found) => triggerHooks(found).length === 0))).toEqual([]);
    const gone = await fetch(hook.url, { method: 'POST', body: '{}' });
    expect(gone.status).toBe(404);
  });
});

import { N8n } from '../helpers/n8n';
import { Stack } from '../helpers/stack';
import { N8N_VERSION } from '../helpers/tools';

/**
 * n8n-nodes-postflow in a real n8n (installed from its packed tarball, as users install it),
 * against the real Postflow stack.
 */
let stack: Stack;
let n8n: N8n;
let account: string;
const credentials = { postflowApi: { id: 'pfCredential0001', name: 'Postflow' } };

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
    {
      id: 'postflow',
      name: 'Postflow',
      type: 'n8n-nodes-postflow.postflow',
      typeVersion: 1,
      position: [200, 0],
      parameters,
      credentials,
    },
  ],
  connections: { Start: { main: [[{ node: 'Postflow', type: 'main', index: 0 }]] } },
});

beforeAll(async () => {
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
});

test(`n8n ${N8N_VERSION} runs a workflow that publishes through the node; the node returns the Post`, async () => {
  n8n.importWorkflow(
    manualWorkflow('pfPublishNow0001', {
      resource: 'post',
      operation: 'create',
      mode: 'now',
      accountIds: [account],
      text: 'Hello from n8n',
      options: {},
    }),
  );
  const run = n8n.execute('pfPublishNow0001');
  expect([run.status, run.error]).toEqual(['success', undefined]);
  const [item] = run.nodes.Postflow;
  expect(item.json).toMatchObject({ status: 'published', text: 'Hello from n8n', account_ids: [account] });
  const published = (await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data;
  expect(published).toEqual([expect.objectContaining({ post_id: item.json.id, text: 'Hello from n8n' })]);

  // Running the same workflow again publishes nothing new: the derived idempotency key matches.
  const again = n8n.execute('pfPublishNow0001');
  expect(again.nodes.Postflow[0].json.id).toBe(item.json.id);
  expect((await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data).toHaveLength(1);
});

import { MastodonFake } from '../../platforms/mastodon/fake';
import { ThreadsFake } from '../../platforms/meta/threads/fake';
import { inDays } from '../helpers/fixtures';
import { Stack } from '../helpers/stack';
import type { TokenUpkeepReport } from '../../workflows/token-upkeep';
import { TOKEN_UPKEEP_SCHEDULE_ID } from '../../worker/token-upkeep-schedule';

/**
 * Token upkeep through the real stack (`postflow worker` and `postflow api` from dist/, a Temporal
 * dev server): the worker sets up the upkeep Schedule at start-up and its run renews a quiet
 * Threads account; an early renewal that fails does not fail a post; a token Mastodon revoked
 * marks the account for reconnection.
 */
const threads = new ThreadsFake();
const mastodon = new MastodonFake();
let stack: Stack;

beforeAll(async () => {
  await Promise.all([threads.start(), mastodon.start()]);
  stack = await new Stack({
    POSTFLOW_THREADS_API_URL: threads.url,
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_SYNC_WAIT_MS: '0',
  }).start();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
  await Promise.all([threads.stop(), mastodon.stop()]);
});

async function createAccount(platform: string, credentials: Record<string, string>): Promise<string> {
  const { status, body } = await stack.request('POST', '/v1/accounts', {
    platform,
    name: platform,
    credentials,
  });
  if (status !== 201) throw new Error(`account creation failed: ${status} ${JSON.stringify(body)}`);
  return body.id;
}

async function publishNow(accountId: string, text: string) {
  const created = await stack.request('POST', '/v1/posts', {
    text,
    targets: [{ account_id: accountId }],
    publish_now: true,
  });
  if (![200, 201, 202].includes(created.status))
    throw new Error(`post creation failed: ${created.status} ${JSON.stringify(created.body)}`);
  return stack.waitForPost(created.body.id, undefined, 5 * 60_000);
}

const refreshCalls = () => threads.requests.filter((r) => r.path === '/refresh_access_token').length;

test('the worker sets up the upkeep schedule; its run renews a quiet account about to expire', async () => {
  const schedule = stack.client.schedule.getHandle(TOKEN_UPKEEP_SCHEDULE_ID);
  const described = await schedule.describe();
  expect(described.action).toMatchObject({ workflowType: 'tokenUpkeep', taskQueue: 'postflow' });
  expect(described.spec.intervals).toEqual([expect.objectContaining({ every: 86_400_000 })]);

  const quiet = await createAccount('threads', { ...threads.credentials(), expires_at: inDays(3) });
  const before = described.info.recentActions.length;
  const calls = refreshCalls();
  await schedule.trigger();
  let report: TokenUpkeepReport | undefined;
  for (let i = 0; !report; i++) {
    const actions = (await schedule.describe()).info.recentActions;
    if (actions.length > before)
      report = await stack.client.workflow.getHandle(actions.at(-1)!.action.workflow.workflowId).result();
    else if (i > 600) throw new Error('the schedule never started its workflow');
    else await new Promise((r) => setTimeout(r, 100));
  }
  expect(report.renewed).toContain(quiet);
  expect(report.reconnectRequired).toEqual([]);
  expect(refreshCalls()).toBe(calls + 1);
  // The renewed token works: a post goes out without another refresh.
  const post = await publishNow(quiet, 'after the upkeep run');
  expect(post.targets[0]).toMatchObject({ status: 'published' });
  expect(refreshCalls()).toBe(calls + 1);
}, 180_000);

test('an early renewal that fails in passing does not fail the post: the still-valid token publishes it', async () => {
  const account = await createAccount('threads', { ...threads.credentials(), expires_at: inDays(2) });
  threads.inject(
    { method: 'GET', path: '/refresh_access_token' },
    { status: 503, body: { error: { message: 'Service temporarily unavailable', code: 2 } } },
    10,
  );
  const calls = refreshCalls();
  const post = await publishNow(account, 'early renewal down');
  expect(post.targets[0]).toMatchObject({ status: 'published' });
  expect(refreshCalls()).toBe(calls + 1); // tried once, deferred, not retried for this post
  expect(threads.published.some((p) => p.text === 'early renewal down')).toBe(true);
  expect((await stack.request('GET', `/v1/accounts/${account}`)).body.status).toBe('active');
}, 180_000);

test('a token Mastodon revoked (401) marks the account reconnect_required, and later posts are refused up front', async () => {
  const credentials = mastodon.credentials();
  const account = await createAccount('mastodon', credentials);
  mastodon.accessTokens.delete(credentials.access_token!);

  const first = await publishNow(account, 'revoked token');
  expect(first.targets[0]).toMatchObject({
    status: 'failed',
    error: { code: 'account.reconnection_required', category: 'auth' },
  });
  const { body } = await stack.request('GET', `/v1/accounts/${account}`);
  expect(body).toMatchObject({
    status: 'reconnect_required',
    reconnect_reason: expect.stringContaining('mastodon'),
  });

  // The API now refuses posts to the account up front, with the hint to reconnect it.
  const requests = mastodon.requests.length;
  const second = await stack.request('POST', '/v1/posts', {
    text: 'still revoked',
    targets: [{ account_id: account }],
    publish_now: true,
  });
  expect(second.status).toBe(403);
  expect(second.body.error).toMatchObject({ code: 'account.reconnection_required' });
  expect(mastodon.requests.length).toBe(requests); // Mastodon not even called
}, 180_000);

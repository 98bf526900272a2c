import { ApplicationFailure } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { OAuthConnectionJob, OAuthConnected } from '../../api/oauth-connection';
import { createOAuthConnectActivities } from '../../activities/oauth-connect';
import type { WebhookJob } from '../../activities/webhooks';
import { OAuthSecrets } from '../../codec/oauth-secrets';
import { OAuthConnections, oauthWorkflowId } from '../../gateway';
import { consentUrl } from '../../platforms/descriptor';
import { PLATFORM_DESCRIPTORS } from '../../platforms/descriptors';
import { TwitterFake } from '../../platforms/twitter/fake';
import { answerConsent } from '../helpers/consent';
import { tempStore } from '../helpers/fixtures';
import { javaTestServer } from '../helpers/tools';

/**
 * The pending connection's workflow on the time-skipping server, with a scripted exchange: one
 * callback is the only one even when two race, a failed exchange attempt (a worker lost
 * mid-exchange) is retried without a second account, refusals leave the connection usable, and
 * an unused state expires.
 */
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let taskQueue: string;
let connections: OAuthConnections;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: javaTestServer() } },
  });
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
});

afterAll(async () => {
  await env?.teardown();
});

beforeEach(() => {
  taskQueue = `test-${expect.getState().currentTestName?.replace(/\W+/g, '-')}`;
  connections = new OAuthConnections({ temporal: env.client, taskQueue });
});

const job = (state: string): OAuthConnectionJob => ({
  connectionId: `conn_${state}`,
  userId: 'usr_a',
  platform: 'twitter',
  accountId: `acc_${state}`,
  callbackUrl: 'http://postflow.test/v1/oauth/callback',
  redirectUri: 'https://app.example/back',
  callerState: 'mine',
  ttlMs: 10 * 60_000,
});

/** A worker whose exchange is `redeem` (no webhook endpoints unless `webhooks` says); calls `fn` while it runs. */
async function withWorker<T>(
  redeem: (job: OAuthConnectionJob, sealedCode: string) => Promise<OAuthConnected>,
  fn: () => Promise<T>,
  webhooks: Record<string, unknown> = { webhookSubscribers: async () => [] },
): Promise<T> {
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: { redeemOAuthConnection: redeem, ...webhooks },
  });
  return worker.runUntil(fn());
}

test('two racing callbacks: one connects, the other is refused; a failed attempt is retried', async () => {
  const calls: string[] = [];
  const redeem = async (j: OAuthConnectionJob, sealed: string): Promise<OAuthConnected> => {
    calls.push(sealed);
    if (calls.length === 1) throw new Error('worker lost mid-exchange');
    return { accountId: j.accountId, created: true, username: 'someone' };
  };
  await withWorker(redeem, async () => {
    await connections.start('race', job('race'));
    const answers = await Promise.allSettled([
      connections.complete('race', { sealedCode: 'sealed-1' }),
      connections.complete('race', { sealedCode: 'sealed-2' }),
    ]);
    const done = answers.filter((a) => a.status === 'fulfilled');
    const refused = answers.filter((a) => a.status === 'rejected');
    expect(done).toHaveLength(1);
    expect(done[0]!.value).toMatchObject({
      status: 'connected',
      accountId: 'acc_race',
      platform: 'twitter',
      redirectUri: 'https://app.example/back',
      callerState: 'mine',
    });
    expect(refused.map((r) => (r.reason as { code: string }).code)).toEqual(['oauth.state_used']);
    // The first attempt failed and was retried with the same code: one code, one account.
    expect(new Set(calls).size).toBe(1);
    expect(calls).toHaveLength(2);
    await expect(connections.complete('race', { sealedCode: 'sealed-3' })).rejects.toMatchObject({
      status: 409,
      code: 'oauth.state_used',
    });
  });
});

test('another user, platform or redirect_uri is refused before it touches the connection', async () => {
  await withWorker(
    async (j) => ({ accountId: j.accountId, created: true }),
    async () => {
      await connections.start('picky', job('picky'));
      for (const [callback, code] of [
        [{ userId: 'usr_b' }, 'oauth.state_invalid'],
        [{ platform: 'reddit' }, 'oauth.state_invalid'],
        [{ redirectUri: 'https://evil.example/' }, 'oauth.redirect_uri_mismatch'],
      ] as const) {
        await expect(connections.complete('picky', { sealedCode: 's', ...callback })).rejects.toMatchObject({
          code,
        });
      }
      const done = await connections.complete('picky', {
        sealedCode: 's',
        userId: 'usr_a',
        platform: 'twitter',
        redirectUri: 'https://app.example/back',
      });
      expect(done.status).toBe('connected');
    },
  );
});

test('refused consent and a refused code are the outcome, not a failed workflow', async () => {
  await withWorker(
    async () => {
      throw ApplicationFailure.nonRetryable('X refused the authorization code', 'oauth.code_invalid');
    },
    async () => {
      await connections.start('denied', job('denied'));
      expect(await connections.complete('denied', { error: 'access_denied' })).toMatchObject({
        status: 'failed',
        code: 'oauth.consent_denied',
      });
      await connections.start('badcode', job('badcode'));
      expect(await connections.complete('badcode', { sealedCode: 's' })).toMatchObject({
        status: 'failed',
        code: 'oauth.code_invalid',
      });
    },
  );
});

test('an unused state expires; an unknown one is invalid', async () => {
  await withWorker(
    async (j) => ({ accountId: j.accountId, created: true }),
    async () => {
      await connections.start('late', job('late'));
      await env.sleep('11 minutes');
      await expect(connections.complete('late', { sealedCode: 's' })).rejects.toMatchObject({
        status: 410,
        code: 'oauth.state_expired',
      });
      await expect(connections.complete('never-started', { sealedCode: 's' })).rejects.toMatchObject({
        status: 400,
        code: 'oauth.state_invalid',
      });
    },
  );
});

test('a connection sends account.connected once to each subscribed endpoint; a failed one sends none', async () => {
  const sent: WebhookJob[] = [];
  const asked: unknown[][] = [];
  const webhooks = {
    webhookSubscribers: async (...args: unknown[]) => {
      asked.push(args);
      return ['wh_1', 'wh_2'];
    },
    sendWebhook: async (j: WebhookJob) => {
      sent.push(j);
      return 'delivered';
    },
    failWebhookDelivery: async () => undefined,
  };
  let attempts = 0;
  const redeem = async (j: OAuthConnectionJob): Promise<OAuthConnected> => {
    attempts += 1;
    if (j.connectionId === 'conn_refused') throw ApplicationFailure.nonRetryable('no', 'oauth.code_invalid');
    // The first attempt is lost (a worker crash mid-exchange): the retry must not announce twice.
    if (attempts === 1) throw new Error('worker lost mid-exchange');
    return { accountId: j.accountId, created: true, username: 'someone', displayName: 'Some One' };
  };
  await withWorker(
    redeem,
    async () => {
      await connections.start('announced', { ...job('announced'), brandId: 'brd_1', metadata: { n: 1 } });
      expect(await connections.complete('announced', { sealedCode: 's' })).toMatchObject({
        status: 'connected',
      });
      await connections.start('refused', job('refused'));
      expect(await connections.complete('refused', { sealedCode: 's' })).toMatchObject({ status: 'failed' });
      for (const id of ['dlv_conn_announced_1', 'dlv_conn_announced_2'])
        await env.client.workflow.getHandle(id).result();
    },
    webhooks,
  );
  expect(asked).toEqual([['usr_a', 'account.connected']]);
  expect(sent.map((j) => [j.deliveryId, j.endpointId]).sort()).toEqual([
    ['dlv_conn_announced_1', 'wh_1'],
    ['dlv_conn_announced_2', 'wh_2'],
  ]);
  expect(sent[0]!.event).toEqual({
    event: 'account.connected',
    data: {
      account_id: 'acc_announced',
      platform: 'twitter',
      username: 'someone',
      display_name: 'Some One',
      profile_picture_url: null,
      created: true,
      brand_id: 'brd_1',
      metadata: { n: 1 },
    },
  });
});

test('the code is redeemed once: a profile read that fails, then an attempt lost after the save, end with one account', async () => {
  const twitter = await new TwitterFake().start();
  const { store } = await tempStore();
  try {
    const secrets = new OAuthSecrets(Buffer.alloc(32, 3));
    const platformEnv = {
      POSTFLOW_TWITTER_API_URL: twitter.url,
      POSTFLOW_TWITTER_CLIENT_ID: 'client-1',
      POSTFLOW_TWITTER_CLIENT_SECRET: 'secret-1',
    };
    const { redeemOAuthConnection } = createOAuthConnectActivities({
      store,
      env: platformEnv,
      oauthSecrets: secrets,
    });
    const connection = job('durable');
    const descriptor = PLATFORM_DESCRIPTORS.find((d) => d.slug === 'twitter')!;
    const consented = await answerConsent(
      consentUrl(descriptor, platformEnv, {
        clientId: 'client-1',
        redirectUri: connection.callbackUrl,
        state: 'durable',
        codeChallenge: secrets.challenge(connection.connectionId),
      }),
      'approve',
    );
    const code = consented.searchParams.get('code')!;
    // The token call succeeds, then the profile read's connection drops: the activity fails after
    // the code is spent.
    twitter.inject({ method: 'GET', path: '/2/users/me' }, { kind: 'reset' });
    let attempts = 0;
    const redeem = async (j: OAuthConnectionJob, sealed: string): Promise<OAuthConnected> => {
      attempts += 1;
      const connected = await redeemOAuthConnection(j, sealed);
      // The second attempt saves the account, and its worker is lost before it answers.
      if (attempts === 2) throw new Error('worker lost after the save');
      return connected;
    };
    const done = await withWorker(redeem, async () => {
      await connections.start('durable', connection);
      return connections.complete('durable', { sealedCode: secrets.seal(code) });
    });
    expect(attempts).toBe(3);
    expect(done).toMatchObject({ status: 'connected', accountId: 'acc_durable', created: true });
    const tokenCalls = twitter.requests.filter((r) => r.method === 'POST' && r.path === '/2/oauth2/token');
    expect(tokenCalls).toHaveLength(1);
    expect(await store.listAccounts('usr_a')).toMatchObject([{ id: 'acc_durable', username: 'postflow' }]);
    // The token is no longer kept; what was saved is, until purged.
    expect(await store.connectionTokens.get(connection.connectionId)).toEqual({
      connected: { accountId: 'acc_durable', created: true, username: 'postflow', displayName: 'Postflow' },
    });
    // Neither the code nor the token is in the connection's history.
    const history = JSON.stringify(
      await env.client.workflow.getHandle(oauthWorkflowId('durable')).fetchHistory(),
    );
    expect(history).not.toContain(code);
    for (const token of twitter.accessTokens) expect(history).not.toContain(token);
  } finally {
    await store.close();
    await twitter.stop();
  }
});

import { ApplicationFailure } from '@temporalio/activity';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { CredentialCheckJob, CredentialCheckResult } from '../../api/credential-check';
import { CredentialChecks } from '../../gateway';
import { javaTestServer } from '../helpers/tools';

/**
 * Connect's credential check on the time-skipping server, with a scripted activity: the
 * platform's answer passes through, network trouble is retried, and a platform that never
 * answers ends as `unreachable` instead of holding the API's request.
 */
let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;

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

const job: CredentialCheckJob = { platform: 'bluesky', sealedCredentials: 'sealed' };

async function check(activity: (job: CredentialCheckJob) => Promise<CredentialCheckResult>) {
  const taskQueue = `test-${expect.getState().currentTestName?.replace(/\W+/g, '-')}`;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: { checkAccountCredentials: activity },
  });
  return worker.runUntil(new CredentialChecks({ temporal: env.client, taskQueue }).check(job));
}

test("the platform's answer comes back as it is; network trouble is tried again", async () => {
  let calls = 0;
  const verified = await check(async () => {
    calls += 1;
    if (calls < 3) throw ApplicationFailure.retryable('connection reset', 'platform.bluesky.network');
    return { status: 'verified', profile: { id: 'did:plc:x', username: 'x.test' } };
  });
  expect(verified).toEqual({ status: 'verified', profile: { id: 'did:plc:x', username: 'x.test' } });
  expect(calls).toBe(3);
  const refused = await check(async () => ({ status: 'refused', message: 'Invalid identifier or password' }));
  expect(refused).toEqual({ status: 'refused', message: 'Invalid identifier or password' });
});

test('a platform that keeps failing ends unreachable, naming the last failure', async () => {
  const result = await check(async () => {
    throw ApplicationFailure.retryable('HTTP 503', 'platform.bluesky.api_error');
  });
  expect(result).toMatchObject({ status: 'unreachable', message: expect.stringContaining('bluesky') });
});

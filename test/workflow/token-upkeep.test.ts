import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createPlatformRegistry } from '../../activities/platforms/registry';
import type { Store } from '../../store/types';
import type { TokenUpkeepReport } from '../../workflows/token-upkeep';
import { ensureTokenUpkeepSchedule, TOKEN_UPKEEP_SCHEDULE_ID } from '../../worker/token-upkeep-schedule';
import { InstagramFake } from '../../platforms/meta/instagram/fake';
import { inDays, tempMedia, tempStore } from '../helpers/fixtures';
import { temporalCli } from '../helpers/tools';

/**
 * The token-upkeep Schedule on a real Temporal dev server (the time-skipping test server has no
 * schedules): a run renews the Instagram token about to expire against the Instagram fake, marks
 * the account whose refresh Instagram refuses, and leaves the rest alone.
 */
let env: TestWorkflowEnvironment;
let store: Store;
let dir: string;
const instagram = new InstagramFake();
const taskQueue = 'postflow-upkeep';
const DAY = 86_400_000;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  await instagram.start();
  env = await TestWorkflowEnvironment.createLocal({
    server: { executable: { type: 'existing-path', path: await temporalCli() } },
  });
  ({ store, dir } = await tempStore());
}, 180_000);

afterAll(async () => {
  await env?.teardown();
  await store?.close();
  await instagram.stop();
});

/** An Instagram account whose long-lived token expires in `days`. */
async function instagramAccount(name: string, days: number) {
  const credentials: Record<string, string> = { ...instagram.credentials(), expires_at: inDays(days) };
  const account = await store.createAccount({ userId: 'usr_1', platform: 'instagram', name, credentials });
  return { id: account.id, credentials };
}

/** Triggers the schedule once and waits for the run it started; its report. */
async function runScheduleOnce(): Promise<TokenUpkeepReport> {
  const handle = env.client.schedule.getHandle(TOKEN_UPKEEP_SCHEDULE_ID);
  const before = (await handle.describe()).info.recentActions.length;
  await handle.trigger();
  for (let i = 0; ; i++) {
    const actions = (await handle.describe()).info.recentActions;
    if (actions.length > before) {
      const { workflowId } = actions.at(-1)!.action.workflow;
      return env.client.workflow.getHandle(workflowId).result();
    }
    if (i > 600) throw new Error('the schedule never started its workflow');
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('the schedule renews expiring tokens, marks refused ones and leaves the rest alone', async () => {
  const expiring = await instagramAccount('expiring', 3);
  const refused = await instagramAccount('revoked', 2);
  instagram.accessTokens.delete(refused.credentials.access_token!); // Instagram refuses its refresh
  const quiet = await instagramAccount('far from expiry', 40);

  expect(await ensureTokenUpkeepSchedule(env.client, { taskQueue, interval: DAY })).toBe('created');
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowsPath: require.resolve('../../workflows'),
    activities: createActivities({
      store,
      platforms: createPlatformRegistry({
        store,
        publicUrl: 'http://postflow.test',
        env: { POSTFLOW_INSTAGRAM_API_URL: instagram.url },
      }),
      media: tempMedia(dir),
    }),
  });
  const report = await worker.runUntil(runScheduleOnce());

  // Account ids and outcomes only: nothing of the tokens.
  expect(report).toEqual({
    due: 2,
    renewed: [expiring.id],
    reconnectRequired: [refused.id],
    retryLater: [],
    notDue: [],
  });
  expect(JSON.stringify(report)).not.toContain(expiring.credentials.access_token);

  const renewed = await store.accountCredentials(expiring.id);
  expect(renewed.access_token).not.toBe(expiring.credentials.access_token);
  expect(instagram.accessTokens.has(renewed.access_token!)).toBe(true);
  expect(Date.parse(renewed.expires_at!) - Date.now()).toBeGreaterThan(50 * DAY);
  expect(await store.getAccount(expiring.id)).toMatchObject({ status: 'active' });

  expect(await store.getAccount(refused.id)).toMatchObject({
    status: 'reconnect_required',
    reconnectReason: expect.stringContaining('refused to refresh'),
  });

  expect(await store.accountCredentials(quiet.id)).toEqual(quiet.credentials);
  expect(await store.getAccount(quiet.id)).toMatchObject({ status: 'active' });
});

test('every worker may ensure the schedule: unchanged when equal, updated when not, deleted when off', async () => {
  const ensure = (interval: number | 'off') => ensureTokenUpkeepSchedule(env.client, { taskQueue, interval });
  await ensure(DAY);
  // Many workers starting at once with the same settings.
  expect(await Promise.all([ensure(DAY), ensure(DAY), ensure(DAY)])).toEqual([
    'unchanged',
    'unchanged',
    'unchanged',
  ]);
  expect(await ensure(DAY / 2)).toBe('updated');
  const spec = (await env.client.schedule.getHandle(TOKEN_UPKEEP_SCHEDULE_ID).describe()).spec;
  expect(spec.intervals).toEqual([expect.objectContaining({ every: DAY / 2 })]);
  expect(await ensure('off')).toBe('deleted');
  expect(await ensure('off')).toBe('off');
  expect(await ensure(DAY)).toBe('created');
});

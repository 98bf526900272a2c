import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { createPlatformRegistry } from '../../activities/platforms/registry';
import type { DeliveryJob, PublishFailure } from '../../api/types';
import type { Store } from '../../store/types';
import { tempMedia, tempStore } from '../helpers/fixtures';
import { PUBLISH_DEADLINE_MS } from '../../workflows/activity-proxies';

/**
 * The publish call's deadline (issue "Exactly once", defect 4): past the activity's
 * schedule-to-close, the workflow may already have looked the post up and found nothing, so a
 * call still running on a worker cut off from Temporal must not land. The activity aborts it.
 */
let store: Store;
let activities: ReturnType<typeof createActivities>;
let accountId: string;

beforeAll(async () => {
  const temp = await tempStore();
  store = temp.store;
  activities = createActivities({
    store,
    platforms: createPlatformRegistry({ store, publicUrl: 'http://postflow.test' }),
    media: tempMedia(temp.dir),
  });
  accountId = (await store.createAccount({ userId: 'usr_default', platform: 'sandbox', name: 'S' })).id;
});

afterAll(() => store?.close());

/** A sandbox post whose answer takes 3 s after the sandbox recorded it. */
const job = (postId: string): DeliveryJob => ({
  postId,
  target: { accountId, platform: 'sandbox', options: { latency_ms: 3_000 } },
  content: { text: 'deadline', media: [] },
});

/** Runs the publish activity as if Temporal scheduled it `queuedMs` ago with the real deadline. */
function publishQueuedFor(queuedMs: number, postId: string) {
  const env = new MockActivityEnvironment({
    scheduledTimestampMs: Date.now() - queuedMs,
    scheduleToCloseTimeoutMs: PUBLISH_DEADLINE_MS,
    startToCloseTimeoutMs: PUBLISH_DEADLINE_MS,
  });
  return env.run(activities.publishTarget, job(postId)) as ReturnType<typeof activities.publishTarget>;
}

test('a publish call still running at its deadline is aborted, its outcome unknown', async () => {
  const err = await publishQueuedFor(PUBLISH_DEADLINE_MS - 500, 'post_deadline1').then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  const failure = (err as ApplicationFailure).details?.[0] as PublishFailure;
  expect(failure.outcomeUnknown).toBe(true);
});

test('within its deadline the same call publishes', async () => {
  const step = await publishQueuedFor(1_000, 'post_deadline2');
  expect('receipt' in step).toBe(true);
  expect(await store.sandbox.findByRef(accountId, `post_deadline2/${accountId}`)).toBeDefined();
});

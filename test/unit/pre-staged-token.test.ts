import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../activities';
import type { DeliveryJob } from '../../api/types';
import { PublishError, type PlatformAdapter } from '../../platforms/kit/adapter';
import type { Store } from '../../store/types';
import { tempMedia, tempStore } from '../helpers/fixtures';

/**
 * Pre-staging's token step (docs/performance.md "Pre-staging"): a publish call dispatched ahead of
 * its instant refreshes, while it waits, a token that would expire by the instant, so the call at
 * the instant does not first fail and refresh. Best effort: a refresh that fails leaves the call
 * as it was.
 */
let store: Store;
let activities: ReturnType<typeof createActivities>;
/** The access token each publish call was made with, and how many refreshes the platform saw. */
let usedTokens: string[] = [];
let refreshes = 0;
let refreshFails = false;

const adapter: PlatformAdapter = {
  platform: 'sandbox',
  async refresh() {
    refreshes++;
    if (refreshFails)
      throw new PublishError({
        category: 'platform',
        caused_by: 'platform',
        code: 'platform.sandbox.unavailable',
        message: 'the token endpoint is down',
        retryable: true,
        outcomeUnknown: false,
      });
    return { access_token: 'fresh-token', expires_at: new Date(Date.now() + 3_600_000).toISOString() };
  },
  async publish(req) {
    usedTokens.push(req.account.credentials.access_token!);
    return {
      platformPostId: 'p1',
      permalink: 'https://sandbox.test/p1',
      publishedAt: new Date().toISOString(),
    };
  },
};

beforeAll(async () => {
  const temp = await tempStore();
  store = temp.store;
  activities = createActivities({
    store,
    platforms: new Map([['sandbox', adapter]]),
    media: tempMedia(temp.dir),
  });
});

afterAll(() => store?.close());

beforeEach(() => {
  usedTokens = [];
  refreshes = 0;
  refreshFails = false;
});

/** An account whose token expires `expiresInMs` from now, and a call dispatched a second before its instant. */
async function dispatchedCall(expiresInMs: number) {
  const { id } = await store.createAccount({ userId: 'usr_default', platform: 'sandbox', name: 'S' });
  await store.updateAccountCredentials(id, {
    access_token: 'old-token',
    refresh_token: 'refresh-me',
    expires_at: new Date(Date.now() + expiresInMs).toISOString(),
  });
  const job: DeliveryJob = {
    postId: `post_${id}`,
    target: { accountId: id, platform: 'sandbox', options: {} },
    content: { text: 'on the second', media: [] },
    notBefore: new Date(Date.now() + 1_000).toISOString(),
  };
  const env = new MockActivityEnvironment({
    scheduledTimestampMs: Date.now(),
    scheduleToCloseTimeoutMs: 60_000,
    startToCloseTimeoutMs: 60_000,
  });
  return env.run(activities.publishTarget, job);
}

test('a token that would expire by the instant is refreshed while the call waits; the call goes out with the new one', async () => {
  // Valid now, even with the minute's margin every call keeps, but inside it at the instant.
  await dispatchedCall(60_500);
  expect(refreshes).toBe(1);
  expect(usedTokens).toEqual(['fresh-token']);
});

test('a token valid well past the instant is left alone', async () => {
  await dispatchedCall(3_600_000);
  expect(refreshes).toBe(0);
  expect(usedTokens).toEqual(['old-token']);
});

test('a refresh that fails ahead of the instant leaves the call as it was: it goes out with the token it had', async () => {
  refreshFails = true;
  await dispatchedCall(60_500);
  expect(refreshes).toBe(1);
  expect(usedTokens).toEqual(['old-token']);
});

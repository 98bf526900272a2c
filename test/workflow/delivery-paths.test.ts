import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import type { CommentLookup, PostflowActivities, PreparedStep, PublishedStep } from '../../activities';
import { toPublishFailure } from '../../activities/errors';
import { type CommentReceipt, PublishError } from '../../platforms/kit/adapter';
import type {
  CollectMetricsInput,
  DeliveryJob,
  DeliveryReceipt,
  PostResource,
  PostSpec,
  PublishFailure,
  ReconcileResult,
} from '../../api/types';
import { awaitSettled, retryFailed, type RetryOptions } from '../../workflows/messages';
import { ENGINE_PATCH } from '../../workflows/post';
import type { publishPost } from '../../workflows/publish-post';
import { javaTestServer } from '../helpers/tools';
import { scrubbed } from '../replay/scrub';

/**
 * A delivery's paths (workflows/delivery.ts) through prepare, publish, the processing checks and
 * reconcile, with the real workflow code on the time-skipping server and typed fake activities
 * that answer what each test scripts. Fast, and exact about which calls the workflow makes; the
 * real activities, adapters and store are covered by exactly-once.test.ts, the contract suite and
 * the integration tests. The decisions themselves are unit-tested (test/unit/retry-decision.test.ts).
 */

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundleWithSourceMap;
let taskQueue: string;

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
});

// A server per test: a published post starts its metrics collection, which outlives the test;
// a workflow task left on a queue no worker serves any more stops the time-skipping server
// from skipping (it does not skip while a workflow task is outstanding) for every later test.
beforeEach(async () => {
  env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: javaTestServer() } },
  });
});

afterEach(async () => {
  await env?.teardown();
});

beforeEach(() => {
  taskQueue = `test-${expect.getState().currentTestName?.replace(/\W+/g, '-')}`;
});

const ACCOUNT = 'acc_fake';

const receipt: DeliveryReceipt = {
  platformPostId: 'pp_1',
  permalink: 'https://platform.test/pp_1',
  publishedAt: '2026-01-01T00:00:00.000Z',
};

/** A post to one account on `platform`, publishing now. */
function postTo(platform: string): PostSpec {
  return {
    id: `post_${taskQueue}`,
    userId: 'usr_default',
    mode: 'now',
    content: { text: 'hello', media: [] },
    platformOptions: {},
    targets: [{ accountId: ACCOUNT, platform, options: {} }],
    createdAt: '2026-01-01T00:00:00.000Z',
  };
}

/**
 * A scripted failure: the activity throws it as the real publish call would (activities/errors.ts),
 * straight back to the workflow.
 */
const fails = (failure: Partial<PublishFailure>) => ({ fails: failure });
type Answer<T> = T | ReturnType<typeof fails>;

const failure = (change: Partial<PublishFailure>): PublishFailure => ({
  category: 'platform',
  caused_by: 'platform',
  code: 'platform.sandbox.unavailable',
  message: 'Sandbox failed.',
  retryable: false,
  outcomeUnknown: false,
  ...change,
});
const tokenExpired = {
  category: 'auth',
  caused_by: 'user',
  code: 'platform.sandbox.auth',
  refreshable: true,
} as const;

/** An activity answering `answers` in turn, then the last one again. */
function inTurn<T>(...answers: Answer<T>[]): () => Promise<T> {
  let next = 0;
  return async () => {
    const answer = answers[Math.min(next++, answers.length - 1)]!;
    if (typeof answer === 'object' && answer !== null && 'fails' in answer) {
      throw toPublishFailure(new PublishError(failure(answer.fails)));
    }
    return answer as T;
  };
}

const notInThisTest = (name: string) => async (): Promise<never> => {
  throw ApplicationFailure.nonRetryable(`${name} is not scripted in this test`);
};

/**
 * Every activity the worker registers, typed by the real ones (a renamed activity breaks this
 * file at compile time); those a test does not script fail loudly. No webhook subscribers.
 */
function fakeActivities(script: Partial<PostflowActivities>): PostflowActivities {
  return {
    webhookSubscribers: async () => [],
    sendWebhook: notInThisTest('sendWebhook'),
    failWebhookDelivery: notInThisTest('failWebhookDelivery'),
    pendingImportRows: notInThisTest('pendingImportRows'),
    settleImportRows: notInThisTest('settleImportRows'),
    finishImport: notInThisTest('finishImport'),
    redeemOAuthConnection: notInThisTest('redeemOAuthConnection'),
    checkAccountCredentials: notInThisTest('checkAccountCredentials'),
    runAccountHelper: notInThisTest('runAccountHelper'),
    recurringOccurrencePost: notInThisTest('recurringOccurrencePost'),
    queueRecycledRound: notInThisTest('queueRecycledRound'),
    recordRecurringOccurrence: notInThisTest('recordRecurringOccurrence'),
    refreshAccount: notInThisTest('refreshAccount'),
    accountsDueForRenewal: notInThisTest('accountsDueForRenewal'),
    renewAccountToken: notInThisTest('renewAccountToken'),
    // A published post starts its metrics collection; these tests collect nothing.
    startMetricsCollection: async () => {},
    metricsSchedule: async () => [],
    collectTargetMetrics: notInThisTest('collectTargetMetrics'),
    prepareTarget: notInThisTest('prepareTarget'),
    uploadTarget: notInThisTest('uploadTarget'),
    checkPreparedTarget: notInThisTest('checkPreparedTarget'),
    reusePrepared: notInThisTest('reusePrepared'),
    publishTarget: notInThisTest('publishTarget'),
    checkPublishedTarget: notInThisTest('checkPublishedTarget'),
    findPublished: notInThisTest('findPublished'),
    abandonDispatch: notInThisTest('abandonDispatch'),
    unpublishTarget: notInThisTest('unpublishTarget'),
    commentOnTarget: notInThisTest('commentOnTarget'),
    findComment: notInThisTest('findComment'),
    ...script,
  };
}

/** Runs the post to its end on a worker with `script`; returns it and the delivery's activity calls in order. */
async function deliver(
  spec: PostSpec,
  script: Partial<PostflowActivities>,
): Promise<{ post: PostResource; calls: Array<{ name: string; args: unknown[] }> }> {
  const calls: Array<{ name: string; args: unknown[] }> = [];
  const activities = Object.fromEntries(
    Object.entries(fakeActivities(script)).map(([name, fn]) => [
      name,
      (...args: unknown[]) => {
        // The delivery's calls only: not its webhooks' nor its metrics collection's.
        if (!['webhookSubscribers', 'startMetricsCollection', 'metricsSchedule'].includes(name))
          calls.push({ name, args });
        return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  );
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities,
  });
  const post = await worker.runUntil(
    env.client.workflow.execute<typeof publishPost>('publishPost', {
      taskQueue,
      workflowId: spec.id,
      args: [spec],
    }),
  );
  return { post, calls };
}

/** The ids of the patch markers in the post's history, in order. */
async function patchIds(workflowId: string): Promise<string[]> {
  const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? []).flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data =
      marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : null;
    return data ? [(JSON.parse(Buffer.from(data).toString()) as { id: string }).id] : [];
  });
}

/** How long each timer of the post's history was set for, in seconds, in order. */
async function timersOf(workflowId: string): Promise<number[]> {
  const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (events ?? [])
    .filter((e) => e.timerStartedEventAttributes)
    .map((e) => Number(String(e.timerStartedEventAttributes!.startToFireTimeout!.seconds)));
}

test('prepare, its processing, the publish call, the post processing: published after one publish call', async () => {
  const { post, calls } = await deliver(postTo('instagram'), {
    prepareTarget: inTurn<PreparedStep>({ processing: { container: 'c_1' }, pollAfterMs: 5_000 }),
    checkPreparedTarget: inTurn<PreparedStep>({ ready: { container: 'c_1' } }),
    publishTarget: inTurn<PublishedStep>({ processing: { media: 'm_1' }, pollAfterMs: 30_000 }),
    checkPublishedTarget: inTurn<PublishedStep>({ receipt }),
  });
  expect(post.status).toBe('published');
  expect(post.targets[0]).toMatchObject({ status: 'published', platform_post_id: 'pp_1', attempts: 1 });
  expect(calls.map((c) => c.name)).toEqual([
    'prepareTarget',
    'checkPreparedTarget',
    'publishTarget',
    'checkPublishedTarget',
  ]);
  // The publish call is given what prepare made, and each check what the step before returned.
  expect(calls[1]!.args[1]).toEqual({ container: 'c_1' });
  expect(calls[2]!.args[1]).toEqual({ container: 'c_1' });
  expect(calls[3]!.args[1]).toEqual({ media: 'm_1' });
});

test('a published post starts its metrics collection, unless the client that started it collects none', async () => {
  const started: CollectMetricsInput[] = [];
  const script = {
    publishTarget: inTurn<PublishedStep>({ receipt }),
    startMetricsCollection: async (input: CollectMetricsInput) => void started.push(input),
  };
  const collected = postTo('sandbox');
  expect((await deliver(collected, script)).post.status).toBe('published');
  expect(started).toEqual([
    {
      postId: collected.id,
      userId: 'usr_default',
      targets: [{ postId: collected.id, accountId: ACCOUNT, platform: 'sandbox', receipt }],
    },
  ]);

  const uncollected: PostSpec = { ...postTo('sandbox'), id: `${collected.id}_off`, collectMetrics: false };
  expect((await deliver(uncollected, script)).post.status).toBe('published');
  expect(started).toHaveLength(1);
});

test('a retry accepted while the settle starts the metrics collection re-runs the failed target', async () => {
  // The collection starts an hour late (slow-metrics-start.ts), so the retry lands mid-settle.
  const slowStart = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: [require.resolve('./slow-metrics-start')],
    logger: new DefaultLogger('WARN'),
  });
  const base = postTo('sandbox');
  const spec: PostSpec = {
    ...base,
    targets: [...base.targets, { accountId: 'acc_second', platform: 'sandbox', options: {} }],
  };
  let secondCalls = 0;
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: slowStart,
    activities: fakeActivities({
      publishTarget: async (job) => {
        const { accountId } = job.target;
        if (accountId === 'acc_second' && ++secondCalls === 1) {
          throw toPublishFailure(new PublishError(failure({ category: 'validation', caused_by: 'user' })));
        }
        return { receipt: { ...receipt, platformPostId: `pp_${accountId}` } };
      },
    }),
  });
  const post = await worker.runUntil(async () => {
    const handle = await env.client.workflow.start<typeof publishPost>('publishPost', {
      taskQueue,
      workflowId: spec.id,
      args: [spec],
    });
    expect(await handle.executeUpdate(awaitSettled, { args: [60_000] })).toMatchObject({ status: 'partial' });
    expect(
      await handle.executeUpdate<PostResource, [RetryOptions]>(retryFailed.name, { args: [{}] }),
    ).toMatchObject({ status: 'publishing' });
    return handle.result();
  });
  expect(post.status).toBe('published');
  expect(post.targets.map((t) => [t.status, t.attempts])).toEqual([
    ['published', 1],
    ['published', 2],
  ]);
  expect(secondCalls).toBe(2);
  // `RECORD_INTERCEPTED=<label>` keeps this run's history for the replay test (test/replay):
  // no run through the real stack lands a retry mid-settle on demand.
  const label = process.env.RECORD_INTERCEPTED;
  if (label) {
    const history = await env.client.workflow.getHandle(spec.id).fetchHistory();
    writeFileSync(
      join(__dirname, '..', 'replay', 'intercepted', `${label}-publishPost-retried-while-settling.binpb`),
      scrubbed(history),
    );
  }
});

test('an unknown outcome, and the lookup finds the post: published without a second publish call', async () => {
  const { post, calls } = await deliver(postTo('sandbox'), {
    publishTarget: inTurn<PublishedStep>(
      fails({ code: 'platform.sandbox.timeout', retryable: true, outcomeUnknown: true }),
    ),
    findPublished: inTurn<ReconcileResult>({ searchable: true, receipt }),
  });
  expect(post.status).toBe('published');
  expect(post.targets[0]).toMatchObject({ platform_post_id: 'pp_1', attempts: 1, error: null });
  expect(calls.map((c) => c.name)).toEqual(['publishTarget', 'findPublished']);
});

test('an unknown outcome, and the post is found with steps still to run (a thread): they run, no publish call', async () => {
  const { post, calls } = await deliver(postTo('sandbox'), {
    publishTarget: inTurn<PublishedStep>(
      fails({ code: 'platform.sandbox.timeout', retryable: true, outcomeUnknown: true }),
    ),
    findPublished: inTurn<ReconcileResult>({
      searchable: true,
      receipt: null,
      live: { processing: { thread_ids: ['pp_1'] }, pollAfterMs: 1_000 },
    }),
    checkPublishedTarget: inTurn<PublishedStep>({ receipt }),
  });
  expect(post.status).toBe('published');
  expect(post.targets[0]).toMatchObject({ platform_post_id: 'pp_1', attempts: 1, error: null });
  expect(calls.map((c) => c.name)).toEqual(['publishTarget', 'findPublished', 'checkPublishedTarget']);
  expect(calls[2]!.args[1]).toEqual({ thread_ids: ['pp_1'] });
});

test('an unknown outcome, and two looks find nothing: the post is published by a second call', async () => {
  const { post, calls } = await deliver(postTo('sandbox'), {
    publishTarget: inTurn<PublishedStep>(
      fails({ code: 'platform.sandbox.timeout', retryable: true, outcomeUnknown: true }),
      { receipt },
    ),
    findPublished: inTurn<ReconcileResult>({ searchable: true, receipt: null }),
    // The platform cannot reuse what the lost call was given: prepare anew.
    reusePrepared: async () => 'renew',
  });
  expect(post.status).toBe('published');
  expect(post.targets[0]!.attempts).toBe(2);
  expect(calls.map((c) => c.name)).toEqual([
    'publishTarget',
    'findPublished',
    'findPublished',
    'reusePrepared',
    'publishTarget',
  ]);
});

test('a lost media submit the platform lists late: the lookup retries in place until listed, no second submit', async () => {
  // A Reddit image post is listed only once processed: until its listing bound has passed, the
  // adapter's lookup fails transiently (platforms/reddit/adapter.ts findExisting) rather than
  // answering "absent", and the lookup activity retries, waiting what it names.
  let looks = 0;
  const spec = postTo('reddit');
  spec.content = { text: '', title: 'A picture', media: [{ source_type: 'media_id', source: 'med_1' }] };
  const { post, calls } = await deliver(spec, {
    prepareTarget: inTurn<PreparedStep>({ ready: { kind: 'image', preparedAt: 1 } }),
    publishTarget: inTurn<PublishedStep>(
      fails({ code: 'platform.reddit.network', retryable: true, outcomeUnknown: true }),
      { receipt },
    ),
    findPublished: async (): Promise<ReconcileResult> => {
      if (++looks < 3) {
        const notYet = failure({
          code: 'platform.reddit.media_not_listed_yet',
          retryable: true,
          retryAfterMs: 16 * 60_000,
        });
        throw toPublishFailure(new PublishError(notYet), { retryHere: true });
      }
      return { searchable: true, receipt };
    },
  });
  expect(post.status).toBe('published');
  expect(post.targets[0]).toMatchObject({ platform_post_id: 'pp_1', attempts: 1, error: null });
  expect(looks).toBe(3);
  expect(calls.map((c) => c.name)).toEqual([
    'prepareTarget',
    'publishTarget',
    'findPublished',
    'findPublished',
    'findPublished',
  ]);
  // Each look is told what prepare made and when the lost submit could last have landed (the
  // adapter counts Reddit's listing delay from there).
  const lookups = calls.filter((c) => c.name === 'findPublished');
  const landsBy = lookups[0]!.args[2];
  expect(typeof landsBy).toBe('number');
  for (const look of lookups) expect(look.args.slice(1)).toEqual([{ kind: 'image', preparedAt: 1 }, landsBy]);
});

test('rate-limited, then accepted: waits the Retry-After, then publishes', async () => {
  const spec = postTo('sandbox');
  const { post, calls } = await deliver(spec, {
    publishTarget: inTurn<PublishedStep>(
      fails({ code: 'platform.sandbox.rate_limited', retryable: true, retryAfterMs: 120_000 }),
      { receipt },
    ),
  });
  expect(post.status).toBe('published');
  expect(post.targets[0]).toMatchObject({ attempts: 2, error: null });
  expect(calls.map((c) => c.name)).toEqual(['publishTarget', 'publishTarget']);
  expect(await timersOf(spec.id)).toEqual([120]);
});

test('an expired token: refreshed once, then the post publishes', async () => {
  const { post, calls } = await deliver(postTo('sandbox'), {
    publishTarget: inTurn<PublishedStep>(fails(tokenExpired), { receipt }),
    refreshAccount: async () => {},
  });
  expect(post.status).toBe('published');
  expect(calls).toEqual([
    expect.objectContaining({ name: 'publishTarget' }),
    { name: 'refreshAccount', args: [ACCOUNT] },
    expect.objectContaining({ name: 'publishTarget' }),
  ]);
});

test('an expired token whose refresh is refused: failed, asking for the account to be reconnected', async () => {
  const { post, calls } = await deliver(postTo('sandbox'), {
    publishTarget: inTurn<PublishedStep>(fails(tokenExpired)),
    refreshAccount: async () => {
      throw ApplicationFailure.nonRetryable('refused', 'AccountReconnectRequired');
    },
  });
  expect(post.status).toBe('failed');
  expect(post.targets[0]!.error?.code).toBe('account.reconnection_required');
  expect(calls.map((c) => c.name)).toEqual(['publishTarget', 'refreshAccount']);
});

test('an expired token while the post processes: refreshed, and the same publish checked again', async () => {
  const { post, calls } = await deliver(postTo('sandbox'), {
    publishTarget: inTurn<PublishedStep>({ processing: { media: 'm_1' }, pollAfterMs: 10_000 }),
    checkPublishedTarget: inTurn<PublishedStep>(fails(tokenExpired), { receipt }),
    refreshAccount: async () => {},
  });
  expect(post.status).toBe('published');
  expect(post.targets[0]!.attempts).toBe(1);
  expect(calls.map((c) => c.name)).toEqual([
    'publishTarget',
    'checkPublishedTarget',
    'refreshAccount',
    'checkPublishedTarget',
  ]);
});

describe('the first comment, after the post is live (workflows/first-comment.ts)', () => {
  const withComment = (platform: string, comment = 'first!'): PostSpec => {
    const spec = postTo(platform);
    return { ...spec, content: { ...spec.content, firstComment: comment } };
  };
  const comment: CommentReceipt = { commentId: 'c_1', permalink: 'https://platform.test/pp_1#c_1' };
  const lost = fails({ code: 'platform.sandbox.timeout', retryable: true, outcomeUnknown: true });

  test('made once under the published post, and shown in the target metadata', async () => {
    const { post, calls } = await deliver(withComment('sandbox'), {
      publishTarget: inTurn<PublishedStep>({ receipt }),
      commentOnTarget: inTurn<CommentReceipt>(comment),
    });
    expect(post.status).toBe('published');
    expect(post.targets[0]!.metadata).toEqual({ first_comment: { id: 'c_1', permalink: comment.permalink } });
    expect(calls.map((c) => c.name)).toEqual(['publishTarget', 'commentOnTarget']);
    // The comment call is given the post's receipt.
    expect(calls[1]!.args[1]).toMatchObject({ platformPostId: 'pp_1' });
  });

  test("a target's own first_comment replaces the post's", async () => {
    const spec = withComment('sandbox');
    spec.targets[0]!.overrides = { firstComment: 'for this account' };
    const seen: string[] = [];
    const { post } = await deliver(spec, {
      publishTarget: inTurn<PublishedStep>({ receipt }),
      commentOnTarget: async (job) => {
        seen.push(String({ ...job.content, ...job.target.overrides }.firstComment));
        return comment;
      },
    });
    expect(post.targets[0]!.metadata).toMatchObject({ first_comment: { id: 'c_1' } });
    expect(seen).toEqual(['for this account']);
  });

  test('a comment whose answer was lost and is found: no second comment call', async () => {
    const { post, calls } = await deliver(withComment('sandbox'), {
      publishTarget: inTurn<PublishedStep>({ receipt }),
      commentOnTarget: inTurn<CommentReceipt>(lost),
      findComment: inTurn<CommentLookup>({ searchable: true, comment }),
    });
    expect(post.targets[0]!.metadata).toEqual({ first_comment: { id: 'c_1', permalink: comment.permalink } });
    expect(calls.map((c) => c.name)).toEqual(['publishTarget', 'commentOnTarget', 'findComment']);
  });

  test('a comment whose answer was lost and two looks find nothing: commented again', async () => {
    const { post, calls } = await deliver(withComment('sandbox'), {
      publishTarget: inTurn<PublishedStep>({ receipt }),
      commentOnTarget: inTurn<CommentReceipt>(lost, comment),
      findComment: inTurn<CommentLookup>({ searchable: true, comment: null }),
    });
    expect(post.targets[0]!.metadata).toMatchObject({ first_comment: { id: 'c_1' } });
    expect(calls.map((c) => c.name)).toEqual([
      'publishTarget',
      'commentOnTarget',
      'findComment',
      'findComment',
      'commentOnTarget',
    ]);
  });

  test('a lost comment on a platform that cannot be asked: a warning, never a second comment call', async () => {
    const { post, calls } = await deliver(withComment('sandbox'), {
      publishTarget: inTurn<PublishedStep>({ receipt }),
      commentOnTarget: inTurn<CommentReceipt>(lost),
      findComment: inTurn<CommentLookup>({ searchable: false, comment: null }),
    });
    expect(post.status).toBe('published');
    expect(post.targets[0]).toMatchObject({ status: 'published', error: null });
    expect(post.targets[0]!.metadata).toEqual({
      warnings: [expect.objectContaining({ code: 'platform.sandbox.first_comment_unconfirmed' })],
    });
    expect(calls.filter((c) => c.name === 'commentOnTarget')).toHaveLength(1);
  });

  test('a refused comment: a warning on the published target, not a failure', async () => {
    const { post, calls } = await deliver(withComment('sandbox'), {
      publishTarget: inTurn<PublishedStep>({ receipt }),
      commentOnTarget: inTurn<CommentReceipt>(
        fails({ category: 'validation', message: 'Comments are off.' }),
      ),
    });
    expect(post.status).toBe('published');
    expect(post.targets[0]!.metadata).toEqual({
      warnings: [
        {
          code: 'platform.sandbox.first_comment_failed',
          message: expect.stringContaining('Comments are off.'),
        },
      ],
    });
    expect(calls.map((c) => c.name)).toEqual(['publishTarget', 'commentOnTarget']);
  });

  test('rate-limited: waits the Retry-After, at most three calls, then a warning', async () => {
    const spec = withComment('sandbox');
    const { post, calls } = await deliver(spec, {
      publishTarget: inTurn<PublishedStep>({ receipt }),
      commentOnTarget: inTurn<CommentReceipt>(
        fails({ category: 'rate_limit', retryable: true, retryAfterMs: 60_000 }),
      ),
    });
    expect(post.status).toBe('published');
    expect(post.targets[0]!.metadata).toEqual({
      warnings: [expect.objectContaining({ code: 'platform.sandbox.first_comment_failed' })],
    });
    expect(calls.filter((c) => c.name === 'commentOnTarget')).toHaveLength(3);
    expect(await timersOf(spec.id)).toEqual([60, 60]);
  });

  test('a Retry-After longer than the cap is not waited out: a warning at once', async () => {
    const { post, calls } = await deliver(withComment('sandbox'), {
      publishTarget: inTurn<PublishedStep>({ receipt }),
      commentOnTarget: inTurn<CommentReceipt>(
        fails({ category: 'rate_limit', retryable: true, retryAfterMs: 3_600_000 }),
      ),
    });
    expect(post.targets[0]!.metadata).toMatchObject({
      warnings: [expect.objectContaining({ code: 'platform.sandbox.first_comment_failed' })],
    });
    expect(calls.filter((c) => c.name === 'commentOnTarget')).toHaveLength(1);
  });

  test('a platform without comments: a warning, and no comment call', async () => {
    const { post, calls } = await deliver(withComment('devto'), {
      publishTarget: inTurn<PublishedStep>({ receipt }),
    });
    expect(post.status).toBe('published');
    expect(post.targets[0]!.metadata).toEqual({
      warnings: [expect.objectContaining({ code: 'platform.devto.comments_unsupported' })],
    });
    expect(calls.map((c) => c.name)).toEqual(['publishTarget']);
  });

  test('a platform that took comments behind a patch (Nostr): a new run makes the comment', async () => {
    const { post, calls } = await deliver(withComment('nostr'), {
      publishTarget: inTurn<PublishedStep>({ receipt }),
      commentOnTarget: inTurn<CommentReceipt>(comment),
    });
    expect(post.targets[0]!.metadata).toEqual({ first_comment: { id: 'c_1', permalink: comment.permalink } });
    expect(calls.map((c) => c.name)).toEqual(['publishTarget', 'commentOnTarget']);
  });

  test('an account that takes no comments on a platform that does (a Discord webhook): the same warning, one call', async () => {
    const { post, calls } = await deliver(withComment('discord'), {
      publishTarget: inTurn<PublishedStep>({ receipt }),
      commentOnTarget: inTurn<CommentReceipt>(
        fails({ code: 'platform.discord.comments_unsupported', retryable: false, outcomeUnknown: false }),
      ),
    });
    expect(post.status).toBe('published');
    expect(post.targets[0]!.metadata).toEqual({
      warnings: [expect.objectContaining({ code: 'platform.discord.comments_unsupported' })],
    });
    expect(calls.map((c) => c.name)).toEqual(['publishTarget', 'commentOnTarget']);
  });

  test('a failed post gets no comment', async () => {
    const { post, calls } = await deliver(withComment('sandbox'), {
      publishTarget: inTurn<PublishedStep>(fails({ category: 'validation' })),
    });
    expect(post.status).toBe('failed');
    expect(calls.map((c) => c.name)).toEqual(['publishTarget']);
  });
});

describe('long uploads in a step of their own (resumable-upload)', () => {
  /** A post with one video to `platform`. */
  const videoTo = (platform: string): PostSpec => ({
    ...postTo(platform),
    content: { text: 'a film', title: 'A film', media: [{ source_type: 'media_id', source: 'med_film' }] },
  });
  /** What the upload step answers: an opaque key, the size, the offset acknowledged; no session URL. */
  const uploaded = { upload_key: 'upl_1', size: 100, offset: 80 };
  const unknownOutcome = fails({ code: 'platform.youtube.timeout', retryable: true, outcomeUnknown: true });

  /** The history's scheduled activities: type, task queue, heartbeat and start-to-close timeouts (s). */
  async function scheduled(workflowId: string) {
    const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
    const seconds = (d?: { seconds?: unknown } | null) => (d ? Number(String(d.seconds ?? 0)) : undefined);
    return (events ?? [])
      .filter((e) => e.activityTaskScheduledEventAttributes)
      .map((e) => e.activityTaskScheduledEventAttributes!)
      .map((a) => ({
        type: a.activityType?.name,
        queue: a.taskQueue?.name,
        heartbeat: seconds(a.heartbeatTimeout),
        startToClose: seconds(a.startToCloseTimeout),
      }));
  }

  /** The history's marker events as text (a patch marker names its patch id). */
  async function markers(workflowId: string): Promise<string> {
    const { events } = await env.client.workflow.getHandle(workflowId).fetchHistory();
    // Payload data comes as bytes or as base64 text, depending on how the history was read.
    const text = (key: string, v: unknown) =>
      v instanceof Uint8Array
        ? Buffer.from(v).toString()
        : key === 'data' && typeof v === 'string'
          ? Buffer.from(v, 'base64').toString()
          : v;
    return JSON.stringify(
      (events ?? []).filter((e) => e.markerRecordedEventAttributes),
      text,
    );
  }

  test('a YouTube video: the upload step (heartbeat timeout, no start-to-close per file), then the publish call finishes it', async () => {
    const spec = videoTo('youtube');
    const { post, calls } = await deliver(spec, {
      uploadTarget: async () => uploaded,
      publishTarget: inTurn<PublishedStep>({ receipt }),
    });
    expect(post.status).toBe('published');
    expect(calls.map((c) => c.name)).toEqual(['uploadTarget', 'publishTarget']);
    expect(calls[1]!.args[1]).toEqual(uploaded);
    const [upload, publish] = await scheduled(spec.id);
    expect(upload).toMatchObject({ type: 'uploadTarget', queue: taskQueue, heartbeat: 30 });
    // Bounded by the 24 h schedule-to-close only: no per-attempt limit sized for a file.
    expect(upload!.startToClose === undefined || upload!.startToClose >= 86_400).toBe(true);
    expect(publish).toMatchObject({ type: 'publishTarget', startToClose: 300 });
    // A new run takes resumable-upload under the engine patch, whose marker stands for it.
    expect(await markers(spec.id)).toContain(ENGINE_PATCH);
  });

  test('the final chunk lost, the session proves it absent: the same upload is reused, never uploaded again', async () => {
    const { post, calls } = await deliver(videoTo('youtube'), {
      uploadTarget: async () => uploaded,
      publishTarget: inTurn<PublishedStep>(unknownOutcome, { receipt }),
      findPublished: inTurn<ReconcileResult>({ searchable: true, receipt: null }),
      reusePrepared: async () => 'reuse',
    });
    expect(post.status).toBe('published');
    const names = calls.map((c) => c.name);
    expect(names.filter((n) => n === 'uploadTarget')).toHaveLength(1);
    expect(names.filter((n) => n === 'publishTarget')).toHaveLength(2);
    expect(names.at(-2)).toBe('reusePrepared');
    // Reconcile asks with the upload's state (the session knows), and the retry finishes that upload.
    for (const c of calls.filter((c) => c.name !== 'uploadTarget')) expect(c.args[1]).toEqual(uploaded);
  });

  test('the session says the lost final chunk made the video: published, no second publish call', async () => {
    const { post, calls } = await deliver(videoTo('youtube'), {
      uploadTarget: async () => uploaded,
      publishTarget: inTurn<PublishedStep>(unknownOutcome),
      findPublished: inTurn<ReconcileResult>({ searchable: true, receipt }),
    });
    expect(post.status).toBe('published');
    expect(calls.map((c) => c.name)).toEqual(['uploadTarget', 'publishTarget', 'findPublished']);
  });

  test('an upload attempt that fails is retried in place; the next attempt sees only the key and offset it heartbeat', async () => {
    const seen: unknown[] = [];
    const { post, calls } = await deliver(videoTo('youtube'), {
      uploadTarget: async () => {
        const ctx = Context.current();
        seen.push(ctx.info.heartbeatDetails);
        if (ctx.info.attempt === 1) {
          ctx.heartbeat({ upload_key: 'upl_1', offset: 60, size: 100 });
          await new Promise((resolve) => setTimeout(resolve, 200));
          throw ApplicationFailure.retryable('the worker lost its link');
        }
        return uploaded;
      },
      publishTarget: inTurn<PublishedStep>({ receipt }),
    });
    expect(post.status).toBe('published');
    expect(calls.map((c) => c.name)).toEqual(['uploadTarget', 'uploadTarget', 'publishTarget']);
    expect(seen).toEqual([undefined, { upload_key: 'upl_1', offset: 60, size: 100 }]);
  });

  test("the upload step runs on the post's upload queue; the publish call on the platform's", async () => {
    const spec: PostSpec = { ...videoTo('youtube'), uploadQueue: `${taskQueue}-uploads` };
    const ranOn: string[] = [];
    const uploads = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: `${taskQueue}-uploads`,
      activities: {
        uploadTarget: async () => {
          ranOn.push(Context.current().info.taskQueue);
          return uploaded;
        },
      },
    });
    const { post, calls } = await uploads.runUntil(
      deliver(spec, { publishTarget: inTurn<PublishedStep>({ receipt }) }),
    );
    expect(post.status).toBe('published');
    expect(ranOn).toEqual([`${taskQueue}-uploads`]);
    expect(calls.map((c) => c.name)).toEqual(['publishTarget']);
    expect((await scheduled(spec.id)).map((a) => a.queue)).toEqual([`${taskQueue}-uploads`, taskQueue]);
  });

  test('X with a video: its media prepare runs as an upload; without media no prepare, as before', async () => {
    const spec = videoTo('twitter');
    const { post } = await deliver(spec, {
      prepareTarget: inTurn<PreparedStep>({ ready: { media_ids: ['m_1'] } }),
      publishTarget: inTurn<PublishedStep>({ receipt }),
    });
    expect(post.status).toBe('published');
    const [prepare] = await scheduled(spec.id);
    expect(prepare).toMatchObject({ type: 'prepareTarget', heartbeat: 30 });
    // The upload options: no 30-minute start-to-close (the server reports the 24 h bound, or none).
    expect(prepare!.startToClose === undefined || prepare!.startToClose >= 86_400).toBe(true);
    const text = { ...postTo('twitter'), id: `${spec.id}_text` };
    const { calls } = await deliver(text, { publishTarget: inTurn<PublishedStep>({ receipt }) });
    expect(calls.map((c) => c.name)).toEqual(['publishTarget']);
    expect(await markers(text.id)).not.toContain('resumable-upload');
  });

  test.each(['pinterest', 'mastodon'])(
    '%s with a video: its one streamed upload request runs in a prepare with the upload options',
    async (platform) => {
      const spec = videoTo(platform);
      const { post, calls } = await deliver(spec, {
        prepareTarget: inTurn<PreparedStep>({ ready: { media_id: 'm_1' } }),
        publishTarget: inTurn<PublishedStep>({ receipt }),
      });
      expect(post.status).toBe('published');
      expect(calls.map((c) => c.name)).toEqual(['prepareTarget', 'publishTarget']);
      const [prepare, publish] = await scheduled(spec.id);
      expect(prepare).toMatchObject({ type: 'prepareTarget', heartbeat: 30 });
      expect(prepare!.startToClose === undefined || prepare!.startToClose >= 86_400).toBe(true);
      expect(publish).toMatchObject({ type: 'publishTarget', startToClose: 300 });
    },
  );

  test('a TikTok video the post sends as a file: the upload step, then the final chunk in the publish call, under a patch of its own', async () => {
    const base = videoTo('tiktok');
    // With a YouTube target too: TikTok's step asks a patch of its own, YouTube's is the engine patch's.
    const spec: PostSpec = {
      ...base,
      targets: [...base.targets, { accountId: 'acc_film', platform: 'youtube', options: {} }],
      fileUploads: ['tiktok'],
    };
    const { post, calls } = await deliver(spec, {
      uploadTarget: async () => uploaded,
      publishTarget: inTurn<PublishedStep>({ receipt }, { receipt }),
    });
    expect(post.status).toBe('published');
    const tiktok = calls.filter((c) => (c.args[0] as DeliveryJob).target.platform === 'tiktok');
    expect(tiktok.map((c) => c.name)).toEqual(['uploadTarget', 'publishTarget']);
    expect(tiktok[0]!.args[0]).toMatchObject({ fileUpload: true });
    expect(tiktok[1]!.args[1]).toEqual(uploaded);
    const [upload] = await scheduled(spec.id);
    expect(upload).toMatchObject({ type: 'uploadTarget', heartbeat: 30 });
    expect((await patchIds(spec.id)).sort()).toEqual([ENGINE_PATCH, 'tiktok-upload-step'].sort());
  });

  test('a TikTok video pulled by URL (no fileUploads), and TikTok photos: prepare then publish, no upload step, no marker', async () => {
    const spec = videoTo('tiktok');
    const { calls } = await deliver(spec, {
      prepareTarget: inTurn<PreparedStep>({ ready: { privacy_level: 'PUBLIC_TO_EVERYONE' } }),
      publishTarget: inTurn<PublishedStep>({ receipt }),
    });
    expect(calls.map((c) => c.name)).toEqual(['prepareTarget', 'publishTarget']);
    expect(await markers(spec.id)).not.toContain('tiktok-upload-step');
    const photo = { source_type: 'media_id' as const, source: 'med_photo' };
    const photos: PostSpec = {
      ...spec,
      id: `${spec.id}_photos`,
      content: { text: 'two photos', media: [photo, photo] },
      fileUploads: ['tiktok'],
    };
    const second = await deliver(photos, {
      prepareTarget: inTurn<PreparedStep>({ ready: { privacy_level: 'PUBLIC_TO_EVERYONE' } }),
      publishTarget: inTurn<PublishedStep>({ receipt }),
    });
    expect(second.calls.map((c) => c.name)).toEqual(['prepareTarget', 'publishTarget']);
    expect(await markers(photos.id)).not.toContain('tiktok-upload-step');
  });

  test('a Facebook video: its media prepare runs as an upload, behind a patch of its own (meta-upload-prepare)', async () => {
    const spec = videoTo('facebook');
    const { post } = await deliver(spec, {
      prepareTarget: inTurn<PreparedStep>({ ready: { shape: 'video', handle: '2:h' } }),
      publishTarget: inTurn<PublishedStep>({ receipt }),
    });
    expect(post.status).toBe('published');
    const [prepare] = await scheduled(spec.id);
    expect(prepare).toMatchObject({ type: 'prepareTarget', queue: taskQueue, heartbeat: 30 });
    expect(prepare!.startToClose === undefined || prepare!.startToClose >= 86_400).toBe(true);
    expect(await markers(spec.id)).toContain('meta-upload-prepare');
    expect(await markers(spec.id)).not.toContain('resumable-upload');
  });
});

describe('the engine patch (workflows/post.ts ENGINE_PATCH)', () => {
  test("a fresh post takes the branches of every patch before it, and its history holds one marker: the engine patch's", async () => {
    // Nostr took first comments behind nostr-comments; the two looks are reconcile-second-look's.
    const base = postTo('nostr');
    const nostr: PostSpec = { ...base, content: { ...base.content, firstComment: 'first!' } };
    const lost = fails({ code: 'platform.nostr.timeout', retryable: true, outcomeUnknown: true });
    const comment: CommentReceipt = { commentId: 'c_1', permalink: 'https://platform.test/pp_1#c_1' };
    const started: CollectMetricsInput[] = [];
    const first = await deliver(nostr, {
      publishTarget: inTurn<PublishedStep>(lost, { receipt }),
      findPublished: inTurn<ReconcileResult>({ searchable: true, receipt: null }),
      reusePrepared: async () => 'renew',
      commentOnTarget: inTurn<CommentReceipt>(comment),
      startMetricsCollection: async (input: CollectMetricsInput) => void started.push(input),
    });
    expect(first.post.status).toBe('published');
    expect(first.post.targets[0]!.metadata).toEqual({
      first_comment: { id: 'c_1', permalink: comment.permalink },
    });
    expect(first.calls.map((c) => c.name)).toEqual([
      'publishTarget',
      'findPublished',
      'findPublished',
      'reusePrepared',
      'publishTarget',
      'commentOnTarget',
    ]);
    expect(started).toHaveLength(1); // by the local activity (metrics-by-local-activity)
    expect(await patchIds(nostr.id)).toEqual([ENGINE_PATCH]);

    // A YouTube video: the upload step of resumable-upload.
    const video: PostSpec = {
      ...postTo('youtube'),
      id: `${nostr.id}_video`,
      content: { text: 'a film', title: 'A film', media: [{ source_type: 'media_id', source: 'med_film' }] },
    };
    const second = await deliver(video, {
      uploadTarget: async () => ({ upload_key: 'upl_1', size: 100, offset: 80 }),
      publishTarget: inTurn<PublishedStep>({ receipt }),
    });
    expect(second.calls.map((c) => c.name)).toEqual(['uploadTarget', 'publishTarget']);
    expect(await patchIds(video.id)).toEqual([ENGINE_PATCH]);
  });
});

describe('targets at their own instants', () => {
  test('the post waits for its first target; the second waits on for its own, in the same workflow', async () => {
    const start = Date.parse(new Date(await env.currentTimeMs()).toISOString());
    const at = (hours: number) => new Date(start + hours * 3_600_000).toISOString();
    const base = postTo('sandbox');
    const spec: PostSpec = {
      ...base,
      mode: 'scheduled',
      scheduledAt: at(1),
      targets: [
        { ...base.targets[0]!, scheduledAt: at(1) },
        { accountId: 'acc_second', platform: 'sandbox', options: {}, scheduledAt: at(3) },
      ],
    };
    const { post, calls } = await deliver(spec, {
      publishTarget: async (job) => ({
        receipt: { ...receipt, platformPostId: `pp_${job.target.accountId}` },
      }),
    });
    expect(post.status).toBe('published');
    expect(post.targets.map((t) => [t.account_id, t.scheduled_at])).toEqual([
      [ACCOUNT, at(1)],
      ['acc_second', at(3)],
    ]);
    expect(calls.map((c) => (c.args[0] as { target: { accountId: string } }).target.accountId)).toEqual([
      ACCOUNT,
      'acc_second',
    ]);
    // One timer to the first instant, then the second target's own for the two hours left.
    const timers = await timersOf(spec.id);
    expect(timers).toHaveLength(2);
    expect(timers[0]).toBeGreaterThan(3_590);
    expect(timers[1]).toBeGreaterThan(7_190);
  });
});

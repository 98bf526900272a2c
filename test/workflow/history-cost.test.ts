import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { PostflowClient } from '../../client';
import type { PlatformAdapter } from '../../platforms/kit/adapter';
import type { Store } from '../../store/types';
import { ENGINE_PATCH } from '../../workflows/post';
import { POST_SEARCH_ATTRIBUTES, PostRefsKey, PostStatusKey } from '../../workflows/search-attributes';
import { tempMedia, tempStore } from '../helpers/fixtures';
import { temporalCli } from '../helpers/tools';

/**
 * What a published post costs in history events (docs/performance.md "History cost"), on a real
 * Temporal dev server with Postflow's search attributes registered, so the post's upserts are
 * made as in production (the time-skipping server cannot register them).
 */
let env: TestWorkflowEnvironment;
let store: Store;
let dir: string;

/** A platform that publishes at once. */
const instant: PlatformAdapter = {
  platform: 'sandbox',
  async publish(req) {
    return {
      platformPostId: `pp-${req.postId}`,
      permalink: `https://sandbox.test/${req.postId}`,
      publishedAt: new Date().toISOString(),
    };
  },
};

beforeAll(async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path: await temporalCli() },
      searchAttributes: POST_SEARCH_ATTRIBUTES,
    },
  });
  ({ store, dir } = await tempStore());
}, 180_000);

afterAll(async () => {
  await env?.teardown();
  await store?.close();
});

test("a one-target post: one patch marker (the engine patch's) and its upsert, then one upsert as it settles", async () => {
  const taskQueue = 'history-cost';
  const accountId = (await store.createAccount({ userId: 'usr_default', platform: 'sandbox', name: 'S' })).id;
  // As the bench's ceiling posts: no metrics collection (a workflow of its own).
  const client = new PostflowClient({ temporal: env.client, store, taskQueue, collectMetrics: false });
  const worker = await Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: await bundleWorkflowCode({
      workflowsPath: require.resolve('../../workflows'),
      logger: new DefaultLogger('WARN'),
    }),
    activities: createActivities({
      store,
      platforms: new Map([['sandbox', instant]]),
      media: tempMedia(dir),
    }),
  });
  const { post } = await client.posts.create({ account_ids: [accountId], text: 'one target' });
  // The run's result, not the client's waitForResult: its awaitSettled update would add events.
  const handle = env.client.workflow.getHandle(post.id);
  const settled = await worker.runUntil(handle.result());
  expect(settled.status).toBe('published');

  const events = (await handle.fetchHistory()).events ?? [];
  const patches = events.flatMap((e) => {
    const marker = e.markerRecordedEventAttributes;
    const data =
      marker?.markerName === 'core_patch' ? marker.details?.['patch-data']?.payloads?.[0]?.data : null;
    return data ? [(JSON.parse(Buffer.from(data).toString()) as { id: string }).id] : [];
  });
  expect(patches).toEqual([ENGINE_PATCH]);
  const upserts = events.flatMap((e) => {
    const fields = e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    return fields ? [Object.keys(fields).sort()] : [];
  });
  expect(upserts).toEqual([['TemporalChangeVersion'], [PostRefsKey.name, PostStatusKey.name].sort()]);
  // The minimum 3N + 8 = 11, the marker and its upsert, the settle's upsert and the local
  // activity that looks up the settle event's webhook subscribers: 15 (docs/performance.md).
  expect(events.length).toBe(15);

  // The one upsert indexed both: the post is found by its status and its platform id.
  const { typedSearchAttributes } = await handle.describe();
  expect(typedSearchAttributes.get(PostStatusKey)).toBe('published');
  expect(typedSearchAttributes.get(PostRefsKey)).toContain(`platform_post:pp-${post.id}`);
});

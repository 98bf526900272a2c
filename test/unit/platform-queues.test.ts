import type { Client } from '@temporalio/client';
import { PostflowClient } from '../../client';
import type { PostSpec } from '../../api/types';
import { loadConfig } from '../../runtime/config';
import {
  parsePlatformList,
  platformQueueName,
  platformQueuesFrom,
  routingFor,
  uploadQueueName,
} from '../../runtime/platform-queues';
import { startedSpec } from '../../gateway/started-spec';
import {
  DISPATCH_SLOTS,
  platformWorkerSettings,
  uploadWorkerSettings,
} from '../../worker/platform-worker-settings';
import { tempStore } from '../helpers/fixtures';

describe('configuring per-platform task queues', () => {
  test('unset or empty: no platform has its own queue (every call on the main queue, as before)', () => {
    expect(parsePlatformList(undefined, 'POSTFLOW_PLATFORM_QUEUES')).toEqual([]);
    expect(parsePlatformList(' , ', 'POSTFLOW_PLATFORM_QUEUES')).toEqual([]);
    const config = loadConfig({});
    expect([config.platformQueues, config.workerPlatforms]).toEqual([[], []]);
  });

  test('a list of platforms: trimmed, lower-cased, each once', () => {
    expect(parsePlatformList(' YouTube,tiktok , youtube,linkedin_page', 'x')).toEqual([
      'youtube',
      'tiktok',
      'linkedin_page',
    ]);
    const config = loadConfig({
      POSTFLOW_PLATFORM_QUEUES: 'youtube,tiktok',
      POSTFLOW_WORKER_PLATFORMS: 'tiktok',
    });
    expect([config.platformQueues, config.workerPlatforms]).toEqual([['youtube', 'tiktok'], ['tiktok']]);
  });

  test('an unknown platform is refused, naming the setting, the name and the platforms there are', () => {
    expect(() => loadConfig({ POSTFLOW_PLATFORM_QUEUES: 'youtube,youtub' })).toThrow(
      /^POSTFLOW_PLATFORM_QUEUES names an unknown platform "youtub"; use one of: sandbox, bluesky, .*youtube\.$/,
    );
    expect(() => loadConfig({ POSTFLOW_WORKER_PLATFORMS: 'x,tiktok,y' })).toThrow(
      'POSTFLOW_WORKER_PLATFORMS names unknown platforms "x", "y"; use one of:',
    );
    expect(() => parsePlatformList('instagramm', '--platforms')).toThrow(
      '--platforms names an unknown platform "instagramm"',
    );
  });

  test('a platform queue is named after the main task queue', () => {
    expect(platformQueueName('postflow', 'youtube')).toBe('postflow-youtube');
    expect(platformQueuesFrom(['youtube', 'tiktok'], 'prod')).toEqual({
      youtube: 'prod-youtube',
      tiktok: 'prod-tiktok',
    });
  });

  test("a platform worker's concurrency is the platform's per-worker limit (with pre-dispatch on, with room for calls waiting for their instant); the queue rate comes from POSTFLOW_<PLATFORM>_ACTIVITIES_PER_SECOND", () => {
    // From the platform's rules (YouTube uploads: 1 at once), no rate unless set.
    expect(platformWorkerSettings('youtube', 'postflow', {})).toEqual({
      platform: 'youtube',
      taskQueue: 'postflow-youtube',
      maxConcurrentActivityTaskExecutions: 1,
    });
    // With pre-dispatch on, room for the calls waiting for their instant.
    expect(
      platformWorkerSettings('youtube', 'postflow', { POSTFLOW_PRE_DISPATCH_SECONDS: '15' })
        .maxConcurrentActivityTaskExecutions,
    ).toBe(1 + DISPATCH_SLOTS);
    expect(
      platformWorkerSettings('linkedin_page', 'postflow', {
        POSTFLOW_LINKEDIN_PAGE_CONCURRENCY: '3',
        POSTFLOW_LINKEDIN_PAGE_ACTIVITIES_PER_SECOND: '0.5',
      }),
    ).toEqual({
      platform: 'linkedin_page',
      taskQueue: 'postflow-linkedin_page',
      maxConcurrentActivityTaskExecutions: 3,
      maxTaskQueueActivitiesPerSecond: 0.5,
    });
  });

  test('a rate that is not a positive number is refused with the variable and the value', () => {
    for (const bad of ['0', '-1', 'fast', 'Infinity']) {
      expect(() =>
        platformWorkerSettings('tiktok', 'postflow', { POSTFLOW_TIKTOK_ACTIVITIES_PER_SECOND: bad }),
      ).toThrow(
        `POSTFLOW_TIKTOK_ACTIVITIES_PER_SECOND must be a number above 0 (activities per second), got "${bad}".`,
      );
    }
  });
});

describe('routing a post', () => {
  const queues = platformQueuesFrom(['youtube', 'tiktok'], 'postflow');

  test('a post carries the queues of its routed platforms only', () => {
    expect(
      routingFor([{ platform: 'youtube' }, { platform: 'twitter' }, { platform: 'youtube' }], queues),
    ).toEqual({
      youtube: 'postflow-youtube',
    });
  });

  test('a post to no routed platform, or with routing off, carries nothing (its input is as before)', () => {
    expect(routingFor([{ platform: 'twitter' }], queues)).toBeUndefined();
    expect(routingFor([{ platform: 'youtube' }], {})).toBeUndefined();
  });

  test('the client starts each post with the routing of its targets, decided from its configuration', async () => {
    const { store } = await tempStore();
    try {
      const sandbox = await store.createAccount({ userId: 'usr_default', platform: 'sandbox', name: 'S' });
      const mastodon = await store.createAccount({ userId: 'usr_default', platform: 'mastodon', name: 'M' });
      const started: Array<{ taskQueue: string; spec: PostSpec }> = [];
      const temporal = {
        workflow: {
          start: async (_type: string, options: { taskQueue: string; args: [PostSpec] }) => {
            started.push({ taskQueue: options.taskQueue, spec: options.args[0] });
          },
        },
      } as unknown as Client;
      const routed = new PostflowClient({
        temporal,
        store,
        taskQueue: 'postflow',
        platformQueues: platformQueuesFrom(['mastodon'], 'postflow'),
        searchAttributes: false,
      });
      const plain = new PostflowClient({ temporal, store, taskQueue: 'postflow', searchAttributes: false });

      await routed.posts.create({ account_ids: [sandbox.id, mastodon.id], text: 'both' });
      await routed.posts.create({ account_ids: [sandbox.id], text: 'sandbox only' });
      await plain.posts.create({ account_ids: [sandbox.id, mastodon.id], text: 'routing off' });

      expect(started.map((s) => [s.taskQueue, s.spec.content.text, s.spec.platformQueues])).toEqual([
        ['postflow', 'both', { mastodon: 'postflow-mastodon' }],
        ['postflow', 'sandbox only', undefined],
        ['postflow', 'routing off', undefined],
      ]);
      // Without routing the input has no such field at all: byte for byte what older clients sent.
      expect('platformQueues' in started[2]!.spec).toBe(false);
    } finally {
      await store.close();
    }
  });
});

describe('the upload queue (POSTFLOW_UPLOAD_QUEUE)', () => {
  const spec = (media: PostSpec['content']['media']): PostSpec => ({
    id: 'post_up',
    userId: 'usr_default',
    mode: 'now',
    content: { text: 'hi', media },
    platformOptions: {},
    targets: [{ accountId: 'acc_1', platform: 'youtube', options: {} }],
    createdAt: '2026-01-01T00:00:00.000Z',
  });

  test('off unless true; its queue is <task queue>-uploads, served with POSTFLOW_UPLOAD_CONCURRENCY', () => {
    expect(loadConfig({}).uploadQueue).toBe(false);
    expect(loadConfig({ POSTFLOW_UPLOAD_QUEUE: 'true' }).uploadQueue).toBe(true);
    expect(uploadQueueName('prod')).toBe('prod-uploads');
    expect(uploadWorkerSettings('prod', {})).toEqual({
      platform: 'uploads',
      taskQueue: 'prod-uploads',
      maxConcurrentActivityTaskExecutions: 4,
    });
    expect(uploadWorkerSettings('prod', { POSTFLOW_UPLOAD_CONCURRENCY: '2' })).toMatchObject({
      maxConcurrentActivityTaskExecutions: 2,
    });
    expect(() => uploadWorkerSettings('prod', { POSTFLOW_UPLOAD_CONCURRENCY: '0' })).toThrow(
      'POSTFLOW_UPLOAD_CONCURRENCY must be a whole number above 0, got "0".',
    );
  });

  test('a post with media carries the upload queue in its input; one without starts as before', () => {
    const video = [{ source_type: 'media_id' as const, source: 'med_1' }];
    expect(startedSpec(spec(video), { uploadQueue: 'prod-uploads' })).toMatchObject({
      uploadQueue: 'prod-uploads',
    });
    expect(startedSpec(spec([]), { uploadQueue: 'prod-uploads' })).not.toHaveProperty('uploadQueue');
    expect(startedSpec(spec(video), {})).not.toHaveProperty('uploadQueue');
  });

  test('POSTFLOW_TIKTOK_VIDEO_SOURCE=upload: a post with a TikTok target carries fileUploads, decided when it starts', () => {
    expect(loadConfig({}).fileUploads).toEqual([]);
    expect(loadConfig({ POSTFLOW_TIKTOK_VIDEO_SOURCE: 'pull' }).fileUploads).toEqual([]);
    const { fileUploads } = loadConfig({ POSTFLOW_TIKTOK_VIDEO_SOURCE: 'upload' });
    expect(fileUploads).toEqual(['tiktok']);
    const video = [{ source_type: 'media_id' as const, source: 'med_1' }];
    const tiktok = { ...spec(video), targets: [{ accountId: 'acc_2', platform: 'tiktok', options: {} }] };
    expect(startedSpec(tiktok, { fileUploads })).toMatchObject({ fileUploads: ['tiktok'] });
    expect(startedSpec(spec(video), { fileUploads })).not.toHaveProperty('fileUploads');
    expect(startedSpec(tiktok, {})).not.toHaveProperty('fileUploads');
  });
});

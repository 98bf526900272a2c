import { PNG_1X1 } from '../contracts/run-delivery';
import { InstagramFake } from '../../platforms/meta/instagram/fake';
import { ThreadsFake } from '../../platforms/meta/threads/fake';
import { scheduledActivities } from '../helpers/history';
import { Stack } from '../helpers/stack';

/**
 * Reconcile by container through the real stack (Temporal dev server, `postflow worker`,
 * `postflow api`): the workflow hands `findExisting` what prepare made, and Instagram and Threads
 * answer from their containers while the fakes list new posts late.
 */
const instagram = new InstagramFake();
const threads = new ThreadsFake();
let stack: Stack;

/** Short, so a publish call that never reaches Threads times out quickly (the fakes are local). */
const PLATFORM_TIMEOUT_MS = 5_000;

beforeAll(async () => {
  await Promise.all([instagram.start(), threads.start()]);
  stack = await new Stack({
    POSTFLOW_INSTAGRAM_API_URL: instagram.url,
    POSTFLOW_THREADS_API_URL: threads.url,
    POSTFLOW_PLATFORM_TIMEOUT_MS: String(PLATFORM_TIMEOUT_MS),
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
  }).start();
});

afterAll(async () => {
  await stack?.stop();
  await Promise.all([instagram.stop(), threads.stop()]);
});

async function account(platform: string, credentials: Record<string, string>): Promise<string> {
  const created = await stack.request('POST', '/v1/accounts', { platform, name: platform, credentials });
  expect(created.status).toBe(201);
  return created.body.id;
}

async function uploadImage(): Promise<string> {
  const form = new FormData();
  form.set('file', new Blob([PNG_1X1], { type: 'image/png' }), 'pixel.png');
  const response = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}` },
    body: form,
  });
  expect(response.status).toBe(201);
  return ((await response.json()) as { media_id: string }).media_id;
}

test('a lost publish answer is settled by the container, and a publish that never arrived is made once', async () => {
  const text = 'Postflow, settled by its container';
  // Instagram: the post is made but its answer lost, and the media list shows it only late.
  instagram.rules.listLagReads = 2;
  instagram.inject({ method: 'POST', path: /\/media_publish$/ }, { kind: 'lose-answer' });
  // Threads: the publish call never reaches the platform; its container stays FINISHED.
  threads.rules.listLagReads = 2;
  threads.inject({ method: 'POST', path: /\/threads_publish$/ }, { kind: 'hang' });

  const created = await stack.request('POST', '/v1/posts', {
    text,
    targets: [
      {
        account_id: await account('instagram', instagram.credentials()),
        media_ids: [await uploadImage()],
        platform_data: { content_type: 'feed' },
      },
      { account_id: await account('threads', threads.credentials()) },
    ],
    publish_now: true,
  });
  expect([200, 201, 202]).toContain(created.status);
  const post = await stack.waitForPost(
    created.body.id,
    (p) => !['scheduled', 'publishing'].includes(p.status),
    240_000,
  );

  expect(post.targets.map((t: any) => [t.platform, t.status, t.error?.message ?? null])).toEqual([
    ['instagram', 'published', null],
    ['threads', 'published', null],
  ]);
  const igPosts = instagram.published.filter((m) => m.caption === text);
  const threadsPosts = threads.published.filter((p) => p.text === text);
  expect(igPosts).toHaveLength(1);
  expect(threadsPosts).toHaveLength(1);
  expect(post.targets[0].platform_post_id).toBe(igPosts[0]!.id);
  expect(post.targets[1].platform_post_id).toBe(threadsPosts[0]!.id);

  // Instagram: one publish call, the post found by reconcile; Threads: published again after it.
  const activities = await scheduledActivities(stack.client, created.body.id);
  expect(activities.filter((a) => a === 'findPublished').length).toBeGreaterThanOrEqual(2);
  expect(activities.filter((a) => a === 'publishTarget')).toHaveLength(3);
}, 300_000);

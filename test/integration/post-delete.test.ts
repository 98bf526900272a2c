import { inDays } from '../helpers/fixtures';
import { Stack } from '../helpers/stack';

/** DELETE /v1/posts/{id}: cancel before publishing, delete from the platforms after, per target. */
let stack: Stack;

beforeAll(async () => {
  // Publish-now posts answer at once (`publishing`), so a post mid-delivery can be caught.
  stack = await new Stack({ POSTFLOW_SYNC_WAIT_MS: '0' }).start();
});

afterAll(async () => {
  await stack?.stop();
});

async function publishedPost(targets: Array<{ account_id: string; platform_data?: object }>) {
  const { body } = await stack.request('POST', '/v1/posts', {
    targets,
    text: 'to delete',
    publish_now: true,
  });
  return stack.waitForPost(body.id);
}

test('a published post is deleted where the platform allows it; the rest stays live and listed', async () => {
  const deletable = await stack.createSandboxAccount('deletable');
  const sticky = await stack.createSandboxAccount('sticky');
  const post = await publishedPost([
    { account_id: deletable },
    { account_id: sticky, platform_data: { deletable: false } },
  ]);
  expect(post.status).toBe('published');

  const { status, body } = await stack.request('DELETE', `/v1/posts/${post.id}`);
  expect(status).toBe(200);
  expect(body).toMatchObject({ success: true, deleted: false, id: post.id });
  expect(body.results).toEqual(
    expect.arrayContaining([
      { platform: 'sandbox', account_id: deletable, outcome: 'deleted' },
      { platform: 'sandbox', account_id: sticky, outcome: 'not_supported', message: expect.any(String) },
    ]),
  );
  expect((await stack.request('GET', `/v1/sandbox/${deletable}/posts`)).body.data).toEqual([]);
  expect((await stack.request('GET', `/v1/sandbox/${sticky}/posts`)).body.data).toHaveLength(1);

  const { body: kept } = await stack.request('GET', `/v1/posts/${post.id}`);
  expect(kept.account_ids).toEqual([sticky]);
  expect(kept.targets.map((t: { account_id: string }) => t.account_id)).toEqual([sticky]);

  // Deleting again changes nothing: the live target still cannot be deleted.
  const again = await stack.request('DELETE', `/v1/posts/${post.id}`);
  expect(again.body.results).toEqual([
    expect.objectContaining({ account_id: sticky, outcome: 'not_supported' }),
  ]);
});

test('a post deleted from every platform is gone: 404, and no longer listed', async () => {
  const account = await stack.createSandboxAccount();
  const post = await publishedPost([{ account_id: account }]);
  const { body } = await stack.request('DELETE', `/v1/posts/${post.id}?platform=sandbox`);
  expect(body).toMatchObject({
    success: true,
    deleted: true,
    results: [{ platform: 'sandbox', account_id: account, outcome: 'deleted' }],
    post: null,
  });
  expect((await stack.request('GET', `/v1/posts/${post.id}`)).body.error.code).toBe('post.not_found');
  const listed = (await stack.request('GET', `/v1/posts?account_ids=${account}`)).body.data;
  expect(listed).toEqual([]);
  expect((await stack.request('DELETE', `/v1/posts/${post.id}`)).status).toBe(404);
});

test("?platform= deletes only that platform's copies", async () => {
  const account = await stack.createSandboxAccount();
  const post = await publishedPost([{ account_id: account }]);
  const { body } = await stack.request('DELETE', `/v1/posts/${post.id}?platform=instagram`);
  expect(body).toMatchObject({ deleted: false, results: [], post: { id: post.id, status: 'published' } });
  expect((await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data).toHaveLength(1);
});

test('a scheduled post is cancelled, with nothing to delete on the platforms', async () => {
  const account = await stack.createSandboxAccount();
  const { body: post } = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'never',
    scheduled_at: inDays(1),
  });
  const { status, body } = await stack.request('DELETE', `/v1/posts/${post.id}`);
  expect(status).toBe(200);
  expect(body).toMatchObject({ success: true, deleted: true, results: [], status: 'cancelled' });
});

test('a failed post is cancelled (its retry window ends); a partial one loses its published target first', async () => {
  const ok = await stack.createSandboxAccount('ok');
  const bad = await stack.createSandboxAccount('bad');
  const failed = await publishedPost([{ account_id: bad, platform_data: { failure: 'validation' } }]);
  expect(failed.status).toBe('failed');
  const cancelled = await stack.request('DELETE', `/v1/posts/${failed.id}`);
  expect(cancelled.body).toMatchObject({ deleted: true, status: 'cancelled' });
  expect((await stack.request('POST', `/v1/posts/${failed.id}/retry`)).status).toBe(409);

  const partial = await publishedPost([
    { account_id: ok },
    { account_id: bad, platform_data: { failure: 'validation' } },
  ]);
  expect(partial.status).toBe('partial');
  const { body } = await stack.request('DELETE', `/v1/posts/${partial.id}`);
  expect(body.results).toEqual([{ platform: 'sandbox', account_id: ok, outcome: 'deleted' }]);
  const after = await stack.waitForPost(partial.id, (p) => p.status === 'cancelled');
  expect(after.targets).toEqual([expect.objectContaining({ account_id: bad, status: 'failed' })]);
});

test('a post being published cannot be deleted (409 post.state_invalid); unknown posts are 404', async () => {
  const account = await stack.createSandboxAccount();
  const { body: post } = await stack.request('POST', '/v1/posts', {
    targets: [{ account_id: account, platform_data: { latency_ms: 5000 } }],
    text: 'slow',
    publish_now: true,
  });
  expect(post.status).toBe('publishing');
  const refused = await stack.request('DELETE', `/v1/posts/${post.id}`);
  expect(refused.status).toBe(409);
  expect(refused.body.error.code).toBe('post.state_invalid');
  expect((await stack.request('DELETE', '/v1/posts/post_01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
});

test("unpublish removes one account's copy (501 where the platform cannot); the post stays", async () => {
  const first = await stack.createSandboxAccount('first');
  const sticky = await stack.createSandboxAccount('sticky');
  const post = await publishedPost([
    { account_id: first },
    { account_id: sticky, platform_data: { deletable: false } },
  ]);
  const one = await stack.request('POST', `/v1/posts/${post.id}/unpublish`, { account_id: first });
  expect(one.status).toBe(200);
  expect(one.body).toEqual({
    success: true,
    results: [{ platform: 'sandbox', account_id: first, outcome: 'deleted' }],
  });
  expect((await stack.request('GET', `/v1/sandbox/${first}/posts`)).body.data).toEqual([]);

  const refused = await stack.request('POST', `/v1/posts/${post.id}/unpublish`, {});
  expect(refused.status).toBe(501);
  expect(refused.body.error).toMatchObject({ code: 'resource.not_supported' });
  expect((await stack.request('GET', `/v1/posts/${post.id}`)).body.account_ids).toEqual([sticky]);
  const stranger = await stack.request('POST', `/v1/posts/${post.id}/unpublish`, { account_id: 'acc_nope' });
  expect(stranger.status).toBe(404);
});

test('GET takes a platform post id too; changes take only the post id; an id of several posts is 409', async () => {
  const account = await stack.createSandboxAccount();
  const post = await publishedPost([{ account_id: account }]);
  const platformPostId = post.targets[0].platform_post_id;
  // Visibility learns the platform id a moment after the post settles.
  for (let i = 0; (await stack.request('GET', `/v1/posts/${platformPostId}`)).status !== 200; i++) {
    if (i > 100) throw new Error('the platform post id never became searchable');
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await stack.request('GET', `/v1/posts/${platformPostId}`)).body.id).toBe(post.id);
  expect((await stack.request('DELETE', `/v1/posts/${platformPostId}`)).status).toBe(404);
  expect((await stack.request('GET', '/v1/posts/sbx_unknown')).status).toBe(404);

  // Another service starts a post directly that claims the same platform post id.
  const spec = (await stack.client.workflow.getHandle(post.id).query<{ userId: string }>('spec')) as object;
  await stack.client.workflow.start('publishPost', {
    taskQueue: 'postflow',
    workflowId: 'post_01ARZ3NDEKTSV4RRFFQ69G5FAW',
    args: [{ ...spec, id: 'post_01ARZ3NDEKTSV4RRFFQ69G5FAW', mode: 'draft' }],
    searchAttributes: { PostflowUserId: ['usr_default'], PostflowRefs: [`platform_post:${platformPostId}`] },
  });
  for (let i = 0; ; i++) {
    const { status, body } = await stack.request('GET', `/v1/posts/${platformPostId}`);
    if (status === 409) {
      expect(body.error.code).toBe('ambiguous_post_id');
      break;
    }
    if (i > 100) throw new Error(`never ambiguous: ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
});

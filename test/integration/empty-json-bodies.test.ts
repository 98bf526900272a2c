import { inDays } from '../helpers/fixtures';
import { rawRequest } from '../helpers/raw-http';
import { Stack } from '../helpers/stack';

/**
 * Issue #14: HTTP clients send `Content-Type: application/json` with an empty body on DELETE and
 * on bodiless POSTs. An empty body is no body: routes that take none run, routes with an
 * optional body read it as `{}`, routes that need one say which field is missing.
 */
let stack: Stack;
let account: string;

beforeAll(async () => {
  stack = await new Stack({ POSTFLOW_SYNC_WAIT_MS: '30000' }).start();
  account = await stack.createSandboxAccount();
});

afterAll(async () => {
  await stack?.stop();
});

/** A request exactly as such clients send it: JSON content type, `Content-Length: 0`, nothing else. */
async function emptyJson(method: string, path: string) {
  const head =
    `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${stack.apiKey}\r\n` +
    'Content-Type: application/json\r\nContent-Length: 0\r\nConnection: close\r\n\r\n';
  const { status, body } = await rawRequest(stack.apiPort, head);
  return { status, body: JSON.parse(body) };
}

const scheduledPost = async () =>
  (
    await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text: 'later',
      scheduled_at: inDays(2),
    })
  ).body.id as string;

test('DELETE with an empty JSON body cancels the post', async () => {
  const id = await scheduledPost();
  const deleted = await emptyJson('DELETE', `/v1/posts/${id}`);
  expect(deleted.status).toBe(200);
  expect(deleted.body).toMatchObject({ id, status: 'cancelled' });
});

test('POST /publish, /retry and /unpublish with an empty JSON body reach the post', async () => {
  const id = await scheduledPost();

  const publishedNow = await emptyJson('POST', `/v1/posts/${id}/publish`);
  expect(publishedNow.status).toBe(201);
  expect(publishedNow.body).toMatchObject({ id, status: 'published' });

  // Nothing failed, so there is nothing to retry: the route ran and answered about the post.
  const retried = await emptyJson('POST', `/v1/posts/${id}/retry`);
  expect(retried).toMatchObject({
    status: 409,
    body: { error: { code: 'post.state_invalid', meta: { id } } },
  });

  // Its body is optional: empty means every account.
  const unpublished = await emptyJson('POST', `/v1/posts/${id}/unpublish`);
  expect(unpublished.status).toBe(200);
  expect(unpublished.body).toMatchObject({ success: true, results: [{ account_id: account }] });
});

test('a route that needs a body says what is missing, not that the JSON is malformed', async () => {
  const created = await emptyJson('POST', '/v1/posts');
  expect(created.status).toBe(400);
  // The body's own validation ran: it names the missing field, which a JSON parse error cannot.
  expect(created.body.error).toMatchObject({ code: 'validation.field_required', meta: { field: 'text' } });
});

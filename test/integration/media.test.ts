import { createServer, type Server } from 'node:http';
import { inDays } from '../helpers/fixtures';
import { mp4Lasting } from '../helpers/mp4';
import { openApiChecker } from '../helpers/openapi';
import { Stack } from '../helpers/stack';

/** The media library through the real stack: both upload flows, listing, quota, use in posts. */
let stack: Stack;
let files: Server;
let filesUrl: string;
const QUOTA = 200_000;
const png = (bytes: number) =>
  Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), Buffer.alloc(bytes - 8, 7)]);

beforeAll(async () => {
  // A web server with a public image, for URL media (loopback is allowed by the setting below).
  files = createServer((req, res) => {
    if (req.url === '/cat.jpg') {
      res.writeHead(200, { 'content-type': 'image/jpeg' }).end(Buffer.alloc(1234, 1));
    } else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => files.listen(0, '127.0.0.1', resolve));
  filesUrl = `http://127.0.0.1:${(files.address() as { port: number }).port}`;
  stack = await new Stack({
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_STORAGE_LIMIT_BYTES: String(QUOTA),
    POSTFLOW_SYNC_WAIT_MS: '30000',
  }).start();
});

afterAll(async () => {
  await stack?.stop();
  files?.close();
});

async function upload(
  body: Buffer,
  name = 'photo.png',
  type = 'image/png',
  headers: Record<string, string> = {},
) {
  const form = new FormData();
  form.append('file', new Blob([body], { type }), name);
  const response = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}`, ...headers },
    body: form,
  });
  return { status: response.status, body: (await response.json()) as any };
}

test('a multipart upload is ready at once, and its signed URL serves the bytes', async () => {
  const bytes = png(5000);
  const { status, body } = await upload(bytes);
  expect(status).toBe(201);
  expect(body).toMatchObject({
    media_id: body.id,
    id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-7/),
    filename: 'photo.png',
    content_type: 'image/png',
    size_bytes: 5000,
    duration_sec: null,
    status: 'ready',
    url: expect.stringContaining(`/media-files/${body.id}?expires=`),
  });
  const served = await fetch(body.url);
  expect(served.status).toBe(200);
  expect(served.headers.get('content-type')).toBe('image/png');
  expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);

  const signature = new URL(body.url).searchParams.get('signature')!;
  const forged = `${signature[0] === '0' ? '1' : '0'}${signature.slice(1)}`;
  expect(served.headers.get('x-content-type-options')).toBe('nosniff');
  expect(served.headers.get('content-security-policy')).toContain('sandbox');
  const tampered = await fetch(body.url.replace(signature, forged));
  expect(tampered.status).toBe(403);
  expect(((await tampered.json()) as any).error.code).toBe('media.url_invalid');
  const stored = (await stack.request('GET', `/v1/media/${body.id}`)).body;
  expect(stored).toMatchObject({ id: body.id, status: 'ready' });
  (await openApiChecker(stack.baseUrl))('Media', stored);
});

test('an upload without a file or over 50 MB is refused with 400 and stores nothing', async () => {
  const empty = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}` },
    body: new FormData(),
  });
  expect(empty.status).toBe(400);
  expect(((await empty.json()) as any).error).toMatchObject({
    code: 'validation.field_required',
    meta: { field: 'file' },
  });

  const before = (await stack.request('GET', '/v1/media/storage')).body;
  const huge = await upload(Buffer.alloc(50 * 1024 * 1024 + 10), 'huge.mp4', 'video/mp4');
  expect(huge.status).toBe(400);
  expect(huge.body.error).toMatchObject({ code: 'validation.file_too_large', meta: { field: 'file' } });
  expect((await stack.request('GET', '/v1/media/storage')).body).toEqual(before);
});

test('only images and videos are taken: HTML or SVG would run from the API origin', async () => {
  const html = await upload(Buffer.from('<script>alert(1)</script>'), 'x.html', 'text/html');
  expect(html.status).toBe(400);
  expect(html.body.error).toMatchObject({
    code: 'validation.unsupported_media_type',
    meta: { field: 'file' },
  });
  const svg = await stack.request('GET', '/v1/media/upload-url?media_type=image/svg%2Bxml&filename=a.svg');
  expect(svg.status).toBe(400);
  expect(svg.body.error.code).toBe('validation.unsupported_media_type');
});

test('an Idempotency-Key makes a repeated upload return the first media', async () => {
  const first = await upload(png(100), 'a.png', 'image/png', { 'idempotency-key': 'upload-1' });
  const again = await upload(png(100), 'a.png', 'image/png', { 'idempotency-key': 'upload-1' });
  expect(first.status).toBe(201);
  expect(again.body.id).toBe(first.body.id);
});

test('presigned flow: upload-url, PUT with the same type, verify; pending until verified', async () => {
  const missing = await stack.request('GET', '/v1/media/upload-url?filename=clip.mp4');
  expect(missing.status).toBe(400);
  expect(missing.body.error).toMatchObject({
    code: 'validation.field_required',
    meta: { field: 'media_type' },
  });

  const { status, body } = await stack.request(
    'GET',
    '/v1/media/upload-url?media_type=video/mp4&filename=clip.mp4',
  );
  expect(status).toBe(200);
  expect(body).toEqual({
    media_id: expect.any(String),
    upload_url: expect.stringContaining(`/media-files/${body.media_id}?expires=`),
    expires_at: expect.any(String),
  });
  expect(Date.parse(body.expires_at) - Date.now()).toBeGreaterThan(14 * 60_000);
  (await openApiChecker(stack.baseUrl))('UploadUrl', body);

  const early = await stack.request('POST', `/v1/media/${body.media_id}/verify`);
  expect(early.status).toBe(400);
  expect(early.body.error.code).toBe('media.not_uploaded');
  const pendingUse = await stack.request('POST', '/v1/posts', {
    account_ids: [await stack.createSandboxAccount()],
    media_ids: [body.media_id],
    text: 'too early',
  });
  expect(pendingUse.status).toBe(400);
  expect(pendingUse.body.error.meta.errors).toEqual([
    expect.objectContaining({
      field: 'media_ids[0]',
      code: 'media.not_found',
      message: expect.stringContaining('pending'),
    }),
  ]);

  const wrongType = await fetch(body.upload_url, {
    method: 'PUT',
    headers: { 'content-type': 'image/png' },
    body: 'x',
  });
  expect(wrongType.status).toBe(400);
  const put = await fetch(body.upload_url, {
    method: 'PUT',
    headers: { 'content-type': 'video/mp4' },
    body: Buffer.alloc(7000, 3),
  });
  expect(put.status).toBe(200);
  const verified = await stack.request('POST', `/v1/media/${body.media_id}/verify`);
  expect(verified.status).toBe(200);
  // Bytes with no MP4 movie header: the video's length is unknown, and nothing refuses it for that.
  expect(verified.body).toMatchObject({
    success: true,
    media: { status: 'ready', size_bytes: 7000, duration_sec: null },
  });
  const again = await fetch(body.upload_url, {
    method: 'PUT',
    headers: { 'content-type': 'video/mp4' },
    body: 'x',
  });
  expect(again.status).toBe(409);
  expect((await stack.request('POST', '/v1/media/00000000-0000-7000-8000-000000000000/verify')).status).toBe(
    404,
  );
});

test("a video's length is read from its MP4 movie header when its bytes arrive: upload, or verify", async () => {
  const uploaded = await upload(mp4Lasting(12.5), 'short.mp4', 'video/mp4');
  expect(uploaded.body).toMatchObject({ status: 'ready', content_type: 'video/mp4', duration_sec: 12.5 });
  const stored = (await stack.request('GET', `/v1/media/${uploaded.body.id}`)).body;
  expect(stored.duration_sec).toBe(12.5);
  (await openApiChecker(stack.baseUrl))('Media', stored);

  const { body } = await stack.request(
    'GET',
    '/v1/media/upload-url?media_type=video/quicktime&filename=long.mov',
  );
  expect((await stack.request('GET', `/v1/media/${body.media_id}`)).body.duration_sec).toBeNull();
  const put = await fetch(body.upload_url, {
    method: 'PUT',
    headers: { 'content-type': 'video/quicktime' },
    body: mp4Lasting(754),
  });
  expect(put.status).toBe(200);
  const verified = await stack.request('POST', `/v1/media/${body.media_id}/verify`);
  expect(verified.body.media).toMatchObject({ status: 'ready', duration_sec: 754 });
  expect((await stack.request('GET', `/v1/media/${body.media_id}`)).body.duration_sec).toBe(754);
});

test('listing pages newest first by cursor; storage reports usage and the quota', async () => {
  const seen: string[] = [];
  let cursor = '';
  for (;;) {
    const { status, body } = await stack.request(
      'GET',
      `/v1/media?limit=2${cursor ? `&cursor=${cursor}` : ''}`,
    );
    expect(status).toBe(200);
    expect(body.pagination.limit).toBe(2);
    seen.push(...body.data.map((m: { id: string }) => m.id));
    if (!body.pagination.has_more) break;
    cursor = body.pagination.next_cursor;
  }
  expect(seen.length).toBeGreaterThanOrEqual(3);
  expect([...seen].sort().reverse()).toEqual(seen);
  const check = await openApiChecker(stack.baseUrl);
  check('MediaPage', (await stack.request('GET', '/v1/media?limit=2')).body);
  const storage = (await stack.request('GET', '/v1/media/storage')).body;
  check('StorageUsage', storage);
  expect(storage).toEqual({ used_bytes: expect.any(Number), limit_bytes: QUOTA, count: expect.any(Number) });
  expect((await stack.request('GET', '/v1/media?limit=500')).body.error.code).toBe(
    'validation.field_invalid',
  );
});

test('an upload past the storage quota is refused with 413 billing.storage_quota', async () => {
  const { used_bytes } = (await stack.request('GET', '/v1/media/storage')).body;
  const over = await upload(png(QUOTA - used_bytes + 1));
  expect(over.status).toBe(413);
  expect(over.body.error).toMatchObject({ code: 'billing.storage_quota', meta: { limit_bytes: QUOTA } });
  expect((await stack.request('GET', '/v1/media/storage')).body.used_bytes).toBe(used_bytes);
});

test('a post publishes library media and URL media; the sandbox received every byte', async () => {
  const account = await stack.createSandboxAccount();
  const image = (await upload(png(3000))).body;
  const { status, body: post } = await stack.request('POST', '/v1/posts', {
    targets: [{ account_id: account }],
    publish_now: true,
    text: 'with media',
    media: [
      { source_type: 'media_id', source: image.id },
      { source_type: 'url', source: `${filesUrl}/cat.jpg` },
    ],
  });
  expect(status).toBe(201);
  const done = post.status === 'published' ? post : await stack.waitForPost(post.id);
  expect(done).toMatchObject({
    status: 'published',
    media_ids: [image.id],
    media: [
      { source_type: 'media_id', source: image.id },
      { source_type: 'url', source: `${filesUrl}/cat.jpg` },
    ],
  });
  const { body: published } = await stack.request('GET', `/v1/sandbox/${account}/posts`);
  expect(published.data[0].media).toEqual([
    { source_type: 'media_id', source: image.id, content_type: 'image/png', size_bytes: 3000 },
    { source_type: 'url', source: `${filesUrl}/cat.jpg`, content_type: 'image/jpeg', size_bytes: 1234 },
  ]);
});

test('a URL that is gone fails the target with publishing.media.unreachable; unknown media is refused at creation', async () => {
  const account = await stack.createSandboxAccount();
  const { body: post } = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'broken link',
    media: [{ source_type: 'url', source: `${filesUrl}/gone.jpg` }],
  });
  const done =
    post.status === 'failed'
      ? (post.error?.meta?.post ?? post)
      : await stack.waitForPost(post.error?.meta?.post_id ?? post.id);
  expect(done.targets[0].error).toMatchObject({ code: 'publishing.media.unreachable', caused_by: 'user' });

  const unknown = await stack.request('POST', '/v1/posts', {
    targets: [{ account_id: account, media_ids: ['00000000-0000-7000-8000-000000000000'] }],
    text: 'nothing there',
    publish_now: true,
  });
  expect(unknown.status).toBe(400);
  expect(unknown.body.error.meta.errors).toEqual([
    expect.objectContaining({ field: 'targets[0].media_ids[0]', code: 'media.not_found' }),
  ]);
});

test('media used by a scheduled post cannot be deleted (409 media.in_use) until the post is cancelled', async () => {
  const account = await stack.createSandboxAccount();
  const image = (await upload(png(200))).body;
  const { body: post } = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    media_ids: [image.id],
    text: 'later',
    scheduled_at: inDays(2),
  });
  // Visibility is eventually consistent: wait until the post is indexed with its media.
  const query = `PostflowRefs = 'media:${image.id}'`;
  for (let i = 0; (await stack.client.workflow.count(query)).count === 0; i++) {
    if (i > 100) throw new Error('the post never showed up in visibility');
    await new Promise((r) => setTimeout(r, 100));
  }
  const refused = await stack.request('DELETE', `/v1/media/${image.id}`);
  expect(refused.status).toBe(409);
  expect(refused.body.error).toMatchObject({ code: 'media.in_use', meta: { post_ids: [post.id] } });

  expect((await stack.request('DELETE', `/v1/posts/${post.id}`)).status).toBe(200);
  for (let i = 0; ; i++) {
    const { status } = await stack.request('DELETE', `/v1/media/${image.id}`);
    if (status === 204) break;
    if (i > 100) throw new Error(`media still in use: ${status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  expect((await stack.request('GET', `/v1/media/${image.id}`)).status).toBe(404);
  expect((await fetch(image.url)).status).toBe(404);
});

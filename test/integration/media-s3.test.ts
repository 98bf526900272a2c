import { HeadObjectCommand, ListMultipartUploadsCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { createHash, randomBytes } from 'node:crypto';
import { mp4Lasting } from '../helpers/mp4';
import { S3Server } from '../helpers/s3';
import { Stack } from '../helpers/stack';

/** Media in an S3-compatible bucket (a real moto server): presigned URLs, publishing, deleting. */
let s3: S3Server;
let stack: Stack;

beforeAll(async () => {
  s3 = await new S3Server().start();
  stack = await new Stack({ ...s3.env(), POSTFLOW_SYNC_WAIT_MS: '30000' }).start();
});

afterAll(async () => {
  await stack?.stop();
  s3?.stop();
});

const objectKeys = async () =>
  ((await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket }))).Contents ?? []).map((o) => o.Key);

test('an upload lands in the bucket; its url is a presigned bucket URL serving the bytes', async () => {
  expect(stack.logs()).toContain(`media in s3://${s3.bucket}/media/`);
  const form = new FormData();
  const bytes = Buffer.alloc(4096, 9);
  form.append('file', new Blob([bytes], { type: 'image/png' }), 'bucket.png');
  const response = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}` },
    body: form,
  });
  expect(response.status).toBe(201);
  const media = (await response.json()) as any;
  expect(media).toMatchObject({ status: 'ready', size_bytes: 4096 });
  expect(await objectKeys()).toContain(`media/usr_default/${media.id}`);
  expect(media.url.startsWith(`${s3.endpoint}/${s3.bucket}/media/usr_default/${media.id}?`)).toBe(true);
  expect(media.url).toContain('X-Amz-Signature=');
  const served = await fetch(media.url);
  expect(Buffer.from(await served.arrayBuffer()).equals(bytes)).toBe(true);
});

test('presigned flow: the client PUTs straight to the bucket, verify reads its size, a post publishes it', async () => {
  const { body } = await stack.request('GET', '/v1/media/upload-url?media_type=video/mp4&filename=clip.mp4');
  expect(body.upload_url.startsWith(`${s3.endpoint}/${s3.bucket}/media/`)).toBe(true);
  const put = await fetch(body.upload_url, {
    method: 'PUT',
    headers: { 'content-type': 'video/mp4' },
    body: Buffer.alloc(10_000, 1),
  });
  expect(put.status).toBe(200);
  const verified = await stack.request('POST', `/v1/media/${body.media_id}/verify`);
  expect(verified.body.media).toMatchObject({ status: 'ready', size_bytes: 10_000 });

  const account = await stack.createSandboxAccount();
  const post = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    media_ids: [body.media_id],
    text: 'from the bucket',
  });
  expect(post.body.status).toBe('published');
  const published = (await stack.request('GET', `/v1/sandbox/${account}/posts`)).body.data[0];
  expect(published.media).toEqual([
    { source_type: 'media_id', source: body.media_id, content_type: 'video/mp4', size_bytes: 10_000 },
  ]);
});

test("a video's length is read from the bucket by ranged GETs, on upload and on verify", async () => {
  const form = new FormData();
  form.append('file', new Blob([mp4Lasting(33)], { type: 'video/mp4' }), 'short.mp4');
  const uploaded = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}` },
    body: form,
  });
  expect(await uploaded.json()).toMatchObject({ status: 'ready', duration_sec: 33 });

  const { body } = await stack.request('GET', '/v1/media/upload-url?media_type=video/mp4&filename=long.mp4');
  const put = await fetch(body.upload_url, {
    method: 'PUT',
    headers: { 'content-type': 'video/mp4' },
    body: mp4Lasting(1234.5),
  });
  expect(put.status).toBe(200);
  const verified = await stack.request('POST', `/v1/media/${body.media_id}/verify`);
  expect(verified.body.media).toMatchObject({ status: 'ready', duration_sec: 1234.5 });
});

test('deleting media removes the object from the bucket', async () => {
  const { body } = await stack.request('GET', '/v1/media/upload-url?media_type=image/gif&filename=a.gif');
  await fetch(body.upload_url, { method: 'PUT', headers: { 'content-type': 'image/gif' }, body: 'GIF89a' });
  await stack.request('POST', `/v1/media/${body.media_id}/verify`);
  const key = `media/usr_default/${body.media_id}`;
  expect(await objectKeys()).toContain(key);
  expect((await stack.request('DELETE', `/v1/media/${body.media_id}`)).status).toBe(204);
  await expect(s3.client.send(new HeadObjectCommand({ Bucket: s3.bucket, Key: key }))).rejects.toMatchObject({
    name: 'NotFound',
  });
});

test('with size_bytes, a bucket upload goes in presigned parts; a re-sent part replaces itself; verify assembles and checks them', async () => {
  const size = 40 * 1024 * 1024 + 3;
  const file = randomBytes(size);
  const { body } = await stack.request(
    'GET',
    `/v1/media/upload-url?media_type=video/mp4&filename=big.mp4&size_bytes=${size}`,
  );
  expect(body.parts.map((p: any) => [p.part_number, p.first_byte, p.last_byte])).toEqual([
    [1, 0, 16 * 1024 * 1024 - 1],
    [2, 16 * 1024 * 1024, 32 * 1024 * 1024 - 1],
    [3, 32 * 1024 * 1024, size - 1],
  ]);
  const put = async (part: any) =>
    (await fetch(part.url, { method: 'PUT', body: file.subarray(part.first_byte, part.last_byte + 1) }))
      .status;
  expect(await put(body.parts[0])).toBe(200);
  expect(await put(body.parts[2])).toBe(200);
  const early = await stack.request('POST', `/v1/media/${body.media_id}/verify`);
  expect(early.status).toBe(400);
  expect(early.body.error).toMatchObject({ code: 'media.not_uploaded', meta: { missing_part: 2 } });
  // Part 2 twice, as after a dropped connection: S3 keeps one copy of a part number.
  expect(await put(body.parts[1])).toBe(200);
  expect(await put(body.parts[1])).toBe(200);
  const verified = await stack.request('POST', `/v1/media/${body.media_id}/verify`, {
    size_bytes: size,
    sha256: createHash('sha256').update(file).digest('hex'),
  });
  expect(verified.status).toBe(200);
  expect(verified.body.media).toMatchObject({ status: 'ready', size_bytes: size });
  const head = await s3.client.send(
    new HeadObjectCommand({ Bucket: s3.bucket, Key: `media/usr_default/${body.media_id}` }),
  );
  expect(head.ContentLength).toBe(size);

  const tooBig = await stack.request(
    'GET',
    `/v1/media/upload-url?media_type=video/mp4&filename=huge.mp4&size_bytes=${5 * 1024 ** 3}`,
  );
  expect(tooBig.status).toBe(413);

  // Deleting media whose multipart upload never completed drops its parts too.
  const abandoned = (
    await stack.request(
      'GET',
      `/v1/media/upload-url?media_type=video/mp4&filename=gone.mp4&size_bytes=${size}`,
    )
  ).body;
  expect(await put(abandoned.parts[0])).toBe(200);
  expect((await stack.request('DELETE', `/v1/media/${abandoned.media_id}`)).status).toBe(204);
  const open = await s3.client.send(new ListMultipartUploadsCommand({ Bucket: s3.bucket }));
  expect((open.Uploads ?? []).map((u) => u.Key)).not.toContain(`media/usr_default/${abandoned.media_id}`);
});

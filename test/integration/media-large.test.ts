import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GeneratedFile, putPart as putFilePart } from '../helpers/large-file';
import { Stack } from '../helpers/stack';

/**
 * Issue #21, storage side: a ~1 GiB file (generated as a stream, never held whole) uploaded in
 * parts to the signed upload URL through the real API, with a connection dropped mid-part and
 * resumed, then verified by size and SHA-256, while the API's memory stays flat.
 */
let stack: Stack;
const MiB = 1024 * 1024;
const SIZE = 1024 * MiB + 12_345;
const PART = 64 * MiB;

beforeAll(async () => {
  stack = await new Stack().start();
});

afterAll(async () => {
  await stack?.stop();
});

/** The generated file of each size a test uses (a random block per MiB: no two MiB alike). */
const files = new Map<number, GeneratedFile>();
function fileOf(total: number): GeneratedFile {
  if (!files.has(total)) files.set(total, new GeneratedFile(total));
  return files.get(total)!;
}
const putPart = (url: string, from: number, to: number, total: number, dropAfter?: number) =>
  putFilePart(url, fileOf(total), from, to, dropAfter);
const sha256Of = (_from: 0, total: number) => fileOf(total).sha256();

const status = (url: string, total: number) => putPart(url, 0, 0, total);

/** The API's resident memory now (VmRSS) or at its peak so far (VmHWM), in bytes. */
function apiMemory(field: 'VmRSS' | 'VmHWM'): number {
  const text = readFileSync(`/proc/${stack.api!.pid}/status`, 'utf8');
  return Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)![1]) * 1024;
}

async function uploadUrl(filename: string) {
  const { status: code, body } = await stack.request(
    'GET',
    `/v1/media/upload-url?media_type=video/mp4&filename=${filename}`,
  );
  expect(code).toBe(200);
  return body as { media_id: string; upload_url: string };
}

test('a 1 GiB file uploads in parts, resumes after a dropped connection, and verifies by SHA-256 with flat API memory', async () => {
  const expected = await sha256Of(0, SIZE);
  const { media_id: id, upload_url: url } = await uploadUrl('big.mp4');
  const rssBefore = apiMemory('VmRSS');

  expect((await status(url, SIZE)).body).toEqual({
    success: true,
    received_bytes: 0,
    size_bytes: SIZE,
    complete: false,
  });
  // A part past the received offset is refused with where to resume.
  const early = await putPart(url, PART, 2 * PART, SIZE);
  expect(early.status).toBe(409);
  expect(early.body.error).toMatchObject({
    code: 'media.upload_offset_mismatch',
    meta: { received_bytes: 0 },
  });

  let offset = 0;
  for (let part = 0; offset < SIZE; part++) {
    const end = Math.min(offset + PART, SIZE);
    if (part === 3) {
      // The connection drops 20 MiB into the part; the client asks where to resume.
      expect((await putPart(url, offset, end, SIZE, 20 * MiB + 777)).status).toBe(0);
      let received = offset;
      for (let i = 0; i < 50 && received === offset; i++) {
        await new Promise((r) => setTimeout(r, 100));
        received = (await status(url, SIZE)).body.received_bytes;
      }
      expect(received).toBeGreaterThan(offset);
      expect(received).toBeLessThanOrEqual(offset + 20 * MiB + 777);
      // The part is sent again from its start: the bytes already stored are skipped, not doubled.
      const again = await putPart(url, offset, end, SIZE);
      expect(again.status).toBe(200);
      expect(again.body.received_bytes).toBe(end);
    } else {
      const answer = await putPart(url, offset, end, SIZE);
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ received_bytes: end, complete: end === SIZE });
      expect(answer.headers['upload-offset']).toBe(String(end));
    }
    if (part === 1) {
      // Not complete yet: verify says how far the upload got.
      const early = await stack.request('POST', `/v1/media/${id}/verify`, {});
      expect(early.status).toBe(400);
      expect(early.body.error).toMatchObject({ code: 'media.not_uploaded', meta: { received_bytes: end } });
    }
    offset = end;
  }

  const verified = await stack.request('POST', `/v1/media/${id}/verify`, {
    size_bytes: SIZE,
    sha256: expected,
  });
  expect(verified.status).toBe(200);
  expect(verified.body.media).toMatchObject({ id, status: 'ready', size_bytes: SIZE });
  // Memory is read before the download below, which is not what this measures.
  expect(apiMemory('VmHWM') - rssBefore).toBeLessThan(200 * MiB);

  // The stored file, read back through its signed URL as a stream, is the one generated.
  const served = await fetch(verified.body.media.url);
  expect(served.headers.get('content-length')).toBe(String(SIZE));
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of served.body as unknown as AsyncIterable<Uint8Array>) {
    hash.update(chunk);
    size += chunk.length;
  }
  expect(size).toBe(SIZE);
  expect(hash.digest('hex')).toBe(expected);
  expect((await stack.request('GET', '/v1/media/storage')).body.used_bytes).toBe(SIZE);
}, 600_000);

test('verify refuses a wrong size or SHA-256, removes the file and keeps the item pending for a new upload', async () => {
  const total = 3 * MiB + 5;
  const { media_id: id, upload_url: url } = await uploadUrl('small.mp4');
  expect((await putPart(url, 0, 2 * MiB, total)).body.received_bytes).toBe(2 * MiB);
  // A re-sent range overlapping what arrived completes the file without doubling it.
  expect((await putPart(url, MiB, total, total)).body).toMatchObject({
    received_bytes: total,
    complete: true,
  });
  const wrong = await stack.request('POST', `/v1/media/${id}/verify`, { sha256: '0'.repeat(64) });
  expect(wrong.status).toBe(400);
  expect(wrong.body.error).toMatchObject({ code: 'media.checksum_mismatch', meta: { field: 'sha256' } });
  expect((await stack.request('GET', `/v1/media/${id}`)).body.status).toBe('pending');
  expect((await status(url, total)).body.received_bytes).toBe(0);

  expect((await putPart(url, 0, total, total)).body.complete).toBe(true);
  const short = await stack.request('POST', `/v1/media/${id}/verify`, { size_bytes: total + 1 });
  expect(short.body.error).toMatchObject({ code: 'media.checksum_mismatch', meta: { field: 'size_bytes' } });
  expect((await putPart(url, 0, total, total)).body.complete).toBe(true);
  const ok = await stack.request('POST', `/v1/media/${id}/verify`, {
    size_bytes: total,
    sha256: await sha256Of(0, total),
  });
  expect(ok.body.media).toMatchObject({ status: 'ready', size_bytes: total });
  const unknownField = await stack.request('POST', `/v1/media/${id}/verify`, { md5: 'x' });
  expect(unknownField.status).toBe(400);
});

test('a malformed Content-Range or a part over the per-file limit is refused', async () => {
  const { upload_url: url } = await uploadUrl('odd.mp4');
  const bad = await fetch(url, {
    method: 'PUT',
    headers: { 'content-type': 'video/mp4', 'content-range': 'bytes 5-2/10' },
    body: 'abcd',
  });
  expect(bad.status).toBe(400);
  expect(((await bad.json()) as any).error.meta.field).toBe('Content-Range');
  const huge = await status(url, 5 * 1024 * MiB);
  expect(huge.status).toBe(413);
  // Said up front, the size is checked before anything is sent; on disk there are no part URLs.
  const refused = await stack.request(
    'GET',
    `/v1/media/upload-url?media_type=video/mp4&filename=huge.mp4&size_bytes=${5 * 1024 * MiB}`,
  );
  expect(refused.status).toBe(413);
  expect(refused.body.error.meta).toMatchObject({ field: 'size_bytes' });
  const sized = await stack.request(
    'GET',
    `/v1/media/upload-url?media_type=video/mp4&filename=a.mp4&size_bytes=${MiB}`,
  );
  expect(sized.body).toMatchObject({ parts: [] });
  const badSize = await stack.request(
    'GET',
    '/v1/media/upload-url?media_type=video/mp4&filename=a.mp4&size_bytes=-1',
  );
  expect(badSize.body.error.meta).toMatchObject({ field: 'size_bytes' });
});

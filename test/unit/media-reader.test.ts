import { createHash, randomBytes } from 'node:crypto';
import { lutimes, mkdir, mkdtemp, readdir, rm, symlink, truncate, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MediaScratch, resolveMedia, sweepStaleScratch } from '../../activities/media';
import { openMediaLibrary } from '../../media';
import type { MediaReader } from '../../platforms/kit/adapter';
import { chunkRanges, LOAD_MAX_BYTES, READ_MAX_BYTES } from '../../platforms/kit/media-reader';
import { newMediaId } from '../../store/media-id';
import type { Store } from '../../store/types';
import { failureOf } from '../helpers/failure';
import { tempStore } from '../helpers/fixtures';

/** A ready library item of `size` bytes stored under `dir`'s media folder. */
async function libraryItem(
  store: Store,
  library: ReturnType<typeof openMediaLibrary>,
  bytes: Buffer | number,
) {
  const id = newMediaId();
  const key = `usr_r/${id}`;
  const size = typeof bytes === 'number' ? bytes : bytes.length;
  await library.storage.write(key, Readable.from([typeof bytes === 'number' ? Buffer.alloc(0) : bytes]));
  await store.media.create({
    id,
    userId: 'usr_r',
    filename: 'v.mp4',
    contentType: 'video/mp4',
    sizeBytes: size,
    status: 'ready',
    storageKey: key,
  });
  return { id, key };
}

describe('library media, read by range', () => {
  test('open() reads any range from storage; load() refuses a file past the in-memory cap unread', async () => {
    const { store, dir } = await tempStore();
    const library = openMediaLibrary({ home: dir, publicUrl: 'http://postflow.test' }, randomBytes(32));
    const bytes = randomBytes(3 * 1024 * 1024 + 17);
    const small = await libraryItem(store, library, bytes);
    // Sparse on disk: the size without the bytes.
    const big = await libraryItem(store, library, LOAD_MAX_BYTES + 1);
    await truncate(join(dir, 'media', big.key), LOAD_MAX_BYTES + 1);
    const deps = { store, library, allowPrivateUrls: false, scratch: new MediaScratch() };
    const [file, video] = await resolveMedia(
      [small, big].map((m) => ({ source_type: 'media_id' as const, source: m.id })),
      'usr_r',
      deps,
    );

    const reader = await file.open();
    expect(reader).toMatchObject({ size: bytes.length, contentType: 'video/mp4' });
    const pieces = [];
    for (const { start, end } of chunkRanges(reader.size, 1024 * 1024))
      pieces.push(await reader.read(start, end));
    expect(Buffer.concat(pieces).equals(bytes)).toBe(true);
    await expect(reader.read(0, bytes.length + 1)).rejects.toThrow(RangeError);
    expect((await file.load()).bytes.equals(bytes)).toBe(true);

    expect(await failureOf(video.load())).toMatchObject({
      code: 'publishing.media.too_large',
      caused_by: 'user',
      retryable: false,
    });
    const large = await video.open();
    expect(large.size).toBe(LOAD_MAX_BYTES + 1);
    await expect(large.read(0, READ_MAX_BYTES + 1)).rejects.toThrow(RangeError);
    expect((await large.read(LOAD_MAX_BYTES - 9, LOAD_MAX_BYTES + 1)).length).toBe(10);
    await store.close();
  });
});

describe('URL media, fetched to the worker disk', () => {
  let server: Server;
  let base = '';
  const requests: string[] = [];
  const body = randomBytes(2 * 1024 * 1024 + 5);
  /** The answer of `/stalled` once its first bytes are out: it sends no more until ended. */
  let stalled: ServerResponse | undefined;
  let huge: ServerResponse | undefined;

  beforeAll(async () => {
    server = createServer((req, res) => {
      requests.push(req.url ?? '');
      if (req.url === '/stalled') {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length });
        res.write(body.subarray(0, 1024));
        stalled = res;
        return;
      }
      if (req.url?.startsWith('/gone')) return void res.writeHead(404).end();
      if (req.url === '/huge') {
        // Announces more than load() holds; the body never comes (the download is refused first).
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': LOAD_MAX_BYTES + 1 });
        res.flushHeaders();
        huge = res;
        return;
      }
      if (req.url === '/moved') return void res.writeHead(302, { location: '/video.mp4' }).end();
      if (req.url === '/chunked') {
        // No Content-Length: the cap is enforced while streaming.
        res.writeHead(200, { 'content-type': 'video/mp4' });
        res.write(body);
        return void res.end(body);
      }
      res.writeHead(200, { 'content-type': 'video/mp4; codecs=avc1', 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => {
    stalled?.destroy();
    huge?.destroy();
    return new Promise((resolve) => server.close(resolve));
  });

  /**
   * `paths` on the test server as URL media of one activity step: resolved with a fresh store
   * and library, downloads going to a scratch folder under `root`.
   */
  async function urlMedia(paths: string[], maxFileBytes?: number) {
    const { store, dir } = await tempStore();
    const library = openMediaLibrary(
      { home: dir, publicUrl: 'http://postflow.test', ...(maxFileBytes ? { maxFileBytes } : {}) },
      randomBytes(32),
    );
    const root = join(dir, 'tmp');
    await mkdir(root);
    const scratch = new MediaScratch(new AbortController().signal, root);
    const files = await resolveMedia(
      paths.map((path) => ({ source_type: 'url' as const, source: `${base}${path}` })),
      'usr',
      { store, library, allowPrivateUrls: true, scratch },
    );
    return { files, scratch, root, store };
  }

  test('downloads once per activity however often opened, reads ranges from disk, leaves nothing behind', async () => {
    const {
      files: [file],
      scratch,
      root,
      store,
    } = await urlMedia(['/moved']);
    const before = requests.length;
    const [a, b] = await Promise.all([file.open(), file.open()]);
    expect(a).toBe(b);
    expect(requests.slice(before)).toEqual(['/moved', '/video.mp4']);
    expect(a).toMatchObject({ size: body.length, contentType: 'video/mp4' });
    const hash = createHash('sha256');
    for (const { start, end } of chunkRanges(a.size, 700_000)) hash.update(await a.read(start, end));
    expect(hash.digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    // Into a caller's buffer (an upload reusing one for all its chunks): the bytes land in it.
    const scratchBuffer = Buffer.alloc(700_000);
    const piece = await a.read(1_000, 701_000, scratchBuffer);
    expect(piece.buffer).toBe(scratchBuffer.buffer);
    expect(piece.byteOffset).toBe(scratchBuffer.byteOffset);
    expect(piece.equals(body.subarray(1_000, 701_000))).toBe(true);
    expect((await file.load()).bytes.equals(body)).toBe(true);
    expect(requests.length - before).toBe(2);
    expect((await readdir(root)).length).toBe(1);

    await scratch.dispose();
    expect(await readdir(root)).toEqual([]);
    await store.close();
  });

  test('the per-file limit cuts a download as it streams, with or without Content-Length', async () => {
    const { files, scratch, root, store } = await urlMedia(['/video.mp4', '/chunked'], body.length + 1);
    expect((await files[0].open()).size).toBe(body.length);
    expect(await failureOf(files[1].open())).toMatchObject({
      code: 'publishing.media.too_large',
      message: expect.stringContaining(String(body.length + 1)),
    });
    // The cut download's partial file is gone at once; the complete one stays for the step.
    const [folder] = await readdir(root);
    expect(await readdir(join(root, folder!))).toEqual(['url-1']);
    await scratch.dispose();
    expect(await readdir(root)).toEqual([]);
    await store.close();
  });

  test('two URLs opened at once download to files of their own', async () => {
    const { files, scratch, root, store } = await urlMedia(['/video.mp4', '/chunked']);
    const [single, double] = await Promise.all(files.map((file) => file.open()));
    const all = async (reader: MediaReader) =>
      Buffer.concat(
        await Promise.all(chunkRanges(reader.size, 1024 * 1024).map((r) => reader.read(r.start, r.end))),
      );
    expect((await all(single!)).equals(body)).toBe(true);
    expect((await all(double!)).equals(Buffer.concat([body, body]))).toBe(true);
    const [folder] = await readdir(root);
    expect((await readdir(join(root, folder!))).sort()).toEqual(['url-1', 'url-2']);
    await scratch.dispose();
    await store.close();
  });

  test('a step that ends mid-download stops it and leaves no file or folder behind', async () => {
    const {
      files: [file],
      scratch,
      root,
      store,
    } = await urlMedia(['/stalled']);
    const opening = failureOf(file!.open());
    // Under way: the download's file exists on disk.
    for (let i = 0; i < 500; i++) {
      const [folder] = await readdir(root);
      if (folder && (await readdir(join(root, folder))).length > 0) break;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await scratch.dispose();
    expect(await opening).toMatchObject({ code: 'publishing.media.fetch_failed' });
    expect(await readdir(root)).toEqual([]);
    // Opened again after the step: refused, and no new folder is made.
    expect(await failureOf(file!.open())).toMatchObject({ code: 'publishing.media.fetch_failed' });
    expect(await readdir(root)).toEqual([]);
    await store.close();
  });

  test('load() cuts a URL download at the in-memory cap; open() of the same file may fetch it whole', async () => {
    const {
      files: [huge, small],
      scratch,
      store,
    } = await urlMedia(['/huge', '/video.mp4']);
    expect(await failureOf(huge!.load())).toMatchObject({
      code: 'publishing.media.too_large',
      message: expect.stringContaining(`larger than ${LOAD_MAX_BYTES} bytes`),
    });
    // A file within the cap: loaded, and the same download serves open() (one request).
    const before = requests.length;
    expect((await small!.load()).bytes.equals(body)).toBe(true);
    expect((await small!.open()).size).toBe(body.length);
    expect(requests.length - before).toBe(1);
    await scratch.dispose();
    await store.close();
  });

  test("errors name a media URL without its query (a signed URL's signature)", async () => {
    const {
      files: [file],
      scratch,
      store,
    } = await urlMedia(['/gone.mp4?X-Amz-Signature=s3cr3t&token=t0k3n']);
    const failure = await failureOf(file!.open());
    expect(failure).toMatchObject({ code: 'publishing.media.unreachable', caused_by: 'user' });
    expect(failure.message).toContain(`${base}/gone.mp4`);
    expect(failure.message).not.toMatch(/s3cr3t|t0k3n/);
    await scratch.dispose();
    await store.close();
  });
});

test("a killed worker's scratch folders are swept once a day old; nothing else is touched", async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sweep-'));
  const old = new Date(Date.now() - 25 * 3_600_000);
  for (const name of ['postflow-media-old', 'postflow-media-new', 'other-old']) await mkdir(join(dir, name));
  await utimes(join(dir, 'postflow-media-old'), old, old);
  await utimes(join(dir, 'other-old'), old, old);
  // A link named like a scratch folder is not followed to the folder it points at.
  await symlink(join(dir, 'other-old'), join(dir, 'postflow-media-link'));
  await lutimes(join(dir, 'postflow-media-link'), old, old);
  expect(await sweepStaleScratch(dir)).toBe(1);
  expect((await readdir(dir)).sort()).toEqual(['other-old', 'postflow-media-link', 'postflow-media-new']);
  await rm(dir, { recursive: true });
});

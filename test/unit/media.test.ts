import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { MediaScratch, resolveMedia } from '../../activities/media';
import { PublishError } from '../../platforms/kit/adapter';
import { MediaTooLarge } from '../../media';
import { diskStorage } from '../../media/disk-storage';
import { MediaUrlSigner } from '../../media/signed-urls';
import { newMediaId } from '../../store/media-id';
import { tempMedia, tempStore } from '../helpers/fixtures';

describe('signed media URLs', () => {
  const signer = new MediaUrlSigner(randomBytes(32), 'https://postflow.example');
  const parts = (url: string) => Object.fromEntries(new URL(url).searchParams);

  test('grant exactly one method on one media until they expire', () => {
    const now = Date.now();
    const { url, expiresAt } = signer.url('PUT', 'm1', 60_000, now);
    expect(url.startsWith('https://postflow.example/media-files/m1?')).toBe(true);
    expect(Date.parse(expiresAt)).toBeGreaterThan(now);
    const { expires, signature } = parts(url);
    expect(signer.verify('PUT', 'm1', expires, signature, now)).toBe(true);
    expect(signer.verify('GET', 'm1', expires, signature, now)).toBe(false);
    expect(signer.verify('PUT', 'm2', expires, signature, now)).toBe(false);
    expect(signer.verify('PUT', 'm1', expires, signature, now + 61_000)).toBe(false);
    expect(signer.verify('PUT', 'm1', String(Number(expires) + 1), signature, now)).toBe(false);
    expect(signer.verify('PUT', 'm1', expires, undefined, now)).toBe(false);
  });

  test('made with another secret key are refused', () => {
    const other = new MediaUrlSigner(randomBytes(32), 'https://postflow.example');
    const { expires, signature } = parts(other.url('GET', 'm1', 60_000).url);
    expect(signer.verify('GET', 'm1', expires, signature)).toBe(false);
  });
});

describe('disk storage', () => {
  test('writes atomically, refuses past the limit without leaving a file, rejects unsafe keys', async () => {
    const { dir } = await tempStore();
    const storage = diskStorage(dir);
    expect(await storage.write('usr_1/a', Readable.from([Buffer.alloc(10)]))).toBe(10);
    expect(await storage.size('usr_1/a')).toBe(10);
    await expect(storage.write('usr_1/b', Readable.from([Buffer.alloc(11)]), 10)).rejects.toBeInstanceOf(
      MediaTooLarge,
    );
    expect(await storage.size('usr_1/b')).toBeUndefined();
    await expect(storage.write('../etc/passwd', Readable.from(['x']))).rejects.toThrow('Unsafe media key');
    await expect(storage.write('usr/..', Readable.from(['x']))).rejects.toThrow('Unsafe media key');
    expect(await storage.write('alice@example.com/m1', Readable.from([Buffer.alloc(3)]))).toBe(3);
    await storage.remove('usr_1/a');
    expect(await storage.read('usr_1/a')).toBeUndefined();
  });
});

describe("resolving a post's media at publish time", () => {
  test('refuses URLs into private networks unless allowed, and media deleted since creation', async () => {
    const { store, dir } = await tempStore();
    const deps = { store, library: tempMedia(dir), allowPrivateUrls: false, scratch: new MediaScratch() };
    const failure = async (promise: Promise<unknown>) => {
      const err = await promise.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(PublishError);
      return (err as PublishError).failure;
    };
    expect(
      await failure(resolveMedia([{ source_type: 'url', source: 'https://127.0.0.1/a.png' }], 'usr', deps)),
    ).toMatchObject({ code: 'publishing.media.url_refused', retryable: false, caused_by: 'user' });
    expect(
      await failure(resolveMedia([{ source_type: 'url', source: 'http://example.com/a.png' }], 'usr', deps)),
    ).toMatchObject({ code: 'publishing.media.url_refused', message: expect.stringContaining('https') });
    expect(
      await failure(resolveMedia([{ source_type: 'media_id', source: newMediaId() }], 'usr', deps)),
    ).toMatchObject({ code: 'media.not_found', retryable: false });
    await store.close();
  });
});

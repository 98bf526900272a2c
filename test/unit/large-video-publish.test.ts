import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { MediaScratch, resolveMedia } from '../../activities/media';
import { createYoutubeAdapter } from '../../platforms/google/youtube/adapter';
import { DEFAULT_CHUNK_BYTES } from '../../platforms/google/youtube/upload';
import { YoutubeFake } from '../../platforms/google/youtube/fake';
import type { MediaFile } from '../../platforms/kit/adapter';
import { openMediaLibrary } from '../../media';
import { newMediaId } from '../../store/media-id';
import { publishRequest, runDelivery } from '../contracts/run-delivery';
import { tempStore } from '../helpers/fixtures';

/** Large enough that buffering it whole would show in the worker's memory many times over. */
const SIZE = 512 * 1024 * 1024 + 12_345;
/**
 * What the process (worker and fake alike) may grow by while the file goes out: chunks in flight
 * and those the garbage collector has yet to free (about 100 MB measured), not the file.
 */
const GROWTH_MAX = 160 * 1024 * 1024;

/**
 * A library video of hundreds of MB, sparse on disk with random bytes at its start, middle and
 * end (so its hash says the bytes arrived in order), published to the YouTube fake through the
 * real media resolution: read a chunk at a time, never loaded whole.
 */
test('a 512 MB library video publishes to YouTube a chunk at a time, memory flat', async () => {
  const { store, dir } = await tempStore();
  const library = openMediaLibrary({ home: dir, publicUrl: 'http://postflow.test' }, randomBytes(32));
  const id = newMediaId();
  const key = `usr_big/${id}`;
  await library.storage.write(key, Readable.from([Buffer.alloc(0)]));
  const path = join(dir, 'media', key);
  const handle = await open(path, 'r+');
  for (const at of [0, Math.floor(SIZE / 2), SIZE - 1_000])
    await handle.write(randomBytes(1_000), 0, 1_000, at);
  await handle.truncate(SIZE);
  await handle.close();
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  const expected = hash.digest('hex');
  await store.media.create({
    id,
    userId: 'usr_big',
    filename: 'big.mp4',
    contentType: 'video/mp4',
    sizeBytes: SIZE,
    status: 'ready',
    storageKey: key,
  });

  const scratch = new MediaScratch();
  const [resolved] = await resolveMedia([{ source_type: 'media_id', source: id }], 'usr_big', {
    store,
    library,
    allowPrivateUrls: false,
    scratch,
  });
  let loads = 0;
  let peak = 0;
  const baseline = process.memoryUsage().rss;
  const file: MediaFile = {
    ...resolved,
    load: () => {
      loads += 1;
      return resolved.load();
    },
    // Memory is sampled at every chunk read: the moments a chunk is in memory.
    open: async () => {
      const reader = await resolved.open();
      return {
        size: reader.size,
        contentType: reader.contentType,
        read: async (start, end) => {
          const bytes = await reader.read(start, end);
          peak = Math.max(peak, process.memoryUsage().rss);
          return bytes;
        },
      };
    },
  };

  const fake = await new YoutubeFake().start();
  try {
    const adapter = createYoutubeAdapter({
      baseUrl: fake.url,
      env: {
        POSTFLOW_YOUTUBE_CLIENT_ID: fake.client.id,
        POSTFLOW_YOUTUBE_CLIENT_SECRET: fake.client.secret,
        POSTFLOW_YOUTUBE_TOKEN_URL: `${fake.url}/token`,
      },
    });
    const account = { id: 'acc_big', platform: 'youtube', name: 'Big', credentials: fake.credentials() };
    const content = { text: 'A long film', title: 'A long film', media: [file.ref] };
    const receipt = await runDelivery(adapter, publishRequest(account, content, {}, [file]));

    expect(loads).toBe(0);
    const chunks = fake.chunks;
    expect(chunks).toHaveLength(Math.ceil(SIZE / DEFAULT_CHUNK_BYTES));
    // Each range once, in order, all of it kept.
    chunks.forEach((c, i) =>
      expect([c.first, c.kept]).toEqual([i * DEFAULT_CHUNK_BYTES, c.last - c.first + 1]),
    );
    expect(chunks.reduce((sum, c) => sum + c.kept, 0)).toBe(SIZE);
    expect(fake.videos).toHaveLength(1);
    expect(fake.videos[0]).toMatchObject({ id: receipt.platformPostId, bytes: SIZE, sha256: expected });
    expect(peak - baseline).toBeLessThan(GROWTH_MAX);
  } finally {
    await fake.stop();
    await scratch.dispose();
    await store.close();
  }
}, 180_000);

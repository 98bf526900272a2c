import { randomBytes } from 'node:crypto';
import { createServer, type RequestListener } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { platformFetch } from '../../platforms/kit/http';
import { memoryReader, PIECE_BYTES, tooLargeToLoad } from '../../platforms/kit/media-reader';
import { streamedChunk, streamedFile, streamedForm } from '../../platforms/kit/streamed-form';
import { failureOf } from '../helpers/failure';

/** Everything a streamed body yields, as the server would receive it. */
async function collect(body: ReadableStream<Uint8Array>): Promise<Buffer> {
  const pieces: Uint8Array[] = [];
  for await (const piece of body) pieces.push(piece);
  return Buffer.concat(pieces);
}

describe('streamed request bodies', () => {
  const file = randomBytes(2 * PIECE_BYTES + 17);

  test('a form reads as multipart/form-data to a standard parser, its Content-Length exact', async () => {
    const reader = memoryReader(file, 'video/mp4');
    const { body, headers } = streamedForm(
      { key: 'uploads/a.mp4', policy: 'e30=', 'x-amz-signature': 'sig' },
      { field: 'file', filename: 'video', reader },
    );
    const raw = await collect(body);
    expect(Number(headers['content-length'])).toBe(raw.length);
    const form = await new Response(raw, {
      headers: { 'content-type': headers['content-type']! },
    }).formData();
    expect([...form.keys()]).toEqual(['key', 'policy', 'x-amz-signature', 'file']);
    expect(form.get('key')).toBe('uploads/a.mp4');
    const sent = form.get('file') as File;
    expect([sent.name, sent.type]).toEqual(['video', 'video/mp4']);
    expect(Buffer.from(await sent.arrayBuffer()).equals(file)).toBe(true);
  });

  test('a raw file body is the file, in pieces, with its type and length', async () => {
    let reads = 0;
    const reader = memoryReader(file, 'video/mp4');
    const counted = {
      ...reader,
      read: (start: number, end: number) => {
        reads += 1;
        return reader.read(start, end);
      },
    };
    const { body, headers } = streamedFile(counted);
    expect(headers).toEqual({ 'content-type': 'video/mp4', 'content-length': String(file.length) });
    expect((await collect(body)).equals(file)).toBe(true);
    expect(reads).toBe(3);
  });

  test('a chunk read into a scratch buffer: the bytes are the range, read into it until it is released', async () => {
    const reader = memoryReader(file, 'video/mp4');
    // A reader that can read into a buffer, as the library's disk reader does.
    const into = {
      ...reader,
      read: async (start: number, end: number, target?: Buffer) => {
        const bytes = await reader.read(start, end);
        if (!target) return Buffer.from(bytes);
        bytes.copy(target);
        return target.subarray(0, bytes.length);
      },
    };
    const scratch = Buffer.alloc(2 * PIECE_BYTES);
    const [start, end] = [5, 5 + PIECE_BYTES + 3];
    const whole = streamedChunk(into, start, end, scratch);
    expect(whole.headers['content-length']).toBe(String(end - start));
    const pieces: Uint8Array[] = [];
    for await (const piece of whole.body) pieces.push(piece);
    expect(Buffer.concat(pieces).equals(file.subarray(start, end))).toBe(true);
    expect(pieces.every((p) => p.buffer === scratch.buffer)).toBe(true);
    await whole.release();

    // Released after its first piece (the server answered early): nothing is read into the
    // scratch after its release resolves, and what is read then is the file's.
    const [from, to] = [0, 2 * PIECE_BYTES + 9];
    const lent = Buffer.alloc(to - from);
    const early = streamedChunk(into, from, to, lent);
    const reading = early.body.getReader();
    await reading.read();
    await early.release();
    lent.fill(0);
    const rest: Uint8Array[] = [];
    for (let next = await reading.read(); !next.done; next = await reading.read()) rest.push(next.value);
    expect(lent.every((b) => b === 0)).toBe(true);
    expect(Buffer.from(rest.at(-1)!).equals(file.subarray(2 * PIECE_BYTES, to))).toBe(true);
  });

  test("a file that fails while it streams fails the call with the media's own failure", async () => {
    const server = createServer((req, res) => {
      req.resume();
      req.on('end', () => res.end('{}'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const reader = memoryReader(file, 'video/mp4');
      const { body, headers } = streamedFile({
        ...reader,
        // The second piece: the stored file has gone (any PublishError a reader throws).
        read: (start: number, end: number) =>
          start === 0 ? reader.read(start, end) : Promise.reject(tooLargeToLoad('media_1', file.length)),
      });
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`;
      const failure = await failureOf(
        platformFetch(url, { method: 'POST', body, headers, duplex: 'half' } as RequestInit, {
          platform: 'slack',
          signal: new AbortController().signal,
          irreversible: true,
        }),
      );
      expect(failure).toMatchObject({
        code: 'publishing.media.too_large',
        caused_by: 'user',
        outcomeUnknown: false,
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  describe("a streamed upload's timeout counts from its last progress, not from its start", () => {
    /** A server for one test; its connections are cut when it closes. */
    async function serving(handler: RequestListener, run: (url: string) => Promise<void>) {
      const server = createServer(handler);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        await run(`http://127.0.0.1:${(server.address() as AddressInfo).port}/upload`);
      } finally {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
    const upload = (url: string, body: ReadableStream<Uint8Array>, headers: Record<string, string>) =>
      platformFetch(url, { method: 'PUT', body, headers, duplex: 'half' } as RequestInit, {
        platform: 'slack',
        signal: new AbortController().signal,
        irreversible: true,
        timeoutMs: 1_200,
      });

    test('an upload longer than the timeout goes through while its pieces keep going out', async () => {
      const big = randomBytes(3 * PIECE_BYTES + 1);
      const reader = memoryReader(big, 'video/mp4');
      // Four pieces, each read half a second after the one before: two seconds, past the timeout.
      const slow = {
        ...reader,
        read: (start: number, end: number) => delay(500).then(() => reader.read(start, end)),
      };
      let received = 0;
      await serving(
        (req, res) => {
          req.on('data', (piece: Buffer) => (received += piece.length));
          req.on('end', () => res.end('{"ok":true}'));
        },
        async (url) => {
          const { body, headers } = streamedFile(slow);
          const response = await upload(url, body, headers);
          expect(await response.json()).toEqual({ ok: true });
        },
      );
      expect(received).toBe(big.length);
    });

    test('an upload the platform stops taking fails as a timeout, its outcome unknown for the publish', async () => {
      const big = randomBytes(4 * PIECE_BYTES);
      await serving(
        (req) => req.pause(), // takes nothing and never answers
        async (url) => {
          const { body, headers } = streamedFile(memoryReader(big, 'video/mp4'));
          const failure = await failureOf(upload(url, body, headers));
          expect(failure).toMatchObject({
            code: 'platform.slack.timeout',
            retryable: true,
            outcomeUnknown: true,
          });
          expect(failure.message).toMatch(/took none of the upload, or did not answer it, for 1 s/);
        },
      );
    });
  });
});

import { randomBytes } from 'node:crypto';
import type { AdapterOptions, PlatformAdapter } from '../../platforms/kit/adapter';
import { failureOf } from '../helpers/failure';
import type { InstagramFake } from '../../platforms/meta/instagram/fake';
import { FakeUploads } from '../../platforms/meta/fake-uploads';
import { MetaGraphFake } from '../../platforms/meta/fake-graph';
import { png } from './instagram-subject';
import { MediaHost, publishRequest, runDelivery, testMediaFile, UploadSessions } from './run-delivery';

const MiB = 1024 * 1024;
const uploading = { POSTFLOW_META_VIDEO_SOURCE: 'upload' };

interface Flow<F extends InstagramFake> {
  platform: string;
  startFake(): Promise<F>;
  adapter(options: AdapterOptions): PlatformAdapter;
}

/**
 * Videos sent to Meta (`POSTFLOW_META_VIDEO_SOURCE=upload`), for one Instagram flow: the
 * container made with `upload_type=resumable`, the bytes POSTed to the `uri` it answered in
 * offset chunks, read from the file as they go; Postflow's URL never handed to Meta.
 */
export function instagramUploadSuite<F extends InstagramFake>(flow: Flow<F>): void {
  describe(`${flow.platform} videos by upload (POSTFLOW_META_VIDEO_SOURCE=upload)`, () => {
    let fake: F;
    const host = new MediaHost();
    const adapter = () => flow.adapter({ baseUrl: fake.url, timeoutMs: 5_000, env: uploading });
    const account = () => ({
      id: 'acc_ig',
      platform: flow.platform,
      name: 'IG',
      credentials: fake.credentials(),
    });
    // The URL Meta would pull from is one nobody can reach: an upload never hands it out.
    const video = (bytes: Buffer) =>
      testMediaFile(
        { contentType: 'video/mp4', bytes },
        { source_type: 'url', source: 'https://private.invalid/v.mp4' },
      );
    const reel = (bytes: Buffer, options: Record<string, unknown> = { content_type: 'reel' }) => {
      const file = video(bytes);
      return { file, req: publishRequest(account(), { text: 'Uploaded reel', media: [] }, options, [file]) };
    };
    const lastContainer = () => [...fake.containers.values()].at(-1)!;

    beforeAll(async () => {
      await host.start();
      fake = await flow.startFake();
    });
    afterAll(async () => {
      await fake.stop();
      await host.stop();
    });

    test('a 9 MiB reel: resumable container, three offset chunks each sent once, polled, published', async () => {
      const movie = randomBytes(9 * MiB + 321);
      const { file, req } = reel(movie);
      const receipt = await runDelivery(adapter(), req);
      const container = lastContainer();
      expect(container.params).toMatchObject({ media_type: 'REELS', upload_type: 'resumable' });
      expect(container.params.video_url).toBeUndefined();
      const upload = fake.uploads.files.get(container.id)!;
      expect(upload.ranges).toEqual([
        { start: 0, end: 4 * MiB },
        { start: 4 * MiB, end: 8 * MiB },
        { start: 8 * MiB, end: movie.length },
      ]);
      expect(upload.bytes.equals(movie)).toBe(true);
      expect(file.usage).toEqual({ loads: 0, opens: 1, reads: 3, bytesRead: movie.length });
      expect(fake.published.at(-1)).toMatchObject({ id: receipt.platformPostId, caption: 'Uploaded reel' });
    });

    test('a dropped connection mid-transfer: that chunk again from its offset, the answered ones never', async () => {
      const movie = randomBytes(9 * MiB);
      const chunks = { method: 'POST', path: /^\/ig-api-upload\//, withBody: true };
      // The second chunk's connection drops before rupload takes anything.
      fake.inject({ ...chunks, after: 1 }, { kind: 'reset' });
      await runDelivery(adapter(), reel(movie).req);
      const id = lastContainer().id;
      expect(fake.uploads.files.get(id)!.ranges.map((r) => r.start)).toEqual([0, 4 * MiB, 8 * MiB]);
      expect(fake.uploads.received(id)).toBe(movie.length);
      expect(fake.uploads.overlaps(id)).toBe(false);
      expect(fake.uploads.files.get(id)!.bytes.equals(movie)).toBe(true);

      // rupload took the second chunk but its answer was lost: Meta documents no way to ask what it
      // holds, so that chunk (only that one) goes again, to the same offset.
      fake.inject({ ...chunks, after: 1 }, { kind: 'lose-answer' });
      await runDelivery(adapter(), reel(movie).req);
      const again = lastContainer().id;
      expect(fake.uploads.files.get(again)!.ranges.map((r) => r.start)).toEqual([
        0,
        4 * MiB,
        4 * MiB,
        8 * MiB,
      ]);
      expect(fake.uploads.files.get(again)!.bytes.equals(movie)).toBe(true);
    });

    test('the last chunk taken but its answer lost: sent again to the same offset, then published once', async () => {
      const movie = randomBytes(5 * MiB);
      fake.inject(
        { method: 'POST', path: /^\/ig-api-upload\//, withBody: true, after: 1 },
        { kind: 'lose-answer' },
      );
      const before = fake.published.length;
      await runDelivery(adapter(), reel(movie).req);
      const id = lastContainer().id;
      expect(fake.uploads.files.get(id)!.ranges.map((r) => r.start)).toEqual([0, 4 * MiB, 4 * MiB]);
      expect(fake.uploads.files.get(id)!.bytes.equals(movie)).toBe(true);
      expect(fake.published).toHaveLength(before + 1);
    });

    const chunks = { method: 'POST', path: /^\/ig-api-upload\//, withBody: true };
    /**
     * Ends a prepare mid-transfer as a crash would: the `after`+1-th chunk is taken by rupload but
     * its answer is lost (a dropped connection), and the same chunk sent again meets throttling,
     * which goes back to the engine. The ledger then records the chunks answered before it.
     */
    const endMidTransfer = async (
      req: ReturnType<typeof reel>['req'],
      uploads: UploadSessions,
      after: number,
    ) => {
      fake.inject({ ...chunks, after }, { kind: 'lose-answer' });
      fake.inject(chunks, MetaGraphFake.error(400, 4, 'Application request limit reached'));
      expect(await failureOf(runDelivery(adapter(), req, uploads))).toMatchObject({ category: 'rate_limit' });
      return JSON.parse((await uploads.get('upl_prepare'))!) as Record<string, unknown>;
    };
    const containersSince = (before: number) => [...fake.containers.values()].slice(before);

    test('a prepare retried after its attempt ended mid-transfer goes on in the kept container from the last answered chunk', async () => {
      const movie = randomBytes(9 * MiB + 5);
      const { req } = reel(movie);
      const uploads = new UploadSessions();
      const before = fake.containers.size;
      const kept = await endMidTransfer(req, uploads, 1);
      const [container] = containersSince(before);
      expect(kept).toEqual({
        file: 0,
        size: movie.length,
        container: container!.id,
        uri: `${fake.url}/ig-api-upload/v25.0/${container!.id}`,
        acknowledged: 4 * MiB,
      });
      expect(uploads.progress.map((p) => p.offset)).toEqual([4 * MiB]);

      const receipt = await runDelivery(adapter(), req, uploads);
      // One container; only the chunk in flight when the attempt ended went twice, to its own offset.
      expect(containersSince(before)).toHaveLength(1);
      const upload = fake.uploads.files.get(container!.id)!;
      expect(upload.ranges.map((r) => r.start)).toEqual([0, 4 * MiB, 4 * MiB, 8 * MiB]);
      expect(upload.bytes.equals(movie)).toBe(true);
      expect(await uploads.get('upl_prepare')).toBeUndefined();
      expect(fake.published.at(-1)).toMatchObject({ id: receipt.platformPostId, caption: 'Uploaded reel' });
    });

    test('a carousel of two videos: the kept record names the second, which resumes; the first goes anew', async () => {
      const [first, second] = [randomBytes(MiB), randomBytes(6 * MiB)];
      const files = [video(first), video(second)];
      const req = publishRequest(
        account(),
        { text: 'Two clips', media: [] },
        { content_type: 'carousel' },
        files,
      );
      const uploads = new UploadSessions();
      const before = fake.containers.size;
      // The first video's one chunk, then the second's first, are answered; its second is not.
      const kept = await endMidTransfer(req, uploads, 2);
      const second1 = containersSince(before)[1]!;
      expect(kept).toMatchObject({
        file: 1,
        size: second.length,
        container: second1.id,
        acknowledged: 4 * MiB,
      });

      await runDelivery(adapter(), req, uploads);
      const children = containersSince(before).filter((c) => c.carouselItem);
      const parent = containersSince(before).find((c) => c.mediaType === 'CAROUSEL')!;
      // The first video again, in a new container (its record was forgotten once it was whole);
      // the second in the one the record kept.
      expect(children).toHaveLength(3);
      expect(parent.children).toEqual([children[2]!.id, second1.id]);
      expect(fake.uploads.files.get(children[2]!.id)!.bytes.equals(first)).toBe(true);
      expect(fake.uploads.files.get(second1.id)!.ranges.map((r) => r.start)).toEqual([0, 4 * MiB, 4 * MiB]);
      expect(fake.uploads.files.get(second1.id)!.bytes.equals(second)).toBe(true);
      expect(fake.published.at(-1)).toMatchObject({ mediaType: 'CAROUSEL_ALBUM', items: 2 });
      expect(await uploads.get('upl_prepare')).toBeUndefined();
    });

    test('a kept container Meta refuses (expired, or its bytes refused) is forgotten; one new container, from byte 0', async () => {
      for (const refuse of ['expired', 'bytes refused'] as const) {
        const movie = randomBytes(9 * MiB);
        const { req } = reel(movie);
        const uploads = new UploadSessions();
        const before = fake.containers.size;
        const kept = await endMidTransfer(req, uploads, 1);
        const stale = fake.containers.get(String(kept.container))!;
        if (refuse === 'expired')
          stale.createdAt -= 25 * 3_600_000; // a day unpublished: EXPIRED
        else
          fake.inject(
            chunks,
            FakeUploads.ruploadError(400, 'ProcessingFailedError', 'Request processing failed'),
          );

        await runDelivery(adapter(), req, uploads);
        const made = containersSince(before);
        expect(made).toHaveLength(2);
        expect(fake.uploads.files.get(made[1]!.id)!.ranges.map((r) => r.start)).toEqual([
          0,
          4 * MiB,
          8 * MiB,
        ]);
        expect(fake.uploads.files.get(made[1]!.id)!.bytes.equals(movie)).toBe(true);
        expect(made[1]!.status).toBe('PUBLISHED');
        expect(await uploads.get('upl_prepare')).toBeUndefined();
      }
    });

    test('images are still pulled; a carousel video and a story go by upload', async () => {
      const clip = video(randomBytes(MiB));
      const [image] = host.serve([png]);
      const req = publishRequest(account(), { text: 'Mixed', media: [] }, { content_type: 'carousel' }, [
        image!,
        clip,
      ]);
      await runDelivery(adapter(), req);
      const children = [...fake.containers.values()].filter((c) => c.carouselItem).slice(-2);
      expect(children[0]!.params.image_url).toMatch(/\.png$/);
      expect(children[1]!.params).toMatchObject({ media_type: 'VIDEO', upload_type: 'resumable' });
      expect(fake.uploads.received(children[1]!.id)).toBe(MiB);

      const story = reel(randomBytes(MiB), { content_type: 'stories' });
      await runDelivery(adapter(), story.req);
      expect(lastContainer().params).toMatchObject({ media_type: 'STORIES', upload_type: 'resumable' });
    });

    test("rupload's answers: a passing failure retried in place; a dead token, a refused file for good; throttling to the engine", async () => {
      const path = /^\/ig-api-upload\//;
      // A passing failure (retriable, or a 5xx) is retried in the step, from the same offset.
      fake.inject(
        { method: 'POST', path },
        FakeUploads.ruploadError(503, 'ServiceUnavailable', 'Try again', true),
      );
      await runDelivery(adapter(), reel(randomBytes(MiB)).req);
      expect(fake.uploads.received(lastContainer().id)).toBe(MiB);
      fake.inject(
        { method: 'POST', path },
        FakeUploads.ruploadError(401, 'AuthorizationError', 'Invalid OAuth access token.'),
      );
      expect(await failureOf(adapter().prepare!(reel(randomBytes(MiB)).req))).toMatchObject({
        category: 'auth',
        retryable: false,
      });
      fake.inject(
        { method: 'POST', path },
        FakeUploads.ruploadError(400, 'ProcessingFailedError', 'Request processing failed'),
      );
      expect(await failureOf(adapter().prepare!(reel(randomBytes(MiB)).req))).toMatchObject({
        category: 'validation',
        code: `platform.${flow.platform}.upload_rejected`,
        retryable: false,
        outcomeUnknown: false,
      });
      // Graph-shaped errors are read with the family's table: throttling goes back to the engine at once.
      fake.inject({ method: 'POST', path }, MetaGraphFake.error(400, 4, 'Application request limit reached'));
      expect(await failureOf(adapter().prepare!(reel(randomBytes(MiB)).req))).toMatchObject({
        category: 'rate_limit',
        retryable: true,
      });
    });

    test('rupload refuses a chunk without its offset headers, or one past the bytes it holds', async () => {
      const { req } = reel(randomBytes(MiB));
      const params = { media_type: 'REELS', upload_type: 'resumable' };
      const token = req.account.credentials.access_token!;
      const made = await fetch(`${fake.url}/v25.0/${fake.userId}/media`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(params),
      }).then((r) => r.json() as Promise<{ id: string; uri: string }>);
      const post = (headers: Record<string, string>) =>
        fetch(made.uri, {
          method: 'POST',
          headers: { authorization: `OAuth ${token}`, ...headers },
          body: 'abc',
        });
      const missing = await post({ offset: '0' });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ debug_info: { retriable: false } });
      const gap = await post({ offset: '10', file_size: '20' });
      expect(gap.status).toBe(400);
      expect(fake.uploads.received(made.id)).toBe(0);
    });

    test('the pull source is unchanged: video_url, no upload', async () => {
      const pulling = flow.adapter({ baseUrl: fake.url, timeoutMs: 5_000 });
      const [clip] = host.serve([{ contentType: 'video/mp4', bytes: randomBytes(1024) }]);
      await runDelivery(
        pulling,
        publishRequest(account(), { text: 'Pulled', media: [] }, { content_type: 'reel' }, [clip!]),
      );
      expect(lastContainer().params.video_url).toMatch(/^http/);
      expect(lastContainer().params.upload_type).toBeUndefined();
      expect(fake.uploads.files.has(lastContainer().id)).toBe(false);
    });

    test('a setting other than pull or upload stops the worker at start, naming it', () => {
      expect(() => flow.adapter({ env: { POSTFLOW_META_VIDEO_SOURCE: 'push' } })).toThrow(
        'POSTFLOW_META_VIDEO_SOURCE must be "pull" or "upload"; got "push".',
      );
    });
  });
}

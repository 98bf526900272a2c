import { randomBytes } from 'node:crypto';
import type { PlatformAdapter } from '../../platforms/kit/adapter';
import { createLinkedInAdapter } from '../../platforms/linkedin/adapter';
import { LinkedInFake } from '../../platforms/linkedin/fake';
import { publishRequest, testMediaFile, UploadSessions } from './run-delivery';

/**
 * LinkedIn's video upload in a prepare retried after its attempt died mid-upload (docs/platforms.md
 * "Uploads that survive a crash"): the kept upload goes on, sending only the parts LinkedIn has
 * not answered with an ETag; a kept upload LinkedIn refuses is replaced once.
 */
const CLIENT = { id: 'li-client', secret: 'li-secret' };
/** The fake's part size (LinkedIn: 4 MB), small so a few bytes make several parts. */
const PART = 16;

let fake: LinkedInFake;
let adapter: PlatformAdapter;
beforeAll(async () => {
  fake = await new LinkedInFake(CLIENT, PART).start();
  adapter = createLinkedInAdapter({ baseUrl: fake.url });
});
afterAll(() => fake.stop());

interface Kept {
  video: string;
  parts: Array<{ url: string; first: number; last: number }>;
  etags: Array<string | null>;
  expiresAt?: number;
}

let n = 0;
/** A member's prepare of one video of `parts` parts, and the ledger it keeps its upload in. */
function videoPrepare(parts: number) {
  const bytes = randomBytes(parts * PART - 3);
  const uploads = new UploadSessions();
  const ledger = uploads.ledger(`upl_li_${++n}`);
  const account = { id: 'acc_li', platform: 'linkedin', name: 'M', credentials: fake.credentials() };
  const req = publishRequest(account, { text: `Clip ${n}`, media: [] }, {}, [
    testMediaFile({ contentType: 'video/mp4', bytes }),
  ]);
  const kept = async () => JSON.parse((await ledger.session())!) as Kept;
  return { bytes, uploads, ledger, req, kept };
}

const since = (calls: number) => fake.requests.slice(calls);
/** Videos the fake holds: each `initializeUpload` makes one. */
const videos = () => [...fake.assets.values()].filter((a) => a.kind === 'video').length;
const videoPosts = (calls: number) =>
  since(calls).filter((r) => r.path === '/rest/videos' && r.method === 'POST').length;
const partPuts = (calls: number) =>
  since(calls)
    .filter((r) => r.method === 'PUT')
    .map((r) => r.path);
const pathOf = (url: string) => new URL(url).pathname;
const assetOf = (urn: string) => fake.assets.get(urn)!;
const heldBytes = (urn: string) => Buffer.concat([...assetOf(urn).parts.values()].map((p) => p.bytes!));
const preparedUrns = (prepared: unknown) =>
  ((prepared as { processing: { assets: Array<{ urn: string }> } }).processing.assets ?? []).map(
    (a) => a.urn,
  );

test('sends only the parts without an ETag, in the same upload, then finalizes and forgets it', async () => {
  const { bytes, uploads, ledger, req, kept } = videoPrepare(4);
  // The first attempt: LinkedIn takes the third part but its answer is lost, as when the worker dies.
  fake.inject({ method: 'PUT', path: /^\/dms-uploads\//, after: 2 }, { kind: 'lose-answer' });
  const before = videos();
  await expect(adapter.prepare!(req, ledger)).rejects.toThrow();
  const first = await kept();
  expect(first).toMatchObject({
    file: 0,
    size: bytes.length,
    video: expect.stringMatching(/^urn:li:video:/),
  });
  expect(first.etags).toEqual([expect.any(String), expect.any(String), null, null]);
  expect(uploads.progress.map((p) => p.offset)).toEqual([PART, 2 * PART]);

  // The retry: the same video, from the third part (sent again: its ETag was never recorded).
  const retried = fake.requests.length;
  const prepared = await adapter.prepare!(req, ledger);
  expect(partPuts(retried)).toEqual(first.parts.slice(2).map((p) => pathOf(p.url)));
  expect(videos() - before).toBe(1); // one initializeUpload in all
  expect(videoPosts(retried)).toBe(1); // the retry's finalize
  expect(preparedUrns(prepared)).toEqual([first.video]);
  // Each part PUT once but the one in flight, which LinkedIn took again in its place.
  const parts = [...assetOf(first.video).parts.values()];
  expect(parts.map((p) => p.puts)).toEqual([1, 1, 2, 1]);
  expect(heldBytes(first.video)).toEqual(bytes);
  expect(assetOf(first.video).status).toBe('PROCESSING'); // finalized with every part's latest ETag
  expect(await ledger.session()).toBeUndefined();
  expect(JSON.stringify(prepared)).not.toMatch(/https?:|dms-uploads/); // no upload URL in history
});

test('a kept upload whose video LinkedIn no longer has is forgotten and the file sent again in a new one, once', async () => {
  const { bytes, ledger, req, kept } = videoPrepare(3);
  fake.inject({ method: 'PUT', path: /^\/dms-uploads\//, after: 1 }, { kind: 'reset' });
  await expect(adapter.prepare!(req, ledger)).rejects.toThrow();
  const gone = await kept();
  fake.assets.delete(gone.video);

  const calls = fake.requests.length;
  const before = videos();
  const prepared = await adapter.prepare!(req, ledger);
  const [urn] = preparedUrns(prepared);
  expect(urn).not.toBe(gone.video);
  // One refused PUT to the kept upload, then one new initialize and its finalize.
  expect(partPuts(calls)[0]).toBe(pathOf(gone.parts[1]!.url));
  expect(videos() - before).toBe(1);
  expect(videoPosts(calls)).toBe(2);
  expect([...assetOf(urn!).parts.values()].map((p) => p.puts)).toEqual([1, 1, 1]);
  expect(heldBytes(urn!)).toEqual(bytes);
  expect(await ledger.session()).toBeUndefined();
});

test('a kept upload whose finalize LinkedIn refuses (an ETag it does not hold) is replaced once', async () => {
  const { bytes, ledger, req, kept } = videoPrepare(2);
  // The first attempt dies at finalize, every part answered.
  fake.inject({ method: 'POST', path: '/rest/videos', after: 1 }, { kind: 'reset' });
  await expect(adapter.prepare!(req, ledger)).rejects.toThrow();
  const stale = await kept();
  expect(stale.etags.every(Boolean)).toBe(true);
  await ledger.update(JSON.stringify({ ...stale, etags: ['/etag/stale', stale.etags[1]] }));

  const calls = fake.requests.length;
  const before = videos();
  const prepared = await adapter.prepare!(req, ledger);
  const [urn] = preparedUrns(prepared);
  expect(urn).not.toBe(stale.video);
  // The refused finalize, then one initialize and one finalize of the new upload; no part of the
  // kept upload sent again, every part of the new one once.
  expect(videos() - before).toBe(1);
  expect(videoPosts(calls)).toBe(3);
  expect(partPuts(calls).some((p) => stale.parts.some((s) => pathOf(s.url) === p))).toBe(false);
  expect([...assetOf(urn!).parts.values()].map((p) => p.puts)).toEqual([1, 1]);
  expect(heldBytes(urn!)).toEqual(bytes);
  expect(assetOf(stale.video).status).toBe('WAITING_UPLOAD');
});

test('a kept upload whose URLs expired, or of another file, is not used', async () => {
  for (const unusable of [{ expiresAt: Date.now() - 1 }, { size: 99 }]) {
    const { ledger, req } = videoPrepare(2);
    const record = { file: 0, size: 2 * PART - 3, video: 'urn:li:video:old', uploadToken: '', ...unusable };
    const parts = [{ url: `${fake.url}/dms-uploads/old`, first: 0, last: 15 }];
    await ledger.keep(JSON.stringify({ ...record, parts, etags: [null] }));
    const calls = fake.requests.length;
    await adapter.prepare!(req, ledger);
    expect(partPuts(calls)).not.toContain('/dms-uploads/old');
    expect(videoPosts(calls)).toBe(2); // a new initialize and its finalize
    expect(await ledger.session()).toBeUndefined();
  }
});

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MediaFile } from '../../activities/media';
import { loadWhole, memoryReader } from '../../platforms/kit/media-reader';
import {
  type AccountContext,
  type CommentRequest,
  isProcessing,
  type PlatformAdapter,
  type PublishRequest,
  type UploadLedger,
} from '../../platforms/kit/adapter';
import { needsPrepare, uploadStep } from '../../api/platform-steps';
import type { DeliveryReceipt, MediaRef, PostContent } from '../../api/types';

/** Processing checks a test delivery makes before it gives up. */
const MAX_POLLS = 50;
const POLL_PAUSE_MS = 5;

/**
 * The steps of one delivery as the workflow runs them (prepare → checks → publish → checks),
 * without Temporal: what an adapter does for one target, end to end against its fake.
 */
export async function runDelivery(
  adapter: PlatformAdapter,
  request: PublishRequest,
  uploads: UploadSessions = new UploadSessions(),
  /** The post sends its video as a file (`PostSpec.fileUploads` names the platform). */
  fileUpload = false,
): Promise<DeliveryReceipt> {
  const req: PublishRequest = { uploadSession: (key) => uploads.get(key), ...request };
  // Like the workflow: a prepare step with nothing to do is skipped (api/platform-steps.ts); a
  // platform whose upload ends in its publish call uploads in a step of its own first.
  const content = { ...req.content, media: req.media.map((file) => file.ref) };
  let prepared =
    uploadStep(req.target, content, fileUpload) === 'upload' && adapter.upload
      ? { ready: await adapter.upload(req, uploads.ledger('upl_contract')) }
      : needsPrepare(req.target, content)
        ? await adapter.prepare!(
            req,
            // As prepareTarget: a prepare that is the platform's upload step gets a ledger.
            uploadStep(req.target, content, fileUpload) === 'prepare'
              ? uploads.ledger('upl_prepare')
              : undefined,
          )
        : { ready: {} };
  for (let polls = 0; isProcessing(prepared); polls++) {
    if (polls >= MAX_POLLS) throw new Error('prepare never finished processing');
    await pause();
    prepared = await adapter.checkPrepared!(req, prepared.processing);
  }
  let published = await adapter.publish(req, prepared.ready);
  for (let polls = 0; isProcessing(published); polls++) {
    if (polls >= MAX_POLLS) throw new Error('publish never finished processing');
    await pause();
    published = await adapter.checkPublished!(req, published.processing);
  }
  return published;
}

/**
 * The upload step's sessions as the store keeps them, in memory: what `uploadTarget` gives an
 * adapter (activities/uploads.ts), with every offset it reported.
 */
export class UploadSessions {
  readonly sessions = new Map<string, string>();
  readonly progress: Array<{ key: string; offset: number; total: number }> = [];

  get(key: string): Promise<string | undefined> {
    return Promise.resolve(this.sessions.get(key));
  }

  ledger(key: string): UploadLedger {
    return {
      key,
      session: () => this.get(key),
      keep: (session) => {
        if (!this.sessions.has(key)) this.sessions.set(key, session);
        return Promise.resolve(this.sessions.get(key)!);
      },
      forget: () => {
        this.sessions.delete(key);
        return Promise.resolve();
      },
      update: (session) => {
        if (this.sessions.has(key)) this.sessions.set(key, session);
        return Promise.resolve();
      },
      progress: (offset, total) => void this.progress.push({ key, offset, total }),
    };
  }
}

const pause = () => new Promise((resolve) => setTimeout(resolve, POLL_PAUSE_MS));

export interface TestMedia {
  contentType: string;
  bytes: Buffer;
}

/**
 * Serves test media over HTTP, the way Postflow serves library media at its public URL, for
 * platforms that fetch media by URL (Instagram, Threads, Pinterest, TikTok pull).
 */
export class MediaHost {
  private readonly files = new Map<string, TestMedia>();
  /** Files served so far: each gets a path of its own, however many are served in one millisecond. */
  private served = 0;
  private server = createServer((req, res) => {
    const file = this.files.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file.contentType, 'content-length': file.bytes.length });
    res.end(file.bytes);
  });
  url = '';

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  /** The post's media as an adapter receives it: metadata, bytes on demand, a fetchable URL. */
  serve(media: TestMedia[]): MediaFile[] {
    return media.map((item, i) => {
      const path = `/media/${Date.now()}-${++this.served}-${i}${extension(item.contentType)}`;
      this.files.set(path, item);
      return testMediaFile(item, { source_type: 'url', source: `${this.url}${path}` });
    });
  }
}

/** A test media file, with what the adapter read of it: whole loads, opens, ranged reads and their bytes. */
export type CountedMediaFile = MediaFile & {
  usage: { loads: number; opens: number; reads: number; bytesRead: number };
};

/**
 * A media file over bytes in memory, as the activity layer hands one to an adapter (library
 * media knows its type and size), counting how the adapter reads it.
 */
export function testMediaFile(
  item: TestMedia,
  ref: MediaRef = { source_type: 'url', source: 'https://media.example/file' },
  known = true,
): CountedMediaFile {
  const usage = { loads: 0, opens: 0, reads: 0, bytesRead: 0 };
  const reader = memoryReader(item.bytes, item.contentType);
  return {
    ref,
    contentType: known ? item.contentType : null,
    sizeBytes: known ? item.bytes.length : null,
    usage,
    load: async () => {
      usage.loads += 1;
      return loadWhole(reader, ref.source);
    },
    open: async () => {
      usage.opens += 1;
      return {
        size: reader.size,
        contentType: reader.contentType,
        read: async (start, end) => {
          const bytes = await reader.read(start, end);
          usage.reads += 1;
          usage.bytesRead += bytes.length;
          return bytes;
        },
      };
    },
    publicUrl: async () => ref.source,
  };
}

function extension(contentType: string): string {
  return (
    { 'image/png': '.png', 'image/jpeg': '.jpg', 'video/mp4': '.mp4', 'image/gif': '.gif' }[contentType] ?? ''
  );
}

let refs = 0;

/** A publish request for one target, as the activity layer builds it. */
export function publishRequest(
  account: AccountContext,
  content: PostContent,
  options: Record<string, unknown>,
  media: MediaFile[],
  signal = new AbortController().signal,
): PublishRequest {
  refs += 1;
  const postId = `post_CONTRACT${Date.now()}${refs}`;
  return {
    postId,
    account,
    target: { accountId: account.id, platform: account.platform, options },
    content,
    media,
    ref: `${postId}/${account.id}`,
    since: new Date().toISOString(),
    signal,
  };
}

/** The first comment `text` under the post `req` published (`receipt`), as the activity builds it. */
export function commentRequest(req: PublishRequest, receipt: DeliveryReceipt, text: string): CommentRequest {
  return {
    postId: req.postId,
    account: req.account,
    target: req.target,
    text,
    post: receipt,
    ref: `${req.ref}/first-comment`,
    since: new Date(Date.now() - 1_000).toISOString(),
    signal: new AbortController().signal,
  };
}

/** A tiny valid PNG (1×1), the image every contract test uploads. */
export const PNG_1X1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** A few bytes labelled as MP4: fakes check types and sizes, never decode video. */
export const FAKE_MP4 = Buffer.concat([
  Buffer.from('0000001866747970', 'hex'),
  Buffer.from('mp42fake-video'),
]);

/** The URL of a loopback port nothing listens on (connections are refused). */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

import { FakePlatform, type FakeRequest, type FakeResponse } from '../kit/fake-platform';
import { NIP96_DOCUMENT } from './media-server';
import { checkHttpAuth, sha256Hex } from './nip98';

const API_PATH = '/api/v2/media';
/** The largest file the fake's free plan takes (`max_byte_size`). */
export const FAKE_MAX_BYTES = 64 * 1024;

interface StoredFile {
  bytes: Buffer;
  contentType: string;
  owner: string;
  alt?: string;
  /** Polls of `processing_url` left before the processing is over (Delayed Processing). */
  pollsLeft: number;
}

/**
 * A NIP-96 file storage server (with NIP-98 auth and NIP-94 answers) in memory:
 * `GET /.well-known/nostr/nip96.json` names `api_url`; `POST <api_url>` takes a multipart `file`
 * with `Authorization: Nostr <base64 event>`, checked as NIP-98 says (signature, kind 27235,
 * `created_at` within 60 s, `u` the request's URL, `method`, and the `payload` hash against the
 * file's); the file is named by its SHA-256 (`ox`), served at `/media/<hash>.<ext>`. Answers and
 * error bodies are NIP-96's: `{ status, message, nip94_event: { tags, content } }`, 201 for a new
 * file, 200 for one it had, 202 with `processing_url` when `processingPolls` is set, 400 for a bad
 * form or type, 401 for a bad authorization, 403 for a hash that does not match, 413 over
 * `max_byte_size`.
 */
export class NostrMediaServerFake extends FakePlatform {
  readonly files = new Map<string, StoredFile>();
  /** How many `processing_url` polls answer "processing" before the file is ready; 0: no delayed processing. */
  processingPolls = 0;

  constructor() {
    super('nostr-media');
    this.routes.push(
      { method: 'GET', path: NIP96_DOCUMENT, handle: () => ({ status: 200, body: this.document() }) },
      { method: 'POST', path: API_PATH, handle: (req) => this.upload(req) },
      {
        method: 'GET',
        path: /^\/api\/v2\/media\/processing\/(?<hash>[0-9a-f]{64})$/,
        handle: (_req, { hash }) => this.processing(hash!),
      },
      {
        method: 'GET',
        path: /^\/media\/(?<hash>[0-9a-f]{64})(?:\.\w+)?$/,
        handle: (_req, { hash }) => {
          const file = this.files.get(hash!);
          return file
            ? { status: 200, body: file.bytes, headers: { 'content-type': file.contentType } }
            : { status: 404, body: { status: 'error', message: 'File not found' } };
        },
      },
    );
  }

  /** The account's credential: the server's address. */
  get mediaServer(): string {
    return this.url;
  }

  /** The uploads, as a test reads them. */
  uploads(): Array<{ hash: string; contentType: string; size: number; alt?: string; owner: string }> {
    return [...this.files].map(([hash, f]) => ({
      hash,
      contentType: f.contentType,
      size: f.bytes.length,
      owner: f.owner,
      ...(f.alt ? { alt: f.alt } : {}),
    }));
  }

  private document() {
    return {
      api_url: `${this.url}${API_PATH}`,
      download_url: `${this.url}/media`,
      supported_nips: [94, 96, 98],
      content_types: ['image/*', 'video/*'],
      plans: { free: { name: 'Free', is_nip98_required: true, max_byte_size: FAKE_MAX_BYTES } },
    };
  }

  private upload(req: FakeRequest): FakeResponse {
    const query = req.query.toString();
    const url = `${this.url}${req.path}${query ? `?${query}` : ''}`;
    const auth = checkHttpAuth(String(req.headers.authorization ?? ''), url, req.method);
    if ('why' in auth) return error(401, `Unauthorized: ${auth.why}`);
    const file = req.body?.file as { contentType?: string; data: Buffer } | undefined;
    if (!file || typeof file !== 'object' || !Buffer.isBuffer(file.data))
      return error(400, 'Missing file field');
    if (file.data.length > FAKE_MAX_BYTES) return error(413, `File too large: max ${FAKE_MAX_BYTES} bytes`);
    const contentType = file.contentType ?? String(req.body.content_type ?? '');
    if (!/^(image|video)\//.test(contentType)) return error(400, `Unsupported content type ${contentType}`);
    const hash = sha256Hex(file.data);
    const payload = auth.event.tags.find((t) => t[0] === 'payload')?.[1];
    if (payload !== undefined && payload !== hash) {
      return error(403, 'Forbidden: file hash does not match the payload tag');
    }
    const existing = this.files.get(hash);
    if (!existing) {
      this.files.set(hash, {
        bytes: file.data,
        contentType,
        owner: auth.event.pubkey,
        ...(typeof req.body.alt === 'string' ? { alt: req.body.alt } : {}),
        pollsLeft: this.processingPolls,
      });
    }
    if (!existing && this.processingPolls > 0) {
      return {
        status: 202,
        body: {
          status: 'processing',
          message: 'Upload accepted, processing.',
          processing_url: `${this.url}${API_PATH}/processing/${hash}`,
          nip94_event: { tags: this.tagsOf(hash, false), content: '' },
        },
      };
    }
    return {
      status: existing ? 200 : 201,
      body: {
        status: 'success',
        message: 'Upload successful.',
        nip94_event: { tags: this.tagsOf(hash, true), content: '' },
      },
    };
  }

  private processing(hash: string): FakeResponse {
    const file = this.files.get(hash);
    if (!file) return error(404, 'No such upload');
    if (file.pollsLeft > 0) {
      file.pollsLeft -= 1;
      return { status: 200, body: { status: 'processing', message: 'Processing.', percentage: 50 } };
    }
    return {
      status: 201,
      body: {
        status: 'success',
        message: 'Processing done.',
        nip94_event: { tags: this.tagsOf(hash, true), content: '' },
      },
    };
  }

  /** NIP-94 tags of a stored file; `x` and `dim` only once processed (NIP-96 "Delayed Processing"). */
  private tagsOf(hash: string, processed: boolean): string[][] {
    const file = this.files.get(hash)!;
    const ext = file.contentType.split('/')[1]!.replace('jpeg', 'jpg');
    const dim = pngSize(file.bytes);
    return [
      ['url', `${this.url}/media/${hash}.${ext}`],
      ['ox', hash],
      ['m', file.contentType],
      ...(processed
        ? [
            ['x', hash],
            ['size', String(file.bytes.length)],
          ]
        : []),
      ...(processed && dim ? [['dim', dim]] : []),
    ];
  }
}

const error = (status: number, message: string): FakeResponse => ({
  status,
  body: { status: 'error', message },
});

/** A PNG's `<width>x<height>` from its IHDR chunk. */
function pngSize(bytes: Buffer): string | undefined {
  if (bytes.length < 24 || bytes.toString('latin1', 12, 16) !== 'IHDR') return undefined;
  return `${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`;
}

import type { FakeRequest, FakeResponse } from '../kit/fake-platform';

/** One file being uploaded to a Meta fake: what it declared, the bytes it holds, every range taken. */
export interface FakeUpload {
  /** The size the uploader declared (`file_length`, or rupload's `file_size` on the first request). */
  size: number | undefined;
  /** The bytes received so far, in place (a range sent again lands where its offset says). */
  bytes: Buffer;
  /** How many bytes, from 0, the fake holds. */
  held: number;
  /** Every range the fake took, in order: a test sees from it that no byte was sent twice. */
  ranges: Array<{ start: number; end: number }>;
  /** Set when the session or container is gone (expired): every request is refused. */
  expired?: boolean;
}

/**
 * What the Meta fakes share about byte uploads (Instagram's rupload, Facebook's Resumable Upload
 * API): the token from `Authorization: OAuth <token>` (the upload guides' form; Graph's Bearer
 * is not what they show), the bytes kept per upload, and the totals a test counts.
 */
export class FakeUploads {
  readonly files = new Map<string, FakeUpload>();

  open(key: string, size?: number): FakeUpload {
    const file: FakeUpload = { size, bytes: Buffer.alloc(0), held: 0, ranges: [] };
    this.files.set(key, file);
    return file;
  }

  /** Bytes the fake took for `key`, counting every range however often it came. */
  received(key: string): number {
    return (this.files.get(key)?.ranges ?? []).reduce((sum, r) => sum + (r.end - r.start), 0);
  }

  /** Whether any byte of `key` arrived twice. */
  overlaps(key: string): boolean {
    const ranges = [...(this.files.get(key)?.ranges ?? [])].sort((a, b) => a.start - b.start);
    return ranges.some((r, i) => i > 0 && r.start < ranges[i - 1]!.end);
  }

  /** The token of `Authorization: OAuth <token>`, if the request has one. */
  static oauthToken(req: FakeRequest): string | undefined {
    return /^OAuth (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
  }

  /** Puts `body` at `offset`: the file grows to hold it, and the held count follows. */
  static take(file: FakeUpload, offset: number, body: Buffer): void {
    const end = offset + body.length;
    if (file.bytes.length < end) {
      const grown = Buffer.alloc(Math.max(end, file.size ?? 0));
      file.bytes.copy(grown);
      file.bytes = grown;
    }
    body.copy(file.bytes, offset);
    file.held = Math.max(file.held, end);
    if (body.length) file.ranges.push({ start: offset, end });
  }

  /**
   * rupload's error answer: `{"debug_info": {retriable, type, message}}` (the shape rupload answers
   * in; the `type` names here are the fake's).
   */
  static ruploadError(status: number, type: string, message: string, retriable = false): FakeResponse {
    return { status, body: { debug_info: { retriable, type, message } } };
  }
}

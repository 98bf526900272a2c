import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

export type SignedMethod = 'GET' | 'PUT';

/**
 * Short-lived URLs to Postflow's own media endpoint (`/media-files/{id}`): a client uploads with
 * the PUT one without an API key, and platforms that fetch media by URL (Instagram, Threads) read
 * with the GET one. Signed with a key derived from POSTFLOW_SECRET_KEY, so every API and worker
 * process of a deployment makes and accepts the same URLs.
 */
export class MediaUrlSigner {
  private readonly key: Buffer;

  constructor(
    secretKey: Buffer,
    private readonly publicUrl: string,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secretKey, Buffer.alloc(0), 'postflow media urls', 32));
  }

  url(
    method: SignedMethod,
    mediaId: string,
    ttlMs: number,
    now = Date.now(),
  ): { url: string; expiresAt: string } {
    const expires = Math.floor((now + ttlMs) / 1000);
    const signature = this.sign(method, mediaId, expires);
    return {
      url: `${this.publicUrl}/media-files/${mediaId}?expires=${expires}&signature=${signature}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /** Whether a request's `expires` and `signature` grant `method` on `mediaId` now. */
  verify(
    method: SignedMethod,
    mediaId: string,
    expires: unknown,
    signature: unknown,
    now = Date.now(),
  ): boolean {
    if (typeof expires !== 'string' || typeof signature !== 'string' || !/^\d+$/.test(expires)) return false;
    if (Number(expires) * 1000 < now) return false;
    const expected = Buffer.from(this.sign(method, mediaId, Number(expires)));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  private sign(method: SignedMethod, mediaId: string, expires: number): string {
    return createHmac('sha256', this.key).update(`${method}\n${mediaId}\n${expires}`).digest('hex');
  }
}

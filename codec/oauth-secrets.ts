import { createCipheriv, createDecipheriv, createHash, createHmac, randomBytes } from 'node:crypto';

/**
 * The secrets of a pending OAuth connection, kept out of Temporal's history even unencrypted:
 * the PKCE code verifier is derived from the connection's id with Postflow's secret key (so it is
 * stored nowhere, and the API and the worker compute the same one), and the authorization code
 * travels to the workflow sealed with that key (AES-256-GCM).
 */
export class OAuthSecrets {
  private readonly verifierKey: Buffer;
  private readonly sealKey: Buffer;

  constructor(secretKey: Buffer) {
    // Separate keys for separate uses, derived from the one secret key.
    this.verifierKey = createHmac('sha256', secretKey).update('postflow oauth pkce').digest();
    this.sealKey = createHmac('sha256', secretKey).update('postflow oauth code').digest();
  }

  /** The connection's PKCE code verifier (RFC 7636: 43 characters of base64url). */
  verifier(connectionId: string): string {
    return createHmac('sha256', this.verifierKey).update(connectionId).digest('base64url');
  }

  /** Its S256 challenge, for the consent page. */
  challenge(connectionId: string): string {
    return createHash('sha256').update(this.verifier(connectionId)).digest('base64url');
  }

  seal(secret: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.sealKey, iv);
    const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
    return [iv, cipher.getAuthTag(), data].map((p) => p.toString('base64url')).join('.');
  }

  open(sealed: string): string {
    const [iv, tag, data] = sealed.split('.');
    if (!iv || !tag || data === undefined) throw new Error('Unreadable sealed OAuth secret.');
    const decipher = createDecipheriv('aes-256-gcm', this.sealKey, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString(
      'utf8',
    );
  }
}

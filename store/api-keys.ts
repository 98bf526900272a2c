import { createHash, randomBytes } from 'node:crypto';

/** API keys are stored as SHA-256 hashes: they are long random strings, so no salt or KDF is needed. */
export function hashApiKey(rawKey: string): string {
  return createHash('sha256').update(rawKey).digest('hex');
}

/** A new API key in the contract's format: `sapi_key_` + 62 hex characters. */
export function generateApiKey(): string {
  return `sapi_key_${randomBytes(31).toString('hex')}`;
}

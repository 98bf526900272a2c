import { createHmac } from 'node:crypto';

/**
 * The contract's webhook signature headers (§6): v1 signs the raw body, v2 signs
 * `<timestamp>.<raw body>` so a receiver can refuse replays older than a few minutes.
 */
export function signatureHeaders(secret: string, body: string, timestamp: number): Record<string, string> {
  const sign = (data: string) => `sha256=${createHmac('sha256', secret).update(data).digest('hex')}`;
  return {
    'X-SocialAPI-Signature': sign(body),
    'X-SocialAPI-Signature-V2': sign(`${timestamp}.${body}`),
    'X-SocialAPI-Timestamp': String(timestamp),
  };
}

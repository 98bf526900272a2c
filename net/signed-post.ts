import { outboundDispatcher, withDispatcher } from './guard';
import { signatureHeaders } from './webhook-signature';

/** A receiver has this long to answer 2xx (contract §6). */
const ANSWER_WITHIN_MS = 10_000;

/**
 * POSTs a signed webhook body (an event, or the `webhook.test` ping); resolves with the status
 * code, or throws on a network failure. Shared by the delivery activity and the webhook service's
 * test ping, so it lives below both.
 */
export async function postSigned(
  url: string,
  secret: string,
  body: string,
  headers: Record<string, string>,
  allowPrivateUrls: boolean,
): Promise<number> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...headers,
      ...signatureHeaders(secret, body, Math.floor(Date.now() / 1000)),
    },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
    ...withDispatcher(outboundDispatcher(allowPrivateUrls)),
  });
  await response.arrayBuffer().catch(() => undefined);
  return response.status;
}

import type { Stack } from './stack';

/** A workflow's history as text, payloads decoded, so that a secret in one would show. */
export async function historyText(stack: Stack, workflowId: string): Promise<string> {
  const history = await stack.client.workflow.getHandle(workflowId).fetchHistory();
  // Payload data comes as bytes or as base64 text, depending on how the history was read.
  return JSON.stringify(history, (key, v: unknown) =>
    v instanceof Uint8Array
      ? Buffer.from(v).toString('utf8')
      : key === 'data' && typeof v === 'string'
        ? Buffer.from(v, 'base64').toString('utf8')
        : v,
  );
}

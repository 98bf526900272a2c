import type { Stack } from './stack';

/** `POST /v1/posts/import` of a CSV file, with the query (`?dry_run=true`…) if any. */
export const importCsv = (stack: Stack, text: string, query = '') =>
  stack.request('POST', `/v1/posts/import${query}`, text, { 'content-type': 'text/csv' });

/** Polls an import until it is done; its report is checked against the OpenAPI schema by `check`. */
export async function importFinished(
  stack: Stack,
  check: (name: string, value: unknown) => void,
  id: string,
  timeoutMs = 90_000,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status, body } = await stack.request('GET', `/v1/posts/imports/${id}`);
    expect(status).toBe(200);
    if (body.status === 'done') {
      check('ImportReport', body);
      return body;
    }
    if (Date.now() > deadline) throw new Error(`import ${id} is not done: ${JSON.stringify(body.counts)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

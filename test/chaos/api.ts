import type { Stack } from '../helpers/stack';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  body: any;
}

/**
 * One HTTP call to the stack's API, as a client makes it: with a timeout, and a network error or
 * a timeout reported as status 0 instead of thrown (the caller decides whether to try again).
 */
export async function callApi(
  stack: Stack,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
  timeoutMs = 30_000,
): Promise<ApiAnswer> {
  try {
    const response = await fetch(`${stack.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${stack.apiKey}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...headers,
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : undefined };
  } catch (err) {
    return { status: 0, headers: new Headers(), body: { error: String(err) } };
  }
}

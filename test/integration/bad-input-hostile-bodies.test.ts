import { rawRequest, type RawResponse } from '../helpers/raw-http';
import { inMinutes } from '../helpers/fixtures';
import { Stack } from '../helpers/stack';

/**
 * Hostile requests to the real API, sent as raw bytes (issue #6 "Bad input"): each is answered
 * with a 4xx in the contract's error envelope, and the API still answers /healthz afterwards.
 */

let stack: Stack;
let account: string;

beforeAll(async () => {
  stack = await new Stack().start();
  account = await stack.createSandboxAccount();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

const BODY_LIMIT = 1024 * 1024;

function post(
  path: string,
  body: Buffer,
  headers: Record<string, string | number> = {},
  options: { waitForContinue?: boolean } = {},
): Promise<RawResponse> {
  const all = {
    host: '127.0.0.1',
    authorization: `Bearer ${stack.apiKey}`,
    'content-type': 'application/json',
    'content-length': body.length,
    ...headers,
  };
  const head = `POST ${path} HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
  return rawRequest(stack.apiPort, head, body, options);
}

/** Sent as curl sends large bodies: the body follows only the server's "100 Continue". */
function postExpectingContinue(path: string, body: Buffer, headers: Record<string, string> = {}) {
  return post(path, body, { expect: '100-continue', ...headers }, { waitForContinue: true });
}

/** A 4xx whose body is the contract's envelope with `code`; the API is still up afterwards. */
async function expectRefused(response: RawResponse, status: number, code: RegExp) {
  expect(response.status).toBe(status);
  const body = JSON.parse(response.body);
  expect(body).toEqual({
    error: expect.objectContaining({ code: expect.stringMatching(code), message: expect.any(String) }),
    code: expect.any(String),
    message: expect.any(String),
    request_id: expect.stringMatching(/^[a-zA-Z0-9_-]+$/),
  });
  const health = await fetch(`${stack.baseUrl}/healthz`);
  expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
}

test('a body over the 1 MB limit: 413 validation.body_too_large', async () => {
  // Sent whole at once, the answer can be lost to a reset: the server closes the connection
  // without reading the rest, as every server must (the client is told "connection: close").
  const body = Buffer.from(JSON.stringify({ account_ids: [account], text: 'x'.repeat(BODY_LIMIT) }));
  const answer = await postExpectingContinue('/v1/posts', body);
  await expectRefused(answer, 413, /^validation\.body_too_large$/);
  expect(answer.continued).toBe(false);
});

test('Expect: 100-continue: the body is asked for only after authentication and within the limit', async () => {
  // Scheduled, so the answer does not wait for a publish (the raw client's limit is 30 s).
  const small = Buffer.from(
    JSON.stringify({ account_ids: [account], text: 'continued', scheduled_at: inMinutes(60) }),
  );
  const created = await postExpectingContinue('/v1/posts', small);
  expect([created.status, created.continued]).toEqual([201, true]);
  expect(JSON.parse(created.body)).toMatchObject({ text: 'continued', status: 'scheduled' });
  const unauthenticated = await postExpectingContinue('/v1/posts', small, { authorization: 'Bearer nope' });
  await expectRefused(unauthenticated, 401, /^auth\./);
  expect(unauthenticated.continued).toBe(false);
});

test('JSON nested 10,000 deep, as the body and inside platform_options: 400', async () => {
  const deep = '['.repeat(10_000) + ']'.repeat(10_000);
  await expectRefused(await post('/v1/posts', Buffer.from(deep)), 400, /^validation\./);
  const inOptions = `{"account_ids":["${account}"],"text":"deep","platform_options":{"sandbox":${deep}}}`;
  const answer = await post('/v1/posts', Buffer.from(inOptions));
  await expectRefused(answer, 400, /^validation\./);
  expect(JSON.parse(answer.body).error.meta.field).toMatch(/^platform_options\.sandbox/);
});

test('invalid UTF-8 in a JSON body: 400 validation.body_invalid', async () => {
  const body = Buffer.concat([
    Buffer.from(`{"account_ids":["${account}"],"text":"caf`),
    Buffer.from([0xc3, 0x28, 0xff, 0xfe]),
    Buffer.from('"}'),
  ]);
  const answer = await post('/v1/posts', body);
  await expectRefused(answer, 400, /^validation\.body_invalid$/);
  expect(JSON.parse(answer.body).error.message).toMatch(/UTF-8/);
});

test('an array of 1,000,000 account ids: 413; 80,000 of them under the limit: 400 at once', async () => {
  const ids = (n: number) => Array.from({ length: n }, (_, i) => `acc_${i}`);
  const million = Buffer.from(JSON.stringify({ account_ids: ids(1_000_000), text: 'x' }));
  await expectRefused(await postExpectingContinue('/v1/posts', million), 413, /^validation\.body_too_large$/);
  // Under the byte limit the schema refuses it (at most 100) before any account is looked up.
  const many = Buffer.from(JSON.stringify({ account_ids: ids(80_000), text: 'x' }));
  expect(many.length).toBeLessThan(BODY_LIMIT);
  const answer = await post('/v1/posts', many);
  await expectRefused(answer, 400, /^validation\./);
  expect(JSON.parse(answer.body).error.meta.field).toBe('account_ids');
});

test('a header of 64 KB: 431 in the envelope', async () => {
  const answer = await post('/v1/posts', Buffer.from('{}'), { 'x-padding': 'a'.repeat(64 * 1024) });
  await expectRefused(answer, 431, /^validation\.headers_too_large$/);
});

test('a wrong content type: 415', async () => {
  const answer = await post('/v1/posts', Buffer.from('<post><text>hi</text></post>'), {
    'content-type': 'application/xml',
  });
  await expectRefused(answer, 415, /^validation\.body_invalid$/);
});

test('a truncated body: malformed JSON is 400; a body shorter than its Content-Length is 400', async () => {
  const json = `{"account_ids":["${account}"],"text":"cut he`;
  await expectRefused(await post('/v1/posts', Buffer.from(json)), 400, /^validation\.body_invalid$/);
  // The client stops sending half-way and closes its side: the server must not wait forever.
  const full = Buffer.from(`{"account_ids":["${account}"],"text":"never finished"}`);
  const head =
    `POST /v1/posts HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${stack.apiKey}\r\n` +
    `content-type: application/json\r\ncontent-length: ${full.length}\r\n\r\n`;
  const answer = await rawRequest(stack.apiPort, head, full.subarray(0, 20), { endEarly: true });
  await expectRefused(answer, 400, /^validation\./);
});

test('after all of it, the API still creates a post', async () => {
  const { status } = await stack.request('POST', '/v1/posts', { account_ids: [account], text: 'still here' });
  expect(status).toBe(201);
});

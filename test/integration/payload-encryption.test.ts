import { temporal } from '@temporalio/proto';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { inDays } from '../helpers/fixtures';
import { WebhookReceiver } from '../helpers/receiver';
import { Stack } from '../helpers/stack';

/**
 * Issue #6: what Postflow writes into Temporal. Raw histories are read with a client that has no
 * codec and searched byte by byte. Credentials, tokens, API keys and webhook secrets never appear;
 * with POSTFLOW_PAYLOAD_KEYS the post text and failure messages do not either. Then the codec
 * endpoint the Temporal UI calls, and key rotation across a restart.
 */
let stack: Stack;
const receiver = new WebhookReceiver();
const UI_ORIGIN = 'http://temporal-ui.test:8233';
const keyA = `A:${randomBytes(32).toString('base64')}`;
const keyB = `B:${randomBytes(32).toString('base64')}`;

beforeAll(async () => {
  await receiver.start();
  stack = await new Stack({
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_CODEC_CORS_ORIGINS: UI_ORIGIN,
  }).start();
});

afterAll(async () => {
  await stack?.stop();
  await receiver.stop();
});

/** Stops the worker and the API and starts them again with `env` (payload keys) on the same ports. */
async function restartWith(env: Record<string, string>): Promise<void> {
  const stop = (child: ChildProcess | undefined) =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  await Promise.all([stop(stack.api), stop(stack.worker)]);
  stack.worker = await stack.spawnNode([stack.cli, 'worker'], 'worker', /Worker polling/, env);
  stack.api = await stack.spawnNode([stack.cli, 'api'], 'api', /HTTP API on/, env);
}

interface Phase {
  started: Date;
  /** Strings that must never be in history. */
  secrets: string[];
  /** Post text and a failure message quoting the platform, in history only without encryption. */
  content: string[];
  postIds: string[];
}

/**
 * Everything that puts data into history: an account with credentials whose token is refreshed,
 * a webhook with its secret, a post published now, one scheduled then edited and published, one
 * that fails with the platform's message, and the webhook deliveries of their events.
 */
async function exercise(tag: string): Promise<Phase> {
  const started = new Date();
  const word = (name: string) => `${name}${tag}${randomBytes(4).toString('hex')}`;
  const credentials = {
    access_token: word('accesstoken'),
    refresh_token: word('refreshtoken'),
  };
  const account = await stack.request('POST', '/v1/accounts', {
    platform: 'sandbox',
    name: 'secrets',
    credentials,
  });
  expect(account.status).toBe(201);
  const hook = await stack.request('POST', '/v1/webhooks', {
    url: receiver.url,
    events: ['post.scheduled', 'post.updated', 'post.published', 'post.failed'],
  });
  expect(hook.status).toBe(201);
  const userKey = stack.keyForUser(`usr_${tag}`);

  const [nowText, scheduledText, editedText, failingText] = ['now', 'scheduled', 'edited', 'failing'].map(
    (w) => `${word(w)} zebra quokka`,
  );
  const options = (failure: string) => ({ sandbox: { failure } });
  const now = await stack.request('POST', '/v1/posts', {
    account_ids: [account.body.id],
    text: nowText,
    platform_options: options('auth_expired'),
  });
  expect([now.status, now.body.status]).toEqual([201, 'published']);
  const later = await stack.request('POST', '/v1/posts', {
    account_ids: [account.body.id],
    text: scheduledText,
    scheduled_at: inDays(3),
  });
  expect((await stack.request('PATCH', `/v1/posts/${later.body.id}`, { text: editedText })).status).toBe(200);
  expect((await stack.request('POST', `/v1/posts/${later.body.id}/publish`)).status).toBe(201);
  const failing = await stack.request('POST', '/v1/posts', {
    account_ids: [account.body.id],
    text: failingText,
    platform_options: options('validation'),
  });
  expect(failing.status).toBe(422);
  const postIds = [now.body.id, later.body.id, failing.body.error.meta.post_id];
  await stack.waitForPost(later.body.id, (p) => p.status === 'published');
  // Every post's final event reached the receiver through its webhook delivery workflow.
  for (const id of postIds) {
    await until(() =>
      receiver.received.some((r) => r.body.includes(id) && /post\.(published|failed)/.test(r.body)),
    );
  }
  return {
    started,
    postIds,
    secrets: [
      credentials.access_token,
      credentials.refresh_token,
      // The refreshed token the sandbox made (sbx_tok_<ulid>) is never in history either.
      'sbx_tok_',
      hook.body.secret,
      stack.apiKey,
      userKey,
    ],
    content: [nowText, scheduledText, editedText, failingText, 'injected validation failure'],
  };
}

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      const events = receiver.received.map((r) => `${r.json?.event} ${r.json?.data?.post_id}`);
      throw new Error(`timed out waiting; webhooks received: ${events.join(', ')}\n${stack.logs()}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The raw histories (protobuf bytes, nothing decoded) of every workflow started in a phase. */
async function rawHistories(phase: Phase): Promise<Map<string, { bytes: Buffer; history: unknown }>> {
  const query = `StartTime >= '${phase.started.toISOString()}'`;
  const ids = new Set<string>();
  await until(async () => {
    for await (const execution of stack.client.workflow.list({ query })) ids.add(execution.workflowId);
    const types = new Set<string>();
    for await (const execution of stack.client.workflow.list({ query })) types.add(execution.type);
    return phase.postIds.every((id) => ids.has(id)) && types.has('deliverWebhook');
  });
  const histories = new Map<string, { bytes: Buffer; history: unknown }>();
  for (const id of ids) {
    const history = await stack.client.workflow.getHandle(id).fetchHistory();
    histories.set(id, {
      bytes: Buffer.from(temporal.api.history.v1.History.encode(history).finish()),
      history,
    });
  }
  return histories;
}

/** Which of `needles` occur in any history, as `<needle> in <workflow id>`. */
function found(histories: Map<string, { bytes: Buffer }>, needles: string[]): string[] {
  return [...histories].flatMap(([id, { bytes }]) =>
    needles.filter((n) => bytes.includes(Buffer.from(n))).map((n) => `${n} in ${id}`),
  );
}

/** The `encryption-key-id` of every encrypted payload in a history. */
function keyIds(history: unknown): Set<string> {
  const ids = new Set<string>();
  const walk = (value: unknown): void => {
    if (!value || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
    const metadata = (value as { metadata?: Record<string, Uint8Array> }).metadata;
    const id = metadata?.['encryption-key-id'];
    if (id) ids.add(Buffer.from(id).toString());
    for (const child of Object.values(value)) walk(child);
  };
  walk(history);
  return ids;
}

let encryptedPhase: Phase;

test('without payload keys: histories hold post text, but never a credential, token, API key or webhook secret', async () => {
  const phase = await exercise('plain');
  const histories = await rawHistories(phase);
  // The check finds what is there: the text is in clear without encryption.
  expect(found(histories, [phase.content[0], phase.content[2]])).not.toEqual([]);
  expect(found(histories, ['injected validation failure'])).not.toEqual([]);
  expect(found(histories, phase.secrets)).toEqual([]);
});

test('with POSTFLOW_PAYLOAD_KEYS: no post text, failure message or secret in any history; text search is refused', async () => {
  await restartWith({ POSTFLOW_PAYLOAD_KEYS: keyA });
  // Log lines are JSON: the key id's quotes arrive escaped.
  expect(stack.logs()).toMatch(/payloads encrypted with key \\?"A\\?"/);
  expect(stack.logs()).not.toContain(keyA.slice(2));
  encryptedPhase = await exercise('sealed');
  const histories = await rawHistories(encryptedPhase);
  expect(found(histories, [...encryptedPhase.content, ...encryptedPhase.secrets])).toEqual([]);
  for (const [id, { history }] of histories) expect([id, [...keyIds(history)]]).toEqual([id, ['A']]);

  // Search attributes are not encrypted, so the text is not indexed, and search says so.
  const search = await stack.request('GET', '/v1/posts?search=zebra');
  expect(search.status).toBe(400);
  expect(search.body.error).toMatchObject({
    code: 'validation.field_invalid',
    meta: { field: 'search' },
    message: expect.stringContaining('payload encryption'),
  });
  // Every other filter still works, and the API reads the encrypted posts back.
  await until(async () => {
    const listed = await stack.request('GET', '/v1/posts?status=published&limit=100');
    return encryptedPhase.postIds.slice(0, 2).every((id) => listed.body.data.some((p: any) => p.id === id));
  });
  expect((await stack.request('GET', `/v1/posts/${encryptedPhase.postIds[1]}`)).body.text).toBe(
    encryptedPhase.content[2],
  );
});

test('the codec endpoint decodes and encodes for holders of a payloads:decode key, and refuses everyone else', async () => {
  const id = encryptedPhase.postIds[1];
  const history = await stack.client.workflow.getHandle(id).fetchHistory();
  const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0];
  const asJson = (p: typeof input) => ({
    metadata: Object.fromEntries(
      Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    ),
    data: Buffer.from(p.data ?? []).toString('base64'),
  });
  const codec = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${stack.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-namespace': 'default', ...headers },
      body: JSON.stringify(body),
    });
  // Operators mint a codec key on purpose; the stack's own key (POSTFLOW_API_KEY) is a user's.
  const operatorKey = JSON.parse(stack.runCli('keys', 'create', '--scopes', 'payloads:decode').stdout).key;
  const bearer = { authorization: `Bearer ${operatorKey}` };

  const decoded = await codec('/codec/decode', { payloads: [asJson(input)] }, bearer);
  expect(decoded.status).toBe(200);
  const [plain] = ((await decoded.json()) as any).payloads;
  expect(Buffer.from(plain.metadata.encoding, 'base64').toString()).toBe('json/plain');
  const spec = JSON.parse(Buffer.from(plain.data, 'base64').toString());
  expect(spec).toMatchObject({ id, content: { text: encryptedPhase.content[1] } });

  const encoded = (await (await codec('/codec/encode', { payloads: [plain] }, bearer)).json()) as any;
  expect(Buffer.from(encoded.payloads[0].metadata.encoding, 'base64').toString()).toBe('binary/encrypted');
  expect(Buffer.from(encoded.payloads[0].data, 'base64').includes(encryptedPhase.content[1])).toBe(false);
  const again = (await (await codec('/codec/decode', encoded, bearer)).json()) as any;
  expect(again.payloads).toEqual([plain]);

  // A UI that cannot send the header puts a codec-only key in the endpoint's path.
  const codecOnly = JSON.parse(stack.runCli('keys', 'create', '--scopes', 'payloads:decode').stdout).key;
  const byPath = await codec(`/codec/${codecOnly}/decode`, { payloads: [asJson(input)] }, {});
  expect(((await byPath.json()) as any).payloads).toEqual([plain]);

  const refusals: [string, Record<string, string>, number, string][] = [
    ['/codec/decode', {}, 401, 'auth.unauthorized'],
    ['/codec/decode', { authorization: 'Bearer sapi_key_wrong' }, 401, 'auth.invalid_key'],
    ['/codec/sapi_key_wrong/decode', {}, 401, 'auth.invalid_key'],
    // Keys made without --scopes, and the bootstrap POSTFLOW_API_KEY, get every scope but this one.
    ['/codec/decode', { authorization: `Bearer ${stack.apiKey}` }, 403, 'auth.insufficient_scope'],
    [
      '/codec/decode',
      { authorization: `Bearer ${stack.keyForUser('usr_default')}` },
      403,
      'auth.insufficient_scope',
    ],
    [
      '/codec/encode',
      { authorization: `Bearer ${stack.keyForUser('usr_default')}` },
      403,
      'auth.insufficient_scope',
    ],
  ];
  for (const [path, headers, status, code] of refusals) {
    const res = await codec(path, { payloads: [asJson(input)] }, headers);
    const body = (await res.json()) as any;
    expect([path, res.status, body.error.code]).toEqual([path, status, code]);
    expect(JSON.stringify(body)).not.toContain(encryptedPhase.content[1]);
  }
  expect((await codec('/codec/decode', { nope: 1 }, bearer)).status).toBe(400);

  // CORS: the Temporal UI's origin may call it from the browser, other origins may not.
  const preflight = (origin: string) =>
    fetch(`${stack.baseUrl}/codec/decode`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-namespace',
      },
    });
  const allowed = await preflight(UI_ORIGIN);
  expect(allowed.status).toBe(204);
  expect(allowed.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
  expect(allowed.headers.get('access-control-allow-headers')).toContain('authorization');
  expect((await preflight('https://evil.example')).headers.get('access-control-allow-origin')).toBeNull();
  const answered = await codec(
    '/codec/decode',
    { payloads: [asJson(input)] },
    { ...bearer, origin: UI_ORIGIN },
  );
  expect(answered.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
});

test('key rotation: with a new key in front, posts written with the old one still run; new payloads use the new key', async () => {
  const account = await stack.createSandboxAccount('rotation');
  const text = `rotation${randomBytes(4).toString('hex')} zebra`;
  const { body: post } = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text,
    scheduled_at: inDays(2),
  });
  expect(post.status).toBe('scheduled');

  await restartWith({ POSTFLOW_PAYLOAD_KEYS: `${keyB},${keyA}` });
  // The new worker replays the post's history, written with key A, to answer.
  expect((await stack.request('GET', `/v1/posts/${post.id}`)).body).toMatchObject({
    text,
    status: 'scheduled',
  });
  expect((await stack.request('POST', `/v1/posts/${post.id}/publish`)).status).toBe(201);
  await stack.waitForPost(post.id, (p) => p.status === 'published');

  const history = await stack.client.workflow.getHandle(post.id).fetchHistory();
  expect([...keyIds(history)].sort()).toEqual(['A', 'B']);
  expect(keyIds(history.events![0])).toEqual(new Set(['A']));
  const withPayloads = history.events!.filter((e) => keyIds(e).size > 0);
  expect(keyIds(withPayloads[withPayloads.length - 1])).toEqual(new Set(['B']));
  expect(Buffer.from(temporal.api.history.v1.History.encode(history).finish()).includes(text)).toBe(false);

  // Dropping the old key too early is loud: the post written with it can no longer be read.
  await restartWith({ POSTFLOW_PAYLOAD_KEYS: keyB });
  const unreadable = await stack.request('GET', `/v1/posts/${encryptedPhase.postIds[1]}`);
  expect(unreadable.status).toBeGreaterThanOrEqual(500);
  expect(JSON.stringify(unreadable.body)).not.toContain(keyA.slice(2));
});

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PinterestFake } from '../../platforms/pinterest/fake';
import { TikTokFake } from '../../platforms/tiktok/fake';
import { SCHEMATHESIS_VERSION, schemathesisCli } from '../helpers/schemathesis';
import { WebhookReceiver } from '../helpers/receiver';
import { Stack } from '../helpers/stack';
import { recordFigures } from '../helpers/figures';

/**
 * schemathesis against the running stack's own /openapi.json (issue #6 "Bad input"): generated
 * requests, valid and invalid, to every operation; no answer may be a 5xx, every answer must
 * match the documented schema, and every status must be a documented one.
 */

/** Per operation and phase; `POSTFLOW_SCHEMATHESIS_EXAMPLES` raises it for a longer run. */
const MAX_EXAMPLES = Number(process.env.POSTFLOW_SCHEMATHESIS_EXAMPLES ?? 25);
const CHECKS = ['not_a_server_error', 'response_schema_conformance', 'status_code_conformance'];
/** Fixed, so a failure reproduces; the report prints it with every failure. */
const SEED = 20260401;

let stack: Stack;
let receiver: WebhookReceiver;
/** The platforms the account helpers ask (boards, creator info): their fakes, so they answer. */
const pinterest = new PinterestFake();
const tiktok = new TikTokFake();
let st: string;
/** The run's config file and report. */
const dir = mkdtempSync(join(tmpdir(), 'postflow-schemathesis-'));

beforeAll(async () => {
  st = schemathesisCli();
  // Webhook endpoints are pinged when created; this one answers.
  receiver = await new WebhookReceiver().start();
  await Promise.all([pinterest.start(), tiktok.start()]);
  stack = await new Stack({
    POSTFLOW_ALLOW_PRIVATE_URLS: 'true',
    POSTFLOW_SYNC_WAIT_MS: '30000',
    POSTFLOW_PINTEREST_API_URL: pinterest.url,
    POSTFLOW_TIKTOK_API_URL: tiktok.url,
  }).start();
}, 600_000);

afterAll(async () => {
  await stack?.stop();
  await receiver?.stop();
  await Promise.all([pinterest.stop(), tiktok.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Real resources, so operations on `{id}` answer with them (and their schemas get checked), not only 404. */
async function existingIds(): Promise<Record<string, string>> {
  const account = await stack.createSandboxAccount('Fuzzed');
  const post = await stack.request('POST', '/v1/posts', {
    text: 'A draft the fuzzer may edit',
    targets: [{ account_id: account }],
  });
  const webhook = await stack.request('POST', '/v1/webhooks', {
    url: receiver.url,
    events: ['post.published'],
  });
  const form = new FormData();
  form.append('file', new Blob([Buffer.from('GIF89a')], { type: 'image/gif' }), 'a.gif');
  const media = await fetch(`${stack.baseUrl}/v1/media/upload`, {
    method: 'POST',
    headers: { authorization: `Bearer ${stack.apiKey}` },
    body: form,
  }).then((r) => r.json() as Promise<{ id: string }>);
  expect({ post: post.body, webhook: webhook.body, media }).toEqual({
    post: expect.objectContaining({ id: expect.any(String) }),
    webhook: expect.objectContaining({ id: expect.any(String) }),
    media: expect.objectContaining({ id: expect.any(String) }),
  });
  // An account with pages (one, named by its credentials), so the pages operations answer with it.
  const paged = await stack.request('POST', '/v1/accounts', {
    platform: 'facebook',
    name: 'Fuzzed Page',
    credentials: { page_id: '104857600123456', access_token: 'fuzz-token' },
  });
  expect(paged.status).toBe(201);
  // Accounts whose platforms have the helpers (boards, creator info), on their fakes.
  const [boards, creator] = await Promise.all(
    [
      { platform: 'pinterest', credentials: pinterest.credentials() },
      { platform: 'tiktok', credentials: tiktok.credentials() },
    ].map(async (body) => {
      const made = await stack.request('POST', '/v1/accounts', { ...body, name: `Fuzzed ${body.platform}` });
      expect(made.status).toBe(201);
      return made.body.id as string;
    }),
  );
  return {
    account,
    paged: paged.body.id,
    boards: boards!,
    creator: creator!,
    post: post.body.id,
    webhook: webhook.body.id,
    media: media.id,
  };
}

/** schemathesis.toml: the ids above for every `{id}` operation of their resource. */
function configFile(dir: string, ids: Record<string, string>): string {
  const operations = Object.entries({
    // Before '/v1/accounts/{id}', which would match these paths too.
    '/v1/accounts/{id}/pages': ids.paged,
    '/v1/accounts/{id}/pages/{pageId}': ids.paged,
    '/v1/accounts/{id}/boards/{boardId}': ids.boards,
    '/v1/accounts/{id}/boards': ids.boards,
    '/v1/accounts/{id}/creator-info': ids.creator,
    '/v1/accounts/{id}': ids.account,
    '/v1/accounts/{id}/reconnect': ids.account,
    '/v1/sandbox/{account_id}/posts': ids.account,
    '/v1/posts/{id}': ids.post,
    '/v1/posts/{id}/publish': ids.post,
    '/v1/posts/{id}/retry': ids.post,
    '/v1/posts/{id}/unpublish': ids.post,
    '/v1/webhooks/{id}': ids.webhook,
    '/v1/webhooks/{id}/test': ids.webhook,
    '/v1/webhooks/{id}/deliveries': ids.webhook,
    '/v1/media/{id}': ids.media,
    '/v1/media/{id}/verify': ids.media,
  }).map(([path, id]) => {
    const name = path.includes('{account_id}') ? 'account_id' : 'id';
    return `[[operations]]\ninclude-path = "${path}"\nparameters = { "path.${name}" = "${id}" }\n`;
  });
  const file = join(dir, 'schemathesis.toml');
  writeFileSync(file, operations.join('\n'));
  return file;
}

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    // 'close', not 'exit': the report is read from output, which may still be in flight at exit.
    child.on('close', (code) => resolve({ code, output }));
  });
}

interface Report {
  running_time: number;
  operations: { tested: number; selected: number };
  test_cases: { generated: number; with_failures: number; errored: number };
  failures: Array<{ code: string; title: string; operations: string[] }>;
  errors: unknown[];
}

test('schemathesis finds no 5xx, no schema mismatch and no undocumented status', async () => {
  const config = configFile(dir, await existingIds());
  const { code, output } = await run(
    st,
    [
      '--config-file',
      config,
      'run',
      `${stack.baseUrl}/openapi.json`,
      '--url',
      stack.baseUrl,
      '--header',
      `Authorization: Bearer ${stack.apiKey}`,
      '--checks',
      CHECKS.join(','),
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      String(MAX_EXAMPLES),
      '--seed',
      String(SEED),
      '--workers',
      '2',
      '--no-color',
      '--report',
      'json',
      '--report-dir',
      dir,
    ],
    dir,
  );
  const reportFile = readdirSync(dir).find((f) => f.startsWith('json-'));
  if (!reportFile) throw new Error(`schemathesis wrote no report (exit ${code}):\n${output}`);
  const report = JSON.parse(readFileSync(join(dir, reportFile), 'utf8')) as Report;
  recordFigures('schemathesis', {
    columns: ['generated requests', 'operations', 'time', 'failing', 'errored'],
    rows: [
      [
        report.test_cases.generated.toLocaleString('en'),
        `${report.operations.tested} of ${report.operations.selected}`,
        `${Math.round(report.running_time)} s`,
        report.test_cases.with_failures,
        report.test_cases.errored,
      ],
    ],
    notes: [
      `schemathesis ${SCHEMATHESIS_VERSION}, at most ${MAX_EXAMPLES} examples per operation and phase, ` +
        `seed ${SEED}; checks ${CHECKS.map((c) => `\`${c}\``).join(', ')}.`,
    ],
  });
  // On failure, schemathesis's own output names each failing request and how to reproduce it.
  if (code !== 0) process.stderr.write(output);
  expect({ failures: report.failures, errors: report.errors, exit: code }).toEqual({
    failures: [],
    errors: [],
    exit: 0,
  });
  expect(report.operations.tested).toBe(report.operations.selected);
  // The healthz after thousands of hostile requests: the API is still up.
  expect((await stack.request('GET', '/healthz')).status).toBe(200);
}, 900_000);

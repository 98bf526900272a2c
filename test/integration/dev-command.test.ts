import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/config';
import { inMinutes } from '../helpers/fixtures';
import { freePort } from '../helpers/ports';
import { temporalCli } from '../helpers/tools';

/**
 * `postflow dev` — what `npm start` runs — as a newcomer uses it: it starts the dev server, the
 * worker and the API, creates a key (saved in the home, never logged), stops cleanly on SIGTERM,
 * and a post scheduled before a stop fires after the restart. The CLI's `post create` / `post get`
 * work beside it.
 */
const cli = join(projectRoot(), 'dist', 'cli', 'postflow.js');
let home: string;
let env: NodeJS.ProcessEnv;
let port: number;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'postflow-dev-'));
  port = await freePort();
  const temporalPort = await freePort();
  env = {
    ...process.env,
    POSTFLOW_HOME: home,
    POSTFLOW_PORT: String(port),
    POSTFLOW_TEMPORAL_PORT: String(temporalPort),
    POSTFLOW_TEMPORAL_UI_PORT: String(await freePort()),
    TEMPORAL_CLI: await temporalCli(),
  };
  delete env.TEMPORAL_ADDRESS;
  delete env.POSTFLOW_API_KEY;
});

function startDev(): Promise<{ child: ChildProcess; output: string[] }> {
  const child = spawn(process.execPath, [cli, 'dev'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGTERM'); // it stops its dev server on the way out
      reject(new Error(`postflow dev did not start:\n${output.join('')}`));
    }, 90_000);
    const onData = (chunk: Buffer) => {
      output.push(chunk.toString('utf8'));
      if (output.join('').includes('Postflow is running')) {
        clearTimeout(timer);
        resolve({ child, output });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`postflow dev exited with ${code}:\n${output.join('')}`)));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

test('postflow dev runs the whole stack, saves a key it never logs, stops on SIGTERM, and fires scheduled posts after a restart', async () => {
  const first = await startDev();
  const key = readFileSync(join(home, 'api-key'), 'utf8').trim();
  expect(key).toMatch(/^sapi_key_[0-9a-f]{62}$/);
  // Without a terminal the key is only in its file; the log says where, never what.
  expect(first.output.join('')).toContain(join(home, 'api-key'));
  expect(first.output.join('')).not.toContain(key);

  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const account = (await call('POST', '/v1/accounts', { platform: 'sandbox', name: 'dev' })).body.id;
  const scheduled = await call('POST', '/v1/posts', {
    account_ids: [account],
    text: 'across a restart',
    scheduled_at: inMinutes(0.5),
  });
  expect(scheduled.body.status).toBe('scheduled');

  // The CLI talks to the same stack.
  const payload = join(home, 'payload.json');
  writeFileSync(payload, JSON.stringify({ account_ids: [account], text: 'from the CLI' }));
  const created = spawnSync(process.execPath, [cli, 'post', 'create', '--file', payload], {
    env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${env.POSTFLOW_TEMPORAL_PORT}` },
    encoding: 'utf8',
  });
  expect(created.status).toBe(0);
  const fromCli = JSON.parse(created.stdout);
  expect(fromCli).toMatchObject({ status: 'published', text: 'from the CLI' });
  const got = spawnSync(process.execPath, [cli, 'post', 'get', fromCli.id], {
    env: { ...env, TEMPORAL_ADDRESS: `127.0.0.1:${env.POSTFLOW_TEMPORAL_PORT}` },
    encoding: 'utf8',
  });
  expect(JSON.parse(got.stdout)).toMatchObject({ id: fromCli.id, status: 'published' });

  expect(await stop(first.child)).toBe(0);
  expect(first.output.join('')).toContain('Stopped.');

  const second = await startDev();
  try {
    expect(second.output.join('')).not.toContain('Created an API key');
    const deadline = Date.now() + 90_000;
    let post = (await call('GET', `/v1/posts/${scheduled.body.id}`)).body;
    while (post.status !== 'published' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      post = (await call('GET', `/v1/posts/${scheduled.body.id}`)).body;
    }
    expect(post.status).toBe('published');
    const made = (await call('GET', `/v1/sandbox/${account}/posts`)).body.data;
    expect(made.filter((p: any) => p.post_id === scheduled.body.id)).toHaveLength(1);
  } finally {
    expect(await stop(second.child)).toBe(0);
  }
});

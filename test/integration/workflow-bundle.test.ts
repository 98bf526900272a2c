import { statSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/config';
import { Stack } from '../helpers/stack';

/**
 * Workers load the workflow bundle `npm run build` made instead of bundling at start (a crashed
 * worker is back sooner), and never a bundle older than the compiled code.
 */
let stack: Stack;

beforeAll(async () => {
  stack = await new Stack({ POSTFLOW_LOG_LEVEL: 'info' }).start();
}, 180_000);

afterAll(async () => {
  await stack?.stop();
});

const bundledAtStart = () => /Workflow bundle created/.test(stack.logs());

test('a worker of a build with bundles starts from the prebuilt bundle and publishes', async () => {
  expect(bundledAtStart()).toBe(false);
  const account = await stack.createSandboxAccount();
  const { status, body } = await stack.request('POST', '/v1/posts', {
    account_ids: [account],
    text: 'prebuilt',
  });
  expect([status, body.status]).toEqual([201, 'published']);
});

test('compiled code newer than the bundle: the worker bundles at start instead', async () => {
  await stack.stopWorker('SIGTERM');
  // As if dist/ had been rebuilt without its bundles.
  const compiled = join(projectRoot(), 'dist', 'workflows', 'index.js');
  const { atime, mtime } = statSync(compiled);
  const later = new Date(Date.now() + 60_000);
  utimesSync(compiled, later, later);
  try {
    await stack.startWorker();
    expect(bundledAtStart()).toBe(true);
    const account = await stack.createSandboxAccount('after rebuild');
    const { body } = await stack.request('POST', '/v1/posts', {
      account_ids: [account],
      text: 'bundled at start',
    });
    expect(body.status).toBe('published');
  } finally {
    utimesSync(compiled, atime, mtime);
  }
});

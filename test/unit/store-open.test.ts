import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/config';

/** The API and the worker open the same new store at the same moment; both must come up. */
test('several processes opening a new store at once all succeed and agree on its schema', async () => {
  const home = mkdtempSync(join(tmpdir(), 'postflow-open-'));
  const script = `
    const { openStore } = require(${JSON.stringify(join(projectRoot(), 'dist', 'store'))});
    openStore(process.argv[1]).then(async (store) => {
      console.log('ok ' + (await store.countApiKeys()));
      await store.close();
    });
  `;
  const runs = Array.from(
    { length: 6 },
    () =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const child = spawn(process.execPath, ['-e', script, home], { stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        // 'close', not 'exit': a child may exit before its piped output has been read.
        child.on('close', (code) => resolve({ code, out }));
      }),
  );
  const results = await Promise.all(runs);
  expect(results).toEqual(Array.from({ length: 6 }, () => ({ code: 0, out: 'ok 0\n' })));
});

// Checks the n8n community package in nodes/ with its own toolchain: installs its dev tools on
// first use (with --ignore-scripts: n8n's CLI pulls native modules it never needs here), then
// `n8n-node lint`, `n8n-node build`, n8n's verification scan of the packed tarball (on the build
// just made: scripts/n8n-verify-scan.mjs) and a type check of its unit tests (which jest runs).
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const nodes = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'nodes');
const run = (command, args) => {
  console.log(`[nodes] ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { cwd: nodes, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
};

const installed = join(nodes, 'node_modules', '.package-lock.json');
if (
  !existsSync(installed) ||
  statSync(installed).mtimeMs < statSync(join(nodes, 'package-lock.json')).mtimeMs
) {
  run('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund']);
}
run('npx', ['n8n-node', 'lint']);
run('npx', ['n8n-node', 'build']);
run(process.execPath, [join(nodes, '..', 'scripts', 'n8n-verify-scan.mjs'), nodes, '--no-build']);
run('npx', ['tsc', '-p', 'test/tsconfig.json']);

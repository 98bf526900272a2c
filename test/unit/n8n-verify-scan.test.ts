import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/config';

// scripts/n8n-verify-scan.mjs: n8n's verification lint on the source and on the packed tarball.
// `npm run nodes:check` runs it on nodes/ after its build; these tests show what it catches.
const scan = join(projectRoot(), 'scripts', 'n8n-verify-scan.mjs');
const nodes = join(projectRoot(), 'nodes');

const made: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};
afterAll(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

function runScan(packageDir: string) {
  const result = spawnSync(process.execPath, [scan, packageDir, '--no-build'], { encoding: 'utf8' });
  return { status: result.status, text: result.stdout + result.stderr };
}

const newest = (path: string): number =>
  statSync(path).isDirectory()
    ? Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))))
    : statSync(path).mtimeMs;

/**
 * A copy of the node package with its build: nodes/dist when it is newer than the sources (as
 * `npm run nodes:check` leaves it before jest runs), else a build of the copy.
 */
function builtCopy(): string {
  const copy = tempDir('n8n-verify-scan-copy-');
  for (const entry of ['package.json', 'tsconfig.json', 'README.md', 'LICENSE.md', 'nodes', 'credentials']) {
    cpSync(join(nodes, entry), join(copy, entry), { recursive: true });
  }
  const built = join(nodes, 'dist', 'nodes', 'Postflow', 'Postflow.node.js');
  const sources = Math.max(
    ...['package.json', 'tsconfig.json', 'nodes', 'credentials'].map((e) => newest(join(nodes, e))),
  );
  if (existsSync(built) && statSync(built).mtimeMs >= sources) {
    cpSync(join(nodes, 'dist'), join(copy, 'dist'), { recursive: true });
  } else {
    symlinkSync(join(nodes, 'node_modules'), join(copy, 'node_modules'));
    const build = spawnSync(
      process.execPath,
      [join(nodes, 'node_modules', '@n8n', 'node-cli', 'bin', 'n8n-node.mjs'), 'build'],
      { cwd: copy, encoding: 'utf8' },
    );
    if (build.status !== 0) throw new Error(`n8n-node build failed:\n${build.stdout}${build.stderr}`);
  }
  return copy;
}

test('the node package passes on its source and its packed tarball; a file only the tarball ships is caught there', () => {
  const copy = builtCopy();
  const clean = runScan(copy);
  expect(clean.text).toContain("passed: source and tarball meet n8n's verification lint");
  expect(clean.text).toContain('dist/nodes/PostflowTrigger/PostflowTrigger.node.js');
  expect(clean.status).toBe(0);

  // What tsc or a build step can put in dist/ without any source showing it.
  writeFileSync(
    join(copy, 'dist', 'nodes', 'Postflow', 'telemetry.js'),
    '"use strict";\nconst os = require("os");\nexports.report = () => setTimeout(() => os.hostname(), 1);\n',
  );
  const stray = runScan(copy);
  expect(stray.status).toBe(1);
  expect(stray.text).not.toContain('source: FAILED');
  expect(stray.text).toContain('packed tarball: FAILED: 2 error(s)');
  expect(stray.text).toMatch(/dist\/nodes\/Postflow\/telemetry\.js\n.*Require of 'os' is not allowed/);
  expect(stray.text).toContain("Use of restricted global 'setTimeout' is not allowed");
}, 120_000);

test('restricted imports and globals, console, runtime dependencies and install scripts fail the tarball, eslint-disable or not', () => {
  const dir = tempDir('n8n-verify-scan-bad-');
  mkdirSync(join(dir, 'dist', 'nodes', 'Bad'), { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({
      name: 'n8n-nodes-bad',
      version: '0.0.1',
      description: 'A package the scan must reject.',
      license: 'MIT',
      homepage: 'https://example.com',
      author: { name: 'Example', email: 'dev@example.com' },
      keywords: ['n8n-community-node-package'],
      files: ['dist'],
      scripts: { postinstall: 'node dist/nodes/Bad/Bad.node.js' },
      n8n: { n8nNodesApiVersion: 1, strict: true, credentials: [], nodes: ['dist/nodes/Bad/Bad.node.js'] },
      dependencies: { axios: '^1.0.0' },
      peerDependencies: { 'n8n-workflow': '*' },
    }),
  );
  writeFileSync(
    join(dir, 'dist', 'nodes', 'Bad', 'Bad.node.js'),
    [
      '"use strict";',
      '/* eslint-disable */',
      'const axios = require("axios");',
      'exports.run = () => { console.log(process.env.HOME); return axios; };',
      '',
    ].join('\n'),
  );
  const result = runScan(dir);
  expect(result.status).toBe(1);
  expect(result.text).toContain('packed tarball: FAILED');
  for (const rule of [
    '@n8n/community-nodes/no-restricted-imports',
    '@n8n/community-nodes/no-restricted-globals',
    'no-console',
    '@n8n/community-nodes/no-runtime-dependencies',
    '@n8n/community-nodes/no-forbidden-lifecycle-scripts',
  ]) {
    expect(result.text).toContain(rule);
  }
}, 60_000);

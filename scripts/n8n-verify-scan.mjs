#!/usr/bin/env node
// n8n's verification scan, run on the package we would publish (issue 20). n8n's scanner
// (n8n-io/n8n, packages/@n8n/scan-community-package, scanner.mjs: buildScanConfig and
// analyzePackageByName) lints two things with one config: the source commit the package's npm
// provenance names (`package.json` and `{nodes,credentials}/**/*.{js,ts,json}`), and the
// published tarball (its `**/*.js` and `package.json`). The config is the *cloud* one of
// @n8n/eslint-plugin-community-nodes (`recommended`: the self-hosted set plus
// no-restricted-globals and no-restricted-imports), `no-console`, and eslint-plugin-n8n-nodes-base's
// package.json, node and credential rules; inline `eslint-disable` comments are ignored. This
// does the same on the working tree and on an `npm pack` of it. `n8n-node lint` sees only the
// TypeScript sources (and honours disable comments); the tarball leg sees what tsc emitted, so a
// helper tsc adds, a stray file in dist/ or a `files` entry that ships too much is caught before
// a release, not by n8n.
//
//   node scripts/n8n-verify-scan.mjs [packageDir] [--no-build]
//
// packageDir defaults to nodes/. Without --no-build it runs `n8n-node build` first. Exit code 1
// and the ESLint report on any error; warnings are printed and do not fail (as in n8n's scan).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// eslint-plugin-n8n-nodes-base takes every file for `Test.node.ts` when NODE_ENV is `test` (its
// own test mode, read when it loads), which fails the node rules on real sources (a jest run
// sets it). The scan is never that test.
if (process.env.NODE_ENV === 'test') delete process.env.NODE_ENV;

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const nodesDir = join(root, 'nodes');
// The scan's tools are the node package's own (its pinned eslint 9.29 and the plugin version
// `n8n-node lint` uses), not the root's: the verdict must not change with the root's eslint.
const nodesRequire = createRequire(join(nodesDir, 'package.json'));
const nodeCli = join(nodesDir, 'node_modules', '@n8n', 'node-cli');
const nodeCliRequire = createRequire(join(nodeCli, 'package.json'));

const run = (command, args, cwd) => {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}${result.stderr}`);
  }
  return result.stdout;
};

/** `npm pack`s packageDir into a fresh temp dir and extracts it; returns the extracted package. */
export function packAndExtract(packageDir) {
  const work = mkdtempSync(join(tmpdir(), 'n8n-verify-scan-'));
  // --ignore-scripts: a prepack script must not change what is scanned (and the package has none).
  run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', work], packageDir);
  const tarball = readdirSync(work).find((file) => file.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no tarball in ${work}`);
  const extracted = join(work, 'package');
  run('tar', ['-xzf', tarball], work);
  return { work, extracted };
}

/** The flat config n8n's scanner lints with (see the header); the same for both legs. */
async function scanConfig() {
  const { n8nCommunityNodesPlugin } = await import(
    pathToFileURL(nodesRequire.resolve('@n8n/eslint-plugin-community-nodes')).href
  );
  const n8nNodesBase = nodesRequire('eslint-plugin-n8n-nodes-base');
  const { parser } = nodeCliRequire('typescript-eslint');
  return [
    n8nCommunityNodesPlugin.configs.recommended,
    { rules: { 'no-console': 'error' } },
    { plugins: { 'n8n-nodes-base': n8nNodesBase } },
    { files: ['package.json'], rules: { ...n8nNodesBase.configs.community.rules } },
    {
      files: ['**/credentials/**/*.ts'],
      rules: {
        ...n8nNodesBase.configs.credentials.rules,
        // Off in n8n's scan and in `n8n-node lint` alike.
        'n8n-nodes-base/cred-class-field-documentation-url-miscased': 'off',
        'n8n-nodes-base/cred-class-field-type-options-password-missing': 'off',
      },
    },
    {
      files: ['**/nodes/**/*.ts'],
      rules: {
        ...n8nNodesBase.configs.nodes.rules,
        'n8n-nodes-base/node-class-description-inputs-wrong-regular-node': 'off',
        'n8n-nodes-base/node-class-description-outputs-wrong': 'off',
        'n8n-nodes-base/node-param-type-options-max-value-present': 'off',
      },
    },
    // package.json rules walk the object literal the TypeScript parser makes of a JSON file.
    { files: ['**/*.json', '**/*.ts'], languageOptions: { parser } },
  ];
}

/** What each leg of n8n's scan lints: the attested source checkout, and the packed tarball. */
export const SOURCE_FILES = ['package.json', '{nodes,credentials}/**/*.{js,ts,json}'];
export const TARBALL_FILES = ['**/*.js', 'package.json'];

/** Lints `files` under dir as n8n's scan does; resolves to ESLint's results and report. */
export async function lintPackage(dir, files) {
  const { ESLint } = nodesRequire('eslint');
  const eslint = new ESLint({
    cwd: dir,
    allowInlineConfig: false,
    overrideConfigFile: true,
    overrideConfig: await scanConfig(),
    ignorePatterns: ['**/node_modules/**', '**/package-lock.json'],
    errorOnUnmatchedPattern: false,
  });
  const results = await eslint.lintFiles(files);
  const formatter = await eslint.loadFormatter('stylish');
  return { results, report: await formatter.format(results) };
}

/** Lints one leg, prints what it scanned and found; resolves to true when it has no error. */
async function scanLeg(label, dir, files) {
  const { results, report } = await lintPackage(dir, files);
  const scanned = results.map((result) => result.filePath.slice(dir.length + 1)).sort();
  const errors = results.reduce((sum, result) => sum + result.errorCount, 0);
  console.log(`[verify-scan] ${label}: ${scanned.length} files: ${scanned.join(', ')}`);
  if (report) console.log(report);
  if (!scanned.includes('package.json') || !scanned.some((file) => /\.(js|ts)$/.test(file))) {
    console.error(`[verify-scan] ${label}: FAILED: no package.json or no code to scan.`);
    return false;
  }
  if (errors > 0) {
    console.error(`[verify-scan] ${label}: FAILED: ${errors} error(s) n8n's verification scan rejects.`);
    return false;
  }
  return true;
}

async function main(argv) {
  const packageDir = resolve(argv.find((arg) => !arg.startsWith('--')) ?? nodesDir);
  if (!argv.includes('--no-build')) {
    console.log(`[verify-scan] n8n-node build in ${packageDir}`);
    run(process.execPath, [join(nodeCli, 'bin', 'n8n-node.mjs'), 'build'], packageDir);
  }
  // The source leg lints the working tree; n8n lints the commit the provenance names, so commit
  // before trusting a pass.
  const source = await scanLeg('source', packageDir, SOURCE_FILES);
  const { work, extracted } = packAndExtract(packageDir);
  try {
    const tarball = await scanLeg('packed tarball', extracted, TARBALL_FILES);
    if (!source || !tarball) return 1;
    console.log("[verify-scan] passed: source and tarball meet n8n's verification lint (cloud config).");
    return 0;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}

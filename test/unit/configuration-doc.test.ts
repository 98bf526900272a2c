import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/config';

/**
 * docs/configuration.md lists every POSTFLOW_* variable the code reads, and none it no longer
 * reads. Per-platform variables (`POSTFLOW_MASTODON_API_URL`, …) are documented once, as
 * `POSTFLOW_<PLATFORM>_API_URL`.
 */
const root = projectRoot();
const CODE_FOLDERS = [
  'activities',
  'api',
  'cli',
  'client',
  'codec',
  'gateway',
  'media',
  'platforms',
  'runtime',
  'server',
  'services',
  'store',
  'worker',
  'workflows',
  'test',
  'scripts',
  'bench',
];
/** Names that look like variables but are not read from the environment. */
const NOT_VARIABLES = new Set(['POSTFLOW_WORKFLOW_INTERCEPTORS']); // the interceptors module's path
/** A whole name: not the prefix of a template (`POSTFLOW_LINKEDIN_CLIENT_*`, `…_${x}`). */
const NAME = /\bPOSTFLOW_[A-Z0-9_]*[A-Z0-9](?![\w*$])/g;
/** `POSTFLOW_${platform.toUpperCase()}_API_URL` in code. */
const PLATFORM_TEMPLATE = /POSTFLOW_\$\{[^}]+\}_([A-Z0-9_]*[A-Z0-9])/g;
const PLATFORM = 'POSTFLOW_<PLATFORM>_';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.(ts|mjs|js)$/.test(entry.name) ? [path] : [];
  });
}

const page = readFileSync(join(root, 'docs', 'configuration.md'), 'utf8');
const documented = new Set([...page.matchAll(/`(POSTFLOW_[A-Z0-9_<>]*[A-Z0-9])`/g)].map((m) => m[1]));
const platformSuffixes = [...documented]
  .filter((n) => n.startsWith(PLATFORM))
  .map((n) => n.slice(PLATFORM.length));
const perPlatform = new RegExp(`^POSTFLOW_[A-Z_]+_(${platformSuffixes.join('|')})$`);

const inCode = new Set<string>();
// This file names variables in its comments; it must not count as code reading them.
const files = CODE_FOLDERS.flatMap((folder) => sourceFiles(join(root, folder))).filter(
  (f) => f !== __filename,
);
for (const file of files) {
  const text = readFileSync(file, 'utf8');
  for (const [name] of text.matchAll(NAME)) {
    if (NOT_VARIABLES.has(name)) continue;
    // A platform's own name for a documented per-platform setting, unless documented by itself.
    const suffix = perPlatform.exec(name)?.[1];
    inCode.add(suffix && !documented.has(name) ? PLATFORM + suffix : name);
  }
  for (const [, suffix] of text.matchAll(PLATFORM_TEMPLATE)) inCode.add(PLATFORM + suffix);
}

test('the per-platform forms are recognised (the page documents them)', () => {
  expect(platformSuffixes).toEqual(expect.arrayContaining(['API_URL', 'CLIENT_ID', 'CONCURRENCY']));
});

test('every POSTFLOW_* variable the code reads is in docs/configuration.md', () => {
  expect([...inCode].filter((name) => !documented.has(name)).sort()).toEqual([]);
});

test('every POSTFLOW_* variable docs/configuration.md lists is still read by the code', () => {
  expect([...documented].filter((name) => !inCode.has(name)).sort()).toEqual([]);
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/config';

// The release workflow's first step (.github/workflows/release-n8n-node.yml), run as it runs it.
const script = join(projectRoot(), 'scripts', 'check-n8n-node-release.mjs');

const CHANGELOG = [
  '# Changelog',
  '',
  '## Unreleased',
  '',
  '- Something not released yet.',
  '',
  '## 0.2.0 - 2026-12-01',
  '',
  '- Wait for Completion checks the callback token.',
  '',
  '## 0.2.0-rc.1',
  '',
  '## 0.1.0',
  '',
  '- First release.',
  '',
].join('\n');

function check(tag: string | undefined, version: string, changelog = CHANGELOG) {
  const dir = mkdtempSync(join(tmpdir(), 'release-check-'));
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'n8n-nodes-postflow', version }));
  writeFileSync(join(dir, 'CHANGELOG.md'), changelog);
  const output = join(dir, 'github-output');
  writeFileSync(output, '');
  const args = tag === undefined ? [script, '', dir] : [script, tag, dir];
  const result = spawnSync(process.execPath, args, {
    encoding: 'utf8',
    env: { ...process.env, GITHUB_OUTPUT: output, GITHUB_REF_NAME: '' },
  });
  return { status: result.status, text: result.stdout + result.stderr, output: readFileSync(output, 'utf8') };
}

test('a tag naming package.json version, with a changelog entry, passes and hands the publish step its dist-tag', () => {
  const result = check('n8n-nodes-postflow@0.2.0', '0.2.0');
  expect(result.status).toBe(0);
  expect(result.output).toBe('version=0.2.0\ndist-tag=latest\n');
});

test('a tag for another version than package.json fails and says which to change', () => {
  const result = check('n8n-nodes-postflow@0.2.0', '0.1.0');
  expect(result.status).toBe(1);
  expect(result.text).toContain(
    "tag n8n-nodes-postflow@0.2.0 names version 0.2.0 but package.json's version is 0.1.0",
  );
  expect(result.output).toBe('');
});

test('a version the changelog has no entry for fails, naming the heading to write', () => {
  const result = check('n8n-nodes-postflow@0.3.0', '0.3.0');
  expect(result.status).toBe(1);
  expect(result.text).toContain('CHANGELOG.md has no entry for 0.3.0: rename "## Unreleased" to "## 0.3.0"');
});

test('an empty changelog entry fails; a prerelease with an entry publishes under the next dist-tag', () => {
  const empty = check('n8n-nodes-postflow@0.2.0-rc.1', '0.2.0-rc.1');
  expect(empty.status).toBe(1);
  expect(empty.text).toContain("CHANGELOG.md's entry for 0.2.0-rc.1 is empty");

  const filled = check(
    'n8n-nodes-postflow@0.2.0-rc.1',
    '0.2.0-rc.1',
    CHANGELOG.replace('## 0.2.0-rc.1\n', '## 0.2.0-rc.1\n\n- Release candidate.\n'),
  );
  expect(filled.status).toBe(0);
  expect(filled.output).toBe('version=0.2.0-rc.1\ndist-tag=next\n');
});

test('a tag that is not <package name>@<semver>, or no tag at all, fails before anything is compared', () => {
  const other = check('v0.2.0', '0.2.0');
  expect(other.status).toBe(1);
  expect(other.text).toContain('the tag must be n8n-nodes-postflow@<version>, e.g. n8n-nodes-postflow@0.2.0');

  const notSemver = check('n8n-nodes-postflow@0.2', '0.2.0');
  expect(notSemver.status).toBe(1);
  expect(notSemver.text).toContain('"0.2" is not a semantic version');

  const none = check(undefined, '0.2.0');
  expect(none.status).toBe(1);
  expect(none.text).toContain('no tag given');
});

test('the package as committed is releasable under its own version', () => {
  const nodes = join(projectRoot(), 'nodes');
  const { version } = JSON.parse(readFileSync(join(nodes, 'package.json'), 'utf8'));
  const result = spawnSync(process.execPath, [script, `n8n-nodes-postflow@${version}`, nodes], {
    encoding: 'utf8',
    env: { ...process.env, GITHUB_OUTPUT: '' },
  });
  expect(result.stderr).toBe('');
  expect(result.status).toBe(0);
});

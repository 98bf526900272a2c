#!/usr/bin/env node
// Checks that a release tag may publish the n8n community package (issue 20): the release
// workflow (.github/workflows/release-n8n-node.yml) runs it before building, so a tag that names
// another version than nodes/package.json, or a version nodes/CHANGELOG.md says nothing about,
// publishes nothing.
//
//   node scripts/check-n8n-node-release.mjs <tag> [packageDir]
//
// The tag is `<package name>@<version>`, e.g. `n8n-nodes-postflow@0.2.0`; packageDir defaults to
// nodes/. Exits 1 with what to fix. Under GitHub Actions it also writes `version` and `dist-tag`
// (`latest`, or `next` for a prerelease: npm refuses to publish a prerelease without a tag) to
// $GITHUB_OUTPUT for the publish step.
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

// Semantic Versioning 2.0.0's version grammar, without build metadata (npm drops it on publish).
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?$/;

const escape = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The lines of the CHANGELOG entry for version (`## 1.2.3`, `## [1.2.3]`, `## 1.2.3 - date`), or null. */
export function changelogEntry(changelog, version) {
  const heading = new RegExp(`^##\\s+\\[?v?${escape(version)}\\]?(?:\\s+(?:[-–(].*)?)?$`);
  const lines = changelog.split(/\r?\n/);
  const start = lines.findIndex((line) => heading.test(line.trim()));
  if (start === -1) return null;
  const end = lines.findIndex((line, index) => index > start && /^##?\s/.test(line));
  return lines.slice(start + 1, end === -1 ? undefined : end).filter((line) => line.trim() !== '');
}

/** What is wrong with releasing packageJson under tag, given the changelog; [] when nothing is. */
export function releaseProblems({ tag, packageJson, changelog }) {
  const { name, version } = packageJson;
  const expected = `${name}@${version}`;
  const problems = [];
  if (!tag) return [`no tag given: pass the tag being released, e.g. ${expected}.`];
  if (!tag.startsWith(`${name}@`)) {
    return [`tag ${tag} does not name this package: the tag must be ${name}@<version>, e.g. ${expected}.`];
  }
  const tagVersion = tag.slice(name.length + 1);
  if (!SEMVER.test(tagVersion)) {
    problems.push(`tag ${tag}: "${tagVersion}" is not a semantic version (x.y.z or x.y.z-pre).`);
  } else if (tagVersion !== version) {
    problems.push(
      `tag ${tag} names version ${tagVersion} but package.json's version is ${version}: set "version" to ` +
        `${tagVersion} in package.json (and commit it) before tagging, or tag ${expected}.`,
    );
  }
  const entry = changelogEntry(changelog, tagVersion);
  if (entry === null) {
    problems.push(
      `CHANGELOG.md has no entry for ${tagVersion}: rename "## Unreleased" to "## ${tagVersion}" ` +
        '(keep a new empty "## Unreleased" above it) and commit it before tagging.',
    );
  } else if (entry.length === 0) {
    problems.push(`CHANGELOG.md's entry for ${tagVersion} is empty: say what the release changes.`);
  }
  return problems;
}

function main(argv) {
  const tag = argv[0] ?? process.env.GITHUB_REF_NAME;
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const packageDir = resolve(argv[1] ?? join(root, 'nodes'));
  const packageJson = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  const changelog = readFileSync(join(packageDir, 'CHANGELOG.md'), 'utf8');
  const problems = releaseProblems({ tag, packageJson, changelog });
  if (problems.length > 0) {
    for (const problem of problems) console.error(`[release-check] ${problem}`);
    return 1;
  }
  const distTag = packageJson.version.includes('-') ? 'next' : 'latest';
  if (process.env.GITHUB_OUTPUT) {
    appendFileSync(process.env.GITHUB_OUTPUT, `version=${packageJson.version}\ndist-tag=${distTag}\n`);
  }
  console.log(`[release-check] ${tag}: matches package.json and CHANGELOG.md; npm dist-tag ${distTag}.`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}

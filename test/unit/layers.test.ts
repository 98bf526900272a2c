import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Layers run one way (issue #15): eslint.config.mjs refuses an import that goes up a layer, and
// scripts/check-import-cycles.mjs refuses a cycle. Both run in `npm run lint`; these tests show
// they catch what they claim to, so a later edit of the table cannot quietly open a hole.
const root = join(__dirname, '..', '..');
// ESLint loads its flat config with a dynamic import, which Jest's module sandbox does not run,
// so the probes are linted in one child process. They are not files on disk, so the type-aware
// parser settings are off there and only the import rule runs.
const LINT_PROBES = `
import { ESLint } from 'eslint';
const eslint = new ESLint({
  cwd: process.argv[1],
  overrideConfig: { languageOptions: { parserOptions: { projectService: false } } },
  ruleFilter: ({ ruleId }) => ruleId === 'no-restricted-imports',
});
const refused = [];
for (const [file, line] of JSON.parse(process.argv[2])) {
  const [result] = await eslint.lintText(line + '\\n', { filePath: process.argv[1] + '/' + file });
  refused.push(result.messages.some((m) => m.ruleId === 'no-restricted-imports'));
}
console.log(JSON.stringify(refused));
`;

function refusedImports(probes: [file: string, importLine: string][]): boolean[] {
  const run = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', LINT_PROBES, root, JSON.stringify(probes)],
    { cwd: root, encoding: 'utf8' },
  );
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as boolean[];
}

const UPWARD: [string, string][] = [
  ['services/probe.ts', "import { buildApp } from '../server/app';"],
  ['services/probe.ts', "import { PostflowClient } from '../client';"],
  ['services/probe.ts', "import { createActivities } from '../activities';"],
  ['gateway/probe.ts', "import { openStore } from '../store';"],
  ['gateway/probe.ts', "import { PostsService } from '../services/posts';"],
  ['client/probe.ts', "import { buildApp } from '../server/app';"],
  ['server/probe.ts', "import { createPostflowWorker } from '../worker/worker';"],
  ['server/probe.ts', "import { PostGateway } from '../gateway';"],
  ['workflows/probe.ts', "import { createActivities } from '../activities';"],
  ['workflows/probe.ts', "import { openStore } from '../store';"],
  ['activities/probe.ts', "import { PostGateway } from '../gateway';"],
  ['platforms/mastodon/probe.ts', "import { createActivities } from '../../activities';"],
  ['runtime/probe.ts', "import { createPostflowWorker } from '../worker/worker';"],
  ['runtime/probe.ts', "import { POST_SEARCH_ATTRIBUTES } from '../workflows/search-attributes';"],
  ['api/probe.ts', "import { openStore } from '../store';"],
  ['api/probe.ts', "import { mastodonAdapter } from '../platforms/mastodon/adapter';"],
  ['store/probe.ts', "import { processMetrics } from '../runtime/metrics';"],
  ['worker/probe.ts', "import { buildApp } from '../server/app';"],
  ['worker/probe.ts', "import { MastodonFake } from '../platforms/mastodon/fake';"],
  ['charts/probe.ts', "import { openStore } from '../store';"],
  ['server/probe.ts', "import { renderMetricsChart } from '../charts/metrics-chart';"],
];

const DOWNWARD: [string, string][] = [
  ['server/probe.ts', "import { PostsService } from '../services/posts';"],
  ['client/probe.ts', "import { PostGateway } from '../gateway';"],
  ['services/probe.ts', "import { PostGateway } from '../gateway';"],
  ['services/probe.ts', "import { AVAILABLE_PLATFORMS } from '../platforms/descriptors';"],
  ['gateway/probe.ts', "import * as messages from '../workflows/messages';"],
  ['workflows/probe.ts', "import type { PostflowActivities } from '../activities';"],
  ['activities/probe.ts', "import { ADAPTER_FACTORIES } from '../platforms/adapters';"],
  ['worker/probe.ts', "import { processMetrics } from '../runtime/metrics';"],
  ['cli/probe.ts', "import { buildApp } from '../server/app';"],
  ['test/probe.ts', "import { MastodonFake } from '../platforms/mastodon/fake';"],
  ['services/probe.ts', "import { renderMetricsChart } from '../charts/metrics-chart';"],
  ['charts/probe.ts', "import type { PostMetrics } from '../api/types';"],
];

describe('the import-direction rule', () => {
  const verdicts = refusedImports([...UPWARD, ...DOWNWARD]);

  it.each(UPWARD.map((probe, i) => [...probe, verdicts[i]]))('refuses %s: %s', (_file, _line, refused) => {
    expect(refused).toBe(true);
  });

  it.each(DOWNWARD.map((probe, i) => [...probe, verdicts[UPWARD.length + i]]))(
    'allows %s: %s',
    (_file, _line, refused) => {
      expect(refused).toBe(false);
    },
  );
});

describe('the import-cycle check', () => {
  const script = join(root, 'scripts', 'check-import-cycles.mjs');

  it('finds none in the project', () => {
    const run = spawnSync(process.execPath, [script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/^import cycles: none among \d+ TypeScript files/);
    expect(run.status).toBe(0);
  });

  it('names the files of a cycle and fails', () => {
    const dir = mkdtempSync(join(tmpdir(), 'postflow-cycle-'));
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b';\nexport const a = () => b;\n");
    writeFileSync(
      join(dir, 'b.ts'),
      "import type { a } from './a';\nexport const b = 1 as unknown as typeof a;\n",
    );
    writeFileSync(join(dir, 'c.ts'), "import { a } from './a';\nexport const c = a;\n");
    const run = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('import cycle among 2 files:\n  a.ts\n  b.ts');
    expect(run.stderr).not.toContain('c.ts');
  });
});

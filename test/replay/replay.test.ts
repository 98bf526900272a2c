import { temporal } from '@temporalio/proto';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Upgrades without breaking running posts: histories recorded from real runs of earlier versions
 * (`npm run replay:record -- <label>`) are replayed against the current workflow code. A change
 * to the workflows' commands without `patched()` fails here, before it reaches running posts.
 */
const root = join(__dirname, 'histories');
const recordings = readdirSync(root, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .flatMap((d) =>
    readdirSync(join(root, d.name))
      .filter((f) => f.endsWith('.binpb'))
      .map((f) => ({ label: d.name, file: f, path: join(root, d.name, f) })),
  );

/**
 * Histories a workflow test recorded with a workflow interceptor that changes only when the
 * workflow does something (`RECORD_INTERCEPTED=<label>`, e.g. test/workflow/slow-metrics-start.ts
 * for a retry that lands mid-settle): replayed on the current code with the same interceptor.
 */
const interceptedRoot = join(__dirname, 'intercepted');
const intercepted = readdirSync(interceptedRoot)
  .filter((f) => f.endsWith('.binpb'))
  .map((f) => ({ file: f, path: join(interceptedRoot, f) }));
const INTERCEPTORS = [require.resolve('../workflow/slow-metrics-start')];

test('recordings cover every workflow type and the scenarios of each release', () => {
  const types = new Set(recordings.map((r) => r.file.split('-')[0]));
  expect([...types].sort()).toEqual([
    'collectPostMetrics',
    'deliverWebhook',
    'importPosts',
    'publishPost',
    'recurringOccurrence',
    'recyclePost',
    'tokenUpkeep',
    'unpublishPost',
  ]);
  const labels = new Set(recordings.map((r) => r.label));
  expect(labels.size).toBeGreaterThanOrEqual(2);
  // A label recorded for some scenarios only (`RECORD_ONLY`) names them in RECORDED_ONLY.
  for (const label of [...labels].filter((l) => !existsSync(join(root, l, 'RECORDED_ONLY')))) {
    const scenarios = recordings.filter((r) => r.label === label && r.file.startsWith('publishPost-'));
    expect(scenarios.length).toBeGreaterThanOrEqual(9);
  }
});

test('recordings carry no stack traces (they name paths on the recording machine)', () => {
  for (const r of [...recordings, ...intercepted]) {
    const bytes = readFileSync(r.path).toString('latin1');
    expect([r.file, /\/(node_modules|dist)\/|\bat \w+ \(/.test(bytes)]).toEqual([r.file, false]);
  }
});

test('every recorded history replays against the current workflow code', async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const histories = recordings.map((r) => {
    const history = temporal.api.history.v1.History.decode(readFileSync(r.path));
    return { workflowId: `${r.label}/${r.file}`, history };
  });
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(histories.length).toBe(recordings.length);
});

test('every intercepted history replays against the current workflow code and its interceptor', async () => {
  expect(intercepted.length).toBeGreaterThanOrEqual(1);
  const workflowBundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    workflowInterceptorModules: INTERCEPTORS,
    logger: new DefaultLogger('WARN'),
  });
  const histories = intercepted.map((r) => ({
    workflowId: r.file,
    history: temporal.api.history.v1.History.decode(readFileSync(r.path)),
  }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories({ workflowBundle }, histories)) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(intercepted.length);
});

/**
 * Every `patched()` id in the workflows must appear in some recorded history: a patch whose new
 * branch never ran in a recording is a branch the replay test has never checked.
 */
test('every patch id of the workflows is in a recorded history', () => {
  const dir = join(__dirname, '..', '..', 'workflows');
  const ids = new Set<string>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.ts'))) {
    const source = readFileSync(join(dir, file), 'utf8');
    for (const m of source.matchAll(/patched\(\s*'([^']+)'\s*\)/g)) ids.add(m[1]!);
    for (const m of source.matchAll(/export const \w+_PATCH = '([^']+)'/g)) ids.add(m[1]!);
  }
  expect(ids.size).toBeGreaterThanOrEqual(5);
  const recorded = [...recordings, ...intercepted].map((r) => readFileSync(r.path).toString('latin1'));
  const missing = [...ids].filter((id) => !recorded.some((bytes) => bytes.includes(id)));
  expect(missing).toEqual([]);
});

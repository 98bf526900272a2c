#!/usr/bin/env node
/**
 * `npm test`'s jest run, in two lanes. The suites in LANE run in a second jest process beside the
 * others instead of after them: the chaos run spends most of its time waiting in real time (it
 * waits out the 5-minute publish deadline of a call its worker was killed in), and the
 * exploration's CI form (nine minutes) has a time-skipping test server of its own; the
 * suites that need no server (jest.light.config.js: unit tests and the adapters' contract suite)
 * follow them in that lane, as their CPU fits in its waits. The second lane starts once the first
 * one's global setup has built dist/ and the tools, and reuses them (POSTFLOW_TEST_REUSE_DIST).
 * Its output is kept and printed when it ends, so the two do not interleave; the exit code is the
 * first failure's. With arguments (`npm test -- <path>`), one plain jest run takes them: the
 * lanes are for the whole run.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const LANE = ['test/integration/chaos.test.ts', 'test/explore/explore.test.ts'];
/** The light suites: the second lane runs them after LANE, and the first lane leaves them out. */
const LIGHT = { config: 'jest.light.config.js', paths: ['/test/unit/', '/test/contracts/'] };

const jest = join(process.cwd(), 'node_modules', 'jest', 'bin', 'jest.js');
const scratch = mkdtempSync(join(tmpdir(), 'postflow-lanes-'));
const setupDone = join(scratch, 'setup-done');
const laneLog = join(scratch, 'lane.log');
const args = process.argv.slice(2);

const run = (jestArgs, env, stdio) =>
  new Promise((resolve) => {
    const child = spawn(process.execPath, [jest, ...jestArgs], { env, stdio });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });

if (args.length) process.exit(await run(args, process.env, 'inherit'));

const main = run(
  [...LANE, ...LIGHT.paths].map((path) => `--testPathIgnorePatterns=${path}`),
  { ...process.env, POSTFLOW_TEST_SETUP_DONE: setupDone },
  'inherit',
);
let mainCode;
main.then((code) => (mainCode = code));

// The second lane starts after the first lane's global setup (or not at all, if that failed).
while (!existsSync(setupDone) && mainCode === undefined) await new Promise((r) => setTimeout(r, 1_000));
let laneCode = 0;
if (existsSync(setupDone)) {
  process.stderr.write(
    `[lanes] ${LANE.join(', ')}, then ${LIGHT.config}, running beside the other suites; output when they end\n`,
  );
  const env = { ...process.env, POSTFLOW_TEST_REUSE_DIST: '1' };
  delete env.POSTFLOW_TEST_SETUP_DONE;
  const out = openSync(laneLog, 'w');
  laneCode = await run(LANE, env, ['ignore', out, out]);
  const lightCode = await run(['--config', LIGHT.config], env, ['ignore', out, out]);
  laneCode ||= lightCode;
  closeSync(out);
}
const code = await main;
if (existsSync(laneLog)) {
  process.stdout.write(
    `\n[lanes] the second lane (${LANE.join(', ')}, ${LIGHT.config}), exit ${laneCode}:\n`,
  );
  process.stdout.write(readFileSync(laneLog, 'utf8'));
}
rmSync(scratch, { recursive: true, force: true });
process.exit(code || laneCode);

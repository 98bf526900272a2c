/**
 * The chaos run from the command line (docs/reliability.md, "Chaos run"):
 *
 *   npm run chaos                  # long form: ≥ 200 worker kills, ≥ 20 server restarts
 *   npm run chaos -- --short       # short form, as CI runs it
 *   npm run chaos -- --seed 1234   # repeat a run's random choices
 *
 * Prints the counts, records them for docs/reliability.md (`node scripts/render-figures.mjs`),
 * and exits 1 when a post was lost, duplicated or left unfinished.
 */
import { recordFigures } from '../helpers/figures';
import { runChaos } from './chaos';
import { figures, findings, passed } from './report';
import { settingsFromArgs } from './settings';

async function main(): Promise<void> {
  const { report, posts } = await runChaos(settingsFromArgs(process.argv.slice(2)));
  for (const line of findings(report)) console.log(`[chaos] ${line}`);
  recordFigures('chaos', figures(report, posts));
  const ok = passed(report);
  console.log(`[chaos] ${ok ? 'PASSED' : 'FAILED'}`);
  // The Temporal native runtime may keep the event loop alive after the last connection closed.
  process.exit(ok ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(2);
});

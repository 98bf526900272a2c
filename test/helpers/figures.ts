import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/config';

/** A table of measured figures, rendered into docs/reliability.md by `npm run reliability`. */
export interface Figures {
  /** The table's column headings. */
  columns: string[];
  rows: Array<Array<string | number>>;
  /** Sentences printed under the table (what was run, with which settings). */
  notes?: string[];
}

/** Where suites leave their figures for scripts/render-figures.mjs (not committed). */
export function figuresDir(): string {
  return process.env.POSTFLOW_FIGURES_DIR ?? join(projectRoot(), '.figures');
}

/**
 * Keeps a suite's figures for the reliability page and prints them, so a CI log shows the same
 * numbers. `section` names the `<!-- figures:section -->` block of docs/reliability.md.
 */
export function recordFigures(section: string, figures: Figures): void {
  const measured = {
    ...figures,
    measured_at: new Date().toISOString(),
    machine: `${cpus()[0]?.model.trim() ?? 'unknown CPU'}, ${cpus().length} cores`,
  };
  mkdirSync(figuresDir(), { recursive: true });
  writeFileSync(join(figuresDir(), `${section}.json`), `${JSON.stringify(measured, null, 2)}\n`);
  // Straight to stdout: jest's console adds a stack trace to every line.
  process.stdout.write(figures.rows.map((row) => `[figures:${section}] ${row.join(' | ')}\n`).join(''));
}

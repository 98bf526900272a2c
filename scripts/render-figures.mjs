#!/usr/bin/env node
// Renders the figures the reliability suites recorded (.figures/<section>.json, see
// test/helpers/figures.ts) into the `<!-- figures:<section> -->` blocks of docs/reliability.md.
// Blocks without a fresh figures file are left as they are, and named.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const figuresDir = process.env.POSTFLOW_FIGURES_DIR ?? join(root, '.figures');
const page = process.env.POSTFLOW_RELIABILITY_PAGE ?? join(root, 'docs', 'reliability.md');
const BLOCK = /<!-- figures:([a-z0-9-]+) -->\n[\s\S]*?<!-- \/figures:\1 -->/g;

const cell = (value) => String(value).replace(/\|/g, '\\|').replace(/\n/g, ' ');

function render(section, figures) {
  const lines = [
    `| ${figures.columns.map(cell).join(' | ')} |`,
    `| ${figures.columns.map(() => '---').join(' | ')} |`,
    ...figures.rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
    '',
    ...(figures.notes ?? []).map((note) => `${note}`),
    ...(figures.notes?.length ? [''] : []),
    `_Measured ${figures.measured_at.slice(0, 16).replace('T', ' ')} UTC on ${figures.machine}._`,
  ];
  return `<!-- figures:${section} -->\n${lines.join('\n')}\n<!-- /figures:${section} -->`;
}

const text = readFileSync(page, 'utf8');
const stale = [];
const updated = text.replace(BLOCK, (block, section) => {
  const file = join(figuresDir, `${section}.json`);
  if (!existsSync(file)) {
    stale.push(section);
    return block;
  }
  return render(section, JSON.parse(readFileSync(file, 'utf8')));
});
writeFileSync(page, updated);
console.log(
  `docs/reliability.md: figures rendered${stale.length ? `; not measured in this run: ${stale.join(', ')}` : ''}.`,
);

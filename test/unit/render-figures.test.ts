import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../runtime/config';
import { recordFigures } from '../helpers/figures';

test('recorded figures are rendered into their block of the page; other blocks stay as they are', () => {
  const dir = mkdtempSync(join(tmpdir(), 'figures-'));
  const page = join(dir, 'reliability.md');
  writeFileSync(
    page,
    [
      '# Page',
      '<!-- figures:chaos -->',
      'old chaos figures',
      '<!-- /figures:chaos -->',
      'between',
      '<!-- figures:shutdown -->',
      'old shutdown figures',
      '<!-- /figures:shutdown -->',
      '',
    ].join('\n'),
  );
  process.env.POSTFLOW_FIGURES_DIR = dir;
  const log = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    recordFigures('chaos', {
      columns: ['what', 'count'],
      rows: [
        ['kills', 200],
        ['a|b', 1],
      ],
      notes: ['Short form.'],
    });
  } finally {
    log.mockRestore();
    delete process.env.POSTFLOW_FIGURES_DIR;
  }
  const output = execFileSync(process.execPath, [join(projectRoot(), 'scripts', 'render-figures.mjs')], {
    env: { ...process.env, POSTFLOW_FIGURES_DIR: dir, POSTFLOW_RELIABILITY_PAGE: page },
    encoding: 'utf8',
  });
  const rendered = readFileSync(page, 'utf8');
  expect(rendered).toContain(
    '<!-- figures:chaos -->\n| what | count |\n| --- | --- |\n| kills | 200 |\n| a\\|b | 1 |\n\nShort form.\n\n_Measured ',
  );
  expect(rendered).not.toContain('old chaos figures');
  expect(rendered).toContain(
    'between\n<!-- figures:shutdown -->\nold shutdown figures\n<!-- /figures:shutdown -->',
  );
  expect(output).toMatch(/not measured in this run: shutdown/);
});

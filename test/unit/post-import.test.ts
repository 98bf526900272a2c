import { ApiError } from '../../api/errors';
import { CsvError, parseCsv } from '../../api/csv';
import { csvRows, importRowKey, jsonRows, MAX_IMPORT_ROWS } from '../../api/post-import';

describe('parseCsv (RFC 4180)', () => {
  test('quoted fields hold commas, quotes and line breaks; CRLF and LF both end records', () => {
    const records = parseCsv('a,b,c\r\n"x, y","say ""hi""","two\nlines"\n1,,3\n');
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['x, y', 'say "hi"', 'two\nlines'] },
      { line: 4, fields: ['1', '', '3'] },
    ]);
  });

  test('a byte-order mark and blank lines are skipped; the last record needs no newline', () => {
    expect(parseCsv('\ufeffa\n\nb').map((r) => r.fields)).toEqual([['a'], ['b']]);
  });

  test('malformed quoting names its line', () => {
    expect(() => parseCsv('a\n"open')).toThrow(new CsvError(2, 'a quoted field is never closed.'));
    expect(() => parseCsv('a\nx"y"')).toThrow(CsvError);
    expect(() => parseCsv('a\n"x"y')).toThrow(/line 2/);
  });
});

describe('csvRows', () => {
  test('columns become the post body fields; lists split; empty cells are absent', () => {
    const [row] = csvRows(
      'text,account_ids,media_ids,media_urls,scheduled_at,title,first_comment,platform_options\n' +
        '"Hello, world",acc_1 acc_2;acc_3,med_1,https://a.example/1.png https://a.example/2.png,2030-01-01T10:00:00Z,,First!,"{""instagram"":{""content_type"":""feed""}}"\n',
    );
    expect(row).toEqual({
      body: {
        text: 'Hello, world',
        account_ids: ['acc_1', 'acc_2', 'acc_3'],
        media: [
          { source_type: 'media_id', source: 'med_1' },
          { source_type: 'url', source: 'https://a.example/1.png' },
          { source_type: 'url', source: 'https://a.example/2.png' },
        ],
        scheduled_at: '2030-01-01T10:00:00Z',
        first_comment: 'First!',
        platform_options: { instagram: { content_type: 'feed' } },
      },
      problems: [],
    });
  });

  test("a row's own problems: platform_options not JSON, a wrong number of fields", () => {
    const rows = csvRows('text,platform_options\nhi,{nope\nshort\nx,{},extra\n');
    expect(rows[0]!.problems).toEqual([expect.objectContaining({ field: 'platform_options' })]);
    expect(rows[1]).toEqual({ body: {}, problems: [expect.objectContaining({ field: 'body' })] });
    expect(rows[2]!.problems[0]!.message).toMatch(/line 4 has 3 fields; the header has 2/);
  });

  test('requires_approval takes true or false in any case, approval_window_minutes a whole number', () => {
    const rows = csvRows(
      'text,requires_approval,approval_window_minutes\n' +
        'a,TRUE,720\n' +
        'b, false ,\n' +
        'c,,0\n' +
        'd,yes,12h\n' +
        'e,1,7.5\n',
    );
    expect(rows.map((r) => r.body)).toEqual([
      { text: 'a', requires_approval: true, approval_window_minutes: 720 },
      { text: 'b', requires_approval: false },
      // Out of range: the post body's own check refuses it, as for a JSON row.
      { text: 'c', approval_window_minutes: 0 },
      { text: 'd' },
      { text: 'e' },
    ]);
    const problem = (field: string) => expect.objectContaining({ field, code: 'validation.field_invalid' });
    expect(rows.slice(0, 3).flatMap((r) => r.problems)).toEqual([]);
    for (const row of rows.slice(3)) {
      expect(row.problems).toEqual([problem('requires_approval'), problem('approval_window_minutes')]);
    }
    expect(rows[3]!.problems.map((p) => p.message)).toEqual([
      "must be true or false (empty: as the accounts' brands say).",
      'must be a whole number of minutes, e.g. 720 (empty: 1440).',
    ]);
  });

  test('the file is refused whole for an unknown, repeated or missing column, or no rows', () => {
    const refusal = (csv: string) => {
      try {
        csvRows(csv);
      } catch (err) {
        return err instanceof ApiError ? `${err.status} ${err.message}` : String(err);
      }
      return 'accepted';
    };
    expect(refusal('text,colour\nhi,red')).toMatch(/^400 Unknown CSV column "colour"/);
    expect(refusal('text,text\na,b')).toMatch(/^400 .*named twice/);
    expect(refusal('account_ids\nacc_1')).toMatch(/^400 The CSV has no text column/);
    expect(refusal('text\n')).toMatch(/^400 The import has no rows/);
    expect(refusal('')).toMatch(/^400 The CSV is empty/);
    expect(refusal('text\n"x')).toMatch(/^400 The CSV is malformed at line 2/);
    expect(refusal(`text\n${'a\n'.repeat(MAX_IMPORT_ROWS + 1)}`)).toMatch(/^413 The import has 10001 rows/);
  });
});

test('jsonRows: an array of post bodies; a non-object row is that row’s problem', () => {
  expect(jsonRows([{ text: 'a' }, 3])).toEqual([
    { body: { text: 'a' }, problems: [] },
    { body: {}, problems: [expect.objectContaining({ field: 'body', code: 'validation.body_invalid' })] },
  ]);
  expect(() => jsonRows({ text: 'a' })).toThrow(/must be an array/);
});

test("a row's key is its content's, whatever the order of its keys", () => {
  const key = importRowKey({ text: 'a', account_ids: ['x'], platform_options: { b: 1, a: 2 } });
  expect(importRowKey({ platform_options: { a: 2, b: 1 }, account_ids: ['x'], text: 'a' })).toBe(key);
  expect(importRowKey({ text: 'b', account_ids: ['x'], platform_options: { b: 1, a: 2 } })).not.toBe(key);
});

import { createHash } from 'node:crypto';
import { ApiError, type Issue } from './errors';
import { CsvError, parseCsv } from './csv';

/**
 * Bulk import (`POST /v1/posts/import`): the rows of a CSV file or a JSON array, each turned into a
 * `POST /v1/posts` body that the posts' own parser and normaliser then check. Nothing here decides
 * whether a post is valid; this only reads the file.
 */

/** Rows one import may hold: a larger file is refused whole, before any row is looked at. */
export const MAX_IMPORT_ROWS = 10_000;
/** The largest import body, CSV or JSON. */
export const MAX_IMPORT_BYTES = 10 * 1024 * 1024;

/** One problem of one row: `row` counts data rows from 1, `field` is the post body's field. */
export interface ImportProblem {
  row: number;
  field: string;
  code: string;
  message: string;
}

/**
 * What became of a row: `valid` (a dry run's passing row), `pending` (valid, its post not started
 * yet), `created`, `duplicate` (its post existed already: an earlier import of the same row), `failed`.
 */
export type ImportRowStatus = 'valid' | 'pending' | 'created' | 'duplicate' | 'failed';

export interface ImportRowResult {
  row: number;
  status: ImportRowStatus;
  /** The row's post (or, in a dry run, the id it would get); null for a failed row. */
  post_id: string | null;
  errors: ImportProblem[];
}

export interface ImportCounts {
  total: number;
  valid: number;
  pending: number;
  created: number;
  duplicate: number;
  failed: number;
}

/** The import resource (`GET /v1/posts/imports/{id}`) and the answer of a dry run (`id` null). */
export interface ImportReport {
  id: string | null;
  status: 'running' | 'done';
  dry_run: boolean;
  created_at: string;
  counts: ImportCounts;
  rows: ImportRowResult[];
  /** Every problem of every row, in row order. */
  errors: ImportProblem[];
}

/** A row read from the file: the post body it stands for, and what was wrong in reading it. */
export interface ImportRow {
  body: Record<string, unknown>;
  /** Problems the file's shape made (a cell that is not JSON), checked along with the body's. */
  problems: Issue[];
}

/**
 * The CSV columns and how each becomes a post body field. A list cell holds its items separated
 * by spaces; account and media ids also by commas or semicolons (URLs may contain those).
 */
const COLUMNS = [
  'text',
  'account_ids',
  'media_ids',
  'media_urls',
  'scheduled_at',
  'title',
  'first_comment',
  'visibility',
  'platform_options',
  'requires_approval',
  'approval_window_minutes',
] as const;
type Column = (typeof COLUMNS)[number];

/** The rows of a CSV file, by its header; a file whose shape is wrong is refused whole (400). */
export function csvRows(text: string): ImportRow[] {
  let records;
  try {
    records = parseCsv(text);
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    throw fileInvalid(`The CSV is malformed at ${err.message}`);
  }
  const [header, ...data] = records;
  if (!header)
    throw fileInvalid('The CSV is empty; its first line names the columns, e.g. text,account_ids.');
  const columns = header.fields.map((name) => name.trim());
  const unknown = columns.filter((name) => !(COLUMNS as readonly string[]).includes(name));
  if (unknown.length) {
    throw fileInvalid(
      `Unknown CSV column${unknown.length > 1 ? 's' : ''} ${unknown.map((c) => `"${c}"`).join(', ')}; the columns are ${COLUMNS.join(', ')}.`,
    );
  }
  const repeated = columns.find((name, i) => columns.indexOf(name) !== i);
  if (repeated) throw fileInvalid(`The CSV column "${repeated}" is named twice.`);
  if (!columns.includes('text')) throw fileInvalid('The CSV has no text column.');
  checkRowCount(data.length);
  return data.map((record) => {
    if (record.fields.length !== columns.length) {
      return {
        body: {},
        problems: [
          {
            field: 'body',
            code: 'validation.body_invalid',
            message: `line ${record.line} has ${record.fields.length} fields; the header has ${columns.length}.`,
          },
        ],
      };
    }
    const cells = new Map(columns.map((name, i) => [name as Column, record.fields[i]!]));
    return bodyOf(cells);
  });
}

/** The rows of a JSON import: an array of `POST /v1/posts` bodies. */
export function jsonRows(body: unknown): ImportRow[] {
  if (!Array.isArray(body)) {
    throw fileInvalid('The JSON body must be an array of posts, each a POST /v1/posts body.');
  }
  checkRowCount(body.length);
  return body.map((item) =>
    typeof item === 'object' && item !== null && !Array.isArray(item)
      ? { body: item as Record<string, unknown>, problems: [] }
      : {
          body: {},
          problems: [{ field: 'body', code: 'validation.body_invalid', message: 'must be a JSON object.' }],
        },
  );
}

function bodyOf(cells: Map<Column, string>): ImportRow {
  const body: Record<string, unknown> = {};
  const problems: Issue[] = [];
  const cell = (name: Column) => {
    const value = cells.get(name);
    return value === undefined || value.trim() === '' ? undefined : value;
  };
  const ids = (name: Column) =>
    cell(name)
      ?.trim()
      .split(/[\s,;]+/);
  // Text keeps its spaces and line breaks as written; the other fields are trimmed.
  if (cells.has('text')) body.text = cells.get('text');
  for (const name of ['scheduled_at', 'title', 'first_comment', 'visibility'] as const) {
    const value = name === 'title' || name === 'first_comment' ? cell(name) : cell(name)?.trim();
    if (value !== undefined) body[name] = value;
  }
  const accounts = ids('account_ids');
  if (accounts) body.account_ids = accounts;
  const media = [
    ...(ids('media_ids') ?? []).map((source) => ({ source_type: 'media_id', source })),
    ...(cell('media_urls')?.trim().split(/\s+/) ?? []).map((source) => ({ source_type: 'url', source })),
  ];
  if (media.length) body.media = media;
  const options = cell('platform_options');
  if (options !== undefined) {
    try {
      body.platform_options = JSON.parse(options);
    } catch {
      problems.push({
        field: 'platform_options',
        code: 'validation.field_invalid',
        message: 'is not JSON; write a JSON object such as {"instagram":{"content_type":"feed"}}.',
      });
    }
  }
  const approval = cell('requires_approval')?.trim();
  if (approval !== undefined) {
    // Spreadsheets write TRUE and FALSE: the case does not matter.
    const flag = approval.toLowerCase();
    if (flag === 'true' || flag === 'false') body.requires_approval = flag === 'true';
    else {
      problems.push({
        field: 'requires_approval',
        code: 'validation.field_invalid',
        message: "must be true or false (empty: as the accounts' brands say).",
      });
    }
  }
  const minutes = cell('approval_window_minutes')?.trim();
  if (minutes !== undefined) {
    // A whole number only: the body's own check then says what range it takes.
    if (/^[+-]?\d+$/.test(minutes)) body.approval_window_minutes = Number(minutes);
    else {
      problems.push({
        field: 'approval_window_minutes',
        code: 'validation.field_invalid',
        message: 'must be a whole number of minutes, e.g. 720 (empty: 1440).',
      });
    }
  }
  return { body, problems };
}

function checkRowCount(rows: number): void {
  if (rows === 0) throw fileInvalid('The import has no rows.');
  if (rows > MAX_IMPORT_ROWS) {
    throw new ApiError(
      413,
      'import.too_many_rows',
      `The import has ${rows} rows; at most ${MAX_IMPORT_ROWS} are taken at once. Split the file.`,
      { field: 'body', rows, max_rows: MAX_IMPORT_ROWS },
    );
  }
}

function fileInvalid(message: string): ApiError {
  return new ApiError(400, 'validation.body_invalid', message, { field: 'body' });
}

/**
 * The idempotency key of a row: a hash of its post body, the same whatever the order of its keys
 * or the file it came in. With the caller's id it gives the row's post id (`postIdForKey`), so a
 * row imported again finds the post the first import made.
 */
export function importRowKey(body: Record<string, unknown>): string {
  return `import:${createHash('sha256').update(canonicalJson(body)).digest('base64url')}`;
}

/** JSON with object keys sorted at every level. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The counts of a list of row results. */
export function countRows(rows: readonly ImportRowResult[]): ImportCounts {
  const counts: ImportCounts = {
    total: rows.length,
    valid: 0,
    pending: 0,
    created: 0,
    duplicate: 0,
    failed: 0,
  };
  for (const row of rows) {
    counts[row.status]++;
    if (row.status !== 'failed' && row.status !== 'valid') counts.valid++;
  }
  return counts;
}

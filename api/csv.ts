/**
 * A CSV reader after RFC 4180: fields separated by commas, records by CRLF or LF, fields that hold
 * a comma, a quote or a line break enclosed in double quotes, a quote inside them doubled. A
 * leading byte-order mark (spreadsheets write one) is skipped; blank lines are no records.
 */

export interface CsvRecord {
  /** The record's first line in the file (1-based), for messages about a malformed record. */
  line: number;
  fields: string[];
}

export class CsvError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvError';
  }
}

/** Every record of `text`; throws a `CsvError` naming the line of the first malformed one. */
export function parseCsv(text: string): CsvRecord[] {
  const records: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let recordLine = 1;
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const endRecord = () => {
    fields.push(field);
    // A line with nothing on it is no record (a trailing newline, a blank line between rows).
    if (fields.length > 1 || fields[0] !== '') records.push({ line: recordLine, fields });
    fields = [];
    field = '';
  };

  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        const next = text[i];
        if (next !== undefined && next !== ',' && next !== '\n' && next !== '\r') {
          throw new CsvError(line, 'a quoted field must end at a comma or the end of the line.');
        }
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== '') throw new CsvError(line, 'a quote inside an unquoted field; quote the whole field.');
      quoted = true;
      i++;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      i++;
    } else if (c === '\r' || c === '\n') {
      endRecord();
      i += c === '\r' && text[i + 1] === '\n' ? 2 : 1;
      line++;
      recordLine = line;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new CsvError(recordLine, 'a quoted field is never closed.');
  endRecord();
  return records;
}

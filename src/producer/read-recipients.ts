/**
 * Reads recipients from a CSV or NDJSON stream, one row at a time, so a file of millions of lines is never held in
 * memory. Rows carry the 1-based line number of the file, so a user can open the file where a problem is.
 * Parsing only: each row's content is checked later by `RecipientValidator`.
 */
import { extname } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { CsvError, parse, type InfoRecord, type Options } from 'csv-parse';
import { SmsqError } from '../shared/errors';
import { neededFields } from '../shared/text/template';
import { headerColumns, headerMissing, isHeader, namedRow } from './csv-columns';
import { PlainCsvLines } from './csv-plain-lines';
import { unbatch } from './unbatch';
import { rowProblem, type RowProblem } from './validate';

export type RecipientFormat = 'csv' | 'ndjson';

/** A row as read: the parsed value for the validator, or why the line itself could not be read. */
export type RawRow = { row: number; input: unknown } | { row: number; problem: RowProblem };

/** Longest line (CSV: record) read, in bytes: far above any real recipient, low enough to bound memory. */
export const MAX_LINE_BYTES = 65_536;

const EXTENSIONS: Record<string, RecipientFormat> = {
  '.csv': 'csv',
  '.txt': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

/** The format a file's extension names (`.csv`, `.txt`, `.ndjson`, `.jsonl`), or null for any other. */
export function formatFromPath(path: string): RecipientFormat | null {
  return EXTENSIONS[extname(path).toLowerCase()] ?? null;
}

/**
 * Yields each non-blank line's row as it is parsed. A row that cannot be read (an NDJSON line that is not JSON, a
 * CSV record with extra columns, an over-long NDJSON line) is yielded as a problem and reading goes on; CSV whose
 * quoting is broken cannot be resynchronised and throws INPUT_UNREADABLE, and a CSV header that is refused throws
 * CSV_HEADER_INVALID before any row. Invalid UTF-8 reads as U+FFFD. Stopping the iteration early destroys `input`.
 */
export function readRecipients(
  input: NodeJS.ReadableStream | Readable,
  format: RecipientFormat,
  opts: ReadOptions = {},
): AsyncIterable<RawRow> {
  const texts = opts.content === undefined ? [] : typeof opts.content === 'string' ? [opts.content] : opts.content;
  return format === 'csv' ? readCsv(input, [...new Set(texts.flatMap((t) => neededFields(t)))]) : readNdjson(input);
}

export interface ReadOptions {
  /**
   * The campaign's content: a CSV must have a header naming every field its template uses without a fallback
   * (`CSV_HEADER_INVALID` at the header, rather than the same missing field on every row). With A/B variants, their
   * texts: the header must name what any of them needs.
   */
  content?: string | readonly string[];
}

/**
 * CSV. The first record is a header when its first field has a letter and no digit (`isHeader`); its columns are
 * then taken by name only (`headerColumns`: the number, `orderId`, `timezone`, and every other named column a
 * template field), and it is refused when a name is doubled, the number column is missing or the template needs a
 * column it lacks (`needed`). Without a header a record is `number[,orderId]`, and a third column an error.
 * An empty cell is a missing value. Unquoted fields are trimmed; empty and blank lines are skipped.
 *
 * Plain lines are read by `PlainCsvLines`, up to the first line that is not plain; csv-parse reads from there.
 * `csvParseOnly` reads the whole input with csv-parse: the reference the tests compare the fast path with.
 */
export function readCsv(
  input: NodeJS.ReadableStream | Readable,
  needed: readonly string[],
  { csvParseOnly = false }: { csvParseOnly?: boolean } = {},
): AsyncIterableIterator<RawRow> {
  const toRow = csvRows(needed);
  return batched(csvParseOnly ? parseCsv(input, toRow, 0) : csvBatches(input, toRow));
}

/** The batches behind each reader's rows, until a row is taken from them one at a time (see `rowBatches`). */
const batchesOf = new WeakMap<AsyncIterable<RawRow>, AsyncIterable<RawRow[]>>();

/** Rows served one at a time, which `rowBatches` can also take a batch at a time. */
function batched(batches: AsyncGenerator<RawRow[]>): AsyncIterableIterator<RawRow> {
  const items = unbatch(batches);
  const rows: AsyncIterableIterator<RawRow> = {
    next() {
      // A batch may now be half served: from here on the rows are read one at a time only.
      batchesOf.delete(rows);
      return items.next();
    },
    return: () => items.return!(),
    [Symbol.asyncIterator]: () => rows,
  };
  batchesOf.set(rows, batches);
  return rows;
}

/**
 * The rows as they were read, a batch (a chunk's rows) at a time, when `rows` comes from `readRecipients` and no row
 * has been taken from it one at a time; null for any other rows. Awaiting each row of a million costs about 0.1 s; a
 * batch is one await. Both ways read the same input: once its batches are taken, its rows are not to be.
 */
export function rowBatches(rows: AsyncIterable<RawRow>): AsyncIterable<RawRow[]> | null {
  return batchesOf.get(rows) ?? null;
}

/** The rows of each chunk of the input, as a batch. */
async function* csvBatches(input: NodeJS.ReadableStream | Readable, toRow: CsvRowMaker): AsyncGenerator<RawRow[]> {
  let rows: RawRow[] = [];
  const plain = new PlainCsvLines(MAX_LINE_BYTES, (fields, line) => {
    const row = toRow(fields, line);
    if (row !== null) rows.push(row);
  });
  const chunks = input[Symbol.asyncIterator]();
  let handedOver = false;
  try {
    for (;;) {
      const next = await chunks.next();
      const rest = next.done === true ? plain.end() : plain.push(bytes(next.value));
      yield rows;
      rows = [];
      if (rest !== null) {
        handedOver = true;
        yield* parseCsv(Readable.from(prepend(rest, chunks)), toRow, plain.lines);
        return;
      }
      if (next.done === true) return;
    }
  } finally {
    // Stopping early destroys the input; once handed over, csv-parse's pipeline does.
    if (!handedOver) await chunks.return?.();
  }
}

async function* prepend(first: Buffer, rest: AsyncIterator<unknown>): AsyncGenerator<unknown> {
  yield first;
  // Delegating passes a stop on to `rest`, which destroys the input.
  yield* { [Symbol.asyncIterator]: () => rest };
}

/**
 * Reads the input with csv-parse, its first byte on line `linesBefore + 1`: 0 for a whole file, else where the fast
 * path handed over. The BOM is skipped only at a file's start; further on csv-parse trims a U+FEFF as white space.
 */
async function* parseCsv(input: NodeJS.ReadableStream | Readable, toRow: CsvRowMaker, linesBefore: number): AsyncGenerator<RawRow[]> {
  // csv-parse's own line count (`info.lines`) counts a CRLF inside a quoted field twice, so lines are counted here:
  // a record starts after the previous one's last line and the blank lines skipped since. This runs in `on_record`,
  // as each record is parsed, so the count is current when a parse error comes (queued records are then dropped).
  let lastLine = linesBefore;
  let lastEmptyLines = 0;
  const startLine = (emptyLines: number) => lastLine + 1 + (emptyLines - lastEmptyLines);
  const onRecord = (record: string[], { empty_lines }: InfoRecord): RawRow | null => {
    const line = startLine(empty_lines);
    lastLine = line + record.reduce((n, field) => n + lineBreaks(field), 0);
    lastEmptyLines = empty_lines;
    return toRow(record, line);
  };
  const options: Options<RawRow, string[]> = {
    bom: linesBefore === 0,
    trim: true,
    relax_column_count: true,
    skip_empty_lines: true,
    max_record_size: MAX_LINE_BYTES,
    // Explicit, because auto-discovery takes the first ending it meets and would glue lines of a mixed file.
    record_delimiter: ['\r\n', '\n', '\r'],
    on_record: onRecord,
  };
  // csv-parse types `on_record` as returning a record unless `columns` is set; at run time it pushes any value.
  const parser = parse(options as unknown as Options);
  // A failure of either stream reaches the loop below through the parser, so the callback has nothing to do.
  pipeline(input, parser, () => {});
  try {
    for await (const row of parser as AsyncIterable<RawRow>) {
      const rows = [row];
      // The rows csv-parse has made already are taken at once, not a promise each.
      for (let more = parser.read() as RawRow | null; more !== null; more = parser.read() as RawRow | null) rows.push(more);
      yield rows;
    }
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const line = startLine(typeof err.empty_lines === 'number' ? err.empty_lines : lastEmptyLines);
    throw new SmsqError('INPUT_UNREADABLE', `line ${line}: ${describeCsvError(err)}`, { line });
  }
}

/** A record (its fields trimmed) on its line to a row, or null for the header. */
type CsvRowMaker = (record: string[], line: number) => RawRow | null;

/**
 * The rows of one file's records, in order: the first decides how the others are read — by the columns a header
 * names, or as `number[,orderId]`. A header refused throws from here, before any row is read.
 */
function csvRows(needed: readonly string[]): CsvRowMaker {
  let toRow: CsvRowMaker | null = null;
  return (record, line) => {
    if (toRow === null) {
      if (isHeader(record)) {
        const columns = headerColumns(record, needed, line);
        toRow = (r, l) =>
          r.length > columns.count
            ? { row: l, problem: rowProblem(l, r.join(','), `found ${r.length} columns; the header names ${columns.count}`) }
            : { row: l, input: namedRow(r, columns) };
        return null;
      }
      if (needed.length > 0) throw headerMissing(line, needed);
      toRow = positionalRow;
    }
    return toRow(record, line);
  };
}

/** A record of a file without a header: `number[,orderId]`. */
function positionalRow(record: string[], line: number): RawRow {
  if (record.length > 2) {
    const reason = `expected number[,orderId], found ${record.length} columns (name the columns in a header row to use them as template fields)`;
    return { row: line, problem: rowProblem(line, record.join(','), reason) };
  }
  const [number, orderId] = record;
  return { row: line, input: orderId === undefined || orderId === '' ? { number } : { number, orderId } };
}

function lineBreaks(field: string): number {
  return field.includes('\n') || field.includes('\r') ? (field.match(/\r\n|\r|\n/g)?.length ?? 0) : 0;
}

function describeCsvError(err: CsvError): string {
  switch (err.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted field is never closed; check for a stray " in this record';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quoted field goes on after its closing quote; write a " inside a quoted field as ""';
    case 'INVALID_OPENING_QUOTE':
      return 'a " appears inside an unquoted field; put the field in quotes and write the " as ""';
    case 'CSV_MAX_RECORD_SIZE':
      return `the record is longer than ${MAX_LINE_BYTES} bytes`;
    default:
      return err.message;
  }
}

/** NDJSON: one JSON object per line (`{"number": "...", "orderId": "...", "fields": {...}}`); blank lines are skipped. */
async function* readNdjson(input: NodeJS.ReadableStream | Readable): AsyncGenerator<RawRow> {
  let row = 0;
  for await (const line of splitLines(input)) {
    row++;
    if (line.tooLong) {
      yield { row, problem: rowProblem(row, line.text, `line is longer than ${MAX_LINE_BYTES} bytes`) };
      continue;
    }
    const text = row === 1 && line.text.startsWith('\uFEFF') ? line.text.slice(1) : line.text;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      yield { row, problem: rowProblem(row, text, 'line is not valid JSON') };
      continue;
    }
    yield { row, input: parsed };
  }
}

interface Line {
  /** The line without its `\n` or `\r\n`; for a line that is too long, only its start. */
  text: string;
  tooLong: boolean;
}

/**
 * Splits a byte stream at `\n`. Bytes are decoded per line, so a character split between chunks decodes whole.
 * A line is kept only up to MAX_LINE_BYTES: the rest of a longer one is dropped as it arrives.
 */
async function* splitLines(input: NodeJS.ReadableStream | Readable): AsyncGenerator<Line> {
  let parts: Buffer[] = [];
  let size = 0;
  let tooLong = false;
  const take = (piece: Buffer) => {
    if (tooLong || piece.length === 0) return;
    // One byte more than the limit may be the `\r` of a CRLF.
    if (size + piece.length > MAX_LINE_BYTES + 1) tooLong = true;
    else {
      parts.push(piece);
      size += piece.length;
    }
  };
  const finish = (): Line => {
    let bytes = Buffer.concat(parts, size);
    if (bytes.at(-1) === 0x0d) bytes = bytes.subarray(0, -1);
    const line =
      tooLong || bytes.length > MAX_LINE_BYTES
        ? { text: bytes.subarray(0, 400).toString('utf8'), tooLong: true }
        : { text: bytes.toString('utf8'), tooLong: false };
    parts = [];
    size = 0;
    tooLong = false;
    return line;
  };

  for await (const chunk of input) {
    const buf = bytes(chunk);
    let start = 0;
    for (let nl = buf.indexOf(0x0a); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      take(buf.subarray(start, nl));
      yield finish();
      start = nl + 1;
    }
    take(buf.subarray(start));
  }
  if (size > 0 || tooLong) yield finish();
}

/** A stream's chunk as bytes: a string chunk is UTF-8, as csv-parse's stream takes it. */
function bytes(chunk: unknown): Buffer {
  return typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
}

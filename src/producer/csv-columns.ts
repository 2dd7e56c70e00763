/**
 * A CSV header's columns, taken by name only: which column holds the number, the orderId, the time zone and each
 * template field. A header that names a column twice, has no number column or lacks a column the template needs is
 * refused whole (`CSV_HEADER_INVALID`): reading on would resolve it by position, and a typo would then change every
 * row (a `name` column read as 1,000 orderIds). The message names the file's columns, so the user sees the typo.
 */
import { SmsqError } from '../shared/errors';

/** Where a header puts each value; columns are 0-based, -1 when the header has no such column. */
export interface CsvColumns {
  /** Columns the header names (a row with more is a bad row). */
  count: number;
  number: number;
  orderId: number;
  /** Each recipient's own zone for a send window. */
  timezone: number;
  /** [column, field name] of every other named column. */
  fields: Array<[number, string]>;
}

type Role = 'number' | 'orderId' | 'timezone';

/**
 * The header names of the columns with a role, compared without case, spaces, `_` and `-` (`Phone Number`,
 * `order_id`). Spreadsheets name the number column in many ways; only these few, which cannot mean anything else.
 */
const ROLES: ReadonlyMap<string, Role> = new Map([
  ['number', 'number'],
  ['phone', 'number'],
  ['phonenumber', 'number'],
  ['mobile', 'number'],
  ['msisdn', 'number'],
  ['orderid', 'orderId'],
  ['timezone', 'timezone'],
]);

const NUMBER_COLUMN_NAMES = 'number (or phone, phone number, mobile, msisdn)';

const roleOf = (name: string): Role | undefined => ROLES.get(name.toLowerCase().replace(/[\s_-]/g, ''));

/**
 * The first record reads as a header when its first cell has a letter and no digit: a phone number always has a
 * digit, a column name hardly ever.
 */
export function isHeader(record: readonly string[]): boolean {
  return /\p{L}/u.test(record[0]) && !/\p{Nd}/u.test(record[0]);
}

/**
 * The columns `header` (on `line`) names. `needed` are the fields the campaign's template uses without a fallback:
 * each must be a column. An empty cell names no column (a spreadsheet's trailing comma); its values are not read.
 */
export function headerColumns(header: readonly string[], needed: readonly string[], line: number): CsvColumns {
  const columns: CsvColumns = { count: header.length, number: -1, orderId: -1, timezone: -1, fields: [] };
  const seen = new Map<string, number>();
  header.forEach((name, i) => {
    if (name === '') return;
    const role = roleOf(name);
    // Two columns of one role, or two fields that differ only in case, would be resolved by position.
    const key = role ?? `field:${name.toLowerCase()}`;
    const before = seen.get(key);
    if (before !== undefined) {
      const what = role === undefined ? `the column ${show(name)}` : `the ${role} column`;
      throw headerError(
        line,
        header,
        `${what} is named twice (${show(header[before])} in column ${before + 1}, ${show(name)} in column ${i + 1})`,
      );
    }
    seen.set(key, i);
    if (role === undefined) columns.fields.push([i, name]);
    else columns[role] = i;
  });
  if (columns.number === -1) throw headerError(line, header, `no column is the number: name it ${NUMBER_COLUMN_NAMES}, any case`);
  const missing = needed.find((field) => !columns.fields.some(([, name]) => name === field));
  if (missing !== undefined) {
    const why =
      roleOf(missing) === undefined
        ? 'field names are case-sensitive'
        : `${show(missing)} names the ${roleOf(missing)} column, which is not a template field`;
    throw headerError(line, header, `the content uses {{${missing}}} without a fallback, and no column is named ${show(missing)} (${why})`);
  }
  return columns;
}

/** A file without a header has no field columns: refused once, not as a missing field on every row. */
export function headerMissing(line: number, needed: readonly string[]): SmsqError {
  const example = ['number', ...needed].join(',');
  return new SmsqError(
    'CSV_HEADER_INVALID',
    `line ${line}: the content uses {{${needed[0]}}} without a fallback, so the file needs a header row naming its columns (such as ${example}); its first line is a recipient, not a header`,
    { line, columns: [] },
  );
}

/** A row read by its header's columns; an empty cell is a missing value. */
export function namedRow(
  record: readonly string[],
  c: CsvColumns,
): { number: string; orderId?: string; fields?: Record<string, string>; timezone?: string } {
  const row: { number: string; orderId?: string; fields?: Record<string, string>; timezone?: string } = { number: record[c.number] ?? '' };
  const orderId = c.orderId === -1 ? undefined : record[c.orderId];
  if (orderId !== undefined && orderId !== '') row.orderId = orderId;
  if (c.fields.length > 0) {
    const fields: Record<string, string> = {};
    for (const [i, name] of c.fields) if (record[i] !== undefined && record[i] !== '') fields[name] = record[i];
    row.fields = fields;
  }
  const zone = c.timezone === -1 ? undefined : record[c.timezone];
  if (zone !== undefined && zone !== '') row.timezone = zone;
  return row;
}

/** Column names are the file's text: shown quoted and cut short, at most MAX_SHOWN of them. */
const MAX_NAME = 40;
const MAX_SHOWN = 30;

const cut = (name: string) => (name.length > MAX_NAME ? `${name.slice(0, MAX_NAME)}…` : name);
const show = (name: string) => JSON.stringify(cut(name));

function headerError(line: number, header: readonly string[], problem: string): SmsqError {
  const shown = header.slice(0, MAX_SHOWN).map(show).join(', ');
  const more = header.length > MAX_SHOWN ? ` and ${header.length - MAX_SHOWN} more` : '';
  return new SmsqError(
    'CSV_HEADER_INVALID',
    `line ${line}: the CSV header is refused: ${problem}. The file's columns are: ${shown}${more}`,
    {
      line,
      columns: header.slice(0, MAX_SHOWN).map(cut),
    },
  );
}

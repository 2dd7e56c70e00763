import { parse } from 'csv-parse/sync';
import { CSV_HEADER, CSV_HEADER_WITH_CONTENT, csvLine } from '../../src/shared/batch/results-csv';
import { toResult } from '../../src/shared/campaign/store';
import { withAccount } from '../../src/shared/accounts/outcome-account';
import type { StoredOutcome } from '../../src/shared/types';

/** The columns of the results CSV before gateway accounts: readers that take them by position must find them there still. */
const BEFORE_ACCOUNTS = 'number,orderId,status,msgId,code,reason,delivery,deliveryCode,deliveryReason,reportedAt,price,currency'.split(',');
/** The columns added since, each at the end when it came. */
const LATER = ['account', 'clicks', 'firstClickAt', 'variant'];
/** Where `account` is: just after the columns before it, whatever came after. */
const ACCOUNT = -LATER.length;

function row(line: string): string[] {
  const [cells]: string[][] = parse(line, { record_delimiter: '\n' });
  return cells;
}

describe('the results CSV', () => {
  it('keeps every earlier column where it was and adds the later ones at the end, in the order they came, after content too', () => {
    expect(CSV_HEADER.split(',')).toEqual([...BEFORE_ACCOUNTS, ...LATER]);
    expect(CSV_HEADER_WITH_CONTENT.split(',')).toEqual([...BEFORE_ACCOUNTS, 'content', ...LATER]);
  });

  it("writes a tracked campaign's clicks and first click time, and leaves both empty for a campaign without tracked links", () => {
    const r = toResult('447700900123', 'o-1', ['s', 'm-1']);
    expect(row(csvLine({ ...r, clicks: 2, firstClickAt: '2026-12-07T10:00:00.000Z' })).slice(-3, -1)).toEqual([
      '2',
      '2026-12-07T10:00:00.000Z',
    ]);
    expect(row(csvLine({ ...r, clicks: 0 })).slice(-3, -1)).toEqual(['0', '']);
    expect(row(csvLine(r)).slice(-3, -1)).toEqual(['', '']);
  });

  it("writes an A/B campaign's recipient's variant last, and leaves it empty without variants", () => {
    const r = toResult('447700900123', 'o-1', ['s', 'm-1']);
    expect(row(csvLine({ ...r, variant: 'B' })).at(-1)).toBe('B');
    expect(row(csvLine(r)).at(-1)).toBe('');
  });

  it.each<[string, StoredOutcome, string]>([
    ['a sent recipient of the default account', ['s', 'm-1'], 'default'],
    ['a sent recipient of account b', withAccount(['s', 'm-2'], 'b'), 'b'],
    ['an unknown recipient of account b', withAccount(['u', 'ETIMEDOUT', 'no answer', 1_700_000_000_000], 'b'), 'b'],
    ['a not-sent recipient of account b', withAccount(['n', 'not in the records'], 'b'), 'b'],
    ['a recipient a call of account b failed', withAccount(['f', '-9', 'bad number'], 'b'), 'b'],
    ['a recipient a call of the default account failed (stored as before accounts)', ['f', '-9', 'bad number'], ''],
    ['a recipient failed before any call', ['f', 'NO_ROUTE', 'no account may send to it'], ''],
    ['a suppressed recipient', ['x', 'stop-reply'], ''],
  ])('names the account of %s in the account column', (_what, outcome, account) => {
    const r = toResult('447700900123', 'o-1', outcome);
    const cells = row(csvLine(r));
    expect(cells).toHaveLength(BEFORE_ACCOUNTS.length + LATER.length);
    expect(cells.at(ACCOUNT)).toBe(account);
    expect(cells.slice(0, 3)).toEqual(['447700900123', 'o-1', r.status]);
    const withContent = row(csvLine({ ...r, content: 'Hi, Ana' }));
    expect(withContent.slice(ACCOUNT - 1, ACCOUNT + 1)).toEqual(['Hi, Ana', account]);
  });

  it('writes a pending recipient with an empty account', () => {
    expect(row(csvLine(toResult('447700900123', 'o-1', undefined))).at(ACCOUNT)).toBe('');
  });

  it('escapes an account name read back from a damaged outcome like free text', () => {
    const damaged = ['s', 'm-3', null, '=cmd,x'] as unknown as StoredOutcome;
    expect(row(csvLine(toResult('447700900123', 'o-1', damaged))).at(ACCOUNT)).toBe("'=cmd,x");
  });
});

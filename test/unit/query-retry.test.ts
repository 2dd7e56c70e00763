import { isTransientQueryFailure, QUERY_RETRY_MAX_MS, queryRetryDelay } from '../../src/shared/gateway/query-retry';
import type { QueryFailure } from '../../src/shared/gateway/queries';

describe('the retry rule of gateway queries', () => {
  const rows: Array<[what: string, failure: QueryFailure, retried: boolean]> = [
    ['-15 (queried too frequently)', { ok: false, kind: 'status', status: '-15', reason: 'too frequent' }, true],
    ['-18 (busy)', { ok: false, kind: 'status', status: '-18', reason: 'exception' }, true],
    ['no answer', { ok: false, kind: 'transport', message: 'ECONNRESET' }, true],
    ['HTTP 503', { ok: false, kind: 'http', message: 'HTTP 503', httpStatus: 503 }, true],
    ['HTTP 404', { ok: false, kind: 'http', message: 'HTTP 404', httpStatus: 404 }, false],
    ['-2 (not permitted)', { ok: false, kind: 'status', status: '-2', reason: 'no permission' }, false],
    ["an answer that is not the API's JSON", { ok: false, kind: 'not-json', message: 'not JSON', httpStatus: 200 }, false],
  ];
  for (const [what, failure, retried] of rows) {
    it(`${retried ? 'retries' : 'does not retry'} soon after ${what}`, () => {
      expect(isTransientQueryFailure(failure)).toBe(retried);
    });
  }

  it('waits from the first delay, doubled per failure up to 10 minutes, spread ±50%', () => {
    expect([1, 2, 3, 4].map((n) => queryRetryDelay(n, 500, 0.5))).toEqual([500, 1_000, 2_000, 4_000]);
    expect(queryRetryDelay(3, 500, 0)).toBe(1_000);
    expect(queryRetryDelay(3, 500, 0.999)).toBe(Math.round(2_000 * 1.499));
    expect(queryRetryDelay(40, 5_000, 0.5)).toBe(QUERY_RETRY_MAX_MS);
  });
});

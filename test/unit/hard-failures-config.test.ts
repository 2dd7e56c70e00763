import { loadConfig } from '../../src/shared/load-config';
import { isHardOutcome, isHardReason } from '../../src/shared/opt-out/hard-failures';

describe('hard failures: SMS_SUPPRESS_HARD_FAILURES and SMS_HARD_FAILURE_REASONS', () => {
  it('suppresses hard failures by default, with the unknown-subscriber reasons', () => {
    const c = loadConfig({});
    expect(c.optOut.suppressHardFailures).toBe(true);
    expect(c.optOut.hardFailureReasons).toEqual([
      'UNKNOWN',
      'UNKNOWN_SUBSCRIBER',
      'ABSENT_SUBSCRIBER_PERMANENT',
      'INVALID_NUMBER',
      'ERR:001',
    ]);
    for (const reason of ['UNKNOWN_SUBSCRIBER', 'unknown_subscriber', ' Err:001 ', 'ABSENT_SUBSCRIBER_PERMANENT'])
      expect(isHardReason(c, reason)).toBe(true);
    // A phone switched off, a generic failure or a reason that only contains a hard one: not hard.
    for (const reason of ['UNDELIV', 'EXPIRED', 'REJECTD', 'ABSENT_SUBSCRIBER', 'UNKNOWN_ERROR', 'failed (getReport)', ''])
      expect(isHardReason(c, reason)).toBe(false);
  });

  it("takes an operator's own list, compared case-insensitively, and turns off", () => {
    const c = loadConfig({ SMS_HARD_FAILURE_REASONS: ' stat:UNDELIV err:001 , Number Not Exist,,', SMS_SUPPRESS_HARD_FAILURES: 'false' });
    expect(c.optOut).toMatchObject({ suppressHardFailures: false, hardFailureReasons: ['STAT:UNDELIV ERR:001', 'NUMBER NOT EXIST'] });
    expect(isHardReason(c, 'number not exist')).toBe(true);
    expect(isHardReason(c, 'UNKNOWN_SUBSCRIBER')).toBe(false);
  });

  it('names a bad value', () => {
    expect(() => loadConfig({ SMS_SUPPRESS_HARD_FAILURES: 'sometimes' })).toThrow(
      /SMS_SUPPRESS_HARD_FAILURES=sometimes is not true or false/,
    );
    expect(() => loadConfig({ SMS_HARD_FAILURE_REASONS: ' , ,' })).toThrow(/SMS_HARD_FAILURE_REASONS lists no reason/);
    expect(() => loadConfig({ SMS_HARD_FAILURE_REASONS: Array.from({ length: 101 }, (_, i) => `R${i}`).join(',') })).toThrow(
      /SMS_HARD_FAILURE_REASONS lists 101 reasons: at most 100/,
    );
    expect(() => loadConfig({ SMS_HARD_FAILURE_REASONS: 'X'.repeat(201) })).toThrow(/longer than 200 characters/);
  });

  it('counts a -9 as hard only for a call of that one number', () => {
    expect(isHardOutcome(['f', '-9', 'number refused'], 1)).toBe(true);
    // Not isolated (SMS_SPLIT_MAX_CALLS reached): the refused number could be any of them.
    expect(isHardOutcome(['f', '-9', 'number refused; not isolated further'], 2)).toBe(false);
    expect(isHardOutcome(['f', 'NOT_ACCEPTED', 'not accepted by gateway'], 1)).toBe(false);
    expect(isHardOutcome(['s', '2108021054011000095'], 1)).toBe(false);
    expect(isHardOutcome(undefined, 1)).toBe(false);
  });
});

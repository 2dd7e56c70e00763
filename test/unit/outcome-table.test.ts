import { type CallResult } from '../../src/shared/gateway/client';
import { classify, DISAGREES_CODE, STATUS_TABLE } from '../../src/shared/gateway/outcome-table';

const reply = (
  status: string,
  extra: Partial<{
    success: number | null;
    accepted: { msgId: string; number: string; orderId: string }[] | null;
    malformed: number;
    unreadableCounts: boolean;
  }> = {},
): CallResult => ({
  kind: 'reply',
  reply: {
    status,
    reason: 'r',
    success: extra.success ?? null,
    fail: null,
    accepted: extra.accepted === undefined ? null : extra.accepted,
    malformed: extra.malformed ?? 0,
    malformedMsgIds: [],
    unreadableCounts: extra.unreadableCounts ?? false,
  },
});

describe('outcome table: one row per gateway answer', () => {
  it('status 0 with an array accepts the listed numbers', () => {
    const accepted = [{ msgId: 'm1', number: '123456', orderId: 'o1' }];
    expect(classify(reply('0', { accepted, success: 1 }))).toEqual({
      kind: 'accepted',
      accepted,
      checks: { success: 1, fail: null, malformed: 0, malformedMsgIds: [], unreadableCounts: false },
    });
  });

  it('status 0 with success "0" and no array accepts nobody', () => {
    expect(classify(reply('0', { success: 0 }))).toMatchObject({ kind: 'accepted', accepted: [] });
  });

  it('status 0 claiming successes without an array, or with an array that is not a list, is unknown: msgIds cannot be matched', () => {
    expect(classify(reply('0', { success: 3 }))).toMatchObject({ kind: 'unknown', code: 'NO_ARRAY' });
    expect(classify(reply('0', { success: 0, malformed: 1 }))).toMatchObject({ kind: 'unknown', code: 'NO_ARRAY' });
  });

  it.each([
    ['lists accepted numbers', { accepted: [{ msgId: 'm1', number: '123456', orderId: 'o1' }] }],
    ['counts accepted numbers', { success: 2 }],
    ['lists unreadable entries', { malformed: 1 }],
    ['gives counts that are not counts', { unreadableCounts: true }],
  ])('a refusal that %s contradicts itself: unknown, never retried blindly', (_, extra) => {
    expect(classify(reply('-18', extra))).toMatchObject({ kind: 'unknown', code: DISAGREES_CODE });
    expect(classify(reply('-9', extra))).toMatchObject({ kind: 'unknown', code: DISAGREES_CODE });
  });

  it.each(['-1', '-2', '-10', '-13', '-19'])('status %s stops the whole account', (status) => {
    const v = classify(reply(status));
    expect(v).toMatchObject({ kind: 'account-stop', code: status });
    expect(v.kind === 'account-stop' && v.operatorAction.length).toBeGreaterThan(10);
  });

  it.each(['-3', '-4', '-5', '-6'])('status %s refuses the content and fails the campaign', (status) => {
    expect(classify(reply(status))).toMatchObject({ kind: 'content-refused', code: status });
  });

  it.each(['-7', '-8'])('status %s is a bug of ours: permanent and flagged', (status) => {
    expect(classify(reply(status))).toMatchObject({ kind: 'permanent', code: status, bug: true });
  });

  it('status -9 refuses a number: split the call', () => {
    expect(classify(reply('-9'))).toMatchObject({ kind: 'number-refused', code: '-9' });
  });

  it('status -16 is clock skew', () => {
    expect(classify(reply('-16'))).toMatchObject({ kind: 'clock-skew', code: '-16' });
  });

  it('status -18 is transient', () => {
    expect(classify(reply('-18'))).toMatchObject({ kind: 'transient', code: '-18' });
  });

  it('an undocumented status fails permanently with the raw status and reason', () => {
    const v = classify({
      kind: 'reply',
      reply: {
        status: '-42',
        reason: 'odd',
        success: null,
        fail: null,
        accepted: null,
        malformed: 0,
        malformedMsgIds: [],
        unreadableCounts: false,
      },
    });
    expect(v).toEqual({ kind: 'permanent', code: '-42', reason: 'gateway status -42: odd', bug: false });
  });

  it.each([500, 502, 503, 429])('HTTP %i is transient', (httpStatus) => {
    expect(classify({ kind: 'http-error', httpStatus, body: '<html>' })).toMatchObject({ kind: 'transient', code: `HTTP_${httpStatus}` });
  });

  it.each([400, 401, 404])('HTTP %i is permanent', (httpStatus) => {
    expect(classify({ kind: 'http-error', httpStatus, body: 'nope' })).toMatchObject({
      kind: 'permanent',
      code: `HTTP_${httpStatus}`,
      bug: false,
    });
  });

  it('a request that never reached the gateway is transient', () => {
    expect(classify({ kind: 'not-sent', errorCode: 'ECONNREFUSED', message: 'refused' })).toMatchObject({
      kind: 'transient',
      code: 'ECONNREFUSED',
    });
  });

  it('a call cut off after sending is unknown, or transient when SMS_RETRY_UNKNOWN opts in', () => {
    const cut: CallResult = { kind: 'cut-off', errorCode: 'ETIMEDOUT', message: 'timeout' };
    expect(classify(cut)).toMatchObject({ kind: 'unknown', code: 'ETIMEDOUT' });
    expect(classify(cut, true)).toMatchObject({ kind: 'transient', code: 'ETIMEDOUT' });
  });

  it('HTTP 200 without the API JSON is unknown', () => {
    expect(classify({ kind: 'not-json', httpStatus: 200, body: '<html>' })).toMatchObject({ kind: 'unknown', code: 'BAD_REPLY' });
  });

  it('covers every documented status', () => {
    expect(Object.keys(STATUS_TABLE).sort()).toEqual(
      ['-1', '-10', '-13', '-16', '-18', '-19', '-2', '-3', '-4', '-5', '-6', '-7', '-8', '-9'].sort(),
    );
  });
});

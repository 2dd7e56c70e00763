import { matchAccepted } from '../../src/shared/gateway/match-accepted';
import { parseReply, snippet } from '../../src/shared/gateway/parse-reply';
import { sign, timestampNow } from '../../src/shared/gateway/sign';

describe('signing', () => {
  it('is md5(apiKey + apiSecret + timestamp) in lowercase hex', () => {
    // md5("keysecret1630468800") computed independently with `printf keysecret1630468800 | md5sum`.
    expect(sign('key', 'secret', '1630468800')).toBe('291bf92c541f645573358879e75ef65e');
    expect(sign('key', 'secret', '1630468800')).not.toBe(sign('key', 'secret', '1630468801'));
  });

  it('uses seconds for the timestamp', () => {
    expect(timestampNow(1_630_468_800_999)).toBe('1630468800');
  });
});

describe('parsing the gateway answer tolerantly', () => {
  it('reads the documented example with string counts', () => {
    const r = parseReply(
      '{"status":"0","reason":"success","success":"2","fail":"0","array":[{"msgId":"2108021054011000095","number":"91856321412","orderId":"21412"},{"msgId":"2108021059531000096","number":"91856321413","orderId":"21413"}]}',
    );
    expect(r).toEqual({
      status: '0',
      reason: 'success',
      success: 2,
      fail: 0,
      accepted: [
        { msgId: '2108021054011000095', number: '91856321412', orderId: '21412' },
        { msgId: '2108021059531000096', number: '91856321413', orderId: '21413' },
      ],
      malformed: 0,
      malformedMsgIds: [],
      unreadableCounts: false,
    });
  });

  it('accepts numeric counts and status, extra fields, and a missing array', () => {
    expect(parseReply('{"status":-18,"reason":"busy","success":0,"extra":{"x":1}}')).toEqual({
      status: '-18',
      reason: 'busy',
      success: 0,
      fail: null,
      accepted: null,
      malformed: 0,
      malformedMsgIds: [],
      unreadableCounts: false,
    });
  });

  it('counts elements that are not entries instead of inventing or dropping them silently', () => {
    const r = parseReply(
      '{"status":"0","array":[{"number":"1"},null,"x",{"msgId":"m","number":"2"},{"msgId":2108021054011000095,"number":"3"},{"msgId":"n","number":{}},{"msgId":17,"number":447700900001}]}',
    );
    expect(r?.accepted).toEqual([
      { msgId: 'm', number: '2', orderId: '' },
      { msgId: '17', number: '447700900001', orderId: '' },
    ]);
    // No msgId, not an object (twice), a msgId that lost its digits as a JSON number, a number of the wrong type.
    expect(r?.malformed).toBe(5);
    expect(r?.malformedMsgIds).toEqual(['n']);
    expect(parseReply('{"status":"0","success":"1","array":{"msgId":"m"}}')).toMatchObject({ accepted: null, malformed: 1 });
  });

  it.each(['<html><body>502 Bad Gateway</body></html>', '', 'null', '[]', '{"reason":"no status"}', '{"status":'])(
    'is null for a body that is not the API JSON: %j',
    (body) => {
      expect(parseReply(body)).toBeNull();
    },
  );

  it('tells a count that is absent from one that is not a count', () => {
    expect(parseReply('{"status":"-18"}')).toMatchObject({ success: null, fail: null, unreadableCounts: false });
    expect(parseReply('{"status":"-18","success":"many","fail":"0"}')).toMatchObject({ success: null, fail: 0, unreadableCounts: true });
    expect(parseReply('{"status":"0","success":"1","fail":-1}')).toMatchObject({ success: 1, fail: null, unreadableCounts: true });
  });

  it('cuts long bodies for reason texts', () => {
    expect(snippet('x'.repeat(500)).length).toBeLessThanOrEqual(81);
  });
});

describe('matching accepted numbers to recipients', () => {
  const recipients = [
    { number: '111111', orderId: 'a' },
    { number: '222222', orderId: 'b' },
    { number: '333333', orderId: 'c' },
  ];
  const all = [0, 1, 2];
  const counts = (success: number | null, fail: number | null = null, malformed = 0, malformedMsgIds: string[] = []) => ({
    success,
    fail,
    malformed,
    malformedMsgIds,
    unreadableCounts: false,
  });
  const kinds = (m: ReturnType<typeof matchAccepted>) => Object.fromEntries(m.disagreements);

  it('matches by orderId whatever the order of the array, and an answer that adds up agrees', () => {
    const m = matchAccepted(
      recipients,
      all,
      [
        { msgId: 'm3', number: '333333', orderId: 'c' },
        { msgId: 'm1', number: '111111', orderId: 'a' },
      ],
      counts(2, 1),
    );
    expect([...m.msgIds.entries()].sort()).toEqual([
      [0, 'm1'],
      [2, 'm3'],
    ]);
    expect(kinds(m)).toEqual({});
  });

  it('falls back to the number, normalised, when the orderId is not echoed', () => {
    const m = matchAccepted(recipients, all, [{ msgId: 'm2', number: '+222 222', orderId: '' }], counts(1, 2));
    expect([...m.msgIds.entries()]).toEqual([[1, 'm2']]);
    expect(kinds(m)).toEqual({});
  });

  it('never attributes an entry whose number and orderId name different recipients, or a recipient outside the call', () => {
    const m = matchAccepted(
      recipients,
      [0, 1],
      [
        { msgId: 'x', number: '333333', orderId: 'c' },
        { msgId: 'm1', number: '222222', orderId: 'a' },
        { msgId: 'm2', number: '222222', orderId: 'b' },
      ],
      counts(3, 0),
    );
    expect([...m.msgIds.entries()]).toEqual([[1, 'm2']]);
    expect(kinds(m)).toEqual({ 'unknown-recipient': 1, 'mismatched-pair': 1, 'count-mismatch': 1 });
  });

  it('attributes no msgId given to two entries, and no recipient listed twice', () => {
    const m = matchAccepted(
      recipients,
      all,
      [
        { msgId: 'same', number: '111111', orderId: 'a' },
        { msgId: 'same', number: '222222', orderId: 'b' },
        { msgId: 'm3', number: '333333', orderId: 'c' },
        { msgId: 'm3b', number: '333333', orderId: 'c' },
      ],
      counts(4),
    );
    expect([...m.msgIds.entries()]).toEqual([]);
    expect(kinds(m)).toEqual({ 'repeated-msgid': 1, 'repeated-recipient': 1 });
  });

  it('attributes no msgId that an unreadable element carries too', () => {
    const m = matchAccepted(recipients, all, [{ msgId: 'm1', number: '222222', orderId: 'b' }], counts(2, 1, 1, ['m1']));
    expect(m.msgIds.size).toBe(0);
    expect(kinds(m)).toEqual({ 'repeated-msgid': 1, 'malformed-entry': 1 });
  });

  it('never attributes by a number that is in the call twice', () => {
    const twice = [...recipients, { number: '111111', orderId: 'd' }];
    const m = matchAccepted(twice, [0, 1, 2, 3], [{ msgId: 'm', number: '111111', orderId: '' }], counts(1, 3));
    expect(m.msgIds.size).toBe(0);
    expect(kinds(m)).toEqual({ 'ambiguous-number': 1 });
  });

  it.each([
    ['success missing', counts(null, 2), { 'count-mismatch': 1 }],
    ['success above the entries', counts(3, 0), { 'count-mismatch': 1 }],
    ['success + fail not the call size', counts(1, 1), { 'count-mismatch': 1 }],
    ['an unreadable entry', counts(2, 1, 1), { 'malformed-entry': 1 }],
    ['a count that is not one', { ...counts(1, 2), unreadableCounts: true }, { 'count-mismatch': 1 }],
  ])('disagrees with %s, yet keeps the entries it can attribute', (_, c, expected) => {
    const m = matchAccepted(recipients, all, [{ msgId: 'm1', number: '111111', orderId: 'a' }], c);
    expect([...m.msgIds.entries()]).toEqual([[0, 'm1']]);
    expect(kinds(m)).toEqual(expected);
  });
});

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
    const r = parseReply('{"status":"0","reason":"success","success":"2","fail":"0","array":[{"msgId":"2108021054011000095","number":"91856321412","orderId":"21412"},{"msgId":"2108021059531000096","number":"91856321413","orderId":"21413"}]}');
    expect(r).toEqual({
      status: '0', reason: 'success', success: 2, fail: 0,
      accepted: [
        { msgId: '2108021054011000095', number: '91856321412', orderId: '21412' },
        { msgId: '2108021059531000096', number: '91856321413', orderId: '21413' },
      ],
    });
  });

  it('accepts numeric counts and status, extra fields, and a missing array', () => {
    expect(parseReply('{"status":-18,"reason":"busy","success":0,"extra":{"x":1}}')).toEqual({ status: '-18', reason: 'busy', success: 0, fail: null, accepted: null });
  });

  it('drops array entries without a msgId instead of inventing one', () => {
    expect(parseReply('{"status":"0","array":[{"number":"1"},null,"x",{"msgId":"m","number":"2"}]}')?.accepted).toEqual([{ msgId: 'm', number: '2', orderId: '' }]);
  });

  it.each(['<html><body>502 Bad Gateway</body></html>', '', 'null', '[]', '{"reason":"no status"}', '{"status":'])('is null for a body that is not the API JSON: %j', (body) => {
    expect(parseReply(body)).toBeNull();
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

  it('matches by orderId whatever the order of the array', () => {
    const m = matchAccepted(recipients, [0, 1, 2], [
      { msgId: 'm3', number: '333333', orderId: 'c' },
      { msgId: 'm1', number: '111111', orderId: 'a' },
    ]);
    expect([...m.msgIds.entries()].sort()).toEqual([[0, 'm1'], [2, 'm3']]);
    expect(m.strays).toEqual([]);
  });

  it('falls back to the number, normalised, when the orderId is not echoed', () => {
    const m = matchAccepted(recipients, [0, 1, 2], [{ msgId: 'm2', number: '+222 222', orderId: '' }]);
    expect([...m.msgIds.entries()]).toEqual([[1, 'm2']]);
  });

  it('never assigns an entry to a recipient outside the call, or twice', () => {
    const m = matchAccepted(recipients, [0], [
      { msgId: 'x', number: '222222', orderId: 'b' },
      { msgId: 'm1', number: '111111', orderId: 'a' },
      { msgId: 'again', number: '111111', orderId: 'a' },
    ]);
    expect([...m.msgIds.entries()]).toEqual([[0, 'm1']]);
    expect(m.strays.map((s) => s.msgId)).toEqual(['x', 'again']);
  });
});

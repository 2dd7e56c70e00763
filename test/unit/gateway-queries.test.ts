import { formatGatewayTime, parseGatewayTime, parseIsoWithOffset } from '../../src/shared/gateway/gateway-time';
import {
  parseQueryAnswer,
  quoteLongIntegers,
  readBalanceAnswer,
  readReportAnswer,
  readSentRcdAnswer,
} from '../../src/shared/gateway/parse-queries';

const report = (body: string, asked: string[] = []) => parseQueryAnswer(body, (f) => readReportAnswer(f, asked));

describe('reading getReport answers', () => {
  it('reads string fields, maps statuses to states and parses ISO times', () => {
    const body = JSON.stringify({
      status: '0',
      reason: 'success',
      success: '1',
      fail: '1',
      sending: '1',
      nofound: '2',
      array: [
        { msgId: '2108021054011000095', number: '91856321412', receiveTime: '2021-08-02T18:54:01+08:00', status: '0' },
        { msgId: '2108021054011000096', number: '91856321413', receiveTime: '2021-08-02T18:54:02+08:00', status: '1' },
        { msgId: '2108021054011000097', number: '91856321414', receiveTime: '2021-08-02T18:54:03+08:00', status: '-1' },
      ],
    });
    expect(report(body)).toEqual({
      ok: true,
      value: {
        nofound: 2,
        sending: 1,
        records: [
          {
            msgId: '2108021054011000095',
            number: '91856321412',
            receiveTime: Date.UTC(2021, 7, 2, 10, 54, 1),
            state: 'delivered',
            rawStatus: '0',
          },
          {
            msgId: '2108021054011000096',
            number: '91856321413',
            receiveTime: Date.UTC(2021, 7, 2, 10, 54, 2),
            state: 'failed',
            rawStatus: '1',
          },
          {
            msgId: '2108021054011000097',
            number: '91856321414',
            receiveTime: Date.UTC(2021, 7, 2, 10, 54, 3),
            state: 'sending',
            rawStatus: '-1',
          },
        ],
      },
    });
  });

  it('accepts numbers for status, counts and per-message statuses; any other status is failed, none is sending', () => {
    const r = report(
      '{"status":0,"sending":0,"nofound":1,"array":[{"msgId":"1","number":91856321412,"status":0},{"msgId":"2","status":2},{"msgId":"3"}]}',
    );
    expect(r.ok && r.value).toEqual({
      nofound: 1,
      sending: 0,
      records: [
        { msgId: '1', number: '91856321412', receiveTime: null, state: 'delivered', rawStatus: '0' },
        { msgId: '2', number: '', receiveTime: null, state: 'failed', rawStatus: '2' },
        { msgId: '3', number: '', receiveTime: null, state: 'sending', rawStatus: '' },
      ],
    });
  });

  it('keeps every digit of a msgId sent as a bare JSON number above 2^53', () => {
    const r = report('{"status":"0","array":[{"msgId":2108021059531000096,"number":"91856321413","status":"0"}]}');
    expect(r.ok && r.value.records[0].msgId).toBe('2108021059531000096');
    expect(String(JSON.parse('2108021059531000096'))).not.toBe('2108021059531000096'); // why the care is needed
  });

  it('counts nofound and sending itself when the answer leaves them out, and reads msgid in lower case', () => {
    const r = report('{"status":"0","array":[{"msgid":"1","status":"-1"},{"number":"x","status":"0"},null,7]}', ['1', '2', '3', '3']);
    expect(r.ok && r.value).toEqual({ nofound: 2, sending: 1, records: [expect.objectContaining({ msgId: '1', state: 'sending' })] });
  });

  it('treats a missing array as no records', () => {
    expect(report('{"status":"0","reason":"success"}')).toEqual({ ok: true, value: { records: [], nofound: 0, sending: 0 } });
  });

  it('returns the gateway status and reason of a refusal, numbers included', () => {
    expect(report('{"status":"-15","reason":"queried too frequently"}')).toEqual({
      ok: false,
      kind: 'status',
      status: '-15',
      reason: 'queried too frequently',
    });
    expect(report('{"status":-18}')).toEqual({ ok: false, kind: 'status', status: '-18', reason: '' });
  });

  it.each(['<html>502 Bad Gateway</html>', '', 'null', '[]', '{"reason":"no status"}', '{"status":'])('is not-json for %j', (body) => {
    expect(report(body)).toMatchObject({ ok: false, kind: 'not-json' });
  });
});

describe('reading getSentRcd and getBalance answers', () => {
  it('reads sent records with their raw status', () => {
    const r = parseQueryAnswer(
      '{"status":"0","array":[{"msgId":2108021059531000096,"number":"1","receiveTime":"2021-02-12T00:00:00+08:00","status":2}]}',
      readSentRcdAnswer,
    );
    expect(r).toEqual({
      ok: true,
      value: { records: [{ msgId: '2108021059531000096', number: '1', receiveTime: Date.UTC(2021, 1, 11, 16), rawStatus: '2' }] },
    });
    expect(parseQueryAnswer('{"status":"0"}', readSentRcdAnswer)).toEqual({ ok: true, value: { records: [] } });
  });

  it('keeps balances as the decimal strings given, and needs a balance', () => {
    expect(parseQueryAnswer('{"status":"0","balance":"12.3400","gift":"0","credit":"5"}', readBalanceAnswer)).toEqual({
      ok: true,
      value: { balance: '12.3400', gift: '0', credit: '5' },
    });
    expect(parseQueryAnswer('{"status":"0","balance":7.5}', readBalanceAnswer)).toEqual({
      ok: true,
      value: { balance: '7.5', gift: '0', credit: '0' },
    });
    expect(parseQueryAnswer('{"status":"0"}', readBalanceAnswer)).toMatchObject({ ok: false, kind: 'not-json' });
  });
});

describe('quoting long integers before JSON.parse', () => {
  it.each([
    ['{"a":12345678901234567}', '{"a":"12345678901234567"}'],
    ['[1234567890123456,-1234567890123456789]', '["1234567890123456","-1234567890123456789"]'],
    ['{"a":123456789012345}', '{"a":123456789012345}'], // 15 digits are exact as numbers
    ['{"a":12345678901234567.5,"b":1.2345678901234567e3}', '{"a":12345678901234567.5,"b":1.2345678901234567e3}'],
    ['{"s":"x:12345678901234567,\\"12345678901234567\\"","n":true}', '{"s":"x:12345678901234567,\\"12345678901234567\\"","n":true}'],
  ])('turns %s into %s', (input, output) => {
    expect(quoteLongIntegers(input)).toBe(output);
    expect(() => JSON.parse(quoteLongIntegers(input))).not.toThrow();
  });
});

describe('gateway times', () => {
  it('formats in +08:00 to the second', () => {
    expect(formatGatewayTime(Date.UTC(2021, 1, 11, 16, 0, 0, 999))).toBe('2021-02-12T00:00:00+08:00');
  });

  it('parses strictly for requests: seconds and an offset required', () => {
    expect(parseIsoWithOffset('2021-02-12T00:00:00+08:00')).toBe(Date.UTC(2021, 1, 11, 16));
    expect(parseIsoWithOffset('2021-02-11T16:00:00.500Z')).toBe(Date.UTC(2021, 1, 11, 16, 0, 0, 500));
    for (const bad of ['2021-02-12T00:00:00', '2021-02-12 00:00:00 08:00', '2021-02-12T00:00+08:00', '2021-13-40T00:00:00Z', '']) {
      expect(parseIsoWithOffset(bad)).toBeNull();
    }
  });

  it('parses tolerantly for answers: no offset means the gateway zone; numbers are epoch seconds or ms', () => {
    const t = Date.UTC(2021, 1, 11, 16);
    expect([
      parseGatewayTime('2021-02-12 00:00:00'),
      parseGatewayTime('2021-02-12T00:00:00'),
      parseGatewayTime(t),
      parseGatewayTime(t / 1000),
      parseGatewayTime(String(t)),
    ]).toEqual([t, t, t, t, t]);
    expect([parseGatewayTime('yesterday'), parseGatewayTime(null), parseGatewayTime(undefined), parseGatewayTime(-5)]).toEqual([
      null,
      null,
      null,
      null,
    ]);
  });
});

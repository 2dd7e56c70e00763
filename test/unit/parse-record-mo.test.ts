import { readMoAnswer, readMoRecord } from '../../src/shared/gateway/parse-mo';
import { parseQueryAnswer } from '../../src/shared/gateway/parse-queries';

const mo = (body: string) => parseQueryAnswer(body, readMoAnswer);

describe('reading recordMo answers', () => {
  it('reads the documented answer: paging fields, records with their time, operator and price', () => {
    const body = JSON.stringify({
      status: '0',
      reason: 'success',
      data: {
        total: 2,
        size: 100,
        current: 1,
        pages: 1,
        records: [
          {
            number: '91856321412',
            sendId: 'SHOP',
            receiveTime: '2022-08-01T10:00:00+08:00',
            content: 'STOP',
            mcc: 404,
            mnc: 10,
            operator: 'Airtel',
            pricedetail: { pay: '0.0000', chargeCnt: 1, currency: 'USD', price: '0.0000' },
          },
          {
            number: '447700900123',
            sendId: '',
            receiveTime: '2022-08-01T10:00:05+08:00',
            content: ' thanks! ',
            mcc: 234,
            mnc: 15,
            operator: 'Vodafone',
          },
        ],
      },
    });
    expect(mo(body)).toEqual({
      ok: true,
      value: {
        total: 2,
        pages: 1,
        current: 1,
        records: [
          {
            number: '91856321412',
            sendId: 'SHOP',
            receiveTime: Date.UTC(2022, 7, 1, 2, 0, 0),
            content: 'STOP',
            mcc: '404',
            mnc: '10',
            operator: 'Airtel',
            pay: '0.0000',
            currency: 'USD',
          },
          {
            number: '447700900123',
            sendId: '',
            receiveTime: Date.UTC(2022, 7, 1, 2, 0, 5),
            content: ' thanks! ',
            mcc: '234',
            mnc: '15',
            operator: 'Vodafone',
          },
        ],
      },
    });
  });

  it('takes counts as strings, derives missing ones from the records, and skips records without a number', () => {
    const r = mo(
      '{"status":"0","data":{"total":"3","pages":"2","current":"2","records":[{"number":"","content":"x"},{"mobile":"8613800138000","content":"退订","receiveTime":"2022-08-01 10:00:00"},7]}}',
    );
    expect(r).toEqual({
      ok: true,
      value: {
        total: 3,
        pages: 2,
        current: 2,
        records: [expect.objectContaining({ number: '8613800138000', content: '退订', receiveTime: Date.UTC(2022, 7, 1, 2) })],
      },
    });
    expect(mo('{"status":"0","data":{"records":[{"number":"91856321412","content":"hi"}]}}')).toEqual({
      ok: true,
      value: {
        total: 1,
        pages: 1,
        current: 1,
        records: [{ number: '91856321412', sendId: '', receiveTime: null, content: 'hi', mcc: '', mnc: '', operator: '' }],
      },
    });
    expect(mo('{"status":"0","data":{}}')).toEqual({ ok: true, value: { total: 0, pages: 0, current: 1, records: [] } });
  });

  it('calls an answer without data not-json, and a non-zero status a status failure', () => {
    expect(mo('{"status":"0","reason":"success"}')).toMatchObject({ ok: false, kind: 'not-json' });
    expect(mo('{"status":"-25","reason":"out of time range"}')).toEqual({
      ok: false,
      kind: 'status',
      status: '-25',
      reason: 'out of time range',
    });
    expect(mo('{"status":"-15"}')).toMatchObject({ ok: false, kind: 'status', status: '-15' });
  });

  it('reads a pushed reply with the same fields, and a millisecond timestamp when there is no receiveTime', () => {
    expect(readMoRecord({ number: 91856321412, content: 'Stop', timestamp: 1629801177192 })).toMatchObject({
      number: '91856321412',
      content: 'Stop',
      receiveTime: 1629801177192,
    });
    expect(readMoRecord({ content: 'Stop' })).toBeNull();
  });
});

import { sendSmsBatchBody, sendSmsBody } from '../../src/shared/gateway/send-body';

/** The bodies are written as bytes by hand for speed: they must be exactly the JSON the gateway's API describes. */
describe('gateway request bodies', () => {
  const texts = ['Hi Ana, your order 4411 ships today', 'Привет, Дарья', 'Emoji 😀 and a "quote" \\ backslash\nnew line', 'x'.repeat(1024), '€[]{}~^|'];

  it('writes a sendSms/batch body that parses to the documented shape, whatever the texts hold', () => {
    const elements = texts.map((content, i) => ({ numbers: [`4479000000${i}`, `4479000001${i}`], orderIds: [`a${i}`, `b${i}`], content, senderId: i === 0 ? 'SHOP' : undefined }));
    const body = sendSmsBatchBody('app-1', 'DEFAULT', { elements });
    expect(JSON.parse(body.toString('utf8'))).toEqual({
      appId: 'app-1',
      array: elements.map((e, i) => ({ numbers: e.numbers.join(','), content: texts[i], senderId: i === 0 ? 'SHOP' : 'DEFAULT', orderId: e.orderIds.join(',') })),
    });
    expect(body.length).toBe(Buffer.byteLength(body.toString('utf8')));
  });

  it('writes one element as a valid body, and none as an empty array', () => {
    const one = sendSmsBatchBody('a"pp', undefined, { elements: [{ numbers: ['447900000001'], orderIds: ['o1'], content: 'Hi', senderId: undefined }] });
    expect(JSON.parse(one.toString())).toEqual({ appId: 'a"pp', array: [{ numbers: '447900000001', content: 'Hi', senderId: '', orderId: 'o1' }] });
    expect(JSON.parse(sendSmsBatchBody('app', undefined, { elements: [] }).toString())).toEqual({ appId: 'app', array: [] });
  });

  it('writes a sendSms body with the numbers and orderIds comma-joined', () => {
    const body = sendSmsBody('app', undefined, { numbers: ['1', '2'], orderIds: ['x', 'y'], content: 'Привет', senderId: undefined });
    expect(JSON.parse(body.toString())).toEqual({ appId: 'app', numbers: '1,2', content: 'Привет', senderId: '', orderId: 'x,y' });
  });
});

import { jsonText } from '../../src/shared/gateway/json-text';
import { sendSmsBatchBody, sendSmsBody } from '../../src/shared/gateway/send-body';

/** The bodies are written as bytes by hand for speed: they must be exactly the JSON the gateway's API describes. */
describe('gateway request bodies', () => {
  const texts = [
    'Hi Ana, your order 4411 ships today',
    'Привет, Дарья',
    'Emoji 😀 and a "quote" \\ backslash\nnew line',
    'x'.repeat(1024),
    '€[]{}~^|',
  ];

  it('writes a sendSms/batch body that parses to the documented shape, whatever the texts and orderIds hold', () => {
    // More elements than one write takes, so that runs of elements meet.
    const elements = Array.from({ length: 150 }, (_, i) => ({
      numbers: `4479000000${i},4479000001${i}`,
      orderIds: `a"${i},b\\${i}`,
      text: jsonText(texts[i % texts.length]),
    }));
    const body = sendSmsBatchBody('app-1', 'DEFAULT', { elements, senderId: 'SHOP' });
    expect(JSON.parse(body.toString('utf8'))).toEqual({
      appId: 'app-1',
      array: elements.map((e, i) => ({ numbers: e.numbers, content: texts[i % texts.length], senderId: 'SHOP', orderId: e.orderIds })),
    });
    expect(body.length).toBe(Buffer.byteLength(body.toString('utf8')));
  });

  it('writes one element as a valid body with the default sender id, and none as an empty array', () => {
    const one = sendSmsBatchBody('a"pp', undefined, { elements: [{ numbers: '447900000001', orderIds: 'o1', text: jsonText('Hi') }] });
    expect(JSON.parse(one.toString())).toEqual({
      appId: 'a"pp',
      array: [{ numbers: '447900000001', content: 'Hi', senderId: '', orderId: 'o1' }],
    });
    const fallback = sendSmsBatchBody('app', 'DEFAULT', { elements: [{ numbers: '447900000001', orderIds: 'o1', text: jsonText('Hi') }] });
    expect(JSON.parse(fallback.toString()).array[0].senderId).toBe('DEFAULT');
    expect(JSON.parse(sendSmsBatchBody('app', undefined, { elements: [] }).toString())).toEqual({ appId: 'app', array: [] });
  });

  it('writes a sendSms body with the numbers and orderIds comma-joined', () => {
    const body = sendSmsBody('app', undefined, { numbers: ['1', '2'], orderIds: ['x', 'y'], content: 'Привет', senderId: undefined });
    expect(JSON.parse(body.toString())).toEqual({ appId: 'app', numbers: '1,2', content: 'Привет', senderId: '', orderId: 'x,y' });
  });
});

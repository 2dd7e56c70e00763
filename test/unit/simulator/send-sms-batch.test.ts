import { SIMULATOR_CREDENTIALS } from '../../../src/shared/config';
import { startSimulator, type SendSmsAnswer, type Simulator } from '../../../src/simulator';
import { numbersFrom, sendSmsBatch } from '../../support/simulator-client';

let sim: Simulator;

beforeEach(async () => {
  sim = await startSimulator({ port: 0, faults: { pricePerSegment: 0.01 } });
});

afterEach(async () => {
  await sim.close();
});

async function answer(res: Response): Promise<SendSmsAnswer> {
  expect(res.status).toBe(200);
  return (await res.json()) as SendSmsAnswer;
}

describe('sendSms/batch', () => {
  it('accepts each element with its own text, records each message’s text, and charges each by its segments', async () => {
    const long = `Hello ${'x'.repeat(200)}`; // GSM-7, 2 segments
    const ucs2 = 'Привет'; // UCS-2, 1 segment
    const a = await answer(
      await sendSmsBatch(sim, [
        { numbers: ['447700900001', '447700900002'], orderIds: ['a', 'b'], content: long, senderId: 'SHOP' },
        { numbers: ['447700900003'], orderIds: ['c'], content: ucs2 },
      ]),
    );
    expect(a).toMatchObject({ status: '0', success: '3', fail: '0' });
    const byOrder = new Map(a.array!.map((e) => [e.orderId, e]));
    expect(sim.ledger.byMsgId(byOrder.get('a')!.msgId)).toMatchObject({
      number: '447700900001',
      content: long,
      senderId: 'SHOP',
      chargeCnt: 2,
    });
    expect(sim.ledger.byMsgId(byOrder.get('c')!.msgId)).toMatchObject({ number: '447700900003', content: ucs2, chargeCnt: 1 });
    expect(sim.stats()).toMatchObject({ calls: 1, accepted: 3, cost: { USD: '0.0500' } });
  });

  it('refuses more than 1000 numbers over all elements with -7, accepting nothing', async () => {
    const a = await answer(
      await sendSmsBatch(sim, [
        { numbers: numbersFrom(447700000000, 600), content: 'one' },
        { numbers: numbersFrom(447700100000, 401), content: 'two' },
      ]),
    );
    expect(a).toMatchObject({ status: '-7', success: '0', fail: '1001' });
    expect(sim.ledger.size).toBe(0);
  });

  it.each([
    ['an empty text', [{ numbers: ['447700900001'], content: '' }], '-4'],
    ['a text over 1024 characters', [{ numbers: ['447700900001'], content: 'x'.repeat(1025) }], '-5'],
    ['an element without numbers', [{ numbers: [], content: 'hi' }], '-8'],
    ['orderIds not matching numbers', [{ numbers: ['447700900001', '447700900002'], orderIds: ['a'], content: 'hi' }], '-7'],
    [
      'an abnormal number in any element',
      [
        { numbers: ['447700900001'], content: 'a' },
        { numbers: ['12'], content: 'b' },
      ],
      '-9',
    ],
  ])('answers %s as sendSms would, accepting nothing', async (_what, elements, status) => {
    const a = await answer(await sendSmsBatch(sim, elements));
    expect(a.status).toBe(status);
    expect(sim.ledger.size).toBe(0);
  });

  it('meets the same faults as sendSms: -18, sensitive words in one element, balance', async () => {
    sim.setFaults({ transientRate: 1 });
    expect((await answer(await sendSmsBatch(sim, [{ numbers: ['447700900001'], content: 'a' }]))).status).toBe('-18');
    sim.setFaults({ transientRate: 0, sensitiveWords: ['casino'] });
    const words = await answer(
      await sendSmsBatch(sim, [
        { numbers: ['447700900001'], content: 'fine' },
        { numbers: ['447700900002'], content: 'Casino night' },
      ]),
    );
    expect(words.status).toBe('-3');
    sim.setFaults({ sensitiveWords: [], balance: 1 });
    expect(
      (
        await answer(
          await sendSmsBatch(sim, [
            { numbers: ['447700900001'], content: 'a' },
            { numbers: ['447700900002'], content: 'b' },
          ]),
        )
      ).status,
    ).toBe('-10');
    expect(sim.ledger.size).toBe(0);
  });

  it('leaves refused numbers out of the answer, as sendSms does', async () => {
    sim.setFaults({ refuseNumbers: ['447700900002'] });
    const a = await answer(
      await sendSmsBatch(sim, [
        { numbers: ['447700900001'], content: 'a' },
        { numbers: ['447700900002'], content: 'b' },
      ]),
    );
    expect(a).toMatchObject({ status: '0', success: '1', fail: '1' });
    expect(a.array!.map((e) => e.number)).toEqual(['447700900001']);
  });

  it('answers HTTP 400 to a body without an array of elements', async () => {
    const res = await sendSmsBatch(sim, [], { appId: SIMULATOR_CREDENTIALS.appId, array: 'nope' });
    expect(res.status).toBe(400);
  });
});

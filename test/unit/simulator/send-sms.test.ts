import { startSimulator, type Simulator } from '../../../src/simulator';
import { numbersFrom, post, sendSms } from '../../support/simulator-client';

let sim: Simulator;

beforeEach(async () => {
  sim = await startSimulator({ port: 0 });
});

afterEach(async () => {
  await sim.close();
});

describe('sendSms, a correct call', () => {
  it('accepts every number and answers the documented shape, counts as strings', async () => {
    const numbers = numbersFrom(91856321000, 3);
    const answer = await sendSms(sim, { numbers, orderIds: ['a', 'b', 'c'], content: 'hello world', senderId: 'ACME' });

    expect(answer).toMatchObject({ status: '0', reason: 'success', success: '3', fail: '0' });
    expect(Object.keys(answer).sort()).toEqual(['array', 'fail', 'reason', 'status', 'success']);
    const byNumber = new Map(answer.array!.map((e) => [e.number, e]));
    expect([...byNumber.keys()].sort()).toEqual(numbers);
    expect(numbers.map((n) => byNumber.get(n)!.orderId)).toEqual(['a', 'b', 'c']);
    for (const e of answer.array!) {
      expect(e.msgId).toMatch(/^\d{19}$/);
      expect(sim.ledger.byMsgId(e.msgId)).toMatchObject({
        msgId: e.msgId,
        number: e.number,
        orderId: e.orderId,
        content: 'hello world',
        senderId: 'ACME',
      });
    }
    expect(sim.ledger.size).toBe(3);
    expect(sim.ledger.byOrderId('b')).toHaveLength(1);
  });

  it('gives an empty orderId to numbers sent without one', async () => {
    const answer = await sendSms(sim, { numbers: ['91856321412'] });
    expect(answer.array).toEqual([{ msgId: expect.stringMatching(/^\d{19}$/), number: '91856321412', orderId: '' }]);
  });

  it('answers in an order of its own, not necessarily the request order', async () => {
    const numbers = numbersFrom(91000000000, 1000);
    const answer = await sendSms(sim, { numbers });
    expect(answer.success).toBe('1000');
    expect(answer.array!.map((e) => e.number)).not.toEqual(numbers); // 1/1000! chance of a false failure
    expect(answer.array!.map((e) => e.number).sort()).toEqual(numbers);
  });

  it('gives every accepted message a unique msgId, also across calls', async () => {
    const a = await sendSms(sim, { numbers: numbersFrom(92000000000, 500) });
    const b = await sendSms(sim, { numbers: numbersFrom(92000000000, 500) });
    const ids = [...a.array!, ...b.array!].map((e) => e.msgId);
    expect(new Set(ids).size).toBe(1000);
  });

  it.each(['/sms/sendSms', '/sendSms', '/sms//sendSms', '/sms/sendSms?x=1'])('serves sendSms at %s', async (path) => {
    expect((await sendSms(sim, { numbers: ['91856321412'], path })).status).toBe('0');
  });

  it('counts content in characters (code points), not UTF-16 units or bytes', async () => {
    const emoji = '😀'.repeat(1024); // 2048 UTF-16 units, 4096 bytes
    expect((await sendSms(sim, { numbers: ['91856321412'], content: emoji })).status).toBe('0');
    expect((await sendSms(sim, { numbers: ['91856321413'], content: emoji + 'x' })).status).toBe('-5');
  });
});

describe('sendSms authentication and clock', () => {
  it('answers -1 to a wrong Sign, a wrong Api-Key or a wrong appId, and accepts nothing', async () => {
    const numbers = ['91856321412', '91856321413'];
    for (const wrong of [{ apiSecret: 'nope' }, { apiKey: 'nope' }, { appId: 'nope' }]) {
      expect(await sendSms(sim, { numbers, ...wrong })).toEqual({
        status: '-1',
        reason: expect.any(String),
        success: '0',
        fail: '2',
      });
    }
    expect(sim.ledger.size).toBe(0);
  });

  it('answers -16 to a Timestamp more than 30 minutes off, and to one in milliseconds', async () => {
    const now = Math.floor(Date.now() / 1000);
    expect((await sendSms(sim, { numbers: ['91856321412'], timestamp: String(now - 1801) })).status).toBe('-16');
    expect((await sendSms(sim, { numbers: ['91856321412'], timestamp: String(now + 1801) })).status).toBe('-16');
    expect((await sendSms(sim, { numbers: ['91856321412'], timestamp: String(Date.now()) })).status).toBe('-16');
    expect((await sendSms(sim, { numbers: ['91856321412'], timestamp: String(now - 1700) })).status).toBe('0');
  });

  it('judges the Timestamp by its own clock, skewed by clockSkewSeconds', async () => {
    sim.setFaults({ clockSkewSeconds: 3600 });
    expect((await sendSms(sim, { numbers: ['91856321412'] })).status).toBe('-16');
    const simNow = Math.floor(Date.now() / 1000) + 3600;
    expect((await sendSms(sim, { numbers: ['91856321412'], timestamp: String(simNow) })).status).toBe('0');
  });
});

describe('sendSms limits', () => {
  const one = ['91856321412'];

  it('answers -4 to empty content and -5 to content over 1024 characters', async () => {
    expect((await sendSms(sim, { numbers: one, content: '' })).status).toBe('-4');
    expect((await sendSms(sim, { numbers: one, content: 'x'.repeat(1025) })).status).toBe('-5');
    expect((await sendSms(sim, { numbers: one, content: 'x'.repeat(1024) })).status).toBe('0');
  });

  it('answers -8 to no numbers and -7 to more than 1000', async () => {
    expect((await sendSms(sim, { numbers: [] })).status).toBe('-8');
    const tooMany = await sendSms(sim, { numbers: numbersFrom(93000000000, 1001) });
    expect(tooMany).toMatchObject({ status: '-7', success: '0', fail: '1001' });
    expect(tooMany.array).toBeUndefined();
  });

  it('answers -7 when the orderId count does not match the numbers', async () => {
    const answer = await sendSms(sim, { numbers: ['91856321412', '91856321413'], orderIds: ['only-one'] });
    expect(answer).toMatchObject({ status: '-7', reason: 'orderId count does not match numbers' });
  });

  it('answers -9 to a malformed or abnormal number and accepts none of the call', async () => {
    for (const bad of ['12345', '1234567890123456', '+91856321412', '9185 632141', '']) {
      expect((await sendSms(sim, { numbers: ['91856321413', bad] })).status).toBe('-9');
    }
    sim.setFaults({ abnormalNumbers: ['91856321499'] });
    expect((await sendSms(sim, { numbers: ['91856321413', '91856321499'] })).status).toBe('-9');
    expect(sim.ledger.size).toBe(0);
  });

  it('answers the undocumented status -1001 to a senderId over 32 characters', async () => {
    expect((await sendSms(sim, { numbers: one, senderId: 's'.repeat(33) })).status).toBe('-1001');
    expect((await sendSms(sim, { numbers: one, senderId: 's'.repeat(32) })).status).toBe('0');
  });

  it('answers -3 to content with a sensitive word, whatever its case', async () => {
    sim.setFaults({ sensitiveWords: ['casino'] });
    expect((await sendSms(sim, { numbers: one, content: 'Win big at the CASINO' })).status).toBe('-3');
    expect(sim.ledger.size).toBe(0);
  });

  it('answers HTTP 400 to a body that is not a JSON object or has a non-string field', async () => {
    const url = `${sim.baseUrl}/sendSms`;
    for (const body of ['{not json', '[1,2]', JSON.stringify({ appId: 'sim-app', numbers: ['91856321412'], content: 'x' })]) {
      const res = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: 400, reason: expect.any(String) });
    }
  });

  it('answers HTTP 413 to a body over 8 MB', async () => {
    const res = await post(sim, { numbers: one, content: 'x'.repeat(8 * 1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(sim.stats().callsByStatus['http:413']).toBe(1);
  });

  it('answers 404 JSON to unknown routes and 405 to a GET of sendSms', async () => {
    const notFound = await fetch(`http://127.0.0.1:${sim.port}/sms/getReports`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: 404 });
    const get = await fetch(`${sim.baseUrl}/sendSms`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    await get.arrayBuffer();
  });
});

describe('sendSms balance', () => {
  it('answers -10 to a call the balance cannot cover, accepts nothing, and sends again after a top-up', async () => {
    sim.setFaults({ balance: 2 });
    const numbers = numbersFrom(94000000000, 3);
    expect(await sendSms(sim, { numbers })).toMatchObject({ status: '-10', success: '0', fail: '3' });
    expect(sim.ledger.size).toBe(0);

    sim.topUp(1);
    expect((await sendSms(sim, { numbers })).status).toBe('0');
    expect(sim.faults().balance).toBe(0);
    expect((await sendSms(sim, { numbers: ['95000000000'] })).status).toBe('-10');
  });

  it('charges only for accepted messages, not refused ones', async () => {
    sim.setFaults({ balance: 10, refuseNumbers: ['94000000001'] });
    await sendSms(sim, { numbers: numbersFrom(94000000000, 3) });
    expect(sim.faults().balance).toBe(8);
  });
});

describe('sendSms refused numbers', () => {
  it('answers status 0 but leaves refused numbers out of array and counts them in fail', async () => {
    sim.setFaults({ refuseNumbers: ['91856321413'] });
    const answer = await sendSms(sim, { numbers: ['91856321412', '91856321413', '91856321414'], orderIds: ['a', 'b', 'c'] });
    expect(answer).toMatchObject({ status: '0', success: '2', fail: '1' });
    expect(answer.array!.map((e) => e.orderId).sort()).toEqual(['a', 'c']);
    expect(sim.ledger.countFor('91856321413')).toBe(0);
    expect(sim.stats().refused).toBe(1);
  });

  it('refuses every number with refuseRate 1', async () => {
    sim.setFaults({ refuseRate: 1 });
    expect(await sendSms(sim, { numbers: numbersFrom(96000000000, 4) })).toEqual({
      status: '0',
      reason: 'success',
      success: '0',
      fail: '4',
      array: [],
    });
  });
});

describe('the ledger', () => {
  it('counts a resend of the same content to the same number as a duplicate, not a new content', async () => {
    await sendSms(sim, { numbers: ['91856321412', '91856321413'], content: 'first' });
    expect(sim.ledger.duplicates()).toBe(0);
    await sendSms(sim, { numbers: ['91856321412'], content: 'second' });
    expect(sim.ledger.duplicates()).toBe(0);
    await sendSms(sim, { numbers: ['91856321412'], content: 'first' });
    expect(sim.ledger.duplicates()).toBe(1);
    expect(sim.ledger.countFor('91856321412')).toBe(3);
    expect(sim.stats()).toMatchObject({ accepted: 4, duplicates: 1 });
  });
});

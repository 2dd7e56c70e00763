import { startSimulator, type Simulator } from '../../../src/simulator';
import { waitUntil } from '../../support/wait-for';
import { numbersFrom, post, sendSms } from '../../support/simulator-client';

let sim: Simulator;

beforeEach(async () => {
  sim = await startSimulator({ port: 0 });
});

afterEach(async () => {
  await sim.close();
});

const numbers = numbersFrom(97000000000, 5);

describe('faults that accept nothing', () => {
  it('answers -18 with transientRate 1 and leaves the ledger empty', async () => {
    sim.setFaults({ transientRate: 1 });
    expect(await sendSms(sim, { numbers })).toEqual({ status: '-18', reason: expect.any(String), success: '0', fail: '5' });
    expect(sim.ledger.size).toBe(0);
    expect(sim.stats().callsByStatus).toEqual({ '-18': 1 });
  });

  it.each(['-13', '-2', '-19', '-1'])('answers forceStatus %s to a correct call', async (status) => {
    sim.setFaults({ forceStatus: status });
    expect((await sendSms(sim, { numbers })).status).toBe(status);
    expect(sim.ledger.size).toBe(0);
  });

  it('checks authentication before forcing a status', async () => {
    sim.setFaults({ forceStatus: '-13' });
    expect((await sendSms(sim, { numbers, apiSecret: 'wrong' })).status).toBe('-1');
  });

  it('answers HTTP 500 with an HTML page with http500Rate 1', async () => {
    sim.setFaults({ http500Rate: 1 });
    const res = await post(sim, { numbers });
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain('<html>');
    expect(sim.ledger.size).toBe(0);
    expect(sim.stats().callsByStatus).toEqual({ 'http:500': 1 });
  });

  it('answers HTTP 429 with Retry-After with http429Rate 1', async () => {
    sim.setFaults({ http429Rate: 1 });
    const res = await post(sim, { numbers });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('1');
    await res.text();
    expect(sim.ledger.size).toBe(0);
  });
});

describe('faults that accept the messages but leave the outcome unknown', () => {
  it('never answers with hangRate 1, yet the ledger holds the messages', async () => {
    sim.setFaults({ hangRate: 1 });
    await expect(post(sim, { numbers, signal: AbortSignal.timeout(300) })).rejects.toThrow(/abort|timeout/i);
    expect(sim.ledger.size).toBe(5);
    expect(sim.stats()).toMatchObject({ calls: 1, hung: 1, accepted: 5, callsByStatus: {} });
  });

  it('destroys the socket without an answer with resetRate 1', async () => {
    sim.setFaults({ resetRate: 1 });
    await expect(post(sim, { numbers })).rejects.toThrow();
    expect(sim.ledger.size).toBe(5);
    expect(sim.stats().reset).toBe(1);
  });

  it('answers HTTP 200 with an HTML page instead of JSON with garbageRate 1', async () => {
    sim.setFaults({ garbageRate: 1 });
    const res = await post(sim, { numbers });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const text = await res.text();
    expect(() => JSON.parse(text)).toThrow();
    expect(sim.ledger.size).toBe(5);
    expect(sim.stats().garbage).toBe(1);
  });

  it('closes promptly while a call hangs, and the waiting client fails', async () => {
    sim.setFaults({ hangRate: 1 });
    const pending = post(sim, { numbers });
    const settled = pending.then(
      () => 'answered',
      () => 'failed',
    );
    await waitUntil('the call to hang', () => sim.stats().hung === 1, 5_000, 5);
    await sim.close();
    expect(await settled).toBe('failed');
  });
});

describe('latency', () => {
  it('holds every answer for latencyMs, its messages already accepted', async () => {
    sim.setFaults({ latencyMs: 600_000 });
    let answered = false;
    const settled = post(sim, { numbers }).then(
      () => (answered = true),
      () => 'failed',
    );
    await waitUntil('the call to arrive', () => sim.stats().calls === 1, 5_000, 5);
    expect(sim.ledger.size).toBe(numbers.length);
    // A request made after it is answered first: the held answer waits for its latency, not for a turn.
    expect((await fetch(`http://127.0.0.1:${sim.port}/__sim/stats`)).status).toBe(200);
    expect(answered).toBe(false);
    // close() does not wait the ten minutes out (jest's timeout would fail the test): the held call fails.
    await sim.close();
    expect(await settled).toBe('failed');
  });

  it('answers after latencyMs when it is short', async () => {
    sim.setFaults({ latencyMs: 50 });
    expect((await sendSms(sim, { numbers })).status).toBe('0');
  });
});

describe('setFaults', () => {
  it('refuses an unknown or out-of-range fault, naming each, and changes nothing', () => {
    expect(() => sim.setFaults({ transientRate: 2, latency: 5 } as never)).toThrow(/transientRate.*latency is not a fault/);
    expect(sim.faults().transientRate).toBe(0);
  });

  it('returns a copy that callers cannot use to change the faults', () => {
    sim.setFaults({ refuseNumbers: ['97000000000'] });
    sim.faults().refuseNumbers.push('97000000001');
    expect(sim.faults().refuseNumbers).toEqual(['97000000000']);
  });
});

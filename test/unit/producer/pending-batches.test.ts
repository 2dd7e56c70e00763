/**
 * The batches a producer writes before its campaign exists (src/producer/pending-batches.ts), on the fake Redis with
 * jest's fake clock: they expire unless the producer keeps them alive, are made permanent at commit (which fails when
 * one is gone), and are dropped when it gives up.
 */
import { PENDING_TTL_MS, PendingBatches } from '../../../src/producer/pending-batches';
import { fakeContext } from '../../support/fakes';

const C = 'c1';

function setup() {
  const f = fakeContext();
  const pending = new PendingBatches(f.ctx, C);
  const key = (k: number) => f.ctx.keys.batch(C, k);
  const ttl = (k: number) => f.redis.run('pttl', key(k), []);
  return { ...f, pending, key, ttl };
}

beforeEach(() => {
  jest.useFakeTimers({ now: Date.UTC(2026, 0, 5, 12, 0) });
});

afterEach(() => {
  jest.useRealTimers();
});

describe('PendingBatches', () => {
  it(`writes each batch to expire in ${PENDING_TTL_MS / 1000} s unless its producer keeps it alive`, async () => {
    const s = setup();
    await s.pending.write(0, '447700900000,o-0', 1);
    await s.pending.write(1, '447700900001,o-1', 1);
    expect(s.redis.hashes.get(s.key(0))?.get('r')).toBe('447700900000,o-0');
    expect([s.ttl(0), s.ttl(1)]).toEqual([PENDING_TTL_MS, PENDING_TTL_MS]);
    s.pending.stopKeepAlive();
    await jest.advanceTimersByTimeAsync(PENDING_TTL_MS);
    expect([s.ttl(0), s.ttl(1)]).toEqual([-2, -2]);
  });

  it('keeps the batches alive while the producer still reads, however long that takes', async () => {
    const s = setup();
    await s.pending.write(0, '447700900000,o-0', 1);
    await jest.advanceTimersByTimeAsync(3 * PENDING_TTL_MS);
    // Renewed every quarter of the TTL: never less than three quarters of it left.
    expect(s.ttl(0)).toBeGreaterThanOrEqual((3 * PENDING_TTL_MS) / 4);
    s.pending.stopKeepAlive();
  });

  it('makes every batch permanent when the campaign is committed, and stops renewing them', async () => {
    const s = setup();
    for (let k = 0; k < 3; k++) await s.pending.write(k, `44770090000${k},o-${k}`, 1);
    await s.pending.persist();
    expect([s.ttl(0), s.ttl(1), s.ttl(2)]).toEqual([-1, -1, -1]);
    const sent = s.redis.sent.length;
    await jest.advanceTimersByTimeAsync(PENDING_TTL_MS);
    expect(s.redis.sent.length).toBe(sent);
  });

  it('fails the commit when a batch expired meanwhile: a campaign is never queued short of recipients', async () => {
    const s = setup();
    for (let k = 0; k < 3; k++) await s.pending.write(k, `44770090000${k},o-${k}`, 1);
    s.redis.hashes.delete(s.key(1));
    await expect(s.pending.persist()).rejects.toThrow('1 staged batch(es) expired before the campaign was committed');
  });

  it('drops every batch it wrote when its producer gives up, and leaves them to their TTL when Redis refuses', async () => {
    const s = setup();
    for (let k = 0; k < 2; k++) await s.pending.write(k, `44770090000${k},o-${k}`, 1);
    await s.pending.drop();
    expect([s.ttl(0), s.ttl(1)]).toEqual([-2, -2]);

    const t = setup();
    await t.pending.write(0, '447700900000,o-0', 1);
    t.redis.refuseWrites = new Error('READONLY You cannot write against a read only replica.');
    await expect(t.pending.drop()).resolves.toBeUndefined();
    expect(t.ttl(0)).toBe(PENDING_TTL_MS);
  });

  it('passes on a write Redis refuses', async () => {
    const s = setup();
    s.redis.refuseWrites = new Error('OOM command not allowed when used memory > maxmemory');
    await expect(s.pending.write(0, '447700900000,o-0', 1)).rejects.toThrow('OOM');
    s.pending.stopKeepAlive();
  });

  it("touches a large campaign's batches 500 to a round trip", async () => {
    const s = setup();
    await s.pending.write(1_199, '447700900000,o-0', 1);
    const execs = s.redis.execs;
    await s.pending.drop();
    expect(s.redis.execs - execs).toBe(3);
  });
});

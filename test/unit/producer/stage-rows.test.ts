/**
 * A producer's pass over a campaign's rows (src/producer/stage-rows.ts), with no Redis: how rows become batches,
 * which are written and when the writing stops, what a second pass over a changed source does, and that the writes
 * it starts have all ended when it returns or throws. Its writers (pending batches, staging) have tests of their own.
 */
import type { RawRow } from '../../../src/producer/read-recipients';
import { stageRows, type BatchWriter, type StageOptions } from '../../../src/producer/stage-rows';
import { SmsqError } from '../../../src/shared/errors';
import { decodeRecipients } from '../../../src/shared/recipient/codec';
import type { Recipient } from '../../../src/shared/types';
import { fakeContext } from '../../support/fakes';

/** Rows as a reader yields them: a recipient's fields, or a problem the reader found (numbered from 1). */
async function* rowsOf(inputs: Array<Record<string, unknown> | 'unreadable'>): AsyncGenerator<RawRow> {
  for (const [i, input] of inputs.entries()) {
    await Promise.resolve();
    yield input === 'unreadable'
      ? { row: i + 1, problem: { row: i + 1, value: '"', reason: 'unterminated quote' } }
      : { row: i + 1, input };
  }
}

const numbers = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ number: `4477009${String(from + i).padStart(5, '0')}` }));

/** A writer that keeps what it was given, batch by batch. */
function recordingWriter(answer: (k: number) => 'ended' | void = () => undefined) {
  const written = new Map<number, Recipient[]>();
  const write: BatchWriter = async (k, encoded, count) => {
    await Promise.resolve();
    const recipients = decodeRecipients(encoded);
    expect(recipients).toHaveLength(count);
    written.set(k, recipients);
    return answer(k);
  };
  return { written, write };
}

function setup(env: Record<string, string> = {}) {
  const f = fakeContext({ SMS_BATCH_SIZE: '3', ...env });
  const base: StageOptions = { content: 'Your code is 1234', dedupe: true, skipInvalid: false, countSuppressed: false };
  return { ...f, base };
}

describe('stageRows', () => {
  it('cuts the accepted rows into batches of SMS_BATCH_SIZE and writes each once, in order', async () => {
    const s = setup();
    const w = recordingWriter();
    const staged = await stageRows(s.ctx, rowsOf(numbers(8)), { ...s.base, write: w.write });
    expect(staged).toMatchObject({ total: 8, batches: 3, duplicates: 0, invalidCount: 0, problems: [] });
    expect([...w.written.keys()].sort()).toEqual([0, 1, 2]);
    expect([...w.written.values()].flat().map((r) => r.number)).toEqual(numbers(8).map((r) => r.number));
    expect(w.written.get(0)?.map((r) => r.orderId)).toEqual(['smsq-1', 'smsq-2', 'smsq-3']);
    expect(staged.samples).toEqual(numbers(3).map((r, i) => ({ number: r.number, orderId: `smsq-${i + 1}`, text: 'Your code is 1234' })));
    expect(staged.texts).toMatchObject({ encodings: { 'GSM-7': 8, 'UCS-2': 0 }, segments: 8 });
  });

  it('counts repeated numbers and invalid rows, writes neither, and names the field of each problem', async () => {
    const s = setup();
    const w = recordingWriter();
    const rows = [...numbers(2), numbers(1)[0], { number: 'call me' }, 'unreadable' as const, ...numbers(2, 2)];
    const staged = await stageRows(s.ctx, rowsOf(rows), { ...s.base, skipInvalid: true, write: w.write });
    expect(staged).toMatchObject({ total: 4, batches: 2, duplicates: 1, invalidCount: 2 });
    expect(staged.problems).toEqual([
      { row: 4, field: 'number', value: 'call me', reason: expect.stringContaining('characters other than digits') as unknown },
      { row: 5, value: '"', reason: 'unterminated quote' },
    ]);
    expect([...w.written.values()].flat()).toHaveLength(4);
  });

  it('stops writing at the first invalid row of a campaign that will be refused, yet counts every row', async () => {
    const s = setup({ SMS_BATCH_SIZE: '2' });
    const w = recordingWriter();
    const rows = [...numbers(4), { number: '12' }, ...numbers(4, 4)];
    const staged = await stageRows(s.ctx, rowsOf(rows), { ...s.base, write: w.write });
    expect(staged).toMatchObject({ total: 8, batches: 4, invalidCount: 1 });
    expect([...w.written.keys()].sort()).toEqual([0, 1]);
  });

  it('stops reading once a writer answers that the campaign takes no more batches, noting the first refused', async () => {
    const s = setup();
    const w = recordingWriter((k) => (k >= 1 ? 'ended' : undefined));
    const staged = await stageRows(s.ctx, rowsOf(numbers(30)), { ...s.base, write: w.write });
    expect(staged.endedAt).toBe(1);
    expect(staged.total).toBeLessThan(30);
  });

  it('writes the same batches again on a second pass over the same rows, without rendering their texts', async () => {
    const s = setup();
    const first = await stageRows(s.ctx, rowsOf(numbers(7)), s.base);
    const w = recordingWriter();
    const second = await stageRows(s.ctx, rowsOf(numbers(7)), { ...s.base, expectBatches: first.batchDigests, write: w.write });
    expect(second).toMatchObject({ total: 7, batches: 3, digest: first.digest, batchDigests: first.batchDigests, samples: [] });
    expect(second.texts.segments).toBe(0);
    expect(w.written.size).toBe(3);
  });

  it('ends a second pass with INPUT_CHANGED at the first batch that differs, or where the rows end early', async () => {
    const s = setup();
    const first = await stageRows(s.ctx, rowsOf(numbers(7)), s.base);
    const changed = numbers(7);
    changed[4] = { number: '447700999999' };
    const err = await stageRows(s.ctx, rowsOf(changed), { ...s.base, expectBatches: first.batchDigests }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmsqError);
    expect(err).toMatchObject({
      code: 'INPUT_CHANGED',
      details: { batch: 1 },
      message: expect.stringContaining('batch 2 differs') as unknown,
    });
    const fewer = await stageRows(s.ctx, rowsOf(numbers(6)), { ...s.base, expectBatches: first.batchDigests }).catch((e: unknown) => e);
    expect(fewer).toMatchObject({
      code: 'INPUT_CHANGED',
      details: { batch: 2 },
      message: expect.stringContaining('they end at batch 2, the first reading had 3') as unknown,
    });
  });

  it('tells campaigns apart by content and recipients in its digest', async () => {
    const s = setup();
    const a = await stageRows(s.ctx, rowsOf(numbers(4)), s.base);
    expect((await stageRows(s.ctx, rowsOf(numbers(4)), s.base)).digest).toBe(a.digest);
    expect((await stageRows(s.ctx, rowsOf(numbers(4)), { ...s.base, content: 'Other text' })).digest).not.toBe(a.digest);
    expect((await stageRows(s.ctx, rowsOf(numbers(4, 1)), s.base)).digest).not.toBe(a.digest);
  });

  it('counts the numbers on the suppression list, asking once per batch', async () => {
    const s = setup();
    s.world.suppressed.set(numbers(1, 1)[0].number, 'replied STOP');
    s.world.suppressed.set(numbers(1, 6)[0].number, 'replied STOP');
    const staged = await stageRows(s.ctx, rowsOf(numbers(7)), { ...s.base, countSuppressed: true });
    expect(staged.suppressed).toBe(2);
    expect(s.suppressions.asked.map((a) => a.length)).toEqual([3, 3, 1]);
  });

  it('never has more than 8 batch writes in flight, and ends every write it started before it throws one that failed', async () => {
    const s = setup({ SMS_BATCH_SIZE: '1' });
    let active = 0;
    let most = 0;
    const started = new Set<number>();
    const ended = new Set<number>();
    const write: BatchWriter = async (k) => {
      started.add(k);
      active++;
      most = Math.max(most, active);
      await new Promise((r) => setImmediate(r));
      active--;
      ended.add(k);
      if (k === 20) throw new Error('OOM command not allowed when used memory > maxmemory');
    };
    await expect(stageRows(s.ctx, rowsOf(numbers(40)), { ...s.base, write })).rejects.toThrow('OOM');
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(8);
    expect(started.size).toBeGreaterThan(20);
    expect(ended).toEqual(started);
  });
});

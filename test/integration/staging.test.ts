import type { RawRow } from '../../src/producer/read-recipients';
import { campaignEnded, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { rejection } from '../support/rejection';

/**
 * A campaign whose rows can be read again (a file, a large array) is validated whole, then queued and staged while
 * its first batches send. These tests drive the second reading from inside the rows function, to stop it where a
 * crash, an edit of the file or a slow disk would, against real Redis, a worker and the simulator.
 */
const stack = useCampaignStack('staging', { env: { SMS_BATCH_SIZE: '10' } });

const ROWS = 2_000;
const numberOf = (i: number) => String(447_900_000_000 + i);

/**
 * The rows as a file would give them, read afresh at each call; `second` may change how the second reading goes:
 * return a row to yield instead, or throw.
 */
function rows(second?: (row: number) => Promise<RawRow | void>): { open: () => AsyncIterable<RawRow>; readings: () => number } {
  let readings = 0;
  return {
    readings: () => readings,
    open: () => {
      const reading = ++readings;
      return (async function* () {
        for (let row = 1; row <= ROWS; row++) {
          const changed = reading === 2 && second ? await second(row) : undefined;
          yield changed ?? { row, input: { number: numberOf(row) } };
        }
      })();
    },
  };
}

const sentTo = (content: string) => [...stack.sim.ledger.entries()].filter((e) => e.content === content).map((e) => e.number);

it('sends the first batches while the rest of the rows are still being staged, and sends each number once', async () => {
  await stack.worker();
  let campaignId = '';
  const source = rows(async (row) => {
    // Halfway through the second reading, wait for sends: they can only come from batches already staged.
    if (row === ROWS / 2) {
      await waitFor('sends while staging', async () => (sentTo('while staging').length > 0 ? true : undefined), 30_000, 20);
      const info = await stack.producer.getCampaign(campaignId);
      expect(info.staging).toEqual({ staged: expect.any(Number), producerAlive: true });
      expect(info.staging!.staged).toBeLessThan(ROWS);
    }
  });
  const r = await stack.producer.enqueueCampaign({
    content: 'while staging',
    rows: source.open,
    onSending: (id) => void (campaignId = id),
  });
  expect(source.readings()).toBe(2);
  expect(r).toMatchObject({ created: true, total: ROWS, batches: ROWS / 10 });
  const info = await campaignEnded(stack.producer, r.campaignId);
  expect(info).toMatchObject({ state: 'completed', counts: { total: ROWS, sent: ROWS } });
  expect(info.staging).toBeUndefined();
  const sent = sentTo('while staging');
  expect(sent.length).toBe(ROWS);
  expect(new Set(sent).size).toBe(ROWS);
});

it('skips the same numbers as duplicates in both readings, and sends each once', async () => {
  await stack.worker();
  // Every tenth row repeats the row before it.
  const repeated = {
    open: () =>
      (async function* () {
        for (let row = 1; row <= ROWS; row++) yield { row, input: { number: numberOf(row % 10 === 0 ? row - 1 : row) } };
      })(),
  };
  const r = await stack.producer.enqueueCampaign({ content: 'twice listed', rows: repeated.open });
  expect(r).toMatchObject({ total: ROWS - ROWS / 10, duplicatesSkipped: ROWS / 10 });
  await campaignEnded(stack.producer, r.campaignId);
  const sent = sentTo('twice listed');
  expect(sent.length).toBe(ROWS - ROWS / 10);
  expect(new Set(sent).size).toBe(sent.length);
});

it('refuses a file with a bad row after its first reading, writing nothing', async () => {
  const source = rows();
  const bad = {
    open: () =>
      (async function* () {
        yield* source.open();
        yield { row: ROWS + 1, input: { number: 'not a number' } };
      })(),
  };
  const err = await rejection(stack.producer.enqueueCampaign({ campaignId: 'bad-late-row', content: 'never', rows: bad.open }));
  expect(err.code).toBe('VALIDATION_FAILED');
  expect(err.details!.rows).toEqual([expect.objectContaining({ row: ROWS + 1 })]);
  expect(source.readings()).toBe(1);
  await expect(stack.producer.getCampaign('bad-late-row')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
});

it('leaves a campaign whose producer stopped mid-staging sending what was written, and the same enqueue stages the rest', async () => {
  await stack.worker();
  const failing = rows(async (row) => {
    if (row === 701) throw new Error('disk gone');
  });
  const err = await rejection(stack.producer.enqueueCampaign({ campaignId: 'stopped', content: 'stopped midway', rows: failing.open }));
  expect(err.code).toBe('STAGING_STOPPED');
  expect(err.message).toContain('disk gone');
  const held = await waitFor(
    'the staged part to be sent',
    async () => {
      const info = await stack.producer.getCampaign('stopped');
      return info.counts.sent === 700 ? info : undefined;
    },
    30_000,
  );
  expect(held).toMatchObject({
    state: 'running',
    staging: { staged: 700, producerAlive: false },
    counts: { total: ROWS, pending: ROWS - 700 },
  });

  const again = await stack.producer.enqueueCampaign({ campaignId: 'stopped', content: 'stopped midway', rows: rows().open });
  expect(again).toMatchObject({ created: false, resumed: true, total: ROWS });
  const info = await campaignEnded(stack.producer, 'stopped');
  expect(info).toMatchObject({ state: 'completed', counts: { total: ROWS, sent: ROWS } });
  const sent = sentTo('stopped midway');
  expect(sent.length).toBe(ROWS);
  expect(new Set(sent).size).toBe(ROWS);
});

it('cuts a campaign to what was staged when it is cancelled after its producer stopped, naming the rest', async () => {
  await stack.worker();
  const failing = rows(async (row) => {
    if (row === 301) throw new Error('producer killed');
  });
  await rejection(stack.producer.enqueueCampaign({ campaignId: 'cut', content: 'cut short', rows: failing.open }));
  await waitFor(
    'the staged part to be sent',
    async () => ((await stack.producer.getCampaign('cut')).counts.sent === 300 ? true : undefined),
    30_000,
  );
  await stack.producer.cancelCampaign('cut');
  const info = await campaignEnded(stack.producer, 'cut');
  expect(info).toMatchObject({
    state: 'cancelled',
    counts: { total: 300, sent: 300, pending: 0 },
    unstaged: { count: ROWS - 300, reason: expect.stringContaining('cancelled') },
  });
  expect(info.staging).toBeUndefined();
  expect(info.finishedAt).toEqual(expect.any(Number));
  // Queueing it again stages nothing: it has ended.
  const again = await stack.producer.enqueueCampaign({ campaignId: 'cut', content: 'cut short', rows: rows().open });
  expect(again).toMatchObject({ created: false });
  expect(again.resumed).toBeUndefined();
  expect(sentTo('cut short').length).toBe(300);
});

it('stops staging when the campaign is cancelled while its producer stages it, and says so', async () => {
  await stack.worker();
  let campaignId = '';
  const source = rows(async (row) => {
    if (row === 501) {
      await waitFor('sends while staging', async () => (sentTo('cancelled while staged').length > 0 ? true : undefined), 30_000, 20);
      await stack.producer.cancelCampaign(campaignId);
    }
  });
  const r = await stack.producer.enqueueCampaign({
    content: 'cancelled while staged',
    rows: source.open,
    onSending: (id) => void (campaignId = id),
  });
  expect(r.warnings).toEqual([expect.stringMatching(/ended \(cancelled\) while it was being staged: \d+ recipients were never queued/)]);
  const info = await campaignEnded(stack.producer, campaignId);
  expect(info.state).toBe('cancelled');
  expect(info.counts.total + info.unstaged!.count).toBe(ROWS);
  expect(info.counts.total).toBeGreaterThanOrEqual(500);
  expect(info.counts.pending).toBe(0);
  expect(sentTo('cancelled while staged').length).toBeLessThanOrEqual(info.counts.total);
});

it('stops staging where the rows changed between the two readings, and sends only what both readings agree on', async () => {
  await stack.worker();
  const edited = rows(async (row) => (row === 1_495 ? { row, input: { number: '447911999999' } } : undefined));
  const err = await rejection(stack.producer.enqueueCampaign({ campaignId: 'edited', content: 'edited file', rows: edited.open }));
  expect(err.code).toBe('INPUT_CHANGED');
  expect(err.message).toContain('batch 150');
  const info = await campaignEnded(stack.producer, 'edited');
  expect(info).toMatchObject({
    state: 'completed',
    counts: { total: 1_490, sent: 1_490 },
    unstaged: { count: ROWS - 1_490, reason: expect.stringContaining('changed') },
  });
  const sent = sentTo('edited file');
  expect(new Set(sent).size).toBe(1_490);
  expect(sent).not.toContain('447911999999');
});

it('stops staging at a row whose field went missing between the readings, though the second reading renders no text', async () => {
  await stack.worker();
  let readings = 0;
  // The second reading no longer renders texts: a row that could not be rendered now must still stop it, by its digest.
  const open = () => {
    const reading = ++readings;
    return (async function* (): AsyncIterable<RawRow> {
      for (let row = 1; row <= ROWS; row++) {
        const fields = reading === 2 && row === 1_495 ? {} : { name: `Ana${row}` };
        yield { row, input: { number: numberOf(row), fields } };
      }
    })();
  };
  const err = await rejection(stack.producer.enqueueCampaign({ campaignId: 'field-gone', content: 'Hi {{name}}', rows: open }));
  expect(err.code).toBe('INPUT_CHANGED');
  expect(err.message).toContain('batch 150');
  const info = await campaignEnded(stack.producer, 'field-gone');
  expect(info.counts).toMatchObject({ total: 1_490, sent: 1_490 });
  const texts = [...stack.sim.ledger.entries()].filter((e) => e.content.startsWith('Hi ')).map((e) => e.content);
  expect(texts).toHaveLength(1_490);
  expect(texts).not.toContain('Hi ');
});

import { getCountry } from 'countries-and-timezones';
import { DateTime } from 'luxon';
import type { Producer } from '../../src/producer';
import type { Config } from '../../src/shared/config';
import type { CampaignInfo } from '../../src/shared/types';
import { offsetClock, type Clock } from '../../src/shared/time/clock';
import type { SmsqWorker } from '../../src/worker/worker';
import { useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';

/**
 * Schedules, send windows and validity against real Redis and the simulator. Windows are tested with a clock set to
 * another moment (a few seconds before 09:00 in Tokyo), never by waiting for real hours; the ledger's acceptance
 * times are read on that same clock.
 */
const stack = useCampaignStack('schedule', { env: { SMS_BATCH_SIZE: '10', SMS_CONTACT_HISTORY: 'false' } });

/** A producer and workers on one clock (and these fields changed), closed after the test. */
async function open(clock?: Clock, overrides: Partial<Config> = {}): Promise<{ producer: Producer; worker: () => Promise<SmsqWorker> }> {
  return { producer: await stack.openProducer(overrides, { clock }), worker: () => stack.worker(overrides, { clock }) };
}

async function until(
  producer: Producer,
  campaignId: string,
  done: (i: CampaignInfo) => boolean,
  timeoutMs = 60_000,
): Promise<CampaignInfo> {
  return waitFor(
    `campaign ${campaignId}`,
    async () => {
      const info = await producer.getCampaign(campaignId);
      return done(info) ? info : undefined;
    },
    timeoutMs,
    50,
  );
}

const ended = (i: CampaignInfo) => ['completed', 'failed', 'cancelled'].includes(i.state) && i.counts.pending === 0;
const entries = (content: string) => [...stack.sim.ledger.entries()].filter((e) => e.content === content);

/**
 * Numbers of 8 countries. A country's zones are what docs/operations.md says smsq uses, countries-and-timezones' list:
 * Australia and New Zealand have several, so the window must be open in all of them.
 */
const FIRST_NUMBERS: Record<string, number> = {
  JP: 819012340000,
  KR: 821012340000,
  NZ: 64211230000,
  AU: 61412340000,
  GB: 447911120000,
  DE: 4915123450000,
  SG: 6591230000,
  IN: 919876540000,
};
const COUNTRIES = Object.fromEntries(Object.entries(FIRST_NUMBERS).map(([cc, first]) => [cc, { first, zones: getCountry(cc)!.timezones }]));

/** Is 09:00–17:00 open at `at` in every one of `zones`? Judged here with luxon, apart from the code under test. */
function inWindow(zones: string[], at: number): boolean {
  return zones.every((zone) => {
    const t = DateTime.fromMillis(at, { zone });
    const m = t.hour * 60 + t.minute;
    return m >= 9 * 60 && m < 17 * 60;
  });
}

it('reaches each recipient only inside its local window across 8 countries and their zones, holds the others, and loses nothing over a worker restart', async () => {
  // The clock stands 3 s before 09:00 in Tokyo: Japan and Korea open in 3 s; other countries are open or closed
  // for hours depending on the date (daylight saving), which the test works out below rather than assumes.
  const tokyoNine = DateTime.now().setZone('Asia/Tokyo').startOf('day').plus({ hours: 9 });
  const offset = tokyoNine.toMillis() - 3_000 - Date.now();
  const clock = offsetClock(offset);
  const { producer, worker } = await open(clock);
  // A British number whose own zone is given: judged in Tokyo's hours, not London's.
  const own = { number: '447911129900', timezone: 'Asia/Tokyo' };
  const recipients: Array<{ number: string; timezone?: string }> = [
    ...Object.values(COUNTRIES).flatMap((c) => Array.from({ length: 15 }, (_, i) => ({ number: String(c.first + i) }))),
    own,
  ];
  const zonesOf = (n: string) =>
    n === own.number ? [own.timezone] : Object.values(COUNTRIES).find((c) => Number(n) >= c.first && Number(n) < c.first + 15)!.zones;

  const first = await worker();
  const { campaignId } = await producer.enqueueCampaign({ content: 'windowed', window: '09:00-17:00', recipients });
  // A worker restart while recipients wait for their window.
  await first.close();
  await worker();
  const dueByHorizon = recipients.filter((r) => [clock.now(), clock.now() + 3_000].some((t) => inWindow(zonesOf(r.number), t)));
  expect(new Set(Object.values(COUNTRIES).flatMap((c) => c.zones)).size).toBeGreaterThanOrEqual(8);
  // Campaign counts take a batch in once all its recipients are settled: the gateway's ledger shows sends at once.
  await waitFor(
    'the recipients whose window opens within seconds to be sent',
    async () => (entries('windowed').length >= dueByHorizon.length ? true : undefined),
    60_000,
    50,
  );

  const sent = entries('windowed');
  expect(new Set(sent.map((e) => e.number)).size).toBe(sent.length);
  for (const e of sent) expect(inWindow(zonesOf(e.number), e.at + offset)).toBe(true);
  expect(sent.some((e) => zonesOf(e.number).includes('Asia/Tokyo'))).toBe(true);
  expect(sent.some((e) => e.number === own.number)).toBe(true);
  const waiting = recipients.filter((r) => !sent.some((e) => e.number === r.number));
  expect(waiting.length).toBeGreaterThan(0);
  for (const r of waiting) expect(inWindow(zonesOf(r.number), clock.now())).toBe(false);

  const held = await until(producer, campaignId, (i) => i.schedule?.waiting !== undefined);
  expect(held.schedule).toMatchObject({ window: '09:00-17:00' });
  expect(held.schedule!.waiting!.nextOpenAt).toBeGreaterThan(clock.now());
  expect(['running', 'waiting-window']).toContain(held.state);
  const statuses: Record<string, number> = {};
  for await (const r of producer.campaignResults(campaignId)) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
  expect(statuses).toEqual({ sent: sent.length, pending: waiting.length });
  const cancelled = await producer.cancelCampaign(campaignId);
  expect((await until(producer, cancelled.campaignId, ended)).counts).toMatchObject({ sent: sent.length, cancelled: waiting.length });
});

it('refuses a window that can never be open in all zones of a country, and a number whose zone cannot be told, naming the row', async () => {
  const { producer } = await open();
  await expect(
    producer.enqueueCampaign({ content: 'x', window: '09:00-10:00', recipients: [{ number: '61412340099' }] }),
  ).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    details: { rows: [{ row: 1, reason: expect.stringContaining('never open at once in all') }] },
  });
  await expect(
    producer.enqueueCampaign({ content: 'x', window: 'Mon-Fri 9-17', recipients: [{ number: '819012349999' }] }),
  ).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    details: { fields: { window: expect.stringContaining('is not a window such as') } },
  });
  await expect(
    producer.enqueueCampaign({ content: 'x', sendAt: '2026-12-01T09:00:00', recipients: [{ number: '819012349999' }] }),
  ).rejects.toMatchObject({
    details: { fields: { sendAt: expect.stringContaining('with an offset') } },
  });
  // With the recipient's own zone, or the campaign's, Australia's many zones no longer matter.
  const mine = await producer.enqueueCampaign({
    content: 'au in perth time',
    window: '09:00-10:00',
    recipients: [{ number: '61412340098', timezone: 'Australia/Perth' }],
  });
  await producer.cancelCampaign(mine.campaignId);
  await expect(
    producer.enqueueCampaign({ content: 'x', window: 'tcpa', recipients: [{ number: '61412340097', timezone: 'Mars/Olympus' }] }),
  ).rejects.toMatchObject({
    details: { rows: [{ row: 1, reason: expect.stringContaining('timezone is not an IANA time zone') }] },
  });
  const ok = await producer.enqueueCampaign({
    content: 'au in sydney time',
    window: '09:00-10:00',
    timezone: 'Australia/Sydney',
    recipients: [{ number: '61412340099' }],
  });
  expect((await producer.getCampaign(ok.campaignId)).schedule).toMatchObject({ window: '09:00-10:00', timezone: 'Australia/Sydney' });
  await producer.cancelCampaign(ok.campaignId);
});

it('sends nothing of a scheduled campaign before sendAt, survives a worker restart, and moves or cancels schedules', async () => {
  const { producer, worker } = await open();
  const first = await worker();
  const sendAt = new Date(Date.now() + 2_500);
  const scheduled = await producer.enqueueCampaign({
    content: 'scheduled',
    sendAt,
    recipients: [{ number: '447911129001' }, { number: '447911129002' }],
  });
  const later = await producer.enqueueCampaign({
    content: 'rescheduled',
    sendAt: new Date(Date.now() + 3_600_000).toISOString(),
    recipients: [{ number: '447911129003' }],
  });
  const dropped = await producer.enqueueCampaign({
    content: 'schedule cancelled',
    sendAt: new Date(Date.now() + 3_600_000),
    recipients: [{ number: '447911129004' }],
  });
  expect((await producer.getCampaign(scheduled.campaignId)).state).toBe('scheduled');
  expect((await producer.getCampaign(scheduled.campaignId)).schedule?.sendAt).toBe(sendAt.getTime());
  await first.close();
  await worker();

  const done = await until(producer, scheduled.campaignId, ended);
  expect(done.counts.sent).toBe(2);
  for (const e of entries('scheduled')) expect(e.at).toBeGreaterThanOrEqual(sendAt.getTime());

  const moved = await producer.rescheduleCampaign(later.campaignId, new Date(Date.now() + 500));
  expect(moved.state).toBe('scheduled');
  expect((await until(producer, later.campaignId, ended)).counts.sent).toBe(1);
  await expect(producer.rescheduleCampaign(later.campaignId, new Date(Date.now() + 1_000))).rejects.toMatchObject({
    code: 'CAMPAIGN_STARTED',
  });

  expect((await producer.cancelCampaign(dropped.campaignId)).state).toBe('cancelled');
  expect((await until(producer, dropped.campaignId, ended)).counts).toMatchObject({ cancelled: 1, sent: 0 });
  expect(entries('schedule cancelled')).toHaveLength(0);
});

it('ends recipients not sent by their validity expired, those waiting for a -18 retry and for their window included, and never sends them', async () => {
  stack.sim.setFaults({ transientRate: 1 });
  const { producer, worker } = await open(undefined, { attempts: 100, backoffMs: 400 });
  await worker();
  const retried = await producer.enqueueCampaign({
    content: 'expires while retried',
    validFor: '5s',
    recipients: Array.from({ length: 30 }, (_, i) => ({ number: String(447911128000 + i) })),
  });
  const info = await until(producer, retried.campaignId, ended);
  expect(info.state).toBe('completed');
  expect(info.counts).toMatchObject({ expired: 30, sent: 0 });
  expect(stack.sim.stats().callsByStatus['-18']).toBeGreaterThan(0);
  expect(entries('expires while retried')).toHaveLength(0);
  const results = [];
  for await (const r of producer.campaignResults(retried.campaignId)) results.push(r.status);
  expect(new Set(results)).toEqual(new Set(['expired']));

  stack.sim.setFaults({ transientRate: 0 });
  // Closed for hours in London, whatever the date: 03:00–04:00 local never overlaps the next 2 s.
  const londonNow = DateTime.now().setZone('Europe/London');
  const closed = `${String((londonNow.hour + 3) % 24).padStart(2, '0')}:00-${String((londonNow.hour + 4) % 24).padStart(2, '0')}:00`;
  const waited = await producer.enqueueCampaign({
    content: 'expires in its window wait',
    window: closed,
    validFor: '2s',
    recipients: [{ number: '447911128100' }],
  });
  const end = await until(producer, waited.campaignId, ended);
  expect(end.counts).toMatchObject({ expired: 1, sent: 0 });
  expect(entries('expires in its window wait')).toHaveLength(0);
});

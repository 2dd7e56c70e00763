/**
 * Resending to the failed (resendCampaign, POST /v1/campaigns/:id/resend): the new campaign holds exactly the first
 * one's recipients of the statuses asked for, with their orderIds and fields, and never one the gateway accepted and
 * reported delivered; those suppressed or capped now are left out and counted; the same resend twice sends nothing
 * more. Checked against the simulator's ledger.
 */
import type { RecipientInput } from '../../src/shared/types';
import { campaignEnded, resultsOf, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { BEARER } from '../support/server';

const DLR_TOKEN = 'dlr-token-resend-0123456789';
const stack = useCampaignStack('resend', {
  app: 'listen',
  pushReports: true,
  env: { DLR_TOKEN },
  simulator: { faults: { reportDelayMs: 0, reportDelayJitterMs: 0 } },
});

const CONTENT = 'Hi {{name}}, your code is {{code}}{{tail|.}}';
let nextNumber = 447_731_000_000;
/** Every tenth without an orderId (generated, smsq-<row>); names with tabs and backslashes to test the stored values. */
function recipients(n: number): RecipientInput[] {
  return Array.from({ length: n }, (_, i) => {
    const number = String(nextNumber++);
    const fields: Record<string, string> = { name: i % 7 === 0 ? `Ana\\${i}` : `Bo${i}`, code: String(1000 + i) };
    if (i % 3 === 0) fields.tail = '!';
    return i % 10 === 0 ? { number, fields } : { number, orderId: `o-${number}`, fields };
  });
}
const rendered = (r: RecipientInput) => `Hi ${r.fields!.name}, your code is ${r.fields!.code}${r.fields!.tail ?? '.'}`;

/** The campaign once ended, and every report of its sent messages in. */
async function reported(campaignId: string) {
  await campaignEnded(stack.producer, campaignId, 90_000);
  return waitFor(`reports of ${campaignId}`, async () => {
    const info = await stack.producer.getCampaign(campaignId);
    return info.delivery.pending === 0 ? info : undefined;
  });
}

it('queues exactly the 500 refused of 2,000, each once more with its orderId and fields, leaving out one suppressed since; twice sends nothing more', async () => {
  await stack.worker();
  const list = recipients(2_000);
  const refused = list.filter((_, i) => i % 4 === 1);
  stack.sim.setFaults({ refuseNumbers: refused.map((r) => r.number) });
  const { campaignId } = await stack.producer.enqueueCampaign({
    campaignId: 'spring',
    content: CONTENT,
    recipients: list,
    senderId: 'Shop',
  });
  const parent = await reported(campaignId);
  expect(parent.counts).toMatchObject({ sent: 1_500, failed: 500 });
  expect(parent.delivery.delivered).toBe(1_500);
  const first = await resultsOf(stack.producer, campaignId);

  stack.sim.setFaults({ refuseNumbers: [] });
  const optedOut = refused[7];
  await stack.producer.suppressions.add([optedOut.number], { reason: 'complaint' });
  const r = await stack.producer.resendCampaign(campaignId);
  expect(r).toMatchObject({ campaignId: 'spring-resend', parentId: 'spring', created: true, total: 499, matched: 500 });
  expect(r.leftOut).toEqual({ suppressed: 1, capped: 0 });
  const child = await campaignEnded(stack.producer, r.campaignId, 90_000);
  expect(child).toMatchObject({ parentId: 'spring', senderId: 'Shop', content: CONTENT });
  expect(child.counts).toMatchObject({ total: 499, sent: 499 });

  // The ledger: each refused number (but the one suppressed) sent exactly once, its own text; nobody else again.
  const orderIdOf = new Map(first.map((x) => [x.number, x.orderId]));
  for (const x of refused) {
    const sent = [...stack.sim.ledger.entries()].filter((e) => e.number === x.number);
    if (x === optedOut) expect(sent).toHaveLength(0);
    else {
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatchObject({ orderId: orderIdOf.get(x.number), content: rendered(x), senderId: 'Shop' });
    }
  }
  for (const x of list.filter((y) => !refused.includes(y))) expect(stack.sim.ledger.countFor(x.number)).toBe(1);
  expect(stack.sim.stats().duplicates).toBe(0);
  const again = await resultsOf(stack.producer, r.campaignId);
  expect(again.map((x) => [x.number, x.orderId])).toEqual(
    refused.filter((x) => x !== optedOut).map((x) => [x.number, orderIdOf.get(x.number)]),
  );

  // The same resend again: the same id, the same list — nothing new queued, nothing sent.
  const before = [...stack.sim.ledger.entries()].length;
  const twice = await stack.producer.resendCampaign(campaignId);
  expect(twice).toMatchObject({ campaignId: 'spring-resend', created: false, total: 499 });
  expect([...stack.sim.ledger.entries()].length).toBe(before);
  expect((await stack.producer.listCampaigns()).campaigns.filter((c) => c.parentId === 'spring')).toHaveLength(1);

  // A resend of the resend has nobody left to send to: refused, and no campaign made.
  await expect(stack.producer.resendCampaign(r.campaignId)).rejects.toMatchObject({ code: 'NOTHING_TO_RESEND' });
  await expect(stack.producer.getCampaign('spring-resend-2')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
});

it('with status undelivered picks exactly the sent messages reported undelivered, never a failed or delivered one', async () => {
  await stack.worker();
  const list = recipients(300);
  const undelivered = list.filter((_, i) => i % 6 === 2);
  const refused = list.filter((_, i) => i % 10 === 5);
  stack.sim.setFaults({
    refuseNumbers: refused.map((r) => r.number),
    undeliveredReasons: Object.fromEntries(undelivered.map((r) => [r.number, 'UNDELIV'])),
  });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: CONTENT, recipients: list });
  const parent = await reported(campaignId);
  expect(parent.delivery.undelivered).toBe(undelivered.length);
  stack.sim.setFaults({ refuseNumbers: [], undeliveredReasons: {} });

  const r = await stack.producer.resendCampaign(campaignId, { status: ['undelivered'], content: 'Hi {{name}}, try again: {{code}}' });
  expect(r).toMatchObject({ campaignId: `${campaignId}-resend`, total: undelivered.length, matched: undelivered.length });
  await campaignEnded(stack.producer, r.campaignId, 90_000);
  for (const x of list) {
    const sent = [...stack.sim.ledger.entries()].filter((e) => e.number === x.number);
    if (undelivered.includes(x)) {
      expect(sent).toHaveLength(2);
      expect(sent[1].content).toBe(`Hi ${x.fields!.name}, try again: ${x.fields!.code}`);
    } else expect(sent).toHaveLength(refused.includes(x) ? 0 : 1);
  }
});

it('refuses unknown (it may have been sent), a campaign still sending, and a resend with nobody to send to', async () => {
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Hello',
    recipients: recipients(3),
    sendAt: new Date(Date.now() + 86_400_000),
  });
  await expect(stack.producer.resendCampaign(campaignId, { status: ['failed', 'unknown'] })).rejects.toMatchObject({
    code: 'VALIDATION_FAILED',
    message: expect.stringContaining('may have reached the gateway'),
  });
  await expect(stack.producer.resendCampaign(campaignId, { status: ['sent'] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  await expect(stack.producer.resendCampaign(campaignId)).rejects.toMatchObject({ code: 'CAMPAIGN_ACTIVE' });
  await expect(stack.producer.resendCampaign('no-such-campaign')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
  await stack.producer.cancelCampaign(campaignId);
  // Cancelled before sending: nobody failed, so the default resend has no one; `cancelled` picks all three.
  await expect(stack.producer.resendCampaign(campaignId)).rejects.toMatchObject({ code: 'NOTHING_TO_RESEND' });
  await expect(stack.producer.getCampaign(`${campaignId}-resend`)).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
  const r = await stack.producer.resendCampaign(campaignId, { status: ['cancelled'], campaignId: 'picked-by-hand' });
  expect(r).toMatchObject({ campaignId: 'picked-by-hand', total: 3, parentId: campaignId });
});

it('leaves out numbers at the frequency cap now, as the call would', async () => {
  const optOut = { ...stack.config.optOut, contactHistory: true, frequencyCap: { count: 1, periodSeconds: 86_400 } };
  await stack.worker({ optOut });
  const producer = await stack.openProducer({ optOut });
  const list = recipients(40);
  const undelivered = list.slice(0, 10);
  stack.sim.setFaults({ undeliveredReasons: Object.fromEntries(undelivered.map((r) => [r.number, 'EXPIRED'])) });
  const { campaignId } = await producer.enqueueCampaign({ content: CONTENT, recipients: list });
  await reported(campaignId);
  // Sent once within the day: each is at the cap of 1, so nobody is left.
  await expect(producer.resendCampaign(campaignId, { status: ['undelivered'] })).rejects.toMatchObject({
    code: 'NOTHING_TO_RESEND',
    details: { matched: 10, capped: 10, suppressed: 0 },
  });
});

it('POST /v1/campaigns/:id/resend answers 201 with the new campaign, whose status names its parent', async () => {
  await stack.worker();
  const list = recipients(20);
  stack.sim.setFaults({ refuseNumbers: [list[2].number, list[11].number] });
  const { campaignId } = await stack.producer.enqueueCampaign({ content: CONTENT, recipients: list });
  await reported(campaignId);
  stack.sim.setFaults({ refuseNumbers: [] });
  const post = (payload: object) =>
    stack.server.app.inject({
      method: 'POST',
      url: `/v1/campaigns/${campaignId}/resend`,
      headers: BEARER,
      payload,
    });
  const res = await post({ status: ['failed'] });
  expect(res.statusCode).toBe(201);
  expect(res.json()).toMatchObject({ campaignId: `${campaignId}-resend`, parentId: campaignId, created: true, total: 2 });
  expect((await post({ status: ['unknown'] })).statusCode).toBe(422);
  expect((await post({ status: ['failed'] })).json()).toMatchObject({ created: false });
  const shown = await stack.server.app.inject({ url: `/v1/campaigns/${campaignId}-resend`, headers: BEARER });
  expect(shown.json()).toMatchObject({ parentId: campaignId });
  const audited = await stack.ctx.audit.list({ campaignId: `${campaignId}-resend` });
  expect(audited.map((e) => [e.action, e.changes])).toEqual([
    ['campaign.resend', expect.objectContaining({ parentId: campaignId, created: false, count: 2 })],
    ['campaign.resend', expect.objectContaining({ parentId: campaignId, created: true, count: 2, status: ['failed'] })],
  ]);
  await campaignEnded(stack.producer, `${campaignId}-resend`);
  expect(stack.sim.ledger.countFor(list[2].number)).toBe(1);
  expect(stack.sim.ledger.countFor(list[11].number)).toBe(1);
});

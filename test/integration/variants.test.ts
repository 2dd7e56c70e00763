import type { Producer } from '../../src/producer';
import type { RecipientInput, RecipientResult } from '../../src/shared/types';
import { campaignSettled, useCampaignStack } from '../support/campaigns';
import { waitFor } from '../support/env';
import { canaryClock } from '../support/canary-clock';
import { ledgerTexts as ledgerTextsOf } from '../support/ledger-texts';
import { BROWSER_UA, followLink } from '../support/links';

/**
 * A/B variants: texts split evenly over the canary, judged when its hold is over, the winner sent to the rest. The
 * worker's clock is moved past the hold once what the test waits for has arrived (delivery reports, clicks), and the
 * check job promoted: no test waits out an hour.
 */
const DLR_TOKEN = 'dlr-token-variants-0123456789a';
const stack = useCampaignStack('variants', {
  app: 'listen',
  pushReports: true,
  // Personalised calls of up to 1,000 texts: the product's 20 s deadline, not the test default's 2 s (a loaded machine).
  env: {
    DLR_TOKEN,
    DLR_POLL_INTERVAL_MS: '0',
    LINK_BASE_URL: 'https://s.example.com',
    SMS_RESPONSE_TIMEOUT_MS: '20000',
    WORKER_LOCK_DURATION_MS: '30000',
  },
});
const { clock, judgeNow } = canaryClock(() => stack.ctx.queues.campaigns);

let nextNumber = 4_472_000_000;
function recipients(n: number, fields?: (i: number) => Record<string, string>): RecipientInput[] {
  return Array.from({ length: n }, (_, i) => ({
    number: String(nextNumber++),
    orderId: `v-${i}`,
    ...(fields ? { fields: fields(i) } : {}),
  }));
}

type Info = Awaited<ReturnType<Producer['getCampaign']>>;
const when = (campaignId: string, done: (info: Info) => boolean): Promise<Info> =>
  waitFor(`campaign ${campaignId} as the test waits for it`, async () => {
    const info = await stack.producer.getCampaign(campaignId);
    return done(info) ? info : undefined;
  });

async function resultsOf(campaignId: string): Promise<Map<string, RecipientResult>> {
  const out = new Map<string, RecipientResult>();
  for await (const r of stack.producer.campaignResults(campaignId, { withContent: true })) out.set(r.number, r);
  return out;
}

/** The one text the gateway got for each number of the list (a second would be a duplicate, and fails the test). */
const ledgerTexts = (list: RecipientInput[]) =>
  ledgerTextsOf(
    stack.sim.ledger,
    list.map((r) => r.number),
  );

it('splits two variants evenly over the canary, and sends the one delivered better to the rest; results name each recipient’s variant', async () => {
  await stack.worker(undefined, { clock });
  // Carriers filter variant A's wording: 60% of its messages are not delivered.
  stack.sim.setFaults({ undeliveredRateByText: { 'bit.ly': 0.6 }, reportDelayMs: 50, reportDelayJitterMs: 50 });
  const list = recipients(3_000, (i) => ({ name: `Ana${i}` }));
  const A = 'Hi {{name}}, spring sale at bit.ly/spring';
  const B = 'Hi {{name}}, our spring sale starts today';
  const { campaignId } = await stack.producer.enqueueCampaign({ variants: [A, B], recipients: list, canary: 600, canaryHold: '1h' });
  const holding = await when(campaignId, (i) => i.canary?.state === 'holding' && i.delivery.pending === 0);
  expect(holding.variants).toEqual({ texts: [A, B], winnerBy: 'delivered' });
  // Only the canary went out while it held: 300 of each text.
  const atHold = ledgerTexts(list);
  const canaryNumbers = new Set(atHold.keys());
  const canaryTexts = [...atHold.values()];
  expect(canaryTexts).toHaveLength(600);
  expect(canaryTexts.filter((t) => t.includes('bit.ly'))).toHaveLength(300);

  await judgeNow(campaignId);
  const info = await campaignSettled(stack.producer, campaignId, 120_000);
  expect(info.state).toBe('completed');
  expect(info.counts).toMatchObject({ total: 3_000, sent: 3_000 });
  const v = info.variants!;
  expect(v.winner).toBe(1);
  expect(v.figures!.map((f) => [f.recipients, f.sent])).toEqual([
    [300, 300],
    [300, 300],
  ]);
  expect(v.figures![0].deliveredRate).toBeLessThan(0.6);
  expect(v.figures![1].deliveredRate).toBe(1);

  // The gateway got every number once: the canary's with its own variant, everyone else B, each with their name.
  const texts = ledgerTexts(list);
  expect(texts.size).toBe(3_000);
  const results = await resultsOf(campaignId);
  let a = 0;
  for (const [i, r] of list.entries()) {
    const got = texts.get(r.number)!;
    const result = results.get(r.number)!;
    const expected = (result.variant === 'A' ? A : B).replace('{{name}}', `Ana${i}`);
    expect(got).toBe(expected);
    expect(result.content).toBe(expected);
    if (result.variant === 'A') a++;
  }
  expect(a).toBe(300);
  expect([...results.values()].filter((r) => r.variant === 'B')).toHaveLength(2_700);

  // A trace says where each recipient was: A's canary recipient got A; one of the rest got the winner.
  const inCanaryA = list.find((r) => results.get(r.number)!.variant === 'A')!;
  const canaryStep = (await stack.producer.traceRecipient(campaignId, inCanaryA.number)).steps.find((x) => x.kind === 'canary');
  expect(canaryStep).toEqual({ kind: 'canary', part: 'canary', state: 'released', variant: 'A', winner: 'B', winnerBy: 'delivered' });
  const rest = list.find((r) => !canaryNumbers.has(r.number))!;
  const restStep = (await stack.producer.traceRecipient(campaignId, rest.number)).steps.find((x) => x.kind === 'canary');
  expect(restStep).toEqual({ kind: 'canary', part: 'rest', state: 'released', variant: 'B', winner: 'B', winnerBy: 'delivered' });
});

it('still chooses the winner when a gate stops the canary, and an operator who resumes sends the winner to the rest', async () => {
  await stack.worker(undefined, { clock });
  stack.sim.setFaults({ undeliveredRateByText: {} });
  const list = recipients(1_200);
  const refused = new Set(list.filter((_, i) => i % 3 === 0).map((r) => r.number));
  stack.sim.setFaults({ refuseNumbers: [...refused] });
  const { campaignId } = await stack.producer.enqueueCampaign({
    variants: ['First text', 'Second text', 'Third text'],
    recipients: list,
    canary: 300,
    canaryHold: 0,
    maxFailedRate: 0.1,
  });
  const paused = await when(campaignId, (i) => i.state === 'paused');
  expect(paused.paused?.by).toBe('canary');
  const v = paused.variants!;
  expect(v.figures!.map((f) => f.recipients)).toEqual([100, 100, 100]);
  // Delivered rate among the sent: every sent one is delivered, so the first text wins the tie.
  expect(v.winner).toBe(0);
  stack.sim.setFaults({ refuseNumbers: [] });
  await stack.producer.resumeCampaign(campaignId);
  const info = await campaignSettled(stack.producer, campaignId, 120_000);
  expect(info.counts.sent + info.counts.failed).toBe(1_200);
  const texts = ledgerTexts(list);
  expect([...texts.values()].filter((t) => t === 'First text')).toHaveLength(info.counts.sent - v.figures![1].sent - v.figures![2].sent);
});

it('picks by clicks on tracked links when asked, and sends the winner’s links to the rest', async () => {
  await stack.worker(undefined, { clock });
  stack.sim.setFaults({ undeliveredRateByText: {} });
  const list = recipients(1_000);
  const A = 'New in: https://shop.example/new';
  const B = 'Sale ends tonight: https://shop.example/sale';
  const { campaignId } = await stack.producer.enqueueCampaign({
    variants: [A, B],
    winnerBy: 'clicks',
    trackLinks: true,
    recipients: list,
    canary: 200,
    canaryHold: '1h',
  });
  await when(campaignId, (i) => i.canary?.state === 'holding');
  // Ten of A's canary recipients follow their link, thirty of B's.
  const sent = [...ledgerTexts(list).values()];
  const codeOf = (t: string) => /https:\/\/s\.example\.com\/(\w{9})/.exec(t)![1];
  const clickers = [...sent.filter((t) => t.startsWith('New')).slice(0, 10), ...sent.filter((t) => t.startsWith('Sale')).slice(0, 30)];
  for (const t of clickers) expect((await followLink(stack.url, codeOf(t), { userAgent: BROWSER_UA })).status).toBe(302);
  await judgeNow(campaignId);
  const info = await campaignSettled(stack.producer, campaignId, 120_000);
  expect(info.variants).toMatchObject({ winnerBy: 'clicks', winner: 1 });
  expect(info.variants!.figures!.map((f) => f.clickers)).toEqual([10, 30]);
  const texts = [...ledgerTexts(list).values()];
  expect(texts).toHaveLength(1_000);
  expect(texts.filter((t) => t.startsWith('Sale ends tonight: https://s.example.com/'))).toHaveLength(900);
});

it('prices each variant in the preview, and holds the budget to the costliest', async () => {
  const list = recipients(400, (i) => ({ name: `N${i}`, code: `C${i}` }));
  const long = `Hello {{name}}, ${'a'.repeat(170)} {{code}}`;
  const preview = await stack.producer.previewCampaign({ variants: ['Hi {{name}}', long], recipients: list, canary: 100 });
  expect(preview.variants!.map((v) => [v.variant, v.segments])).toEqual([
    ['A', 400],
    ['B', 800],
  ]);
  expect(preview.segments).toBe(800);
  expect(preview.refusal).toBeUndefined();
  // 800 segments at 0.01: a cap of 5 is below the costliest variant, though A alone would fit.
  await expect(
    stack.producer.enqueueCampaign({ variants: ['Hi {{name}}', long], recipients: list, canary: 100, maxCost: 5 }),
  ).rejects.toMatchObject({ code: 'BUDGET_EXCEEDED' });
});

it('refuses variants it cannot send as asked, naming the field and the variant', async () => {
  const list = recipients(10, (i) => ({ name: `N${i}` }));
  const attempt = (opts: Record<string, unknown>) =>
    stack.producer.enqueueCampaign({ recipients: list, canary: 4, variants: ['Hi {{name}}', 'Hello {{name}}'], ...opts });
  await expect(attempt({ canary: undefined })).rejects.toMatchObject({
    message: expect.stringContaining('variants: are tried on a canary'),
  });
  await expect(attempt({ content: 'Hi' })).rejects.toMatchObject({ message: expect.stringContaining('content: give content or variants') });
  await expect(attempt({ variants: ['a', 'b', 'c', 'd', 'e', 'f'] })).rejects.toMatchObject({
    message: expect.stringContaining('variants: must be a list of 2 to 5 texts'),
  });
  await expect(attempt({ variants: ['Hi', 'Hi'] })).rejects.toMatchObject({
    message: expect.stringContaining('two variants are the same'),
  });
  await expect(attempt({ winnerBy: 'clicks' })).rejects.toMatchObject({
    message: expect.stringContaining('winnerBy: clicks needs trackLinks'),
  });
  await expect(attempt({ winnerBy: 'opens' })).rejects.toMatchObject({ message: expect.stringContaining('winnerBy: must be one of') });
  await expect(attempt({ variants: ['Hi {{name}}', 'Hi {{name'] })).rejects.toMatchObject({
    message: expect.stringContaining('variant B:'),
  });
  // A field only variant B uses without a fallback: the row that lacks it is named, with the variant.
  const err = await attempt({ variants: ['Hi {{name}}', 'Your code {{code}}'] }).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'VALIDATION_FAILED' });
  expect(JSON.stringify(err)).toMatch(/field 'code' is missing or empty, and the content \(variant B\) uses \{\{code\}\}/);
  // Refused whole: none of these numbers reached the gateway.
  expect(list.filter((r) => stack.sim.ledger.countFor(r.number) > 0)).toEqual([]);
});

describe('by replies', () => {
  const REPLY_TOKEN = 'reply-token-variants-0123456789';
  const heard = useCampaignStack('variants-replies', {
    app: 'listen',
    env: { REPLY_TOKEN, SMS_CONTACT_HISTORY: 'true', REPLY_POLL_INTERVAL_MS: '0' },
  });
  const heardClock = canaryClock(() => heard.ctx.queues.campaigns);

  it('sends the rest the variant whose canary recipients replied more', async () => {
    await heard.worker(undefined, { clock: heardClock.clock });
    const list = recipients(600);
    const { campaignId } = await heard.producer.enqueueCampaign({
      variants: ['Reply YES to book', 'Want a table? Reply YES'],
      winnerBy: 'replies',
      recipients: list,
      canary: 200,
      canaryHold: '1h',
    });
    await waitFor('the canary holding', async () =>
      (await heard.producer.getCampaign(campaignId)).canary?.state === 'holding' ? true : undefined,
    );
    const sent = [...heard.sim.ledger.entries()].filter((e) => list.some((r) => r.number === e.number));
    const ofText = (t: string) => sent.filter((e) => e.content === t).map((e) => e.number);
    const repliers = [...ofText('Reply YES to book').slice(0, 5), ...ofText('Want a table? Reply YES').slice(0, 20)];
    heard.sim.setFaults({ replyUrl: heard.replyUrl });
    const res = await fetch(`http://127.0.0.1:${heard.sim.port}/__sim/replies`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(repliers.map((number) => ({ number, content: 'YES' }))),
    });
    expect(res.status).toBe(200);
    await waitFor('the 25 replies counted on the campaign', async () =>
      Number(await heard.ctx.redis.hget(heard.ctx.keys.campaign(campaignId), 'replies')) === 25 ? true : undefined,
    );
    await heardClock.judgeNow(campaignId);
    const info = await campaignSettled(heard.producer, campaignId, 120_000);
    expect(info.variants).toMatchObject({ winnerBy: 'replies', winner: 1 });
    expect(info.variants!.figures!.map((f) => f.replies)).toEqual([5, 20]);
    const texts = [...heard.sim.ledger.entries()].filter((e) => list.some((r) => r.number === e.number)).map((e) => e.content);
    expect(texts).toHaveLength(600);
    expect(texts.filter((t) => t === 'Want a table? Reply YES')).toHaveLength(500);
  });
});

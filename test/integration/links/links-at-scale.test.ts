import { writeFile } from 'node:fs/promises';
import { Agent } from 'node:http';
import path from 'node:path';
import { campaignSettled, resultsOf, useCampaignStack } from '../../support/campaigns';
import { runSmsq } from '../../support/cli';
import { followLink } from '../../support/links';

/**
 * Issue 27's "done when": a 20,000-recipient campaign queued with `smsq enqueue --track-links` sends every recipient a
 * short link of its own; following 1,000 of them redirects each to its recipient's URL and counts exactly those; the
 * preview's segments are what the gateway charged.
 */
const BASE = 'https://s.example.com';
// Every text differs, so each call is a sendSms/batch of 1,000 elements: on a loaded machine one can take longer
// than the test default's 2 s deadline and end `unknown` (as it should); the product's default deadline is 20 s.
const stack = useCampaignStack('links-at-scale', {
  app: 'listen',
  env: { LINK_BASE_URL: BASE, SMS_RESPONSE_TIMEOUT_MS: '20000', WORKER_LOCK_DURATION_MS: '30000' },
  workers: 2,
  dir: true,
  timeoutMs: 60_000,
});

const RECIPIENTS = 20_000;
const FOLLOWED = 1_000;
// The original link alone is 87 characters: the text is two segments as written, one with its short link.
const CONTENT = 'Hi {{name}}, your spring offer is ready: https://shop.example/offers/spring-2027/{{code}}?utm_source=sms&utm_medium=text';
const urlOf = (i: number) => `https://shop.example/offers/spring-2027/C${100_000 + i}?utm_source=sms&utm_medium=text`;
const numberOf = (i: number) => String(447_700_000_000 + i);

it('sends 20,000 short links, one per recipient, and counts exactly the 1,000 followed, with the segments the preview gave', async () => {
  const file = path.join(stack.dir, 'offers.csv');
  const lines = ['number,orderId,name,code'];
  for (let i = 0; i < RECIPIENTS; i++) lines.push(`${numberOf(i)},r${i},Ana${i},C${100_000 + i}`);
  await writeFile(file, `${lines.join('\n')}\n`);

  const preview = await runSmsq(['preview', file, '--content', CONTENT, '--track-links', '--json'], stack.env);
  expect(preview.code).toBe(0);
  const segments = (JSON.parse(preview.stdout) as { segments: number }).segments;
  expect(segments).toBe(RECIPIENTS);

  const enqueued = await runSmsq(['enqueue', file, '--content', CONTENT, '--track-links'], stack.env);
  expect(enqueued.code).toBe(0);
  const campaignId = enqueued.stdout.trim().split('\n').at(-1)!;
  const info = await campaignSettled(stack.producer, campaignId, 180_000);
  // The unknown ones by code ride along in what a failure prints: a count alone would not say why.
  expect({ ...info.counts, unknownBy: info.outcomeCodes.unknown }).toMatchObject({
    total: RECIPIENTS,
    sent: RECIPIENTS,
    failed: 0,
    unknown: 0,
  });

  // What the gateway received: one text per recipient, each with one short link, no code twice.
  const codeOf = new Map<number, string>();
  let charged = 0;
  for (const e of stack.sim.ledger.entries()) {
    const i = Number(e.orderId.slice(1));
    const m = /^Hi Ana(\d+), your spring offer is ready: https:\/\/s\.example\.com\/([0-9A-Za-z]{9})$/.exec(e.content);
    expect(m?.[1]).toBe(String(i));
    expect(codeOf.has(i)).toBe(false);
    codeOf.set(i, m![2]);
    charged += e.chargeCnt;
  }
  expect(codeOf.size).toBe(RECIPIENTS);
  expect(new Set(codeOf.values()).size).toBe(RECIPIENTS);
  expect(charged).toBe(segments);

  // 1,000 recipients spread over the whole list follow their link, 20 at a time.
  const followed = Array.from({ length: FOLLOWED }, (_, k) => k * (RECIPIENTS / FOLLOWED) + (k % 7));
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  try {
    for (let k = 0; k < followed.length; k += 20) {
      const answers = await Promise.all(followed.slice(k, k + 20).map((i) => followLink(stack.url, codeOf.get(i)!, { agent })));
      answers.forEach((a, j) => expect(a).toMatchObject({ status: 302, location: urlOf(followed[k + j]) }));
    }
  } finally {
    agent.destroy();
  }

  const clicked = new Set(followed.map((i) => `r${i}`));
  let withClick = 0;
  for (const r of await resultsOf(stack.producer, campaignId)) {
    expect(r.clicks).toBe(clicked.has(r.orderId) ? 1 : 0);
    if (r.clicks === 1) withClick++;
  }
  expect(withClick).toBe(FOLLOWED);
  expect((await stack.producer.getCampaign(campaignId)).links).toMatchObject({
    clicks: FOLLOWED,
    clickers: FOLLOWED,
    previews: 0,
    clickRate: 0.05,
  });
}, 300_000);

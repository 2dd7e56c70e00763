/**
 * `smsq trace` as a user runs it: one recipient picked at random from a 2,000-recipient campaign with tracked links
 * and webhooks, explained step by step — its row, its call, its outcome, its delivery report, the webhook event that
 * carried it, its reply and its click — in text and as JSON; a number not in the campaign exits 1 naming it.
 */
import { request } from 'node:http';
import type { RecipientTrace } from '../../src/producer/operator/trace-steps';
import { campaignEnded, useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { waitFor } from '../support/env';
import { newSecret, WebhookReceiver } from '../support/webhook-receiver';

const BASE = 'https://s.example.com';
const SHORT = /https:\/\/s\.example\.com\/([0-9A-Za-z]{9})/;
const CHROME = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36';
const secret = newSecret();
const receiver = new WebhookReceiver(secret);
beforeAll(() => receiver.up());
const stack = useCampaignStack('cli-trace', {
  app: 'listen',
  pushReports: true,
  simulator: { faults: { reportDelayMs: 0, reportDelayJitterMs: 0 } },
  env: () => ({
    DLR_TOKEN: 'dlr-token-trace-cli-0123456789',
    REPLY_TOKEN: 'reply-token-trace-cli-0123456789',
    DLR_POLL_INTERVAL_MS: '0',
    REPLY_POLL_INTERVAL_MS: '0',
    SMS_CONTACT_HISTORY: 'true',
    LINK_BASE_URL: BASE,
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: secret,
  }),
});
afterAll(() => receiver.down());

/** Follows a short link on the app as a browser would. */
function follow(code: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(`${stack.url}/${code}`, { headers: { 'user-agent': CHROME }, timeout: 10_000 }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode));
    });
    req.on('timeout', () => req.destroy(new Error('no answer in 10 s')));
    req.on('error', reject);
    req.end();
  });
}

it('explains a recipient picked at random from a 2,000-recipient campaign, every step present', async () => {
  await stack.worker();
  const first = 447_966_000_000;
  const { campaignId } = await stack.producer.enqueueCampaign({
    content: 'Your order ships today: https://shop.example/orders/track',
    recipients: Array.from({ length: 2_000 }, (_, i) => ({ number: String(first + i), orderId: `ord-${i}` })),
    trackLinks: true,
  });
  await campaignEnded(stack.producer, campaignId);
  const pick = Math.floor(Math.random() * 2_000);
  const number = String(first + pick);
  const [message] = [...stack.sim.ledger.entries()].filter((e) => e.number === number);
  await expect(follow(SHORT.exec(message.content)?.[1] ?? 'missing')).resolves.toBe(302);
  stack.sim.setFaults({ replyUrl: stack.replyUrl });
  const res = await fetch(`http://127.0.0.1:${stack.sim.port}/__sim/replies`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify([{ number, content: 'Thanks, see you then' }]),
  });
  expect(res.status).toBe(200);

  const trace = await waitFor(
    'every step of the recipient kept',
    async () => {
      const run = await runSmsq(['trace', campaignId, number, '--json'], stack.env);
      if (run.code !== 0) throw new Error(`smsq trace exited ${run.code}: ${run.stderr}`);
      const t = JSON.parse(run.stdout) as RecipientTrace;
      const kinds = new Set(t.steps.map((s) => s.kind));
      const delivered = t.steps.some((s) => s.kind === 'webhook' && s.delivery === 'delivered');
      return ['delivery', 'reply', 'clicks'].every((k) => kinds.has(k as never)) && delivered ? t : undefined;
    },
    60_000,
  );
  expect(trace).toMatchObject({
    campaignId,
    number,
    orderId: `ord-${pick}`,
    batch: Math.floor(pick / 1000),
    index: pick % 1000,
    status: 'sent',
  });
  expect(trace.steps.slice(0, 3).map((s) => s.kind)).toEqual(['staged', 'call', 'outcome']);
  expect(
    trace.steps
      .slice(3)
      .map((s) => s.kind)
      .sort(),
  ).toEqual(['clicks', 'delivery', 'reply', 'webhook']);
  expect(trace.steps[1]).toMatchObject({ verdict: 'accepted', next: 'sent', msgId: message.msgId });
  expect(trace.steps).toContainEqual(expect.objectContaining({ kind: 'clicks', clicks: 1 }));
  expect(trace.steps).toContainEqual(expect.objectContaining({ kind: 'reply', text: 'Thanks, see you then' }));
  const times = trace.steps.slice(3).map((s) => Date.parse((s as { at: string }).at));
  expect(times).toEqual([...times].sort((a, b) => a - b));

  const text = await runSmsq(['trace', campaignId, `+${number}`], stack.env);
  expect(text.code).toBe(0);
  const lines = text.stdout.trimEnd().split('\n');
  expect(lines[0]).toBe(`${number} (orderId ord-${pick}) in campaign ${campaignId}: sent`);
  expect(lines.slice(1).map((l) => l.trim().split(/\s+/)[1])).toEqual(trace.steps.map((s) => (s.kind === 'call' ? 'call' : s.kind)));
  expect(text.stdout).toMatch(
    new RegExp(`call 1 +account default, 1000 recipients: accepted \\(\\d+ accepted\\) → sent, msgId ${message.msgId}`),
  );
  expect(text.stdout).toContain('"Thanks, see you then"');

  const absent = await runSmsq(['trace', campaignId, '447700999999'], stack.env);
  expect(absent.code).toBe(1);
  expect(absent.stderr).toMatch(/447700999999 is not a recipient of campaign .*\[RECIPIENT_NOT_FOUND\]/);
});

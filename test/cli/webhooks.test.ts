import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { RecipientResult } from '../../src/shared/types';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq, type WorkerProcess } from '../support/cli';
import { waitFor } from '../support/env';
import { newSecret, WebhookReceiver, type ReceivedEvent } from '../support/webhook-receiver';

/**
 * Webhooks the way a backend meets them: `smsq worker` processes deliver a campaign's events to a real HTTP
 * receiver that fails, hangs, goes away and comes back, or loses the worker mid-call; `smsq webhooks` lists
 * and re-sends what failed. Every call is verified on arrival by the reference standardwebhooks package.
 */
const secret = newSecret();
/** How long the receiver is down in the middle of the acceptance scenario, as the issue sets it. */
const OUTAGE_MS = 20_000;
const RECIPIENTS = Number(process.env.WEBHOOK_TEST_RECIPIENTS ?? 50_000);
const receiver = new WebhookReceiver(secret);
beforeAll(() => receiver.up());
const stack = useCampaignStack('cli-webhooks', {
  producer: false,
  dir: true,
  env: () => ({
    LOG_LEVEL: 'info',
    SMS_BATCH_SIZE: '250',
    WEBHOOK_URL: receiver.url,
    WEBHOOK_SECRET: secret,
    WEBHOOK_BACKOFF_MS: '100',
    WEBHOOK_BACKOFF_MAX_MS: '2000',
    WEBHOOK_RETRY_FOR: '5m',
    WEBHOOK_TIMEOUT_MS: '1000',
  }),
});
/** The worker processes the running test started, for the logs a failure shows. */
const workers: WorkerProcess[] = [];

afterEach(() => {
  workers.splice(0);
  receiver.decide = () => 200;
  receiver.delayMs = 0;
});
afterAll(() => receiver.down());

function worker(extra: Record<string, string> = {}): WorkerProcess {
  const w = stack.workerProcess({ ...stack.env, ...extra });
  workers.push(w);
  return w;
}

let nextNumber = 447_900_000_000;
async function csvFile(name: string, n: number): Promise<string> {
  const file = path.join(stack.dir, name);
  const lines = Array.from({ length: n }, (_, i) => `${nextNumber++},${name}-${i}`);
  await writeFile(file, `number,orderId\n${lines.join('\n')}\n`);
  return file;
}

async function enqueue(file: string, extra: string[] = []): Promise<string> {
  const r = await runSmsq(['enqueue', file, '--content', 'Webhooks over processes', ...extra], stack.env);
  expect(r).toMatchObject({ code: 0 });
  return r.stdout.trim();
}

function eventsOf(campaignId: string): ReceivedEvent[] {
  return receiver.events().filter((e) => e.data.campaignId === campaignId);
}

/** Waits until the receiver holds every one of the campaign's `count` events (seq 0 … count-1), delivered. */
async function allEvents(campaignId: string, count: number, timeoutMs: number): Promise<ReceivedEvent[]> {
  try {
    return await waitFor(
      `${count} events of ${campaignId}`,
      async () => {
        const events = eventsOf(campaignId);
        return events.length === count ? events.sort((a, b) => a.data.seq - b.data.seq) : undefined;
      },
      timeoutMs,
      250,
    );
  } catch (err) {
    const seen = new Set(eventsOf(campaignId).map((e) => e.data.seq));
    const missing = Array.from({ length: count }, (_, i) => i).filter((i) => !seen.has(i));
    const failed = await runSmsq(['webhooks', 'failed'], stack.env);
    throw new Error(
      `${(err as Error).message}; missing seqs ${missing.join(',')}; failed: ${failed.stdout}; calls: ${callsOf(campaignId).length}\n${workers
        .map((w) =>
          w.logs
            .split('\n')
            .filter((l) => /webhook|error/i.test(l))
            .slice(-20)
            .join('\n'),
        )
        .join('\n')}`,
    );
  }
}

function callsOf(campaignId: string) {
  return receiver.calls.filter((c) => c.body.includes(`"campaignId":${JSON.stringify(campaignId)}`));
}

it(`delivers every event of a ${RECIPIENTS.toLocaleString('en')}-recipient campaign to a receiver failing 30%, timing out 10% and down ${OUTAGE_MS / 1000} s midway, each id with the same bytes, settled equal to smsq results`, async () => {
  const batches = RECIPIENTS / 250;
  const expected = batches + 2;
  let outage: Promise<void> | undefined;
  receiver.decide = () => {
    // Down in the middle: once half of the events got through, the receiver goes away for OUTAGE_MS.
    if (!outage && receiver.events().length >= expected / 2) {
      outage = (async () => {
        await receiver.down();
        // An outage lasts a set time, as a real one does, whatever the sender does meanwhile: retries must span it.
        await new Promise((r) => setTimeout(r, OUTAGE_MS));
        await receiver.up();
      })();
      return 503;
    }
    const r = Math.random();
    return r < 0.3 ? 500 : r < 0.4 ? 'hang' : 200;
  };
  worker();
  worker();
  await Promise.all(workers.map((w) => w.started()));
  const campaignId = await enqueue(await csvFile('big.csv', RECIPIENTS));
  expect(await runSmsq(['wait', campaignId, '--timeout', '120'], stack.env)).toMatchObject({ code: 0 });

  const events = await allEvents(campaignId, expected, 170_000);
  expect(outage).toBeDefined();
  await outage;
  expect(events.map((e) => e.data.seq)).toEqual(Array.from({ length: expected }, (_, i) => i));
  expect(events[0].type).toBe('campaign.started');
  expect(events.at(-1)!.type).toBe('campaign.completed');
  expect(events.filter((e) => e.type === 'recipients.settled')).toHaveLength(batches);

  const calls = callsOf(campaignId);
  expect(calls.every((c) => c.verified)).toBe(true);
  expect(calls.filter((c) => c.answer === 500).length).toBeGreaterThan(0);
  expect(calls.filter((c) => c.answer === 'hang').length).toBeGreaterThan(0);
  const bodies = receiver.bodiesById();
  for (const e of events) expect(bodies.get(e.id)!.size).toBe(1);
  // Some events were retried across the outage: they arrived after it with the bytes they had before it.
  expect(events.filter((e) => calls.filter((c) => c.id === e.id).length > 1).length).toBeGreaterThan(0);

  const results = await runSmsq(['results', campaignId, '--format', 'ndjson'], stack.env);
  expect(results.code).toBe(0);
  const rows = results.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as RecipientResult);
  expect(rows).toHaveLength(RECIPIENTS);
  const settled = new Map(
    events
      .filter((e) => e.type === 'recipients.settled')
      .flatMap((e) => (e.data.recipients as RecipientResult[]).map((r) => [r.orderId, r] as const)),
  );
  expect(settled.size).toBe(RECIPIENTS);
  const mismatched = rows.filter(
    ({ delivery: _d, ...outcome }) => JSON.stringify(settled.get(outcome.orderId)) !== JSON.stringify(outcome),
  );
  expect(mismatched).toEqual([]);

  const failed = await runSmsq(['webhooks', 'failed', '--json'], stack.env);
  expect((JSON.parse(failed.stdout) as Array<{ campaignId: string }>).filter((f) => f.campaignId === campaignId)).toEqual([]);
}, 300_000);

it('loses no event when the worker delivering them is SIGKILLed mid-call', async () => {
  receiver.delayMs = 500;
  const first = worker({ WEBHOOK_CONCURRENCY: '4' });
  await first.started();
  const campaignId = await enqueue(await csvFile('kill.csv', 10_000));
  const expected = 10_000 / 250 + 2;
  // Killed while the receiver holds calls of it (each for 500 ms): those answers never reach it.
  await waitFor(
    'a few deliveries, and calls held right now',
    async () => (callsOf(campaignId).length >= 8 && receiver.held >= 2 ? true : undefined),
    60_000,
    10,
  );
  await first.kill('SIGKILL');
  const second = worker({ WEBHOOK_CONCURRENCY: '4' });
  await second.started();

  const events = await allEvents(campaignId, expected, 90_000);
  expect(events.map((e) => e.data.seq)).toEqual(Array.from({ length: expected }, (_, i) => i));
  const calls = callsOf(campaignId);
  const aborted = calls.filter((c) => c.answer === 'aborted');
  expect(aborted.length).toBeGreaterThan(0);
  for (const c of aborted) expect(calls.some((d) => d.id === c.id && d.answer === 200)).toBe(true);
  const bodies = receiver.bodiesById();
  for (const e of events) expect(bodies.get(e.id)!.size).toBe(1);
  expect(calls.every((c) => c.verified)).toBe(true);
}, 180_000);

it('refuses a non-HTTP --callback-url, lists failed events and re-sends them with smsq webhooks', async () => {
  const file = await csvFile('cli.csv', 10);
  const bad = await runSmsq(['enqueue', file, '--content', 'x', '--callback-url', 'ftp://example.com/in'], stack.env);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toContain('callbackUrl: must be an http:// or https:// URL, not ftp:');
  expect(bad.stderr).toContain('[VALIDATION_FAILED]');

  const gone = new WebhookReceiver(secret, '/gone');
  await gone.up();
  try {
    gone.decide = () => 410;
    worker();
    const campaignId = await enqueue(file, ['--callback-url', gone.url]);
    const listed = await waitFor('3 failed events', async () => {
      const r = await runSmsq(['webhooks', 'failed', '--json'], stack.env);
      const list = (JSON.parse(r.stdout) as Array<{ id: string; campaignId: string; reason: string; url: string }>).filter(
        (f) => f.campaignId === campaignId,
      );
      return list.length === 3 ? list : undefined;
    });
    expect(listed.every((f) => f.reason.startsWith('HTTP 410 Gone') && f.url === gone.url)).toBe(true);
    const text = await runSmsq(['webhooks', 'failed'], stack.env);
    for (const f of listed) expect(text.stdout).toContain(`${f.id}\t`);

    gone.decide = () => 200;
    expect(await runSmsq(['webhooks', 'retry', listed[0].id], stack.env)).toMatchObject({
      code: 0,
      stdout: 're-sent 1 webhook event(s)\n',
    });
    expect(await runSmsq(['webhooks', 'retry', '--all'], stack.env)).toMatchObject({ code: 0 });
    await waitFor('the re-sent events', async () => (gone.events().length === 3 ? true : undefined));
    const missing = await runSmsq(['webhooks', 'retry', listed[0].id], stack.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('[WEBHOOK_NOT_FOUND]');
    expect((await runSmsq(['webhooks', 'retry'], stack.env)).code).toBe(2);
  } finally {
    await gone.down();
  }
});

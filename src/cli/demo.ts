import { createProducer } from '../producer';
import { loadConfig } from '../shared/config';
import { SmsqError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { startSimulator } from '../simulator';
import { startWorker } from '../worker/worker';
import { formatStatus } from './format';
import { ProgressBar } from './progress';

const RECIPIENTS = 20_000;

/**
 * `npm run demo`: the whole pipeline on this machine against the bundled simulator — two workers, one
 * 20,000-recipient campaign with 5% transient -18 answers — using REDIS_URL and its own queue prefix.
 */
async function demo(): Promise<number> {
  const sim = await startSimulator({ faults: { transientRate: 0.05, latencyMs: 20 } });
  const config = loadConfig({ ...process.env, SMS_API_BASE_URL: sim.baseUrl, QUEUE_PREFIX: process.env.QUEUE_PREFIX ?? 'smsq-demo', SMS_BACKOFF_MS: '200' }, { requireGateway: true });
  const log = createLogger(process.env.LOG_LEVEL ?? 'error');
  process.stdout.write(`simulator on ${sim.baseUrl}; Redis ${config.redisUrl.replace(/\/\/.*@/, '//***@')}; queue prefix ${config.queuePrefix}\n`);
  let producer;
  try {
    producer = await createProducer(config, log);
  } catch (err) {
    await sim.close();
    throw err;
  }
  const workers = [await startWorker(config, log), await startWorker(config, log)];
  try {
    const recipients = Array.from({ length: RECIPIENTS }, (_, i) => ({ number: String(447_700_000_000 + i) }));
    const started = Date.now();
    const { campaignId } = await producer.enqueueCampaign({ content: 'Hello from the smsq demo', recipients });
    process.stdout.write(`queued campaign ${campaignId}: ${RECIPIENTS} recipients, 2 workers\n`);
    const bar = new ProgressBar(process.stdout);
    let info = await producer.getCampaign(campaignId);
    while (info.counts.pending > 0) {
      bar.update(info.counts.total - info.counts.pending, info.counts.total, info.state);
      await new Promise((r) => setTimeout(r, 200));
      info = await producer.getCampaign(campaignId);
    }
    bar.update(info.counts.total, info.counts.total, info.state);
    bar.done();
    process.stdout.write(`${formatStatus(info)}\n  in ${((Date.now() - started) / 1000).toFixed(1)} s; simulator ledger: ${sim.ledger.size} accepted, ${sim.ledger.duplicates()} duplicates; ${sim.stats().callsByStatus['-18'] ?? 0} calls answered -18 and retried\n`);
    process.stdout.write(`first results (smsq results ${campaignId}):\n`);
    let shown = 0;
    for await (const r of producer.campaignResults(campaignId)) {
      process.stdout.write(`  ${r.number} ${r.orderId} ${r.status} ${r.msgId ?? r.reason ?? ''}\n`);
      if (++shown === 3) break;
    }
    return info.state === 'completed' ? 0 : 1;
  } finally {
    await Promise.all(workers.map((w) => w.close()));
    await producer.close();
    await sim.close();
  }
}

demo().then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stderr.write(err instanceof SmsqError ? `demo: ${err.message}\n` : `demo failed: ${(err as Error).stack}\n`);
    process.exitCode = 1;
  },
);

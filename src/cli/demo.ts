import { randomBytes } from 'node:crypto';
import { createProducer, type Producer } from '../producer';
import { startServer, type RunningServer } from '../server';
import { redactUrl, type Config } from '../shared/config';
import { loadConfig } from '../shared/load-config';
import { SmsqError } from '../shared/errors';
import { createLogger } from '../shared/logger';
import { startSimulator, type Simulator } from '../simulator';
import { startWorker } from '../worker/worker';
import { formatStatus } from './format';
import { ProgressBar } from './progress';
import { untilSignal } from './signals';

const RECIPIENTS = 20_000;
/** With --accounts: the first account takes this many messages, then answers -10 (balance insufficient). */
const MAIN_BALANCE = 8_000;

/**
 * `npm run demo [-- --exit] [-- --accounts]`: the whole system on this machine against the bundled simulator — two
 * workers, the server (API, dashboard, /metrics) and one 20,000-recipient campaign with 5% transient -18 answers —
 * using REDIS_URL and its own queue prefix. Serves until Ctrl-C; with --exit it stops once the campaign is done.
 * With --accounts it sends through two gateway accounts, `main` and `backup`: main runs out of balance part-way and
 * the rest fails over to backup.
 */
async function demo(exitWhenDone: boolean, accounts: boolean): Promise<number> {
  const faults = { transientRate: 0.05, latencyMs: 20 };
  const sim = await startSimulator({
    faults,
    accounts: accounts
      ? [
          { name: 'main', faults: { ...faults, balance: MAIN_BALANCE } },
          { name: 'backup', faults },
        ]
      : [],
  });
  const env = process.env;
  const config = loadConfig(
    {
      ...env,
      SMS_API_BASE_URL: sim.baseUrl,
      ...(accounts
        ? {
            SMS_ACCOUNTS: JSON.stringify([
              { name: 'main', baseUrl: sim.account('main').baseUrl, priority: 0 },
              { name: 'backup', baseUrl: sim.account('backup').baseUrl, priority: 1 },
            ]),
          }
        : {}),
      QUEUE_PREFIX: env.QUEUE_PREFIX ?? 'smsq-demo',
      SMS_BACKOFF_MS: '200',
      // A demo's campaign is made up: losing it to a Redis restart costs nothing, so any local Redis will do.
      REDIS_ALLOW_VOLATILE: env.REDIS_ALLOW_VOLATILE ?? 'true',
      // A demo stays on this machine, and its API token is made up for the occasion unless one is given.
      SERVER_HOST: env.SERVER_HOST ?? '127.0.0.1',
      API_TOKEN: env.API_TOKEN ?? randomBytes(24).toString('hex'),
    },
    { requireGateway: true },
  );
  const log = createLogger(env.LOG_LEVEL ?? 'error');
  const opened: Array<{ close(): Promise<void> }> = [sim];
  try {
    const producer = await createProducer(config, log);
    opened.push(producer);
    const server = await startServer(config, log);
    opened.push(server);
    opened.push(await startWorker(config, log), await startWorker(config, log));
    printWelcome(config, sim, server);
    const info = await runCampaign(producer, sim);
    if (!exitWhenDone) {
      process.stdout.write(`\nServing the console, bull-board and the API until Ctrl-C (${server.url}/).\n`);
      await untilSignal(log, 'demo stopping');
      process.stdout.write('stopping…\n');
    }
    return info.state === 'completed' ? 0 : 1;
  } finally {
    // Workers first (they finish what is in flight), then the server, the producer and the simulator.
    for (const o of opened.reverse()) await o.close();
  }
}

function printWelcome(config: Config, sim: Simulator, server: RunningServer): void {
  const { dashboard, apiToken } = config.server;
  const login = dashboard ? ` (user ${dashboard.user}, the password in DASHBOARD_PASSWORD)` : ' (no login: it listens on 127.0.0.1 only)';
  process.stdout.write(
    [
      `simulator on ${sim.baseUrl}; Redis ${redactUrl(config.redisUrl)}; queue prefix ${config.queuePrefix}`,
      `console    ${server.url}/${login}`,
      `bull-board ${server.dashboardUrl}`,
      `API        ${server.url}/v1 with "Authorization: Bearer ${apiToken}"  (described at ${server.url}/openapi.json)`,
      `           curl -H "Authorization: Bearer ${apiToken}" ${server.url}/v1/campaigns/ID`,
      `metrics    ${server.url}/metrics`,
      '',
    ].join('\n'),
  );
}

async function runCampaign(producer: Producer, sim: Simulator) {
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
  const gateways = [sim, ...sim.accounts().map((name) => sim.account(name))];
  const sum = (of: (g: (typeof gateways)[number]) => number) => gateways.reduce((n, g) => n + of(g), 0);
  process.stdout.write(
    `${formatStatus(info)}\n  in ${((Date.now() - started) / 1000).toFixed(1)} s; simulator ledger: ${sum((g) => g.ledger.size)} accepted, ${sum((g) => g.ledger.duplicates())} duplicates; ${sum((g) => g.stats().callsByStatus['-18'] ?? 0)} calls answered -18 and retried\n`,
  );
  for (const name of sim.accounts()) {
    const a = sim.account(name);
    const refused = a.stats().callsByStatus['-10'] ?? 0;
    process.stdout.write(
      `  account ${name}: ${a.ledger.size} accepted${refused > 0 ? `; ran out of balance (${refused} calls answered -10), its recipients moved on` : ''}\n`,
    );
  }
  process.stdout.write(`first results (smsq results ${campaignId}, or GET /v1/campaigns/${campaignId}/results):\n`);
  let shown = 0;
  for await (const r of producer.campaignResults(campaignId)) {
    process.stdout.write(`  ${r.number} ${r.orderId} ${r.status} ${r.msgId ?? r.reason ?? ''}\n`);
    if (++shown === 3) break;
  }
  return info;
}

/** One line a user can act on, never a stack trace: Redis not running is the usual first-run problem. */
function explain(err: unknown): string {
  if (err instanceof SmsqError && err.code === 'REDIS_UNAVAILABLE') {
    return `demo: ${err.message} With Docker: docker run -p 6379:6379 redis:7`;
  }
  return `demo: ${(err as Error).message ?? String(err)}`;
}

demo(process.argv.includes('--exit'), process.argv.includes('--accounts')).then(
  (code) => (process.exitCode = code),
  (err) => {
    process.stderr.write(`${explain(err)}\n`);
    process.exitCode = 1;
  },
);

import { Writable } from 'node:stream';
import { createProducer } from '../../src/producer';
import { loadConfig } from '../../src/shared/config';
import { sign } from '../../src/shared/gateway/sign';
import { createLogger } from '../../src/shared/logger';
import { startSimulator } from '../../src/simulator';
import { startWorker } from '../../src/worker/worker';
import { deletePrefix, testEnv, uniquePrefix, waitFor } from '../support/env';

const prefix = uniquePrefix('secrets');
afterAll(() => deletePrefix(prefix));

it('never writes the API secret or a Sign to the logs, even at debug level and on errors', async () => {
  const creds = { apiKey: 'key-7f3a', apiSecret: 'secret-9c1e5b', appId: 'app-1' };
  const sim = await startSimulator({ ...creds, faults: { transientRate: 0.3, garbageRate: 0.1, resetRate: 0.1, http500Rate: 0.1 } });
  let logs = '';
  const sink = new Writable({
    write(chunk, _enc, done) {
      logs += chunk;
      done();
    },
  });
  const log = createLogger('debug', 'smsq', sink);
  const config = loadConfig(testEnv(prefix, sim.baseUrl, {
    SMS_API_KEY: creds.apiKey,
    SMS_API_SECRET: creds.apiSecret,
    SMS_APP_ID: creds.appId,
    SMS_BACKOFF_MS: '10',
    SMS_BATCH_SIZE: '50',
    LOG_LEVEL: 'debug',
  }), { requireGateway: true });
  const startedAt = Math.floor(Date.now() / 1000);
  const producer = await createProducer(config, log);
  const worker = await startWorker(config, log);
  try {
    const recipients = Array.from({ length: 2_000 }, (_, i) => ({ number: String(449_000_000_000 + i) }));
    const { campaignId } = await producer.enqueueCampaign({ content: 'secret test', recipients });
    await waitFor('the campaign to settle', async () => ((await producer.getCampaign(campaignId)).counts.pending === 0 ? true : undefined));
    // The config object itself, logged carelessly, is redacted too.
    log.debug({ config }, 'configuration');
  } finally {
    await worker.close();
    await producer.close();
    await sim.close();
  }
  const endedAt = Math.floor(Date.now() / 1000);
  expect(logs).toContain('gateway answered');
  expect(logs).toContain('[redacted]');
  expect(logs).not.toContain(creds.apiSecret);
  for (let ts = startedAt - 1; ts <= endedAt + 1; ts++) expect(logs).not.toContain(sign(creds.apiKey, creds.apiSecret, String(ts)));
});

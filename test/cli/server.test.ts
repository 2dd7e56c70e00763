import { request, type ClientRequest } from 'node:http';
import { useCampaignStack } from '../support/campaigns';
import { runSmsq } from '../support/cli';
import { deletePrefix, testRedis, waitFor } from '../support/env';
import { parseMetrics, total } from '../support/prometheus';
import { BEARER, SERVER_VARIABLES } from '../support/server';
import { ServerProcess } from '../support/server-process';

const stack = useCampaignStack('cli-server', { producer: false, env: { ...SERVER_VARIABLES, SERVER_PORT: '0', LOG_LEVEL: 'info' } });
/** The metrics test's own queue. */
const metricsPrefix = `${stack.prefix}-w`;
afterAll(() => deletePrefix(metricsPrefix));

const server = (extraEnv: Record<string, string> = {}) => stack.process(new ServerProcess({ ...stack.env, ...extraEnv }));

/** Waits until the server is reading a campaign's upload: the producer holds its staging lock meanwhile. */
async function staging(campaignId: string): Promise<void> {
  const redis = testRedis();
  try {
    await waitFor(`the server to read ${campaignId}`, async () =>
      (await redis.exists(`${stack.prefix}:campaign:${campaignId}:staging`)) ? true : undefined,
    );
  } finally {
    redis.disconnect();
  }
}

/** Starts a streamed upload and sends its first rows; the caller ends it. */
function startUpload(url: string, campaignId: string): { req: ClientRequest; answer: Promise<number> } {
  let answered: (status: number) => void;
  const answer = new Promise<number>((resolve) => (answered = resolve));
  const req = request(
    `${url}/v1/campaigns?campaignId=${campaignId}&content=Hi`,
    {
      method: 'POST',
      headers: { ...BEARER, 'content-type': 'text/csv', 'transfer-encoding': 'chunked' },
    },
    (res) => {
      res.resume();
      res.on('end', () => answered(res.statusCode ?? 0));
    },
  );
  req.on('error', () => answered(0));
  req.write('447788000001\n');
  return { req, answer };
}

it('serves until SIGTERM, lets the upload in flight finish, then exits 0', async () => {
  const s = server();
  const url = await s.url();
  expect((await fetch(`${url}/healthz`)).status).toBe(200);
  const upload = startUpload(url, 'graceful');
  await staging('graceful');
  const exited = s.kill('SIGTERM');
  await waitFor('the shutdown to begin', async () => (s.output.includes('finishing requests in flight') ? true : undefined));
  upload.req.end('447788000002\n');
  expect(await upload.answer).toBe(201);
  expect(await exited).toBe(0);
  expect(s.output).toContain('server stopped');
});

it('exits at once on a second signal', async () => {
  const s = server();
  const url = await s.url();
  const upload = startUpload(url, 'impatient');
  await staging('impatient');
  s.child.kill('SIGTERM');
  await waitFor('the shutdown to begin', async () => (s.output.includes('finishing requests in flight') ? true : undefined));
  expect(await s.kill('SIGINT')).toBe(130);
  upload.req.destroy();
});

it('refuses a bad --port with a usage error', async () => {
  const res = await runSmsq(['server', '--port', 'eighty'], stack.env);
  expect(res.code).toBe(2);
  expect(res.stderr).toContain('--port must be a port');
});

it('lets every worker be scraped on METRICS_PORT, its counters moving with the batches it sends', async () => {
  // A queue of its own: the campaigns of the tests above must not reach this worker's counters.
  const worker = stack.workerProcess({ ...stack.env, QUEUE_PREFIX: metricsPrefix, METRICS_PORT: '0' });
  await worker.started();
  const port = await waitFor(
    'the metrics port in the log',
    async () => /"port":(\d+)[^}]*"msg":"metrics listening"/.exec(worker.logs)?.[1],
  );
  const scrape = async () => parseMetrics(await (await fetch(`http://127.0.0.1:${port}/metrics`, { headers: BEARER })).text());
  expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
  expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ ok: true });
  expect(total(await scrape(), 'smsq_recipients_total', { outcome: 'sent' })).toBe(0);

  const enq = await runSmsq(
    ['enqueue', '-', '--content', 'scraped', '--format', 'csv'],
    { ...stack.env, QUEUE_PREFIX: metricsPrefix },
    '447788100001\n447788100002\n',
  );
  expect(enq.code).toBe(0);
  await waitFor('the worker to count its sent recipients', async () =>
    total(await scrape(), 'smsq_recipients_total', { outcome: 'sent' }) === 2 ? true : undefined,
  );
  const after = await scrape();
  expect(total(after, 'smsq_gateway_calls_total', { kind: 'reply', status: '0' })).toBe(1);
  expect(total(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  expect(await worker.kill('SIGTERM')).toBe(0);
});
